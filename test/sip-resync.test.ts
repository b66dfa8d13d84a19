// The resync engine end to end over loopback UDP: job states in the store, mixed outcomes,
// auth, restart recovery from the store, cancel, and the "config fetched again" correlation.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ManualClock } from './helpers/manual-clock.ts';
import { startLoopbackUas } from './helpers/loopback-uas.ts';
import type { LoopbackUas, UasAnswer } from './helpers/loopback-uas.ts';
import { header } from '../server/sip/message.ts';
import type { SipRequest } from '../server/sip/message.ts';
import { MemoryResyncStore } from './helpers/memory-resync-store.ts';
import { ResyncEngine } from '../server/resync/engine.ts';
import type { NewResyncJob, ResyncChange, ResyncEngineOptions } from '../server/resync/engine.ts';
import { SipClient } from '../server/sip/transaction.ts';
import { openUdpTransport } from '../server/sip/transport.ts';
import type { SipTransport } from '../server/sip/transport.ts';
import type { ResyncState } from '../server/domain/resync.ts';

/** The phone's answer is chosen by the user part of the Request-URI (`sip:<user>@...`). */
function byUser(req: SipRequest): UasAnswer[] {
  const user = /^sip:([^@]+)@/.exec(req.uri)?.[1] ?? '';
  if (user.startsWith('ok')) return [{ status: 200, reason: 'OK' }];
  if (user.startsWith('gone')) return [{ status: 481, reason: 'Subscription does not exist' }];
  if (user.startsWith('auth')) {
    return header(req, 'authorization')
      ? [{ status: 200, reason: 'OK' }]
      : [{ status: 401, reason: 'Unauthorized', headers: ['WWW-Authenticate: Digest realm="r", nonce="n", qop="auth"'] }];
  }
  return []; // "mute": never answers
}

const cleanup: Array<() => Promise<void> | void> = [];
test.after.each(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

let phone: LoopbackUas;
test.before(async () => {
  phone = await startLoopbackUas({ answer: byUser });
});
test.after(() => phone.close());

interface Rig {
  clock: ManualClock;
  store: MemoryResyncStore;
  engine: ResyncEngine;
  changes: ResyncChange[];
}

async function rig(opts: Partial<ResyncEngineOptions> & { store?: MemoryResyncStore; clock?: ManualClock } = {}): Promise<Rig> {
  const clock = opts.clock ?? new ManualClock();
  const store = opts.store ?? new MemoryResyncStore();
  const transport: SipTransport = await openUdpTransport({ bindHost: '127.0.0.1' });
  const client = new SipClient({ transport, timers: clock });
  const changes: ResyncChange[] = [];
  const engine = new ResyncEngine({ sender: client, timers: clock, now: () => clock.now(), onChange: (c) => changes.push(c), ...opts, store });
  cleanup.push(async () => {
    await engine.close();
    client.close();
    await transport.close();
  });
  return { clock, store, engine, changes };
}

const macOf = (i: number) => `80:5e:c0:00:00:${i.toString(16).padStart(2, '0')}`;
const hexOf = (i: number) => `805ec00000${i.toString(16).padStart(2, '0')}`;

function job(users: string[], extra: Partial<NewResyncJob> = {}): NewResyncJob {
  return {
    tenantId: 'acme',
    scope: { kind: 'tenant', id: 'acme' },
    targets: users.map((u, i) => ({
      deviceMac: macOf(i + 1),
      event: 'check-sync;reboot=false',
      target: { host: phone.host, port: phone.port },
      requestUri: `sip:${u}@${phone.host}:${phone.port}`,
      fromDomain: 'voip.example.net',
      credentials: u.startsWith('auth') ? { username: u, password: 'pw' } : undefined,
    })),
    ...extra,
  };
}

/** Waits (bounded) for UDP answers to be processed; the fake clock does not move meanwhile. */
async function until(cond: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`gave up waiting for ${what}`);
}

async function states(store: MemoryResyncStore, jobId: string): Promise<Record<string, ResyncState>> {
  return Object.fromEntries(((await store.getJob(jobId))?.targets ?? []).map((t) => [t.deviceMac, t.state]));
}

/** The promise's rejection message must match. */
async function rejects(p: Promise<unknown>, re: RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    assert.match(String((e as Error).message), re);
    return;
  }
  assert.unreachable(`expected a rejection matching ${re}`);
}

test('a job of three phones: queued → sent → answered, one every 50 ms at 20/s', async () => {
  const r = await rig();
  const { jobId, queued } = await r.engine.submit(job(['ok1', 'ok2', 'ok3']));
  assert.is(queued, 3);
  assert.equal(Object.values((await states(r.store, jobId))), ['queued', 'queued', 'queued']);
  r.clock.advanceTo(100);
  await r.engine.whenIdle();
  assert.equal((await states(r.store, jobId)), { [hexOf(1)]: 'answered', [hexOf(2)]: 'answered', [hexOf(3)]: 'answered' });
  const rec = (await r.store.getJob(jobId))?.targets ?? [];
  assert.equal(rec.map((t) => t.sentAt), [0, 50, 100]);
  assert.ok(rec.every((t) => t.code === 200 && t.reason === 'OK'));
  assert.equal(
    r.changes.filter((c) => c.deviceMac === hexOf(2)).map((c) => c.state),
    ['sent', 'answered'],
  );
  const [summary] = await r.store.listJobs();
  assert.is(summary.total, 3);
  assert.is(summary.counts.answered, 3);
  assert.ok(summary.finished);
});

test('mixed outcomes: 200, 481, 401 answered with credentials, and Timer F', async () => {
  const r = await rig();
  const { jobId } = await r.engine.submit(job(['ok', 'gone', 'auth', 'mute']));
  r.clock.advanceTo(150);
  await until(() => r.engine.stats().inFlight === 1, 'all but the mute phone to answer');
  r.clock.advanceTo(150 + 32_000);
  await r.engine.whenIdle();
  const rec = Object.fromEntries(((await r.store.getJob(jobId))?.targets ?? []).map((t) => [t.deviceMac, t]));
  assert.is(rec[hexOf(1)].state, 'answered');
  assert.is(rec[hexOf(2)].state, 'failed');
  assert.is(rec[hexOf(2)].code, 481);
  assert.is(rec[hexOf(2)].reason, 'Subscription does not exist');
  assert.is(rec[hexOf(3)].state, 'answered');
  assert.is(rec[hexOf(3)].code, 200);
  assert.is(rec[hexOf(4)].state, 'timeout');
  assert.is(rec[hexOf(4)].code, undefined);
  assert.is(rec[hexOf(4)].reason, 'timeout', 'a stable reason code, translated by the edges');
  const [summary] = await r.store.listJobs();
  assert.equal([summary.counts.answered, summary.counts.failed, summary.counts.timeout], [2, 1, 1]);
});

test('restart: queued and in-flight targets are sent again by a new engine over the same store', async () => {
  const store = new MemoryResyncStore();
  const clock = new ManualClock();
  const first = await rig({ store, clock, ratePerTenant: 1 });
  const { jobId } = await first.engine.submit(job(['mute', 'ok2', 'ok3', 'ok4', 'ok5']));
  clock.advanceTo(1000); // the mute phone's NOTIFY is in flight, ok2 answers
  await until(async () => (await states(store, jobId))[hexOf(2)] === 'answered', 'ok2 to answer');
  await first.engine.close(); // the process "stops" here
  assert.equal(Object.values((await states(store, jobId))), ['sent', 'answered', 'queued', 'queued', 'queued']);
  assert.equal(
    (await store.pendingTargets()).map((t) => t.deviceMac),
    [hexOf(1), hexOf(3), hexOf(4), hexOf(5)],
  );

  const second = await rig({ store, clock, ratePerTenant: 1 });
  assert.is(await second.engine.recover(), 4);
  assert.is(await second.engine.recover(), 0, 'a second recover() queues nothing twice');
  clock.advanceTo(clock.now() + 4000);
  await until(() => second.engine.stats().inFlight === 1, 'ok3..ok5 to answer');
  clock.advanceTo(clock.now() + 32_000);
  await second.engine.whenIdle();
  assert.equal(Object.values((await states(store, jobId))), ['timeout', 'answered', 'answered', 'answered', 'answered']);
  assert.equal((await store.pendingTargets()), []);
});

test('cancel: waiting targets become cancelled, the one already sent finishes, recovery skips the job', async () => {
  const r = await rig({ ratePerTenant: 1 });
  const { jobId } = await r.engine.submit(job(['ok1', 'ok2', 'ok3', 'ok4']));
  r.clock.advance(0);
  assert.is(await r.engine.cancel(jobId), 3);
  await r.engine.whenIdle();
  r.clock.advanceTo(10_000);
  assert.equal(Object.values((await states(r.store, jobId))), ['answered', 'cancelled', 'cancelled', 'cancelled']);
  assert.ok((await r.store.getJob(jobId))?.job.cancelledAt !== undefined);
  assert.is(await r.engine.recover(), 0);
  assert.is(await r.engine.cancel('no-such-job'), 0);
});

test('config fetched again: within the window after the NOTIFY, code kept; outside it, nothing', async () => {
  const r = await rig({ fetchWindowMs: 60_000 });
  const { jobId } = await r.engine.submit(job(['ok1', 'ok2']));
  r.clock.advanceTo(50);
  await r.engine.whenIdle();
  assert.is(await r.engine.markConfigFetched('80-5E-C0-00-00-01', 30_000), 1);
  assert.is(await r.engine.markConfigFetched(hexOf(2), 50 + 60_001), 0, 'too late: a periodic fetch, not our resync');
  assert.is(await r.engine.markConfigFetched('not a mac'), 0);
  await r.engine.whenIdle(); // the state writes are in
  const rec = (await r.store.getJob(jobId))?.targets ?? [];
  assert.equal(
    rec.map((t) => [t.state, t.code, t.fetchedAt]),
    [
      ['fetched', 200, 30_000],
      ['answered', 200, undefined],
    ],
  );
  assert.is(await r.engine.markConfigFetched(hexOf(1), 40_000), 0, 'fetched once per job');
});

test('a fetch while the NOTIFY is still unanswered wins over the later timeout', async () => {
  const r = await rig();
  const { jobId } = await r.engine.submit(job(['mute']));
  r.clock.advance(0);
  assert.is(await r.engine.markConfigFetched(hexOf(1), 1000), 1);
  r.clock.advanceTo(40_000);
  await r.engine.whenIdle();
  const [t] = (await r.store.getJob(jobId))?.targets ?? [];
  assert.is(t.state, 'fetched');
  assert.is(t.fetchedAt, 1000);
});

test('bad input is refused with the target and field named; nothing is stored', async () => {
  const r = await rig({ maxQueued: 2 });
  const good = job(['ok1']);
  const bad = (patch: object) => ({ ...good, targets: [{ ...good.targets[0], ...patch }] });
  await rejects(r.engine.submit(bad({ deviceMac: 'zz:zz' })), /target 1: deviceMac "zz:zz" is not a MAC address/);
  await rejects(r.engine.submit(bad({ target: { host: phone.host, port: 70000 } })), /target 1 \(805ec0000001\): target\.port/);
  await rejects(r.engine.submit(bad({ target: { host: 'a b', port: 5060 } })), /target\.host/);
  await rejects(r.engine.submit(bad({ event: 'check-sync\r\nX: y' })), /target 1 \(805ec0000001\): event/);
  await rejects(r.engine.submit(bad({ requestUri: 'tel:+33145678901' })), /requestUri/);
  await rejects(r.engine.submit(bad({ fromDomain: 'a>b' })), /fromDomain/);
  await rejects(r.engine.submit({ ...good, targets: [] }), /no device to resync/);
  await rejects(r.engine.submit(job(['ok1', 'ok2', 'ok3'])), /queue (share of this tenant )?is full/);
  assert.equal(await r.store.listJobs(), []);
  const dup = job(['ok1', 'ok2']);
  dup.targets[1].deviceMac = dup.targets[0].deviceMac.toUpperCase();
  assert.is((await r.engine.submit(dup)).queued, 1, 'the same phone twice gets one NOTIFY');
});

test.run();
