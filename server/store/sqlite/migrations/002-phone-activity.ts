// Schema version 2: voicemail number per user, expansion modules per device, what phones did
// (sightings, unknown phones) and resync jobs.
import type { Migration } from './index.ts';

export const phoneActivity: Migration = {
  version: 2,
  name: 'voicemail, expansion modules, sightings, unknown devices, resync jobs',
  up: `
    ALTER TABLE users ADD COLUMN voicemail_number TEXT NOT NULL DEFAULT '123';
    ALTER TABLE devices ADD COLUMN expansion_modules INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE sightings (
      mac TEXT PRIMARY KEY REFERENCES devices(mac) ON DELETE CASCADE,
      at TEXT NOT NULL,
      ip TEXT NOT NULL,
      user_agent TEXT,
      firmware TEXT,
      file TEXT NOT NULL,
      protocol TEXT NOT NULL
    );
    CREATE TABLE unknown_devices (
      mac TEXT PRIMARY KEY,
      vendor TEXT,
      model TEXT,
      ip TEXT NOT NULL,
      user_agent TEXT,
      first_seen TEXT NOT NULL,
      last_seen TEXT NOT NULL,
      count INTEGER NOT NULL DEFAULT 1
    );
    CREATE TABLE resync_jobs (
      id TEXT PRIMARY KEY,
      scope TEXT NOT NULL,
      scope_id TEXT NOT NULL,
      tenant_id TEXT,
      reboot INTEGER NOT NULL DEFAULT 0,
      requested_by TEXT,
      state TEXT NOT NULL,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    );
    CREATE TABLE resync_targets (
      job_id TEXT NOT NULL REFERENCES resync_jobs(id) ON DELETE CASCADE,
      mac TEXT NOT NULL,
      tenant_id TEXT NOT NULL,
      state TEXT NOT NULL,
      code INTEGER,
      reason TEXT,
      target TEXT,
      updated_at TEXT NOT NULL,
      sent_at TEXT,
      answered_at TEXT,
      fetched_at TEXT,
      PRIMARY KEY (job_id, mac)
    );
    CREATE INDEX resync_targets_state ON resync_targets(state);
    CREATE INDEX resync_targets_mac ON resync_targets(mac);
  `,
};
