// Schema version 1: the domain (tenants, users, devices, keys, network, contacts) and access.
import type { Migration } from './index.ts';

export const initial: Migration = {
  version: 1,
  name: 'initial schema',
  up: `
    CREATE TABLE tenants (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      sip_domain TEXT NOT NULL,
      sip_proxy TEXT,
      sip_port INTEGER NOT NULL DEFAULT 5060,
      sip_transport TEXT NOT NULL DEFAULT 'udp' CHECK (sip_transport IN ('udp','tcp','tls')),
      security TEXT NOT NULL DEFAULT '{}',
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    );
    CREATE TABLE users (
      number TEXT PRIMARY KEY CHECK (length(number) = 10),
      tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      name TEXT NOT NULL,
      email TEXT,
      role TEXT NOT NULL CHECK (role IN ('user','admin')),
      password_hash TEXT,
      sip_auth_name TEXT NOT NULL,
      sip_password TEXT NOT NULL,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    );
    CREATE INDEX users_tenant ON users(tenant_id);
    CREATE TABLE devices (
      mac TEXT PRIMARY KEY CHECK (length(mac) = 12),
      tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      vendor TEXT NOT NULL,
      model TEXT NOT NULL,
      user_number TEXT REFERENCES users(number) ON DELETE SET NULL,
      label TEXT,
      provisioning_username TEXT,
      provisioning_password TEXT,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    );
    CREATE INDEX devices_tenant ON devices(tenant_id);
    CREATE INDEX devices_user ON devices(user_number);
    CREATE TABLE function_keys (
      user_number TEXT NOT NULL REFERENCES users(number) ON DELETE CASCADE,
      position INTEGER NOT NULL CHECK (position >= 1),
      type TEXT NOT NULL CHECK (type IN ('line','blf','speeddial')),
      value TEXT,
      label TEXT,
      PRIMARY KEY (user_number, position)
    );
    CREATE INDEX function_keys_value ON function_keys(value) WHERE type = 'blf';
    CREATE TABLE tenant_network (
      tenant_id TEXT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
      profile TEXT NOT NULL
    );
    CREATE TABLE device_network (
      mac TEXT PRIMARY KEY REFERENCES devices(mac) ON DELETE CASCADE,
      profile TEXT NOT NULL
    );
    CREATE TABLE contacts (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      user_number TEXT NOT NULL REFERENCES users(number) ON DELETE CASCADE,
      name TEXT NOT NULL,
      work TEXT,
      mobile TEXT,
      home TEXT,
      grp TEXT,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    );
    CREATE INDEX contacts_user ON contacts(user_number);
    CREATE TABLE operators (
      login TEXT PRIMARY KEY,
      password_hash TEXT,
      created_at TEXT NOT NULL
    );
    CREATE TABLE api_tokens (
      id TEXT PRIMARY KEY,
      token_hash TEXT NOT NULL UNIQUE,
      principal_kind TEXT NOT NULL CHECK (principal_kind IN ('operator','user')),
      principal_id TEXT NOT NULL,
      label TEXT,
      created_at TEXT NOT NULL
    );
    CREATE TABLE sessions (
      id_hash TEXT PRIMARY KEY,
      principal_kind TEXT NOT NULL,
      principal_id TEXT NOT NULL,
      csrf_token TEXT NOT NULL,
      expires_at TEXT NOT NULL
    );
    CREATE TABLE settings (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL
    );
  `,
};
