// Probe protection: a client (IP address) that asks for many distinct unknown MACs, or fails
// provisioning authentication repeatedly, is first slowed down and then refused for a while.
// Counting is per minute and per process; a block decided in one process is announced (onBlock)
// so the other phone processes apply it too. A known phone on another address is never
// affected: everything is keyed by the client address.
//
// Evidence is kept apart by how much the source address can be trusted (issue 12, finding 6):
//   - TCP (HTTP): the address completed a handshake, it is really the client's. Such evidence
//     blocks the address for everything, HTTP and TFTP.
//   - UDP (TFTP): anyone can forge the source of a datagram, so 35 forged requests could
//     otherwise block the address of an office full of phones. UDP evidence only slows and
//     refuses TFTP requests that do not name a provisioned phone (probes), is never relayed to
//     the HTTP workers, and the caller never applies it to a provisioned phone's own files
//     (`spoofable` in the verdict).
// Unknown MACs from `trustedNetworks` never count: a site whose phones reach cadran through one
// NAT address, plugged in before their MACs were imported, would otherwise block itself (30
// unknown MACs a minute, per phone process). Failed authentications count everywhere.
import type { BlockList } from 'node:net';
import type { Logger } from '../log.ts';
import { allowed, compileAllowlist } from './security.ts';

export interface GuardOptions {
  /** Distinct unknown MACs (or failed authentications) per minute before a block. */
  unknownPerMinute: number;
  blockSeconds: number;
  /** Addresses and CIDR ranges whose unknown MACs never count (see the top of this file). */
  trustedNetworks?: readonly string[];
  log?: Pick<Logger, 'warn'>;
  /** Called when this process blocks an address on TCP evidence (not for relayed blocks, never for UDP). */
  onBlock?: (ip: string, untilMs: number) => void;
}

/** `spoofable`: the verdict rests on UDP evidence only (a forged source could have caused it). */
export type GuardVerdict =
  | { blocked: true; retryAfterSeconds: number; spoofable: boolean }
  | { blocked: false; delayMs: number; spoofable: boolean };

interface Evidence {
  unknown: Set<string>;
  authFailures: number;
  blockedUntil: number;
}

interface Client {
  windowStart: number;
  tcp: Evidence;
  udp: Evidence;
}

const WINDOW_MS = 60_000;
/** The key of an unknown-MAC strike (tokens and file names have a prefix). */
const MAC_KEY = /^[0-9a-f]{12}$/;
/** The slow-down starts at half the limit and grows to this at the limit. */
const MAX_DELAY_MS = 1000;
/** Bound on tracked addresses: a spoofing flood cannot grow the table without limit. */
const MAX_CLIENTS = 100_000;

export class Guard {
  readonly #clients = new Map<string, Client>();
  readonly #opts: GuardOptions;
  readonly #trusted: BlockList | null;
  #lastSweep = Date.now();

  constructor(opts: GuardOptions) {
    this.#opts = opts;
    this.#trusted = opts.trustedNetworks?.length ? compileAllowlist(opts.trustedNetworks) : null;
  }

  /** The verdict for a request from `ip` over TCP (HTTP) or UDP (`udp`: TFTP). */
  check(ip: string, now = Date.now(), udp = false): GuardVerdict {
    const c = this.#clients.get(ip);
    if (!c) return { blocked: false, delayMs: 0, spoofable: false };
    if (c.tcp.blockedUntil > now) return { blocked: true, retryAfterSeconds: Math.ceil((c.tcp.blockedUntil - now) / 1000), spoofable: false };
    if (udp && c.udp.blockedUntil > now) return { blocked: true, retryAfterSeconds: Math.ceil((c.udp.blockedUntil - now) / 1000), spoofable: true };
    if (now - c.windowStart >= WINDOW_MS) return { blocked: false, delayMs: 0, spoofable: false };
    const tcpDelay = this.#delay(c.tcp);
    const udpDelay = udp ? this.#delay(c.udp) : 0;
    return udpDelay > tcpDelay ? { blocked: false, delayMs: udpDelay, spoofable: true } : { blocked: false, delayMs: tcpDelay, spoofable: false };
  }

  /**
   * Count a suspicious request: `unknown` with the unknown MAC (or token / name) it asked for —
   * the same one asked again does not count twice — or `auth` for a failed authentication.
   * `udp`: seen in a datagram, whose source may be forged.
   */
  strike(ip: string, kind: 'unknown' | 'auth', key = '', now = Date.now(), udp = false): void {
    // Only unknown MACs (phones not imported yet): guessed URL tokens and file names count everywhere.
    if (kind === 'unknown' && this.#trusted && MAC_KEY.test(key) && allowed(this.#trusted, ip)) return;
    const c = this.#client(ip, now);
    const e = udp ? c.udp : c.tcp;
    if (e.blockedUntil > now || c.tcp.blockedUntil > now) return;
    if (kind === 'unknown') {
      if (e.unknown.size <= this.#opts.unknownPerMinute) e.unknown.add(key);
    } else e.authFailures++;
    const limit = this.#opts.unknownPerMinute;
    if (e.unknown.size > limit || e.authFailures > limit) {
      const until = now + this.#opts.blockSeconds * 1000;
      e.blockedUntil = until;
      const why = kind === 'unknown' ? 'too many unknown MACs' : 'too many failed authentications';
      this.#opts.log?.warn(
        { ip, unknownMacs: e.unknown.size, authFailures: e.authFailures, blockSeconds: this.#opts.blockSeconds, evidence: udp ? 'udp' : 'tcp' },
        udp ? `TFTP probes refused from this address: ${why} (provisioned phones still served, HTTP not affected)` : `phone client blocked: ${why}`,
      );
      if (!udp) this.#opts.onBlock?.(ip, until);
    }
  }

  /** Refuse this address until `untilMs` (a TCP-evidence block decided here or announced by another process). */
  block(ip: string, untilMs: number, now = Date.now()): void {
    const c = this.#client(ip, now);
    c.tcp.blockedUntil = Math.max(c.tcp.blockedUntil, untilMs);
  }

  #delay(e: Evidence): number {
    const count = Math.max(e.unknown.size, e.authFailures);
    const half = this.#opts.unknownPerMinute / 2;
    if (count <= half) return 0;
    return Math.min(MAX_DELAY_MS, Math.round(((count - half) / half) * MAX_DELAY_MS));
  }

  #client(ip: string, now: number): Client {
    this.#sweep(now);
    let c = this.#clients.get(ip);
    const fresh = (): Evidence => ({ unknown: new Set(), authFailures: 0, blockedUntil: 0 });
    if (!c) {
      c = { windowStart: now, tcp: fresh(), udp: fresh() };
      this.#clients.set(ip, c);
    } else if (now - c.windowStart >= WINDOW_MS) {
      c.windowStart = now;
      for (const e of [c.tcp, c.udp]) {
        e.unknown.clear();
        e.authFailures = 0;
      }
    }
    return c;
  }

  /** Forget clients whose window and blocks are over (at most once a minute). */
  #sweep(now: number): void {
    if (now - this.#lastSweep < WINDOW_MS && this.#clients.size < MAX_CLIENTS) return;
    this.#lastSweep = now;
    const over = (c: Client): boolean => c.tcp.blockedUntil <= now && c.udp.blockedUntil <= now;
    for (const [ip, c] of this.#clients) {
      if (over(c) && now - c.windowStart >= WINDOW_MS) this.#clients.delete(ip);
    }
    // Still full after the sweep: drop the oldest windows that are not blocks (UDP blocks, which
    // a forger can create from any address, go first).
    if (this.#clients.size >= MAX_CLIENTS) {
      for (const [ip, c] of this.#clients) {
        if (this.#clients.size < MAX_CLIENTS / 2) break;
        if (c.tcp.blockedUntil <= now) this.#clients.delete(ip);
      }
    }
  }
}
