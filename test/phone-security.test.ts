// Provisioning security per tenant over HTTP and TFTP: Basic, Digest (computed here
// independently, RFC 7616 MD5 + qop=auth), per-device credentials, URL tokens, IP allowlists.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash, randomBytes } from 'node:crypto';
import { tftpGet, TftpRemoteError } from './helpers/tftp-client.ts';
import { PHONES, get, rendered, startPhoneServer, type PhoneServer } from './phone-fixtures.ts';

let ps: PhoneServer;
const Y = PHONES.yealink; // tenant acme
const P = PHONES.polycom; // tenant acme
const S = PHONES.snom; // tenant globex
const TOKEN_A = 'acmeToken_0123456789abcdef';
const TOKEN_B = 'globexToken-0123456789abcdef';

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

/** The tenant's whole provisioning security (PUT replaces it; PATCH merges field by field). */
async function setSecurity(tenant: string, security: object): Promise<void> {
  const r = await ps.s.api('PUT', `/tenants/${tenant}/security`, security);
  assert.is(r.status, 200, JSON.stringify(r.body));
}

function basic(user: string, pass: string): string {
  return `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
}

function challengeParams(header: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of header.matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]*))/g)) out[m[1]!] = m[2] ?? m[3]!;
  return out;
}

const nonceCounts = new Map<string, number>();

function digest(challenge: string, user: string, pass: string, method: string, uri: string, tamper: Partial<Record<'nonce' | 'realm', string>> = {}): string {
  const c = challengeParams(challenge);
  const realm = tamper.realm ?? c.realm!;
  const nonce = tamper.nonce ?? c.nonce!;
  const cnonce = randomBytes(8).toString('hex');
  // Like a phone: the nonce-count grows with each request on one nonce (a repeat is a replay).
  const count = (nonceCounts.get(nonce) ?? 0) + 1;
  nonceCounts.set(nonce, count);
  const nc = count.toString(16).padStart(8, '0');
  const ha1 = md5(`${user}:${realm}:${pass}`);
  const ha2 = md5(`${method}:${uri}`);
  const response = md5(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`);
  return `Digest username="${user}", realm="${realm}", nonce="${nonce}", uri="${uri}", algorithm=MD5, qop=auth, nc=${nc}, cnonce="${cnonce}", response="${response}"`;
}

async function tftpStatus(file: string): Promise<{ ok: true; data: Buffer } | { ok: false; code: number; message: string }> {
  try {
    const r = await tftpGet({ host: '127.0.0.1', port: ps.tftpPort, file, retransmitMs: 300, retries: 3 });
    return { ok: true, data: r.data };
  } catch (e) {
    if (e instanceof TftpRemoteError) return { ok: false, code: e.code, message: e.remoteMessage };
    throw e;
  }
}

test.before(async () => {
  ps = await startPhoneServer();
});
test.after(async () => {
  await ps.close();
});

test('no security: HTTP and TFTP serve the same bytes', async () => {
  const file = `${Y.mac}.cfg`;
  const http = await get(ps.httpPort, `/${file}`);
  assert.is(http.status, 200);
  const t = await tftpStatus(file);
  assert.ok(t.ok);
  // TFTP links point to the address the request reached, with the HTTP port: the same bytes as HTTP.
  if (t.ok) {
    assert.ok(t.data.equals(await rendered(ps, Y.mac, file)), 'TFTP renders with http://<local address>:<http port>/');
    assert.ok(t.data.equals(http.body), 'TFTP and HTTP give the same bytes');
    assert.not.ok(t.data.toString().includes('localhost'));
  }
});

test('Basic, tenant-wide: 401 without or with wrong credentials, 200 with them', async () => {
  await setSecurity('globex', { auth: { mode: 'basic', username: 'globex-prov', password: 'globex-secret-1' } });
  const path = `/${S.mac.toUpperCase()}.xml`;
  const none = await get(ps.httpPort, path);
  assert.is(none.status, 401);
  assert.match(String(none.headers['www-authenticate']), /^Basic realm="/);
  assert.is(none.body.toString().includes(ps.secrets[4]!), false);
  assert.is((await get(ps.httpPort, path, { headers: { authorization: basic('globex-prov', 'wrong-password') } })).status, 401);
  assert.is((await get(ps.httpPort, path, { headers: { authorization: basic('other', 'globex-secret-1') } })).status, 401);
  assert.is((await get(ps.httpPort, path, { headers: { authorization: 'Basic !!!' } })).status, 401);
  const ok = await get(ps.httpPort, path, { headers: { authorization: basic('globex-prov', 'globex-secret-1') } });
  assert.is(ok.status, 200);
  assert.ok(ok.body.equals((await rendered(ps, S.mac, `${S.mac.toUpperCase()}.xml`))));
  // Another tenant's device does not need (nor take) globex's credentials.
  assert.is((await get(ps.httpPort, `/${Y.mac}.cfg`)).status, 200);
  // TFTP carries no credentials: refused for this tenant's devices (access violation).
  const t = await tftpStatus(`${S.mac.toUpperCase()}.xml`);
  assert.not.ok(t.ok);
  if (!t.ok) assert.is(t.code, 2);
  await setSecurity('globex', {});
});

test('Digest (MD5, qop=auth), tenant-wide', async () => {
  await setSecurity('acme', { auth: { mode: 'digest', username: 'acme-prov', password: 'acme-secret-1' } });
  const uri = `/${Y.mac}.cfg`;
  const first = await get(ps.httpPort, uri);
  assert.is(first.status, 401);
  const ch = String(first.headers['www-authenticate']);
  assert.match(ch, /^Digest /);
  assert.match(ch, /qop="auth"/);
  assert.match(ch, /algorithm=MD5/);
  const ok = await get(ps.httpPort, uri, { headers: { authorization: digest(ch, 'acme-prov', 'acme-secret-1', 'GET', uri) } });
  assert.is(ok.status, 200);
  assert.ok(ok.body.equals((await rendered(ps, Y.mac, `${Y.mac}.cfg`))));
  // The same nonce works for the next file (phones reuse it), with its own uri.
  const uri2 = `/${Y.mac}-contacts.xml`;
  assert.is((await get(ps.httpPort, uri2, { headers: { authorization: digest(ch, 'acme-prov', 'acme-secret-1', 'GET', uri2) } })).status, 200);
  // Wrong password, digest computed for another uri, forged nonce, wrong realm.
  assert.is((await get(ps.httpPort, uri, { headers: { authorization: digest(ch, 'acme-prov', 'nope-nope-1', 'GET', uri) } })).status, 401);
  assert.is((await get(ps.httpPort, uri, { headers: { authorization: digest(ch, 'acme-prov', 'acme-secret-1', 'GET', uri2) } })).status, 401);
  const forged = `${(Math.floor(Date.now() / 1000) + 300).toString(36)}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`;
  assert.is((await get(ps.httpPort, uri, { headers: { authorization: digest(ch, 'acme-prov', 'acme-secret-1', 'GET', uri, { nonce: forged }) } })).status, 401);
  assert.is((await get(ps.httpPort, uri, { headers: { authorization: digest(ch, 'acme-prov', 'acme-secret-1', 'GET', uri, { realm: 'other' }) } })).status, 401);
  // Basic is not accepted where Digest is required.
  assert.is((await get(ps.httpPort, uri, { headers: { authorization: basic('acme-prov', 'acme-secret-1') } })).status, 401);
  // The rendered file tells the phone its provisioning credentials? Only to an authenticated phone.
  const t = await tftpStatus(`${Y.mac}.cfg`);
  assert.not.ok(t.ok, 'TFTP refused when the tenant requires auth');
  await setSecurity('acme', {});
});

test('per-device credentials open that device only', async () => {
  await setSecurity('acme', { auth: { mode: 'basic', username: 'acme-prov', password: 'acme-secret-1', perDevice: true } });
  const r = await ps.s.api('PATCH', `/devices/${Y.mac}`, { provisioningUsername: 'phone-y', provisioningPassword: 'device-secret-y' });
  assert.is(r.status, 200, JSON.stringify(r.body));
  const mine = `/${Y.mac}.cfg`;
  const other = `/${P.mac}-cadran.cfg`;
  const creds = { authorization: basic('phone-y', 'device-secret-y') };
  assert.is((await get(ps.httpPort, mine, { headers: creds })).status, 200);
  assert.is((await get(ps.httpPort, other, { headers: creds })).status, 401, "another device's file");
  // perDevice: the tenant-wide credentials open nothing.
  assert.is((await get(ps.httpPort, mine, { headers: { authorization: basic('acme-prov', 'acme-secret-1') } })).status, 401);
  assert.is((await get(ps.httpPort, other, { headers: { authorization: basic('acme-prov', 'acme-secret-1') } })).status, 401);
  // Per-device credentials with Digest too.
  await setSecurity('acme', { auth: { mode: 'digest', perDevice: true } });
  const first = await get(ps.httpPort, mine);
  const ch = String(first.headers['www-authenticate']);
  assert.is((await get(ps.httpPort, mine, { headers: { authorization: digest(ch, 'phone-y', 'device-secret-y', 'GET', mine) } })).status, 200);
  assert.is((await get(ps.httpPort, other, { headers: { authorization: digest(ch, 'phone-y', 'device-secret-y', 'GET', other) } })).status, 401);
  await ps.s.api('PATCH', `/devices/${Y.mac}`, { provisioningUsername: null, provisioningPassword: null });
  await setSecurity('acme', {});
});

test("URL token: serves its tenant's devices only, and only under the token", async () => {
  await setSecurity('acme', { urlToken: TOKEN_A });
  await setSecurity('globex', { urlToken: TOKEN_B });
  const file = `${Y.mac}.cfg`;
  const ok = await get(ps.httpPort, `/p/${TOKEN_A}/${file}`);
  assert.is(ok.status, 200);
  assert.ok(ok.body.toString().includes(`/p/${TOKEN_A}/`), 'links inside the file keep the token');
  assert.ok(ok.body.equals((await rendered(ps, Y.mac, file))), 'same bytes as cadran render');
  assert.is((await get(ps.httpPort, `/${file}`)).status, 404, 'not without the token');
  assert.is((await get(ps.httpPort, `/p/${TOKEN_B}/${file}`)).status, 404, "tenant B's token never serves tenant A's device");
  assert.is((await get(ps.httpPort, `/p/${TOKEN_A}/${S.mac.toUpperCase()}.xml`)).status, 404, "tenant A's token never serves tenant B's device");
  assert.is((await get(ps.httpPort, `/p/${TOKEN_B}/${S.mac.toUpperCase()}.xml`)).status, 200);
  assert.is((await get(ps.httpPort, `/p/not-a-token-at-all-123/${file}`)).status, 404);
  // Common files under a token are neutral; an unknown token gets nothing.
  assert.is((await get(ps.httpPort, `/p/${TOKEN_A}/y000000000108.cfg`)).status, 200);
  assert.is((await get(ps.httpPort, '/p/unknown-token-0123456789/y000000000108.cfg')).status, 404);
  // No token over TFTP: refused.
  const t = await tftpStatus(file);
  assert.not.ok(t.ok);
  await setSecurity('acme', {});
  await setSecurity('globex', {});
  // Once the token is removed, the token path no longer serves.
  assert.is((await get(ps.httpPort, `/p/${TOKEN_A}/${file}`)).status, 404);
});

test('token and Digest combined', async () => {
  await setSecurity('acme', { urlToken: TOKEN_A, auth: { mode: 'digest', username: 'acme-prov', password: 'acme-secret-1' } });
  const uri = `/p/${TOKEN_A}/${Y.mac}.cfg`;
  const first = await get(ps.httpPort, uri);
  assert.is(first.status, 401);
  const ch = String(first.headers['www-authenticate']);
  assert.is((await get(ps.httpPort, uri, { headers: { authorization: digest(ch, 'acme-prov', 'acme-secret-1', 'GET', uri) } })).status, 200);
  const noToken = `/${Y.mac}.cfg`;
  assert.is((await get(ps.httpPort, noToken, { headers: { authorization: digest(ch, 'acme-prov', 'acme-secret-1', 'GET', noToken) } })).status, 404);
  await setSecurity('acme', {});
});

test('IP allowlist (v4 and v6 entries) over HTTP and TFTP', async () => {
  await setSecurity('globex', { allowlist: ['127.0.0.2/32', '::1/128', '2001:db8::/32'] });
  const path = `/${S.mac.toUpperCase()}.xml`;
  const denied = await get(ps.httpPort, path);
  assert.is(denied.status, 403);
  assert.is(denied.body.toString().includes(ps.secrets[4]!), false);
  assert.is((await get(ps.httpPort, path, { from: '127.0.0.2' })).status, 200);
  assert.is((await get(ps.httpPort, path, { from: '127.0.0.3' })).status, 403);
  const t = await tftpStatus(`${S.mac.toUpperCase()}.xml`);
  assert.not.ok(t.ok, 'allowlist applies to TFTP');
  await setSecurity('globex', { allowlist: ['127.0.0.0/8'] });
  assert.is((await get(ps.httpPort, path)).status, 200);
  const t2 = await tftpStatus(`${S.mac.toUpperCase()}.xml`);
  assert.ok(t2.ok, 'allowed address, no auth: TFTP serves');
  await setSecurity('globex', {});
});

test('allowlist + Basic: both must pass', async () => {
  await setSecurity('globex', { allowlist: ['127.0.0.2'], auth: { mode: 'basic', username: 'globex-prov', password: 'globex-secret-1' } });
  const path = `/${S.mac.toUpperCase()}.xml`;
  const creds = { authorization: basic('globex-prov', 'globex-secret-1') };
  assert.is((await get(ps.httpPort, path, { headers: creds })).status, 403);
  assert.is((await get(ps.httpPort, path, { from: '127.0.0.2' })).status, 401);
  assert.is((await get(ps.httpPort, path, { from: '127.0.0.2', headers: creds })).status, 200);
  await setSecurity('globex', {});
});

test.run();
