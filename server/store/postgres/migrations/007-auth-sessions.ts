// Schema version 7 on PostgreSQL, the same step as SQLite's 007 (server/store/sqlite/migrations/):
// API tokens and web sessions become one table of credentials that expire and can be revoked;
// operator tokens are kept and expire a year from the upgrade, the tokens logins made (label
// 'login') and the old sessions are dropped; the passwords still stored in plaintext are sealed
// with the installation's key (server/store/secrets.ts).
import type { PgMigration } from './index.ts';
import { script, table } from './ddl.ts';
import { pgSealPlaintext } from '../secrets.ts';

const SQL = script(
  table('auth_sessions', 'id PRIMARY KEY', `kind NOT NULL CHECK (kind IN ('session','token'))`, 'token_hash UNIQUE', 'cookie_hash UNIQUE', 'csrf_token',
    `principal_kind NOT NULL CHECK (principal_kind IN ('operator','user'))`, 'principal_id NOT NULL', 'label', 'created_at NOT NULL',
    'last_used_at NOT NULL', 'expires_at NOT NULL', 'address', 'user_agent'),
  'CREATE INDEX auth_sessions_principal ON auth_sessions(principal_kind, principal_id)',
  'CREATE INDEX auth_sessions_expires ON auth_sessions(expires_at)',
  `INSERT INTO auth_sessions (id, kind, token_hash, principal_kind, principal_id, label, created_at, last_used_at, expires_at)
     SELECT id, 'token', token_hash, principal_kind, principal_id, label, created_at, created_at,
            to_char((now() AT TIME ZONE 'UTC') + interval '365 days', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
     FROM api_tokens WHERE label IS DISTINCT FROM 'login'`,
  'DROP TABLE api_tokens',
  'DROP TABLE sessions',
);

export const authSessions: PgMigration = {
  version: 7,
  name: 'credentials: expiring, revocable sessions and tokens; passwords sealed',
  up: async (client, ctx) => {
    await client.query(SQL);
    const q = (sql: string, params?: unknown[]) => client.query<Record<string, unknown>>(sql, params);
    if (ctx.box) {
      await pgSealPlaintext(q, ctx.box);
      return;
    }
    // No keys (copying into an empty database): nothing may be left in plaintext unnoticed.
    const left = await q(`SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM devices WHERE provisioning_password IS NOT NULL) AS n`);
    if (Number(left.rows[0]!.n) > 0) throw new Error('this database holds passwords to encrypt: open it with cadran (its secret key) to upgrade it');
  },
};
