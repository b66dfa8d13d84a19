// Schema version 11 (the same change as SQLite's 011-directory-templates, issue 16): shared
// contacts of a tenant (company directory), key templates (keys as json, a version for stale-write
// checks), and on users: directory_hidden, key_template (a deleted template: none).
// As in the baseline: text is COLLATE "C", times are ISO-8601 text, JSON documents are `json`.
import type { PgMigration } from './index.ts';
import { script, table, ID, VERSION, STAMPS } from './ddl.ts';

export const directoryTemplates: PgMigration = {
  version: 11,
  name: 'company directory (shared contacts, hidden licences) and key templates',
  up: script(
    table('tenant_contacts', ID, 'tenant_id NOT NULL REFERENCES tenants(id) ON DELETE CASCADE', 'name NOT NULL', 'work', 'mobile', 'home', 'grp', VERSION,
      ...STAMPS),
    'CREATE INDEX tenant_contacts_tenant ON tenant_contacts(tenant_id)',
    table('key_templates', ID, 'tenant_id NOT NULL REFERENCES tenants(id) ON DELETE CASCADE', 'name NOT NULL', 'family', `keys json NOT NULL DEFAULT '[]'`,
      VERSION, ...STAMPS, 'UNIQUE (tenant_id, name)'),
    'ALTER TABLE users ADD COLUMN directory_hidden boolean NOT NULL DEFAULT false',
    'ALTER TABLE users ADD COLUMN key_template bigint REFERENCES key_templates(id) ON DELETE SET NULL',
    'CREATE INDEX users_key_template ON users(key_template)',
  ),
};
