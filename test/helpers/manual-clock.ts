// A clock that only moves when told to, for the SIP transaction and resync pacer tests.
import type { TimerHandle, Timers } from '../../server/sip/clock.ts';

interface Scheduled {
  id: number;
  at: number;
  fn: () => void;
}

/**
 * A clock that only moves when told to. Timers due at the same instant run in the order they
 * were scheduled; a timer scheduled while advancing runs in the same advance if it falls due.
 */
export class ManualClock implements Timers {
  #now: number;
  #seq = 0;
  #queue: Scheduled[] = [];

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const entry = { id: ++this.#seq, at: this.#now + Math.max(0, ms), fn };
    this.#queue.push(entry);
    return entry.id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#queue = this.#queue.filter((e) => e.id !== handle);
  }

  /** Number of timers still scheduled. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Time of the next timer, or null when none is scheduled. */
  nextAt(): number | null {
    return this.#queue.reduce<number | null>((min, e) => (min === null || e.at < min ? e.at : min), null);
  }

  /** Moves the clock forward by `ms`, running every timer that falls due on the way. */
  advance(ms: number): void {
    this.advanceTo(this.#now + ms);
  }

  advanceTo(target: number): void {
    for (;;) {
      let next: Scheduled | undefined;
      for (const e of this.#queue) if (e.at <= target && (!next || e.at < next.at || (e.at === next.at && e.id < next.id))) next = e;
      if (!next) break;
      const run = next;
      this.#queue = this.#queue.filter((e) => e !== run);
      this.#now = Math.max(this.#now, run.at);
      run.fn();
    }
    this.#now = Math.max(this.#now, target);
  }
}
