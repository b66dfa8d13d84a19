// Non-INVITE client transactions over UDP (RFC 3261 §17.1.2) for the resync NOTIFY, and the
// single retry with credentials after a 401/407 (§22.2–22.3).
//
// Why not a library: the npm `sip` package (0.0.6, unmaintained since 2017) adds no
// Max-Forwards and answers 404 itself when sender and target share an address; drachtio needs
// its own C++ server, sipjs/jssip are WebSocket user agents for browsers. What we need is one
// request type, so a small transaction layer here is less code than adapting any of them.
//
// Responses are accepted only from the address the request was sent to (issue 12: a forged 401
// from anywhere, carrying the right branch, made cadran answer with a Digest computed over the
// user's SIP password). RFC 3261 §17.1.3 matches on the branch alone, which anyone who sees or
// guesses it can forge; requiring the destination's address as well costs a phone or proxy that
// answers from another address its answer (the NOTIFY then times out), which is rare and visible.
// A destination given as a name is resolved once per NOTIFY, and both sends go to that address.
import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { systemTimers } from './clock.ts';
import type { TimerHandle, Timers } from './clock.ts';
import { digestAuthorization, parseDigestChallenge } from './digest.ts';
import type { DigestCredentials } from './digest.ts';
import { buildNotify, header, hostPort, parseCSeq, parseSipMessage, topViaBranch } from './message.ts';
import type { SipResponse } from './message.ts';
import type { SipTransport } from './transport.ts';

/** Final result of a NOTIFY: the final response (after at most one auth retry), or Timer F. */
export type SipOutcome = { status: number; reason: string } | { timeout: true };

/** Start of the reason of the local 503 that stands for a transport error (§17.1.4). */
export const TRANSPORT_ERROR_REASON = 'transport error';

/** True when the outcome is the local 503 of a transport error, not an answer from the network. */
export const isTransportError = (o: SipOutcome): boolean => 'status' in o && o.status === 503 && o.reason.startsWith(TRANSPORT_ERROR_REASON);

export interface NotifyRequest {
  /** Where the datagram goes: the phone itself or the outbound proxy. */
  dest: { host: string; port: number };
  requestUri: string;
  /** Domain of our From URI (`sip:cadran@<fromDomain>`), usually the tenant's SIP domain. */
  fromDomain: string;
  event: string;
  credentials?: DigestCredentials;
}

export interface SipClientOptions {
  transport: SipTransport;
  timers?: Timers;
  /** RTT estimate T1, default 500 ms (§17.1.1.1). */
  t1?: number;
  /** Maximum retransmit interval T2, default 4 s. */
  t2?: number;
  /** Random hex source (tests may make it deterministic). */
  randomHex?: (bytes: number) => string;
}

interface Transaction {
  branch: string;
  data: Buffer;
  dest: { host: string; port: number };
  interval: number;
  proceeding: boolean;
  timerE: TimerHandle;
  timerF: TimerHandle;
  done: (r: SipResponse | 'timeout' | Error) => void;
}

/** The Via branch magic cookie of RFC 3261 §8.1.1.7. */
export const BRANCH_COOKIE = 'z9hG4bK';

export class SipClient {
  readonly #transport: SipTransport;
  readonly #timers: Timers;
  readonly #t1: number;
  readonly #t2: number;
  readonly #hex: (bytes: number) => string;
  /** Live transactions by Via branch (the CSeq method is checked on match, §17.1.3). */
  readonly #live = new Map<string, Transaction>();
  #closed = false;

  constructor(opts: SipClientOptions) {
    this.#transport = opts.transport;
    this.#timers = opts.timers ?? systemTimers;
    this.#t1 = opts.t1 ?? 500;
    this.#t2 = opts.t2 ?? 4000;
    this.#hex = opts.randomHex ?? ((n) => randomBytes(n).toString('hex'));
    this.#transport.onMessage((data, from) => this.#receive(data, from));
  }

  /** Transactions waiting for a final answer. */
  get inFlight(): number {
    return this.#live.size;
  }

  /** Sends one NOTIFY and resolves with its final outcome; never rejects on network input. */
  async notify(req: NotifyRequest): Promise<SipOutcome> {
    const host = req.dest.host;
    // An address literal is used as is, without waiting (the timers' schedule starts at once).
    const address = isIP(host) ? host : await this.#resolve(host).catch(() => null);
    if (address === null) return { status: 503, reason: `transport error to ${hostPort(host, req.dest.port)}: cannot resolve ${host}` };
    const dest = { host: address, port: req.dest.port };
    const dialog = {
      callId: `${this.#hex(12)}@cadran`,
      fromTag: this.#hex(6),
      fromUri: `sip:cadran@${req.fromDomain}`,
    };
    const send = (cseq: number, auth?: { header: 'Authorization' | 'Proxy-Authorization'; value: string }) => {
      const branch = BRANCH_COOKIE + this.#hex(10);
      const data = buildNotify({ ...dialog, requestUri: req.requestUri, local: this.#transport.local, branch, cseq, event: req.event, auth });
      return this.#run(branch, data, dest);
    };
    let res = await send(1);
    if (res === 'timeout') return { timeout: true };
    if ((res.status === 401 || res.status === 407) && req.credentials) {
      const answer = this.#answerChallenge(res, req.credentials, req.requestUri);
      if (answer) {
        res = await send(2, answer); // a new request in the same call: new branch, CSeq + 1
        if (res === 'timeout') return { timeout: true };
      }
    }
    return { status: res.status, reason: res.reason };
  }

  #resolve(host: string): Promise<string> {
    if (this.#transport.resolve) return this.#transport.resolve(host);
    return lookup(host).then((a) => a.address);
  }

  #answerChallenge(res: SipResponse, cred: DigestCredentials, uri: string) {
    const name = res.status === 401 ? 'www-authenticate' : 'proxy-authenticate';
    for (const value of res.headers.get(name) ?? []) {
      const ch = parseDigestChallenge(value);
      if (ch) {
        return {
          header: res.status === 401 ? ('Authorization' as const) : ('Proxy-Authorization' as const),
          value: digestAuthorization(ch, cred, 'NOTIFY', uri, this.#hex(8)),
        };
      }
    }
    return undefined;
  }

  /** One client transaction: Trying → (Proceeding) → final response or Timer F. */
  #run(branch: string, data: Buffer, dest: { host: string; port: number }): Promise<SipResponse | 'timeout'> {
    return new Promise((resolve, reject) => {
      if (this.#closed) return reject(new Error('SIP client is closed'));
      const t: Transaction = {
        branch,
        data,
        dest,
        interval: this.#t1,
        proceeding: false,
        timerE: undefined,
        timerF: undefined,
        done: (r) => {
          this.#timers.clearTimeout(t.timerE);
          this.#timers.clearTimeout(t.timerF);
          this.#live.delete(branch);
          if (r instanceof Error) reject(r);
          else resolve(r);
        },
      };
      this.#live.set(branch, t);
      t.timerF = this.#timers.setTimeout(() => t.done('timeout'), 64 * this.#t1);
      this.#transmit(t, true);
      this.#armE(t);
    });
  }

  #armE(t: Transaction): void {
    t.timerE = this.#timers.setTimeout(() => {
      this.#transmit(t, false);
      // §17.1.2.2: doubling up to T2 while Trying; T2 once a provisional answer was seen.
      t.interval = t.proceeding ? this.#t2 : Math.min(2 * t.interval, this.#t2);
      this.#armE(t);
    }, t.interval);
  }

  #transmit(t: Transaction, first: boolean): void {
    this.#transport.send(t.data, t.dest.host, t.dest.port).catch((err: unknown) => {
      // §17.1.4: a transport error ends the transaction; the TU treats it as a 503.
      if (first && this.#live.get(t.branch) === t) {
        const reason = `${TRANSPORT_ERROR_REASON} to ${hostPort(t.dest.host, t.dest.port)}: ${err instanceof Error ? err.message : String(err)}`;
        t.done(syntheticResponse(503, reason));
      }
    });
  }

  #receive(data: Buffer, from: { address: string; port: number }): void {
    const msg = parseSipMessage(data);
    if (!msg || msg.kind !== 'response') return; // requests sent to us and garbage are ignored
    const branch = topViaBranch(msg);
    const t = branch ? this.#live.get(branch) : undefined;
    if (!t || parseCSeq(msg)?.method !== 'NOTIFY' || header(msg, 'call-id') === undefined) return;
    // Only the destination may answer (see the top of this file).
    if (plainAddress(from.address) !== plainAddress(t.dest.host)) return;
    if (msg.status < 200) {
      if (!t.proceeding) {
        t.proceeding = true;
        t.interval = this.#t2;
      }
      return;
    }
    // Timer K (absorbing retransmitted finals) is not needed: a late duplicate finds no live
    // transaction and is dropped above.
    t.done(msg);
  }

  /** Stops all timers; pending notify() calls reject with "SIP client is closed". */
  close(): void {
    this.#closed = true;
    for (const t of [...this.#live.values()]) t.done(new Error('SIP client is closed'));
  }
}

/** `::ffff:192.0.2.1` (IPv4 on a dual-stack socket) as `192.0.2.1`; IPv6 in lower case. */
function plainAddress(a: string): string {
  const l = a.toLowerCase();
  return l.startsWith('::ffff:') && isIP(l.slice(7)) === 4 ? l.slice(7) : l;
}

function syntheticResponse(status: number, reason: string): SipResponse {
  return { kind: 'response', status, reason, headers: new Map(), body: Buffer.alloc(0) };
}
