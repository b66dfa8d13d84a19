// Phone HTTP served by two worker processes on one port (config.phoneWorkers = 2): every worker
// sees API changes at once, records activity through the primary, shares Digest nonces and
// probe blocks.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash, randomBytes } from 'node:crypto';
import { PHONES, configFile, eventually, get, rendered, startPhoneServer, type PhoneServer } from './phone-fixtures.ts';
import { scrape, valueOf } from './helpers/prometheus.ts';

let ps: PhoneServer;
// Connections are spread by the kernel: enough requests make both workers answer.
const ROUNDS = 16;

test.before(async () => {
  ps = await startPhoneServer({
    CADRAN_PHONE_WORKERS: '2',
    CADRAN_CONFIG: configFile({ probe: { unknownPerMinute: 4, blockSeconds: 60 } }),
  });
});
test.after(async () => {
  await ps.close();
});

test('both workers serve the rendered files', async () => {
  const file = `${PHONES.yealink.mac}.cfg`;
  for (let i = 0; i < ROUNDS; i++) {
    const r = await get(ps.httpPort, `/${file}`);
    assert.is(r.status, 200);
    assert.ok(r.body.equals((await rendered(ps, PHONES.yealink.mac, file))));
  }
});

test('a file rendered by one worker is served by the other without rendering it again', async () => {
  const file = `/${PHONES.snom.mac.toUpperCase()}.xml`;
  const count = async (name: string) => valueOf((await scrape(ps.s.adminUrl)).samples, name);
  const renders0 = await count('cadran_render_duration_seconds_count');
  const shared0 = await count('cadran_render_cache_shared_total');
  const first = await get(ps.httpPort, file);
  assert.is(first.status, 200);
  // The render reaches the other worker through the primary (bounded wait on the counter).
  await eventually(() => count('cadran_render_cache_shared_total'), (n) => n >= shared0 + 1);
  for (let i = 0; i < ROUNDS; i++) {
    const r = await get(ps.httpPort, file);
    assert.is(r.status, 200);
    assert.ok(r.body.equals(first.body), `fetch ${i}`);
    assert.is(r.headers.etag, first.headers.etag, 'same validator from either worker');
  }
  assert.is((await count('cadran_render_duration_seconds_count')) - renders0, 1, 'rendered once for both workers');
});

test('an API change reaches every worker before the next fetch', async () => {
  const file = `${PHONES.polycom.mac}-cadran.cfg`;
  for (let i = 0; i < ROUNDS; i++) assert.is((await get(ps.httpPort, `/${file}`)).status, 200);
  const r = await ps.s.api('PUT', `/users/${PHONES.polycom.user}/keys`, [
    { position: 1, type: 'line' },
    { position: 2, type: 'speeddial', value: '0611223344', label: 'Workers' },
  ]);
  assert.is(r.status, 200, JSON.stringify(r.body));
  const want = (await rendered(ps, PHONES.polycom.mac, file));
  for (let i = 0; i < ROUNDS; i++) {
    const after = await get(ps.httpPort, `/${file}`);
    assert.ok(after.body.equals(want), `fetch ${i} after the change`);
  }
});

test('Digest nonces from one worker are accepted by the other', async () => {
  await ps.s.api('PATCH', '/tenants/globex', { security: { auth: { mode: 'digest', username: 'gp', password: 'globex-secret-1' } } });
  const uri = `/${PHONES.snom.mac.toUpperCase()}.xml`;
  const first = await get(ps.httpPort, uri);
  assert.is(first.status, 401);
  const ch = String(first.headers['www-authenticate']);
  const nonce = /nonce="([^"]+)"/.exec(ch)![1]!;
  const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
  for (let i = 0; i < ROUNDS; i++) {
    const cnonce = randomBytes(6).toString('hex');
    const nc = (i + 1).toString(16).padStart(8, '0');
    const resp = md5(`${md5('gp:cadran:globex-secret-1')}:${nonce}:${nc}:${cnonce}:auth:${md5(`GET:${uri}`)}`);
    const auth = `Digest username="gp", realm="cadran", nonce="${nonce}", uri="${uri}", qop=auth, nc=${nc}, cnonce="${cnonce}", response="${resp}"`;
    assert.is((await get(ps.httpPort, uri, { headers: { authorization: auth } })).status, 200, `request ${i}`);
  }
  await ps.s.api('PUT', '/tenants/globex/security', {});
});

test('unknown phones and last seen reach the database through the primary', async () => {
  assert.is((await get(ps.httpPort, '/805ec0dd0001.cfg', { from: '127.0.0.20' })).status, 404);
  const list = await eventually(
    () => ps.s.api('GET', '/unknown-devices'),
    (r) => r.body.some((u: { mac: string }) => u.mac === '80:5e:c0:dd:00:01'),
  );
  assert.ok(list.body.some((u: { mac: string }) => u.mac === '80:5e:c0:dd:00:01'));
  const p = PHONES.yealink;
  assert.is((await get(ps.httpPort, `/${p.mac}-contacts.xml`, { headers: { 'user-agent': p.ua } })).status, 200);
  const dev = await eventually(
    () => ps.s.api('GET', `/devices/${p.mac}`),
    (r) => r.body.lastSeen?.file === `${p.mac}-contacts.xml`,
  );
  assert.is(dev.body.lastSeen?.file, `${p.mac}-contacts.xml`);
  assert.is(dev.body.lastSeen?.firmware, '96.86.0.100');
});

test('a probe block decided by one worker applies in all', async () => {
  const from = '127.0.0.21';
  let i = 0;
  for (; i < 40; i++) {
    const r = await get(ps.httpPort, `/805ec0ee00${String(i).padStart(2, '0')}.cfg`, { from });
    if (r.status === 429) break;
  }
  assert.ok(i < 40, 'blocked at some point');
  // The block reaches the other workers by IPC: wait (bounded) until ROUNDS requests in a row,
  // spread over the workers, are refused, then every worker refuses that address.
  for (let run = 0, until = Date.now() + 10_000; run < ROUNDS && Date.now() < until; ) {
    run = (await get(ps.httpPort, `/${PHONES.yealink.mac}.cfg`, { from })).status === 429 ? run + 1 : 0;
  }
  for (let k = 0; k < ROUNDS; k++) {
    assert.is((await get(ps.httpPort, `/${PHONES.yealink.mac}.cfg`, { from })).status, 429, `request ${k}`);
  }
  assert.is((await get(ps.httpPort, `/${PHONES.yealink.mac}.cfg`, { from: '127.0.0.22' })).status, 200);
});

test.run();
