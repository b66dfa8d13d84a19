// Versioned PostgreSQL migrations. Each applied version is a row of `schema_migrations`; a
// migration and its row commit together. Numbers are shared with the SQLite migrations
// (server/store/migrations/): the PostgreSQL history starts at 4, the baseline equal to SQLite
// version 4, and every later change gets the same number on both engines.
//
// Several nodes may start at once: the whole check-and-apply runs under a session advisory lock,
// so one node migrates and the others wait, then find nothing left to do. A database migrated by
// a newer cadran (a version this code does not know) is refused: running old code on it could
// corrupt what the new code wrote.
import type pg from 'pg';
import type { SecretBox } from '../../secrets.ts';
import { baseline } from './004-baseline.ts';
import { extraLines } from './005-extra-lines.ts';
import { multiNode } from './006-multinode.ts';
import { authSessions } from './007-auth-sessions.ts';
import { versionsEnrolment } from './008-versions-enrolment.ts';
import { auditFleet } from './009-audit-fleet.ts';
import { userFeatures } from './010-user-features.ts';
import { directoryTemplates } from './011-directory-templates.ts';
import { deviceGroups } from './012-device-groups.ts';
import { fetchedFiles } from './013-fetched-files.ts';
import { snapshotOwner } from './014-snapshot-owner.ts';

export interface PgMigration {
  version: number;
  name: string;
  /** SQL script (several statements) or a function for data migrations, run inside the migration's transaction. */
  up: string | ((client: pg.PoolClient, ctx: PgMigrationContext) => Promise<void>);
}

/** What data migrations may need besides the database. */
export interface PgMigrationContext {
  /** Seals passwords with the installation's current key; absent when only an empty database is migrated. */
  box?: SecretBox;
}

// Numbers are shared with SQLite.
export const pgMigrations: PgMigration[] = [
  baseline, extraLines, multiNode, authSessions, versionsEnrolment, auditFleet, userFeatures, directoryTemplates, deviceGroups, fetchedFiles, snapshotOwner,
];

export const latestPgVersion = (): number => pgMigrations[pgMigrations.length - 1]!.version;

/** Key of the advisory lock held while migrating (any constant other cadran locks do not use). */
export const MIGRATION_LOCK_KEY = 0x63616472; // "cadr"

export class SchemaTooNewError extends Error {
  constructor(
    readonly databaseVersion: number,
    readonly codeVersion: number,
  ) {
    super(
      `the PostgreSQL database is at schema version ${databaseVersion}, newer than this cadran knows (${codeVersion}): ` +
        'it was migrated by a newer cadran; run that version (or newer) on every node instead of this one',
    );
    this.name = 'SchemaTooNewError';
  }
}

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/** Highest applied version, 0 for an empty database. */
export async function pgSchemaVersion(client: pg.ClientBase): Promise<number> {
  const exists = await client.query<{ t: string | null }>(`SELECT to_regclass('schema_migrations')::text AS t`);
  if (!exists.rows[0]?.t) return 0;
  const r = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
  return r.rows[0]?.v ?? 0;
}

/**
 * Apply every migration above the database's version, under the advisory lock. Returns the
 * versions this call applied (none when another node did it first).
 */
export async function migratePg(client: pg.PoolClient, migrations: PgMigration[] = pgMigrations, ctx: PgMigrationContext = {}): Promise<number[]> {
  const latest = migrations[migrations.length - 1]!.version;
  const applied: number[] = [];
  // Migrations may run long on a big database: no statement timeout for this session.
  await client.query('SET statement_timeout = 0');
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
  try {
    await client.query(CREATE_TABLE);
    const current = await pgSchemaVersion(client);
    if (current > latest) throw new SchemaTooNewError(current, latest);
    // Every version has its row: one missing below the highest (numbers reserved per branch land
    // out of order, e.g. 008 after 009) is applied too.
    const done = new Set(((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows).map((r) => Number(r.version)));
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await client.query('BEGIN');
      try {
        if (typeof m.up === 'string') await client.query(m.up);
        else await m.up(client, ctx);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw new Error(`PostgreSQL migration ${m.version} (${m.name}) failed: ${(e as Error).message}`, { cause: e });
      }
      applied.push(m.version);
    }
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await client.query('RESET statement_timeout').catch(() => undefined);
  }
}
