// Schema version 12 (same number as SQLite's 012-device-groups): a device's group label, the
// selector of firmware rollouts and bulk edits. Versions 10–11 belong to other changes.
import type { PgMigration } from './index.ts';

export const deviceGroups: PgMigration = {
  version: 12,
  name: 'device group label',
  up: `
    ALTER TABLE devices ADD COLUMN device_group text COLLATE "C";
    CREATE INDEX devices_group ON devices(tenant_id, device_group);
  `,
};
