// Reads a table of the database under test directly, for tests that check what is (not)
// stored: a separate connection beside the store under test (read-only on SQLite), on whichever
// engine the configuration names.
import BetterSqlite3 from 'better-sqlite3';
import { sqlOn } from './postgres.ts';

type PeekTable = 'password_resets' | 'resync_targets' | 'resync_jobs';

export async function tableRows(config: { databaseFile: string; databaseUrl: string | null }, table: PeekTable): Promise<Array<Record<string, unknown>>> {
  if (config.databaseUrl) return sqlOn(config.databaseUrl, `SELECT * FROM ${table}`);
  const db = new BetterSqlite3(config.databaseFile, { readonly: true });
  try {
    return db.prepare(`SELECT * FROM ${table}`).all() as Array<Record<string, unknown>>;
  } finally {
    db.close();
  }
}
