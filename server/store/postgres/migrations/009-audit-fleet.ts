// Schema version 9 (the same change as SQLite's 009-audit-fleet): the audit trail, what each
// phone fetched (per file: the ETag of the bytes it got and the URL root it asked under) and the
// model its User-Agent names, for the fleet's config state. Versions 5–8 belong to other changes;
// each migration is applied when above the database's version.
// As in the baseline: text is COLLATE "C", times are ISO-8601 text, JSON documents are `json`;
// audit_log.id is an identity (SQLite's AUTOINCREMENT: ids grow with time, never reused).
import type { PgMigration } from './index.ts';
import { script, table, ID, T } from './ddl.ts';

export const auditFleet: PgMigration = {
  version: 9,
  name: 'audit trail, fetched files per device, model from the User-Agent',
  up: script(
    table('audit_log', ID, 'at NOT NULL', 'principal NOT NULL', 'channel NOT NULL', 'address NOT NULL', 'action NOT NULL', 'tenant_id', 'user_number',
      'mac', 'target_id', '"before" json', '"after" json', `changes json NOT NULL DEFAULT '[]'`, 'summary json'),
    'CREATE INDEX audit_log_at ON audit_log(at)',
    'CREATE INDEX audit_log_tenant ON audit_log(tenant_id, id)',
    'CREATE INDEX audit_log_user ON audit_log(user_number, id)',
    'CREATE INDEX audit_log_mac ON audit_log(mac, id)',
    table('device_files', 'mac NOT NULL REFERENCES devices(mac) ON DELETE CASCADE', 'file NOT NULL', 'etag NOT NULL', 'root NOT NULL', 'at NOT NULL',
      'PRIMARY KEY (mac, file)'),
    `ALTER TABLE sightings ADD COLUMN model ${T}`,
  ),
};
