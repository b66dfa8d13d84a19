import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore, openDatabase } from '../server/store/sqlite.ts';
import { migrations, schemaVersion } from '../server/store/migrations/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'cadran-store-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('a database made by schema version 1 is upgraded in place, data kept', () => {
  const file = join(dir, 'v1.sqlite');
  const old = openDatabase({ file, migrateTo: 1 });
  assert.is(schemaVersion(old), 1);
  const at = new Date().toISOString();
  old.prepare(`INSERT INTO tenants (id, name, sip_domain, created_at, updated_at) VALUES ('acme', 'Acme', 'sip.acme.example', ?, ?)`).run(at, at);
  old.prepare(`INSERT INTO users (number, tenant_id, name, role, sip_auth_name, sip_password, created_at, updated_at)
               VALUES ('0100000001', 'acme', 'Chloé', 'admin', '0100000001', 'secret-secret', ?, ?)`).run(at, at);
  old.prepare(`INSERT INTO devices (mac, tenant_id, vendor, model, user_number, created_at, updated_at)
               VALUES ('805ec0123401', 'acme', 'yealink', 'T54W', '0100000001', ?, ?)`).run(at, at);
  old.close();

  const store = new SqliteStore({ file });
  assert.is(schemaVersion(store.db), migrations[migrations.length - 1]!.version);
  const u = store.users.get('0100000001')!;
  assert.is(u.name, 'Chloé');
  assert.is(u.voicemailNumber, '123', 'column added by v2 with its default');
  assert.is(store.devices.get('805ec0123401')!.expansionModules, 0);
  assert.equal(store.unknownDevices.list(), []);
  store.close();
  // Opening again applies nothing more.
  const again = new SqliteStore({ file });
  assert.is(schemaVersion(again.db), migrations[migrations.length - 1]!.version);
  again.close();
});

test('WAL mode and foreign keys are on', () => {
  const store = new SqliteStore({ file: join(dir, 'pragmas.sqlite') });
  assert.is(store.db.pragma('journal_mode', { simple: true }), 'wal');
  assert.is(store.db.pragma('foreign_keys', { simple: true }), 1);
  store.close();
});

test('a transaction that fails half-way leaves nothing behind', () => {
  const store = new SqliteStore({ file: join(dir, 'tx.sqlite') });
  store.tenants.insert({ id: 'acme', name: 'Acme', sipDomain: 'sip.acme.example', sipProxy: null, sipPort: 5060, sipTransport: 'udp', security: {} });
  const user = (number: string) => ({
    number, tenantId: 'acme', name: 'U ' + number, email: null, role: 'user' as const, passwordHash: null,
    sipAuthName: number, sipPassword: 'secret-secret', voicemailNumber: '123',
  });
  assert.throws(() =>
    store.transaction(() => {
      store.users.insert(user('0100000001'));
      store.keys.replace('0100000001', [{ position: 1, type: 'line', value: null, label: null }]);
      store.users.insert(user('0100000001')); // duplicate: fails half-way
    }),
  );
  assert.is(store.users.get('0100000001'), undefined);
  assert.equal(store.keys.list('0100000001'), []);
  // Nested replace inside a failing outer transaction is rolled back too.
  store.users.insert(user('0100000002'));
  assert.throws(() =>
    store.transaction(() => {
      store.keys.replace('0100000002', [{ position: 1, type: 'line', value: null, label: null }]);
      throw new Error('boom');
    }),
  );
  assert.equal(store.keys.list('0100000002'), []);
  store.close();
});

test('deleting a tenant cascades to its users, devices, keys and contacts', () => {
  const store = new SqliteStore({ file: join(dir, 'cascade.sqlite') });
  store.tenants.insert({ id: 'acme', name: 'Acme', sipDomain: 'sip.acme.example', sipProxy: null, sipPort: 5060, sipTransport: 'udp', security: {} });
  store.users.insert({ number: '0100000001', tenantId: 'acme', name: 'A', email: null, role: 'user', passwordHash: null, sipAuthName: 'a', sipPassword: 'secret-secret', voicemailNumber: '123' });
  store.contacts.insert({ userNumber: '0100000001', name: 'C', work: '0102030405', mobile: null, home: null, group: null });
  store.tenants.delete('acme');
  assert.is(store.users.get('0100000001'), undefined);
  assert.equal(store.contacts.list('0100000001'), []);
  store.close();
});

test.run();
