// The phone profile end to end through the API: the new fields of PUT …/network (and its
// `/profile` alias), vendor parameters refused with a stable code naming the parameter, the
// installation / tenant / device levels merged field by field (a level deeper for featureCodes,
// vendorParameters, firmware), extra lines of a phone (same tenant, shared lines, the model's
// limit), GET /devices/{mac}/checks, and what reaches the phone's files.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer, seedTwoTenants, type TestServer } from './helpers/server.ts';
import { renderDeviceFile } from '../server/provision/render.ts';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ADMIN = '0100000001';
const ALICE = '0100000002';
const BOB = '0100000003';
const GINA = '0200000002';
const YEA = '805ec0000001';
const YEA2 = '805ec0000002';
const SMALL = '805ec0000003'; // T31P: 2 SIP accounts
const SNOM = '000413000004';
const POLY = '0004f2000005';
const ROOT = 'http://prov.example.test/';

/** The body of a file the phone is served (through the same path as the phone listeners). */
async function file(s: TestServer, mac: string, name: string): Promise<string> {
  const f = await renderDeviceFile(s.app, mac, name, ROOT);
  assert.ok(f, `${name} rendered`);
  return f!.body.toString('utf8');
}

function isError(r: { status: number; body: any }, status: number, field: string, code?: string) {
  assert.is(r.status, status, JSON.stringify(r.body));
  const d = r.body.error.details.find((x: any) => x.field === field);
  assert.ok(d, `field ${field} named in ${JSON.stringify(r.body.error)}`);
  if (code) assert.is(d.code, code, JSON.stringify(d));
}

const t = suite('API phone profile');
let s: TestServer;
let tok: Record<string, string>;
t.before(async () => {
  s = await startTestServer();
  tok = await seedTwoTenants(s);
  for (const [mac, model, user] of [
    [YEA, 'T54W', ALICE],
    [YEA2, 'T54W', BOB],
    [SMALL, 'T31P', ADMIN],
    [SNOM, 'D785', ALICE],
    [POLY, 'VVX450', BOB],
  ] as const) {
    const r = await s.api('POST', '/devices', { mac, model, tenant: 'acme', user });
    assert.is(r.status, 201, JSON.stringify(r.body));
  }
});
t.after(async () => s.close());

t('the new fields are accepted, stored as given, and reach the files', async () => {
  const profile = {
    locale: 'fr-BE',
    featureCodes: { directedPickup: '*8', groupPickup: '*9' },
    digitMap: '[1-9]xx|0[1-9]xxxxxxxx|00x.|*x.#',
    codecs: ['G722', 'PCMA'],
    registrationExpirySeconds: 900,
    phoneUserPassword: 'Us3r-P@ss',
    vendorParameters: { yealink: { 'features.dnd.enable': '0' }, snom: { 'dnd_mode[1]': 'off' } },
  };
  const r = await s.api('PUT', '/tenants/acme/network', profile);
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body, profile);
  assert.equal((await s.api('GET', '/tenants/acme/profile')).body, profile, '/profile is the same resource');
  const y = await file(s, YEA, `${YEA}.cfg`);
  assert.match(y, /^account\.1\.sip_server\.1\.expires = 900$/m);
  assert.match(y, /^account\.1\.codec\.g722\.priority = 1$/m);
  assert.match(y, /^account\.1\.codec\.pcma\.priority = 2$/m);
  assert.match(y, /^features\.dnd\.enable = 0$/m);
  assert.match(y, /^lang\.gui = French$/m);
  const snom = await file(s, SNOM, `${SNOM.toUpperCase()}.xml`);
  assert.match(snom, /<user_expiry idx="1" perm="R">900<\/user_expiry>/);
  assert.match(snom, /<dnd_mode idx="1" perm="R">off<\/dnd_mode>/);
  await s.api('PUT', '/tenants/acme/network', {});
});

t('PATCH changes only the fields given (JSON merge patch): null removes one, maps merge a level deeper, If-Match and validation as for PUT', async () => {
  const full = { vlanId: 20, vlanPriority: 5, ntpServers: ['ntp.acme.example'], timezone: 'Europe/Paris', dscpSip: 26, dscpRtp: 46, locale: 'fr-FR' as const, codecs: ['G722', 'PCMA'], vendorParameters: { yealink: { 'phone_setting.backlight_time': '60', 'features.dnd.enable': '0' } } };
  const put = await s.api('PUT', '/tenants/acme/profile', full);
  assert.is(put.status, 200, JSON.stringify(put.body));
  // The README's example used to PUT the network fields, then PUT the phone fields: the second
  // removed the VLAN, NTP and DSCP. A PATCH keeps them.
  const r = await s.api('PATCH', '/tenants/acme/profile', { locale: 'fr-BE', vlanPriority: null, vendorParameters: { yealink: { 'phone_setting.backlight_time': '0' } } });
  assert.is(r.status, 200, JSON.stringify(r.body));
  const { vlanPriority: _removed, ...kept } = full;
  assert.equal(r.body, { ...kept, locale: 'fr-BE', vendorParameters: { yealink: { 'phone_setting.backlight_time': '0', 'features.dnd.enable': '0' } } });
  assert.match(await file(s, YEA, `${YEA}.cfg`), /vlan/i, 'the phone keeps its VLAN');
  // The device level too, through /network.
  assert.is((await s.api('PUT', `/devices/${YEA}/network`, { vlanId: 30, codecs: ['PCMA'] })).status, 200);
  const d = await s.api('PATCH', `/devices/${YEA}/network`, { codecs: null });
  assert.equal(d.body, { vlanId: 30 });
  // Checked merged, naming the field; a stale If-Match is 412; nothing written.
  isError(await s.api('PATCH', '/tenants/acme/profile', { vlanId: 5000 }), 422, 'vlanId');
  isError(await s.api('PATCH', '/tenants/acme/profile', ['vlanId']), 422, '(body)');
  const now = await s.api('GET', '/tenants/acme/profile');
  const stale = await s.api('PATCH', '/tenants/acme/profile', { vlanId: 21 }, undefined, { 'if-match': '"v1"' });
  assert.is(stale.status, 412, JSON.stringify(stale.body));
  assert.equal((await s.api('GET', '/tenants/acme/profile')).body, now.body);
  // Who may: the tenant's admin, not a user, not another tenant.
  assert.is((await s.api('PATCH', '/tenants/acme/profile', { vlanId: 22 }, tok[ADMIN])).status, 200);
  assert.is((await s.api('PATCH', '/tenants/acme/profile', { vlanId: 23 }, tok[ALICE])).status, 403);
  assert.is((await s.api('PATCH', '/tenants/acme/profile', { vlanId: 23 }, tok['0200000001'])).status, 404);
  assert.is((await s.api('PUT', '/tenants/acme/profile', {})).status, 200);
  assert.is((await s.api('PUT', `/devices/${YEA}/network`, {})).status, 200);
});

t('a vendor parameter the format cannot take is refused: 422 naming the parameter, with a stable code', async () => {
  isError(await s.api('PUT', '/tenants/acme/network', { vendorParameters: { yealink: { 'bad key!': '1' } } }), 422, 'vendorParameters.yealink.bad key!', 'vendor_parameter.name_invalid');
  isError(
    await s.api('PUT', '/tenants/acme/network', { vendorParameters: { yealink: { 'features.dnd.enable': '0\naccount.1.password = x' } } }),
    422,
    'vendorParameters.yealink.features.dnd.enable',
    'vendor_parameter.value_invalid',
  );
  isError(await s.api('PUT', `/devices/${POLY}/network`, { vendorParameters: { polycom: { 'up.x': 'a"b' } } }), 422, 'vendorParameters.polycom.up.x', 'vendor_parameter.value_invalid');
  isError(await s.api('PUT', `/devices/${SNOM}/profile`, { vendorParameters: { snom: { 'user_host[1': 'x' } } }), 422, 'vendorParameters.snom.user_host[1', 'vendor_parameter.name_invalid');
  isError(await s.api('PUT', '/tenants/acme/network', { vendorParameters: { cisco: { a: 'b' } } }), 422, 'vendorParameters.cisco');
  isError(await s.api('PUT', '/tenants/acme/network', { locale: 'fr' }), 422, 'locale');
  isError(await s.api('PUT', '/tenants/acme/network', { codecs: ['PCMA', 'PCMA'] }), 422, 'codecs');
  isError(await s.api('PUT', '/tenants/acme/network', { codecs: ['AMR'] }), 422, 'codecs.0');
  isError(await s.api('PUT', '/tenants/acme/network', { featureCodes: { directedPickup: '*8 x' } }), 422, 'featureCodes.directedPickup');
  isError(await s.api('PUT', '/tenants/acme/network', { digitMap: '0[1-9' }), 422, 'digitMap');
  isError(await s.api('PUT', '/tenants/acme/network', { registrationExpirySeconds: 10 }), 422, 'registrationExpirySeconds');
  assert.equal((await s.api('GET', '/tenants/acme/network')).body, {}, 'nothing half-written');
});

t('installation, tenant and device levels merge field by field, featureCodes and vendorParameters a level deeper', async () => {
  await s.api('PUT', '/tenants/acme/network', {
    featureCodes: { directedPickup: '*8', groupPickup: '*9' },
    codecs: ['PCMA', 'G722'],
    vendorParameters: { yealink: { 'features.dnd.enable': '0', 'phone_setting.backlight_time': '60' }, snom: { 'dnd_mode[1]': 'off' } },
  });
  const dev = await s.api('PUT', `/devices/${YEA}/profile`, {
    featureCodes: { groupPickup: '*7' },
    codecs: ['G722'],
    vendorParameters: { yealink: { 'phone_setting.backlight_time': '0' } },
  });
  assert.is(dev.status, 200, JSON.stringify(dev.body));
  const eff = (await s.api('GET', `/devices/${YEA}/network`)).body.effective;
  assert.equal(eff, {
    locale: 'fr-FR', // the installation level
    featureCodes: { directedPickup: '*8', groupPickup: '*7' },
    codecs: ['G722'],
    vendorParameters: { yealink: { 'features.dnd.enable': '0', 'phone_setting.backlight_time': '0' }, snom: { 'dnd_mode[1]': 'off' } },
  });
  const y = await file(s, YEA, `${YEA}.cfg`);
  assert.equal(y.match(/^phone_setting\.backlight_time = .*$/gm), ['phone_setting.backlight_time = 0'], 'one value: the device level');
  // A null in featureCodes clears that code at the device level only.
  await s.api('PUT', `/devices/${YEA}/network`, { featureCodes: { groupPickup: null } });
  assert.equal((await s.api('GET', `/devices/${YEA}/network`)).body.effective.featureCodes, { directedPickup: '*8', groupPickup: '*9' });
  await s.api('PUT', `/devices/${YEA}/network`, {});
  await s.api('PUT', '/tenants/acme/network', {});
});

t('checks list the vendor parameters that replace a computed value, and what the vendor cannot carry', async () => {
  await s.api('PUT', '/tenants/acme/network', {
    ntpServers: ['ntp1.example', 'ntp2.example'],
    vendorParameters: { yealink: { 'features.dnd.enable': '0', 'account.1.sip_server.1.expires': '120' }, polycom: { 'lcl.ml.lang': 'Deutsch_Deutschland' } },
  });
  const y = await s.api('GET', `/devices/${YEA}/checks`);
  assert.is(y.status, 200);
  assert.equal(y.body.shadows, [{ vendor: 'yealink', name: 'account.1.sip_server.1.expires', code: 'vendor_parameter.shadows' }]);
  const p = await s.api('GET', `/devices/${POLY}/checks`);
  assert.equal(p.body.shadows.map((x: any) => x.name), ['lcl.ml.lang']);
  assert.ok(p.body.problems.some((x: any) => x.code === 'vendor.ntp_servers_dropped'), JSON.stringify(p.body.problems));
  for (const x of [...y.body.problems, ...p.body.problems]) assert.type(x.code, 'string');
  // The shadowing value is the one the phone sees, once.
  const cfg = await file(s, YEA, `${YEA}.cfg`);
  assert.equal(cfg.match(/^account\.1\.sip_server\.1\.expires = .*$/gm), ['account.1.sip_server.1.expires = 120']);
  await s.api('PUT', '/tenants/acme/network', {});
});

t('cadran render prints the vendor parameters the files carry, marks those replacing a computed value, and the checks', async () => {
  await s.api('PUT', '/tenants/acme/network', { vendorParameters: { yealink: { 'features.dnd.enable': '0', 'account.1.sip_server.1.expires': '120' } } });
  const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ['bin/cadran.js', 'render', YEA],
      { cwd: fileURLToPath(new URL('..', import.meta.url)), env: { ...process.env, CADRAN_DATA_DIR: s.dataDir, CADRAN_LOG_LEVEL: 'silent' }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr }),
    );
  });
  assert.is(out.code, 0, out.stderr);
  // In French (no CADRAN_LANG), like the rest of what the CLI prints for people.
  assert.match(out.stdout, /^===== paramètres du fabricant \(yealink\) : 2 =====\naccount\.1\.sip_server\.1\.expires = "120"  \[remplace la valeur calculée par cadran\]\nfeatures\.dnd\.enable = "0"\n/m);
  assert.match(out.stdout, /^===== vérifications : \d+ =====$/m);
  await s.api('PUT', '/tenants/acme/network', {});
});

t('extra lines: licences of the same tenant become accounts 2…n; a line may be shared by several phones', async () => {
  const r = await s.api('PATCH', `/devices/${YEA}`, { extraLines: [BOB, ADMIN] });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.extraLines, [BOB, ADMIN]);
  // Bob's own phone is another one: his line is shared.
  const shared = await s.api('PATCH', `/devices/${SNOM}`, { extraLines: [BOB] });
  assert.is(shared.status, 200, JSON.stringify(shared.body));
  const cfg = await file(s, YEA, `${YEA}.cfg`);
  assert.match(cfg, /^account\.2\.user_name = 0100000003$/m);
  assert.match(cfg, /^account\.2\.label = Bob Durand$/m);
  assert.match(cfg, /^account\.3\.user_name = 0100000001$/m);
  const snom = await file(s, SNOM, `${SNOM.toUpperCase()}.xml`);
  assert.match(snom, /<user_name idx="2" perm="R">0100000003<\/user_name>/);
  // A change to Bob's licence reaches every phone that registers it.
  await s.api('PATCH', `/users/${BOB}`, { name: 'Robert Durand' });
  assert.match(await file(s, YEA, `${YEA}.cfg`), /^account\.2\.label = Robert Durand$/m);
  assert.match(await file(s, SNOM, `${SNOM.toUpperCase()}.xml`), /Robert Durand/);
  await s.api('PATCH', `/devices/${SNOM}`, { extraLines: [] });
});

t('extra lines are refused from another tenant, twice, as the phone\'s own user, beyond the model, or by a plain user', async () => {
  isError(await s.api('PATCH', `/devices/${YEA}`, { extraLines: [GINA] }), 422, 'extraLines.0');
  isError(await s.api('PATCH', `/devices/${YEA}`, { extraLines: ['0100000099'] }), 422, 'extraLines.0');
  isError(await s.api('PATCH', `/devices/${YEA}`, { extraLines: [BOB, BOB] }), 422, 'extraLines.1');
  isError(await s.api('PATCH', `/devices/${YEA}`, { extraLines: [ALICE] }), 422, 'extraLines.0');
  isError(await s.api('PATCH', `/devices/${YEA}`, { extraLines: ['12'] }), 422, 'extraLines.0');
  // A T31P registers 2 accounts: its user and one extra line.
  assert.is((await s.api('PATCH', `/devices/${SMALL}`, { extraLines: [ALICE] })).status, 200);
  isError(await s.api('PATCH', `/devices/${SMALL}`, { extraLines: [ALICE, BOB] }), 422, 'extraLines');
  // The stored lines must still fit a new model or user (409 on what changed).
  const r = await s.api('PATCH', `/devices/${YEA}`, { model: 'T31P' });
  assert.is(r.status, 409, JSON.stringify(r.body));
  assert.is(r.body.error.details[0].field, 'model');
  assert.is((await s.api('PATCH', `/devices/${YEA}`, { user: BOB })).status, 409, 'the user cannot also be an extra line');
  assert.is((await s.api('PATCH', `/devices/${YEA}`, { user: null })).status, 409, 'no user, no line');
  assert.is((await s.api('PATCH', `/devices/${YEA}`, { extraLines: [ALICE] }, tok[ALICE])).status, 403, 'only an admin changes the lines');
  assert.is((await s.api('PATCH', `/devices/${YEA}`, { extraLines: [BOB] }, tok[ADMIN])).status, 200, 'the tenant admin may');
  assert.equal((await s.api('GET', `/devices/${YEA}`)).body.extraLines, [BOB]);
  // Moving a phone to another tenant drops this tenant's lines.
  const moved = await s.api('PATCH', `/devices/${SMALL}`, { tenant: 'globex', user: GINA });
  assert.is(moved.status, 200, JSON.stringify(moved.body));
  assert.equal(moved.body.extraLines, []);
});

t('deleting a licence removes it from the phones that registered it as an extra line', async () => {
  const u = await s.api('POST', '/tenants/acme/users', { number: '0100000009', name: 'Standard', role: 'user' });
  assert.is(u.status, 201, JSON.stringify(u.body));
  assert.is((await s.api('PATCH', `/devices/${YEA}`, { extraLines: ['0100000009', BOB] })).status, 200);
  assert.is((await s.api('PATCH', `/devices/${YEA2}`, { extraLines: ['0100000009'] })).status, 200);
  assert.is((await s.api('DELETE', '/users/0100000009')).status, 204);
  assert.equal((await s.api('GET', `/devices/${YEA}`)).body.extraLines, [BOB]);
  assert.equal((await s.api('GET', `/devices/${YEA2}`)).body.extraLines, []);
  assert.match(await file(s, YEA, `${YEA}.cfg`), /^account\.2\.user_name = 0100000003$/m);
});

t.run();

// The installation level from the environment: CADRAN_DEFAULT_LOCALE under every tenant.
const env = suite('API phone profile: installation defaults');
let e: TestServer;
env.before(async () => {
  e = await startTestServer({ env: { CADRAN_DEFAULT_LOCALE: 'en-GB' } });
  await seedTwoTenants(e);
  assert.is((await e.api('POST', '/devices', { mac: YEA, model: 'T54W', tenant: 'acme', user: ALICE })).status, 201);
});
env.after(async () => e.close());

env('CADRAN_DEFAULT_LOCALE is the locale of phones whose tenant and device set none; a tenant overrides it', async () => {
  assert.is((await e.api('GET', `/devices/${YEA}/network`)).body.effective.locale, 'en-GB');
  assert.match(await file(e, YEA, `${YEA}.cfg`), /^lang\.gui = English$/m);
  await e.api('PUT', '/tenants/acme/network', { locale: 'de-DE' });
  assert.match(await file(e, YEA, `${YEA}.cfg`), /^lang\.gui = German$/m);
});

env.run();
