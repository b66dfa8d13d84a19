// Bulk edit of devices (issue 16): POST /api/v1/devices/bulk — dry run (exactly what would change,
// nothing written), apply (one transaction, one audit entry per changed phone, row versions),
// all-or-nothing on an invalid value (422 naming the phone / field), resync jobs, tenant isolation;
// and the licence side (POST /api/v1/users/bulk): a key template for selected licences.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { phoneFeature, resyncFeature } from '../server/features.ts';
import { startTestServer, seedTwoTenants, type TestServer } from './helpers/server.ts';

const bulk = suite('bulk edit');

let s: TestServer;
let tok: Record<string, string>;
const T46 = ['805ec0b00001', '805ec0b00002', '805ec0b00003'];
const VVX = '0004f2b00004';

const post = (body: unknown, token?: string) => s.api('POST', '/devices/bulk', body, token);
const profile = async (mac: string) => (await s.api('GET', `/devices/${mac}/profile`)).body.overrides;
const bulkAudit = async () => (await s.api('GET', '/audit?tenant=acme&action=device.bulk&limit=100')).body.entries;

bulk.before(async () => {
  s = await startTestServer({ features: [phoneFeature, resyncFeature], env: { CADRAN_LOG_LEVEL: 'silent' } });
  tok = await seedTwoTenants(s);
  for (const [i, mac] of T46.entries()) {
    assert.is((await s.api('POST', '/devices', { mac, model: 'T46S', tenant: 'acme', user: i === 0 ? '0100000002' : null, ...(i === 0 ? { group: 'pilot' } : {}) })).status, 201);
  }
  assert.is((await s.api('POST', '/devices', { mac: VVX, model: 'VVX400', tenant: 'acme', user: '0100000003' })).status, 201);
  assert.is((await s.api('POST', '/devices', { mac: '805ec0b00009', model: 'T46S', tenant: 'globex' })).status, 201);
});
bulk.after(async () => {
  await s.close();
});

bulk('`expect` naming another tenant\'s phone answers as for a phone that does not exist (security review of 1 Dec, finding 4)', async () => {
  const admin = tok['0100000001'];
  const body = (expect: Record<string, string>) => ({ filter: { tenant: 'acme', macs: [T46[1]] }, operations: [{ op: 'setGroup', group: 'x' }], dryRun: true, expect });
  const theirs = await post(body({ '80:5E:C0:B0:00:09': '1' }), admin);
  const none = await post(body({ '80:5E:C0:99:99:99': '1' }), admin);
  assert.is(theirs.status, 409, JSON.stringify(theirs.body));
  assert.equal([theirs.status, theirs.body.error.key], [none.status, none.body.error.key]);
  // An operator sees every tenant: the right version of that phone passes.
  assert.is((await post({ ...body({ '80:5E:C0:B0:00:09': '1' }), filter: { tenant: 'acme', macs: [T46[1]] } })).status, 200);
});

bulk('dry run: per phone before → after, nothing written', async () => {
  const r = await post({ filter: { tenant: 'acme', model: 'T46S' }, operations: [{ op: 'setProfileField', field: 'vlanId', value: 30 }, { op: 'setGroup', group: 'vague-2' }], dryRun: true });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(r.body.dryRun, true);
  assert.is(r.body.matched, 3);
  assert.is(r.body.changed, 3);
  const first = r.body.devices[0];
  assert.is(first.mac, '80:5e:c0:b0:00:01');
  assert.equal(first.changes, [
    { field: 'group', before: 'pilot', after: 'vague-2' },
    { field: 'profile.vlanId', before: null, after: 30 },
  ]);
  assert.equal(await profile(T46[0]!), {});
  assert.is((await s.api('GET', `/devices/${T46[0]}`)).body.group, 'pilot');
  assert.is((await bulkAudit()).length, 0);
});

bulk('an invalid value: 422 naming the field, nothing written', async () => {
  const r = await post({ filter: { tenant: 'acme' }, operations: [{ op: 'setGroup', group: 'ok' }, { op: 'setProfileField', field: 'vlanId', value: 99999 }] });
  assert.is(r.status, 422);
  assert.is(r.body.error.details[0].field, 'operations.1.value');
  assert.is((await s.api('GET', `/devices/${T46[1]}`)).body.group, null);
  assert.is((await post({ filter: { tenant: 'acme' }, operations: [{ op: 'setKeyTemplate', template: 'x' }] })).status, 422);
  assert.is((await post({ filter: { tenant: 'acme' }, operations: [] })).status, 422);
});

bulk('all or nothing: one phone that cannot take the value (a VVX image path over 255 characters) stops the whole edit', async () => {
  const long = `http://fw.example/${'a'.repeat(260)}.sip.ld`;
  const r = await post({ filter: { tenant: 'acme' }, operations: [{ op: 'setGroup', group: 'wave' }, { op: 'setFirmware', url: long, version: '5.9.0.1' }] });
  assert.is(r.status, 422, JSON.stringify(r.body));
  assert.is(r.body.error.details[0].field, 'devices.00:04:f2:b0:00:04.firmware');
  assert.match(r.body.error.message, '00:04:f2:b0:00:04');
  // The T46S, which could take it, got nothing either.
  for (const mac of T46) {
    assert.equal(await profile(mac), {});
    assert.is.not((await s.api('GET', `/devices/${mac}`)).body.group, 'wave');
  }
  assert.is((await bulkAudit()).length, 0);
});

bulk('apply with the preview\'s row versions: written in one go, one audit entry per phone, resync queued', async () => {
  const body = { filter: { tenant: 'acme', model: 'T46S' }, operations: [{ op: 'setProfileField', field: 'ntpServers', value: ['ntp1.example', 'ntp2.example'] }, { op: 'setFirmware', url: 'http://fw.example/T46S-66.86.0.20.rom', version: '66.86.0.20' }, { op: 'resync' }] };
  const preview = await post({ ...body, dryRun: true });
  assert.is(preview.body.changed, 3);
  const expect = Object.fromEntries(preview.body.devices.map((d: { mac: string; version: string }) => [d.mac, d.version]));
  const r = await post({ ...body, expect });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(r.body.changed, 3);
  assert.equal(r.body.devices.map((d: { changes: unknown[] }) => d.changes), preview.body.devices.map((d: { changes: unknown[] }) => d.changes));
  assert.is(r.body.resync.devices, 3);
  assert.is(r.body.resync.jobs.length, 1);
  assert.is(r.body.resync.error, null);
  for (const mac of T46) {
    const p = await profile(mac);
    assert.equal(p.ntpServers, ['ntp1.example', 'ntp2.example']);
    assert.equal(p.firmwareTargets, [{ model: 'T46S', url: 'http://fw.example/T46S-66.86.0.20.rom', version: '66.86.0.20' }]);
  }
  const audit = await bulkAudit();
  assert.is(audit.length, 3);
  assert.ok(audit.every((e: { target: string }) => e.target === r.body.id));
  assert.equal(audit.map((e: { device: string }) => e.device).sort(), ['80:5e:c0:b0:00:01', '80:5e:c0:b0:00:02', '80:5e:c0:b0:00:03']);
  // The same edit again changes nothing (and writes no entry).
  const again = await post(body);
  assert.is(again.body.changed, 0);
  assert.is((await bulkAudit()).length, 3);
  // The inventory sees the device-level targets.
  const inv = (await s.api('GET', '/firmware?tenant=acme')).body;
  const t46 = inv.models.find((m: { model: string }) => m.model === 'T46S');
  assert.equal(t46.targets.map((t: { level: string; devices: number }) => [t.level, t.devices]), [['device', 3]]);
  // clearFirmware puts them back under the tenant's / installation's target (none here).
  const cleared = await post({ filter: { tenant: 'acme', model: 'T46S' }, operations: [{ op: 'clearFirmware' }] });
  assert.is(cleared.body.changed, 3);
  assert.equal(cleared.body.devices[0].changes, [{ field: 'firmware', before: { url: 'http://fw.example/T46S-66.86.0.20.rom', version: '66.86.0.20' }, after: null }]);
});

bulk('a phone changed since the preview: 409 naming it, nothing written', async () => {
  const body = { filter: { tenant: 'acme', model: 'T46S' }, operations: [{ op: 'setGroup', group: 'late' }] };
  const preview = await post({ ...body, dryRun: true });
  const expect = Object.fromEntries(preview.body.devices.map((d: { mac: string; version: string }) => [d.mac, d.version]));
  // Someone else edits one of them in between (the next millisecond at least).
  await new Promise((r) => setTimeout(r, 5));
  assert.is((await s.api('PATCH', `/devices/${T46[2]}`, { label: 'Accueil' })).status, 200);
  const r = await post({ ...body, expect });
  assert.is(r.status, 409);
  assert.match(r.body.error.message, '80:5e:c0:b0:00:03');
  for (const mac of T46) assert.is.not((await s.api('GET', `/devices/${mac}`)).body.group, 'late');
});

bulk('filters: group and configState select the phones', async () => {
  await post({ filter: { tenant: 'acme', macs: [T46[0]!] }, operations: [{ op: 'setGroup', group: 'pilot' }] });
  const g = await post({ filter: { tenant: 'acme', group: 'PILOT' }, operations: [{ op: 'resync' }], dryRun: true });
  assert.equal(g.body.devices.map((d: { mac: string }) => d.mac), ['80:5e:c0:b0:00:01']);
  const never = await post({ filter: { tenant: 'acme', configState: 'never-fetched' }, operations: [{ op: 'resync' }], dryRun: true });
  assert.is(never.body.matched, 4);
  const current = await post({ filter: { tenant: 'acme', configState: 'current' }, operations: [{ op: 'resync' }], dryRun: true });
  assert.is(current.body.matched, 0);
});

bulk('tenant isolation: another tenant is a 404, a user a 403, an admin stays in their tenant', async () => {
  const op = { operations: [{ op: 'setGroup', group: 'x' }] };
  assert.is((await post({ filter: { tenant: 'acme' }, ...op }, tok['0200000001'])).status, 404);
  assert.is((await post({ filter: { tenant: 'nope' }, ...op }, tok['0200000001'])).status, 404);
  assert.is((await post({ filter: { tenant: 'acme' }, ...op }, tok['0100000002'])).status, 403);
  // An admin without a tenant filter edits their own tenant only; MACs of another tenant match nothing.
  const own = await post({ filter: { macs: ['805ec0b00009', T46[1]!] }, ...op, dryRun: true }, tok['0100000001']);
  assert.is(own.status, 200);
  assert.equal(own.body.devices.map((d: { mac: string }) => d.mac), ['80:5e:c0:b0:00:02']);
  // Operators may span tenants.
  const all = await post({ filter: { model: 'T46S' }, ...op, dryRun: true });
  assert.is(all.body.matched, 4);
});

bulk('licences: a key template for the licences of the selected phones, dry run then apply, checked against every phone', async () => {
  const ALICE = '0100000002';
  const BOB = '0100000003';
  const users = (body: unknown, token?: string) => s.api('POST', '/users/bulk', body, token);
  const yealinkOnly = await s.api('POST', '/tenants/acme/key-templates', { name: 'Accueil', family: 'yealink', keys: [{ position: 1, type: 'line' }, { position: 2, type: 'blf', value: BOB }] });
  assert.is(yealinkOnly.status, 201, JSON.stringify(yealinkOnly.body));
  const tid = yealinkOnly.body.id as number;
  const userAudit = async () => (await s.api('GET', '/audit?tenant=acme&action=user.bulk&limit=100')).body.entries as Array<{ user: string; target: string }>;

  // Dry run: the licences of the T46S (Alice's), what changes, her phones; nothing written.
  const body = { filter: { tenant: 'acme', model: 'T46S' }, operations: [{ op: 'setKeyTemplate', template: tid }, { op: 'resync' }] };
  const preview = await users({ ...body, dryRun: true });
  assert.is(preview.status, 200, JSON.stringify(preview.body));
  assert.is(preview.body.matched, 1);
  assert.is(preview.body.changed, 1);
  assert.is(preview.body.users[0].number, ALICE);
  assert.equal(preview.body.users[0].phones, ['80:5e:c0:b0:00:01']);
  assert.equal(preview.body.users[0].changes, [{ field: 'keyTemplate', before: null, after: { id: tid, name: 'Accueil' } }]);
  assert.is((await s.api('GET', `/users/${ALICE}`)).body.keyTemplate, null);
  assert.is((await userAudit()).length, 0);

  // Every licence of the tenant: Bob's VVX400 cannot take a Yealink template: 422 naming it, nothing written.
  const all = await users({ filter: { tenant: 'acme' }, operations: [{ op: 'setKeyTemplate', template: tid }] });
  assert.is(all.status, 422, JSON.stringify(all.body));
  assert.match(all.body.error.message, 'VVX400');
  assert.match(all.body.error.message, '00:04:f2:b0:00:04');
  assert.is((await s.api('GET', `/users/${ALICE}`)).body.keyTemplate, null);
  // A template beyond the T46S's keys: refused in the preview already, naming the phone.
  const wide = await s.api('POST', '/tenants/acme/key-templates', { name: 'Large', keys: [{ position: 200, type: 'line' }] });
  const tooWide = await users({ filter: { tenant: 'acme', numbers: [ALICE] }, operations: [{ op: 'setKeyTemplate', template: wide.body.id }], dryRun: true });
  assert.is(tooWide.status, 422);
  assert.match(tooWide.body.error.message, '80:5e:c0:b0:00:01');
  // Another tenant's template, an unknown one: 422 on the operation.
  assert.is((await users({ filter: { tenant: 'acme' }, operations: [{ op: 'setKeyTemplate', template: 987654 }] })).body.error.details[0].field, 'operations.0.template');

  // Apply with the preview's versions: one audit entry, the template reaches the licence and its phone is resynced.
  const expect = Object.fromEntries(preview.body.users.map((u: { number: string; version: string }) => [u.number, u.version]));
  const applied = await users({ ...body, expect });
  assert.is(applied.status, 200, JSON.stringify(applied.body));
  assert.is(applied.body.changed, 1);
  assert.is(applied.body.resync.devices, 1);
  assert.is((await s.api('GET', `/users/${ALICE}`)).body.keyTemplate, tid);
  const eff = (await s.api('GET', `/users/${ALICE}/effective-keys`)).body;
  assert.equal(eff.map((k: { position: number; source: string }) => [k.position, k.source]), [[1, 'template'], [2, 'template']]);
  const audit = await userAudit();
  assert.is(audit.length, 1);
  assert.is(audit[0]!.target, applied.body.id);
  // The same again changes nothing; the preview's versions are stale now: 409, nothing written.
  assert.is((await users(body)).body.changed, 0);
  const late = await users({ filter: { tenant: 'acme', model: 'T46S' }, operations: [{ op: 'setKeyTemplate', template: null }], expect });
  assert.is(late.status, 409);
  assert.match(late.body.error.message, ALICE);
  assert.is((await s.api('GET', `/users/${ALICE}`)).body.keyTemplate, tid);
  // null takes it off.
  assert.is((await users({ filter: { tenant: 'acme', numbers: [ALICE] }, operations: [{ op: 'setKeyTemplate', template: null }] })).body.changed, 1);
  assert.is((await s.api('GET', `/users/${ALICE}`)).body.keyTemplate, null);

  // Isolation: another tenant's admin 404, a user 403, an admin without tenant filter stays in hers.
  assert.is((await users({ filter: { tenant: 'acme' }, operations: [{ op: 'resync' }], dryRun: true }, tok['0200000001'])).status, 404);
  assert.is((await users({ filter: { tenant: 'acme' }, operations: [{ op: 'resync' }], dryRun: true }, tok[ALICE])).status, 403);
  const own = await users({ filter: {}, operations: [{ op: 'resync' }], dryRun: true }, tok['0100000001']);
  assert.is(own.status, 200);
  assert.ok(own.body.users.every((u: { tenant: string }) => u.tenant === 'acme'));
  assert.is((await users({ filter: {}, operations: [{ op: 'resync' }], dryRun: true })).status, 422, 'an operator names the tenant');
});

bulk.run();
