// Token-bucket pacing: at most `rate` items per second per key (tenant) and `globalRate` in
// total, round-robin between keys so one tenant-wide resync does not starve the others, with a
// bounded queue. A 5,000-phone tenant resync at 20/s takes ~4 min instead of hitting the proxy
// with 5,000 NOTIFYs at once.
//
// The queue is shared fairly (issue 12, finding 4: one tenant filled the 100,000 places and every
// other tenant got 429 for 83 minutes). A key may hold at most `maxQueuedPerKey` items; and when
// the whole queue is full, a key still below its fair share (the global cap divided by the keys
// that have items waiting, itself included) is admitted anyway. So a flood — of one tenant or of
// several — never refuses a tenant below its share, and the queue holds at most twice the global
// cap (the fair shares sum to the cap).
import { systemTimers } from '../sip/clock.ts';
import type { TimerHandle, Timers } from '../sip/clock.ts';

export interface PacerOptions<T> {
  /** Called for each item when its turn comes; exceptions are reported to onError. */
  dispatch: (item: T) => void;
  /** Items per second per key: a number for every key, or a function of the key. Default 20. */
  rate?: number | ((key: string) => number);
  /** Items per second over all keys. Default 200. */
  globalRate?: number;
  /** Bucket size in items (how much lateness of the timer is caught up). Default rate/10, min 1. */
  burst?: (rate: number) => number;
  /** Most items that may wait at once (see the fairness rule above). Default 100,000. */
  maxQueued?: number;
  /** Most items one key may have waiting. Default: a fifth of maxQueued. */
  maxQueuedPerKey?: number;
  timers?: Timers;
  onError?: (err: unknown, item: T) => void;
}

interface Bucket {
  tokens: number;
  at: number;
  rate: number;
  burst: number;
}

interface Lane<T> {
  bucket: Bucket;
  items: T[];
  head: number;
}

export class Pacer<T> {
  readonly #opts: PacerOptions<T>;
  readonly #timers: Timers;
  readonly #lanes = new Map<string, Lane<T>>();
  readonly #global: Bucket;
  readonly #max: number;
  readonly #maxPerKey: number;
  #queued = 0;
  #timer: TimerHandle | undefined;
  #timerAt = Infinity;
  #closed = false;
  #share = 1;

  constructor(opts: PacerOptions<T>) {
    this.#opts = opts;
    this.#timers = opts.timers ?? systemTimers;
    this.#max = opts.maxQueued ?? 100_000;
    this.#maxPerKey = Math.min(this.#max, opts.maxQueuedPerKey ?? Math.max(1, Math.floor(this.#max / 5)));
    this.#global = this.#bucket(this.#globalRate());
  }

  /** Items waiting. */
  get size(): number {
    return this.#queued;
  }

  /** Room left in the queue. */
  get free(): number {
    return this.#max - this.#queued;
  }

  /** Items waiting under `key`. */
  queuedFor(key: string): number {
    const lane = this.#lanes.get(key);
    return lane ? lane.items.length - lane.head : 0;
  }

  /**
   * Why `n` more items under `key` would be refused, or null when they fit. `reserved` counts
   * items promised but not queued yet (in total, and under this key).
   */
  refusal(key: string, n: number, reserved: { total: number; key: number } = { total: 0, key: 0 }): Error | null {
    const mine = this.queuedFor(key) + reserved.key;
    if (mine + n > this.#maxPerKey) {
      return new Error(`resync queue share of this tenant is full: ${mine} waiting, ${n} more asked, at most ${this.#maxPerKey} per tenant`);
    }
    const total = this.#queued + reserved.total;
    if (total + n <= this.#max) return null;
    let keys = 0;
    for (const [k, lane] of this.#lanes) if (k !== key && lane.items.length > lane.head) keys++;
    const share = Math.floor(this.#max / (keys + 1));
    if (mine + n <= share) return null;
    return new Error(`resync queue is full: ${total} waiting, ${n} more asked; this tenant has ${mine} and its fair share now is ${share}`);
  }

  /** Queues items under `key`; throws when they are refused (nothing queued then). */
  enqueue(key: string, items: T[]): void {
    if (this.#closed) throw new Error('pacer is closed');
    const refused = this.refusal(key, items.length);
    if (refused) throw refused;
    let lane = this.#lanes.get(key);
    if (!lane) {
      lane = { bucket: this.#bucket(this.#rateOf(key)), items: [], head: 0 };
      this.#lanes.set(key, lane);
    }
    for (const item of items) lane.items.push(item); // no spread: 100,000 arguments overflow the stack
    this.#queued += items.length;
    this.#schedule(0);
  }

  /** Removes the waiting items `match` selects and returns them. */
  cancel(match: (item: T) => boolean): T[] {
    const removed: T[] = [];
    for (const lane of this.#lanes.values()) {
      const keep: T[] = [];
      for (let i = lane.head; i < lane.items.length; i++) (match(lane.items[i]) ? removed : keep).push(lane.items[i]);
      lane.items = keep;
      lane.head = 0;
    }
    this.#queued -= removed.length;
    return removed;
  }

  /** Drops everything waiting and stops the timer. */
  close(): void {
    this.#closed = true;
    this.#timers.clearTimeout(this.#timer);
    this.#lanes.clear();
    this.#queued = 0;
  }

  /**
   * Send `1/n` of every configured rate: `n` nodes share the installation's rates (each node's
   * pacer runs at its share). Buckets keep their tokens; only the refill speed changes.
   */
  setShare(n: number): void {
    const share = Number.isFinite(n) && n >= 1 ? n : 1;
    if (share === this.#share) return;
    const now = this.#timers.now();
    this.#share = share;
    this.#refill(this.#global, now);
    this.#global.rate = this.#globalRate();
    for (const [key, lane] of this.#lanes) {
      this.#refill(lane.bucket, now);
      lane.bucket.rate = this.#rateOf(key);
    }
    if (this.#queued > 0) this.#schedule(0);
  }

  /** The share of the rates this pacer sends at (1: all of it). */
  get share(): number {
    return this.#share;
  }

  #globalRate(): number {
    return (this.#opts.globalRate ?? 200) / this.#share;
  }

  #rateOf(key: string): number {
    const r = typeof this.#opts.rate === 'function' ? this.#opts.rate(key) : (this.#opts.rate ?? 20);
    return (Number.isFinite(r) && r > 0 ? r : 20) / this.#share;
  }

  #bucket(rate: number): Bucket {
    const burst = Math.max(1, this.#opts.burst ? this.#opts.burst(rate) : Math.floor(rate / 10));
    // Starts with one token: the first item goes at once, the rest at the steady rate.
    return { tokens: 1, at: this.#timers.now(), rate, burst };
  }

  #refill(b: Bucket, now: number): void {
    b.tokens = Math.min(b.burst, b.tokens + ((now - b.at) * b.rate) / 1000);
    b.at = now;
  }

  /** Milliseconds until bucket `b` holds one token. */
  #wait(b: Bucket): number {
    return b.tokens >= 1 ? 0 : ((1 - b.tokens) * 1000) / b.rate;
  }

  #schedule(ms: number): void {
    if (this.#closed) return;
    const at = this.#timers.now() + ms;
    if (this.#timer !== undefined && this.#timerAt <= at) return;
    this.#timers.clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Infinity;
      this.#pump();
    }, ms);
  }

  #pump(): void {
    const now = this.#timers.now();
    this.#refill(this.#global, now);
    let progress = true;
    while (progress && this.#global.tokens >= 1) {
      progress = false;
      for (const [key, lane] of this.#lanes) {
        if (this.#global.tokens < 1) break;
        this.#refill(lane.bucket, now);
        if (lane.head >= lane.items.length || lane.bucket.tokens < 1) continue;
        const item = lane.items[lane.head++];
        lane.bucket.tokens -= 1;
        this.#global.tokens -= 1;
        this.#queued -= 1;
        progress = true;
        if (lane.head > 1024 && lane.head * 2 > lane.items.length) {
          lane.items = lane.items.slice(lane.head);
          lane.head = 0;
        }
        // Round robin: the lane that just sent goes to the back.
        this.#lanes.delete(key);
        this.#lanes.set(key, lane);
        try {
          this.#opts.dispatch(item);
        } catch (err) {
          this.#opts.onError?.(err, item);
        }
        if (this.#closed) return;
      }
    }
    let next = Infinity;
    for (const [key, lane] of this.#lanes) {
      if (lane.head >= lane.items.length) {
        // An idle lane is forgotten once its bucket is full again (no credit is lost or gained).
        this.#refill(lane.bucket, now);
        if (lane.bucket.tokens >= lane.bucket.burst) this.#lanes.delete(key);
        continue;
      }
      next = Math.min(next, Math.max(this.#wait(lane.bucket), this.#wait(this.#global)));
    }
    if (next < Infinity) this.#schedule(Math.max(1, Math.ceil(next)));
  }
}
