// Phone-facing HTTP: boot sequences of the three vendors, identification, unknown phones,
// conditional requests, cache invalidation, traversal, last seen.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { vendorById } from '../vendors/index.ts';
import { PHONES, containsAny, eventually, get, rendered, startPhoneServer, type PhoneServer } from './phone-fixtures.ts';

let ps: PhoneServer;

test.before(async () => {
  ps = await startPhoneServer();
});
test.after(async () => {
  await ps.close();
});

test('each vendor boot sequence is served byte for byte as rendered', async () => {
  for (const [vendorId, p] of Object.entries(PHONES)) {
    const files = vendorById(vendorId)!.bootFiles(p.mac, p.model);
    assert.ok(files.length >= 2, `${vendorId} boot files`);
    for (const file of files) {
      const r = await get(ps.httpPort, `/${file}`, { headers: { 'user-agent': p.ua } });
      assert.is(r.status, 200, `${vendorId} ${file}`);
      assert.ok(r.body.equals((await rendered(ps, p.mac, file))), `${vendorId} ${file} bytes`);
      assert.ok(typeof r.headers.etag === 'string' && typeof r.headers['last-modified'] === 'string');
      assert.ok(String(r.headers['content-type']).length > 0);
    }
  }
});

test('files carrying a secret are private, no-store; neutral common files are not', async () => {
  const dev = await get(ps.httpPort, `/${PHONES.yealink.mac}.cfg`);
  assert.is(dev.headers['cache-control'], 'private, no-store');
  const common = await get(ps.httpPort, '/y000000000108.cfg');
  assert.is(common.status, 200);
  assert.is(common.headers['cache-control'], 'no-cache');
});

test('HEAD answers the headers only', async () => {
  const r = await get(ps.httpPort, `/${PHONES.yealink.mac}.cfg`, { method: 'HEAD' });
  assert.is(r.status, 200);
  assert.is(r.body.length, 0);
  assert.ok(Number(r.headers['content-length']) > 0);
});

test('uploads and other methods are refused', async () => {
  const r = await get(ps.httpPort, `/${PHONES.yealink.mac}-local.cfg`, { method: 'PUT' });
  assert.is(r.status, 405);
  assert.is(r.headers.allow, 'GET, HEAD');
});

test('304 with If-None-Match (ETag) and with If-Modified-Since', async () => {
  const path = `/${PHONES.snom.mac.toUpperCase()}.xml`;
  const first = await get(ps.httpPort, path);
  assert.is(first.status, 200);
  const etag = String(first.headers.etag);
  const inm = await get(ps.httpPort, path, { headers: { 'if-none-match': etag } });
  assert.is(inm.status, 304);
  assert.is(inm.body.length, 0);
  assert.is(inm.headers.etag, etag);
  assert.is(inm.headers['cache-control'], 'private, no-store', 'sensitive and still 304-able');
  const other = await get(ps.httpPort, path, { headers: { 'if-none-match': '"something-else"' } });
  assert.is(other.status, 200);
  const ims = await get(ps.httpPort, path, { headers: { 'if-modified-since': String(first.headers['last-modified']) } });
  assert.is(ims.status, 304);
  const older = new Date(Date.parse(String(first.headers['last-modified'])) - 3600_000).toUTCString();
  const imsOld = await get(ps.httpPort, path, { headers: { 'if-modified-since': older } });
  assert.is(imsOld.status, 200);
  const garbage = await get(ps.httpPort, path, { headers: { 'if-modified-since': 'yesterday-ish' } });
  assert.is(garbage.status, 200);
});

test('a change through the API invalidates the cached file (PUT keys → next fetch differs)', async () => {
  const path = `/${PHONES.yealink.mac}.cfg`;
  const before = await get(ps.httpPort, path);
  const r = await ps.s.api('PUT', `/users/${PHONES.yealink.user}/keys`, [
    { position: 1, type: 'line' },
    { position: 2, type: 'blf', value: '0100000003' },
    { position: 3, type: 'speeddial', value: '0612345678', label: 'Mobile' },
  ]);
  assert.is(r.status, 200, JSON.stringify(r.body));
  const after = await get(ps.httpPort, path);
  assert.is(after.status, 200);
  assert.not.ok(after.body.equals(before.body), 'file changed after PUT keys');
  assert.ok(after.body.equals((await rendered(ps, PHONES.yealink.mac, `${PHONES.yealink.mac}.cfg`))));
  assert.is.not(after.headers.etag, before.headers.etag);
  const stale = await get(ps.httpPort, path, { headers: { 'if-none-match': String(before.headers.etag) } });
  assert.is(stale.status, 200, 'old ETag no longer matches');
  // The BLF target's name change reaches the watcher's file too.
  await ps.s.api('PATCH', '/users/0100000003', { name: 'Robert Durand' });
  const renamed = await get(ps.httpPort, path);
  assert.ok(renamed.body.toString().includes('Robert Durand'));
});

test('unknown MAC: 404 or neutral file, never a secret, recorded in unknown-devices', async () => {
  const unknown = '805ec0999999';
  const ua = 'Yealink SIP-T46U 108.86.0.20 80:5e:c0:99:99:99';
  const answers = [
    await get(ps.httpPort, `/${unknown}.cfg`, { headers: { 'user-agent': ua } }),
    await get(ps.httpPort, `/${unknown}-contacts.xml`, { headers: { 'user-agent': ua } }),
    await get(ps.httpPort, '/y000000000108.cfg', { headers: { 'user-agent': ua } }),
    await get(ps.httpPort, `/0004f2999999.cfg`),
    await get(ps.httpPort, `/0004f2999999-cadran.cfg`),
    await get(ps.httpPort, `/snomD785-000413999999.htm`),
    await get(ps.httpPort, `/000413999999.xml`),
  ];
  assert.is(answers[0]!.status, 404);
  assert.is(answers[1]!.status, 404);
  assert.is(answers[2]!.status, 200, 'the neutral common file is served');
  for (const a of answers) {
    assert.is(containsAny(a.body, ps.secrets), null, 'no SIP password');
    assert.not.ok(/sip\.acme|sip\.globex|Alice|Gina/.test(a.body.toString()), 'no tenant data');
  }
  const list = await eventually(
    () => ps.s.api('GET', '/unknown-devices'),
    (r) => r.body.length >= 3,
  );
  const yl = list.body.find((u: { mac: string }) => u.mac === '80:5e:c0:99:99:99');
  assert.ok(yl, JSON.stringify(list.body));
  assert.is(yl.vendor, 'yealink');
  assert.is(yl.model, 'T46U');
  assert.is(yl.ip, '127.0.0.1');
  assert.ok(yl.count >= 3);
  assert.ok(list.body.some((u: { mac: string; vendor: string }) => u.mac === '00:04:f2:99:99:99' && u.vendor === 'polycom'));
  assert.ok(list.body.some((u: { mac: string; vendor: string }) => u.mac === '00:04:13:99:99:99' && u.vendor === 'snom'));
});

test('an operator claims an unknown phone: it is then served at once', async () => {
  const mac = '805ec0888888';
  const before = await get(ps.httpPort, `/${mac}.cfg`);
  assert.is(before.status, 404);
  const r = await ps.s.api('POST', '/devices', { mac: '80:5E:C0:88:88:88', model: 'T54W', tenant: 'acme', user: '0100000001' });
  assert.is(r.status, 201);
  const after = await get(ps.httpPort, `/${mac}.cfg`);
  assert.is(after.status, 200);
  assert.ok(after.body.equals((await rendered(ps, mac, `${mac}.cfg`))));
  const list = await eventually(
    () => ps.s.api('GET', '/unknown-devices'),
    (x) => !x.body.some((u: { mac: string }) => u.mac === '80:5e:c0:88:88:88'),
  );
  assert.not.ok(list.body.some((u: { mac: string }) => u.mac === '80:5e:c0:88:88:88'), 'claimed phone left the list');
});

test('a deleted device is no longer served', async () => {
  const mac = '805ec0777777';
  await ps.s.api('POST', '/devices', { mac, model: 'T54W', tenant: 'acme' });
  assert.is((await get(ps.httpPort, `/${mac}.cfg`)).status, 200);
  assert.is((await ps.s.api('DELETE', `/devices/${mac}`)).status, 204);
  assert.is((await get(ps.httpPort, `/${mac}.cfg`)).status, 404);
});

test('path traversal and paths are refused', async () => {
  const paths = [
    '/../etc/passwd',
    '/p/../../etc/passwd',
    '/%2e%2e/etc/passwd',
    '/%2e%2e%2fetc%2fpasswd',
    '/..%2f..%2fetc%2fpasswd',
    `/${PHONES.yealink.mac}.cfg/..`,
    '/etc/passwd',
    '//etc/passwd',
    '/templates/yealink/mac.cfg.hbs',
    '/%2fetc%2fpasswd',
    '/..\\..\\etc\\passwd',
    '/%c0%ae%c0%ae/etc/passwd',
    `/x/../${PHONES.yealink.mac}.cfg`,
  ];
  for (const p of paths) {
    const r = await get(ps.httpPort, p);
    assert.ok(r.status === 400 || r.status === 404, `${p} → ${r.status}`);
    assert.ok(r.body.length < 100, `${p} body`);
  }
  // Absolute-form target: served by path, same rules.
  const abs = await get(ps.httpPort, `http://127.0.0.1:${ps.httpPort}/../etc/passwd`);
  assert.ok(abs.status === 400 || abs.status === 404);
});

test('?mac= and the User-Agent identify the phone for files without a MAC in the name', async () => {
  // Snom's firmware file has no MAC: the User-Agent's MAC picks the device (no firmware set → 404,
  // but the phone is identified, which the log and the sighting show).
  const r = await get(ps.httpPort, '/snomD785.htm?mac=000413000003', { headers: { 'user-agent': PHONES.snom.ua } });
  assert.is(r.status, 200);
  await ps.s.api('PUT', `/devices/${PHONES.snom.mac}/network`, { firmware: { D785: 'http://fw.example/snomD785-10.1.200.bin' } });
  const fw = await get(ps.httpPort, '/snomD785-firmware.xml', { headers: { 'user-agent': PHONES.snom.ua } });
  assert.is(fw.status, 200);
  assert.ok(fw.body.toString().includes('fw.example'));
  const noUa = await get(ps.httpPort, '/snomD785-firmware.xml?mac=000413000003');
  assert.is(noUa.status, 200, 'identified by ?mac=');
  const anonymous = await get(ps.httpPort, '/snomD785-firmware.xml');
  assert.is(anonymous.status, 404, 'no device, no firmware URL');
});

test('last seen (time, IP, User-Agent, firmware, file) visible after the batch flush', async () => {
  const p = PHONES.polycom;
  const r = await get(ps.httpPort, `/${p.mac}-cadran.cfg`, { headers: { 'user-agent': p.ua } });
  assert.is(r.status, 200);
  const dev = await eventually(
    () => ps.s.api('GET', `/devices/${p.mac}`),
    (x) => x.body.lastSeen?.file === `${p.mac}-cadran.cfg`,
  );
  const seen = dev.body.lastSeen;
  assert.ok(seen, JSON.stringify(dev.body));
  assert.is(seen.file, `${p.mac}-cadran.cfg`);
  assert.is(seen.ip, '127.0.0.1');
  assert.is(seen.userAgent, p.ua);
  assert.is(seen.firmware, '6.4.6.2736');
  assert.is(seen.protocol, 'http');
  assert.ok(Date.now() - Date.parse(seen.at) < 60_000);
});

test.run();
