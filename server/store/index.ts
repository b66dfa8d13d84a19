// Opens the store the configuration names. SQLite (the embedded default) keeps its file in the
// data directory; `CADRAN_DATABASE_URL=postgres://…` selects PostgreSQL.
import { StoreError } from './errors.ts';
import { SqliteStore } from './sqlite/store.ts';
import type { Store } from './types.ts';

export interface StoreConfig {
  /** SQLite file (`<data dir>/cadran.sqlite`), used when no database URL is given. */
  databaseFile: string;
  /** `postgres://…` / `postgresql://…`, or null for the embedded SQLite file. */
  databaseUrl: string | null;
}

export async function openStore(config: StoreConfig): Promise<Store> {
  const url = config.databaseUrl;
  if (url && /^postgres(ql)?:\/\//i.test(url)) {
    // The PostgreSQL engine (server/store/postgres/) plugs in here: return openPostgresStore(url, …).
    throw new StoreError('unavailable', 'CADRAN_DATABASE_URL names a PostgreSQL database, but this build of cadran has no PostgreSQL store yet');
  }
  if (url) throw new StoreError('unavailable', `CADRAN_DATABASE_URL: unsupported database URL scheme (expected postgres://)`);
  return new SqliteStore({ file: config.databaseFile });
}

export type { Store, StoreChange } from './types.ts';
export { StoreError, isStoreError, type StoreErrorCode } from './errors.ts';
