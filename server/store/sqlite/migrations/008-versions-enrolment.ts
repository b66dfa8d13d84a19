// Schema version 8 (issue 12): row versions for optimistic concurrency (a stale write is refused
// instead of undoing another one), adopt-before-serve enrolment of devices, unknown phones an
// operator assigned to a tenant, and the undo journal of imports that commit in chunks.
// Versions 5–7 belong to other work merged separately; migrations apply in version order.
import type { Migration } from './index.ts';
import { hasTable } from './probe.ts';

export const versionsEnrolment: Migration = {
  version: 8,
  applied: hasTable('import_undo'),
  name: 'row versions, device enrolment, unknown-phone assignment, import undo journal',
  up: `
    ALTER TABLE tenants ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE users ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE users ADD COLUMN keys_version INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE devices ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE devices ADD COLUMN enrol_until TEXT;
    ALTER TABLE devices ADD COLUMN enrolled_at TEXT;
    ALTER TABLE devices ADD COLUMN enrolled_ip TEXT;
    ALTER TABLE contacts ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE tenant_network ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE device_network ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE unknown_devices ADD COLUMN assigned_tenant TEXT REFERENCES tenants(id) ON DELETE SET NULL;
    CREATE INDEX unknown_devices_last_seen ON unknown_devices(last_seen);
    CREATE TABLE import_runs (
      id TEXT PRIMARY KEY,
      kind TEXT NOT NULL,
      owner TEXT NOT NULL,
      started_at TEXT NOT NULL,
      heartbeat_at TEXT NOT NULL,
      state TEXT NOT NULL DEFAULT 'running' CHECK (state IN ('running','done'))
    );
    CREATE TABLE import_undo (
      run_id TEXT NOT NULL REFERENCES import_runs(id) ON DELETE CASCADE,
      seq INTEGER NOT NULL,
      entity TEXT NOT NULL CHECK (entity IN ('device','contact')),
      key TEXT NOT NULL,
      before TEXT,
      after_version INTEGER NOT NULL,
      PRIMARY KEY (run_id, seq)
    );
  `,
};
