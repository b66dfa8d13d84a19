// How a migration that may land after a higher number tells it was applied (see index.ts).
import type { Database } from 'better-sqlite3';

/** A probe for `Migration.applied`: the table exists (and has the column, when named). */
export const hasTable = (table: string, column?: string) => (db: Database): boolean => {
  const cols = db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[];
  return cols.length > 0 && (column === undefined || cols.includes(column));
};
