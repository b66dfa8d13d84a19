// Schema version 8 (same number as SQLite's 008, issue 12): row versions for optimistic
// concurrency (a stale write is refused instead of undoing another one), adopt-before-serve
// enrolment of devices, unknown phones an operator assigned to a tenant, and the undo journal of
// imports that commit in chunks. Versions 6–7 belong to other work merged separately.
import type { PgMigration } from './index.ts';
import { script, table, T } from './ddl.ts';

export const versionsEnrolment: PgMigration = {
  version: 8,
  name: 'row versions, device enrolment, unknown-phone assignment, import undo journal',
  up: script(
    'ALTER TABLE tenants ADD COLUMN version integer NOT NULL DEFAULT 1',
    'ALTER TABLE users ADD COLUMN version integer NOT NULL DEFAULT 1',
    'ALTER TABLE users ADD COLUMN keys_version integer NOT NULL DEFAULT 1',
    'ALTER TABLE devices ADD COLUMN version integer NOT NULL DEFAULT 1',
    `ALTER TABLE devices ADD COLUMN enrol_until ${T}`,
    `ALTER TABLE devices ADD COLUMN enrolled_at ${T}`,
    `ALTER TABLE devices ADD COLUMN enrolled_ip ${T}`,
    'ALTER TABLE contacts ADD COLUMN version integer NOT NULL DEFAULT 1',
    'ALTER TABLE tenant_network ADD COLUMN version integer NOT NULL DEFAULT 1',
    'ALTER TABLE device_network ADD COLUMN version integer NOT NULL DEFAULT 1',
    `ALTER TABLE unknown_devices ADD COLUMN assigned_tenant ${T} REFERENCES tenants(id) ON DELETE SET NULL`,
    'CREATE INDEX unknown_devices_last_seen ON unknown_devices(last_seen)',
    table('import_runs', 'id PRIMARY KEY', 'kind NOT NULL', 'owner NOT NULL', 'started_at NOT NULL', 'heartbeat_at NOT NULL',
      `state NOT NULL DEFAULT 'running' CHECK (state IN ('running','done'))`),
    table('import_undo', 'run_id NOT NULL REFERENCES import_runs(id) ON DELETE CASCADE', 'seq integer NOT NULL',
      `entity NOT NULL CHECK (entity IN ('device','contact'))`, 'key NOT NULL', 'before', 'after_version integer NOT NULL', 'PRIMARY KEY (run_id, seq)'),
  ),
};
