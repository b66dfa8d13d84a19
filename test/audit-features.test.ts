// The audit trail of issue 15's line settings and issue 11's template overrides: every way they
// are written leaves an entry with who, from where, and the settings before and after — the API
// (PUT /users/{n}/features), the cockpit's "Ma ligne" page, the device import's columns (in the
// import line's changes), the phone's own action-URL reports (who = the device, channel `phone`),
// and the operator's template overrides (create, update, delete).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer, seedTwoTenants, type TestServer } from './helpers/server.ts';
import { WebClient } from './helpers/web-client.ts';
import { makeImportsFeature, phoneFeature, resyncFeature, webFeature } from '../server/features.ts';
import { PHONES, get } from './phone-fixtures.ts';

let s: TestServer;
let tokens: Record<string, string>;
const ALICE = '0100000002';
const Y = PHONES.yealink; // acme, Alice's T54W

interface Entry {
  principal: string;
  channel: string;
  address: string;
  action: string;
  tenant: string | null;
  user: string | null;
  device: string | null;
  target: string | null;
  before: unknown;
  after: unknown;
  changes: Array<{ field: string; before: unknown; after: unknown }>;
  summary: unknown;
}

async function latest(query: string): Promise<Entry[]> {
  const r = await s.api('GET', `/audit${query}`);
  assert.is(r.status, 200, JSON.stringify(r.body));
  return r.body.entries as Entry[];
}

test.before(async () => {
  s = await startTestServer({ features: [phoneFeature, webFeature, makeImportsFeature(), resyncFeature], env: { CADRAN_LOG_LEVEL: 'silent' } });
  tokens = await seedTwoTenants(s);
  assert.is((await s.api('POST', '/devices', { mac: Y.mac, model: Y.model, tenant: 'acme', user: ALICE })).status, 201);
});
test.after(async () => s.close());

test('API: PUT /users/{n}/features records features.update with the settings before and after', async () => {
  const r = await s.api('PUT', `/users/${ALICE}/features`, { dnd: { enabled: true, allowedCallers: ['06 12 34 56 78'] } }, tokens[ALICE]);
  assert.is(r.status, 200, JSON.stringify(r.body));
  const [e] = await latest(`?action=features.update&user=${ALICE}`);
  assert.ok(e);
  assert.is(e!.principal, `user:${ALICE}`);
  assert.is(e!.channel, 'api');
  assert.is(e!.tenant, 'acme');
  assert.equal((e!.before as { features: { dnd: unknown } }).features.dnd, { enabled: false, allowedCallers: [] });
  assert.equal((e!.after as { features: { dnd: unknown } }).features.dnd, { enabled: true, allowedCallers: ['0612345678'] });
  const fields = e!.changes.map((c) => c.field).sort();
  assert.equal(fields, ['features.dnd.allowedCallers', 'features.dnd.enabled']);
  // A refused write leaves nothing.
  const n = (await latest('?action=features.')).length;
  assert.is((await s.api('PUT', `/users/${ALICE}/features`, { forwardAlways: { enabled: true } })).status, 422);
  assert.is((await latest('?action=features.')).length, n);
});

test('cockpit: saving "Ma ligne" records features.update through the web channel', async () => {
  const c = new WebClient(s.adminUrl, 'fr');
  assert.is((await c.login('0100000001', 'pw-0100000001')).status, 303);
  const version = String((await s.api('GET', `/users/${ALICE}/features`)).body.version);
  await c.get(`/users/${ALICE}/line`);
  const r = await c.post(`/users/${ALICE}/line`, { version, dnd: '1', allowed: '0612345678', blacklist: '08 99 12 34 56', rejectAnonymous: '1', target: '' });
  assert.is(r.status, 303);
  const [e] = await latest(`?action=features.update&user=${ALICE}`);
  assert.is(e!.principal, 'admin:0100000001');
  assert.is(e!.channel, 'web');
  const changed = e!.changes.map((x) => x.field).sort();
  assert.equal(changed, ['features.blacklist', 'features.rejectAnonymous']);
});

test('device import: the line settings a line writes are in that line\'s changes', async () => {
  const csv = 'mac,model,tenant,user,renvoi\r\n80:5E:C0:AA:00:07,T54W,acme,0100000003,0698765432\r\n';
  const r = await s.api('POST', '/devices/import', csv, undefined, { 'content-type': 'text/csv' });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(r.body.created, 1);
  const [e] = await latest('?action=devices.import');
  const line = (e!.summary as { lines: Array<{ mac: string; changes?: Array<{ field: string; before: unknown; after: unknown }> }> }).lines[0]!;
  assert.is(line.mac, '80:5e:c0:aa:00:07');
  const fwd = line.changes?.find((c) => c.field === 'features.forwardAlways.target');
  assert.ok(fwd, JSON.stringify(line));
  assert.equal([fwd!.before, fwd!.after], [null, '0698765432']);
  assert.ok(line.changes!.some((c) => c.field === 'features.forwardAlways.enabled'));
});

test('phone report: the action URL the phone calls is recorded as the device, channel phone', async () => {
  const cfg = (await get(s.running.phone!.httpPort, `/${Y.mac}.cfg`, { headers: { 'user-agent': Y.ua } })).body.toString('utf8');
  const url = /^action_url\.dnd_off = (.*)$/m.exec(cfg)?.[1];
  assert.ok(url, 'the file carries the DND-off action URL');
  const u = new URL(url!);
  const played = await get(s.running.phone!.httpPort, u.pathname, { headers: { 'user-agent': Y.ua } });
  assert.is(played.status, 200, played.body.toString());
  const [e] = await latest('?action=features.phone_report');
  assert.ok(e);
  assert.is(e!.device, Y.mac.replace(/(..)(?!$)/g, '$1:'));
  assert.is(e!.principal, `device:${e!.device}`);
  assert.is(e!.channel, 'phone');
  assert.match(e!.address, /^127\./);
  assert.is(e!.user, ALICE);
  assert.is(e!.tenant, 'acme');
  assert.equal(e!.changes.map((c) => [c.field, c.before, c.after]), [['features.dnd.enabled', true, false]]);
  assert.equal(e!.summary, { event: 'dnd-off' });
  // The same report again changes nothing and records nothing.
  const n = (await latest('?action=features.phone_report')).length;
  assert.is((await get(s.running.phone!.httpPort, u.pathname, { headers: { 'user-agent': Y.ua } })).status, 200);
  assert.is((await latest('?action=features.phone_report')).length, n);
});

test('template overrides: create, update and delete are recorded with the source before and after', async () => {
  const one = '{{!-- a --}}\n';
  const two = '{{!-- b --}}\n';
  assert.is((await s.api('PUT', '/templates/yealink/common.cfg.hbs', { source: one })).status, 200);
  assert.is((await s.api('PUT', '/templates/yealink/common.cfg.hbs', { source: two })).status, 200);
  assert.is((await s.api('DELETE', '/templates/yealink/common.cfg.hbs')).status, 204);
  assert.is((await s.api('PUT', '/templates/yealink/common.cfg.hbs', { source: '{{#if' })).status, 422);
  const entries = (await latest('?action=template.')).reverse();
  assert.equal(entries.map((e) => [e.action, e.target, e.channel]), [
    ['template.create', 'yealink/common.cfg.hbs', 'api'],
    ['template.update', 'yealink/common.cfg.hbs', 'api'],
    ['template.delete', 'yealink/common.cfg.hbs', 'api'],
  ]);
  assert.equal([entries[0]!.before, entries[0]!.after], [null, { source: one }]);
  assert.equal(entries[1]!.changes, [{ field: 'source', before: one, after: two }]);
  assert.equal([entries[2]!.before, entries[2]!.after], [{ source: two }, null]);
  assert.ok(entries.every((e) => e.principal.startsWith('operator:')));
});

test.run();
