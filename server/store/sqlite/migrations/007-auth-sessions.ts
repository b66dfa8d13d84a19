// Schema version 7: API tokens and web sessions become one table of credentials that expire and
// can be revoked (issue 12, finding 3). A login (`POST /sessions`, the web form) makes a `session`:
// its cookie and its bearer token are two secrets of the same row, so logging out with either
// ends both; it has an absolute expiry and a sliding idle timeout (from last_used_at). A `token`
// (`cadran operator create`, `cadran token create`) lives until revoked or its long expiry.
// Only SHA-256 hashes of the secrets are kept.
//
// The same step seals the passwords still stored in plaintext (SIP, provisioning, phone profile,
// tenant provisioning) with the installation's key: from this version on, the store writes them
// encrypted only (server/store/secrets.ts).
//
// Upgrading: operator tokens are kept and expire a year from the upgrade; the tokens that logins
// made (label 'login', never expiring) and the old sessions are dropped: people log in again.
import type { Migration } from './index.ts';
import { hasTable } from './probe.ts';
import { sealPlaintext } from '../secret-columns.ts';

const SQL = `
    CREATE TABLE auth_sessions (
      id TEXT PRIMARY KEY,
      kind TEXT NOT NULL CHECK (kind IN ('session','token')),
      token_hash TEXT UNIQUE,
      cookie_hash TEXT UNIQUE,
      csrf_token TEXT,
      principal_kind TEXT NOT NULL CHECK (principal_kind IN ('operator','user')),
      principal_id TEXT NOT NULL,
      label TEXT,
      created_at TEXT NOT NULL,
      last_used_at TEXT NOT NULL,
      expires_at TEXT NOT NULL,
      address TEXT,
      user_agent TEXT
    );
    CREATE INDEX auth_sessions_principal ON auth_sessions(principal_kind, principal_id);
    CREATE INDEX auth_sessions_expires ON auth_sessions(expires_at);
    INSERT INTO auth_sessions (id, kind, token_hash, principal_kind, principal_id, label, created_at, last_used_at, expires_at)
      SELECT id, 'token', token_hash, principal_kind, principal_id, label, created_at, created_at,
             strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+365 days')
      FROM api_tokens WHERE label IS NOT 'login';
    DROP TABLE api_tokens;
    DROP TABLE sessions;
`;

export const authSessions: Migration = {
  version: 7,
  applied: hasTable('auth_sessions'),
  name: 'credentials: expiring, revocable sessions and tokens',
  up: (db, { box }) => {
    db.exec(SQL);
    sealPlaintext(db, box);
  },
};
