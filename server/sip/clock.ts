// Time source and timers, injected into SIP transactions and the resync pacer so tests can drive
// RFC 3261 timers with a manual clock (test/helpers/manual-clock.ts) instead of real seconds.

/** Opaque handle returned by `Timers.setTimeout`. */
export type TimerHandle = unknown;

export interface Timers {
  /** Milliseconds, monotonic enough for intervals (the system clock uses performance.now()). */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemTimers: Timers = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
