// GET/PUT /users/{n}/features (issue 15): access rules, normalisation, 422 naming the field,
// per-phone list limits, stale writes (409), invalidation of the phones' files, ?resync=true.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer, seedTwoTenants, type TestServer } from './helpers/server.ts';
import type { DeviceChange } from '../server/service/changes.ts';
import { phoneFeature, resyncFeature } from '../server/features.ts';

const t = suite('API features');
let s: TestServer;
let tok: Record<string, string>;
const ADMIN = '0100000001';
const ALICE = '0100000002';
const BOB = '0100000003';
const GUS = '0200000001';
const GINA = '0200000002';
const ALICE_PHONE = '805ec0000002';

t.before(async () => {
  s = await startTestServer({ features: [phoneFeature, resyncFeature], env: { CADRAN_LOG_LEVEL: 'silent' } });
  tok = await seedTwoTenants(s);
  await s.api('POST', '/devices', { mac: ALICE_PHONE, model: 'T54W', tenant: 'acme', user: ALICE });
  await s.api('POST', '/devices', { mac: '0004f2000003', model: 'VVX450', tenant: 'acme', user: BOB });
});
t.after(async () => s.close());

t('never saved: the defaults, version 0', async () => {
  const r = await s.api('GET', `/users/${ALICE}/features`, undefined, tok[ALICE]);
  assert.is(r.status, 200);
  assert.equal(r.body, {
    dnd: { enabled: false, allowedCallers: [] }, forwardAlways: { enabled: false, target: null }, rejectAnonymous: false, blacklist: [], version: 0, updatedAt: null,
  });
});

t('the user sets her own; numbers are normalised like contacts and deduplicated; absent parts are kept', async () => {
  const r = await s.api('PUT', `/users/${ALICE}/features`, {
    dnd: { enabled: true, allowedCallers: ['+33 6 12 34 56 78', '06.12.34.56.78', '+41 22 123 45 67'] },
    forwardAlways: { enabled: true, target: '0033 1 45 67 89 01' },
    blacklist: ['08 99 12 34 56'],
  }, tok[ALICE]);
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.dnd, { enabled: true, allowedCallers: ['0612345678', '+41221234567'] });
  assert.equal(r.body.forwardAlways, { enabled: true, target: '0145678901' });
  assert.equal(r.body.blacklist, ['0899123456']);
  assert.is(r.body.rejectAnonymous, false);
  assert.is(r.body.version, 1);
  const r2 = await s.api('PUT', `/users/${ALICE}/features`, { rejectAnonymous: true }, tok[ALICE]);
  assert.is(r2.status, 200);
  assert.equal(r2.body.dnd.allowedCallers, ['0612345678', '+41221234567'], 'untouched parts kept');
  assert.is(r2.body.rejectAnonymous, true);
  assert.is(r2.body.version, 2);
});

t('access: the tenant admin any licence, an operator any, a colleague 403, another tenant 404 (also its admin)', async () => {
  assert.is((await s.api('PUT', `/users/${BOB}/features`, { rejectAnonymous: true }, tok[ADMIN])).status, 200);
  assert.is((await s.api('GET', `/users/${BOB}/features`, undefined, tok[ADMIN])).body.rejectAnonymous, true);
  assert.is((await s.api('PUT', `/users/${BOB}/features`, { rejectAnonymous: false })).status, 200, 'operator');
  assert.is((await s.api('GET', `/users/${BOB}/features`, undefined, tok[ALICE])).status, 403);
  assert.is((await s.api('PUT', `/users/${BOB}/features`, { rejectAnonymous: true }, tok[ALICE])).status, 403);
  for (const who of [GUS, GINA]) {
    assert.is((await s.api('GET', `/users/${ALICE}/features`, undefined, tok[who])).status, 404);
    assert.is((await s.api('PUT', `/users/${ALICE}/features`, { dnd: { enabled: false } }, tok[who])).status, 404);
  }
  assert.is((await s.api('GET', '/users/0199999999/features')).status, 404);
  assert.is((await s.api('GET', `/users/${ALICE}/features`, undefined, null)).status, 401);
  assert.is((await s.api('GET', `/users/${ALICE}/features`, undefined, tok[ALICE])).body.dnd.enabled, true, 'nothing changed by the refused writes');
});

t('422 naming the field: a target that is not a number, list entries, a forward on without target, unknown fields', async () => {
  const cases: Array<[unknown, string, string]> = [
    [{ forwardAlways: { enabled: true, target: 'chez moi' } }, 'forwardAlways.target', 'validation.feature_number'],
    [{ forwardAlways: { target: '*21#' } }, 'forwardAlways.target', 'validation.feature_number'],
    [{ dnd: { allowedCallers: ['0612345678', 'abc'] } }, 'dnd.allowedCallers.1', 'validation.feature_number'],
    [{ blacklist: ['<script>'] }, 'blacklist.0', 'validation.feature_number'],
    [{ forwardAlways: { enabled: true, target: null } }, 'forwardAlways.target', 'validation.forward_needs_target'],
    [{ dnd: { enabled: 'yes' } }, 'dnd.enabled', 'validation.type_boolean'],
    [{ dnd: { on: true } }, 'dnd', 'validation.unknown_fields'],
    [{ blacklist: Array.from({ length: 101 }, (_, i) => `0600000${String(i).padStart(3, '0')}`) }, 'blacklist', 'validation.too_many'],
  ];
  const before = (await s.api('GET', `/users/${ALICE}/features`, undefined, tok[ALICE])).body;
  for (const [body, field, key] of cases) {
    const r = await s.api('PUT', `/users/${ALICE}/features`, body, tok[ALICE]);
    assert.is(r.status, 422, JSON.stringify(body));
    assert.ok(r.body.error.details.some((d: { field: string; key: string }) => d.field === field && d.key === key), `${JSON.stringify(body)} → ${JSON.stringify(r.body.error.details)}`);
    assert.ok(r.body.error.details.every((d: { message: string }) => typeof d.message === 'string' && d.message.length > 0));
  }
  assert.equal((await s.api('GET', `/users/${ALICE}/features`, undefined, tok[ALICE])).body, before, 'nothing half-written');
});

t('a list over the limit of a phone of the user is refused naming the field, the phone and the limit', async () => {
  // The T54W takes 30 priority callers (features.dnd.emergency_authorized_number, 511 characters).
  const many = Array.from({ length: 31 }, (_, i) => `06000000${String(i).padStart(2, '0')}`);
  const r = await s.api('PUT', `/users/${ALICE}/features`, { dnd: { allowedCallers: many } }, tok[ALICE], { 'accept-language': 'fr' });
  assert.is(r.status, 422);
  const d = r.body.error.details.find((x: { field: string }) => x.field === 'dnd.allowedCallers');
  assert.ok(d, JSON.stringify(r.body));
  assert.is(d.key, 'validation.features_list_beyond_phone');
  assert.equal(d.params, { count: 31, max: 30, model: 'T54W', mac: '80:5e:c0:00:00:02' });
  assert.match(d.message, /31 numéros : le T54W \(80:5e:c0:00:00:02\) en garde au plus 30/);
  assert.is((await s.api('PUT', `/users/${ALICE}/features`, { dnd: { allowedCallers: many.slice(0, 30) } }, tok[ALICE])).status, 200);
});

t('a save based on an older read is refused (409) and changes nothing', async () => {
  const cur = (await s.api('GET', `/users/${ALICE}/features`, undefined, tok[ALICE])).body;
  const ok = await s.api('PUT', `/users/${ALICE}/features`, { version: cur.version, blacklist: ['0899000001'] }, tok[ADMIN]);
  assert.is(ok.status, 200);
  const stale = await s.api('PUT', `/users/${ALICE}/features`, { version: cur.version, blacklist: [] }, tok[ALICE]);
  assert.is(stale.status, 409);
  assert.is(stale.body.error.key, 'conflict.features_changed');
  assert.equal((await s.api('GET', `/users/${ALICE}/features`, undefined, tok[ALICE])).body.blacklist, ['0899000001']);
});

t("a change names the user's phones (their cached files are dropped); a refused one names none", async () => {
  const seen: DeviceChange[] = [];
  const off = s.app.changes.onChange((c) => seen.push(c));
  try {
    assert.is((await s.api('PUT', `/users/${ALICE}/features`, { dnd: { enabled: false } }, tok[ALICE])).status, 200);
    assert.equal(seen.map((c) => c.macs), [[ALICE_PHONE]]);
    assert.is((await s.api('PUT', `/users/${ALICE}/features`, { forwardAlways: { target: 'x' } }, tok[ALICE])).status, 422);
    assert.is(seen.length, 1);
  } finally {
    off();
  }
});

t('?resync=true resyncs the phones the change concerns', async () => {
  const r = await s.api('PUT', `/users/${ALICE}/features?resync=true`, { dnd: { enabled: true } }, tok[ALICE]);
  assert.is(r.status, 200);
  const id = r.headers.get('cadran-resync-jobs');
  assert.ok(id, 'a resync job is named');
  const job = await s.api('GET', `/resync-jobs/${id}`);
  assert.is(job.status, 200);
  assert.equal(job.body.devices.map((d: { mac: string }) => d.mac.replace(/:/g, '')), [ALICE_PHONE]);
});

t("GET /devices/{mac}/checks says what the user's phone cannot carry (Poly: DND state, priority callers, anonymous rejection)", async () => {
  assert.is((await s.api('PUT', `/users/${BOB}/features`, { dnd: { enabled: true, allowedCallers: ['0612345678'] }, blacklist: ['0899123456'], rejectAnonymous: true }, tok[ADMIN])).status, 200);
  const r = await s.api('GET', '/devices/0004f2000003/checks', undefined, tok[ADMIN]);
  assert.is(r.status, 200);
  const codes = r.body.problems.map((p: { code: string }) => p.code);
  for (const code of ['vendor.features_dnd_unsupported', 'vendor.features_allowed_callers_unsupported', 'vendor.features_reject_anonymous_unsupported']) {
    assert.ok(codes.includes(code), `${code} in ${codes.join(', ')}`);
  }
  // The VVX directory auto-rejects the blacklist: not reported.
  assert.not.ok(codes.includes('vendor.features_blacklist_unsupported'), codes.join(', '));
  // Alice's Yealink carries all of it (the blacklist as its local contact file): nothing reported.
  await s.api('PUT', `/users/${ALICE}/features`, { blacklist: ['0899123456'], rejectAnonymous: true }, tok[ALICE]);
  const y = (await s.api('GET', `/devices/${ALICE_PHONE}/checks`, undefined, tok[ALICE])).body.problems.map((p: { code: string }) => p.code);
  assert.equal(y.filter((c: string) => c.startsWith('vendor.features_')), []);
});

t.run();
