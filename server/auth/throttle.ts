// Slows repeated login failures: each failure for a login or an address adds delay before the
// answer, and past a limit the pair is refused for a while. Kept in memory, bounded in size.

export interface ThrottleOptions {
  /** Failures before delays start. */
  freeFailures: number;
  /** Failures after which attempts are refused until the window passes. */
  lockAfter: number;
  windowMs: number;
  maxDelayMs: number;
  maxEntries: number;
}

const DEFAULTS: ThrottleOptions = { freeFailures: 3, lockAfter: 20, windowMs: 15 * 60_000, maxDelayMs: 4_000, maxEntries: 50_000 };

interface Entry {
  failures: number;
  first: number;
}

export class FailureThrottle {
  private readonly entries = new Map<string, Entry>();
  private readonly opts: ThrottleOptions;

  constructor(opts: Partial<ThrottleOptions> = {}) {
    this.opts = { ...DEFAULTS, ...opts };
  }

  private entry(key: string, now: number): Entry | undefined {
    const e = this.entries.get(key);
    if (e && now - e.first > this.opts.windowMs) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  /** Delay to apply before answering this attempt, or 'locked'. */
  check(keys: string[], now = Date.now()): number | 'locked' {
    let worst = 0;
    for (const k of keys) worst = Math.max(worst, this.entry(k, now)?.failures ?? 0);
    if (worst >= this.opts.lockAfter) return 'locked';
    if (worst < this.opts.freeFailures) return 0;
    return Math.min(this.opts.maxDelayMs, 250 * 2 ** (worst - this.opts.freeFailures));
  }

  fail(keys: string[], now = Date.now()): void {
    if (this.entries.size > this.opts.maxEntries) this.entries.clear();
    for (const k of keys) {
      const e = this.entry(k, now) ?? { failures: 0, first: now };
      e.failures++;
      this.entries.set(k, e);
    }
  }

  succeed(keys: string[]): void {
    for (const k of keys) this.entries.delete(k);
  }
}
