// Reads a table of a SQLite database file directly, for tests that check what is (not) stored:
// a separate read-only connection, beside the store under test.
import BetterSqlite3 from 'better-sqlite3';

export function tableRows(file: string, table: 'password_resets' | 'resync_targets' | 'resync_jobs'): Array<Record<string, unknown>> {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    return db.prepare(`SELECT * FROM ${table}`).all() as Array<Record<string, unknown>>;
  } finally {
    db.close();
  }
}
