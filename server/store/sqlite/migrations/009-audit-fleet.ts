// Schema version 9: the audit trail, and what each phone fetched (per file: the ETag of the bytes
// it got and the URL root it asked under) plus the model its User-Agent names, for the fleet's
// config state. (Versions 5–8 are other branches' migrations; each is applied when above the
// database's version.)
import type { Migration } from './index.ts';
import { hasTable } from './probe.ts';

export const auditFleet: Migration = {
  version: 9,
  applied: hasTable('audit_log'),
  name: 'audit trail, fetched files per device, model from the User-Agent',
  up: `
    CREATE TABLE audit_log (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      at TEXT NOT NULL,
      principal TEXT NOT NULL,
      channel TEXT NOT NULL,
      address TEXT NOT NULL,
      action TEXT NOT NULL,
      tenant_id TEXT,
      user_number TEXT,
      mac TEXT,
      target_id TEXT,
      before TEXT,
      after TEXT,
      changes TEXT NOT NULL DEFAULT '[]',
      summary TEXT
    );
    CREATE INDEX audit_log_at ON audit_log(at);
    CREATE INDEX audit_log_tenant ON audit_log(tenant_id, id);
    CREATE INDEX audit_log_user ON audit_log(user_number, id);
    CREATE INDEX audit_log_mac ON audit_log(mac, id);
    CREATE TABLE device_files (
      mac TEXT NOT NULL REFERENCES devices(mac) ON DELETE CASCADE,
      file TEXT NOT NULL,
      etag TEXT NOT NULL,
      root TEXT NOT NULL,
      at TEXT NOT NULL,
      PRIMARY KEY (mac, file)
    );
    ALTER TABLE sightings ADD COLUMN model TEXT;
  `,
};
