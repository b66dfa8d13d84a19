// The phone-facing edge under attack and on a multi-address host (issue 12, findings 6, 7, 13 and
// the low ones of this area), replayed over real HTTP and TFTP:
//   - forged UDP sources cannot block an address for HTTP or its provisioned phones;
//   - distinct Host headers cannot grow the rendered-file cache;
//   - links in files point where the phone reached cadran (TFTP local address + HTTP port,
//     HTTP Host, else the connection's address), never `localhost`;
//   - a replayed Digest Authorization header gets nothing;
//   - vendors' shared files are not listed as unknown phones.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import dgram from 'node:dgram';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { tftpGet, TftpRemoteError } from './helpers/tftp-client.ts';
import { OP, encodeRequest } from '../server/phone/tftp-packets.ts';
import { createPhoneProcess } from '../server/phone/process.ts';
import { silentLogger } from '../server/log.ts';
import { PHONES, eventually, get, rendered, startPhoneServer, type PhoneServer } from './phone-fixtures.ts';

let ps: PhoneServer;
const Y = PHONES.yealink;
const S = PHONES.snom;

test.before(async () => {
  // TFTP on two loopback addresses, as on a host with two addresses (one socket per address).
  ps = await startPhoneServer({ CADRAN_TFTP_HOST: '127.0.0.1,127.0.0.20' });
});
test.after(async () => {
  await ps.close();
});

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function tftp(file: string, host = '127.0.0.1', from?: string): Promise<{ ok: true; data: Buffer } | { ok: false; code: number }> {
  try {
    const r = await tftpGet({ host, port: ps.tftpPort, file, retransmitMs: 1000, retries: 2, ...(from ? { bindAddress: from } : {}) });
    return { ok: true, data: r.data };
  } catch (e) {
    if (e instanceof TftpRemoteError) return { ok: false, code: e.code };
    throw e;
  }
}

test('35 TFTP requests for unknown MACs from a forged source: HTTP from that address and its phones are still served', async () => {
  const victim = '127.0.0.12';
  // The attacker never sees the answers: it only writes datagrams with the victim's address (from
  // as many source ports: one request per transfer ID, as a real flood does).
  const forged = await Promise.all(
    Array.from({ length: 35 }, async () => {
      const sock = dgram.createSocket('udp4');
      sock.on('error', () => {});
      await new Promise<void>((resolve) => sock.bind(0, victim, resolve));
      return sock;
    }),
  );
  for (let i = 0; i < 35; i++) {
    forged[i]!.send(encodeRequest(OP.RRQ, `805ec0dd${String(i).padStart(4, '0')}.cfg`, 'octet'), ps.tftpPort, '127.0.0.1');
    await pause(3);
  }
  // TFTP probes from that address are refused now…
  const probe = await eventually(() => tftp('805ec0ddff00.cfg', '127.0.0.1', victim), (r) => !r.ok && r.code === 2, 10_000);
  assert.equal(probe, { ok: false, code: 2 }, 'TFTP probes from the address are refused');
  for (const sock of forged) sock.close();
  // …but HTTP is not affected at all,
  assert.is((await get(ps.httpPort, `/${Y.mac}.cfg`, { from: victim })).status, 200);
  assert.is((await get(ps.httpPort, '/805ec0ddff01.cfg', { from: victim })).status, 404, 'HTTP probes are judged on HTTP evidence');
  // and the provisioned phones behind that address keep getting their own files over TFTP.
  const own = await tftp(`${S.mac.toUpperCase()}.xml`, '127.0.0.1', victim);
  assert.ok(own.ok, 'a provisioned phone is served');
});

test('files fetched over TFTP link to the address the request reached with the HTTP port, never localhost', async () => {
  const file = `${Y.mac}.cfg`;
  for (const address of ['127.0.0.20', '127.0.0.1']) {
    const t = await tftp(file, address);
    assert.ok(t.ok, `TFTP via ${address}`);
    if (!t.ok) continue;
    const text = t.data.toString();
    assert.ok(text.includes(`http://${address}:${ps.httpPort}/${Y.mac}-contacts.xml`), text.split('\n').filter((l) => l.includes('http')).join('\n'));
    assert.not.ok(text.includes('localhost'));
    // The same bytes as HTTP asked under that address.
    const http = await get(ps.httpPort, `/${file}`, { headers: { host: `${address}:${ps.httpPort}` } });
    assert.ok(http.body.equals(t.data), `TFTP and HTTP bytes differ for ${address}`);
  }
});

test('HTTP without a Host header: links use the address and port the connection reached', async () => {
  const body = await new Promise<string>((resolve, reject) => {
    const sock = connect(ps.httpPort, '127.0.0.1', () => sock.write(`GET /${Y.mac}.cfg HTTP/1.0\r\n\r\n`));
    let out = '';
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => (out += d));
    sock.on('end', () => resolve(out));
    sock.on('error', reject);
  });
  assert.match(body, /^HTTP\/1\.1 200/);
  assert.ok(body.includes(`http://127.0.0.1:${ps.httpPort}/${Y.mac}-contacts.xml`));
  assert.not.ok(body.includes('localhost'));
});

test('20,000 requests with distinct Host headers do not grow the rendered-file cache', async () => {
  // A phone process of our own, to read its cache.
  const phone = createPhoneProcess({
    config: ps.s.app.config,
    defaults: ps.s.app.defaults,
    log: silentLogger,
    store: ps.s.app.store,
    templates: ps.s.app.templates,
    changes: ps.s.app.changes,
    digestSecret: randomBytes(32),
    sink: () => {},
  });
  const http = await phone.listen(true);
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const fetchAs = (path: string, host: string) =>
    new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: http.port, path, agent, headers: { host } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
  try {
    // The phones' own name, used before and during the flood.
    assert.is(await fetchAs(`/${Y.mac}.cfg`, 'prov.example.test'), 200);
    assert.is(await fetchAs('/y000000000096.cfg', 'prov.example.test'), 200);
    const N = 10_000;
    for (let i = 0; i < N; i += 100) {
      const batch: Array<Promise<number>> = [];
      for (let j = i; j < i + 100; j++) {
        batch.push(fetchAs('/y000000000096.cfg', `h${j}.attacker.example`), fetchAs(`/${Y.mac}.cfg`, `d${j}.attacker.example:8080`));
      }
      const statuses = await Promise.all(batch);
      assert.ok(statuses.every((s) => s === 200));
      if (i % 2000 === 0) await fetchAs(`/${Y.mac}.cfg`, 'prov.example.test');
    }
    const stats = phone.service.cacheStats();
    assert.ok(stats.entries <= 8, `cache entries after ${2 * N} distinct Hosts: ${stats.entries}`);
    assert.ok(stats.bytes < 200_000, `cache bytes: ${stats.bytes}`);
  } finally {
    agent.destroy();
    await http.close();
    phone.stop();
  }
});

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

test('Digest: a replayed Authorization header gets nothing; the next nonce-count works', async () => {
  const sec = await ps.s.api('PATCH', '/tenants/acme', { security: { auth: { mode: 'digest', username: 'acme-prov', password: 'acme-secret-1' } } });
  assert.is(sec.status, 200);
  try {
    const uri = `/${Y.mac}.cfg`;
    const first = await get(ps.httpPort, uri);
    assert.is(first.status, 401);
    const nonce = /nonce="([^"]+)"/.exec(String(first.headers['www-authenticate']))![1]!;
    const ha1 = md5('acme-prov:cadran:acme-secret-1');
    const auth = (nc: string, qop = true): string => {
      const cnonce = randomBytes(6).toString('hex');
      if (!qop) return `Digest username="acme-prov", realm="cadran", nonce="${nonce}", uri="${uri}", response="${md5(`${ha1}:${nonce}:${md5(`GET:${uri}`)}`)}"`;
      const response = md5(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${md5(`GET:${uri}`)}`);
      return `Digest username="acme-prov", realm="cadran", nonce="${nonce}", uri="${uri}", qop=auth, nc=${nc}, cnonce="${cnonce}", response="${response}"`;
    };
    const captured = auth('00000001');
    assert.is((await get(ps.httpPort, uri, { headers: { authorization: captured } })).status, 200, 'the phone');
    const replay = await get(ps.httpPort, uri, { headers: { authorization: captured } });
    assert.is(replay.status, 401, 'the same header again (a replay)');
    assert.match(String(replay.headers['www-authenticate']), /stale=true/, 'a real phone just retries with the fresh nonce');
    assert.not.ok(replay.body.toString().includes('sip'), 'nothing of the file');
    assert.is((await get(ps.httpPort, uri, { headers: { authorization: auth('00000002') } })).status, 200, 'the next count');
    assert.is((await get(ps.httpPort, uri, { headers: { authorization: auth('00000003') } })).status, 200);
    assert.is((await get(ps.httpPort, uri, { headers: { authorization: auth('00000002') } })).status, 401, 'an old count');
  } finally {
    await ps.s.api('PUT', '/tenants/acme/security', {});
  }
});

test("vendors' shared and boot files are never listed as unknown phones", async () => {
  const shared = ['y000000000123.cfg', 'y000000000000.boot', 'y000000000096.cfg', '000000000000.cfg', '000000000000-directory.xml', '000000000000-license.cfg', 'snomD785.htm', 'snomD785-firmware.xml'];
  for (const f of shared) {
    await get(ps.httpPort, `/${f}`, { from: '127.0.0.14' });
    await tftp(f, '127.0.0.1', '127.0.0.14');
  }
  // A real unknown phone as a marker: once it is listed, the batch has been written.
  await get(ps.httpPort, '/805ec0abcdef.cfg', { from: '127.0.0.14' });
  const list = await eventually(
    () => ps.s.api('GET', '/unknown-devices'),
    (r) => r.body.some((u: { mac: string }) => u.mac === '80:5e:c0:ab:cd:ef'),
  );
  const fromThere = list.body.filter((u: { ip: string }) => u.ip === '127.0.0.14').map((u: { mac: string }) => u.mac);
  assert.equal(fromThere, ['80:5e:c0:ab:cd:ef']);
});

test.run();
