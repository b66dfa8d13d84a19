// Schema version 12 (issue 16, firmware rollout and bulk edits): a device's group label, the
// selector of rollouts (a firmware target scoped to `pilot`) and bulk edits. Firmware targets
// themselves live in the phone profile levels (tenant_network / device_network JSON, config file),
// so they need no table. Versions 10–11 are other branches' migrations.
import type { Migration } from './index.ts';
import { hasTable } from './probe.ts';

export const deviceGroups: Migration = {
  version: 12,
  applied: hasTable('devices', 'device_group'),
  name: 'device group label',
  up: `
    ALTER TABLE devices ADD COLUMN device_group TEXT;
    CREATE INDEX devices_group ON devices(tenant_id, device_group);
  `,
};
