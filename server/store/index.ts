// Opens the store the configuration names. SQLite (the embedded default) keeps its file in the
// data directory; `CADRAN_DATABASE_URL=postgres://…` selects PostgreSQL (pool, TLS and statement
// timeout from the CADRAN_DATABASE_* settings). Either way the stored passwords are sealed with the
// installation's keys (secrets.ts): `CADRAN_SECRET_KEY`, else `<data dir>/secret.key`.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError, type Config } from '../config.ts';
import { StoreError } from './errors.ts';
import { openPostgresStore, PostgresConfigError } from './postgres/index.ts';
import { KeyRing } from './secrets.ts';
import { SqliteStore } from './sqlite/store.ts';
import type { Store } from './types.ts';

export interface StoreConfig {
  /** SQLite file (`<data dir>/cadran.sqlite`), used when no database URL is given. */
  databaseFile: string;
  /** SQLite: seconds a write waits (on timers) for another process's lock before it is 'busy' (default 15). */
  sqliteBusySeconds?: number;
  /** `postgres://…` / `postgresql://…`, or null for the embedded SQLite file. */
  databaseUrl: string | null;
  /** PostgreSQL settings (defaults when absent). */
  database?: Partial<Config['database']>;
  /** `CADRAN_SECRET_KEY` split into keys (the first encrypts), or null to use the key file. */
  secretKeys: string[] | null;
  /** `<data dir>/secret.key`: made at the first start when no CADRAN_SECRET_KEY is given. */
  secretKeyFile: string;
}

export interface OpenStoreOptions {
  /** Told about trouble the store recovers from by itself (a PostgreSQL connection lost and re-made). */
  warn?: (message: string, err?: unknown) => void;
  /** Listen for other nodes' changes (PostgreSQL; default true). A one-shot command can skip it. */
  listen?: boolean;
  /** These keys instead of the configured ones (`cadran secrets rotate`). */
  keys?: KeyRing;
  /** Refuse to open when a stored password names a missing key (default true; `cadran secrets status` says it instead). */
  requireKeys?: boolean;
}

/** The keys of the installation: CADRAN_SECRET_KEY, or the key file (created, 0600, when absent). */
export function loadKeys(config: StoreConfig): KeyRing {
  if (!config.secretKeys) mkdirSync(dirname(config.secretKeyFile), { recursive: true, mode: 0o700 });
  return KeyRing.load({ envKeys: config.secretKeys, file: config.secretKeyFile });
}

export async function openStore(config: StoreConfig, opts: OpenStoreOptions = {}): Promise<Store> {
  const url = config.databaseUrl;
  if (url && /^postgres(ql)?:\/\//i.test(url)) {
    const db = config.database ?? {};
    try {
      return await openPostgresStore({
        url,
        ...(db.poolSize !== undefined ? { poolSize: db.poolSize } : {}),
        ...(db.tls ? { tls: db.tls } : {}),
        ...(db.caFile ? { caFile: db.caFile } : {}),
        ...(db.statementTimeoutMs !== undefined ? { statementTimeoutMs: db.statementTimeoutMs } : {}),
        ...(opts.warn ? { warn: opts.warn } : {}),
        ...(opts.listen === false ? { listen: false } : {}),
        keys: opts.keys ?? loadKeys(config),
        ...(opts.requireKeys === false ? { requireKeys: false } : {}),
      });
    } catch (e) {
      if (e instanceof PostgresConfigError) throw new ConfigError(`CADRAN_DATABASE_URL: ${e.message}`);
      if (e instanceof StoreError || e instanceof ConfigError) throw e;
      // Cannot connect, cannot migrate, schema newer than this code: one clear line for people.
      throw new StoreError('unavailable', (e as Error).message, { cause: e });
    }
  }
  if (url) throw new StoreError('unavailable', `CADRAN_DATABASE_URL: unsupported database URL scheme (expected postgres://)`);
  return new SqliteStore({
    file: config.databaseFile,
    busyDeadlineMs: (config.sqliteBusySeconds ?? 15) * 1000,
    keys: opts.keys ?? loadKeys(config),
    ...(opts.requireKeys === false ? { requireKeys: false } : {}),
  });
}

export type { Store, StoreChange } from './types.ts';
/** `cadran migrate`: the copy of a SQLite installation into PostgreSQL. */
export { copySqliteToPostgres, CopyError, type CopyReport } from './postgres/from-sqlite.ts';
export { describePostgres as describePostgresUrl } from './postgres/index.ts';
export { StoreError, isStoreError, type StoreErrorCode } from './errors.ts';
