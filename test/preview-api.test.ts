// Preview and diff through the API (issue 17): GET /devices/{mac}/files, /files/{name} (the exact
// bytes, secrets masked unless an operator or the tenant's admin asks, audited), and the diff
// against the version the phone last fetched (kept by the phone path's activity flush).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { vendorById } from '../vendors/index.ts';
import { PHONES, eventually, get, rendered, startPhoneServer, type PhoneServer } from './phone-fixtures.ts';
import { MASK, maskSecrets } from '../server/provision/preview.ts';
import { ActivityRecorder, MAX_SNAPSHOT_BYTES, type ActivityBatch } from '../server/provision/activity.ts';

const test = suite('preview and diff API');
let ps: PhoneServer;
const Y = PHONES.yealink;
const tok: Record<string, string> = {};
const files = vendorById('yealink')!.bootFiles(Y.mac, Y.model);
const own = `${Y.mac}.cfg`;

const login = async (n: string) => (await ps.s.api('POST', '/sessions', { login: n, password: `pw-${n}` }, null)).body.token as string;
const list = async (token?: string) => ps.s.api('GET', `/devices/${Y.mac}/files`, undefined, token);
const statusOf = async (name: string) => ((await list()).body.files as Array<{ name: string; status: string }>).find((f) => f.name === name)!.status;

test.before(async () => {
  ps = await startPhoneServer();
  for (const n of ['0100000001', '0100000002', '0200000001']) tok[n] = await login(n);
  assert.is((await ps.s.api('PUT', `/users/${Y.user}/keys`, [{ position: 1, type: 'line', label: 'Ligne' }])).status, 200);
});
test.after(async () => {
  await ps.close();
});

test('the list names every boot file, never fetched yet', async () => {
  const r = await list();
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(r.body.mac, '80:5e:c0:00:00:01');
  assert.equal(r.body.files.map((f: { name: string }) => f.name), files);
  for (const f of r.body.files) assert.equal([f.status, f.lastFetched], ['never-fetched', null]);
  assert.ok(r.body.files.find((f: { name: string }) => f.name === own).sensitive, 'the per-phone file carries the SIP password');
});

test('a file: the exact bytes the phone gets, secrets masked; unmasked for operators and admins only, audited', async () => {
  const exact = await rendered(ps, Y.mac, own, 'http://localhost:0/');
  const sip = ps.secrets[1]!; // Alice's SIP password
  const masked = await ps.s.api('GET', `/devices/${Y.mac}/files/${own}`);
  assert.is(masked.status, 200);
  assert.match(String(masked.headers.get('content-type')), /^text\/plain/);
  assert.is(masked.headers.get('cache-control'), 'no-store');
  assert.not.ok(String(masked.body).includes(sip), 'masked: the SIP password is not shown');
  assert.ok(String(masked.body).includes(MASK));
  // The admin of the tenant and the operator get the bytes with the password.
  for (const token of [undefined, tok['0100000001']]) {
    const full = await ps.s.api('GET', `/devices/${Y.mac}/files/${own}?secrets=true`, undefined, token);
    assert.is(full.status, 200);
    assert.ok(String(full.body).includes(sip), 'unmasked');
  }
  // The bytes are those the phone is served (under the same root).
  const served = await get(ps.httpPort, `/${own}`, { headers: { 'user-agent': Y.ua } });
  assert.is(served.status, 200);
  const viaRoot = await rendered(ps, Y.mac, own);
  assert.ok(served.body.equals(viaRoot));
  assert.ok(exact.length > 0);
  // Her own phone: Alice sees the masked file, not the passwords.
  assert.is((await ps.s.api('GET', `/devices/${Y.mac}/files/${own}`, undefined, tok['0100000002'])).status, 200);
  const refused = await ps.s.api('GET', `/devices/${Y.mac}/files/${own}?secrets=true`, undefined, tok['0100000002']);
  assert.is(refused.status, 403);
  assert.match(refused.body.error.message, /mots de passe/);
  const audit = await ps.s.api('GET', `/audit?action=device.files_secrets`);
  assert.is(audit.status, 200);
  assert.is(audit.body.entries.length, 2, 'each unmasked read is audited');
  assert.equal(audit.body.entries[0].summary, { file: own });
  assert.is((await ps.s.api('GET', `/devices/${Y.mac}/files/${own}?secrets=maybe`)).status, 422);
});

test('another tenant gets 404 for the list, a file and the diff; unknown files are 404', async () => {
  const g = tok['0200000001'];
  assert.is((await list(g)).status, 404);
  assert.is((await ps.s.api('GET', `/devices/${Y.mac}/files/${own}`, undefined, g)).status, 404);
  assert.is((await ps.s.api('GET', `/devices/${Y.mac}/files/${own}/diff`, undefined, g)).status, 404);
  assert.is((await ps.s.api('GET', `/devices/${Y.mac}/files/${own}?secrets=true`, undefined, g)).status, 404);
  const unknown = await ps.s.api('GET', `/devices/${Y.mac}/files/000000000000.cfg`);
  assert.is(unknown.status, 404);
  assert.match(unknown.body.error.message, /ne demande pas/);
  assert.is((await ps.s.api('GET', `/devices/805ec0ffff01/files`)).status, 404);
});

test('after a fetch the files are the same; a change shows as a diff against the bytes fetched', async () => {
  const since = new Date().toISOString();
  for (const f of files) assert.is((await get(ps.httpPort, `/${f}`, { headers: { 'user-agent': Y.ua } })).status, 200, f);
  // Every fetch of this loop reached the store (an earlier fetch of the same bytes may have already).
  await eventually(() => list(), (r) => r.body.files.every((f: { lastFetched: { at: string } | null; status: string }) => f.status === 'same' && f.lastFetched!.at >= since), 10_000);
  const noDiff = await ps.s.api('GET', `/devices/${Y.mac}/files/${own}/diff`);
  assert.equal([noDiff.body.status, noDiff.body.unified, noDiff.body.hunks], ['same', '', []]);
  // A key label changes: the phone has not fetched it yet.
  assert.is((await ps.s.api('PUT', `/users/${Y.user}/keys`, [{ position: 1, type: 'line', label: 'Standard' }])).status, 200);
  assert.is(await statusOf(own), 'changed');
  const d = await ps.s.api('GET', `/devices/${Y.mac}/files/${own}/diff`);
  assert.is(d.status, 200);
  assert.is(d.body.status, 'changed');
  assert.is(d.body.masked, true);
  assert.match(d.body.unified, /^--- /);
  assert.match(d.body.unified, /\n-[^\n]*Ligne/);
  assert.match(d.body.unified, /\n\+[^\n]*Standard/);
  assert.not.ok(d.body.unified.includes(ps.secrets[1]!), 'the diff masks the password too');
  assert.ok(d.body.hunks.length >= 1);
  const text = await ps.s.api('GET', `/devices/${Y.mac}/files/${own}/diff?format=unified`);
  assert.match(String(text.headers.get('content-type')), /^text\/x-diff/);
  assert.is(text.body, d.body.unified);
  const same = await ps.s.api('GET', `/devices/${Y.mac}/files/${own}?diff=last-fetched`);
  assert.equal(same.body, d.body);
  // Fetched again: the same again.
  assert.is((await get(ps.httpPort, `/${own}`, { headers: { 'user-agent': Y.ua } })).status, 200);
  await eventually(() => statusOf(own), (s) => s === 'same', 10_000);
});

test('masking: known secrets (raw and XML-escaped) and values named like passwords, old ones included', () => {
  const body = Buffer.from([
    'account.1.password = s3cr&t',
    'account.1.user_name = alice',
    'static.security.user_password = admin:OldAdmin1',
    '<reg reg.1.auth.password="olderPw" reg.1.label="Alice"/>',
    '<user_pass idx="1" perm="R">oldSnomPw</user_pass>',
    '<x note="s3cr&amp;t"/>',
    'account.2.password = ',
    'account.3.password =',
  ].join('\n'));
  const out = maskSecrets(body, ['s3cr&t']).toString();
  for (const secret of ['s3cr&t', 's3cr&amp;t', 'OldAdmin1', 'olderPw', 'oldSnomPw']) assert.not.ok(out.includes(secret), secret);
  assert.ok(out.includes('account.1.user_name = alice'), 'other values stay');
  assert.ok(out.includes('reg.1.label="Alice"'));
  assert.ok(out.includes('account.2.password = \n') && out.endsWith('account.3.password ='), 'an empty password is not shown as a masked one');
});

test('the recorder hands each served version over once, base64, the bytes of a too large file left out', async () => {
  const batches: ActivityBatch[] = [];
  const rec = new ActivityRecorder((b) => void batches.push(b));
  const f = (file: string, etag: string) => ({ mac: '805ec0000001', file, etag, root: 'http://p/', at: '2026-01-01T00:00:00.000Z' });
  const big = Buffer.alloc(MAX_SNAPSHOT_BYTES + 1, 0x41);
  rec.served(f('a.cfg', '"1"'), Buffer.from('v1'));
  rec.served(f('big.xml', '"b"'), big);
  await rec.flush();
  rec.served(f('a.cfg', '"1"'), Buffer.from('v1'));
  await rec.flush();
  rec.served(f('a.cfg', '"2"'), Buffer.from('v2'));
  await rec.flush();
  // The same bytes served for another owner (the phone given to another user) are handed over again.
  rec.served(f('a.cfg', '"2"'), Buffer.from('v2'), 'acme/0100000003');
  await rec.flush();
  rec.served(f('a.cfg', '"2"'), Buffer.from('v2'), 'acme/0100000003');
  await rec.flush();
  assert.equal(batches.map((b) => (b.snapshots ?? []).map((x) => `${x.file} ${x.etag} ${x.size} ${x.body === null ? 'null' : Buffer.from(x.body, 'base64').toString()}`)), [
    ['a.cfg "1" 2 v1', `big.xml "b" ${big.length} null`],
    [],
    ['a.cfg "2" 2 v2'],
    ['a.cfg "2" 2 v2'],
    [],
  ]);
  assert.is(batches[3]!.snapshots![0]!.owner, 'acme/0100000003');
  assert.is(batches[1]!.files!.length, 1, 'the fetch itself is still recorded');
});

test.run();
