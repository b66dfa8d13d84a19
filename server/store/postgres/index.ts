// Opening the PostgreSQL engine: a pool, the migrations under the advisory lock, the change feed.
import pg from 'pg';
import { mapPgError, pgErrorDetail } from './errors.ts';
import { migratePg, pgMigrations, type PgMigration } from './migrations/index.ts';
import { clientConfig, parsePostgresUrl, poolConfig, redactUrl, type PostgresOptions } from './options.ts';
import { PostgresStore } from './store.ts';
import { StoreError } from '../errors.ts';
import { describeKeySource, KeyRing, SecretBox } from '../secrets.ts';
import { pgMissingKeys } from './secrets.ts';

export { PostgresStore } from './store.ts';
export { isPostgresUrl, redactUrl, PostgresConfigError, TLS_MODES, type PgTlsMode, type PostgresOptions } from './options.ts';
export { SchemaTooNewError, latestPgVersion, pgSchemaVersion, MIGRATION_LOCK_KEY } from './migrations/index.ts';

export interface OpenPostgresOptions extends PostgresOptions {
  /** Told about connection trouble the store recovers from (lost change feed, idle client errors). */
  warn?: (message: string, err?: unknown) => void;
  /** Migrations to apply (tests); default: all of them. */
  migrations?: PgMigration[];
  /** Keys of the stored passwords (openStore: CADRAN_SECRET_KEY or the key file); default a throw-away key (tests). */
  keys?: KeyRing;
  /** Refuse to open when a stored password names a key the ring lacks (default true). */
  requireKeys?: boolean;
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
  const keys = opts.keys ?? KeyRing.of();
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
      await migratePg(client, opts.migrations ?? pgMigrations, { box: new SecretBox(keys) });
      if (opts.requireKeys !== false) await checkKeys(client, keys);
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
  const store = new PostgresStore({ pool, listenConfig, warn, keys });
  try {
    await store.startListening();
  } catch (e) {
    await store.close().catch(() => undefined);
    throw new Error(`cannot LISTEN on PostgreSQL ${describePostgres(opts.url)}: ${(mapPgError(e) as Error).message}`, { cause: e });
  }
  return store;
}

/**
 * Every key the stored passwords name must be in the ring (the key file is read again once
 * first): better to refuse to start with the reason than to fail on the first phone that asks.
 */
async function checkKeys(client: pg.PoolClient, ring: KeyRing): Promise<void> {
  const q = (sql: string, params?: unknown[]) => client.query<Record<string, unknown>>(sql, params);
  const known = () => ring.list().map((k) => k.id);
  let missing = await pgMissingKeys(q, known());
  if (missing.length) {
    ring.reload();
    missing = await pgMissingKeys(q, known());
  }
  if (missing.length) {
    throw new StoreError(
      'unavailable',
      `the database holds passwords encrypted with key${missing.length > 1 ? 's' : ''} ${missing.join(', ')} that ${describeKeySource(ring)} does not hold: ` +
        'restore that key (CADRAN_SECRET_KEY or the key file; every node needs the same), or the SIP and provisioning passwords cannot be read',
    );
  }
}
