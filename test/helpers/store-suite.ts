// The one store test suite every engine passes: each method of the Store contract, transactions,
// changes made by another instance, and migrations. An engine's test file gives a harness
// (how to make a fresh database and open stores on it) and calls storeSuite().
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Store, StoreChange } from '../../server/store/types.ts';
import { StoreError } from '../../server/store/errors.ts';
import type { ResyncJob, ResyncTarget } from '../../server/domain/resync.ts';

export interface SuiteDatabase {
  /** Open a store on this database (several may be open at once: other processes or nodes). */
  open(): Promise<Store>;
  /** The schema version the database records. */
  schemaVersion(): Promise<number>;
  /** Make the database look migrated by a newer cadran (schema version `v`). */
  markNewer(v: number): Promise<void>;
  /** Every row of every table, as text (what a copy of the database would give away). */
  rawText(): Promise<string>;
}

export interface StoreHarness {
  engine: 'sqlite' | 'postgres';
  /** Latest schema version this code knows. */
  latestVersion: number;
  /** A new, empty database (nothing migrated yet). */
  newDatabase(): Promise<SuiteDatabase>;
  /** A new database already at the latest schema, when the engine can make one faster than migrating. */
  newMigratedDatabase?(): Promise<SuiteDatabase>;
  /** How changes of other instances arrive: NOTIFY with MACs (postgres) or polling as '*' (sqlite). */
  feed: 'notify' | 'poll';
  /** Called once after every test of the suite. */
  cleanup?(): Promise<void>;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const tenant = (id: string) => ({
  id, name: `Tenant ${id}`, sipDomain: `sip.${id}.example`, sipProxy: null, sipPort: 5060, sipTransport: 'udp' as const, security: {},
});
const user = (number: string, tenantId = 'acme', extra: Partial<{ name: string; role: 'user' | 'admin' }> = {}) => ({
  number, tenantId, name: extra.name ?? `User ${number}`, email: null, role: extra.role ?? ('user' as const), passwordHash: null,
  sipAuthName: `a${number}`, sipPassword: `secret-${number}`, voicemailNumber: '123',
});
const device = (mac: string, tenantId = 'acme', userNumber: string | null = null) => ({
  mac, tenantId, vendor: 'yealink', model: 'T54W', userNumber, label: null, expansionModules: 0, extraLines: [], provisioningUsername: null, provisioningPassword: null,
  group: null as string | null,
});

/** Waits until `check` returns a value (not undefined), polling every 20 ms, or fails after `ms`. */
export async function until<T>(what: string, check: () => T | undefined | Promise<T | undefined>, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function rejects(p: Promise<unknown>, code: StoreError['code'], what: string): Promise<StoreError> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, StoreError, `${what}: expected a StoreError, got ${String(e)}`);
    assert.is((e as StoreError).code, code, `${what}: code`);
    return e as StoreError;
  }
  assert.unreachable(`${what}: expected a StoreError ${code}, it resolved`);
  throw new Error('unreachable');
}

export function storeSuite(h: StoreHarness): void {
  const test = suite(`store (${h.engine})`);
  const open: Store[] = [];
  /** A fresh database with one store open on it, and tenant `acme`. */
  async function fresh(seed = true): Promise<{ s: Store; db: SuiteDatabase }> {
    const db = await (h.newMigratedDatabase ?? h.newDatabase)();
    const s = await db.open();
    open.push(s);
    if (seed) await s.tenants.insert(tenant('acme'));
    return { s, db };
  }
  async function another(db: SuiteDatabase): Promise<Store> {
    const s = await db.open();
    open.push(s);
    return s;
  }
  test.after.each(async () => {
    for (const s of open.splice(0)) await s.close();
  });
  test.after(async () => {
    await h.cleanup?.();
  });

  // ---- records ------------------------------------------------------------------------------

  test('engine names itself', async () => {
    const { s } = await fresh(false);
    assert.is(s.engine, h.engine);
  });

  test('tenants: insert, get, list by id, update, delete; ISO timestamps', async () => {
    const { s } = await fresh(false);
    await s.tenants.insert({ ...tenant('zeta'), security: { httpsOnly: true } as never });
    await s.tenants.insert(tenant('Beta'));
    await s.tenants.insert(tenant('alpha'));
    assert.equal((await s.tenants.list()).map((t) => t.id), ['Beta', 'alpha', 'zeta'], 'byte order, like SQLite');
    const z = (await s.tenants.get('zeta'))!;
    assert.equal(z.security, { httpsOnly: true });
    assert.match(z.createdAt, ISO);
    assert.is(z.createdAt, z.updatedAt);
    assert.is(z.sipProxy, null);
    assert.is(z.sipPort, 5060);
    await new Promise((r) => setTimeout(r, 5));
    await s.tenants.update('zeta', { name: 'Zeta SA', sipDomain: 'sip.z', sipProxy: 'proxy.z', sipPort: 5080, sipTransport: 'tls', security: {} });
    const z2 = (await s.tenants.get('zeta'))!;
    assert.equal([z2.name, z2.sipDomain, z2.sipProxy, z2.sipPort, z2.sipTransport, z2.security], ['Zeta SA', 'sip.z', 'proxy.z', 5080, 'tls', {}]);
    assert.is(z2.createdAt, z.createdAt);
    assert.ok(z2.updatedAt > z.updatedAt, 'updatedAt moves');
    assert.is(await s.tenants.get('nope'), undefined);
    assert.is(await s.tenants.delete('zeta'), true);
    assert.is(await s.tenants.delete('zeta'), false);
    await rejects(s.tenants.insert(tenant('alpha')), 'constraint', 'duplicate tenant');
  });

  test('users: list ordered by number, per tenant; update keeps identity; delete', async () => {
    const { s } = await fresh();
    await s.tenants.insert(tenant('globex'));
    await s.users.insert(user('0100000003'));
    await s.users.insert(user('0100000001', 'acme', { role: 'admin', name: 'Chloé' }));
    await s.users.insert(user('0200000001', 'globex'));
    assert.equal((await s.users.list()).map((u) => u.number), ['0100000001', '0100000003', '0200000001']);
    assert.equal((await s.users.list('acme')).map((u) => u.number), ['0100000001', '0100000003']);
    const u = (await s.users.get('0100000001'))!;
    assert.equal({ ...u, createdAt: '', updatedAt: '' }, { ...user('0100000001', 'acme', { role: 'admin', name: 'Chloé' }), version: 1, keysVersion: 1, directoryHidden: false, keyTemplate: null, createdAt: '', updatedAt: '' });
    await s.users.update('0100000001', { name: 'Chloé B', email: 'c@acme.example', role: 'user', passwordHash: 'h', sipAuthName: 'x', sipPassword: 'y', voicemailNumber: '888' });
    const u2 = (await s.users.get('0100000001'))!;
    assert.equal([u2.name, u2.email, u2.role, u2.passwordHash, u2.sipAuthName, u2.sipPassword, u2.voicemailNumber, u2.tenantId], [
      'Chloé B', 'c@acme.example', 'user', 'h', 'x', 'y', '888', 'acme',
    ]);
    assert.is(await s.users.delete('0100000003'), true);
    assert.is(await s.users.get('0100000003'), undefined);
    assert.is(await s.users.delete('0100000003'), false);
    await rejects(s.users.insert(user('0100000001')), 'constraint', 'duplicate number');
    await rejects(s.users.insert(user('0100000009', 'nope')), 'constraint', 'unknown tenant');
    await rejects(s.users.insert(user('01')), 'constraint', 'number of the wrong length');
  });

  test('users.directory: a tenant\'s licences not hidden, by number, name and number only', async () => {
    const { s } = await fresh();
    await s.tenants.insert(tenant('globex'));
    await s.users.insert(user('0100000003', 'acme', { name: 'Zoé' }));
    await s.users.insert(user('0100000001', 'acme', { name: 'Chloé' }));
    await s.users.insert(user('0100000002', 'acme', { name: 'Caché' }));
    await s.users.insert(user('0200000001', 'globex'));
    const hidden = (await s.users.get('0100000002'))!;
    assert.ok(await s.users.update('0100000002', { ...hidden, directoryHidden: true }, hidden.version));
    assert.equal(await s.users.directory('acme'), [
      { number: '0100000001', name: 'Chloé' },
      { number: '0100000003', name: 'Zoé' },
    ]);
    assert.equal(await s.users.directory('nope'), []);
  });

  test('devices: filters (user before tenant), ordered by MAC, update, user deletion unassigns, delete', async () => {
    const { s } = await fresh();
    await s.tenants.insert(tenant('globex'));
    await s.users.insert(user('0100000001'));
    await s.devices.insert(device('805ec0000002', 'acme', '0100000001'));
    await s.devices.insert(device('805ec0000001'));
    await s.devices.insert(device('000b82000001', 'globex'));
    assert.equal((await s.devices.list()).map((d) => d.mac), ['000b82000001', '805ec0000001', '805ec0000002']);
    assert.equal((await s.devices.list({ tenantId: 'acme' })).map((d) => d.mac), ['805ec0000001', '805ec0000002']);
    assert.equal((await s.devices.list({ userNumber: '0100000001', tenantId: 'globex' })).map((d) => d.mac), ['805ec0000002']);
    const d = (await s.devices.get('805ec0000002'))!;
    assert.equal({ ...d, createdAt: '', updatedAt: '' }, {
      ...device('805ec0000002', 'acme', '0100000001'), version: 1, enrolUntil: null, enrolledAt: null, enrolledIp: null, createdAt: '', updatedAt: '',
    });
    assert.match(d.createdAt, ISO);
    await s.devices.update('805ec0000001', { ...device('x', 'globex', null), model: 'T58W', label: 'Accueil', expansionModules: 2, provisioningUsername: 'pu', provisioningPassword: 'pp' });
    const d1 = (await s.devices.get('805ec0000001'))!;
    assert.equal([d1.mac, d1.tenantId, d1.model, d1.label, d1.expansionModules, d1.provisioningUsername, d1.provisioningPassword], [
      '805ec0000001', 'globex', 'T58W', 'Accueil', 2, 'pu', 'pp',
    ]);
    await s.users.delete('0100000001');
    assert.is((await s.devices.get('805ec0000002'))!.userNumber, null, 'ON DELETE SET NULL');
    assert.is(await s.devices.delete('805ec0000002'), true);
    assert.is(await s.devices.delete('805ec0000002'), false);
    await rejects(s.devices.insert(device('805ec0000001')), 'constraint', 'duplicate MAC');
    await rejects(s.devices.insert(device('805ec0000009', 'acme', '0999999999')), 'constraint', 'unknown user');
    await rejects(s.devices.insert(device('805ec')), 'constraint', 'short MAC');
  });

  test('devices in bulk: getMany, insertMany and updateMany (versions, group, all or none, inside a transaction too)', async () => {
    const { s, db } = await fresh();
    await s.tenants.insert(tenant('globex'));
    await s.users.insert(user('0100000001'));
    type NewDevice = Parameters<Store['devices']['insert']>[0];
    const many: NewDevice[] = Array.from({ length: 1200 }, (_, i): NewDevice => ({
      ...device(`805ec1${i.toString(16).padStart(6, '0')}`, 'acme', i % 2 ? '0100000001' : null), label: i % 3 ? `Poste ${i}` : null,
    }));
    many[5] = { ...many[5]!, extraLines: ['0100000001'], provisioningUsername: 'pu', provisioningPassword: 'bulk-secret', group: 'étage 2', enrolUntil: '2099-01-01T00:00:00.000Z' };
    await s.devices.insertMany([]);
    await s.devices.insertMany(many);
    assert.is((await s.devices.list()).length, 1200);
    const got = (await s.devices.get(many[5]!.mac))!;
    assert.equal([got.extraLines, got.provisioningUsername, got.provisioningPassword, got.userNumber, got.label, got.group, got.enrolUntil, got.version], [
      ['0100000001'], 'pu', 'bulk-secret', '0100000001', 'Poste 5', 'étage 2', '2099-01-01T00:00:00.000Z', 1,
    ]);
    assert.match(got.createdAt, ISO);
    assert.not.ok((await db.rawText()).includes('bulk-secret'), 'the password is sealed');
    // getMany: only those that exist, ordered by MAC, past any parameter limit.
    const asked = [...many.slice(0, 700).map((d) => d.mac).reverse(), '805ec2000000', ...many.slice(700).map((d) => d.mac)];
    const found = await s.devices.getMany(asked);
    assert.equal(found.map((d) => d.mac), many.map((d) => d.mac));
    assert.equal(found[5], got);
    assert.equal(await s.devices.getMany([]), []);
    // A refused row refuses the whole batch.
    await rejects(s.devices.insertMany([device('805ec3000001'), device(many[0]!.mac)]), 'constraint', 'duplicate MAC in a batch');
    assert.is(await s.devices.get('805ec3000001'), undefined, 'nothing of the refused batch');
    // updateMany: each row at its version; the MACs not updated are returned, the others written.
    const { group: _g, ...noGroup0 } = many[0]!;
    const notUpdated = await s.devices.updateMany([
      { ...noGroup0, tenantId: 'globex', model: 'T58W', label: 'Moved', userNumber: null, ifVersion: 1 },
      { ...many[1]!, label: null, provisioningPassword: 'new-secret', provisioningUsername: 'u2' },
      { ...many[5]!, label: 'stale', ifVersion: 7 },
      { ...many[6]!, group: 'pilote' },
      { ...device('805ec2000000'), ifVersion: 1 }, // unknown: nothing
      { ...many[5]!, mac: '805ec2000001' },
    ]);
    assert.equal(notUpdated.sort(), ['805ec2000000', '805ec2000001', many[5]!.mac].sort());
    const [a, b] = await s.devices.getMany([many[0]!.mac, many[1]!.mac]);
    assert.equal([a!.tenantId, a!.model, a!.label, a!.userNumber, a!.version], ['globex', 'T58W', 'Moved', null, 2]);
    assert.equal([b!.label, b!.provisioningUsername, b!.provisioningPassword, b!.version], [null, 'u2', 'new-secret', 2]);
    assert.equal([(await s.devices.get(many[5]!.mac))!.label, (await s.devices.get(many[5]!.mac))!.version], ['Poste 5', 1], 'another version: untouched');
    assert.is((await s.devices.get(many[6]!.mac))!.group, 'pilote');
    assert.is(await s.devices.get('805ec2000000'), undefined);
    assert.equal(await s.devices.updateMany([]), []);
    await rejects(s.devices.updateMany([{ ...many[2]!, label: 'x' }, { ...many[3]!, userNumber: '0999999999' }]), 'constraint', 'unknown user in a batch');
    assert.is((await s.devices.get(many[2]!.mac))!.label, many[2]!.label, 'nothing of the refused batch');
    // Inside a transaction: a refused batch leaves the transaction usable; a rollback undoes the rest.
    await s.transaction(async (tx) => {
      await rejects(tx.devices.insertMany([device('805ec3000002'), device('805ec')]), 'constraint', 'short MAC in a batch');
      await tx.devices.insertMany([device('805ec3000003')]);
      assert.equal((await tx.devices.getMany(['805ec3000002', '805ec3000003'])).map((d) => d.mac), ['805ec3000003']);
    });
    assert.equal((await s.devices.getMany(['805ec3000002', '805ec3000003'])).map((d) => d.mac), ['805ec3000003']);
    await s.transaction(async (tx) => {
      await tx.devices.insertMany([device('805ec3000004')]);
      await tx.devices.updateMany([{ ...device('805ec3000003'), label: 'in tx' }]);
      throw new Error('undo');
    }).catch(() => undefined);
    assert.equal(await s.devices.getMany(['805ec3000004']), []);
    assert.is((await s.devices.get('805ec3000003'))!.label, null);
  });

  test('devices: the group label is stored, kept when an update leaves it out, cleared with null; updatedAt moves', async () => {
    const { s } = await fresh();
    await s.devices.insert({ ...device('805ec0000001'), group: 'pilote étage 2' });
    await s.devices.insert(device('805ec0000002'));
    const { group: _g, ...noGroup } = device('x');
    assert.is((await s.devices.get('805ec0000001'))!.group, 'pilote étage 2');
    assert.is((await s.devices.get('805ec0000002'))!.group, null);
    const before = (await s.devices.get('805ec0000001'))!.updatedAt;
    await new Promise((r) => setTimeout(r, 3));
    await s.devices.update('805ec0000001', { ...noGroup, label: 'Accueil' });
    const kept = (await s.devices.get('805ec0000001'))!;
    assert.equal([kept.group, kept.label], ['pilote étage 2', 'Accueil'], 'absent group: kept');
    assert.ok(kept.updatedAt > before, 'the row version moves');
    await s.devices.update('805ec0000002', { ...noGroup, group: 'pilot' });
    assert.is((await s.devices.get('805ec0000002'))!.group, 'pilot');
    await s.devices.update('805ec0000001', { ...noGroup, group: null });
    assert.is((await s.devices.get('805ec0000001'))!.group, null, 'null clears it');
  });

  test('devices: extra lines are kept in order, found by number (shared line), replaced on update', async () => {
    const { s } = await fresh();
    for (const n of ['0100000001', '0100000002', '0100000003']) await s.users.insert(user(n));
    await s.devices.insert({ ...device('805ec0000001', 'acme', '0100000001'), extraLines: ['0100000003', '0100000002'] });
    await s.devices.insert({ ...device('805ec0000002', 'acme', '0100000002'), extraLines: ['0100000003'] });
    await s.devices.insert(device('805ec0000003', 'acme', '0100000003'));
    assert.equal((await s.devices.get('805ec0000001'))!.extraLines, ['0100000003', '0100000002'], 'order kept');
    assert.equal((await s.devices.get('805ec0000003'))!.extraLines, []);
    assert.equal((await s.devices.list({ extraLine: '0100000003' })).map((d) => d.mac), ['805ec0000001', '805ec0000002']);
    assert.equal((await s.devices.list({ extraLine: '0100000001' })).map((d) => d.mac), []);
    await s.devices.update('805ec0000001', { ...device('x', 'acme', '0100000001'), extraLines: ['0100000002'] });
    assert.equal((await s.devices.get('805ec0000001'))!.extraLines, ['0100000002']);
    assert.equal((await s.devices.list({ extraLine: '0100000003' })).map((d) => d.mac), ['805ec0000002']);
  });

  test('deleting a tenant cascades to users, devices, keys, contacts, network', async () => {
    const { s } = await fresh();
    await s.users.insert(user('0100000001'));
    await s.devices.insert(device('805ec0000001', 'acme', '0100000001'));
    await s.keys.replace('0100000001', [{ position: 1, type: 'line', value: null, label: null }]);
    await s.contacts.insert({ userNumber: '0100000001', name: 'C', work: '0102030405', mobile: null, home: null, group: null });
    await s.network.setTenant('acme', { vlan: { id: 10 } } as never);
    await s.network.setDevice('805ec0000001', { vlan: { id: 20 } } as never);
    assert.is(await s.tenants.delete('acme'), true);
    assert.is(await s.users.get('0100000001'), undefined);
    assert.is(await s.devices.get('805ec0000001'), undefined);
    assert.equal(await s.keys.list('0100000001'), []);
    assert.equal(await s.contacts.list('0100000001'), []);
    assert.equal(await s.network.getTenant('acme'), {});
    assert.equal(await s.network.getDevice('805ec0000001'), {});
  });

  test('features: undefined until set, whole replace, version grows, lists kept in order, deleted with the user', async () => {
    const { s } = await fresh();
    await s.users.insert(user('0100000001'));
    await s.users.insert(user('0100000002'));
    assert.is(await s.features.get('0100000001'), undefined);
    const f = {
      dnd: { enabled: true, allowedCallers: ['0601020304', '+41221234567', '0102030405'] },
      forwardAlways: { enabled: false, target: '0145678901' },
      rejectAnonymous: true,
      blacklist: ['0899123456'],
    };
    assert.is(await s.features.set('0100000001', f), 1);
    const got = await s.features.get('0100000001');
    assert.ok(got);
    assert.equal({ ...got, updatedAt: null }, { ...f, version: 1, updatedAt: null });
    assert.match(got.updatedAt ?? '', ISO);
    const g = { dnd: { enabled: false, allowedCallers: [] }, forwardAlways: { enabled: true, target: '+33612345678' }, rejectAnonymous: false, blacklist: [] };
    assert.is(await s.features.set('0100000001', g), 2);
    const got2 = await s.features.get('0100000001');
    assert.equal({ ...got2!, updatedAt: null }, { ...g, version: 2, updatedAt: null });
    // Another user's row is untouched; inside a transaction the write is seen once committed.
    assert.is(await s.features.get('0100000002'), undefined);
    await s.transaction(async (tx) => {
      assert.is(await tx.features.set('0100000002', f), 1);
      assert.is((await tx.features.get('0100000002'))!.version, 1);
    });
    assert.equal((await s.features.get('0100000002'))!.blacklist, ['0899123456']);
    assert.is(await s.users.delete('0100000001'), true);
    assert.is(await s.features.get('0100000001'), undefined);
    // A user that does not exist cannot get a row.
    await rejects(s.features.set('0199999999', f), 'constraint', 'features of an unknown user');
  });

  test('keys: replace (atomic), list by position, watchersOf BLF targets only', async () => {
    const { s } = await fresh();
    for (const n of ['0100000001', '0100000002', '0100000003']) await s.users.insert(user(n));
    await s.keys.replace('0100000001', [
      { position: 3, type: 'blf', value: '0100000003', label: 'Bob' },
      { position: 1, type: 'line', value: null, label: null },
      { position: 2, type: 'speeddial', value: '0100000003', label: 'Bob mobile' },
    ]);
    await s.keys.replace('0100000002', [{ position: 1, type: 'blf', value: '0100000003', label: null }]);
    assert.equal(await s.keys.list('0100000001'), [
      { position: 1, type: 'line', value: null, label: null },
      { position: 2, type: 'speeddial', value: '0100000003', label: 'Bob mobile' },
      { position: 3, type: 'blf', value: '0100000003', label: 'Bob' },
    ]);
    assert.equal((await s.keys.watchersOf('0100000003')).sort(), ['0100000001', '0100000002']);
    assert.equal(await s.keys.watchersOf('0100000001'), []);
    // A replace that fails half-way (two keys at one position) leaves the old keys.
    await rejects(
      s.keys.replace('0100000001', [
        { position: 1, type: 'line', value: null, label: null },
        { position: 1, type: 'line', value: null, label: null },
      ]),
      'constraint',
      'duplicate position',
    );
    assert.is((await s.keys.list('0100000001')).length, 3);
    await s.keys.replace('0100000001', []);
    assert.equal(await s.keys.list('0100000001'), []);
  });

  test('network: empty until set, upsert replaces the whole profile', async () => {
    const { s } = await fresh();
    await s.devices.insert(device('805ec0000001'));
    assert.equal(await s.network.getTenant('acme'), {});
    await s.network.setTenant('acme', { vlan: { id: 10, priority: 5 } } as never);
    await s.network.setTenant('acme', { ntp: { servers: ['a', 'b'] } } as never);
    assert.equal(await s.network.getTenant('acme'), { ntp: { servers: ['a', 'b'] } });
    await s.network.setDevice('805ec0000001', { vlan: { id: 20 } } as never);
    assert.equal(await s.network.getDevice('805ec0000001'), { vlan: { id: 20 } });
    assert.equal(await s.network.getDevice('805ec0000009'), {});
  });

  test('contacts: ids, list in SQLite NOCASE order (ASCII folded, then bytes, then id), update, delete', async () => {
    const { s } = await fresh();
    await s.users.insert(user('0100000001'));
    await s.users.insert(user('0100000002'));
    const names = ['bob', 'Émile', 'alice', 'Zack', 'Alice', 'zoé', 'Ärger', 'émile'];
    const ids: number[] = [];
    for (const name of names) ids.push(await s.contacts.insert({ userNumber: '0100000001', name, work: '0102030405', mobile: null, home: null, group: 'g' }));
    await s.contacts.insert({ userNumber: '0100000002', name: 'other', work: null, mobile: '0601020304', home: null, group: null });
    assert.ok(ids.every((id) => Number.isSafeInteger(id) && id > 0));
    assert.is(new Set(ids).size, ids.length);
    // NOCASE folds A–Z only: 'alice' (id order), 'Alice', then bob, Zack, zoé, then the
    // non-ASCII capitals after every ASCII letter: Ä (C3 84) < É (C3 89) < é (C3 A9).
    assert.equal((await s.contacts.list('0100000001')).map((c) => c.name), ['alice', 'Alice', 'bob', 'Zack', 'zoé', 'Ärger', 'Émile', 'émile']);
    const c = (await s.contacts.get(ids[0]!))!;
    assert.equal({ ...c, createdAt: '', updatedAt: '' }, { id: ids[0], userNumber: '0100000001', name: 'bob', work: '0102030405', mobile: null, home: null, group: 'g', version: 1, createdAt: '', updatedAt: '' });
    assert.is(await s.contacts.count('0100000001'), names.length);
    assert.is(await s.contacts.count('0100000009'), 0);
    await s.contacts.update(ids[0]!, { name: 'Bobby', work: null, mobile: '0611111111', home: '0122222222', group: null });
    const c2 = (await s.contacts.get(ids[0]!))!;
    assert.equal([c2.name, c2.work, c2.mobile, c2.home, c2.group, c2.userNumber], ['Bobby', null, '0611111111', '0122222222', null, '0100000001']);
    assert.is(await s.contacts.delete(ids[0]!), true);
    assert.is(await s.contacts.delete(ids[0]!), false);
    assert.is(await s.contacts.get(ids[0]!), undefined);
    assert.is(await s.contacts.get(987654321), undefined);
    const next = await s.contacts.insert({ userNumber: '0100000001', name: 'new', work: null, mobile: null, home: null, group: null });
    assert.ok(next > Math.max(...ids), 'ids are not reused');
  });

  test('users: directoryHidden and keyTemplate default, kept when absent on update, set and cleared', async () => {
    const { s } = await fresh();
    await s.users.insert(user('0100000001'));
    const u = (await s.users.get('0100000001'))!;
    assert.is(u.directoryHidden, false);
    assert.is(u.keyTemplate, null);
    const t = await s.keyTemplates.insert({ tenantId: 'acme', name: 'Accueil', family: null, keys: [] });
    const { number: _n, tenantId: _t, createdAt: _c, updatedAt: _u, directoryHidden: _h, keyTemplate: _k, ...rest } = u;
    await s.users.update('0100000001', { ...rest, directoryHidden: true, keyTemplate: t });
    let v = (await s.users.get('0100000001'))!;
    assert.equal([v.directoryHidden, v.keyTemplate], [true, t]);
    await s.users.update('0100000001', { ...rest, name: 'Renamed' });
    v = (await s.users.get('0100000001'))!;
    assert.equal([v.name, v.directoryHidden, v.keyTemplate], ['Renamed', true, t], 'absent settings are kept');
    assert.equal(await s.users.withTemplate(t), ['0100000001']);
    await s.users.update('0100000001', { ...rest, directoryHidden: false, keyTemplate: null });
    v = (await s.users.get('0100000001'))!;
    assert.equal([v.directoryHidden, v.keyTemplate], [false, null]);
    await s.users.insert({ ...user('0100000002'), directoryHidden: true, keyTemplate: t });
    assert.equal(await s.users.withTemplate(t), ['0100000002']);
    // A deleted template leaves its licences without one.
    assert.is(await s.keyTemplates.delete(t), true);
    assert.is((await s.users.get('0100000002'))!.keyTemplate, null);
    assert.equal(await s.users.withTemplate(t), []);
  });

  test('shared contacts: per tenant, NOCASE order, update, delete, gone with the tenant', async () => {
    const { s } = await fresh();
    await s.tenants.insert(tenant('other'));
    let a = await s.sharedContacts.insert({ tenantId: 'acme', name: 'plombier', work: '0102030405', mobile: null, home: null, group: 'Fournisseurs' });
    const b = await s.sharedContacts.insert({ tenantId: 'acme', name: 'Accueil', work: null, mobile: '0601020304', home: null, group: null });
    await s.sharedContacts.insert({ tenantId: 'other', name: 'Autre', work: '0102030406', mobile: null, home: null, group: null });
    assert.ok(b > a);
    assert.equal((await s.sharedContacts.list('acme')).map((c) => c.name), ['Accueil', 'plombier']);
    const c = (await s.sharedContacts.get(a))!;
    assert.equal({ ...c, createdAt: '', updatedAt: '' }, { id: a, tenantId: 'acme', name: 'plombier', work: '0102030405', mobile: null, home: null, group: 'Fournisseurs', version: 1, createdAt: '', updatedAt: '' });
    assert.match(c.createdAt, ISO);
    assert.is(await s.sharedContacts.update(a, { name: 'Plombier', work: null, mobile: '0611111111', home: '0122222222', group: null }), true);
    const c2 = (await s.sharedContacts.get(a))!;
    assert.equal([c2.name, c2.work, c2.mobile, c2.home, c2.group, c2.tenantId, c2.version], ['Plombier', null, '0611111111', '0122222222', null, 'acme', 2]);
    // Versioned writes like personal contacts: a write naming an older version changes nothing.
    assert.is(await s.sharedContacts.update(a, { name: 'Stale', work: null, mobile: null, home: null, group: null }, 1), false);
    assert.is(await s.sharedContacts.delete(a, 1), false);
    assert.is((await s.sharedContacts.get(a))!.name, 'Plombier');
    assert.is(await s.sharedContacts.update(987654321, { name: 'x', work: null, mobile: null, home: null, group: null }), false);
    assert.is(await s.sharedContacts.delete(a, 2), true);
    assert.ok(await s.sharedContacts.insert({ tenantId: 'acme', name: 'again', work: '0102030407', mobile: null, home: null, group: null }));
    a = (await s.sharedContacts.list('acme')).find((x) => x.name === 'again')!.id;
    assert.is(await s.sharedContacts.delete(a), true);
    assert.is(await s.sharedContacts.delete(a), false);
    assert.is(await s.sharedContacts.get(a), undefined);
    assert.is(await s.sharedContacts.get(987654321), undefined);
    await s.tenants.delete('acme');
    assert.equal(await s.sharedContacts.list('acme'), []);
    assert.is((await s.sharedContacts.list('other')).length, 1);
  });

  test('key templates: keys kept in order, versioned update (stale refused), unique name per tenant, order, delete', async () => {
    const { s } = await fresh();
    await s.tenants.insert(tenant('other'));
    const keys = [
      { position: 1, type: 'line' as const, value: null, label: null },
      { position: 3, type: 'speeddial' as const, value: '0102030405', label: 'Météo & co' },
    ];
    const id = await s.keyTemplates.insert({ tenantId: 'acme', name: 'standard', family: 'yealink', keys });
    await s.keyTemplates.insert({ tenantId: 'acme', name: 'Accueil', family: null, keys: [] });
    await s.keyTemplates.insert({ tenantId: 'other', name: 'standard', family: null, keys: [] });
    await rejects(s.keyTemplates.insert({ tenantId: 'acme', name: 'standard', family: null, keys: [] }), 'constraint', 'same name in a tenant');
    const t = (await s.keyTemplates.get(id))!;
    assert.equal({ ...t, createdAt: '', updatedAt: '' }, { id, tenantId: 'acme', name: 'standard', family: 'yealink', keys, version: 1, createdAt: '', updatedAt: '' });
    assert.equal((await s.keyTemplates.list('acme')).map((x) => x.name), ['Accueil', 'standard']);
    assert.is(await s.keyTemplates.update(id, { name: 'standard 2', family: null, keys: [keys[1]!] }, 1), true);
    assert.is(await s.keyTemplates.update(id, { name: 'stale', family: null, keys: [] }, 1), false, 'a stale version is refused');
    const t2 = (await s.keyTemplates.get(id))!;
    assert.equal([t2.name, t2.family, t2.keys, t2.version], ['standard 2', null, [keys[1]], 2]);
    assert.is(await s.keyTemplates.update(987654321, { name: 'x', family: null, keys: [] }, 1), false);
    // Without a version (like every versioned row): written, the version grows all the same.
    assert.is(await s.keyTemplates.update(id, { name: 'standard 3', family: null, keys: [keys[1]!] }), true);
    assert.is((await s.keyTemplates.get(id))!.version, 3);
    assert.is(await s.keyTemplates.delete(id, 2), false, 'a stale delete is refused');
    assert.is(await s.keyTemplates.delete(id), true);
    assert.is(await s.keyTemplates.delete(id), false);
    assert.is(await s.keyTemplates.get(id), undefined);
  });

  test('sightings: upsert, firmware and model kept when unknown, unknown MACs ignored, batch with repeats', async () => {
    const { s } = await fresh();
    await s.devices.insert(device('805ec0000001'));
    await s.devices.insert(device('805ec0000002'));
    const at = (n: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, n)).toISOString();
    await s.sightings.record([
      { mac: '805ec0000001', at: at(1), ip: '10.0.0.1', userAgent: 'UA1', firmware: '1.0', file: 'a.cfg', protocol: 'http', model: 'T54W' },
      { mac: 'ffffffffffff', at: at(1), ip: '10.0.0.9', userAgent: null, firmware: null, file: 'x.cfg', protocol: 'tftp', model: null },
    ]);
    assert.equal(await s.sightings.get('805ec0000001'), { mac: '805ec0000001', at: at(1), ip: '10.0.0.1', userAgent: 'UA1', firmware: '1.0', file: 'a.cfg', protocol: 'http', model: 'T54W' });
    assert.is(await s.sightings.get('ffffffffffff'), undefined);
    await s.sightings.record([
      { mac: '805ec0000001', at: at(2), ip: '10.0.0.2', userAgent: null, firmware: null, file: 'b.cfg', protocol: 'tftp', model: null },
      { mac: '805ec0000002', at: at(2), ip: '10.0.0.3', userAgent: 'UA2', firmware: '2.0', file: 'c.cfg', protocol: 'https' },
      { mac: '805ec0000002', at: at(3), ip: '10.0.0.4', userAgent: 'UA3', firmware: null, file: 'd.cfg', protocol: 'https', model: 'T46U' },
    ]);
    assert.equal(await s.sightings.get('805ec0000001'), { mac: '805ec0000001', at: at(2), ip: '10.0.0.2', userAgent: null, firmware: '1.0', file: 'b.cfg', protocol: 'tftp', model: 'T54W' });
    assert.equal(await s.sightings.get('805ec0000002'), { mac: '805ec0000002', at: at(3), ip: '10.0.0.4', userAgent: 'UA3', firmware: '2.0', file: 'd.cfg', protocol: 'https', model: 'T46U' });
    await s.tenants.insert(tenant('globex'));
    await s.devices.insert(device('805ec0000003', 'globex'));
    await s.sightings.record([{ mac: '805ec0000003', at: at(4), ip: '10.0.0.5', userAgent: null, firmware: null, file: 'e.cfg', protocol: 'http', model: null }]);
    assert.equal((await s.sightings.list()).map((x) => x.mac), ['805ec0000001', '805ec0000002', '805ec0000003'], 'list: every device, by MAC');
    assert.equal((await s.sightings.list({ tenantId: 'acme' })).map((x) => x.mac), ['805ec0000001', '805ec0000002'], 'list: one tenant');
    await s.sightings.record([]);
    await s.devices.delete('805ec0000001');
    assert.is(await s.sightings.get('805ec0000001'), undefined, 'sightings go with the device');
  });

  test('fetched files: upsert per (mac, file), unknown MACs ignored, filters and order, gone with the device', async () => {
    const { s } = await fresh();
    await s.tenants.insert(tenant('globex'));
    await s.devices.insert(device('805ec0000002'));
    await s.devices.insert(device('805ec0000001'));
    await s.devices.insert(device('805ec0000009', 'globex'));
    const at = (n: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, n)).toISOString();
    const f = (mac: string, file: string, etag: string, n: number, root = 'http://prov.example/') => ({ mac, file, etag, root, at: at(n) });
    await s.sightings.recordFiles([
      f('805ec0000001', 'b.cfg', '"e1"', 1),
      f('805ec0000001', 'a.cfg', '"e2"', 1),
      f('805ec0000002', 'a.cfg', '"e3"', 1),
      f('805ec0000009', 'a.cfg', '"e4"', 1),
      f('ffffffffffff', 'a.cfg', '"e5"', 1),
    ]);
    await s.sightings.recordFiles([f('805ec0000001', 'a.cfg', '"e6"', 2, 'http://other.example:8080/'), f('805ec0000001', 'a.cfg', '"e7"', 3, 'http://other.example:8080/')]);
    assert.equal(await s.sightings.files({ mac: '805ec0000001' }), [
      f('805ec0000001', 'a.cfg', '"e7"', 3, 'http://other.example:8080/'),
      f('805ec0000001', 'b.cfg', '"e1"', 1),
    ]);
    assert.equal((await s.sightings.files({ tenantId: 'acme' })).map((x) => `${x.mac} ${x.file}`), ['805ec0000001 a.cfg', '805ec0000001 b.cfg', '805ec0000002 a.cfg']);
    assert.equal((await s.sightings.files({})).map((x) => x.mac), ['805ec0000001', '805ec0000001', '805ec0000002', '805ec0000009']);
    assert.equal(await s.sightings.files({ mac: 'ffffffffffff' }), []);
    await s.sightings.recordFiles([]);
    await s.devices.delete('805ec0000001');
    assert.equal(await s.sightings.files({ mac: '805ec0000001' }), [], 'fetched files go with the device');
  });

  test('file snapshots: upsert per (mac, file), exact bytes back, body sealed at rest, too large kept as size only, gone with the device', async () => {
    const { s, db } = await fresh();
    await s.devices.insert(device('805ec0000001'));
    await s.devices.insert(device('805ec0000002'));
    const at = (n: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, n)).toISOString();
    const secretBody = Buffer.from('account.1.password = Snap-Secret-4799\n\u00e9\u0000\xff', 'latin1');
    await s.sightings.recordSnapshots([
      { mac: '805ec0000001', file: 'a.cfg', etag: '"s1"', size: 3, body: Buffer.from('old'), at: at(1) },
      { mac: '805ec0000001', file: 'a.cfg', etag: '"s2"', size: secretBody.length, body: secretBody, at: at(2), owner: 'acme/0100000001' },
      { mac: '805ec0000001', file: 'big.xml', etag: '"s3"', size: 9_000_000, body: null, at: at(2) },
      { mac: 'ffffffffffff', file: 'a.cfg', etag: '"s4"', size: 1, body: Buffer.from('x'), at: at(2) },
    ]);
    const a = await s.sightings.snapshot('805ec0000001', 'a.cfg');
    assert.ok(a);
    assert.is(a!.etag, '"s2"', 'the latest of the batch wins');
    assert.ok(a!.body!.equals(secretBody), 'exact bytes back');
    assert.is(a!.size, secretBody.length);
    assert.is(a!.at, at(2));
    assert.is(a!.owner, 'acme/0100000001', 'whom it was rendered for');
    assert.equal(await s.sightings.snapshot('805ec0000001', 'big.xml'), { mac: '805ec0000001', file: 'big.xml', etag: '"s3"', size: 9_000_000, body: null, at: at(2), owner: null });
    assert.is(await s.sightings.snapshot('ffffffffffff', 'a.cfg'), undefined, 'unknown MAC ignored');
    assert.is(await s.sightings.snapshot('805ec0000002', 'a.cfg'), undefined);
    assert.not.ok((await db.rawText()).includes('Snap-Secret-4799'), 'snapshot body stored in plaintext');
    await s.sightings.recordSnapshots([{ mac: '805ec0000001', file: 'a.cfg', etag: '"s5"', size: 3, body: Buffer.from('new'), at: at(3) }]);
    assert.is((await s.sightings.snapshot('805ec0000001', 'a.cfg'))!.body!.toString(), 'new', 'replaced by a later batch');
    assert.is((await s.sightings.snapshot('805ec0000001', 'a.cfg'))!.owner, null, 'with its own owner (none given)');
    await s.sightings.recordSnapshots([]);
    await s.devices.delete('805ec0000001');
    assert.is(await s.sightings.snapshot('805ec0000001', 'a.cfg'), undefined, 'snapshots go with the device');
  });

  test('audit: append, ids grow, filters (tenant, user, mac, action and prefix, times, cursor), newest first, limit, purge', async () => {
    const { s } = await fresh();
    const at = (n: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, n)).toISOString();
    const entry = (n: number, extra: Partial<Parameters<Store['audit']['append']>[0]> = {}) => ({
      at: at(n), principal: 'operator:ops', channel: 'api' as const, address: '127.0.0.1', action: 'device.update',
      tenantId: 'acme', userNumber: null, mac: null, targetId: null, before: { label: 'a' }, after: { label: 'b', nested: { x: [1, 2] } },
      changes: [{ field: 'label', before: 'a', after: 'b' }], summary: null, ...extra,
    });
    const ids = [
      await s.audit.append(entry(1)),
      await s.audit.append(entry(2, { tenantId: 'globex', action: 'tenant.update' })),
      await s.audit.append(entry(3, { userNumber: '0100000002', action: 'keys.replace', channel: 'web' })),
      await s.audit.append(entry(4, { mac: '805ec0000001', tenantId: null, action: 'device.delete', summary: { n: 1 }, before: null, after: null, changes: [] })),
      await s.audit.append(entry(5, { action: 'devices.import', channel: 'cli', address: 'cli', principal: 'cli:root' })),
    ];
    assert.ok(ids.every((id, i) => i === 0 || id > ids[i - 1]!), 'ids grow');
    const all = await s.audit.list({ limit: 10 });
    assert.equal(all.map((e) => e.id), [...ids].reverse(), 'newest first');
    assert.equal(all[4], { id: ids[0]!, ...entry(1) }, 'JSON columns come back as they went in');
    assert.equal(all[1]!.summary, { n: 1 });
    assert.equal(all[1]!.before, null);
    assert.equal((await s.audit.list({ limit: 10, tenantId: 'acme' })).map((e) => e.id), [ids[4], ids[2], ids[0]]);
    assert.equal((await s.audit.list({ limit: 10, userNumber: '0100000002' })).map((e) => e.id), [ids[2]]);
    assert.equal((await s.audit.list({ limit: 10, mac: '805ec0000001' })).map((e) => e.id), [ids[3]]);
    assert.equal((await s.audit.list({ limit: 10, action: 'device.update' })).map((e) => e.id), [ids[0]]);
    assert.equal((await s.audit.list({ limit: 10, action: 'device.' })).map((e) => e.id), [ids[3], ids[0]], 'prefix');
    assert.equal((await s.audit.list({ limit: 10, action: 'devices.' })).map((e) => e.id), [ids[4]], 'prefix is not a LIKE pattern');
    assert.equal((await s.audit.list({ limit: 10, since: at(2), until: at(4) })).map((e) => e.id), [ids[3], ids[2], ids[1]], 'times inclusive');
    assert.equal((await s.audit.list({ limit: 2 })).map((e) => e.id), [ids[4], ids[3]]);
    assert.equal((await s.audit.list({ limit: 2, beforeId: ids[3] })).map((e) => e.id), [ids[2], ids[1]], 'cursor');
    assert.equal((await s.audit.list({ limit: 10, tenantId: 'acme', beforeId: ids[4], since: at(2) })).map((e) => e.id), [ids[2]], 'filters combine');
    assert.is(await s.audit.purge(at(3)), 2, 'purge counts');
    assert.equal((await s.audit.list({ limit: 10 })).map((e) => e.id), [ids[4], ids[3], ids[2]]);
    await s.tenants.delete('acme');
    assert.is((await s.audit.list({ limit: 10 })).length, 3, 'entries survive the tenant they name');
  });

  test('unknown devices: counted upsert with COALESCE, newest first, provisioned MACs hidden, delete', async () => {
    const { s } = await fresh();
    const at = (n: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, n)).toISOString();
    await s.unknownDevices.record([
      { mac: '805ec0000001', vendor: 'yealink', model: null, ip: '10.0.0.1', userAgent: 'UA', lastSeen: at(1), hits: 2 },
      { mac: '000b82000001', vendor: null, model: null, ip: '10.0.0.2', userAgent: null, lastSeen: at(2), hits: 1 },
    ]);
    await s.unknownDevices.record([
      { mac: '805ec0000001', vendor: null, model: 'T54W', ip: '10.0.0.5', userAgent: null, lastSeen: at(5), hits: 3 },
      { mac: '805ec0000001', vendor: null, model: null, ip: '10.0.0.6', userAgent: 'UA6', lastSeen: at(6), hits: 1 },
      { mac: '0004f2000001', vendor: 'snom', model: 'D785', ip: '10.0.0.7', userAgent: null, lastSeen: at(4), hits: 1 },
    ]);
    assert.equal(await s.unknownDevices.list(), [
      { mac: '805ec0000001', vendor: 'yealink', model: 'T54W', ip: '10.0.0.6', userAgent: 'UA6', firstSeen: at(1), lastSeen: at(6), count: 6, assignedTenant: null },
      { mac: '0004f2000001', vendor: 'snom', model: 'D785', ip: '10.0.0.7', userAgent: null, firstSeen: at(4), lastSeen: at(4), count: 1, assignedTenant: null },
      { mac: '000b82000001', vendor: null, model: null, ip: '10.0.0.2', userAgent: null, firstSeen: at(2), lastSeen: at(2), count: 1, assignedTenant: null },
    ]);
    await s.devices.insert(device('805ec0000001'));
    assert.equal((await s.unknownDevices.list()).map((u) => u.mac), ['0004f2000001', '000b82000001'], 'a provisioned MAC is not unknown');
    assert.is(await s.unknownDevices.delete('000b82000001'), true);
    assert.is(await s.unknownDevices.delete('000b82000001'), false);
    assert.equal((await s.unknownDevices.list()).map((u) => u.mac), ['0004f2000001']);
  });

  // ---- issue 12: versions, enrolment, unknown-phone assignment and bounds, import undo --------

  test('versions: every update adds one; ifVersion writes only over that version (tenants, users, devices, contacts)', async () => {
    const { s } = await fresh();
    const t0 = (await s.tenants.get('acme'))!;
    assert.is(t0.version, 1);
    const { id: _id, createdAt: _c, updatedAt: _u, version: _v, ...trow } = t0;
    assert.is(await s.tenants.update('acme', { ...trow, name: 'A' }), true);
    assert.is((await s.tenants.get('acme'))!.version, 2);
    assert.is(await s.tenants.update('acme', { ...trow, name: 'stale' }, 1), false, 'stale version refused');
    assert.is((await s.tenants.get('acme'))!.name, 'A', 'nothing written');
    assert.is(await s.tenants.update('acme', { ...trow, name: 'B' }, 2), true);
    assert.is(await s.tenants.update('nope', { ...trow, name: 'B' }), false, 'missing row');

    await s.users.insert(user('0100000001'));
    const { number: _n, tenantId: _t, createdAt: _uc, updatedAt: _uu, version: _uv, keysVersion: _k, ...urow } = (await s.users.get('0100000001'))!;
    assert.is(await s.users.update('0100000001', { ...urow, name: 'X' }, 1), true);
    assert.is(await s.users.update('0100000001', { ...urow, name: 'Y' }, 1), false);
    assert.is((await s.users.get('0100000001'))!.name, 'X');
    assert.is(await s.users.delete('0100000001', 1), false, 'delete of a stale version refused');
    // keys have their own version on the user
    assert.is(await s.keys.replace('0100000001', [{ position: 1, type: 'line', value: null, label: null }], 1), true);
    assert.is((await s.users.get('0100000001'))!.keysVersion, 2);
    assert.is(await s.keys.replace('0100000001', [], 1), false, 'stale key list refused');
    assert.is((await s.keys.list('0100000001')).length, 1, 'keys kept');
    assert.is((await s.users.get('0100000001'))!.version, 2, 'keys do not move the user version');
    assert.is(await s.users.delete('0100000001', 2), true);

    await s.devices.insert(device('805ec0000001'));
    const { mac: _m, createdAt: _dc, updatedAt: _du, version: _dv, enrolUntil: _e, enrolledAt: _ea, enrolledIp: _ei, ...drow } = (await s.devices.get('805ec0000001'))!;
    assert.is(await s.devices.update('805ec0000001', { ...drow, label: 'L' }, 1), true);
    assert.is(await s.devices.update('805ec0000001', { ...drow, label: 'M' }, 1), false);
    assert.is((await s.devices.get('805ec0000001'))!.label, 'L');
    assert.is(await s.devices.delete('805ec0000001', 1), false);
    assert.is(await s.devices.delete('805ec0000001', 2), true);

    await s.users.insert(user('0100000002'));
    const id = await s.contacts.insert({ userNumber: '0100000002', name: 'c', work: '0102030405', mobile: null, home: null, group: null });
    assert.is(await s.contacts.update(id, { name: 'd', work: null, mobile: null, home: null, group: null }, 1), true);
    assert.is(await s.contacts.update(id, { name: 'e', work: null, mobile: null, home: null, group: null }, 1), false);
    assert.is((await s.contacts.get(id))!.name, 'd');
    assert.is((await s.contacts.get(id))!.version, 2);
    assert.is(await s.contacts.delete(id, 1), false);
    assert.is(await s.contacts.delete(id, 2), true);
  });

  test('versions: network profiles start at 0 (no row), ifVersion 0 creates only when absent', async () => {
    const { s } = await fresh();
    await s.devices.insert(device('805ec0000001'));
    assert.equal(await s.network.getTenantEntry('acme'), { profile: {}, version: 0 });
    assert.is(await s.network.setTenant('acme', { vlan: { id: 10 } } as never, 0), true);
    assert.is(await s.network.setTenant('acme', { vlan: { id: 11 } } as never, 0), false, 'someone created it first');
    assert.equal(await s.network.getTenantEntry('acme'), { profile: { vlan: { id: 10 } }, version: 1 });
    assert.is(await s.network.setTenant('acme', { vlan: { id: 12 } } as never, 1), true);
    assert.is(await s.network.setTenant('acme', { vlan: { id: 13 } } as never), true, 'unconditional');
    assert.equal(await s.network.getTenantEntry('acme'), { profile: { vlan: { id: 13 } }, version: 3 });
    assert.is(await s.network.setDevice('805ec0000001', { vlan: { id: 20 } } as never), true);
    assert.is(await s.network.setDevice('805ec0000001', { vlan: { id: 21 } } as never, 5), false);
    assert.equal(await s.network.getDeviceEntry('805ec0000001'), { profile: { vlan: { id: 20 } }, version: 1 });
  });

  test('enrolment: insert opens a window, claim closes it once (also when two claim at once), reopen resets', async () => {
    const { s } = await fresh();
    const soon = new Date(Date.now() + 3600_000).toISOString();
    await s.devices.insert({ ...device('805ec0000001'), enrolUntil: soon });
    await s.devices.insert(device('805ec0000002'));
    assert.is((await s.devices.get('805ec0000001'))!.enrolUntil, soon);
    assert.is((await s.devices.get('805ec0000002'))!.enrolUntil, null);
    const at = new Date().toISOString();
    const claims = await Promise.all([s.devices.claimEnrolment('805ec0000001', at, '10.0.0.1'), s.devices.claimEnrolment('805ec0000001', at, '10.0.0.2')]);
    assert.equal(claims.filter(Boolean).length, 1, 'exactly one claim wins');
    const d = (await s.devices.get('805ec0000001'))!;
    assert.equal([d.enrolUntil, d.enrolledAt], [null, at]);
    assert.ok(d.enrolledIp === '10.0.0.1' || d.enrolledIp === '10.0.0.2');
    assert.is(await s.devices.claimEnrolment('805ec0000002', at, '10.0.0.1'), false, 'no window, no claim');
    // An expired window cannot be claimed.
    await s.devices.openEnrolment('805ec0000002', new Date(Date.now() - 1000).toISOString());
    assert.is(await s.devices.claimEnrolment('805ec0000002', at, '10.0.0.1'), false);
    assert.is(await s.devices.openEnrolment('805ec0000001', soon), true);
    const r = (await s.devices.get('805ec0000001'))!;
    assert.equal([r.enrolUntil, r.enrolledAt, r.enrolledIp], [soon, null, null]);
    assert.is(await s.devices.openEnrolment('ffffffffffff', soon), false);
  });

  test('unknown devices: get, assign to a tenant (filter), limit, prune by age and count keeps assigned ones', async () => {
    const { s } = await fresh();
    const at = (n: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, n)).toISOString();
    const batch = Array.from({ length: 10 }, (_, i) => ({
      mac: `805ec00000${String(i).padStart(2, '0')}`, vendor: null, model: null, ip: '10.0.0.1', userAgent: null, lastSeen: at(i), hits: 1,
    }));
    await s.unknownDevices.record(batch);
    assert.is((await s.unknownDevices.get('805ec0000003'))!.count, 1);
    assert.is(await s.unknownDevices.get('ffffffffffff'), undefined);
    assert.is(await s.unknownDevices.assign('805ec0000000', 'acme'), true);
    assert.is(await s.unknownDevices.assign('ffffffffffff', 'acme'), false);
    assert.equal((await s.unknownDevices.list({ assignedTenant: 'acme' })).map((u) => u.mac), ['805ec0000000']);
    assert.equal((await s.unknownDevices.list({ limit: 2 })).map((u) => u.mac), ['805ec0000009', '805ec0000008']);
    // A later hit keeps the assignment.
    await s.unknownDevices.record([{ ...batch[0]!, lastSeen: at(0) }]);
    assert.is((await s.unknownDevices.get('805ec0000000'))!.assignedTenant, 'acme');
    // Older than at(3): 01, 02 go (00 is assigned); then at most 4 unassigned: 03, 04, 05 go.
    assert.is(await s.unknownDevices.prune({ olderThan: at(3), maxEntries: 4 }), 5);
    assert.equal((await s.unknownDevices.list()).map((u) => u.mac), ['805ec0000009', '805ec0000008', '805ec0000007', '805ec0000006', '805ec0000000']);
    assert.is(await s.unknownDevices.assign('805ec0000000', null), true);
    assert.is((await s.unknownDevices.get('805ec0000000'))!.assignedTenant, null);
    await s.tenants.insert(tenant('gone'));
    await s.unknownDevices.assign('805ec0000006', 'gone');
    await s.tenants.delete('gone');
    assert.is((await s.unknownDevices.get('805ec0000006'))!.assignedTenant, null, 'ON DELETE SET NULL');
  });

  test('import runs: journal and undo put rows back (created deleted, updated restored), a row changed since stays; finish drops the journal', async () => {
    const { s } = await fresh();
    await s.users.insert(user('0100000001'));
    await s.devices.insert({ ...device('805ec0000001'), label: 'before' });
    const before = (await s.devices.get('805ec0000001'))!;
    const cid = await s.contacts.insert({ userNumber: '0100000001', name: 'old', work: '0102030405', mobile: null, home: null, group: null });
    const cBefore = (await s.contacts.get(cid))!;
    await s.importRuns.begin({ id: 'run1', kind: 'devices', owner: 'host:1', startedAt: new Date().toISOString() });
    assert.equal((await s.importRuns.list()).map((r) => [r.id, r.kind, r.owner]), [['run1', 'devices', 'host:1']]);
    await s.transaction(async (tx) => {
      const { mac: _m, createdAt: _c, updatedAt: _u, version: _v, enrolUntil: _e, enrolledAt: _a, enrolledIp: _i, ...row } = before;
      await tx.devices.update('805ec0000001', { ...row, label: 'imported' }, 1);
      await tx.devices.insert(device('805ec0000002'));
      await tx.devices.insert(device('805ec0000003'));
      await tx.contacts.update(cid, { name: 'new', work: null, mobile: null, home: null, group: null }, 1);
      const added = await tx.contacts.insert({ userNumber: '0100000001', name: 'added', work: '0102030405', mobile: null, home: null, group: null });
      await tx.importRuns.journal('run1', [
        { entity: 'device', key: '805ec0000001', before, afterVersion: 2 },
        { entity: 'device', key: '805ec0000002', before: null, afterVersion: 1 },
        { entity: 'device', key: '805ec0000003', before: null, afterVersion: 1 },
      ]);
      await tx.importRuns.journal('run1', [
        { entity: 'contact', key: String(cid), before: cBefore, afterVersion: 2 },
        { entity: 'contact', key: String(added), before: null, afterVersion: 1 },
      ]);
      await tx.importRuns.heartbeat('run1', new Date().toISOString());
    });
    // Somebody edits 805ec0000003 after the import wrote it: the undo leaves their change.
    const d3 = (await s.devices.get('805ec0000003'))!;
    const { mac: _m3, createdAt: _c3, updatedAt: _u3, version: _v3, enrolUntil: _e3, enrolledAt: _a3, enrolledIp: _i3, ...row3 } = d3;
    await s.devices.update('805ec0000003', { ...row3, label: 'edited by hand' });
    const back = await s.importRuns.undo('run1');
    assert.equal(back.macs.sort(), ['805ec0000001', '805ec0000002', '805ec0000003']);
    assert.equal(back.contactsOf, ['0100000001']);
    assert.is(back.skipped, 1);
    assert.is((await s.devices.get('805ec0000001'))!.label, 'before');
    assert.is(await s.devices.get('805ec0000002'), undefined);
    assert.is((await s.devices.get('805ec0000003'))!.label, 'edited by hand');
    assert.equal((await s.contacts.list('0100000001')).map((c) => c.name), ['old']);
    assert.equal(await s.importRuns.list(), []);
    // A finished run is never undone.
    await s.importRuns.begin({ id: 'run2', kind: 'devices', owner: 'host:1', startedAt: new Date().toISOString() });
    await s.devices.insert(device('805ec0000004'));
    await s.importRuns.journal('run2', [{ entity: 'device', key: '805ec0000004', before: null, afterVersion: 1 }]);
    await s.importRuns.finish('run2');
    assert.equal(await s.importRuns.list(), []);
    assert.equal(await s.importRuns.undo('run2'), { macs: [], contactsOf: [], skipped: 0 });
    assert.ok(await s.devices.get('805ec0000004'));
  });

  test('import runs: shared contacts (company directory) are put back too, the group of a device as well; the tenant\'s phones are named', async () => {
    const { s } = await fresh();
    await s.devices.insert({ ...device('805ec0000011'), group: 'pilote' });
    const dBefore = (await s.devices.get('805ec0000011'))!;
    const kept = await s.sharedContacts.insert({ tenantId: 'acme', name: 'Accueil', work: '0102030405', mobile: null, home: null, group: null });
    const kBefore = (await s.sharedContacts.get(kept))!;
    await s.importRuns.begin({ id: 'run-dir', kind: 'contacts', owner: 'host:1', startedAt: new Date().toISOString() });
    await s.transaction(async (tx) => {
      const { mac: _m, createdAt: _c, updatedAt: _u, version: _v, enrolUntil: _e, enrolledAt: _a, enrolledIp: _i, ...row } = dBefore;
      assert.is(await tx.devices.update('805ec0000011', { ...row, group: 'tous' }, 1), true);
      assert.is(await tx.sharedContacts.update(kept, { name: 'Standard', work: '0102030405', mobile: null, home: null, group: 'Services' }, 1), true);
      const added = await tx.sharedContacts.insert({ tenantId: 'acme', name: 'Plombier', work: null, mobile: '0611223344', home: null, group: null });
      await tx.importRuns.journal('run-dir', [
        { entity: 'device', key: '805ec0000011', before: dBefore, afterVersion: 2 },
        { entity: 'contact', key: `s${kept}`, before: kBefore, afterVersion: 2 },
        { entity: 'contact', key: `s${added}`, before: null, afterVersion: 1 },
      ]);
    });
    const back = await s.importRuns.undo('run-dir');
    assert.equal(back.macs, ['805ec0000011']);
    assert.equal(back.contactsOf, []);
    assert.is(back.skipped, 0);
    assert.is((await s.devices.get('805ec0000011'))!.group, 'pilote');
    assert.equal((await s.sharedContacts.list('acme')).map((c) => [c.name, c.group]), [['Accueil', null]]);
  });

  test('operators; credentials: insert, find by token or cookie hash, list, touch, revoke, purge', async () => {
    const { s } = await fresh(false);
    assert.is(await s.operators.count(), 0);
    await s.operators.insert({ login: 'ops', passwordHash: 'h' });
    await s.operators.insert({ login: 'noc', passwordHash: null });
    assert.is(await s.operators.count(), 2);
    assert.is(await s.operators.setPassword('noc', 'h2'), true);
    assert.is((await s.operators.get('noc'))!.passwordHash, 'h2');
    assert.is((await s.operators.get('ops'))!.passwordHash, 'h', 'only that operator');
    assert.is(await s.operators.setPassword('nobody', 'h3'), false);
    const o = (await s.operators.get('ops'))!;
    assert.equal([o.login, o.passwordHash], ['ops', 'h']);
    assert.match(o.createdAt, ISO);
    assert.is(await s.operators.get('nobody'), undefined);
    await rejects(s.operators.insert({ login: 'ops', passwordHash: null }), 'constraint', 'duplicate operator');

    const t0 = Date.parse('2030-01-01T10:00:00.000Z');
    const at = (min: number) => new Date(t0 + min * 60_000).toISOString();
    const base = { label: null, csrfToken: null, address: null, userAgent: null };
    const token = { ...base, id: 'tok1', kind: 'token' as const, principalKind: 'operator' as const, principalId: 'ops', label: 'ci',
      createdAt: at(0), lastUsedAt: at(0), expiresAt: at(60 * 24 * 365) };
    const session = { ...base, id: 'ses1', kind: 'session' as const, principalKind: 'user' as const, principalId: '0100000001', csrfToken: 'c1',
      createdAt: at(1), lastUsedAt: at(1), expiresAt: at(12 * 60), address: '192.0.2.7', userAgent: 'Firefox' };
    const old = { ...session, id: 'ses0', csrfToken: 'c0', createdAt: at(-600), lastUsedAt: at(-600), expiresAt: at(-1) };
    const idle = { ...session, id: 'ses2', csrfToken: 'c2', createdAt: at(-100), lastUsedAt: at(-100), expiresAt: at(600) };
    await s.credentials.insert({ ...token, tokenHash: 'th1', cookieHash: null });
    await s.credentials.insert({ ...session, tokenHash: 'th2', cookieHash: 'ch2' });
    await s.credentials.insert({ ...old, tokenHash: null, cookieHash: 'ch0' });
    await s.credentials.insert({ ...idle, tokenHash: null, cookieHash: 'ch3' });
    assert.equal(await s.credentials.findByToken('th1'), token);
    assert.equal(await s.credentials.findByToken('th2'), session, 'a login: the bearer token of the session…');
    assert.equal(await s.credentials.findByCookie('ch2'), session, '…and its cookie are one credential');
    assert.is(await s.credentials.findByCookie('th2'), undefined, 'a token hash is not a cookie hash');
    assert.is(await s.credentials.findByToken('nope'), undefined);
    assert.equal(await s.credentials.get('tok1'), token);
    await rejects(s.credentials.insert({ ...token, id: 'tok2', tokenHash: 'th1', cookieHash: null }), 'constraint', 'same token hash');
    await rejects(s.credentials.insert({ ...session, id: 'ses9', tokenHash: null, cookieHash: 'ch2' }), 'constraint', 'same cookie hash');
    assert.equal((await s.credentials.list()).map((c) => c.id), ['ses0', 'ses2', 'tok1', 'ses1'], 'oldest first');
    assert.equal((await s.credentials.list({ principalKind: 'user', principalId: '0100000001' })).map((c) => c.id), ['ses0', 'ses2', 'ses1']);
    assert.equal(await s.credentials.list({ principalKind: 'user', principalId: 'ops' }), [], 'kind and id both match');

    await s.credentials.touch('ses1', at(30));
    await s.credentials.touch('ses1', at(20));
    assert.is((await s.credentials.get('ses1'))!.lastUsedAt, at(30), 'lastUsedAt never moves back');

    // Expired at `now`, or a session idle since before `idleBefore`; a token has no idle limit.
    assert.is(await s.credentials.purgeExpired(at(31), at(31 - 60)), 2);
    assert.equal((await s.credentials.list()).map((c) => c.id), ['tok1', 'ses1']);

    await s.credentials.insert({ ...session, id: 'ses3', tokenHash: 'th4', cookieHash: 'ch4', createdAt: at(40), lastUsedAt: at(40) });
    await s.credentials.insert({ ...token, id: 'tok3', tokenHash: 'th5', cookieHash: null, principalKind: 'user', principalId: '0100000001', createdAt: at(41), lastUsedAt: at(41) });
    assert.is(await s.credentials.deleteFor('user', '0100000001', { except: 'ses3', kind: 'session' }), 1, 'only sessions, one kept');
    assert.equal((await s.credentials.list({ principalKind: 'user', principalId: '0100000001' })).map((c) => c.id), ['ses3', 'tok3']);
    assert.is(await s.credentials.deleteFor('user', '0100000001'), 2);
    assert.is(await s.credentials.findByCookie('ch4'), undefined);
    assert.is(await s.credentials.delete('tok1'), true);
    assert.is(await s.credentials.delete('tok1'), false);
    assert.equal(await s.credentials.list(), []);
  });

  test('secrets: every password reads back as given and is stored encrypted; census; reencrypt', async () => {
    const { s, db } = await fresh();
    const pw = {
      sip: 'Sip-Secret-4711', prov: 'Prov-Secret-4712', tenantAdmin: 'Admin-Secret-4713', deviceAdmin: 'Admin-Secret-4714',
      user: 'User-Secret-4715', tenantAuth: 'Tenant-Secret-4716',
    };
    await s.users.insert({ ...user('0100000001'), sipPassword: pw.sip });
    await s.devices.insert({ ...device('805ec0000001', 'acme', '0100000001'), provisioningUsername: 'p1', provisioningPassword: pw.prov });
    await s.devices.insert(device('805ec0000002'));
    await s.network.setTenant('acme', { vlanId: 20, adminPassword: pw.tenantAdmin });
    await s.network.setDevice('805ec0000001', { adminPassword: pw.deviceAdmin, phoneUserPassword: pw.user } as never);
    await s.tenants.update('acme', { ...tenant('acme'), security: { auth: { mode: 'digest', username: 'prov', password: pw.tenantAuth } } });

    assert.is((await s.users.get('0100000001'))!.sipPassword, pw.sip);
    assert.is((await s.users.list('acme'))[0]!.sipPassword, pw.sip);
    assert.is((await s.devices.get('805ec0000001'))!.provisioningPassword, pw.prov);
    assert.is((await s.devices.get('805ec0000002'))!.provisioningPassword, null);
    assert.equal(await s.network.getTenant('acme'), { vlanId: 20, adminPassword: pw.tenantAdmin });
    assert.equal(await s.network.getDevice('805ec0000001'), { adminPassword: pw.deviceAdmin, phoneUserPassword: pw.user });
    assert.equal((await s.tenants.get('acme'))!.security, { auth: { mode: 'digest', username: 'prov', password: pw.tenantAuth } });

    const raw = await db.rawText();
    for (const [what, v] of Object.entries(pw)) assert.not.ok(raw.includes(v), `${what} password stored in plaintext`);
    assert.match(raw, /enc:1:[0-9a-f]{8}:/);

    const census = await s.secrets.census();
    const ids = Object.keys(census);
    assert.is(ids.length, 1, 'one key so far');
    assert.is(census[ids[0]!], 6);
    assert.is(await s.secrets.reencrypt(), 6, 'every stored password rewritten');
    assert.equal(await s.secrets.census(), census, 'same key: same census');
    assert.is((await s.users.get('0100000001'))!.sipPassword, pw.sip, 'readable after');
    const again = await db.rawText();
    assert.not.ok(again.includes(pw.sip));
  });

  test('import undo journal: a device\'s provisioning password is journaled sealed, never in plaintext; undo puts it back; census and reencrypt see it', async () => {
    const { s, db } = await fresh();
    await s.devices.insert({ ...device('805ec0000001'), provisioningUsername: 'cadran-805ec0000001', provisioningPassword: 'Journal-Before-4721' });
    const before = (await s.devices.get('805ec0000001'))!;
    await s.importRuns.begin({ id: 'run-sealed', kind: 'devices', owner: 'host:1', startedAt: new Date().toISOString() });
    await s.transaction(async (tx) => {
      const { mac: _m, createdAt: _c, updatedAt: _u, version: _v, enrolUntil: _e, enrolledAt: _a, enrolledIp: _i, ...row } = before;
      // The import moves it and gives it new credentials (what a move to another tenant does).
      await tx.devices.update('805ec0000001', { ...row, provisioningPassword: 'Journal-After-4722' }, before.version);
      await tx.importRuns.journal('run-sealed', [{ entity: 'device', key: '805ec0000001', before, afterVersion: before.version + 1 }]);
    });
    const raw = await db.rawText();
    assert.not.ok(raw.includes('Journal-Before-4721'), 'the before-image holds no plaintext password');
    assert.not.ok(raw.includes('Journal-After-4722'));
    const census = await s.secrets.census();
    assert.is(Object.values(census).reduce((a, b) => a + b, 0), 2, 'the device and its journaled before-image');
    assert.is(await s.secrets.reencrypt(), 2, 'a rotation re-encrypts the journal too');
    const back = await s.importRuns.undo('run-sealed');
    assert.equal(back.macs, ['805ec0000001']);
    assert.is((await s.devices.get('805ec0000001'))!.provisioningPassword, 'Journal-Before-4721', 'undo restores it');
    assert.not.ok((await db.rawText()).includes('Journal-Before-4721'), 're-sealed when written back');
  });

  test('password resets: issue once per window, peek, claim once (also under concurrency), revokeAll', async () => {
    const { s } = await fresh();
    await s.users.insert(user('0100000001'));
    await s.users.insert(user('0100000002'));
    const t = (min: number) => new Date(Date.UTC(2030, 0, 1, 12, min)).toISOString();
    assert.is(await s.passwordResets.issue({ tokenHash: 'h1', userNumber: '0100000001', createdAt: t(0), expiresAt: t(60), notBefore: t(-1) }), true);
    assert.is(await s.passwordResets.issue({ tokenHash: 'h2', userNumber: '0100000001', createdAt: t(0), expiresAt: t(60), notBefore: t(-1) }), false, 'within the window');
    assert.is(await s.passwordResets.issue({ tokenHash: 'h3', userNumber: '0100000001', createdAt: t(2), expiresAt: t(62), notBefore: t(1) }), true, 'after the window');
    assert.is(await s.passwordResets.peek('h1', t(10)), '0100000001');
    assert.is(await s.passwordResets.peek('h2', t(10)), undefined, 'never stored');
    assert.is(await s.passwordResets.peek('h1', t(60)), undefined, 'expired');
    const claims = await Promise.all([s.passwordResets.claim('h1', t(10)), s.passwordResets.claim('h1', t(10)), s.passwordResets.claim('h1', t(10))]);
    assert.equal(claims.filter((c) => c !== undefined), ['0100000001'], 'one claim wins');
    assert.is(await s.passwordResets.peek('h1', t(10)), undefined, 'used');
    assert.is(await s.passwordResets.claim('h3', t(63)), undefined, 'expired link cannot be claimed');
    assert.is(await s.passwordResets.issue({ tokenHash: 'h4', userNumber: '0100000002', createdAt: t(3), expiresAt: t(63), notBefore: t(2) }), true);
    assert.is(await s.passwordResets.issue({ tokenHash: 'h5', userNumber: '0100000001', createdAt: t(4), expiresAt: t(64), notBefore: t(3) }), true);
    await s.passwordResets.revokeAll('0100000001', t(5));
    assert.is(await s.passwordResets.peek('h5', t(5)), undefined, 'revoked');
    assert.is(await s.passwordResets.peek('h4', t(5)), '0100000002', 'other users untouched');
    // Concurrent requests for one user: exactly one link is issued.
    const many = await Promise.all(
      [1, 2, 3, 4].map((i) => s.passwordResets.issue({ tokenHash: `c${i}`, userNumber: '0100000002', createdAt: t(30), expiresAt: t(90), notBefore: t(20) })),
    );
    assert.is(many.filter(Boolean).length, 1, 'exactly one of four concurrent requests wins');
    await rejects(
      s.passwordResets.issue({ tokenHash: 'h9', userNumber: '0999999999', createdAt: t(30), expiresAt: t(90), notBefore: t(20) }),
      'constraint',
      'unknown user',
    );
  });

  test('settings: JSON values, upsert', async () => {
    const { s } = await fresh(false);
    assert.is(await s.settings.get('x'), undefined);
    await s.settings.set('x', { a: [1, 2, { b: 'é' }], n: null });
    assert.equal(await s.settings.get('x'), { a: [1, 2, { b: 'é' }], n: null });
    await s.settings.set('x', 42);
    assert.is(await s.settings.get<number>('x'), 42);
    await s.settings.set('s', 'text');
    assert.is(await s.settings.get<string>('s'), 'text');
  });

  // ---- resync jobs ----------------------------------------------------------------------------

  const job = (jobId: string, createdAt: number, extra: Partial<ResyncJob> = {}): ResyncJob => ({
    jobId, tenantId: 'acme', scope: { kind: 'tenant', id: 'acme' }, reboot: false, requestedBy: 'operator:ops', createdAt, ...extra,
  });
  const target = (jobId: string, mac: string, userNumber?: string): ResyncTarget => ({
    jobId, deviceMac: mac, tenantId: 'acme', event: 'check-sync', target: { host: '10.0.0.1', port: 5062 },
    requestUri: `sip:x@10.0.0.1:5062`, fromDomain: 'sip.acme.example', ...(userNumber ? { userNumber } : {}),
  });

  test('resync: createJob, getJob (no credentials), states, pendingTargets with current credentials', async () => {
    const { s } = await fresh();
    await s.users.insert(user('0100000001'));
    const t0 = Date.UTC(2030, 0, 1);
    await s.resync.createJob(job('j1', t0, { reboot: true, scope: { kind: 'user', id: '0100000001' } }), [
      target('j1', '805ec0000002', '0100000001'),
      target('j1', '805ec0000001'),
    ], [{ deviceMac: '805ec0000003', tenantId: 'acme', reason: 'never_seen' }]);
    const got = (await s.resync.getJob('j1'))!;
    assert.equal(got.job, { jobId: 'j1', tenantId: 'acme', scope: { kind: 'user', id: '0100000001' }, reboot: true, requestedBy: 'operator:ops', createdAt: t0 });
    assert.equal(got.targets.map((t) => [t.deviceMac, t.state, t.reason]), [
      ['805ec0000001', 'queued', undefined], ['805ec0000002', 'queued', undefined], ['805ec0000003', 'failed', 'never_seen'],
    ]);
    const rec = got.targets[1]!;
    assert.equal({ ...rec }, { ...target('j1', '805ec0000002', '0100000001'), state: 'queued', updatedAt: t0 });
    assert.ok(got.targets.every((t) => !('credentials' in t)));
    assert.is(await s.resync.getJob('nope'), null);

    let pending = await s.resync.pendingTargets();
    assert.equal(pending.map((p) => p.deviceMac), ['805ec0000002', '805ec0000001'], 'insertion order within a job');
    assert.equal(pending[0]!.credentials, { username: 'a0100000001', password: 'secret-0100000001' });
    assert.is(pending[1]!.credentials, undefined);
    // The line's password changes: recovery uses the current one.
    await s.users.update('0100000001', { ...user('0100000001'), sipPassword: 'new-secret' });
    pending = await s.resync.pendingTargets();
    assert.is(pending[0]!.credentials!.password, 'new-secret');

    await s.resync.setTargetState('j1', '805ec0000002', 'sent', { at: t0 + 1000 });
    await s.resync.setTargetState('j1', '805ec0000002', 'answered', { at: t0 + 1100, code: 200, reason: 'OK' });
    await s.resync.setTargetState('j1', '805ec0000002', 'fetched', { at: t0 + 5000 });
    await s.resync.setTargetState('j1', '805ec0000001', 'sent', { at: t0 + 1000 });
    await s.resync.setTargetState('j1', 'ffffffffffff', 'sent', { at: t0 + 1000 }); // unknown: ignored
    await s.resync.setTargetState('nope', '805ec0000001', 'failed', { at: t0 + 1000 });
    const after = (await s.resync.getJob('j1'))!.targets;
    assert.equal(after.find((t) => t.deviceMac === '805ec0000002'), {
      ...target('j1', '805ec0000002', '0100000001'), state: 'fetched', code: 200, reason: 'OK', sentAt: t0 + 1000, fetchedAt: t0 + 5000, updatedAt: t0 + 5000,
    });
    assert.equal(after.length, 3);
    assert.equal((await s.resync.pendingTargets()).map((p) => [p.deviceMac]), [['805ec0000001']], 'sent without answer is pending; fetched is not');
    assert.equal(await s.resync.awaitingFetch('805ec0000001', t0 + 1000), [{ jobId: 'j1', state: 'sent' }]);
    assert.equal(await s.resync.awaitingFetch('805ec0000001', t0 + 1001), []);
    await s.resync.setTargetState('j1', '805ec0000001', 'answered', { at: t0 + 1200, code: 202 });
    assert.equal(await s.resync.awaitingFetch('805ec0000001', t0), [{ jobId: 'j1', state: 'answered', code: 202 }]);
  });

  test('resync: cancelJob, listJobs (newest first, filters, limit, counts)', async () => {
    const { s } = await fresh();
    await s.tenants.insert(tenant('globex'));
    const t0 = Date.UTC(2030, 0, 1);
    await s.resync.createJob(job('a', t0), [target('a', '805ec0000001'), target('a', '805ec0000002'), target('a', '805ec0000003')], []);
    await s.resync.createJob(job('b', t0 + 10, { requestedBy: 'admin:0100000001' }), [target('b', '805ec0000001')], []);
    await s.resync.createJob(job('c', t0 + 10, { tenantId: 'globex', requestedBy: null }), [], [{ deviceMac: '000b82000001', tenantId: 'globex', reason: 'no_line' }]);
    await s.resync.setTargetState('a', '805ec0000002', 'sent', { at: t0 + 1 });
    assert.equal(await s.resync.cancelJob('a', t0 + 20), ['805ec0000001', '805ec0000003']);
    assert.equal(await s.resync.cancelJob('a', t0 + 30), [], 'nothing left queued');
    assert.equal(await s.resync.cancelJob('nope', t0 + 30), []);
    const a = (await s.resync.getJob('a'))!;
    assert.is(a.job.cancelledAt, t0 + 20, 'first cancellation time kept');
    assert.equal(a.targets.map((t) => t.state), ['cancelled', 'sent', 'cancelled']);
    assert.equal((await s.resync.pendingTargets()).map((p) => p.jobId), ['b'], 'targets of a cancelled job are not pending');

    const all = await s.resync.listJobs();
    assert.equal(all.map((j) => j.jobId), ['c', 'b', 'a'], 'newest first; same time: last created first');
    const sa = all.find((j) => j.jobId === 'a')!;
    assert.is(sa.total, 3);
    assert.equal(sa.counts, { queued: 0, sent: 1, answered: 0, failed: 0, timeout: 0, fetched: 0, cancelled: 2 });
    assert.is(sa.finished, false);
    const sc = all.find((j) => j.jobId === 'c')!;
    assert.equal([sc.total, sc.counts.failed, sc.finished, sc.requestedBy, sc.tenantId], [1, 1, true, null, 'globex']);
    assert.equal((await s.resync.listJobs({ tenantId: 'acme' })).map((j) => j.jobId), ['b', 'a']);
    assert.equal((await s.resync.listJobs({ requestedBy: 'admin:0100000001' })).map((j) => j.jobId), ['b']);
    assert.equal((await s.resync.listJobs({ limit: 2 })).map((j) => j.jobId), ['c', 'b']);
    assert.equal((await s.resync.listJobs({ limit: 0 })).map((j) => j.jobId), ['c'], 'limit at least 1');
    await rejects(s.resync.createJob(job('a', t0), [], []), 'constraint', 'job id reused');
  });

  // ---- several nodes on one database ------------------------------------------------------------

  test('resync leases: created leased, claimed only when free or expired, fair per tenant, renewed, released', async () => {
    const { s, db } = await fresh();
    const other = await another(db);
    await s.tenants.insert(tenant('globex'));
    await s.users.insert(user('0100000001'));
    const t0 = Date.UTC(2030, 0, 1);
    // Job a: leased to node A at creation until t0 + 30 s.
    await s.resync.createJob(job('a', t0), [target('a', '805ec0000001', '0100000001'), target('a', '805ec0000002')], [], { owner: 'A', until: t0 + 30_000 });
    assert.equal(await other.resync.claimTargets('B', { now: t0 + 1000, until: t0 + 31_000, limit: 10, perTenant: 10 }), [], 'a live lease is not taken');
    // Job b (acme, 3 targets) and c (globex, 2) created free: fair share per tenant, oldest job first.
    await s.resync.createJob(job('b', t0 + 1), [target('b', '805ec0000011'), target('b', '805ec0000012'), target('b', '805ec0000013')], []);
    await s.resync.createJob(job('c', t0 + 2, { tenantId: 'globex' }), [
      { ...target('c', '000b82000001'), tenantId: 'globex' }, { ...target('c', '000b82000002'), tenantId: 'globex' },
    ], []);
    const first = await other.resync.claimTargets('B', { now: t0 + 1000, until: t0 + 100_000, limit: 10, perTenant: 2 });
    assert.equal(first.map((t) => `${t.jobId} ${t.deviceMac}`), ['b 805ec0000011', 'b 805ec0000012', 'c 000b82000001', 'c 000b82000002']);
    assert.equal(await other.resync.claimTargets('B', { now: t0 + 1000, until: t0 + 100_000, limit: 10, perTenant: 2 }), [], 'B already holds 2 per tenant');
    const rest = await s.resync.claimTargets('A', { now: t0 + 1000, until: t0 + 31_000, limit: 10, perTenant: 10 });
    assert.equal(rest.map((t) => `${t.jobId} ${t.deviceMac}`), ['b 805ec0000013'], 'what B holds is not claimed again');
    assert.equal(await s.resync.claimTargets('A', { now: t0 + 1000, until: t0 + 31_000, limit: 0, perTenant: 10 }), []);
    // Renewal: A still holds job a's two targets and b/13; one answered since is not renewed.
    await s.resync.setTargetState('a', '805ec0000002', 'answered', { at: t0 + 2000, code: 200 });
    const held = await s.resync.renewLeases('A', t0 + 60_000);
    assert.equal(held.map((h) => `${h.jobId} ${h.deviceMac}`).sort(), ['a 805ec0000001', 'b 805ec0000013']);
    // A dies: once its leases run out, B takes its targets over, credentials joined back.
    assert.equal(await other.resync.claimTargets('B', { now: t0 + 59_000, until: t0 + 90_000, limit: 10, perTenant: 10 }), []);
    const taken = await other.resync.claimTargets('B', { now: t0 + 60_001, until: t0 + 90_000, limit: 10, perTenant: 10 });
    assert.equal(taken.map((t) => `${t.jobId} ${t.deviceMac}`), ['a 805ec0000001', 'b 805ec0000013']);
    assert.equal(taken[0]!.credentials, { username: 'a0100000001', password: 'secret-0100000001' });
    assert.equal(await s.resync.renewLeases('A', t0 + 90_000), [], 'A lost them: renewing says so');
    // B stops cleanly: its leases are free at once.
    await other.resync.releaseLeases('B');
    const again = await s.resync.claimTargets('A', { now: t0 + 61_000, until: t0 + 91_000, limit: 100, perTenant: 100 });
    assert.equal(again.length, 6);
    // Cancelled jobs are not claimed.
    await s.resync.releaseLeases('A');
    await s.resync.cancelJob('b', t0 + 62_000);
    const left = await s.resync.claimTargets('A', { now: t0 + 62_000, until: t0 + 92_000, limit: 100, perTenant: 100 });
    assert.equal(left.map((t) => t.jobId).sort(), ['a', 'c', 'c']);
  });

  test('resync leases: two instances claiming at once never get the same target', async () => {
    const { s, db } = await fresh();
    const other = await another(db);
    const t0 = Date.UTC(2030, 0, 1);
    const targets = Array.from({ length: 60 }, (_, i) => target('big', `805ec00001${i.toString(16).padStart(2, '0')}`));
    await s.resync.createJob(job('big', t0), targets, []);
    const got: string[] = [];
    for (let round = 0; round < 10; round++) {
      const [x, y] = await Promise.all([
        // A new owner name each round: what an owner already holds counts against its share.
        s.resync.claimTargets(`A${round}`, { now: t0, until: t0 + 30_000, limit: 7, perTenant: 7 }),
        other.resync.claimTargets(`B${round}`, { now: t0, until: t0 + 30_000, limit: 7, perTenant: 7 }),
      ]);
      for (const t of [...x, ...y]) got.push(t.deviceMac);
    }
    assert.is(got.length, 60);
    assert.is(new Set(got).size, 60, 'each target claimed once');
  });

  test('settings.setIfAbsent: the first value stays, racing instances read the same one', async () => {
    const { s, db } = await fresh();
    const other = await another(db);
    const [a, b] = await Promise.all([s.settings.setIfAbsent('secret', { hex: 'aa' }), other.settings.setIfAbsent('secret', { hex: 'bb' })]);
    assert.equal(a, b);
    assert.equal(await s.settings.setIfAbsent('secret', { hex: 'cc' }), a);
    assert.equal(await other.settings.get('secret'), a);
  });

  test('nodes: heartbeats count the live ones; a node that leaves or goes silent stops counting', async () => {
    const { s, db } = await fresh();
    const other = await another(db);
    const t0 = Date.UTC(2030, 0, 1);
    assert.is(await s.nodes.heartbeat('A', t0, 6000), 1);
    assert.is(await other.nodes.heartbeat('B', t0 + 1000, 6000), 2);
    assert.is(await s.nodes.heartbeat('A', t0 + 2000, 6000), 2);
    assert.is(await s.nodes.heartbeat('A', t0 + 7001, 6000), 1, 'B silent for more than the ttl');
    await other.nodes.heartbeat('B', t0 + 7002, 6000);
    await other.nodes.leave('B');
    assert.is(await s.nodes.heartbeat('A', t0 + 7003, 6000), 1);
  });

  test('probe blocks: shared, the later end kept, ended ones gone', async () => {
    const { s, db } = await fresh();
    const other = await another(db);
    const t0 = Date.UTC(2030, 0, 1);
    await s.probeBlocks.add('192.0.2.7', t0 + 60_000);
    await other.probeBlocks.add('192.0.2.7', t0 + 30_000);
    await other.probeBlocks.add('2001:db8::1', t0 + 10_000);
    assert.equal(await other.probeBlocks.active(t0), [{ ip: '192.0.2.7', until: t0 + 60_000 }, { ip: '2001:db8::1', until: t0 + 10_000 }]);
    assert.equal(await s.probeBlocks.active(t0 + 10_000), [{ ip: '192.0.2.7', until: t0 + 60_000 }]);
    assert.equal(await s.probeBlocks.active(t0 + 60_000), []);
  });

  test('template overrides: put, get, list ordered, putIfAbsent never replaces, delete', async () => {
    const { s, db } = await fresh();
    const other = await another(db);
    await s.templateOverrides.put({ vendor: 'yealink', name: 'mac.cfg.hbs', source: '#!version:1.0.0.1\n{{x}}' });
    await s.templateOverrides.put({ vendor: 'snom', name: 'mac.xml.hbs', source: '<x/>', updatedAt: '2030-01-01T00:00:00.000Z' });
    assert.is(await other.templateOverrides.putIfAbsent({ vendor: 'yealink', name: 'mac.cfg.hbs', source: 'other' }), false);
    assert.is(await other.templateOverrides.putIfAbsent({ vendor: 'yealink', name: 'common.cfg.hbs', source: 'c' }), true);
    const list = await other.templateOverrides.list();
    assert.equal(list.map((o) => `${o.vendor}/${o.name}`), ['snom/mac.xml.hbs', 'yealink/common.cfg.hbs', 'yealink/mac.cfg.hbs']);
    assert.is(list[0]!.updatedAt, '2030-01-01T00:00:00.000Z');
    assert.ok(list.every((o) => ISO.test(o.updatedAt)));
    assert.is((await other.templateOverrides.get('yealink', 'mac.cfg.hbs'))!.source, '#!version:1.0.0.1\n{{x}}');
    await s.templateOverrides.put({ vendor: 'yealink', name: 'mac.cfg.hbs', source: 'v2' });
    assert.is((await other.templateOverrides.get('yealink', 'mac.cfg.hbs'))!.source, 'v2');
    assert.is(await other.templateOverrides.delete('yealink', 'mac.cfg.hbs'), true);
    assert.is(await other.templateOverrides.delete('yealink', 'mac.cfg.hbs'), false);
    assert.is(await s.templateOverrides.get('yealink', 'mac.cfg.hbs'), undefined);
  });

  // ---- transactions ---------------------------------------------------------------------------

  test('transaction: commits everything done through the bound store, returns its value', async () => {
    const { s } = await fresh();
    const r = await s.transaction(async (tx) => {
      await tx.users.insert(user('0100000001'));
      await tx.keys.replace('0100000001', [{ position: 1, type: 'line', value: null, label: null }]);
      await tx.devices.insert(device('805ec0000001', 'acme', '0100000001'));
      assert.ok(await tx.users.get('0100000001'), 'the transaction sees its own writes');
      return 'done';
    });
    assert.is(r, 'done');
    assert.ok(await s.users.get('0100000001'));
    assert.is((await s.keys.list('0100000001')).length, 1);
    assert.is((await s.devices.get('805ec0000001'))!.userNumber, '0100000001');
  });

  test('transaction: an error thrown by fn rolls everything back and is rethrown as is', async () => {
    const { s } = await fresh();
    await s.users.insert(user('0100000002'));
    const boom = new Error('boom');
    let caught: unknown;
    try {
      await s.transaction(async (tx) => {
        await tx.users.insert(user('0100000001'));
        await tx.keys.replace('0100000002', [{ position: 1, type: 'line', value: null, label: null }]);
        await tx.tenants.update('acme', { ...tenant('acme'), name: 'Changed' });
        throw boom;
      });
    } catch (e) {
      caught = e;
    }
    assert.is(caught, boom);
    assert.is(await s.users.get('0100000001'), undefined);
    assert.equal(await s.keys.list('0100000002'), []);
    assert.is((await s.tenants.get('acme'))!.name, 'Tenant acme');
  });

  test('transaction: a refused write inside it throws a StoreError and the transaction goes on', async () => {
    const { s } = await fresh();
    await s.transaction(async (tx) => {
      await tx.users.insert(user('0100000001'));
      await rejects(tx.users.insert(user('0100000001')), 'constraint', 'duplicate inside a transaction');
      await rejects(tx.devices.insert(device('805ec0000001', 'nope')), 'constraint', 'unknown tenant inside a transaction');
      await tx.users.insert(user('0100000002'));
    });
    assert.equal((await s.users.list()).map((u) => u.number), ['0100000001', '0100000002']);
  });

  test('transaction: nested transaction rolls back alone', async () => {
    const { s } = await fresh();
    await s.transaction(async (tx) => {
      await tx.users.insert(user('0100000001'));
      let inner: unknown;
      try {
        await tx.transaction(async (tx2) => {
          await tx2.users.insert(user('0100000002'));
          throw new Error('inner');
        });
      } catch (e) {
        inner = e;
      }
      assert.is((inner as Error).message, 'inner');
      assert.is(await tx.users.get('0100000002'), undefined);
      await tx.transaction(async (tx2) => tx2.users.insert(user('0100000003')));
    });
    assert.equal((await s.users.list()).map((u) => u.number), ['0100000001', '0100000003']);
  });

  test('transaction: the outer store never sees uncommitted work (it waits or reads the committed state)', async () => {
    const { s } = await fresh();
    let committed = false;
    let inserted!: () => void;
    const insertedInTx = new Promise<void>((r) => (inserted = r));
    // Started outside the transaction (as another request would be): on SQLite it waits for the
    // commit, on PostgreSQL it reads on another connection.
    const outside = (async () => {
      await insertedInTx;
      const value = await s.users.get('0100000001');
      return { value, beforeCommit: !committed };
    })();
    await s.transaction(async (tx) => {
      await tx.users.insert(user('0100000001'));
      inserted();
      await new Promise((r) => setTimeout(r, 100));
      await tx.users.insert(user('0100000002'));
      committed = true;
    });
    const seen = await outside;
    // `committed` is set before COMMIT is sent: a read answered earlier cannot see the insert.
    if (seen.beforeCommit) assert.is(seen.value, undefined, 'a read answered before the commit must not see the insert');
    assert.ok(await s.users.get('0100000002'));
  });

  test('transaction: two concurrent transactions both commit', async () => {
    const { s } = await fresh();
    const tick = () => new Promise((r) => setTimeout(r, 5));
    await Promise.all(
      ['1', '2'].map((k) =>
        s.transaction(async (tx) => {
          for (let i = 0; i < 5; i++) {
            await tx.users.insert(user(`01000000${k}${i}`));
            await tick();
          }
        }),
      ),
    );
    assert.is((await s.users.list()).length, 10);
  });

  test('transaction: a second instance on the same database sees the result only once committed', async () => {
    const { s, db } = await fresh();
    const b = await another(db);
    await s.transaction(async (tx) => {
      await tx.users.insert(user('0100000001'));
    });
    assert.ok(await b.users.get('0100000001'));
  });

  // ---- changes from other instances -----------------------------------------------------------

  test('external changes: a change made and published by one instance reaches another within 3 s', async () => {
    const { s: a, db } = await fresh();
    const b = await another(db);
    const seenByB: StoreChange[] = [];
    const seenByA: StoreChange[] = [];
    const offB = b.onExternalChange((c) => seenByB.push(c));
    a.onExternalChange((c) => seenByA.push(c));
    await a.devices.insert(device('805ec0000001'));
    await a.publishChange({ macs: ['805ec0000001'], reason: 'device added' });
    const got = await until('B told of the change', () => seenByB.find((c) => c.macs === '*' || c.macs.includes('805ec0000001')), 3000);
    if (h.feed === 'notify') {
      assert.equal(got, { macs: ['805ec0000001'], reason: 'device added' });
      // A change published inside a transaction is delivered only when it commits.
      await a.transaction(async (tx) => {
        await tx.publishChange({ macs: ['805ec0000002'], reason: 'in tx' });
        throw new Error('rolled back');
      }).catch(() => undefined);
      await a.transaction(async (tx) => tx.publishChange({ macs: ['805ec0000003'], reason: 'committed' }));
      await until('the committed change', () => seenByB.find((c) => Array.isArray(c.macs) && c.macs.includes('805ec0000003')));
      assert.not.ok(seenByB.some((c) => Array.isArray(c.macs) && c.macs.includes('805ec0000002')), 'a rolled-back change is never announced');
      // Too many MACs for one NOTIFY: everything is announced as changed.
      const many = Array.from({ length: 2000 }, (_, i) => `805ec1${i.toString(16).padStart(6, '0')}`);
      await a.publishChange({ macs: many, reason: 'bulk import' });
      await until('the bulk change', () => seenByB.find((c) => c.macs === '*' && c.reason === 'bulk import'));
      // A does not hear its own changes; B's change reaches A (and after it, in order).
      await b.publishChange({ macs: ['805ec0000009'], reason: 'from b' });
      await until('A told of B', () => seenByA.find((c) => c.reason === 'from b'));
      assert.equal(seenByA.map((c) => c.reason), ['from b'], 'an instance is not told of its own changes');
    }
    offB();
    const before = seenByB.length;
    await a.devices.insert(device('805ec0000004'));
    await a.publishChange({ macs: ['805ec0000004'], reason: 'after unsubscribe' });
    // Let any delivery happen through a second, still subscribed instance.
    const c = await another(db);
    const seenByC: StoreChange[] = [];
    c.onExternalChange((x) => seenByC.push(x));
    await a.devices.insert(device('805ec0000005'));
    await a.publishChange({ macs: ['805ec0000005'], reason: 'for c' });
    await until('C told', () => seenByC.find((x) => x.macs === '*' || x.macs.includes('805ec0000005')));
    assert.is(seenByB.length, before, 'an unsubscribed listener hears nothing more');
  });

  // ---- migrations -----------------------------------------------------------------------------

  test('migrations: a fresh database reaches the latest version; opening again applies nothing and keeps data', async () => {
    const db = await h.newDatabase();
    const s1 = await db.open();
    assert.is(await db.schemaVersion(), h.latestVersion);
    await s1.tenants.insert(tenant('acme'));
    await s1.close();
    const s2 = await db.open();
    open.push(s2);
    assert.is(await db.schemaVersion(), h.latestVersion);
    assert.ok(await s2.tenants.get('acme'));
  });

  test('migrations: several instances starting together on an empty database all start, schema migrated once', async () => {
    const db = await h.newDatabase();
    const stores = await Promise.all([db.open(), db.open(), db.open(), db.open()]);
    open.push(...stores);
    assert.is(await db.schemaVersion(), h.latestVersion);
    await stores[0]!.tenants.insert(tenant('acme'));
    for (const s of stores) assert.ok(await s.tenants.get('acme'));
  });

  test('migrations: a database migrated by a newer cadran is refused with a clear message', async () => {
    const db = await h.newDatabase();
    const s = await db.open();
    await s.close();
    await db.markNewer(h.latestVersion + 1);
    let err: unknown;
    try {
      open.push(await db.open());
    } catch (e) {
      err = e;
    }
    assert.instance(err, Error, 'opening must fail');
    assert.match((err as Error).message, new RegExp(`${h.latestVersion + 1}.*newer`));
  });

  test.run();
}

