// Schema version 5 (same number as SQLite's 005): more licences of the tenant registered on a
// phone (accounts 2…n), in order, as a JSON array of user numbers on the device row.
import type { PgMigration } from './index.ts';

export const extraLines: PgMigration = {
  version: 5,
  name: 'extra lines of a phone',
  up: `
    ALTER TABLE devices ADD COLUMN extra_lines json NOT NULL DEFAULT '[]'
      CHECK (json_typeof(extra_lines) = 'array');
  `,
};
