import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer, seedTwoTenants, type TestServer } from './helpers/server.ts';

const t = suite('API roles');
let s: TestServer;
let tok: Record<string, string>;
const ADMIN = '0100000001';
const ALICE = '0100000002';
const BOB = '0100000003';
const GUS = '0200000001'; // admin of globex
const GINA = '0200000002';

t.before(async () => {
  s = await startTestServer();
  tok = await seedTwoTenants(s);
  await s.api('POST', '/devices', { mac: '805ec0000002', model: 'T54W', tenant: 'acme', user: ALICE });
  await s.api('POST', '/devices', { mac: '0004f2000003', model: 'VVX450', tenant: 'acme', user: BOB });
  await s.api('POST', '/devices', { mac: '000413000004', model: 'D785', tenant: 'globex', user: GINA });
  await s.api('POST', `/users/${ALICE}/contacts`, { name: 'Privé Alice', mobile: '0611111111' }, tok[ALICE]);
});
t.after(async () => s.close());

t('only operators create tenants', async () => {
  assert.is((await s.api('POST', '/tenants', { id: 'evil', name: 'x', sipDomain: 's.example' }, tok[ADMIN])).status, 403);
  assert.is((await s.api('POST', '/tenants', { id: 'evil', name: 'x', sipDomain: 's.example' }, tok[ALICE])).status, 403);
});

t('a user reads and changes only their own keys and contacts', async () => {
  assert.is((await s.api('PUT', `/users/${ALICE}/keys`, [{ position: 1, type: 'blf', value: BOB }], tok[ALICE])).status, 200);
  assert.is((await s.api('GET', `/users/${BOB}/keys`, undefined, tok[ALICE])).status, 403);
  assert.is((await s.api('PUT', `/users/${BOB}/keys`, [], tok[ALICE])).status, 403);
  assert.is((await s.api('GET', `/users/${BOB}/contacts`, undefined, tok[ALICE])).status, 403);
  // Bob supervises Alice but never sees her contacts.
  assert.is((await s.api('GET', `/users/${ALICE}/contacts`, undefined, tok[BOB])).status, 403);
  assert.is((await s.api('GET', `/users/${ALICE}/contacts`, undefined, tok[ALICE])).body.length, 1);
});

t('a user cannot rename their licence or change their role, but can change their password', async () => {
  assert.is((await s.api('PATCH', `/users/${ALICE}`, { name: 'Queen Alice' }, tok[ALICE])).status, 403);
  assert.is((await s.api('PATCH', `/users/${ALICE}`, { role: 'admin' }, tok[ALICE])).status, 403);
  // Her own password needs the current one (issue 12: a session left open must not be enough).
  assert.is((await s.api('PATCH', `/users/${ALICE}`, { password: 'a-new-password' }, tok[ALICE])).status, 422);
  assert.is((await s.api('PATCH', `/users/${ALICE}`, { password: 'a-new-password', currentPassword: 'wrong-password' }, tok[ALICE])).status, 422);
  assert.is((await s.api('PATCH', `/users/${ALICE}`, { password: 'a-new-password', currentPassword: `pw-${ALICE}` }, tok[ALICE])).status, 200);
  assert.is((await s.api('POST', '/sessions', { login: ALICE, password: 'a-new-password' }, null)).status, 201);
});

t("another tenant's MACs, numbers and ids: the same answer as for ones that do not exist, naming no tenant", async () => {
  const same = (a: { status: number; body: { error: { code: string; message: string } } }, b: typeof a, what: string) => {
    assert.is(a.status, b.status, `${what}: status`);
    assert.is(a.body.error.code, b.body.error.code, `${what}: code`);
    assert.not.match(a.body.error.message, /another tenant|Acme SAS/i, `${what}: ${a.body.error.message}`);
    // The same sentence, but for the name each caller gave.
    const shape = (m: string) => m.replace(/\b(acme|nope|0100000002|0199999999|805ec0000002|805ec0000035|80:5e:c0:00:00:0[0-9a-f]|80:5e:c0:00:00:3[0-9a-f])\b/g, '…');
    assert.is(shape(a.body.error.message), shape(b.body.error.message), what);
  };
  // A device for a licence of Acme / for a number nobody has.
  same(
    await s.api('POST', '/devices', { mac: '805ec0000031', model: 'T54W', tenant: 'globex', user: ALICE }, tok[GUS]),
    await s.api('POST', '/devices', { mac: '805ec0000032', model: 'T54W', tenant: 'globex', user: '0199999999' }, tok[GUS]),
    'device user',
  );
  // A device in Acme's tenant / in a tenant that does not exist.
  same(
    await s.api('POST', '/devices', { mac: '805ec0000033', model: 'T54W', tenant: 'acme' }, tok[GUS]),
    await s.api('POST', '/devices', { mac: '805ec0000034', model: 'T54W', tenant: 'nope' }, tok[GUS]),
    'device tenant',
  );
  // Acme's phone / a MAC nobody has: read, change, delete.
  for (const [m, path, body] of [['GET', '/devices/805ec0000002', undefined], ['PATCH', '/devices/805ec0000002', { label: 'x' }], ['DELETE', '/devices/805ec0000002', undefined]] as const) {
    same(await s.api(m, path, body, tok[GUS]), await s.api(m, path.replace('805ec0000002', '805ec0000035'), body, tok[GUS]), `${m} device`);
  }
  // Acme's licence / a free number: read, BLF supervision.
  same(await s.api('GET', `/users/${ALICE}`, undefined, tok[GUS]), await s.api('GET', '/users/0199999999', undefined, tok[GUS]), 'GET user');
  same(
    await s.api('PUT', `/users/${GINA}/keys`, [{ position: 1, type: 'blf', value: ALICE }], tok[GUS]),
    await s.api('PUT', `/users/${GINA}/keys`, [{ position: 1, type: 'blf', value: '0199999999' }], tok[GUS]),
    'BLF',
  );
  // Acme's tenant / none: read it, list its users.
  same(await s.api('GET', '/tenants/acme', undefined, tok[GUS]), await s.api('GET', '/tenants/nope', undefined, tok[GUS]), 'GET tenant');
  same(await s.api('GET', '/tenants/acme/users', undefined, tok[GUS]), await s.api('GET', '/tenants/nope/users', undefined, tok[GUS]), 'tenant users');
  // A MAC is unique: taking Acme's is refused, but the answer names no tenant.
  const taken = await s.api('POST', '/devices', { mac: '805ec0000002', model: 'T54W', tenant: 'globex' }, tok[GUS]);
  assert.is(taken.status, 409);
  assert.not.match(taken.body.error.message, /acme|another tenant/i);
  assert.is((await s.api('GET', '/devices/805ec0000002')).body.tenant, 'acme', 'still Acme\'s');
});

t('a user sees their own phone, not others', async () => {
  assert.is((await s.api('GET', '/devices/805ec0000002', undefined, tok[ALICE])).status, 200);
  assert.is((await s.api('GET', '/devices/0004f2000003', undefined, tok[ALICE])).status, 404);
  assert.is((await s.api('PATCH', '/devices/805ec0000002', { label: 'mine' }, tok[ALICE])).status, 403);
  const list = await s.api('GET', '/devices', undefined, tok[ALICE]);
  assert.equal(list.body.map((d: any) => d.mac), ['80:5e:c0:00:00:02']);
});

t('an admin manages their whole tenant', async () => {
  assert.is((await s.api('PATCH', `/users/${ALICE}`, { name: 'Alice Martin-Durand' }, tok[ADMIN])).status, 200);
  assert.is((await s.api('PUT', `/users/${BOB}/keys`, [{ position: 1, type: 'line' }], tok[ADMIN])).status, 200);
  // Personal contacts stay private, even to the admin (issue 17): 403 to read, as for a colleague;
  // adding one is allowed, without reading the book (test/contacts-privacy.test.ts).
  assert.is((await s.api('GET', `/users/${ALICE}/contacts`, undefined, tok[ADMIN])).status, 403);
  assert.is((await s.api('PUT', '/tenants/acme/network', { vlanId: 12 }, tok[ADMIN])).status, 200);
  assert.is((await s.api('POST', '/tenants/acme/users', { number: '0100000010', name: 'New', role: 'user' }, tok[ADMIN])).status, 201);
  assert.is((await s.api('GET', '/devices', undefined, tok[ADMIN])).body.length, 2);
});

t('an admin cannot touch another tenant, and learns nothing about it', async () => {
  assert.is((await s.api('GET', `/users/${GINA}`, undefined, tok[ADMIN])).status, 404);
  assert.is((await s.api('PUT', `/users/${GINA}/keys`, [], tok[ADMIN])).status, 404);
  assert.is((await s.api('GET', '/tenants/globex/users', undefined, tok[ADMIN])).status, 404);
  assert.is((await s.api('PUT', '/tenants/globex/network', { vlanId: 1 }, tok[ADMIN])).status, 404);
  assert.is((await s.api('GET', '/devices/000413000004', undefined, tok[ADMIN])).status, 404);
  assert.is((await s.api('POST', '/devices', { mac: '805ec0000099', model: 'T54W', tenant: 'globex' }, tok[ADMIN])).status, 404);
  assert.is((await s.api('GET', `/users/${ALICE}`, undefined, tok[GUS])).status, 404);
});

t('an admin cannot change provisioning security; an operator can', async () => {
  assert.is((await s.api('PATCH', '/tenants/acme', { security: { urlToken: 'abcdefghijklmnopqrstuvwx' } }, tok[ADMIN])).status, 403);
  assert.is((await s.api('PATCH', '/tenants/acme', { security: { urlToken: 'abcdefghijklmnopqrstuvwx' } })).status, 200);
});

t('a wrong password and an unknown login give the same answer', async () => {
  const a = await s.api('POST', '/sessions', { login: ALICE, password: 'wrong-password' }, null);
  const b = await s.api('POST', '/sessions', { login: '0999999999', password: 'wrong-password' }, null);
  assert.is(a.status, 401);
  assert.is(b.status, 401);
  assert.equal(a.body, b.body);
});

t('a session cookie needs the CSRF token for changes', async () => {
  const login = await s.api('POST', '/sessions', { login: ADMIN, password: `pw-${ADMIN}` }, null);
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const get = await s.api('GET', '/tenants', undefined, null, { cookie });
  assert.is(get.status, 200);
  const noCsrf = await s.api('PUT', '/tenants/acme/network', { vlanId: 13 }, null, { cookie, 'content-type': 'application/json' });
  assert.is(noCsrf.status, 403);
  const withCsrf = await s.api('PUT', '/tenants/acme/network', { vlanId: 13 }, null, { cookie, 'x-csrf-token': login.body.csrfToken });
  assert.is(withCsrf.status, 200);
});

t('operators see unknown devices; a tenant admin only those assigned to their tenant; users none', async () => {
  assert.is((await s.api('GET', '/unknown-devices')).status, 200);
  const admin = await s.api('GET', '/unknown-devices', undefined, tok[ADMIN]);
  assert.is(admin.status, 200);
  assert.equal(admin.body, []);
  assert.is((await s.api('GET', '/unknown-devices', undefined, tok[ALICE])).status, 403);
});

t('a tenant admin cannot claim a MAC waiting in the unknown list until an operator assigns it (issue 12, finding 11)', async () => {
  const mac = '805ec0aa0011';
  await s.app.store.unknownDevices.record([
    { mac, vendor: 'yealink', model: 'T54W', ip: '127.0.0.9', userAgent: 'Yealink SIP-T54W', lastSeen: new Date().toISOString(), hits: 1 },
  ]);
  const claim = await s.api('POST', '/devices', { mac, model: 'T54W', tenant: 'acme' }, tok[ADMIN]);
  assert.is(claim.status, 403);
  assert.not.ok(await s.app.store.devices.get(mac));
  // The other tenant's admin cannot either, and cannot assign it to themselves.
  assert.is((await s.api('POST', '/devices', { mac, model: 'T54W', tenant: 'globex' }, tok[GUS])).status, 403);
  assert.is((await s.api('PATCH', `/unknown-devices/${mac}`, { tenant: 'globex' }, tok[GUS])).status, 403);
  // The operator assigns it to acme: acme's admin sees it and may register it; globex still may not.
  assert.is((await s.api('PATCH', `/unknown-devices/${mac}`, { tenant: 'acme' })).status, 200);
  assert.equal((await s.api('GET', '/unknown-devices', undefined, tok[ADMIN])).body.map((u: { mac: string }) => u.mac.replace(/:/g, '').toLowerCase()), [mac]);
  assert.equal((await s.api('GET', '/unknown-devices', undefined, tok[GUS])).body, []);
  assert.is((await s.api('POST', '/devices', { mac, model: 'T54W', tenant: 'globex' }, tok[GUS])).status, 403);
  assert.is((await s.api('POST', '/devices', { mac, model: 'T54W', tenant: 'acme' }, tok[ADMIN])).status, 201);
  // A MAC never seen is the admin's to register (it goes through adopt-before-serve).
  assert.is((await s.api('POST', '/devices', { mac: '805ec0aa0012', model: 'T54W', tenant: 'acme' }, tok[ADMIN])).status, 201);
});

t.run();
