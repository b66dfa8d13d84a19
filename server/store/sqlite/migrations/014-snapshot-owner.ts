// Schema version 14: whom a fetched-file snapshot was rendered for (`<tenant>/<user>`). A phone
// moved to another tenant or given to another user keeps its snapshots, and the preview diff
// showed the old ones to the new tenant or user: the previous user's personal contacts, the old
// tenant's URL token and, with `secrets`, the old SIP password (security review of 1 Dec). The
// preview now shows a snapshot only to the device's current owner; a snapshot from before this
// version has no owner and is not shown.
import type { Migration } from './index.ts';
import { hasTable } from './probe.ts';

export const snapshotOwner: Migration = {
  version: 14,
  applied: hasTable('fetched_files', 'owner'),
  name: 'fetched-file snapshot owner',
  up: `ALTER TABLE fetched_files ADD COLUMN owner TEXT;`,
};
