// A minimal answering UAS on loopback, playing the phone in tests and in bench/sip-notify.ts.
// Not used by the server itself.
import dgram from 'node:dgram';
import { buildResponse, parseSipMessage } from '../../server/sip/message.ts';
import type { SipRequest } from '../../server/sip/message.ts';

export interface UasAnswer {
  status: number;
  reason: string;
  /** Extra header lines, e.g. `WWW-Authenticate: Digest realm="x", nonce="y"`. */
  headers?: string[];
}

export interface LoopbackUasOptions {
  host?: string;
  port?: number;
  /** Answers to send, in order, for each request; [] = stay silent. Default: one 200 OK. */
  answer?: (req: SipRequest, raw: Buffer) => UasAnswer[];
  /** Keep every request received in `requests` (off for benchmarks). */
  record?: boolean;
}

export interface LoopbackUas {
  host: string;
  port: number;
  /** Requests received (when `record`), with their raw bytes. */
  requests: Array<{ req: SipRequest; raw: Buffer }>;
  /** Requests received, counted always. */
  readonly count: number;
  /** Resolves with the next request (recorded or not), rejects after `ms` of real time. */
  next(ms?: number): Promise<{ req: SipRequest; raw: Buffer }>;
  close(): Promise<void>;
}

export async function startLoopbackUas(opts: LoopbackUasOptions = {}): Promise<LoopbackUas> {
  const host = opts.host ?? '127.0.0.1';
  const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  const answer: (req: SipRequest, raw: Buffer) => UasAnswer[] = opts.answer ?? (() => [{ status: 200, reason: 'OK' }]);
  const requests: Array<{ req: SipRequest; raw: Buffer }> = [];
  const waiters: Array<(r: { req: SipRequest; raw: Buffer }) => void> = [];
  let count = 0;
  socket.on('message', (raw, rinfo) => {
    const req = parseSipMessage(raw);
    if (!req || req.kind !== 'request') return;
    count++;
    if (opts.record) requests.push({ req, raw });
    waiters.shift()?.({ req, raw });
    for (const a of answer(req, raw)) {
      socket.send(buildResponse(req, a.status, a.reason, a.headers, a.status >= 200 ? 'uas' + count : undefined), rinfo.port, rinfo.address);
    }
  });
  await new Promise<void>((resolve) => socket.bind(opts.port ?? 0, host, resolve));
  return {
    host,
    port: socket.address().port,
    requests,
    get count() {
      return count;
    },
    next: (ms = 2000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(done), 1);
          reject(new Error(`no SIP request within ${ms} ms`));
        }, ms);
        const done = (r: { req: SipRequest; raw: Buffer }) => {
          clearTimeout(timer);
          resolve(r);
        };
        waiters.push(done);
      }),
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
