// The audit trail: a change through the API, the cockpit and the command line each leaves one
// entry saying who, when, from where, what changed (before/after, secrets masked); the filters,
// paging and access rules of GET /audit; retention.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir, userInfo } from 'node:os';
import { fileURLToPath } from 'node:url';
import { startTestServer, seedTwoTenants, testConfig, type TestServer } from './helpers/server.ts';
import { createAppContext, startServer } from '../server/app.ts';
import { silentLogger } from '../server/log.ts';
import { WebClient } from './helpers/web-client.ts';
import { until } from './helpers/store-suite.ts';
import { makeImportsFeature, webFeature, auditRetentionFeature, resyncFeature } from '../server/features.ts';
import { MASK, auditStates, diffStates, maskSecrets } from '../server/domain/audit.ts';
import { purgeAudit } from '../server/service/audit.ts';

const CADRAN = fileURLToPath(new URL('../bin/cadran.js', import.meta.url));
const test = suite('audit trail');
let s: TestServer;
let tokens: Record<string, string>;
const ADMIN = '0100000001';
const ALICE = '0100000002';
const GLOBEX_ADMIN = '0200000001';

// Secrets set along the way: none of them may appear anywhere in the trail.
const SECRETS = ['sip-Secret-4711', 'prov-Secret-0815', 'Adm1n-Secret', 'new-user-password-42', 'tenant-auth-Secret-9'];

async function audit(query = '', token?: string) {
  const r = await s.api('GET', `/audit${query}`, undefined, token);
  return r;
}

function cadran(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CADRAN, ...args], { env: { ...process.env, CADRAN_DATA_DIR: s.dataDir }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  return new Promise((resolve) => child.on('close', (code) => (clearTimeout(timer), resolve({ code, stdout, stderr }))));
}

test.before(async () => {
  s = await startTestServer({ features: [webFeature, makeImportsFeature(), resyncFeature] });
  tokens = await seedTwoTenants(s);
  await s.api('POST', '/devices', { mac: '80:5E:C0:12:34:01', model: 'T54W', tenant: 'acme', user: ALICE, label: 'Accueil' });
  await s.api('POST', '/devices', { mac: '80:5E:C0:12:34:09', model: 'T54W', tenant: 'globex' });
});
test.after(async () => {
  await s.close();
});

test('masking and diff: one helper, secrets never in clear, a changed secret still shows as changed', () => {
  const before = { name: 'A', sipPassword: 'old', security: { auth: { mode: 'digest', password: 'p1' }, urlToken: 't1' }, passwordHash: '$2b$...' };
  const after = { name: 'B', sipPassword: 'new', security: { auth: { mode: 'digest', password: 'p1' }, urlToken: null }, passwordHash: '$2b$...' };
  const { before: b, after: a, changes } = auditStates(before, after);
  assert.equal(b, { name: 'A', sipPassword: MASK, security: { auth: { mode: 'digest', password: MASK }, urlToken: MASK }, passwordHash: MASK });
  assert.equal(a, { name: 'B', sipPassword: MASK, security: { auth: { mode: 'digest', password: MASK }, urlToken: null }, passwordHash: MASK });
  assert.equal(changes, [
    { field: 'name', before: 'A', after: 'B' },
    { field: 'security.urlToken', before: MASK, after: null },
    { field: 'sipPassword', before: MASK, after: MASK },
  ]);
  assert.equal(diffStates({ keys: { 1: { type: 'line' } } }, { keys: { 1: { type: 'line' }, 2: { type: 'blf', value: '01' } } }), [
    { field: 'keys.2.type', before: null, after: 'blf' },
    { field: 'keys.2.value', before: null, after: '01' },
  ]);
  assert.equal(maskSecrets({ list: [{ token: 'x', ok: 1 }] }), { list: [{ token: MASK, ok: 1 }] });
  // Raw vendor parameters by what their name says; flags that only say whether a secret is set stay.
  assert.equal(
    maskSecrets({ vendorParameters: { yealink: { 'account.1.password': 'p', 'static.auto_provision.server.password': 'q', 'phone_setting.backlight_time': '60' }, snom: { 'http_pass': 'r', 'dtmf_passthrough': 'on' } }, hasPassword: true }),
    { vendorParameters: { yealink: { 'account.1.password': MASK, 'static.auto_provision.server.password': MASK, 'phone_setting.backlight_time': '60' }, snom: { 'http_pass': MASK, 'dtmf_passthrough': 'on' } }, hasPassword: true },
  );
  assert.equal(diffStates({ ntpServers: ['a'] }, { ntpServers: ['a', 'b'] }), [{ field: 'ntpServers', before: ['a'], after: ['a', 'b'] }]);
});

test('an API change: who, when, from where, before/after with secrets masked', async () => {
  const t0 = new Date().toISOString();
  const r = await s.api('PATCH', '/devices/805ec0123401', { label: 'Accueil 2', provisioningUsername: 'ph1', provisioningPassword: SECRETS[1] }, tokens[ADMIN]);
  assert.is(r.status, 200);
  const page = await audit('?device=80-5E-C0-12-34-01&action=device.update');
  assert.is(page.status, 200);
  const e = page.body.entries[0];
  assert.equal(
    { principal: e.principal, channel: e.channel, address: e.address, action: e.action, tenant: e.tenant, user: e.user, device: e.device },
    { principal: `admin:${ADMIN}`, channel: 'api', address: '127.0.0.1', action: 'device.update', tenant: 'acme', user: ALICE, device: '80:5e:c0:12:34:01' },
  );
  assert.ok(e.at >= t0 && e.at <= new Date().toISOString(), 'when');
  assert.is(e.before.label, 'Accueil');
  assert.is(e.after.label, 'Accueil 2');
  // Every device has provisioning credentials of its own (generated at creation, issue 12): masked before and after.
  assert.is(e.before.provisioningPassword, MASK);
  assert.is(e.after.provisioningPassword, MASK);
  const change = (field: string) => e.changes.find((x: { field: string }) => x.field === field);
  assert.equal(change('label'), { field: 'label', before: 'Accueil', after: 'Accueil 2' });
  assert.equal(change('provisioningPassword'), { field: 'provisioningPassword', before: MASK, after: MASK });
  assert.is(change('provisioningUsername').after, 'ph1');

  // More secrets through the API: SIP password, user password, admin password, tenant auth.
  assert.is((await s.api('PATCH', `/users/${ALICE}`, { sipPassword: SECRETS[0], password: SECRETS[3] })).status, 200);
  // A password set by someone else ends her sessions and tokens: she logs in again.
  const login = await s.api('POST', '/sessions', { login: ALICE, password: SECRETS[3] }, null as unknown as string);
  assert.is(login.status, 201, JSON.stringify(login.body));
  tokens[ALICE] = login.body.token;
  assert.is((await s.api('PUT', '/tenants/acme/network', { adminPassword: SECRETS[2], vlanId: 20 })).status, 200);
  assert.is((await s.api('PATCH', '/tenants/acme', { security: { auth: { mode: 'basic', username: 'prov', password: SECRETS[4] } } })).status, 200);
  const user = (await audit(`?user=${ALICE}&action=user.update`)).body.entries[0];
  assert.is(user.principal, 'operator:ops');
  assert.equal(user.changes, [
    { field: 'passwordHash', before: MASK, after: MASK },
    { field: 'sipPassword', before: MASK, after: MASK },
  ]);
  const net = (await audit('?tenant=acme&action=tenant.network')).body.entries[0];
  assert.equal(net.changes, [
    { field: 'adminPassword', before: null, after: MASK },
    { field: 'vlanId', before: null, after: 20 },
  ]);
  const sec = (await audit('?action=tenant.update')).body.entries[0];
  assert.equal(sec.after.security.auth, { mode: 'basic', username: 'prov', password: MASK });
  // Nothing secret anywhere in the trail, as stored.
  const everything = JSON.stringify(await s.app.store.audit.list({ limit: 10_000 }));
  for (const secret of SECRETS) assert.not.ok(everything.includes(secret), `secret ${secret} stored in clear`);
  const hash = (await s.app.store.users.get(ALICE))!.passwordHash!;
  assert.not.ok(everything.includes(hash), 'password hash stored in clear');
});

test('a tenant\'s provisioning security in its entries: shown to operators, left out for its admins (as in the tenant view)', async () => {
  assert.is((await s.api('PATCH', '/tenants/acme', { security: { allowlist: ['192.0.2.0/24'], auth: { mode: 'basic', username: 'acme-prov', password: SECRETS[4] } } })).status, 200);
  const admin = await audit('?tenant=acme&action=tenant.update', tokens[ADMIN]);
  assert.is(admin.status, 200);
  assert.ok(admin.body.entries.length >= 1);
  const text = JSON.stringify(admin.body.entries);
  for (const hidden of ['192.0.2.0/24', 'acme-prov', 'security']) assert.not.ok(text.includes(hidden), `${hidden} not shown to the admin`);
  const op = JSON.stringify((await audit('?tenant=acme&action=tenant.update')).body.entries);
  assert.ok(op.includes('192.0.2.0/24') && op.includes('acme-prov'), 'the operator sees it');
  assert.not.ok(op.includes(SECRETS[4]!), 'the password masked for everyone');
  // Open again, for the other tests of this file.
  assert.is((await s.api('PATCH', '/tenants/acme', { security: { allowlist: [], auth: { mode: 'none' } } })).status, 200);
});

test('a cockpit change: channel web, the browser\'s address, the admin who saved it', async () => {
  const c = new WebClient(s.adminUrl);
  assert.is((await c.login(ADMIN, `pw-${ADMIN}`)).status, 303);
  await c.get('/devices/805ec0123401');
  const r = await c.post('/devices/805ec0123401', { user: ALICE, label: 'Salle de réunion', expansionModules: '0' });
  assert.is(r.status, 303);
  const e = (await audit('?device=805ec0123401&limit=1')).body.entries[0];
  assert.equal([e.principal, e.channel, e.address, e.action], [`admin:${ADMIN}`, 'web', '127.0.0.1', 'device.update']);
  assert.equal(e.changes.find((x: { field: string }) => x.field === 'label'), { field: 'label', before: 'Accueil 2', after: 'Salle de réunion' });
  // Keys saved from the cockpit, by the user themself.
  const u = new WebClient(s.adminUrl);
  assert.is((await u.login(ALICE, SECRETS[3])).status, 303);
  await u.get(`/users/${ALICE}/keys`);
  const k = await u.post(`/users/${ALICE}/keys`, { type_1: 'line', value_1: '', label_1: 'Ligne', type_2: 'speeddial', value_2: '0612345678', label_2: 'Mobile' });
  assert.is(k.status, 303, k.html.slice(0, 300));
  const keys = (await audit(`?user=${ALICE}&action=keys.replace&limit=1`)).body.entries[0];
  assert.equal([keys.principal, keys.channel], [`user:${ALICE}`, 'web']);
  assert.equal(keys.after.keys['2'], { type: 'speeddial', value: '0612345678', label: 'Mobile' });
});

test('a CLI change: channel cli, the account that ran it, one entry per import with counts and lines', async () => {
  const csv = join(s.dataDir, 'phones.csv');
  writeFileSync(csv, 'mac;model;tenant;user;label\n80:5e:c0:12:34:02;T54W;acme;;Atelier\n80:5e:c0:12:34:01;T54W;acme;;Salle de réunion\n80:5e:c0:12:34:03;T46U;acme;;Stock\n');
  const r = await cadran(['import', csv]);
  assert.is(r.code, 0, r.stderr);
  const e = (await audit('?action=devices.import&limit=1')).body.entries[0];
  assert.equal([e.principal, e.channel, e.address, e.tenant], [`cli:${userInfo().username}`, 'cli', 'cli', 'acme']);
  assert.equal({ created: e.summary.created, updated: e.summary.updated, unchanged: e.summary.unchanged, rejected: e.summary.rejected }, { created: 2, updated: 0, unchanged: 1, rejected: 0 });
  assert.equal(e.summary.lines, [
    { line: 2, mac: '80:5e:c0:12:34:02', status: 'created' },
    { line: 4, mac: '80:5e:c0:12:34:03', status: 'created' },
  ]);
  // An update through an import lists what changed on the line.
  writeFileSync(csv, 'mac,label\n80:5e:c0:12:34:02,Atelier 2\n');
  assert.is((await cadran(['import', csv])).code, 0);
  const u = (await audit('?action=devices.import&limit=1')).body.entries[0];
  assert.equal(u.summary.lines, [{ line: 2, mac: '80:5e:c0:12:34:02', status: 'updated', changes: [{ field: 'label', before: 'Atelier', after: 'Atelier 2' }] }]);
  // A dry run writes nothing, so it records nothing.
  const before = (await audit('?action=devices.import')).body.entries.length;
  assert.is((await cadran(['import', '--dry-run', csv])).code, 0);
  assert.is((await audit('?action=devices.import')).body.entries.length, before);
});

test('imports through the API: one entry with counts; a contacts import names its user', async () => {
  const r = await s.api('POST', `/users/${ALICE}/contacts/import`, 'name;mobile\nÉlodie;0612345678\nMarc;0698765432\n', tokens[ALICE], { 'content-type': 'text/csv' });
  assert.is(r.status, 200);
  const e = (await audit(`?user=${ALICE}&action=contacts.import`)).body.entries[0];
  assert.equal([e.principal, e.channel, e.tenant, e.user, e.summary.created], [`user:${ALICE}`, 'api', 'acme', ALICE, 2]);
  // Personal contacts are private to their user, who does not read the trail: the lines are listed, their contents masked.
  assert.equal(e.summary.lines.map((l: { line: number; name: string }) => [l.line, l.name]), [[2, MASK], [3, MASK]]);
});

test('a phone moved to another tenant: one entry per tenant, each showing only its side', async () => {
  await s.api('POST', '/devices', { mac: '80:5E:C0:12:34:07', model: 'T54W', tenant: 'acme', user: ALICE, label: 'Secret label' });
  assert.is((await s.api('PATCH', '/devices/805ec0123407', { tenant: 'globex' })).status, 200);
  const acme = (await audit('?device=805ec0123407&tenant=acme', tokens[ADMIN])).body.entries;
  assert.equal(acme.map((e: { action: string }) => e.action), ['device.move_out', 'device.create']);
  assert.is(acme[0].after, null, 'acme does not learn where it went');
  const globex = (await audit('?device=805ec0123407', tokens[GLOBEX_ADMIN])).body.entries;
  assert.equal(globex.map((e: { action: string }) => e.action), ['device.move_in']);
  assert.is(globex[0].before, null, 'globex does not learn what it was');
  assert.is(globex[0].after.userNumber, null);
  assert.not.ok(JSON.stringify(globex).includes(ALICE), "globex does not learn acme's licence");
});

test('access: operators everything, an admin their parc only, users nothing', async () => {
  const user = await audit('', tokens[ALICE]);
  assert.is(user.status, 403);
  assert.is(user.body.error.code, 'forbidden');
  assert.is((await audit('', null as unknown as string)).status, 401);
  const acme = (await audit('?limit=1000', tokens[ADMIN])).body.entries;
  assert.ok(acme.length > 5);
  assert.ok(acme.every((e: { tenant: string }) => e.tenant === 'acme'), 'only acme entries');
  const globex = (await audit('?limit=1000', tokens[GLOBEX_ADMIN])).body.entries;
  assert.ok(globex.length > 0);
  assert.ok(globex.every((e: { tenant: string }) => e.tenant === 'globex'), 'only globex entries');
  const other = await audit('?tenant=acme', tokens[GLOBEX_ADMIN]);
  assert.is(other.status, 404, 'another tenant: as if it did not exist');
  assert.is((await audit(`?user=${ALICE}`, tokens[GLOBEX_ADMIN])).body.entries.length, 0, "another tenant's user: nothing");
  assert.is((await audit('?device=805ec0123401', tokens[GLOBEX_ADMIN])).body.entries.length, 0);
  const all = (await audit('?limit=1000')).body.entries;
  assert.ok(all.some((e: { tenant: string }) => e.tenant === 'acme') && all.some((e: { tenant: string }) => e.tenant === 'globex'));
  assert.ok(all.some((e: { action: string; tenant: string | null }) => e.action === 'tenant.create'));
});

test('filters, time range and cursor paging: newest first, every entry once', async () => {
  const all = (await audit('?tenant=acme&limit=1000')).body.entries as Array<{ id: number; at: string; action: string }>;
  assert.ok(all.length >= 8);
  assert.ok(all.every((e, i) => i === 0 || e.id < all[i - 1]!.id), 'newest first');
  const seen: number[] = [];
  let cursor = '';
  for (let i = 0; i < 100; i++) {
    const r = await audit(`?tenant=acme&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
    assert.is(r.status, 200);
    assert.ok(r.body.entries.length <= 3);
    seen.push(...r.body.entries.map((e: { id: number }) => e.id));
    if (!r.body.nextCursor) break;
    cursor = r.body.nextCursor;
  }
  assert.equal(seen, all.map((e) => e.id), 'pages cover every entry once, in order');
  const mid = all[Math.floor(all.length / 2)]!;
  const since = (await audit(`?tenant=acme&limit=1000&since=${encodeURIComponent(mid.at)}`)).body.entries as typeof all;
  assert.ok(since.length > 0 && since.every((e) => e.at >= mid.at));
  const untilR = (await audit(`?tenant=acme&limit=1000&until=${encodeURIComponent(mid.at)}`)).body.entries as typeof all;
  assert.ok(untilR.every((e) => e.at <= mid.at));
  assert.is(since.length + untilR.length - all.filter((e) => e.at === mid.at).length, all.length);
  const today = new Date().toISOString().slice(0, 10);
  assert.is((await audit(`?tenant=acme&limit=1000&since=${today}&until=${today}`)).body.entries.length, all.length, 'a plain date covers its day');
  assert.ok((await audit('?action=device.&limit=1000')).body.entries.every((e: { action: string }) => e.action.startsWith('device.')));
  for (const bad of ['?since=yesterday', '?until=2026-13-45', '?limit=0', '?limit=5000', '?cursor=abc', '?device=not-a-mac', '?user=123', '?action=DROP%20TABLE', '?since=2026-02-01&until=2026-01-01']) {
    const r = await audit(bad);
    assert.is(r.status, 422, bad);
    assert.is(r.body.error.code, 'validation_failed', bad);
  }
});

test('resync requests and cancels are recorded with their job', async () => {
  const r = await s.api('POST', '/devices/805ec0123401/resync?reboot=true', {}, tokens[ADMIN]);
  assert.is(r.status, 202);
  const e = (await audit('?action=resync.request', tokens[ADMIN])).body.entries[0];
  assert.equal([e.principal, e.channel, e.tenant, e.device, e.user, e.target], [`admin:${ADMIN}`, 'api', 'acme', '80:5e:c0:12:34:01', ALICE, r.body.id]);
  assert.equal(e.summary, { scope: 'device', reboot: true, queued: 0, failed: 1 });
  assert.is((await s.api('DELETE', `/resync-jobs/${r.body.id}`, undefined, tokens[ADMIN])).status, 200);
  const c = (await audit('?action=resync.cancel', tokens[ADMIN])).body.entries[0];
  assert.equal([c.target, c.summary], [r.body.id, { cancelledTargets: 0 }]);
});

test('retention: entries older than the period are purged; the periodic task runs at start', async () => {
  const old = new Date(Date.now() - 40 * 86_400_000).toISOString();
  const recent = new Date(Date.now() - 10 * 86_400_000).toISOString();
  const base = { principal: 'operator:ops', channel: 'api' as const, address: '127.0.0.1', tenantId: 'acme', userNumber: null, mac: null, targetId: null, before: null, after: null, changes: [], summary: null };
  const oldId = await s.app.store.audit.append({ ...base, at: old, action: 'test.old' });
  const recentId = await s.app.store.audit.append({ ...base, at: recent, action: 'test.recent' });
  assert.is(await purgeAudit(s.app.store, 365), 0, 'within a year: kept');
  assert.is(await purgeAudit(s.app.store, 30), 1);
  const ids = (await s.app.store.audit.list({ limit: 10_000, action: 'test.' })).map((e) => e.id);
  assert.equal(ids, [recentId]);
  assert.not.ok(ids.includes(oldId));

  // The task, as `cadran serve` runs it, with CADRAN_AUDIT_RETENTION_DAYS: a first round at start.
  const dir = mkdtempSync(join(tmpdir(), 'cadran-audit-'));
  const app = await createAppContext(testConfig(dir, { CADRAN_AUDIT_RETENTION_DAYS: '5' }), silentLogger);
  try {
    assert.is(app.config.auditRetentionDays, 5);
    await app.store.audit.append({ ...base, at: old, action: 'test.old' });
    await app.store.audit.append({ ...base, at: recent, action: 'test.recent' });
    await app.store.audit.append({ ...base, at: new Date().toISOString(), action: 'test.now' });
    const running = await startServer(app, [auditRetentionFeature]);
    try {
      await until('the retention task to purge', async () => ((await app.store.audit.list({ limit: 10, action: 'test.' })).length === 1 ? true : undefined));
      assert.equal((await app.store.audit.list({ limit: 10, action: 'test.' })).map((e) => e.action), ['test.now']);
    } finally {
      await running.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('settings: CADRAN_AUDIT_RETENTION_DAYS is validated', async () => {
  const { loadConfig } = await import('../server/config.ts');
  assert.is(loadConfig({ CADRAN_DATA_DIR: s.dataDir }).auditRetentionDays, 365);
  assert.throws(() => loadConfig({ CADRAN_DATA_DIR: s.dataDir, CADRAN_AUDIT_RETENTION_DAYS: 'forever' }), /CADRAN_AUDIT_RETENTION_DAYS/);
  assert.throws(() => loadConfig({ CADRAN_DATA_DIR: s.dataDir, CADRAN_AUDIT_RETENTION_DAYS: '0' }), /CADRAN_AUDIT_RETENTION_DAYS/);
});

test.run();

