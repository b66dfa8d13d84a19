// Both ways (issue 15): a phone reports DND / forward toggles through the action URLs cadran wrote
// in its file; an HTTP client plays those URLs exactly as written (path, token, credentials in the
// URL's user-info) and the stored settings follow, the cached file is dropped, the next config
// agrees. An unauthenticated, wrongly authenticated or forged report changes nothing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PHONES, get, startPhoneServer, type PhoneServer } from './phone-fixtures.ts';

let ps: PhoneServer;
const Y = PHONES.yealink; // tenant acme, user 0100000002
const S = PHONES.snom; // tenant globex, user 0200000002
const TOKEN = 'acmeToken_0123456789abcdef';
const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
const CREDS = basic('acme-prov', 'acme-prov-secret-1');

async function features(user: string) {
  const r = await ps.s.api('GET', `/users/${user}/features`);
  assert.is(r.status, 200);
  return r.body;
}

async function config(): Promise<string> {
  const r = await get(ps.httpPort, `/p/${TOKEN}/${Y.mac}.cfg`, { headers: { authorization: CREDS } });
  assert.is(r.status, 200);
  return r.body.toString('utf8');
}

/** `key = value` of the Yealink file. */
const value = (cfg: string, key: string): string | undefined => new RegExp(`^${key.replace(/\./g, '\\.')} = (.*)$`, 'm').exec(cfg)?.[1];

/** Play an action URL as the phone does: GET its path; user-info becomes Basic credentials. */
async function play(url: string, o: { auth?: string | null; path?: (p: string) => string; method?: string } = {}) {
  const u = new URL(url);
  const auth = o.auth === undefined ? (u.username ? basic(decodeURIComponent(u.username), decodeURIComponent(u.password)) : undefined) : o.auth;
  const path = (o.path ?? ((p) => p))(u.pathname + u.search);
  return get(ps.httpPort, path, { ...(auth ? { headers: { authorization: auth } } : {}), ...(o.method ? { method: o.method } : {}) });
}

test.before(async () => {
  ps = await startPhoneServer();
  const sec = { auth: { mode: 'basic', username: 'acme-prov', password: 'acme-prov-secret-1' }, urlToken: TOKEN };
  assert.is((await ps.s.api('PATCH', '/tenants/acme', { security: sec })).status, 200);
  assert.is((await ps.s.api('PUT', `/users/${Y.user}/features`, { forwardAlways: { enabled: false, target: '06 98 76 54 32' } })).status, 200);
});
test.after(async () => ps.close());

test('the Yealink file carries the four action URLs under the tenant token, with the phone credentials', async () => {
  const cfg = await config();
  for (const [key, ev] of [['action_url.dnd_on', 'dnd-on'], ['action_url.dnd_off', 'dnd-off'], ['action_url.always_fwd_on', 'forward-on'], ['action_url.always_fwd_off', 'forward-off']]) {
    const url = value(cfg, key!);
    assert.ok(url, key);
    const u = new URL(url!);
    assert.is(u.pathname, `/p/${TOKEN}/events/${Y.mac}/${ev}`);
    // The phone's own provisioning credentials (every device has generated ones since issue 12).
    assert.is(decodeURIComponent(u.username), (await ps.s.app.store.devices.get(Y.mac))!.provisioningUsername);
    assert.is(u.port, String(ps.httpPort));
  }
  assert.is(value(cfg, 'account.1.dnd.enable'), '0');
});

test('playing dnd_on flips the stored DND, drops the cached file, and the next config agrees; dnd_off back', async () => {
  const before = await features(Y.user);
  assert.is(before.dnd.enabled, false);
  const cfg = await config();
  const on = await play(value(cfg, 'action_url.dnd_on')!);
  assert.is(on.status, 200, on.body.toString());
  const after = await features(Y.user);
  assert.is(after.dnd.enabled, true);
  assert.is(after.version, before.version + 1);
  assert.equal(after.forwardAlways, before.forwardAlways, 'only DND changed');
  assert.is(value(await config(), 'account.1.dnd.enable'), '1', 'the cached file was dropped');
  // The same report again changes nothing (no new version).
  assert.is((await play(value(cfg, 'action_url.dnd_on')!)).status, 200);
  assert.is((await features(Y.user)).version, after.version);
  assert.is((await play(value(cfg, 'action_url.dnd_off')!)).status, 200);
  assert.is((await features(Y.user)).dnd.enabled, false);
});

test('forward on/off at the phone: the stored target is kept', async () => {
  const cfg = await config();
  assert.is((await play(value(cfg, 'action_url.always_fwd_on')!)).status, 200);
  const f = await features(Y.user);
  assert.equal(f.forwardAlways, { enabled: true, target: '0698765432' });
  const next = await config();
  assert.is(value(next, 'account.1.always_fwd.enable'), '1');
  assert.is(value(next, 'account.1.always_fwd.target'), '0698765432');
  assert.is((await play(value(cfg, 'action_url.always_fwd_off')!)).status, 200);
  assert.is((await features(Y.user)).forwardAlways.enabled, false);
});

test('unauthenticated, wrong credentials, wrong or missing token, unknown MAC or event, other methods: refused, nothing changes', async () => {
  const cfg = await config();
  const url = value(cfg, 'action_url.dnd_on')!;
  const before = await features(Y.user);
  const refusals: Array<[string, Promise<{ status: number }>, number]> = [
    ['no credentials', play(url, { auth: null }), 401],
    ['wrong password', play(url, { auth: basic('acme-prov', 'guess') }), 401],
    ['another tenant\'s style of credentials', play(url, { auth: basic('globex', 'acme-prov-secret-1') }), 401],
    ['no URL token', play(url, { path: (p) => p.replace(`/p/${TOKEN}`, '') }), 404],
    ['wrong URL token', play(url, { path: (p) => p.replace(TOKEN, 'otherToken_0123456789abcd') }), 404],
    ['unknown MAC', play(url, { path: (p) => p.replace(Y.mac, '805ec0ffffff') }), 404],
    ['unknown event', play(url, { path: (p) => p.replace('dnd-on', 'reboot') }), 404],
    ['POST', play(url, { method: 'POST' }), 405],
    ["traversal", play(url, { path: (p) => p.replace(`events/${Y.mac}`, `events/..%2f${Y.mac}`) }), 400],
  ];
  for (const [what, p, status] of refusals) assert.is((await p).status, status, what);
  const after = await features(Y.user);
  assert.equal(after, before, 'nothing changed');
});

test('a tenant without provisioning security: the Snom report works as its config fetch does; a phone without user changes nothing', async () => {
  assert.is((await get(ps.httpPort, `/events/${S.mac}/dnd-on`)).status, 200);
  assert.is((await features(S.user)).dnd.enabled, true);
  const body = (await get(ps.httpPort, `/${S.mac.toUpperCase()}.xml`)).body.toString('utf8');
  assert.match(body, /<dnd_mode perm="RW">on<\/dnd_mode>/);
  assert.match(body, new RegExp(`<action_dnd_off_url perm="R">http://127\\.0\\.0\\.1:${ps.httpPort}/events/${S.mac}/dnd-off</action_dnd_off_url>`));
  assert.is((await ps.s.api('PATCH', `/devices/${S.mac}`, { user: null })).status, 200);
  assert.is((await get(ps.httpPort, `/events/${S.mac}/dnd-off`)).status, 200);
  assert.is((await features(S.user)).dnd.enabled, true, 'the phone has no user any more: nothing changed');
});

test.run();
