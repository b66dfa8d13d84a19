// Secure by default (issue 12, "new tenants serve configs to anyone who knows a MAC"): adopt
// before serve. Every device has generated provisioning credentials; a new device may fetch its
// files once without them during its enrolment window, and those files carry the credentials;
// after that a fetch without them gets 401 and no secret. Each attack is replayed over HTTP.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash, randomBytes } from 'node:crypto';
import { startTestServer, type TestServer } from './helpers/server.ts';
import { phoneFeature } from '../server/features.ts';
import { get, type Answer } from './phone-fixtures.ts';

const t = suite('adopt before serve');
let s: TestServer;
let http: number;
const MAC = '805ec0100001';
const FILE = `/${MAC}.cfg`;
let sipPassword = '';

const md5 = (x: string): string => createHash('md5').update(x).digest('hex');
function digest(challenge: string, user: string, pass: string, uri: string): string {
  const c: Record<string, string> = {};
  for (const m of challenge.matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]*))/g)) c[m[1]!] = m[2] ?? m[3]!;
  const cnonce = randomBytes(8).toString('hex');
  const nc = '00000001';
  const ha1 = md5(`${user}:${c.realm}:${pass}`);
  const response = md5(`${ha1}:${c.nonce}:${nc}:${cnonce}:auth:${md5(`GET:${uri}`)}`);
  return `Digest username="${user}", realm="${c.realm}", nonce="${c.nonce}", uri="${uri}", algorithm=MD5, qop=auth, nc=${nc}, cnonce="${cnonce}", response="${response}"`;
}

/** A fetch with the device's credentials, as a phone does: challenged first, then Digest. */
async function withCredentials(path: string, user: string, pass: string): Promise<Answer> {
  const first = await get(http, path);
  if (first.status !== 401) return first;
  return get(http, path, { headers: { authorization: digest(String(first.headers['www-authenticate']), user, pass, path) } });
}

async function ok(p: Promise<{ status: number; body: any }>, status = 200) {
  const r = await p;
  assert.is(r.status, status, JSON.stringify(r.body));
  return r.body;
}

async function stored(mac = MAC) {
  return (await s.app.store.devices.get(mac))!;
}

t.before(async () => {
  s = await startTestServer({ features: [phoneFeature], env: { CADRAN_LOG_LEVEL: 'silent' } });
  http = s.running.phone!.httpPort;
  // Created without `security`: the secure default.
  await ok(s.api('POST', '/tenants', { id: 'acme', name: 'Acme', sipDomain: 'sip.acme.example' }), 201);
  await ok(s.api('POST', '/tenants/acme/users', { number: '0100000001', name: 'Alice', role: 'user' }), 201);
  sipPassword = (await s.api('GET', '/users/0100000001')).body.sipPassword;
  await ok(s.api('POST', '/devices', { mac: MAC, model: 'T54W', tenant: 'acme', user: '0100000001' }), 201);
});
t.after(async () => s.close());

t('a tenant created without security adopts before serving; every device has its own generated credentials', async () => {
  const sec = await ok(s.api('GET', '/tenants/acme/security'));
  assert.equal(sec, { auth: { mode: 'digest', perDevice: true }, enrolment: { windowHours: 24 } });
  const d = await stored();
  assert.is(d.provisioningUsername, `cadran-${MAC}`);
  assert.match(d.provisioningPassword!, /^[A-Za-z0-9]{24}$/);
  assert.ok(d.enrolUntil && Date.parse(d.enrolUntil) > Date.now() + 23 * 3600_000, 'a 24 h window is open');
  const view = await ok(s.api('GET', `/devices/${MAC}`));
  assert.is(view.enrolment.state, 'open');
  assert.not.ok('provisioningPassword' in view, 'the password is never listed');
});

t('the enrolment fetch carries the credentials; then a fetch without them gets 401 and no secret', async () => {
  const d = await stored();
  const first = await get(http, FILE, { from: '127.0.0.2' });
  assert.is(first.status, 200);
  const text = first.body.toString();
  assert.ok(text.includes(`static.auto_provision.server.username = ${d.provisioningUsername}`), 'Yealink provisioning username');
  assert.ok(text.includes(`static.auto_provision.server.password = ${d.provisioningPassword}`), 'Yealink provisioning password');
  assert.ok(text.includes(sipPassword), 'the phone gets its account');
  const after = await stored();
  assert.equal([after.enrolUntil, after.enrolledIp], [null, '127.0.0.2']);
  // The attacker who knows the MAC comes second: nothing.
  for (const from of ['127.0.0.2', '127.0.0.3']) {
    const again = await get(http, FILE, { from });
    assert.is(again.status, 401);
    assert.match(String(again.headers['www-authenticate']), /^Digest /);
    assert.not.ok(again.body.toString().includes(sipPassword));
    assert.not.ok(again.body.toString().includes(d.provisioningPassword!));
  }
  // The phone, with the credentials it was given.
  const phone = await withCredentials(FILE, d.provisioningUsername!, d.provisioningPassword!);
  assert.is(phone.status, 200);
  assert.ok(phone.body.toString().includes(sipPassword));
  assert.is((await withCredentials(FILE, d.provisioningUsername!, 'wrong-password-123')).status, 401);
  assert.is((await ok(s.api('GET', `/devices/${MAC}`))).enrolment.state, 'enrolled');
});

t('every vendor enrols: Poly VVX and Snom get their credentials in their own provisioning settings once, then 401 without them', async () => {
  // Poly VVX: the master file names the files and carries no secret (served without taking the
  // enrolment); `<mac>-cadran.cfg` carries the account and device.prov.user/password.
  const POLY = '0004f2100003';
  await ok(s.api('POST', '/devices', { mac: POLY, model: 'VVX450', tenant: 'acme', user: '0100000001' }), 201);
  const poly = await stored(POLY);
  assert.is((await get(http, `/${POLY}.cfg`, { from: '127.0.0.4' })).status, 200);
  assert.ok((await stored(POLY)).enrolUntil, 'the master file does not take the enrolment');
  const params = await get(http, `/${POLY}-cadran.cfg`, { from: '127.0.0.4' });
  assert.is(params.status, 200);
  const pt = params.body.toString();
  assert.ok(pt.includes(`device.prov.user="${poly.provisioningUsername}"`), 'Poly device.prov.user');
  assert.ok(pt.includes(`device.prov.password="${poly.provisioningPassword}"`), 'Poly device.prov.password');
  assert.ok(pt.includes(sipPassword));
  assert.equal([(await stored(POLY)).enrolUntil, (await stored(POLY)).enrolledIp], [null, '127.0.0.4']);
  const polyAgain = await get(http, `/${POLY}-cadran.cfg`, { from: '127.0.0.4' });
  assert.is(polyAgain.status, 401);
  assert.not.ok(polyAgain.body.toString().includes(sipPassword));
  assert.is((await withCredentials(`/${POLY}-cadran.cfg`, poly.provisioningUsername!, poly.provisioningPassword!)).status, 200);

  // Snom: the settings file `<MAC>.xml` carries http_client_user/pass.
  const SNOM = '000413100004';
  await ok(s.api('POST', '/devices', { mac: SNOM, model: 'D785', tenant: 'acme', user: '0100000001' }), 201);
  const snom = await stored(SNOM);
  const settings = await get(http, `/${SNOM}.xml`, { from: '127.0.0.5' });
  assert.is(settings.status, 200);
  const st = settings.body.toString();
  assert.ok(st.includes(`<http_client_user perm="R">${snom.provisioningUsername}</http_client_user>`), 'Snom http_client_user');
  assert.ok(st.includes(`<http_client_pass perm="R">${snom.provisioningPassword}</http_client_pass>`), 'Snom http_client_pass');
  assert.ok(st.includes(sipPassword));
  assert.is((await stored(SNOM)).enrolledIp, '127.0.0.5');
  const snomAgain = await get(http, `/${SNOM}.xml`, { from: '127.0.0.5' });
  assert.is(snomAgain.status, 401);
  assert.not.ok(snomAgain.body.toString().includes(sipPassword));
  assert.not.ok(snomAgain.body.toString().includes(snom.provisioningPassword!));
  assert.is((await withCredentials(`/${SNOM}.xml`, snom.provisioningUsername!, snom.provisioningPassword!)).status, 200);
  assert.is((await ok(s.api('GET', `/devices/${SNOM}`))).enrolment.state, 'enrolled');
});

t('an action-URL report without credentials while the window is open: 401, nothing changed (not the enrolment)', async () => {
  const M = '805ec0100006';
  await ok(s.api('POST', '/devices', { mac: M, model: 'T54W', tenant: 'acme', user: '0100000001' }), 201);
  const r = await get(http, `/events/${M}/dnd-on`, { from: '127.0.0.60' });
  assert.is(r.status, 401);
  assert.match(String(r.headers['www-authenticate']), /^Digest /);
  assert.ok((await stored(M)).enrolUntil, 'the window is still open for the phone\'s own fetch');
});

t('two fetches racing for one enrolment: exactly one gets the files', async () => {
  await ok(s.api('POST', '/devices', { mac: '805ec0100002', model: 'T54W', tenant: 'acme', user: '0100000001' }), 201);
  const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => get(http, '/805ec0100002.cfg', { from: `127.0.0.${10 + i}` })));
  assert.is(answers.filter((a) => a.status === 200).length, 1);
  assert.is(answers.filter((a) => a.status === 401).length, 7);
  for (const a of answers.filter((x) => x.status === 401)) assert.not.ok(a.body.toString().includes(sipPassword));
});

t('rotation re-enrols: new credentials, a new window, the old ones refused', async () => {
  const old = await stored();
  const r = await ok(s.api('POST', `/devices/${MAC}/credentials`));
  assert.match(r.provisioningPassword, /^[A-Za-z0-9]{24}$/);
  assert.is.not(r.provisioningPassword, old.provisioningPassword);
  assert.is(r.enrolment.state, 'open');
  // The phone still has the old credentials: its next fetch is the enrolment fetch, and carries the new ones.
  const next = await get(http, FILE);
  assert.is(next.status, 200);
  assert.ok(next.body.toString().includes(`static.auto_provision.server.password = ${r.provisioningPassword}`));
  assert.is((await withCredentials(FILE, old.provisioningUsername!, old.provisioningPassword!)).status, 401, 'old credentials');
  assert.is((await get(http, FILE)).status, 401, 'no second credential-less fetch');
  assert.is((await withCredentials(FILE, old.provisioningUsername!, r.provisioningPassword)).status, 200);
});

t('an expired window serves nothing; a tenant admin may rotate, a user may not', async () => {
  await ok(s.api('POST', '/devices', { mac: '805ec0100003', model: 'T54W', tenant: 'acme' }), 201);
  await s.app.store.devices.openEnrolment('805ec0100003', new Date(Date.now() - 1000).toISOString());
  s.app.changes.devicesChanged(['805ec0100003'], 'test');
  assert.is((await get(http, '/805ec0100003.cfg')).status, 401);
  assert.is((await ok(s.api('GET', '/devices/805ec0100003'))).enrolment.state, 'expired');
  await ok(s.api('POST', '/tenants/acme/users', { number: '0100000009', name: 'Admin', role: 'admin', password: 'pw-admin-0009' }), 201);
  await ok(s.api('POST', '/tenants/acme/users', { number: '0100000008', name: 'User', role: 'user', password: 'pw-user-00008' }), 201);
  const admin = (await ok(s.api('POST', '/sessions', { login: '0100000009', password: 'pw-admin-0009' }, null), 201)).token;
  const user = (await ok(s.api('POST', '/sessions', { login: '0100000008', password: 'pw-user-00008' }, null), 201)).token;
  // A plain user does not see the phone at all (404, as for any device that is not theirs).
  assert.is((await s.api('POST', '/devices/805ec0100003/credentials', undefined, user)).status, 404);
  await ok(s.api('POST', '/devices/805ec0100003/credentials', undefined, admin));
  assert.is((await get(http, '/805ec0100003.cfg')).status, 200, 'a new window after rotation');
});

t('the enrolment window can be limited to an address range', async () => {
  await ok(s.api('PATCH', '/tenants/acme', { security: { enrolment: { allowlist: ['127.0.0.50/32'] } } }));
  assert.equal((await ok(s.api('GET', '/tenants/acme/security'))).enrolment, { windowHours: 24, allowlist: ['127.0.0.50/32'] });
  await ok(s.api('POST', '/devices', { mac: '805ec0100004', model: 'T54W', tenant: 'acme', user: '0100000001' }), 201);
  const outside = await get(http, '/805ec0100004.cfg', { from: '127.0.0.51' });
  assert.is(outside.status, 401);
  assert.not.ok(outside.body.toString().includes(sipPassword));
  assert.is((await get(http, '/805ec0100004.cfg', { from: '127.0.0.50' })).status, 200);
  await ok(s.api('PATCH', '/tenants/acme', { security: { enrolment: { allowlist: null } } }));
});

t('a tenant created with explicit security keeps exactly that (open, for labs)', async () => {
  await ok(s.api('POST', '/tenants', { id: 'lab', name: 'Lab', sipDomain: 'sip.lab.example', security: { auth: { mode: 'none' } } }), 201);
  assert.equal(await ok(s.api('GET', '/tenants/lab/security')), { auth: { mode: 'none' } });
  await ok(s.api('POST', '/devices', { mac: '805ec0200001', model: 'T54W', tenant: 'lab' }), 201);
  assert.is((await stored('805ec0200001')).enrolUntil, null, 'no window: nothing to adopt');
  for (let i = 0; i < 3; i++) assert.is((await get(http, '/805ec0200001.cfg')).status, 200);
});

t('an existing tenant keeps its mode; the operator applies the default, and its devices enrol once', async () => {
  // A tenant as it was before (no security at all), with a device.
  await s.app.store.tenants.insert({ id: 'old', name: 'Old', sipDomain: 'sip.old.example', sipProxy: null, sipPort: 5060, sipTransport: 'udp', security: {} });
  await s.app.store.devices.insert({ mac: '805ec0300001', tenantId: 'old', vendor: 'yealink', model: 'T54W', userNumber: null, label: null, expansionModules: 0, extraLines: [], provisioningUsername: null, provisioningPassword: null });
  for (let i = 0; i < 2; i++) assert.is((await get(http, '/805ec0300001.cfg')).status, 200, 'still open');
  // Only an operator applies it.
  await ok(s.api('POST', '/tenants/old/users', { number: '0300000001', name: 'Admin', role: 'admin', password: 'pw-old-admin1' }), 201);
  const admin = (await ok(s.api('POST', '/sessions', { login: '0300000001', password: 'pw-old-admin1' }, null), 201)).token;
  assert.is((await s.api('POST', '/tenants/old/security/default', undefined, admin)).status, 403);
  const t1 = await ok(s.api('POST', '/tenants/old/security/default'));
  assert.equal(t1.security, { auth: { mode: 'digest', perDevice: true }, enrolment: { windowHours: 24 } });
  const d = await stored('805ec0300001');
  assert.ok(d.provisioningUsername && d.provisioningPassword, 'credentials generated for existing devices');
  assert.ok(d.enrolUntil);
  const first = await get(http, '/805ec0300001.cfg');
  assert.is(first.status, 200);
  assert.ok(first.body.toString().includes(d.provisioningPassword!));
  assert.is((await get(http, '/805ec0300001.cfg')).status, 401);
});

t.run();
