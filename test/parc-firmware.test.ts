// Firmware rollout (issue 16): targets at installation (config file), tenant, group and device
// level; each vendor's file carries the URL; the inventory counts what real User-Agents report
// (Yealink, Poly, Snom examples from the vendor facts: yealink.md §9, polycom.md §10, snom.md §8);
// a rollout widens from a pilot group to everyone; tenant isolation; audit.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { resyncFeature, phoneFeature } from '../server/features.ts';
import { vendorById } from '../vendors/index.ts';
import { startTestServer, seedTwoTenants, type TestServer } from './helpers/server.ts';
import { configFile, eventually, get } from './phone-fixtures.ts';

const fw = suite('firmware rollout');

// Real User-Agent strings (vendor facts, /work/shared/vendors): model, version, MAC as the phones send them.
const UA = {
  y1: 'Yealink SIP-T46S 66.86.0.15 80:5e:c0:d5:7d:72',
  y2: 'Yealink SIP-T46S 66.86.0.15 80:5e:c0:d5:7d:73',
  polyUpdater: 'FileTransport PolycomVVX-VVX_400-UA/5.0.3.1667 Type/Updater',
  polyApp: 'FileTransport PolycomVVX-VVX_400-UA/4.1.4.7430 Type/Application',
  snom: 'Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 2010.12-00004-g9ba52f5 000413922D24 SXM:0 UXM:0)',
};
const D = {
  y1: { mac: '805ec0d57d72', model: 'T46S', group: 'pilot' },
  y2: { mac: '805ec0d57d73', model: 'T46S' },
  y3: { mac: '805ec0d57d74', model: 'T46S' },
  p1: { mac: '0004f2000400', model: 'VVX400' },
  s1: { mac: '000413922d24', model: 'D785' },
};
const INSTALL_T46S = 'http://fw.example/T46S(T48S,T42S,T41S)-66.86.0.15.rom';
const PILOT_T46S = 'http://fw.example/T46S(T48S,T42S,T41S)-66.86.0.20.rom';

let s: TestServer;
let tok: Record<string, string>;
let port: number;

const fetchAs = async (mac: string, model: string, vendor: string, ua: string) => {
  const file = vendorById(vendor)!.bootFiles(mac, model)[vendor === 'polycom' ? 0 : vendor === 'snom' ? 2 : 1]!;
  const r = await get(port, `/${file}`, { headers: { 'user-agent': ua } });
  assert.is(r.status, 200, `${file} as ${ua}`);
  return r.body.toString('utf8');
};
const file = async (name: string, ua?: string) => {
  const r = await get(port, `/${name}`, ua ? { headers: { 'user-agent': ua } } : {});
  return { status: r.status, text: r.body.toString('utf8') };
};
const inventory = async (tenant = 'acme', token?: string) => (await s.api('GET', `/firmware?tenant=${tenant}`, undefined, token)).body;
const model = (inv: { models: Array<{ model: string }> }, m: string) => inv.models.find((x) => x.model === m) as any;

fw.before(async () => {
  const cfg = configFile({
    defaults: {
      firmwareTargets: [
        { model: 'T46S', url: INSTALL_T46S, version: '66.86.0.15' },
        { model: 'VVX400', url: 'http://fw.example/vvx/', version: '5.9.0.1' },
      ],
    },
  });
  s = await startTestServer({ features: [phoneFeature, resyncFeature], env: { CADRAN_LOG_LEVEL: 'silent', CADRAN_CONFIG: cfg } });
  tok = await seedTwoTenants(s);
  port = s.running.phone!.httpPort;
  for (const d of Object.values(D)) {
    const r = await s.api('POST', '/devices', { mac: d.mac, model: d.model, tenant: 'acme', ...('group' in d ? { group: d.group } : {}) });
    assert.is(r.status, 201, JSON.stringify(r.body));
  }
  assert.is((await s.api('POST', '/devices', { mac: '805ec0aa0001', model: 'T46S', tenant: 'globex' })).status, 201);
});
fw.after(async () => {
  await s.close();
});

fw('the group label is part of the device (API, list filter, CSV export)', async () => {
  const d = (await s.api('GET', `/devices/${D.y1.mac}`)).body;
  assert.is(d.group, 'pilot');
  const list = (await s.api('GET', '/devices?tenant=acme&group=PILOT')).body;
  assert.equal(list.map((x: { mac: string }) => x.mac), ['80:5e:c0:d5:7d:72']);
  assert.is((await s.api('GET', '/devices?group=%3Cbad%3E')).status, 422);
  const csv = (await s.api('GET', '/devices/export?tenant=acme')).body as string;
  assert.match(csv.split('\r\n')[0]!, /^mac,vendor,model,tenant,user,label,group,renvoi,/);
  assert.match(csv, /80:5E:C0:D5:7D:72,Yealink,T46S,acme,,,pilot|80:5e:c0:d5:7d:72,Yealink,T46S,acme,,,pilot/i);
  assert.is((await s.api('PATCH', `/devices/${D.y2.mac}`, { group: 'x'.repeat(41) })).status, 422);
});

fw('targets resolve installation → tenant → group → device, and each vendor file carries the URL', async () => {
  // Tenant: a pilot target for the T46S, a target for every D785.
  let r = await s.api('PUT', `/tenants/acme/firmware-targets/t46s`, { url: PILOT_T46S, version: '66.86.0.20', group: 'pilot' });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.targets, [{ model: 'T46S', url: PILOT_T46S, version: '66.86.0.20', group: 'pilot' }]);
  r = await s.api('PUT', `/tenants/acme/firmware-targets/D785`, { url: 'http://fw.example/snomD785-10.1.54.13-SIP-r.bin', version: '10.1.54.13' });
  assert.is(r.status, 200);
  // Device: this VVX gets its own image.
  r = await s.api('PUT', `/devices/${D.p1.mac}/profile`, { firmwareTargets: [{ model: 'VVX400', url: 'http://fw.example/vvx/3111-46157-002.sip.ld', version: '4.1.4.7430' }] });
  assert.is(r.status, 200, JSON.stringify(r.body));
  // A device target for another model, or with a group, is refused.
  assert.is((await s.api('PUT', `/devices/${D.p1.mac}/profile`, { firmwareTargets: [{ model: 'T46S', url: PILOT_T46S, version: '1' }] })).status, 422);
  assert.is((await s.api('PUT', `/devices/${D.p1.mac}/profile`, { firmwareTargets: [{ model: 'VVX400', url: PILOT_T46S, version: '1', group: 'x' }] })).status, 422);

  // Yealink: static.firmware.url (pilot phone: the tenant's group target; the others: the installation's).
  assert.match(await fetchAs(D.y1.mac, D.y1.model, 'yealink', UA.y1), `static.firmware.url = ${PILOT_T46S}`);
  assert.match(await fetchAs(D.y2.mac, D.y2.model, 'yealink', UA.y2), `static.firmware.url = ${INSTALL_T46S}`);
  // Poly: APP_FILE_PATH of <mac>.cfg — the device's own image. The Updater asks first (its version is not the app's).
  const master = await fetchAs(D.p1.mac, D.p1.model, 'polycom', UA.polyUpdater);
  assert.match(master, 'APP_FILE_PATH="http://fw.example/vvx/3111-46157-002.sip.ld"');
  // Snom: firmware_status points to snomD785-firmware.xml, which names the image.
  const settings = await fetchAs(D.s1.mac, D.s1.model, 'snom', UA.snom);
  assert.match(settings, /firmware_status[^>]*>[^<]*snomD785-firmware\.xml\?mac=000413922D24/);
  const fwXml = await file('snomD785-firmware.xml?mac=000413922D24', UA.snom);
  assert.is(fwXml.status, 200);
  assert.match(fwXml.text, '<firmware perm="R">http://fw.example/snomD785-10.1.54.13-SIP-r.bin</firmware>');
});

fw('inventory per model from real User-Agents: on target, behind, never seen, pilot group', async () => {
  // The VVX application reports its version after the Updater.
  await fetchAs(D.p1.mac, D.p1.model, 'polycom', UA.polyApp);
  const inv = await eventually(() => inventory(), (i) => model(i, 'VVX400')?.counts.onTarget === 1 && model(i, 'D785')?.counts.behind === 1, 10_000);
  assert.is(inv.tenant, 'acme');
  const t46 = model(inv, 'T46S');
  assert.equal(t46.counts, { devices: 3, onTarget: 1, behind: 1, neverSeen: 1, noTarget: 0, untracked: 0 });
  assert.equal(t46.versions, [{ version: '66.86.0.15', count: 2, onTarget: 1 }, { version: null, count: 1, onTarget: 0 }]);
  assert.equal(
    t46.targets.map((x: { level: string; group: string | null; version: string; devices: number }) => [x.level, x.group, x.version, x.devices]),
    [['installation', null, '66.86.0.15', 2], ['tenant', 'pilot', '66.86.0.20', 1]],
  );
  const pilot = t46.groups.find((g: { group: string | null }) => g.group === 'pilot');
  assert.equal(pilot, { group: 'pilot', devices: 1, onTarget: 0, behind: 1, neverSeen: 0, noTarget: 0, untracked: 0 });
  assert.equal(model(inv, 'VVX400').counts, { devices: 1, onTarget: 1, behind: 0, neverSeen: 0, noTarget: 0, untracked: 0 });
  assert.is(model(inv, 'VVX400').targets[0].level, 'device');
  assert.equal(model(inv, 'D785').versions, [{ version: '10.1.33.33', count: 1, onTarget: 0 }]);
  assert.equal(inv.totals, { devices: 5, onTarget: 2, behind: 2, neverSeen: 1, noTarget: 0, untracked: 0 });
  assert.is(inv.configured.installation.length, 2);
  assert.is(inv.configured.tenant.length, 2);
});

fw('widening the rollout: the unscoped tenant target, then the pilot one removed', async () => {
  assert.is((await s.api('PUT', '/tenants/acme/firmware-targets/T46S', { url: PILOT_T46S, version: '66.86.0.20' })).status, 200);
  assert.is((await s.api('DELETE', '/tenants/acme/firmware-targets/T46S?group=pilot')).status, 200);
  assert.is((await s.api('DELETE', '/tenants/acme/firmware-targets/T46S?group=pilot')).status, 404);
  assert.match(await fetchAs(D.y2.mac, D.y2.model, 'yealink', UA.y2), `static.firmware.url = ${PILOT_T46S}`);
  const t46 = model(await inventory(), 'T46S');
  assert.equal(t46.counts, { devices: 3, onTarget: 0, behind: 2, neverSeen: 1, noTarget: 0, untracked: 0 });
  assert.equal(t46.targets.map((x: { level: string; group: string | null }) => [x.level, x.group]), [['tenant', null]]);
  // Every target change is in the audit trail of the tenant.
  const audit = (await s.api('GET', '/audit?tenant=acme&action=tenant.firmware')).body.entries;
  assert.is(audit.length, 4);
  assert.is(audit[0].target, 'T46S/pilot');
});

fw('tenant isolation: another tenant is a 404, a user a 403, operators see every tenant', async () => {
  assert.is((await s.api('GET', '/firmware?tenant=acme', undefined, tok['0200000001'])).status, 404);
  assert.is((await s.api('GET', '/firmware?tenant=nope', undefined, tok['0200000001'])).status, 404);
  assert.is((await s.api('PUT', '/tenants/acme/firmware-targets/T46S', { url: PILOT_T46S, version: '1' }, tok['0200000001'])).status, 404);
  assert.is((await s.api('DELETE', '/tenants/acme/firmware-targets/T46S', undefined, tok['0200000001'])).status, 404);
  assert.is((await s.api('GET', '/firmware', undefined, tok['0100000002'])).status, 403);
  const own = (await s.api('GET', '/firmware', undefined, tok['0200000001'])).body;
  assert.is(own.tenant, 'globex');
  assert.is(own.totals.devices, 1);
  const all = (await s.api('GET', '/firmware')).body;
  assert.is(all.tenant, null);
  assert.is(all.totals.devices, 6);
  // Bad input names the field.
  const bad = await s.api('PUT', '/tenants/acme/firmware-targets/T46S', { url: 'file:///etc/passwd', version: 'v 1' });
  assert.is(bad.status, 422);
  assert.equal(bad.body.error.details.map((d: { field: string }) => d.field).sort(), ['url', 'version']);
  assert.is((await s.api('PUT', '/tenants/acme/firmware-targets/XYZ999', { url: PILOT_T46S, version: '1' })).status, 422);
});

fw.run();
