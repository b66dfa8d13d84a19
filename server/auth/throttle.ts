// Login throttling, decided BEFORE any password comparison (issue 12, findings 1 and 14).
//
// Every attempt first reserves its place: it is counted as a failure at once, synchronously, so
// 150 parallel guesses see each other — the 4th waits, the 11th is refused without a comparison.
// A success refunds its reservation; a comparison that never ran (hashing queue full) is refunded
// too. Three counters, over a window of 15 minutes:
//   - account + address: growing delays from the 4th attempt (250 ms, 500 ms … 4 s), refused past
//     10. This is what stops one attacker on one account; it touches no one else.
//   - address, across accounts: delays from the 11th attempt, refused past 30, so one address
//     cannot try a few passwords on every account either. IPv6 clients count per /64 (one
//     customer's prefix), IPv4-mapped addresses as IPv4.
//   - account, across addresses: a delay only (up to 2 s), never a refusal, and none for an
//     address that logged in to this account before: guesses from a botnet are slowed while an
//     outsider can never lock the real user out — from her own address she is never refused.
// There is no hard lock of an account. State is in memory (per process), bounded in size: the
// oldest entries go first.
import { isIPv4, isIPv6 } from 'node:net';

export interface ThrottleOptions {
  windowMs: number;
  /** Per account and address: attempts without delay, and the budget past which attempts are refused. */
  pairFree: number;
  pairBudget: number;
  /** Per address, across accounts. */
  addressFree: number;
  addressBudget: number;
  /** Per account, across addresses: delay only. */
  accountFree: number;
  accountMaxDelayMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** How long an address stays "familiar" to an account after a successful login. */
  familiarMs: number;
  /** Bound on tracked counters (and on familiar pairs). */
  maxEntries: number;
}

export const THROTTLE_DEFAULTS: ThrottleOptions = {
  windowMs: 15 * 60_000,
  pairFree: 3,
  pairBudget: 10,
  addressFree: 10,
  addressBudget: 30,
  accountFree: 10,
  accountMaxDelayMs: 2_000,
  baseDelayMs: 250,
  maxDelayMs: 4_000,
  familiarMs: 30 * 24 * 3600_000,
  maxEntries: 100_000,
};

export type Attempt =
  | { refused: true; retryAfterSeconds: number }
  | {
      refused: false;
      /** Wait this long before comparing. */
      delayMs: number;
      /** The comparison ran: success refunds the reservation and makes the address familiar. */
      settle(ok: boolean): void;
      /** No comparison ran (e.g. hashing queue full): the reservation is given back. */
      cancel(): void;
    };

interface Counter {
  count: number;
  first: number;
}

/** The part of an address that identifies one client: IPv4 as is, IPv6 by its /64. */
export function clientKey(address: string): string {
  let a = address.trim();
  if (a.startsWith('::ffff:') && isIPv4(a.slice(7))) a = a.slice(7);
  if (isIPv4(a) || !isIPv6(a)) return a.slice(0, 64);
  const [head = '', tail = ''] = a.split('%')[0]!.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  // An embedded IPv4 tail counts for two groups; only the first four groups matter here.
  const groups = a.includes('::') ? [...h, ...Array(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t] : h;
  return `${groups.slice(0, 4).map((g) => (parseInt(g, 16) || 0).toString(16)).join(':')}::/64`;
}

export class LoginThrottle {
  readonly opts: ThrottleOptions;
  readonly #counters = new Map<string, Counter>();
  readonly #familiar = new Map<string, number>();

  constructor(opts: Partial<ThrottleOptions> = {}) {
    this.opts = { ...THROTTLE_DEFAULTS, ...opts };
  }

  /** Reserve an attempt of `login` from `address`: refused, or the delay to wait first. */
  reserve(login: string, address: string, now = Date.now()): Attempt {
    const o = this.opts;
    const client = clientKey(address);
    const account = login.slice(0, 200);
    const keys = { pair: `p\n${account}\n${client}`, address: `a\n${client}`, account: `u\n${account}` };
    const pair = this.#current(keys.pair, now);
    const addr = this.#current(keys.address, now);
    if (pair.count >= o.pairBudget || addr.count >= o.addressBudget) {
      const until = Math.max(pair.count >= o.pairBudget ? pair.first : 0, addr.count >= o.addressBudget ? addr.first : 0) + o.windowMs;
      return { refused: true, retryAfterSeconds: Math.max(1, Math.ceil((until - now) / 1000)) };
    }
    const acct = this.#current(keys.account, now);
    const familiar = (this.#familiar.get(`${account}\n${client}`) ?? -Infinity) > now - o.familiarMs;
    const taken = [keys.pair, keys.address, ...(familiar ? [] : [keys.account])];
    // This attempt's number under each counter, counting itself.
    const delay = Math.max(
      this.#delay(pair.count + 1, o.pairFree, o.maxDelayMs),
      this.#delay(addr.count + 1, o.addressFree, o.maxDelayMs),
      familiar ? 0 : this.#delay(acct.count + 1, o.accountFree, o.accountMaxDelayMs),
    );
    for (const k of taken) this.#bump(k, now);
    let done = false;
    const refund = (ks: string[]): void => {
      for (const k of ks) this.#refund(k);
    };
    return {
      refused: false,
      delayMs: delay,
      settle: (ok) => {
        if (done) return;
        done = true;
        if (!ok) return;
        this.#counters.delete(keys.pair);
        refund(taken.filter((k) => k !== keys.pair));
        this.#remember(`${account}\n${client}`, now);
      },
      cancel: () => {
        if (done) return;
        done = true;
        refund(taken);
      },
    };
  }

  /** Counters kept (tests, metrics). */
  get size(): number {
    return this.#counters.size;
  }

  #delay(n: number, free: number, max: number): number {
    if (n <= free) return 0;
    return Math.min(max, this.opts.baseDelayMs * 2 ** Math.min(20, n - free - 1));
  }

  #current(key: string, now: number): Counter {
    const c = this.#counters.get(key);
    if (!c || now - c.first > this.opts.windowMs) return { count: 0, first: now };
    return c;
  }

  #bump(key: string, now: number): void {
    const c = this.#counters.get(key);
    if (c && now - c.first <= this.opts.windowMs) {
      c.count++;
      return;
    }
    this.#counters.delete(key);
    this.#counters.set(key, { count: 1, first: now });
    this.#trim(this.#counters);
  }

  #refund(key: string): void {
    const c = this.#counters.get(key);
    if (!c) return;
    if (--c.count <= 0) this.#counters.delete(key);
  }

  #remember(key: string, now: number): void {
    this.#familiar.delete(key);
    this.#familiar.set(key, now);
    this.#trim(this.#familiar);
  }

  /** Drop the oldest tenth when over the bound (Map iteration follows insertion order). */
  #trim(map: Map<string, unknown>): void {
    if (map.size <= this.opts.maxEntries) return;
    let drop = Math.ceil(this.opts.maxEntries / 10);
    for (const k of map.keys()) {
      if (drop-- <= 0) break;
      map.delete(k);
    }
  }
}
