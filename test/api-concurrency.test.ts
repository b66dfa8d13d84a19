// Concurrent writes never silently undo each other (issue 12, finding 10), PATCH of `security`
// merges (finding 9), and only operators aim NOTIFYs (a tenant admin cannot set the SIP proxy or
// port). Each attack replayed through the API.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer, seedTwoTenants, type TestServer } from './helpers/server.ts';

const t = suite('API concurrency and security merge');
let s: TestServer;
let tok: Record<string, string>;
const ADMIN = '0100000001';
const ALICE = '0100000002';

t.before(async () => {
  s = await startTestServer();
  tok = await seedTwoTenants(s);
});
t.after(async () => s.close());

t('every record answers with an ETag; If-Match with an older version gets 412 and nothing is written', async () => {
  const read = await s.api('GET', `/users/${ALICE}`);
  const etag = read.headers.get('etag')!;
  assert.match(etag, /^"v\d+"$/);
  const first = await s.api('PATCH', `/users/${ALICE}`, { name: 'Alice M.' }, undefined, { 'if-match': etag });
  assert.is(first.status, 200);
  assert.is.not(first.headers.get('etag'), etag);
  // A second editor who read the same version.
  const stale = await s.api('PATCH', `/users/${ALICE}`, { name: 'Alice Stale' }, undefined, { 'if-match': etag });
  assert.is(stale.status, 412);
  assert.is(stale.body.error.code, 'precondition_failed');
  assert.is(stale.body.error.key, 'stale.user');
  assert.match(stale.body.error.message, /modifiée par quelqu'un d'autre/);
  assert.is((await s.api('GET', `/users/${ALICE}`)).body.name, 'Alice M.');
  // A tag that is not one of ours never matches.
  assert.is((await s.api('PATCH', `/users/${ALICE}`, { name: 'x' }, undefined, { 'if-match': '"garbage"' })).status, 412);
  // Tenants, devices, network profiles, keys and contacts too.
  const tenant = await s.api('GET', '/tenants/acme');
  assert.is((await s.api('PATCH', '/tenants/acme', { name: 'Acme 2' }, undefined, { 'if-match': tenant.headers.get('etag')! })).status, 200);
  assert.is((await s.api('PATCH', '/tenants/acme', { name: 'Acme 3' }, undefined, { 'if-match': tenant.headers.get('etag')! })).status, 412);
  const net = await s.api('GET', '/tenants/acme/network');
  assert.is(net.headers.get('etag'), '"v0"', 'no profile stored yet');
  assert.is((await s.api('PUT', '/tenants/acme/network', { vlanId: 10 }, undefined, { 'if-match': '"v0"' })).status, 200);
  assert.is((await s.api('PUT', '/tenants/acme/network', { vlanId: 11 }, undefined, { 'if-match': '"v0"' })).status, 412);
  const keys = await s.api('GET', `/users/${ALICE}/keys`);
  const ktag = keys.headers.get('etag')!;
  assert.is((await s.api('PUT', `/users/${ALICE}/keys`, [{ position: 1, type: 'line' }], undefined, { 'if-match': ktag })).status, 200);
  assert.is((await s.api('PUT', `/users/${ALICE}/keys`, [], undefined, { 'if-match': ktag })).status, 412);
  assert.is((await s.api('GET', `/users/${ALICE}/keys`)).body.length, 1);
  // Contacts are private to their user (issue 17): Alice edits her own.
  const c = await s.api('POST', `/users/${ALICE}/contacts`, { name: 'Zoé', mobile: '0611111111' }, tok[ALICE]);
  assert.is(c.status, 201, JSON.stringify(c.body));
  const ctag = c.headers.get('etag')!;
  assert.is((await s.api('PATCH', `/users/${ALICE}/contacts/${c.body.id}`, { name: 'Zoé B' }, tok[ALICE], { 'if-match': ctag })).status, 200);
  assert.is((await s.api('DELETE', `/users/${ALICE}/contacts/${c.body.id}`, undefined, tok[ALICE], { 'if-match': ctag })).status, 412);
  assert.is((await s.api('GET', `/users/${ALICE}/contacts/${c.body.id}`, undefined, tok[ALICE])).body.name, 'Zoé B');
  await s.api('POST', '/devices', { mac: '805ec0000042', model: 'T54W', tenant: 'acme' });
  const dev = await s.api('GET', '/devices/805ec0000042');
  assert.is((await s.api('PATCH', '/devices/805ec0000042', { label: 'A' }, undefined, { 'if-match': dev.headers.get('etag')! })).status, 200);
  assert.is((await s.api('PATCH', '/devices/805ec0000042', { label: 'B' }, undefined, { 'if-match': dev.headers.get('etag')! })).status, 412);
  assert.is((await s.api('GET', '/devices/805ec0000042')).body.label, 'A');
});

t("two concurrent writers: a user's password change does not revert an admin's SIP-password rotation and demotion (replayed)", async () => {
  // Alice is an admin for this test, and changes her own password (slow: hashed) while the
  // operator rotates her SIP password and demotes her, many times over.
  // Her own password change needs her current one (sec-auth).
  let current = `pw-${ALICE}`;
  for (let round = 0; round < 5; round++) {
    await s.api('PATCH', `/users/${ALICE}`, { role: 'admin' });
    const sip = `rotated-${round}-Xy9`;
    const [mine, theirs] = await Promise.all([
      s.api('PATCH', `/users/${ALICE}`, { password: `new-password-${round}`, currentPassword: current }, tok[ALICE]),
      s.api('PATCH', `/users/${ALICE}`, { sipPassword: sip, role: 'user' }),
    ]);
    assert.is(theirs.status, 200, JSON.stringify(theirs.body));
    assert.ok(mine.status === 200 || mine.status === 403, `${mine.status} ${JSON.stringify(mine.body)}`);
    const u = (await s.api('GET', `/users/${ALICE}`)).body;
    assert.is(u.sipPassword, sip, `round ${round}: the rotation stays`);
    assert.is(u.role, 'user', `round ${round}: the demotion stays`);
    if (mine.status === 200) {
      const login = await s.api('POST', '/sessions', { login: ALICE, password: `new-password-${round}` }, null);
      assert.is(login.status, 201, `round ${round}: the password change stays`);
      tok[ALICE] = login.body.token;
      current = `new-password-${round}`;
    }
  }
});

t('concurrent edits of different fields of one device both stay', async () => {
  await s.api('POST', '/devices', { mac: '805ec0000043', model: 'T54W', tenant: 'acme' });
  const writes = [];
  for (let i = 0; i < 10; i++) {
    writes.push(s.api('PATCH', '/devices/805ec0000043', { label: `L${i}` }));
    writes.push(s.api('PATCH', '/devices/805ec0000043', { user: ALICE }, tok[ADMIN]));
  }
  for (const r of await Promise.all(writes)) assert.is(r.status, 200, JSON.stringify(r.body));
  const d = (await s.api('GET', '/devices/805ec0000043')).body;
  assert.is(d.user, ALICE);
  assert.match(d.label, /^L\d$/);
  assert.is(d.version, 21);
});

t('PATCH security merges: a URL token does not drop the allowlist or Digest (replayed)', async () => {
  const put = await s.api('PUT', '/tenants/globex/security', {
    allowlist: ['127.0.0.0/8'],
    auth: { mode: 'digest', username: 'globex-prov', password: 'globex-secret-1' },
  });
  assert.is(put.status, 200, JSON.stringify(put.body));
  const r = await s.api('PATCH', '/tenants/globex', { security: { urlToken: 'abcdefghijklmnopqrstuvwx' } });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.security, {
    allowlist: ['127.0.0.0/8'],
    auth: { mode: 'digest', username: 'globex-prov', password: 'globex-secret-1' },
    urlToken: 'abcdefghijklmnopqrstuvwx',
  });
  // A field inside auth changes alone; null clears one field.
  const r2 = await s.api('PATCH', '/tenants/globex', { security: { auth: { password: 'globex-secret-2' }, urlToken: null } });
  assert.equal(r2.body.security, { allowlist: ['127.0.0.0/8'], auth: { mode: 'digest', username: 'globex-prov', password: 'globex-secret-2' } });
  // A merge that leaves an invalid whole is refused, naming the field.
  const bad = await s.api('PATCH', '/tenants/globex', { security: { auth: { mode: 'nope' } } });
  assert.is(bad.status, 422);
  assert.equal((await s.api('GET', '/tenants/globex/security')).body.auth.password, 'globex-secret-2');
  await s.api('PUT', '/tenants/globex/security', {});
});

t('NOTIFY target: only an operator sets the SIP proxy or port of a tenant', async () => {
  const r = await s.api('PATCH', '/tenants/acme', { sipProxy: '203.0.113.9', sipPort: 5099 }, tok[ADMIN]);
  assert.is(r.status, 403);
  assert.is(r.body.error.key, 'forbidden.sip_target_operator_only');
  assert.match(r.body.error.message, /Seul un opérateur/);
  assert.is((await s.api('PATCH', '/tenants/acme', { sipPort: 5099 }, tok[ADMIN])).status, 403);
  const t0 = (await s.api('GET', '/tenants/acme')).body;
  assert.equal([t0.sipProxy, t0.sipPort], [null, 5060]);
  // The admin may still rename the tenant, and the operator may set the proxy.
  assert.is((await s.api('PATCH', '/tenants/acme', { name: 'Acme SAS' }, tok[ADMIN])).status, 200);
  assert.is((await s.api('PATCH', '/tenants/acme', { sipProxy: 'sbc.acme.example', sipPort: 5080 })).status, 200);
  await s.api('PATCH', '/tenants/acme', { sipProxy: null, sipPort: 5060 });
});

t.run();
