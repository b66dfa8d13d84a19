// Schema version 13 (the same change as SQLite's 013-fetched-files): a snapshot of each device
// file as a phone last fetched it, per (device, file); the body is sealed like the passwords
// (secret-sites.ts), NULL when it was too large to keep (size and ETag only).
import type { PgMigration } from './index.ts';
import { script, table, ID } from './ddl.ts';

export const fetchedFiles: PgMigration = {
  version: 13,
  name: 'fetched-file snapshots',
  up: script(
    table('fetched_files', ID, 'mac NOT NULL REFERENCES devices(mac) ON DELETE CASCADE', 'file NOT NULL', 'etag NOT NULL', 'size integer NOT NULL',
      'body text', 'at NOT NULL', 'UNIQUE (mac, file)'),
  ),
};
