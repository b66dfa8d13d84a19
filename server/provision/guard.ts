// Probe protection: a client (IP address) that asks for many distinct unknown MACs, or fails
// provisioning authentication repeatedly, is first slowed down and then refused for a while.
// Counting is per minute and per process; a block decided in one process is announced (onBlock)
// so the other phone processes apply it too. A known phone on another address is never
// affected: everything is keyed by the client address.
import type { Logger } from '../log.ts';

export interface GuardOptions {
  /** Distinct unknown MACs (or failed authentications) per minute before a block. */
  unknownPerMinute: number;
  blockSeconds: number;
  log?: Pick<Logger, 'warn'>;
  /** Called when this process blocks an address (not for blocks applied through `block`). */
  onBlock?: (ip: string, untilMs: number) => void;
}

export type GuardVerdict = { blocked: true; retryAfterSeconds: number } | { blocked: false; delayMs: number };

interface Client {
  windowStart: number;
  unknown: Set<string>;
  authFailures: number;
  blockedUntil: number;
}

const WINDOW_MS = 60_000;
/** The slow-down starts at half the limit and grows to this at the limit. */
const MAX_DELAY_MS = 1000;
/** Bound on tracked addresses: a spoofing flood cannot grow the table without limit. */
const MAX_CLIENTS = 100_000;

export class Guard {
  readonly #clients = new Map<string, Client>();
  readonly #opts: GuardOptions;
  #lastSweep = Date.now();

  constructor(opts: GuardOptions) {
    this.#opts = opts;
  }

  check(ip: string, now = Date.now()): GuardVerdict {
    const c = this.#clients.get(ip);
    if (!c) return { blocked: false, delayMs: 0 };
    if (c.blockedUntil > now) return { blocked: true, retryAfterSeconds: Math.ceil((c.blockedUntil - now) / 1000) };
    if (now - c.windowStart >= WINDOW_MS) return { blocked: false, delayMs: 0 };
    const count = Math.max(c.unknown.size, c.authFailures);
    const half = this.#opts.unknownPerMinute / 2;
    if (count <= half) return { blocked: false, delayMs: 0 };
    return { blocked: false, delayMs: Math.min(MAX_DELAY_MS, Math.round(((count - half) / half) * MAX_DELAY_MS)) };
  }

  /**
   * Count a suspicious request: `unknown` with the unknown MAC (or token / name) it asked for —
   * the same one asked again does not count twice — or `auth` for a failed authentication.
   */
  strike(ip: string, kind: 'unknown' | 'auth', key = '', now = Date.now()): void {
    const c = this.#client(ip, now);
    if (c.blockedUntil > now) return;
    if (kind === 'unknown') {
      if (c.unknown.size <= this.#opts.unknownPerMinute) c.unknown.add(key);
    } else c.authFailures++;
    const limit = this.#opts.unknownPerMinute;
    if (c.unknown.size > limit || c.authFailures > limit) {
      const until = now + this.#opts.blockSeconds * 1000;
      this.block(ip, until);
      this.#opts.log?.warn(
        { ip, unknownMacs: c.unknown.size, authFailures: c.authFailures, blockSeconds: this.#opts.blockSeconds },
        kind === 'unknown' ? 'phone client blocked: too many unknown MACs' : 'phone client blocked: too many failed authentications',
      );
      this.#opts.onBlock?.(ip, until);
    }
  }

  /** Refuse this address until `untilMs` (a block decided here or announced by another process). */
  block(ip: string, untilMs: number, now = Date.now()): void {
    const c = this.#client(ip, now);
    c.blockedUntil = Math.max(c.blockedUntil, untilMs);
  }

  #client(ip: string, now: number): Client {
    this.#sweep(now);
    let c = this.#clients.get(ip);
    if (!c) {
      c = { windowStart: now, unknown: new Set(), authFailures: 0, blockedUntil: 0 };
      this.#clients.set(ip, c);
    } else if (now - c.windowStart >= WINDOW_MS) {
      c.windowStart = now;
      c.unknown.clear();
      c.authFailures = 0;
    }
    return c;
  }

  /** Forget clients whose window and block are over (at most once a minute). */
  #sweep(now: number): void {
    if (now - this.#lastSweep < WINDOW_MS && this.#clients.size < MAX_CLIENTS) return;
    this.#lastSweep = now;
    for (const [ip, c] of this.#clients) {
      if (c.blockedUntil <= now && now - c.windowStart >= WINDOW_MS) this.#clients.delete(ip);
    }
    // Still full after the sweep: drop the oldest windows that are not blocks.
    if (this.#clients.size >= MAX_CLIENTS) {
      for (const [ip, c] of this.#clients) {
        if (this.#clients.size < MAX_CLIENTS / 2) break;
        if (c.blockedUntil <= now) this.#clients.delete(ip);
      }
    }
  }
}
