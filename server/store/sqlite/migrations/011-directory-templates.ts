// Schema version 11 (issue 16): the company directory and key templates.
// - tenant_contacts: contacts a tenant's admins share with every phone of the tenant (a version
//   for stale-write checks and the import undo journal, like personal contacts);
// - key_templates: key layouts of a tenant (keys as a JSON array, a version for stale-write checks);
// - users.directory_hidden: a licence left out of the company directory;
// - users.key_template: the template a licence's keys start from (a deleted template: none).
// (Versions 6, 8, 10 are other branches' migrations; each is applied when above the database's version.)
import type { Migration } from './index.ts';
import { hasTable } from './probe.ts';

export const directoryTemplates: Migration = {
  version: 11,
  applied: hasTable('key_templates'),
  name: 'company directory (shared contacts, hidden licences) and key templates',
  up: `
    CREATE TABLE tenant_contacts (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      name TEXT NOT NULL,
      work TEXT,
      mobile TEXT,
      home TEXT,
      grp TEXT,
      version INTEGER NOT NULL DEFAULT 1,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    );
    CREATE INDEX tenant_contacts_tenant ON tenant_contacts(tenant_id);
    CREATE TABLE key_templates (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      name TEXT NOT NULL,
      family TEXT,
      keys TEXT NOT NULL DEFAULT '[]',
      version INTEGER NOT NULL DEFAULT 1,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      UNIQUE (tenant_id, name)
    );
    ALTER TABLE users ADD COLUMN directory_hidden INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE users ADD COLUMN key_template INTEGER REFERENCES key_templates(id) ON DELETE SET NULL;
    CREATE INDEX users_key_template ON users(key_template);
  `,
};
