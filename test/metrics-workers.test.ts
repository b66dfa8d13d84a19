// /metrics with phone worker processes (CADRAN_PHONE_WORKERS=2): requests served by the workers
// are counted in the primary's answer (each worker is asked at the scrape and the registries are
// summed: the total equals the sum of each worker's own counts), and what a worker counted stays
// in the totals when it dies and is replaced.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import cluster, { type Worker } from 'node:cluster';
import { PHONES, get, startPhoneServer, type PhoneServer } from './phone-fixtures.ts';
import { scrape, valueOf } from './helpers/prometheus.ts';
import type { MetricsJson } from '../server/metrics.ts';

let ps: PhoneServer;
const N = 12;
const LABELS = { vendor: 'polycom', protocol: 'http', status: '200' };

test.before(async () => {
  ps = await startPhoneServer({ CADRAN_PHONE_WORKERS: '2' });
});
test.after(async () => {
  await ps.close();
});

test('requests served by the phone workers are counted in the primary /metrics', async () => {
  const before = await scrape(ps.s.adminUrl);
  assert.is(valueOf(before.samples, 'cadran_phone_workers'), 2);
  const file = `/${PHONES.polycom.mac}-cadran.cfg`;
  for (let i = 0; i < N; i++) assert.is((await get(ps.httpPort, file)).status, 200);
  const after = await scrape(ps.s.adminUrl);
  assert.is(valueOf(after.samples, 'cadran_phone_requests_total', LABELS) - valueOf(before.samples, 'cadran_phone_requests_total', LABELS), N);
  // Only the workers serve HTTP: the count can only come from them.
  const hits = valueOf(after.samples, 'cadran_render_cache_hits_total') + valueOf(after.samples, 'cadran_render_cache_misses_total');
  assert.ok(hits >= N, `cache hits and misses from the workers: ${hits}`);
  // Process metrics are summed over the three processes (a single process has less heap).
  assert.ok(valueOf(after.samples, 'process_cpu_user_seconds_total') > 0);
  assert.ok(valueOf(after.samples, 'nodejs_heap_size_used_bytes') > 0);
  assert.is(after.samples.filter((x) => x.name === 'process_start_time_seconds').length, 0, 'start times are not summed');
});

/** One worker's own count, asked directly over IPC (an id the pool does not know: left to us). */
let ownId = 1_000_000;
function ownCount(w: Worker, name: string, labels: Record<string, string>): Promise<number> {
  const id = ownId++;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker ${w.id} did not answer`)), 10_000);
    const onMessage = (m: { cadran?: string; id?: number; json?: MetricsJson }) => {
      if (m?.cadran !== 'metrics' || m.id !== id) return;
      clearTimeout(timer);
      w.off('message', onMessage);
      const values = m.json!.find((x) => x.name === name)?.values ?? [];
      resolve(values.filter((v) => Object.entries(labels).every(([k, x]) => String(v.labels[k]) === x)).reduce((a, v) => a + v.value, 0));
    };
    w.on('message', onMessage);
    w.send({ cadran: 'metrics', id });
  });
}

test('the primary answers the sum of what each worker counted, both workers having served', async () => {
  const file = `/${PHONES.polycom.mac}-cadran.cfg`;
  const live = () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);
  assert.is(live().length, 2);
  // Parallel requests until the kernel has handed connections to both workers (bounded).
  let own: number[] = [];
  for (let round = 0; round < 20; round++) {
    await Promise.all(Array.from({ length: 16 }, async () => assert.is((await get(ps.httpPort, file)).status, 200)));
    own = await Promise.all(live().map((w) => ownCount(w, 'cadran_phone_requests_total', LABELS)));
    if (own.every((n) => n > 0)) break;
  }
  assert.ok(own.every((n) => n > 0), `each worker served requests: ${own.join(', ')}`);
  const total = valueOf((await scrape(ps.s.adminUrl)).samples, 'cadran_phone_requests_total', LABELS);
  assert.is(total, own.reduce((a, n) => a + n, 0), `the total is the sum of ${own.join(' + ')}`);
});

test('a worker that dies keeps its counts in the totals', async () => {
  const file = `/${PHONES.polycom.mac}-cadran.cfg`;
  for (let i = 0; i < N; i++) assert.is((await get(ps.httpPort, file)).status, 200);
  const before = valueOf((await scrape(ps.s.adminUrl)).samples, 'cadran_phone_requests_total', LABELS);
  assert.ok(before >= 2 * N);
  const victim = Object.values(cluster.workers ?? {})[0]!;
  const gone = new Promise<void>((resolve) => victim.once('exit', () => resolve()));
  victim.process.kill('SIGKILL');
  await gone;
  // Replaced (the pool restarts it), and the totals did not go down.
  let workers = 0;
  let total = 0;
  for (let i = 0; i < 100 && workers !== 2; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const s = (await scrape(ps.s.adminUrl)).samples;
    workers = valueOf(s, 'cadran_phone_workers');
    total = valueOf(s, 'cadran_phone_requests_total', LABELS);
  }
  assert.is(workers, 2, 'the dead worker was replaced');
  assert.is(total, before, 'counts of the dead worker kept');
  assert.is((await get(ps.httpPort, file)).status, 200);
  const after = valueOf((await scrape(ps.s.adminUrl)).samples, 'cadran_phone_requests_total', LABELS);
  assert.is(after, before + 1);
});

test.run();
