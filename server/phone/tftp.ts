// Phone-facing TFTP listener: read requests only, files come from a PhoneFileProvider.
//
// Why not the `tftp` package (node-tftp 0.1.2) from the design card: it runs on Node 20, but a
// single 1-byte datagram sent to a transfer port throws an uncaught RangeError in
// IncomingRequest._onMessage and kills the process; it never checks the source of packets on a
// transfer port (RFC 1350 transfer IDs), so anyone can abort another phone's transfer; it drops
// the RFC 2349 `timeout` option; it path.normalize()s names (so `x/../y` silently becomes `y`
// instead of being refused) and answers write requests with error 0. Fixing that would have meant
// replacing its request parsing and its transfer socket handling, i.e. almost all of it, through
// private fields. So the protocol lives here (tftp-packets.ts, tftp-transfer.ts); node-tftp's
// client is still used in the tests as an independent implementation.

import dgram from 'node:dgram';
import type { RemoteInfo, Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { PhoneFileAnswer, PhoneFileProvider } from '../provision/types.ts';
import { OP, TFTP_ERR, encodeError, encodeOack, optionNumber, parseRequest } from './tftp-packets.ts';
import type { TftpRequest } from './tftp-packets.ts';
import { checkTftpFileName } from './tftp-filename.ts';
import { OutgoingTransfer } from './tftp-transfer.ts';
import type { TransferEnd } from './tftp-transfer.ts';

export type { PhoneFileAnswer, PhoneFileProvider, PhoneFileRequest } from '../provision/types.ts';

export interface TftpLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface TftpTuning {
  /** Largest blksize granted (RFC 2348 allows 8..65464). Default 65464: the client chooses. */
  maxBlockSize?: number;
  /** Largest windowsize granted (RFC 7440). Default 64. */
  maxWindowSize?: number;
  /** Retransmission timeout when the client did not negotiate one. Default 1000 ms. */
  timeoutMs?: number;
  /** Retransmissions before a silent client is given up. Default 5. */
  retries?: number;
  /** Transfers (including requests waiting for the provider) served at once. Default 512. */
  maxTransfers?: number;
}

export interface TftpServerOptions {
  host: string;
  port: number;
  provider: PhoneFileProvider;
  logger?: TftpLogger;
  tuning?: TftpTuning;
}

export interface TftpServer {
  port: number;
  close(): Promise<void>;
}

const silent: TftpLogger = { info() {}, warn() {} };

// 404 → "File not found"; the other refusals are access violations (RFC 1350 error codes).
function errorCodeFor(status: Exclude<PhoneFileAnswer['status'], 200>): number {
  return status === 404 ? TFTP_ERR.NOT_FOUND : TFTP_ERR.ACCESS;
}

/** netascii (RFC 764): LF → CR LF, CR → CR NUL. */
function toNetascii(body: Buffer): Buffer {
  const out: number[] = [];
  for (const b of body) {
    if (b === 0x0a) out.push(0x0d, 0x0a);
    else if (b === 0x0d) out.push(0x0d, 0x00);
    else out.push(b);
  }
  return Buffer.from(out);
}

interface Negotiated {
  blksize: number;
  windowsize: number;
  timeoutMs: number;
  oack: Record<string, number> | null;
}

/** RFC 2347/2348/2349/7440: grant what we accept, silently ignore the rest. */
function negotiate(req: TftpRequest, size: number, t: Required<TftpTuning>): Negotiated {
  const n: Negotiated = { blksize: 512, windowsize: 1, timeoutMs: t.timeoutMs, oack: null };
  const oack: Record<string, number> = {};
  for (const [name, value] of req.options) {
    const v = optionNumber(value);
    if (v === null) continue;
    if (name === 'blksize' && v >= 8) n.blksize = oack.blksize = Math.min(v, t.maxBlockSize);
    else if (name === 'windowsize' && v >= 1) n.windowsize = oack.windowsize = Math.min(v, t.maxWindowSize);
    else if (name === 'timeout' && v >= 1 && v <= 255) {
      oack.timeout = v;
      n.timeoutMs = v * 1000;
    } else if (name === 'tsize' && size > 0) {
      // A read request sends 0 and gets the size back. Not for an empty file: curl (7.88) rejects
      // "tsize 0" in an OACK as illegal, and leaving an option out is always allowed (RFC 2347).
      oack.tsize = size;
    }
  }
  if (Object.keys(oack).length > 0) n.oack = oack;
  return n;
}

/** Warnings about garbage are rate-limited so a flood cannot flood the log too. */
function rateLimited(logger: TftpLogger, perWindow: number, windowMs: number): (obj: object, msg: string) => void {
  let windowStart = 0;
  let count = 0;
  let suppressed = 0;
  return (obj, msg) => {
    const now = Date.now();
    if (now - windowStart >= windowMs) {
      if (suppressed > 0) logger.warn({ suppressed }, 'tftp: further malformed packets not logged');
      windowStart = now;
      count = 0;
      suppressed = 0;
    }
    if (count++ < perWindow) logger.warn(obj, msg);
    else suppressed++;
  };
}

export async function startTftpServer(opts: TftpServerOptions): Promise<TftpServer> {
  const logger = opts.logger ?? silent;
  const tuning: Required<TftpTuning> = {
    maxBlockSize: 65464,
    maxWindowSize: 64,
    timeoutMs: 1000,
    retries: 5,
    maxTransfers: 512,
    ...opts.tuning,
  };
  const family = isIPv6(opts.host) ? 'udp6' : 'udp4';
  const main = dgram.createSocket(family);
  // Key "address|port": one transfer per client transfer ID, so a retransmitted RRQ is not served twice.
  const active = new Map<string, OutgoingTransfer | 'pending'>();
  let closed = false;
  const warnGarbage = rateLimited(logger, 20, 10_000);

  const reply = (rinfo: RemoteInfo, code: number, message: string): void => {
    main.send(encodeError(code, message), rinfo.port, rinfo.address);
  };

  const onDatagram = (msg: Buffer, rinfo: RemoteInfo): void => {
    const remote = `${rinfo.address}:${rinfo.port}`;
    if (msg.length < 2) return warnGarbage({ remote, length: msg.length }, 'tftp: datagram too short, ignored');
    const op = msg.readUInt16BE(0);
    if (op === OP.ERROR) return; // never answer an error: two peers could ping-pong forever
    if (op === OP.DATA || op === OP.ACK || op === OP.OACK) {
      warnGarbage({ remote, opcode: op }, 'tftp: transfer packet on the request port');
      return reply(rinfo, TFTP_ERR.UNKNOWN_TID, 'unknown transfer ID');
    }
    if (op !== OP.RRQ && op !== OP.WRQ) {
      warnGarbage({ remote, opcode: op }, 'tftp: unknown opcode');
      return reply(rinfo, TFTP_ERR.ILLEGAL_OP, `illegal TFTP operation: unknown opcode ${op}`);
    }
    const req = parseRequest(msg);
    if (typeof req === 'string') {
      warnGarbage({ remote, problem: req }, 'tftp: malformed request');
      return reply(rinfo, TFTP_ERR.ILLEGAL_OP, `malformed request: ${req}`);
    }
    const name = checkTftpFileName(req.rawName);
    const shownName = name.ok ? name.file : req.rawName.toString('latin1').replace(/[^\x20-\x7e]/g, '?').slice(0, 100);
    const refuse = (code: number, reason: string): void => {
      reply(rinfo, code, reason);
      logger.info({ file: shownName, remote, status: 'refused', tftpError: code, reason, bytes: 0, durationMs: 0 }, 'tftp request refused');
    };
    if (req.opcode === OP.WRQ) return refuse(TFTP_ERR.ACCESS, 'this server is read-only: write requests are refused');
    if (req.mode !== 'octet' && req.mode !== 'netascii') {
      return refuse(TFTP_ERR.ILLEGAL_OP, `transfer mode "${req.mode}" is not supported (use octet or netascii)`);
    }
    if (!name.ok) return refuse(name.code, name.reason);
    const key = `${rinfo.address}|${rinfo.port}`;
    if (active.has(key)) return; // the client repeated its request while we are answering it
    if (active.size >= tuning.maxTransfers) return refuse(TFTP_ERR.UNDEFINED, 'server busy, try again later');
    active.set(key, 'pending');
    serve(req, name.file, rinfo, key).catch((err: unknown) => {
      // Only a bug can get here; the slot is freed so the client can try again.
      if (active.get(key) === 'pending') active.delete(key);
      logger.warn({ file: name.file, remote, err: err instanceof Error ? err.message : String(err) }, 'tftp: request handling failed');
    });
  };

  const serve = async (req: TftpRequest, file: string, rinfo: RemoteInfo, key: string): Promise<void> => {
    const started = process.hrtime.bigint();
    const remote = `${rinfo.address}:${rinfo.port}`;
    const ms = (): number => Number((process.hrtime.bigint() - started) / 1000n) / 1000;
    const done = (status: number | string, extra: object): void => {
      active.delete(key);
      logger.info({ file, remote, status, durationMs: ms(), ...extra }, 'tftp request');
    };
    let answer: PhoneFileAnswer;
    try {
      answer = await opts.provider({ file, remoteAddress: rinfo.address, protocol: 'tftp' });
    } catch (err) {
      if (!closed) main.send(encodeError(TFTP_ERR.UNDEFINED, 'internal server error'), rinfo.port, rinfo.address);
      logger.warn({ file, remote, err: err instanceof Error ? err.message : String(err) }, 'tftp: file provider failed');
      return done(500, { bytes: 0 });
    }
    if (closed) return done('server-closed', { bytes: 0 });
    if (answer.status !== 200) {
      const code = errorCodeFor(answer.status);
      main.send(encodeError(code, answer.reason), rinfo.port, rinfo.address);
      return done(answer.status, { tftpError: code, reason: answer.reason, bytes: 0 });
    }
    const body = req.mode === 'netascii' ? toNetascii(answer.body) : answer.body;
    const n = negotiate(req, body.length, tuning);
    // A fresh socket per transfer: its port is the server's transfer ID (RFC 1350 section 4).
    const sock: Socket = dgram.createSocket(family);
    sock.once('error', (err) => {
      sock.close();
      done(200, { outcome: 'socket-error', detail: err.message, bytes: 0 });
    });
    sock.bind(0, opts.host, () => sock.connect(rinfo.port, rinfo.address, onConnected));
    // Connected to the client's transfer ID: the kernel drops datagrams from anyone else, sends
    // skip the per-packet address lookup, and an ICMP "port unreachable" from a phone that went
    // away ends the transfer at once instead of after all retransmissions.
    const onConnected = (): void => {
      sock.removeAllListeners('error');
      if (closed) {
        sock.close();
        return done('server-closed', { bytes: 0 });
      }
      const transfer = new OutgoingTransfer(
        sock,
        { address: rinfo.address, port: rinfo.port },
        body,
        { blksize: n.blksize, windowsize: n.windowsize, timeoutMs: n.timeoutMs, retries: tuning.retries, oack: n.oack && encodeOack(n.oack) },
        (end: TransferEnd) => {
          const extra = { bytes: end.bytes, size: body.length, outcome: end.outcome, mode: req.mode, options: n.oack, blksize: n.blksize, windowsize: n.windowsize };
          done(200, end.detail ? { ...extra, detail: end.detail } : extra);
        },
      );
      active.set(key, transfer);
      transfer.start();
    };
  };

  main.on('message', (msg, rinfo) => {
    // Belt and braces: whatever a datagram triggers, the listener must survive it.
    try {
      onDatagram(msg, rinfo);
    } catch (err) {
      logger.warn({ remote: `${rinfo.address}:${rinfo.port}`, err: err instanceof Error ? err.message : String(err) }, 'tftp: datagram handling failed');
    }
  });

  await new Promise<void>((resolve, reject) => {
    main.once('error', reject);
    main.bind(opts.port, opts.host, () => {
      main.off('error', reject);
      resolve();
    });
  });
  main.on('error', (err) => logger.warn({ err: err.message }, 'tftp: socket error'));
  const port = main.address().port;
  logger.info({ host: opts.host, port }, 'tftp listening');

  return {
    port,
    close: async () => {
      if (closed) return;
      closed = true;
      for (const t of active.values()) if (t !== 'pending') t.abort('server shutting down');
      await new Promise<void>((resolve) => main.close(() => resolve()));
      // Let the transfers' sockets close (they close on the next turn of the loop).
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}
