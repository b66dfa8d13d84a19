// Pacing on a manual clock: per-tenant rate, global cap, fairness, bounded queue, cancel.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ManualClock } from './helpers/manual-clock.ts';
import { Pacer } from '../server/resync/pacer.ts';
import type { PacerOptions } from '../server/resync/pacer.ts';

interface Item {
  key: string;
  n: number;
}

function setup(opts: Partial<PacerOptions<Item>> = {}) {
  const clock = new ManualClock();
  const sent: Array<{ at: number; item: Item }> = [];
  const pacer = new Pacer<Item>({ dispatch: (item) => sent.push({ at: clock.now(), item }), timers: clock, ...opts });
  const fill = (key: string, count: number) => pacer.enqueue(key, Array.from({ length: count }, (_, n) => ({ key, n })));
  const countBy = (key: string) => sent.filter((s) => s.item.key === key).length;
  return { clock, pacer, sent, fill, countBy };
}

test('20 per second for one tenant: one every 50 ms, in order', () => {
  const { clock, sent, fill } = setup({ rate: 20 });
  fill('t1', 100);
  clock.advanceTo(999);
  assert.is(sent.length, 20);
  clock.advanceTo(10_000);
  assert.is(sent.length, 100);
  assert.equal(sent.map((s) => s.at), Array.from({ length: 100 }, (_, i) => i * 50));
  assert.equal(sent.map((s) => s.item.n), Array.from({ length: 100 }, (_, i) => i));
});

test('a rate that does not divide 1000 keeps its long-run average', () => {
  const { clock, sent, fill } = setup({ rate: 3 });
  fill('t1', 100);
  clock.advanceTo(20_000);
  assert.ok(sent.length >= 60 && sent.length <= 61, `${sent.length} sent in 20 s at 3/s`);
});

test('global cap shared fairly between tenants', () => {
  const { clock, sent, fill, countBy } = setup({ rate: 20, globalRate: 30 });
  for (const k of ['a', 'b', 'c']) fill(k, 1000);
  clock.advanceTo(10_000);
  assert.ok(sent.length >= 299 && sent.length <= 302, `${sent.length} sent in 10 s under a global cap of 30/s`);
  for (const k of ['a', 'b', 'c']) assert.ok(Math.abs(countBy(k) - sent.length / 3) <= 1, `${k}: ${countBy(k)}`);
});

test('per-tenant rates from a lookup; a big tenant does not slow a small one', () => {
  const { clock, fill, countBy } = setup({ rate: (k) => (k === 'big' ? 50 : 5), globalRate: 1000 });
  fill('big', 5000);
  fill('small', 10);
  clock.advanceTo(1999);
  assert.is(countBy('big'), 100);
  assert.is(countBy('small'), 10);
});

test('after an idle period a tenant gets at most its burst at once', () => {
  const { clock, sent, fill } = setup({ rate: 100 });
  fill('t', 1);
  clock.advanceTo(60_000);
  fill('t', 50);
  clock.advance(0);
  assert.is(sent.length, 1 + 10, 'burst = rate / 10');
});

test('bounded queue: too many items are refused as a whole; a tenant below its fair share still gets in', () => {
  const { pacer, fill } = setup({ maxQueued: 10, maxQueuedPerKey: 8 });
  fill('a', 6);
  assert.throws(() => fill('a', 3), /queue share of this tenant is full: 6 waiting, 3 more asked, at most 8 per tenant/);
  assert.is(pacer.size, 6);
  fill('c', 4);
  assert.is(pacer.free, 0);
  // Full: b's fair share is 10 / 3 tenants = 3.
  assert.throws(() => fill('b', 4), /queue is full: 10 waiting, 4 more asked; this tenant has 0 and its fair share now is 3/);
  assert.is(pacer.size, 10);
  fill('b', 3);
  assert.is(pacer.size, 13);
});

test('per-tenant share: one tenant cannot hold more than maxQueuedPerKey', () => {
  const { pacer, fill } = setup({ maxQueued: 100, maxQueuedPerKey: 20 });
  fill('flood', 20);
  assert.throws(() => fill('flood', 1), /queue share of this tenant is full: 20 waiting, 1 more asked, at most 20 per tenant/);
  assert.is(pacer.queuedFor('flood'), 20);
  fill('other', 20);
  assert.is(pacer.size, 40);
});

test("a flood never refuses another tenant's resync (issue 12, finding 4: replayed)", () => {
  // The attack: a customer admin asks resync after resync until the queue is full. Here even the
  // per-tenant share is the whole queue, and several flooding tenants fill it together.
  const { pacer, fill, clock, countBy } = setup({ maxQueued: 1000, maxQueuedPerKey: 1000, rate: 10, globalRate: 1000 });
  let refused = 0;
  for (let i = 0; i < 200; i++) {
    try {
      fill('flood', 50);
    } catch {
      refused++;
    }
  }
  assert.ok(refused > 0, 'the flooding tenant is refused once the queue is full');
  assert.is(pacer.free, 0);
  // Every other tenant still gets its fair share: a 20-phone resync for each of 10 tenants.
  for (let t = 0; t < 10; t++) fill(`tenant-${t}`, 20);
  assert.is(pacer.queuedFor('tenant-9'), 20);
  // A second flooder cannot push the others out either.
  for (let i = 0; i < 50; i++) {
    try {
      fill('flood-2', 50);
    } catch {
      /* refused beyond its share */
    }
  }
  fill('late', 10);
  // Round-robin: the small tenants' NOTIFYs go out in their first seconds, not after the flood.
  clock.advanceTo(2_100);
  for (let t = 0; t < 10; t++) assert.is(countBy(`tenant-${t}`), 20, `tenant-${t}`);
  assert.is(countBy('late'), 10);
});

test('cancel removes waiting items only', () => {
  const { clock, pacer, sent, fill } = setup({ rate: 10 });
  fill('a', 10);
  fill('b', 10);
  clock.advanceTo(250);
  const before = sent.length;
  const removed = pacer.cancel((i) => i.key === 'a');
  assert.is(removed.length + sent.filter((s) => s.item.key === 'a').length, 10);
  clock.advanceTo(10_000);
  assert.is(sent.length, before + 10 - sent.slice(0, before).filter((s) => s.item.key === 'b').length);
  assert.ok(sent.slice(before).every((s) => s.item.key === 'b'));
  assert.is(pacer.size, 0);
});

test('a throwing dispatch is reported and pacing goes on', () => {
  const errors: unknown[] = [];
  const clock = new ManualClock();
  let n = 0;
  const pacer = new Pacer<number>({
    timers: clock,
    dispatch: (i) => {
      n++;
      if (i === 1) throw new Error('boom');
    },
    onError: (e) => errors.push(e),
  });
  pacer.enqueue('k', [0, 1, 2]);
  clock.advanceTo(1000);
  assert.is(n, 3);
  assert.is(errors.length, 1);
});

test('close drops the queue and its timer', () => {
  const { clock, pacer, fill } = setup();
  fill('a', 5);
  pacer.close();
  assert.is(clock.pending, 0);
  assert.throws(() => fill('a', 1), /closed/);
});

test.run();
