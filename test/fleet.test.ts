// Fleet state per phone: last seen, firmware and model from the User-Agent, and configState
// (never-fetched → current after a fetch → pending after a change of its stored settings →
// current after the next fetch; a change that leaves the bytes identical stays current), the
// list filters, TFTP, 304s, operator template overrides, phone worker processes.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { vendorById } from '../vendors/index.ts';
import { PHONES, eventually, get, rendered, startPhoneServer, type PhoneServer } from './phone-fixtures.ts';
import { tftpGet } from './helpers/tftp-client.ts';
import { FleetState } from '../server/provision/fleet.ts';
import { ChangeFeed } from '../server/service/changes.ts';

const test = suite('fleet state');
let ps: PhoneServer;
const Y = PHONES.yealink;
const P = PHONES.polycom;
const S = PHONES.snom;
const ALICE = Y.user;

const device = async (mac: string, token?: string) => {
  const r = await ps.s.api('GET', `/devices/${mac}`, undefined, token);
  assert.is(r.status, 200, JSON.stringify(r.body));
  return r.body;
};
const stateOf = async (mac: string) => (await device(mac)).configState as string;
/** The activity flush runs every second: wait for the state to settle on `want`. */
const becomes = async (mac: string, want: string) => {
  const d = await eventually(() => device(mac), (x) => x.configState === want, 8000);
  assert.is(d.configState, want, `${mac} should become ${want}`);
  return d;
};
const fetchAll = async (p: { mac: string; model: string; ua: string }, vendor: string) => {
  for (const file of vendorById(vendor)!.bootFiles(p.mac, p.model)) {
    const r = await get(ps.httpPort, `/${file}`, { headers: { 'user-agent': p.ua } });
    assert.is(r.status, 200, file);
  }
};
const keys = [
  { position: 1, type: 'line', label: 'Ligne' },
  { position: 2, type: 'speeddial', value: '0612345678', label: 'Mobile' },
];

test.before(async () => {
  ps = await startPhoneServer();
  assert.is((await ps.s.api('PUT', `/users/${ALICE}/keys`, keys)).status, 200);
});
test.after(async () => {
  await ps.close();
});

test('never fetched: no sighting, no firmware, never-fetched', async () => {
  const d = await device(Y.mac);
  assert.equal([d.configState, d.lastSeen, d.firmware, d.reportedModel, d.pendingFiles], ['never-fetched', null, null, null, []]);
  const list = (await ps.s.api('GET', '/devices?configState=never-fetched')).body;
  assert.equal(list.map((x: { mac: string }) => x.mac.replace(/:/g, '')).sort(), [P.mac, S.mac, Y.mac].sort());
});

test('a boot fetch makes it current, with last seen, firmware and model from the User-Agent', async () => {
  await fetchAll(Y, 'yealink');
  await becomes(Y.mac, 'current');
  const d = await eventually(() => device(Y.mac), (x) => x.lastSeen?.file === `${Y.mac}-contacts.xml`, 8000);
  assert.equal(
    { protocol: d.lastSeen.protocol, ip: d.lastSeen.ip, file: d.lastSeen.file, firmware: d.firmware, model: d.reportedModel },
    { protocol: 'http', ip: '127.0.0.1', file: `${Y.mac}-contacts.xml`, firmware: '96.86.0.100', model: 'T54W' },
  );
  assert.equal(d.pendingFiles, []);
});

test('a key change makes it pending (the main file), the next fetch makes it current again', async () => {
  assert.is((await ps.s.api('PUT', `/users/${ALICE}/keys`, [...keys, { position: 3, type: 'speeddial', value: '0145678901', label: 'Standard' }])).status, 200);
  const d = await device(Y.mac);
  assert.is(d.configState, 'pending', 'at once: no flush to wait for');
  assert.equal(d.pendingFiles, [`${Y.mac}.cfg`]);
  const r = await get(ps.httpPort, `/${Y.mac}.cfg`, { headers: { 'user-agent': Y.ua } });
  assert.is(r.status, 200);
  await becomes(Y.mac, 'current');
});

test('a change that leaves the bytes identical stays current (same keys saved again, an unrendered field)', async () => {
  const now = (await ps.s.api('GET', `/users/${ALICE}/keys`)).body;
  assert.is((await ps.s.api('PUT', `/users/${ALICE}/keys`, now)).status, 200);
  assert.is(await stateOf(Y.mac), 'current', 'no-op key save');
  assert.is((await ps.s.api('PATCH', `/users/${ALICE}`, { email: 'alice@acme.example' })).status, 200);
  assert.is(await stateOf(Y.mac), 'current', 'the e-mail is in no phone file');
  // The device label: pending exactly when the bytes of one of its fetched files change.
  const root = `http://127.0.0.1:${ps.httpPort}/`;
  const before = await Promise.all([`${Y.mac}.cfg`, `${Y.mac}-contacts.xml`].map((f) => rendered(ps, Y.mac, f, root)));
  assert.is((await ps.s.api('PATCH', `/devices/${Y.mac}`, { label: 'Accueil' })).status, 200);
  const after = await Promise.all([`${Y.mac}.cfg`, `${Y.mac}-contacts.xml`].map((f) => rendered(ps, Y.mac, f, root)));
  const same = before.every((b, i) => b.equals(after[i]!));
  assert.is(await stateOf(Y.mac), same ? 'current' : 'pending');
  await fetchAll(Y, 'yealink');
  await becomes(Y.mac, 'current');
});

test('a change then its undo: back to the bytes the phone has, so current without a fetch', async () => {
  const before = (await ps.s.api('GET', `/users/${ALICE}`)).body.name;
  assert.is((await ps.s.api('PATCH', `/users/${ALICE}`, { name: 'Alice Martin-Durand' })).status, 200);
  assert.is(await stateOf(Y.mac), 'pending');
  assert.is((await ps.s.api('PATCH', `/users/${ALICE}`, { name: before })).status, 200);
  assert.is(await stateOf(Y.mac), 'current');
});

test('contacts change only the directory file; a 304 on the current ETag counts as taking it', async () => {
  // Personal contacts are written by their user only.
  const alice = (await ps.s.api('POST', '/sessions', { login: ALICE, password: `pw-${ALICE}` }, null)).body.token;
  assert.is((await ps.s.api('POST', `/users/${ALICE}/contacts`, { name: 'Élodie', mobile: '0698765432' }, alice)).status, 201);
  const d = await device(Y.mac);
  assert.equal([d.configState, d.pendingFiles], ['pending', [`${Y.mac}-contacts.xml`]]);
  const r = await get(ps.httpPort, `/${Y.mac}-contacts.xml`, { headers: { 'user-agent': Y.ua } });
  assert.is(r.status, 200);
  await becomes(Y.mac, 'current');
  const again = await get(ps.httpPort, `/${Y.mac}-contacts.xml`, { headers: { 'user-agent': Y.ua, 'if-none-match': String(r.headers.etag) } });
  assert.is(again.status, 304);
  await new Promise((res) => setTimeout(res, 1500));
  assert.is(await stateOf(Y.mac), 'current');
});

test('a colleague renamed shows on the BLF label: the watcher becomes pending', async () => {
  await fetchAll(P, 'polycom');
  await becomes(P.mac, 'current');
  assert.is((await ps.s.api('PUT', `/users/${P.user}/keys`, [{ position: 1, type: 'line' }, { position: 2, type: 'blf', value: ALICE }])).status, 200);
  await fetchAll(P, 'polycom');
  await becomes(P.mac, 'current');
  assert.is((await ps.s.api('PATCH', `/users/${ALICE}`, { name: 'Alice Renamed' })).status, 200);
  assert.is(await stateOf(P.mac), 'pending');
  await fetchAll(P, 'polycom');
  await becomes(P.mac, 'current');
});

test('over TFTP too: the file fetched over TFTP is recorded with its protocol', async () => {
  await fetchAll(Y, 'yealink');
  await becomes(Y.mac, 'current');
  assert.is((await ps.s.api('PUT', `/tenants/acme/network`, { vlanId: 42 })).status, 200);
  assert.is(await stateOf(Y.mac), 'pending');
  const got = await tftpGet({ host: '127.0.0.1', port: ps.tftpPort, file: `${Y.mac}.cfg` });
  assert.ok(got.data.length > 0);
  const d = await eventually(() => device(Y.mac), (x) => x.lastSeen.protocol === 'tftp', 8000);
  assert.is(d.lastSeen.protocol, 'tftp');
  // The TFTP file carries links under the configured root, the HTTP one under the request's:
  // each fetched file is compared with what it would be for the same root.
  assert.is(d.configState, 'current');
});

test('an operator template override makes the phones of that vendor pending', async () => {
  await fetchAll(Y, 'yealink');
  await becomes(Y.mac, 'current');
  const dir = join(ps.s.dataDir, 'templates', 'yealink');
  mkdirSync(dir, { recursive: true });
  const shipped = readFileSync(fileURLToPath(new URL('../templates/yealink/mac.cfg.hbs', import.meta.url)), 'utf8');
  writeFileSync(join(dir, 'mac.cfg.hbs'), `${shipped}\n# local change\n`);
  const d = await eventually(() => device(Y.mac), (x) => x.configState === 'pending', 8000);
  assert.equal([d.configState, d.pendingFiles], ['pending', [`${Y.mac}.cfg`]]);
  await fetchAll(Y, 'yealink');
  await becomes(Y.mac, 'current');
});

test('lists: filters by configState, firmware, model, tenant; bad values refused', async () => {
  await fetchAll(S, 'snom');
  await becomes(S.mac, 'current');
  await fetchAll(P, 'polycom'); // the network change above concerned it too
  await becomes(P.mac, 'current');
  assert.is((await ps.s.api('PUT', `/users/${S.user}/keys`, [{ position: 1, type: 'line', label: 'Pending' }])).status, 200);
  const macs = async (q: string) => ((await ps.s.api('GET', `/devices${q}`)).body as Array<{ mac: string }>).map((x) => x.mac.replace(/:/g, '')).sort();
  assert.equal(await macs('?configState=pending'), [S.mac]);
  assert.equal(await macs('?configState=current'), [P.mac, Y.mac].sort());
  assert.equal(await macs('?firmware=96.86.0.100'), [Y.mac]);
  assert.equal(await macs('?model=vvx%20450'), [P.mac], 'model as people type it');
  assert.equal(await macs('?tenant=globex'), [S.mac]);
  assert.equal(await macs('?tenant=acme&configState=pending'), []);
  assert.equal(await macs('?notSeenSince=2000-01-01'), [], 'all seen since');
  assert.equal(await macs(`?notSeenSince=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`), [P.mac, S.mac, Y.mac].sort());
  for (const bad of ['?configState=stale', '?model=%3Cscript%3E', '?notSeenSince=yesterday']) {
    const r = await ps.s.api('GET', `/devices${bad}`);
    assert.is(r.status, 422, bad);
  }
  // A user sees their own phone's state; an admin of another tenant learns nothing.
  const login = (await ps.s.api('POST', '/sessions', { login: ALICE, password: `pw-${ALICE}` }, null)).body.token;
  assert.equal((await ps.s.api('GET', '/devices', undefined, login)).body.map((x: { configState: string }) => x.configState), ['current']);
  const globex = (await ps.s.api('POST', '/sessions', { login: '0200000001', password: 'pw-0200000001' }, null)).body.token;
  assert.equal((await ps.s.api('GET', '/devices?tenant=acme', undefined, globex)).body, []);
  assert.is((await ps.s.api('GET', `/devices/${Y.mac}`, undefined, globex)).status, 404);
});

test('current ETags are rendered once per change, and a render overlapping a change is not kept', async () => {
  let renders = 0;
  const t = ps.s.app.templates;
  const counting = { render: (v: string, n: string, d: unknown) => (renders++, t.render(v, n, d)) };
  const changes = new ChangeFeed();
  const fleet = new FleetState({ store: ps.s.app.store, templates: counting, changes });
  const files = await ps.s.app.store.sightings.files({ mac: Y.mac });
  assert.ok(files.length >= 2);
  await fleet.info(Y.mac, files);
  const first = renders;
  assert.ok(first > 0);
  await fleet.info(Y.mac, files);
  assert.is(renders, first, 'memoised');
  changes.devicesChanged([P.mac], 'another phone');
  await fleet.info(Y.mac, files);
  assert.is(renders, first, 'another phone changed: still memoised');
  changes.devicesChanged([Y.mac], 'this phone');
  await fleet.info(Y.mac, files);
  assert.is(renders, first * 2, 'rendered again after its change');
  // A change announced while a render is under way: the result is used but not kept.
  const pending = fleet.info(Y.mac, files.map((f) => ({ ...f, file: f.file })));
  changes.devicesChanged('*', 'everything');
  await pending;
  await fleet.info(Y.mac, files);
  assert.ok(renders > first * 2, 'not kept across the change');
  fleet.close();
});

test.run();

const workers = suite('fleet state with phone worker processes');
workers('with installation defaults (CADRAN_DEFAULT_LOCALE), a phone that took its files is current', async () => {
  const w = await startPhoneServer({ CADRAN_DEFAULT_LOCALE: 'en-GB', CADRAN_PHONE_WORKERS: '1' });
  try {
    for (const file of vendorById('yealink')!.bootFiles(Y.mac, Y.model)) {
      assert.is((await get(w.httpPort, `/${file}`, { headers: { 'user-agent': Y.ua } })).status, 200);
    }
    const d = await eventually(async () => (await w.s.api('GET', `/devices/${Y.mac}`)).body, (x) => x.configState !== 'never-fetched', 10_000);
    assert.is(d.configState, 'current', JSON.stringify(d));
  } finally {
    await w.close();
  }
});

workers('files fetched from a phone worker reach the fleet state through the primary', async () => {
  const w = await startPhoneServer({ CADRAN_PHONE_WORKERS: '2' });
  try {
    assert.is(w.s.running.phone!.workers, 2);
    for (const file of vendorById('yealink')!.bootFiles(Y.mac, Y.model)) {
      assert.is((await get(w.httpPort, `/${file}`, { headers: { 'user-agent': Y.ua } })).status, 200);
    }
    const d = await eventually(async () => (await w.s.api('GET', `/devices/${Y.mac}`)).body, (x) => x.configState === 'current', 10_000);
    assert.equal([d.configState, d.firmware], ['current', '96.86.0.100']);
    assert.is((await w.s.api('PUT', `/users/${ALICE}/keys`, [{ position: 1, type: 'line', label: 'Autre' }])).status, 200);
    // The change reaches the fleet state through the change feed: wait on it (bounded).
    const mid = await eventually(async () => (await w.s.api('GET', `/devices/${Y.mac}`)).body, (x) => x.configState === 'pending', 10_000);
    assert.is(mid.configState, 'pending', JSON.stringify(mid));
    assert.is((await get(w.httpPort, `/${Y.mac}.cfg`, { headers: { 'user-agent': Y.ua } })).status, 200);
    const after = await eventually(async () => (await w.s.api('GET', `/devices/${Y.mac}`)).body, (x) => x.configState === 'current', 10_000);
    assert.is(after.configState, 'current');
  } finally {
    await w.close();
  }
});
workers.run();
