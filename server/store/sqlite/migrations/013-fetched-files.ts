// Schema version 13 (issue 17): a snapshot of each device file as a phone last fetched it, per
// (device, file), so an admin can see what changes before telling the phone to resync. The body
// is sealed like the passwords (it carries them: secret-sites.ts lists the column), bounded in
// size by the writer (server/provision/activity.ts); a body too large is kept as its size and
// ETag only (body NULL). Versions 10–12 are other branches' migrations.
import type { Migration } from './index.ts';
import { hasTable } from './probe.ts';

export const fetchedFiles: Migration = {
  version: 13,
  applied: hasTable('fetched_files'),
  name: 'fetched-file snapshots',
  up: `
    CREATE TABLE fetched_files (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      mac TEXT NOT NULL REFERENCES devices(mac) ON DELETE CASCADE,
      file TEXT NOT NULL,
      etag TEXT NOT NULL,
      size INTEGER NOT NULL,
      body TEXT,
      at TEXT NOT NULL,
      UNIQUE (mac, file)
    );
  `,
};
