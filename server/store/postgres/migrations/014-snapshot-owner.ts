// Schema version 14 (the same change as SQLite's 014-snapshot-owner): whom a fetched-file snapshot
// was rendered for (`<tenant>/<user>`), so that the preview diff shows it only to the device's
// current owner; a snapshot from before this version has none and is not shown.
import type { PgMigration } from './index.ts';

export const snapshotOwner: PgMigration = {
  version: 14,
  name: 'fetched-file snapshot owner',
  up: `ALTER TABLE fetched_files ADD COLUMN owner text;`,
};
