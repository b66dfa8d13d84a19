// Opening the PostgreSQL engine: a pool, the migrations under the advisory lock, the change feed.
import pg from 'pg';
import { mapPgError, pgErrorDetail } from './errors.ts';
import { migratePg, pgMigrations, type PgMigration } from './migrations/index.ts';
import { clientConfig, parsePostgresUrl, poolConfig, redactUrl, type PostgresOptions } from './options.ts';
import { PostgresStore } from './store.ts';

export { PostgresStore } from './store.ts';
export { isPostgresUrl, redactUrl, PostgresConfigError, TLS_MODES, type PgTlsMode, type PostgresOptions } from './options.ts';
export { SchemaTooNewError, latestPgVersion, pgSchemaVersion, MIGRATION_LOCK_KEY } from './migrations/index.ts';

export interface OpenPostgresOptions extends PostgresOptions {
  /** Told about connection trouble the store recovers from (lost change feed, idle client errors). */
  warn?: (message: string, err?: unknown) => void;
  /** Migrations to apply (tests); default: all of them. */
  migrations?: PgMigration[];
}

/** What the connection is, for messages: `postgres://user@host:port/db` (no password). */
export function describePostgres(url: string): string {
  try {
    const p = parsePostgresUrl(url);
    return `${p.user ?? '(default user)'}@${p.host}:${p.port}/${p.database}`;
  } catch {
    return redactUrl(url);
  }
}

/**
 * Connect, bring the schema up to date (once, whatever the number of nodes starting together)
 * and start listening for other nodes' changes. Fails with a message naming the server when it
 * cannot be reached, and refuses a database migrated by a newer cadran.
 */
export async function openPostgresStore(opts: OpenPostgresOptions): Promise<PostgresStore> {
  const { tlsMode: _mode, ...cfg } = poolConfig(opts);
  const pool = new pg.Pool(cfg);
  const warn = opts.warn ?? (() => undefined);
  // An idle connection the server closes must not crash the process; the pool replaces it.
  pool.on('error', (err) => warn('PostgreSQL idle connection error', err));
  try {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (e) {
      // The reason without its "the database cannot be reached" head: the edges say that part.
      const detail = pgErrorDetail(mapPgError(e));
      throw new Error(`cannot connect to PostgreSQL ${describePostgres(opts.url)}: ${detail}`, { cause: e });
    }
    try {
      await migratePg(client, opts.migrations ?? pgMigrations);
    } finally {
      client.release();
    }
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw e;
  }
  let listenConfig: pg.ClientConfig | null = null;
  if (opts.listen !== false) {
    const { tlsMode: _m, ...c } = clientConfig(opts);
    listenConfig = c;
  }
  const store = new PostgresStore({ pool, listenConfig, warn });
  try {
    await store.startListening();
  } catch (e) {
    await store.close().catch(() => undefined);
    throw new Error(`cannot LISTEN on PostgreSQL ${describePostgres(opts.url)}: ${(mapPgError(e) as Error).message}`, { cause: e });
  }
  return store;
}
