// GET /metrics on the admin listener: Prometheus text whose counters move with what the server
// does — phone requests (HTTP and TFTP) by vendor, protocol and status, the rendered-file cache,
// render time, TFTP transfers and retransmissions, resync NOTIFY outcomes, import lines, probe
// blocks — plus process metrics; labels never come from request data. (Phone worker processes:
// metrics-workers.test.ts; the bearer token: metrics-token.test.ts.)
import { connect } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer, seedTwoTenants, type TestServer } from './helpers/server.ts';
import { PHONES, configFile, get } from './phone-fixtures.ts';
import { makeImportsFeature, phoneFeature, resyncFeature } from '../server/features.ts';
import { startLoopbackUas, type LoopbackUas } from './helpers/loopback-uas.ts';
import { tftpGet, TftpRemoteError } from './helpers/tftp-client.ts';
import { rawPeer } from './tftp-fixtures.ts';
import { OP, encodeError, encodeRequest } from '../server/phone/tftp-packets.ts';
import { scrape, valueOf, type Sample } from './helpers/prometheus.ts';
import { vendors } from '../vendors/index.ts';

let s: TestServer;
let uas: LoopbackUas;
let httpPort: number;
let tftpPort: number;
const PROBE_LIMIT = 2;

test.before(async () => {
  s = await startTestServer({
    features: [phoneFeature, makeImportsFeature(), resyncFeature],
    env: { CADRAN_LOG_LEVEL: 'silent', CADRAN_CONFIG: configFile({ probe: { unknownPerMinute: PROBE_LIMIT, blockSeconds: 60 } }) },
  });
  uas = await startLoopbackUas();
  await seedTwoTenants(s);
  await s.api('PATCH', '/tenants/acme', { sipProxy: '127.0.0.1', sipPort: uas.port });
  for (const p of Object.values(PHONES)) {
    const r = await s.api('POST', '/devices', { mac: p.mac, model: p.model, tenant: p.tenant, user: p.user });
    if (r.status !== 201) throw new Error(`seed ${p.mac}: ${r.status}`);
  }
  httpPort = s.running.phone!.httpPort;
  tftpPort = s.running.phone!.tftpPort;
});
test.after(async () => {
  await uas.close();
  await s.close();
});

/** Sends raw bytes on a fresh connection and waits until the server closes it (bounded). */
function rawExchange(port: number, raw: string): Promise<void> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1', () => sock.end(Buffer.from(raw, 'latin1')));
    const t = setTimeout(() => sock.destroy(), 3000);
    sock.on('data', () => {});
    sock.on('error', () => {});
    sock.on('close', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

const samples = async (): Promise<Sample[]> => {
  const r = await scrape(s.adminUrl);
  assert.is(r.status, 200, r.text);
  return r.samples;
};
/** What `act` added to each named sample. */
async function delta(act: () => Promise<unknown>, ...which: Array<[string, Record<string, string>?]>): Promise<number[]> {
  const before = await samples();
  await act();
  const after = await samples();
  return which.map(([name, labels]) => valueOf(after, name, labels) - valueOf(before, name, labels));
}

test('Prometheus text with the cadran metrics and the process metrics', async () => {
  const r = await scrape(s.adminUrl);
  assert.is(r.status, 200);
  assert.match(r.type ?? '', /^text\/plain; version=0\.0\.4/);
  for (const name of [
    'cadran_phone_requests_total',
    'cadran_render_cache_hits_total',
    'cadran_render_cache_misses_total',
    'cadran_render_cache_shared_total',
    'cadran_render_duration_seconds',
    'cadran_tftp_transfers_total',
    'cadran_tftp_retransmissions_total',
    'cadran_resync_notifies_total',
    'cadran_import_lines_total',
    'cadran_probe_blocks_total',
    'cadran_phone_workers',
    'process_cpu_user_seconds_total',
    'process_resident_memory_bytes',
    'nodejs_heap_size_used_bytes',
  ]) {
    assert.match(r.text, new RegExp(`^# TYPE ${name} `, 'm'), name);
  }
  assert.is(valueOf(r.samples, 'cadran_phone_workers'), 0, 'phones served by the main process');
});

test('HTTP requests count by vendor, protocol and status; the cache and render time move', async () => {
  const p = PHONES.yealink;
  const file = `/${p.mac}-contacts.xml`;
  const [ok200, notFound, notAllowed, misses, hits, renders] = await delta(
    async () => {
      assert.is((await get(httpPort, file)).status, 200); // first fetch: rendered
      assert.is((await get(httpPort, file)).status, 200); // then from the cache
      assert.is((await get(httpPort, '/no-such-file.bin')).status, 404);
      assert.is((await get(httpPort, file, { method: 'POST' })).status, 405);
    },
    ['cadran_phone_requests_total', { vendor: 'yealink', protocol: 'http', status: '200' }],
    ['cadran_phone_requests_total', { vendor: 'unknown', protocol: 'http', status: '404' }],
    ['cadran_phone_requests_total', { vendor: 'unknown', protocol: 'http', status: '405' }],
    ['cadran_render_cache_misses_total'],
    ['cadran_render_cache_hits_total'],
    ['cadran_render_duration_seconds_count'],
  );
  assert.equal([ok200, notFound, notAllowed], [2, 1, 1]);
  assert.is(misses, 1, 'the first fetch rendered');
  assert.is(hits, 1, 'the second came from the cache');
  assert.is(renders, 1, 'one render timed');
  const after = await samples();
  assert.ok(valueOf(after, 'cadran_render_duration_seconds_sum') > 0);
  // A histogram: cumulative buckets ending at +Inf, which holds every render.
  const buckets = after.filter((x) => x.name === 'cadran_render_duration_seconds_bucket');
  assert.ok(buckets.length >= 5, `buckets: ${buckets.length}`);
  for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i]!.value >= buckets[i - 1]!.value, 'cumulative');
  assert.is(buckets.at(-1)!.labels.le, '+Inf');
  assert.is(buckets.at(-1)!.value, valueOf(after, 'cadran_render_duration_seconds_count'));
});

test('hostile request data never becomes a label value', async () => {
  const weird = ['/%00%ff.cfg', '/' + 'a'.repeat(300) + '.cfg', '/y000000000000.cfg?mac=zz', '/snomD785-ZZZZZZZZZZZZ.htm', '/../../etc/passwd'];
  for (const path of weird) await get(httpPort, path, { headers: { 'user-agent': 'Yealink SIP-T54W evil"} 1 fake_metric 9', host: 'x"y' } });
  // Bytes no well-behaved client sends: a bare LF inside a header, a made-up method and version.
  const before = await samples();
  for (const raw of ['GET /805ec0000001.cfg HTTP/1.1\r\nHost: a\r\nUser-Agent: x\n fake_metric{a="b"} 1\r\n\r\n', 'BREW /pot HTTP/9.9\r\n\r\n', `GET / HTTP/1.1\r\nX: ${'a'.repeat(20_000)}\r\n\r\n`]) {
    await rawExchange(httpPort, raw);
  }
  const malformed = await samples();
  const refusedByParser = ['400', '431'].map((status) => valueOf(malformed, 'cadran_phone_requests_total', { protocol: 'http', status }) - valueOf(before, 'cadran_phone_requests_total', { protocol: 'http', status }));
  assert.ok(refusedByParser[0]! >= 1 && refusedByParser[1] === 1, `malformed requests counted: ${refusedByParser.join(', ')}`);
  const vendorIds = new Set([...vendors.map((v) => v.id), 'unknown']);
  const statuses = new Set(['200', '304', '400', '401', '403', '404', '405', '408', '429', '431', '500', '503', 'other']);
  const rows = (await samples()).filter((x) => x.name === 'cadran_phone_requests_total');
  assert.ok(rows.length > 0);
  for (const r of rows) {
    assert.equal(Object.keys(r.labels).sort(), ['protocol', 'status', 'vendor']);
    assert.ok(vendorIds.has(r.labels.vendor!), r.labels.vendor);
    assert.ok(['http', 'https', 'tftp'].includes(r.labels.protocol!), r.labels.protocol);
    assert.ok(statuses.has(r.labels.status!), r.labels.status);
  }
  assert.not.match((await scrape(s.adminUrl)).text, /fake_metric/);
});

test('a TFTP transfer, a refusal and a retransmission are counted', async () => {
  const p = PHONES.yealink;
  const [tftp200, complete, refused] = await delta(
    async () => {
      const got = await tftpGet({ host: '127.0.0.1', port: tftpPort, file: `${p.mac}.cfg` });
      assert.ok(got.data.length > 0);
      const err = await tftpGet({ host: '127.0.0.1', port: tftpPort, file: 'no-such-file.bin' }).catch((e: unknown) => e);
      assert.instance(err, TftpRemoteError);
    },
    ['cadran_phone_requests_total', { vendor: 'yealink', protocol: 'tftp', status: '200' }],
    ['cadran_tftp_transfers_total', { outcome: 'complete' }],
    ['cadran_tftp_transfers_total', { outcome: 'refused' }],
  );
  assert.equal([tftp200, complete, refused], [1, 1, 1]);

  // A client that never acknowledges block 1 (timeout option: 1 s) gets it again, then gives up.
  const [retrans, clientError] = await delta(
    async () => {
      const peer = await rawPeer();
      try {
        peer.send(encodeRequest(OP.RRQ, `${p.mac}.cfg`, 'octet', { timeout: 1 }), tftpPort);
        const oack = await peer.next(3000);
        assert.ok(oack && oack.msg.readUInt16BE(0) === OP.OACK, 'OACK first');
        const again = await peer.next(4000); // not acknowledged: the OACK comes again
        assert.ok(again && again.msg.readUInt16BE(0) === OP.OACK, 'OACK sent again');
        peer.send(encodeError(0, 'gave up'), again.port);
        // The server ends the transfer when the ERROR arrives; wait until it is counted.
        for (let i = 0; i < 50; i++) {
          if (valueOf(await samples(), 'cadran_tftp_transfers_total', { outcome: 'client-error' }) > 0) break;
          await new Promise((r) => setTimeout(r, 50));
        }
      } finally {
        peer.close();
      }
    },
    ['cadran_tftp_retransmissions_total'],
    ['cadran_tftp_transfers_total', { outcome: 'client-error' }],
  );
  assert.ok(retrans >= 1, `retransmissions counted: ${retrans}`);
  assert.is(clientError, 1);
});

test('a resync NOTIFY is counted when sent and when answered', async () => {
  const [sent, answered] = await delta(
    async () => {
      const r = await s.api('POST', `/devices/${PHONES.yealink.mac}/resync`);
      assert.is(r.status, 202, JSON.stringify(r.body));
      for (let i = 0; i < 100; i++) {
        const job = (await s.api('GET', `/resync-jobs/${r.body.id}`)).body;
        if (job.finished) break;
        await new Promise((res) => setTimeout(res, 50));
      }
    },
    ['cadran_resync_notifies_total', { outcome: 'sent' }],
    ['cadran_resync_notifies_total', { outcome: 'answered' }],
  );
  assert.equal([sent, answered], [1, 1]);
});

test('import lines are counted by outcome, written or not', async () => {
  const csv = 'mac;model;tenant;label\n805ec0ee7001;T54W;acme;One\nnot-a-mac;T54W;acme;Two\n';
  const post = (query: string) =>
    fetch(`${s.adminUrl}/api/v1/devices/import${query}`, { method: 'POST', headers: { authorization: `Bearer ${s.operatorToken}`, 'content-type': 'text/csv' }, body: csv });
  const [dryCreated, dryRejected, created, rejected] = await delta(
    async () => {
      assert.is((await post('?dryRun=true')).status, 200);
      assert.is((await post('?mode=skip-invalid')).status, 200);
    },
    ['cadran_import_lines_total', { kind: 'devices', outcome: 'created', written: 'false' }],
    ['cadran_import_lines_total', { kind: 'devices', outcome: 'rejected', written: 'false' }],
    ['cadran_import_lines_total', { kind: 'devices', outcome: 'created', written: 'true' }],
    ['cadran_import_lines_total', { kind: 'devices', outcome: 'rejected', written: 'true' }],
  );
  assert.equal([dryCreated, dryRejected, created, rejected], [1, 1, 1, 1]);
});

test('a probe block is counted once, the requests it refuses as 429', async () => {
  const from = '127.0.0.41';
  const [blocks, refused] = await delta(
    async () => {
      let last = 0;
      for (let i = 0; i < PROBE_LIMIT + 3 && last !== 429; i++) last = (await get(httpPort, `/805ec0ab00${String(i).padStart(2, '0')}.cfg`, { from })).status;
      assert.is(last, 429);
      assert.is((await get(httpPort, `/${PHONES.snom.mac}.xml`, { from })).status, 429);
    },
    ['cadran_probe_blocks_total'],
    ['cadran_phone_requests_total', { protocol: 'http', status: '429' }],
  );
  assert.is(blocks, 1);
  assert.ok(refused >= 2, String(refused));
});

test.run();
