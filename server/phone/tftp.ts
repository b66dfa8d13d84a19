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
import { networkInterfaces } from 'node:os';
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
  /** Of those, from one client address. Default 32 (a site's phones behind one NAT address). */
  maxPerClient?: number;
  /**
   * Largest `timeout` option acknowledged, in seconds. RFC 2349 allows 1–255 and says the server
   * acknowledges the value asked or leaves the option out: above this bound it is left out and
   * the default retransmission timeout applies. Default 10.
   */
  maxTimeoutSeconds?: number;
  /**
   * Whole-transfer limit. Default: 30 s plus 200 ms per window of blocks, at most 10 minutes (a
   * 100 KB file in 512-byte lock-step blocks over a 100 ms path takes 20 s).
   */
  transferDeadlineMs?: number;
  /**
   * When every slot is taken, a transfer whose client has not acknowledged anything for this long
   * is dropped to make room (a phone acknowledges within one round trip; a forged or abandoned
   * request never does). Default 1000 ms.
   */
  evictUnconfirmedAfterMs?: number;
}

export interface TftpServerOptions {
  /**
   * Where to listen: one address, a comma-separated list, or a wildcard — `0.0.0.0` for every
   * IPv4 address of the host, `::` for every address. See `listenAddresses` for why a wildcard
   * becomes one socket per address.
   */
  host: string;
  port: number;
  provider: PhoneFileProvider;
  logger?: TftpLogger;
  /**
   * Called once per read request when it ends (counters): `status` is the provider's (200 when a
   * transfer ran, with `outcome` and `retransmissions` in `detail`), 'refused' for a request
   * refused before the provider, 'server-closed', or 500.
   */
  onEnd?: (status: number | string, detail: { outcome?: string; retransmissions?: number }) => void;
  tuning?: TftpTuning;
  /** The host's addresses, for a wildcard `host` (default: os.networkInterfaces()). */
  interfaceAddresses?: () => string[];
  /** How often a wildcard listener looks for addresses added or removed. Default 30 s; 0: never. */
  rescanMs?: number;
}

export interface TftpServer {
  port: number;
  /** The local addresses listened on (one socket each). */
  addresses(): string[];
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
    else if (name === 'timeout' && v >= 1 && v <= Math.min(255, t.maxTimeoutSeconds)) {
      // Above the bound the option is left out (RFC 2349 lets the server decline it): a client
      // asking 255 s must not hold a slot for 255 s × retries.
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
function rateLimited(log: (obj: object, msg: string) => void, perWindow: number, windowMs: number, what: string): (obj: object, msg: string) => void {
  let windowStart = 0;
  let count = 0;
  let suppressed = 0;
  return (obj, msg) => {
    const now = Date.now();
    if (now - windowStart >= windowMs) {
      if (suppressed > 0) log({ suppressed }, `tftp: further ${what} not logged`);
      windowStart = now;
      count = 0;
      suppressed = 0;
    }
    if (count++ < perWindow) log(obj, msg);
    else suppressed++;
  };
}

/** Every usable address of the host's interfaces (IPv6 link-local ones need a scope: left out). */
export function hostInterfaceAddresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family === 'IPv6' && (a.scopeid ?? 0) !== 0) continue;
      out.push(a.address);
    }
  }
  return out;
}

/**
 * The local addresses to open a socket on, and whether they come from a wildcard.
 *
 * Why one socket per address instead of one on 0.0.0.0: a reply must come from the address the
 * request was sent to (RFC 1350 transfer IDs are address + port; tftp-hpa and most phones drop
 * anything else — issue 12, finding 13). On a socket bound to 0.0.0.0 the kernel knows that
 * address (IP_PKTINFO), but Node's dgram does not expose it (nodejs/node#54483), and a reply
 * socket bound to 0.0.0.0 and connected to the client gets the routing table's preferred source
 * (127.0.0.1 for a request to 127.0.0.20), not the request's destination. A socket bound to one
 * address only receives what was sent to that address, so its address is the answer. The
 * wildcard is therefore expanded to the host's addresses, looked at again every `rescanMs` so an
 * address added later (a VIP moving over) is picked up. An address that is routed to the host
 * without being on an interface (a loopback alias, an anycast route) must be listed explicitly.
 */
export function listenAddresses(host: string, ifaces: () => string[]): { addresses: string[]; wildcard: boolean } {
  const entries = host.split(',').map((h) => h.trim().replace(/^\[(.*)\]$/, '$1')).filter(Boolean);
  const out = new Set<string>();
  let wildcard = false;
  for (const e of entries.length > 0 ? entries : ['0.0.0.0']) {
    if (e === '0.0.0.0' || e === '::') {
      wildcard = true;
      for (const a of ifaces()) if (e === '::' || !isIPv6(a)) out.add(a);
    } else out.add(e);
  }
  return { addresses: [...out], wildcard };
}

/** `timeout`, blocks and window → how long a whole transfer may take. */
function deadlineOf(size: number, n: Negotiated, t: Required<TftpTuning>): number {
  if (t.transferDeadlineMs > 0) return t.transferDeadlineMs;
  const windows = Math.ceil((Math.floor(size / n.blksize) + 1) / n.windowsize);
  return Math.min(600_000, 30_000 + windows * 200);
}

interface Slot {
  client: string;
  since: number;
  transfer: OutgoingTransfer | null;
}

export async function startTftpServer(opts: TftpServerOptions): Promise<TftpServer> {
  const logger = opts.logger ?? silent;
  const tuning: Required<TftpTuning> = {
    maxBlockSize: 65464,
    maxWindowSize: 64,
    timeoutMs: 1000,
    retries: 5,
    maxTransfers: 512,
    maxPerClient: 32,
    maxTimeoutSeconds: 10,
    transferDeadlineMs: 0,
    evictUnconfirmedAfterMs: 1000,
    ...opts.tuning,
  };
  // Key "local|address|port": one transfer per client transfer ID, so a retransmitted RRQ is not served twice.
  const active = new Map<string, Slot>();
  const perClient = new Map<string, number>();
  const listeners = new Map<string, Socket>();
  let closed = false;
  const warnGarbage = rateLimited((o, m) => logger.warn(o, m), 20, 10_000, 'malformed packets');
  const infoBusy = rateLimited((o, m) => logger.info(o, m), 20, 10_000, 'busy refusals');

  const take = (key: string, client: string): Slot => {
    const slot: Slot = { client, since: Date.now(), transfer: null };
    active.set(key, slot);
    perClient.set(client, (perClient.get(client) ?? 0) + 1);
    return slot;
  };
  const release = (key: string): void => {
    const slot = active.get(key);
    if (!slot) return;
    active.delete(key);
    const n = (perClient.get(slot.client) ?? 1) - 1;
    if (n <= 0) perClient.delete(slot.client);
    else perClient.set(slot.client, n);
  };
  /** Full: drop the oldest transfer that its client never acknowledged (forged or gone). */
  const evictOne = (): boolean => {
    const before = Date.now() - tuning.evictUnconfirmedAfterMs;
    for (const slot of active.values()) {
      if (slot.transfer && !slot.transfer.confirmed && slot.since <= before) {
        slot.transfer.abort('server busy: transfer dropped (never acknowledged)');
        return true;
      }
    }
    return false;
  };

  const onDatagram = (main: Socket, local: string, msg: Buffer, rinfo: RemoteInfo): void => {
    const remote = `${rinfo.address}:${rinfo.port}`;
    const reply = (code: number, message: string): void => {
      main.send(encodeError(code, message), rinfo.port, rinfo.address);
    };
    if (msg.length < 2) return warnGarbage({ remote, length: msg.length }, 'tftp: datagram too short, ignored');
    const op = msg.readUInt16BE(0);
    if (op === OP.ERROR) return; // never answer an error: two peers could ping-pong forever
    if (op === OP.DATA || op === OP.ACK || op === OP.OACK) {
      warnGarbage({ remote, opcode: op }, 'tftp: transfer packet on the request port');
      return reply(TFTP_ERR.UNKNOWN_TID, 'unknown transfer ID');
    }
    if (op !== OP.RRQ && op !== OP.WRQ) {
      warnGarbage({ remote, opcode: op }, 'tftp: unknown opcode');
      return reply(TFTP_ERR.ILLEGAL_OP, `illegal TFTP operation: unknown opcode ${op}`);
    }
    const req = parseRequest(msg);
    if (typeof req === 'string') {
      warnGarbage({ remote, problem: req }, 'tftp: malformed request');
      return reply(TFTP_ERR.ILLEGAL_OP, `malformed request: ${req}`);
    }
    const name = checkTftpFileName(req.rawName);
    const shownName = name.ok ? name.file : req.rawName.toString('latin1').replace(/[^\x20-\x7e]/g, '?').slice(0, 100);
    const refuse = (code: number, reason: string, log = (o: object, m: string) => logger.info(o, m)): void => {
      reply(code, reason);
      opts.onEnd?.('refused', {});
      log({ file: shownName, remote, status: 'refused', tftpError: code, reason, bytes: 0, durationMs: 0 }, 'tftp request refused');
    };
    if (req.opcode === OP.WRQ) return refuse(TFTP_ERR.ACCESS, 'this server is read-only: write requests are refused');
    if (req.mode !== 'octet' && req.mode !== 'netascii') {
      return refuse(TFTP_ERR.ILLEGAL_OP, `transfer mode "${req.mode}" is not supported (use octet or netascii)`);
    }
    if (!name.ok) return refuse(name.code, name.reason);
    const key = `${local}|${rinfo.address}|${rinfo.port}`;
    if (active.has(key)) return; // the client repeated its request while we are answering it
    // Caps: per client address first (one address cannot take every slot), then in total.
    if ((perClient.get(rinfo.address) ?? 0) >= tuning.maxPerClient) {
      return refuse(TFTP_ERR.UNDEFINED, 'server busy: too many transfers from this address, try again later', infoBusy);
    }
    if (active.size >= tuning.maxTransfers && !evictOne()) return refuse(TFTP_ERR.UNDEFINED, 'server busy, try again later', infoBusy);
    take(key, rinfo.address);
    serve(main, local, req, name.file, rinfo, key).catch((err: unknown) => {
      // Only a bug can get here; the slot is freed so the client can try again.
      if (active.get(key)?.transfer === null) release(key);
      logger.warn({ file: name.file, remote, err: err instanceof Error ? err.message : String(err) }, 'tftp: request handling failed');
    });
  };

  const serve = async (main: Socket, local: string, req: TftpRequest, file: string, rinfo: RemoteInfo, key: string): Promise<void> => {
    const started = process.hrtime.bigint();
    const remote = `${rinfo.address}:${rinfo.port}`;
    const ms = (): number => Number((process.hrtime.bigint() - started) / 1000n) / 1000;
    const done = (status: number | string, extra: object): void => {
      release(key);
      opts.onEnd?.(status, extra);
      logger.info({ file, remote, local, status, durationMs: ms(), ...extra }, 'tftp request');
    };
    let answer: PhoneFileAnswer;
    try {
      answer = await opts.provider({ file, remoteAddress: rinfo.address, localAddress: local, protocol: 'tftp' });
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
    // A fresh socket per transfer: its port is the server's transfer ID (RFC 1350 section 4). It
    // is bound to the address the request reached, so the reply comes from there.
    const sock: Socket = dgram.createSocket(isIPv6(local) ? 'udp6' : 'udp4');
    sock.once('error', (err) => {
      sock.close();
      done(200, { outcome: 'socket-error', detail: err.message, bytes: 0 });
    });
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
        {
          blksize: n.blksize,
          windowsize: n.windowsize,
          timeoutMs: n.timeoutMs,
          retries: tuning.retries,
          oack: n.oack && encodeOack(n.oack),
          deadlineMs: deadlineOf(body.length, n, tuning),
        },
        (end: TransferEnd) => {
          const extra = { bytes: end.bytes, size: body.length, outcome: end.outcome, retransmissions: end.retransmissions, mode: req.mode, options: n.oack, blksize: n.blksize, windowsize: n.windowsize };
          done(200, end.detail ? { ...extra, detail: end.detail } : extra);
        },
      );
      const slot = active.get(key);
      if (slot) slot.transfer = transfer;
      transfer.start();
    };
    sock.bind(0, local, () => sock.connect(rinfo.port, rinfo.address, onConnected));
  };

  const listenOn = (address: string, port: number): Promise<Socket> =>
    new Promise((resolve, reject) => {
      const sock = dgram.createSocket(isIPv6(address) ? 'udp6' : 'udp4');
      sock.once('error', reject);
      sock.bind(port, address, () => {
        sock.off('error', reject);
        const local = sock.address().address;
        sock.on('error', (err) => logger.warn({ local, err: err.message }, 'tftp: socket error'));
        sock.on('message', (msg, rinfo) => {
          // Belt and braces: whatever a datagram triggers, the listener must survive it.
          try {
            onDatagram(sock, local, msg, rinfo);
          } catch (err) {
            logger.warn({ remote: `${rinfo.address}:${rinfo.port}`, err: err instanceof Error ? err.message : String(err) }, 'tftp: datagram handling failed');
          }
        });
        resolve(sock);
      });
    });

  const ifaces = opts.interfaceAddresses ?? hostInterfaceAddresses;
  const { addresses, wildcard } = listenAddresses(opts.host, ifaces);
  if (addresses.length === 0) throw new Error(`TFTP: no address to listen on for "${opts.host}"`);
  let port = opts.port;
  const closeAll = async (): Promise<void> => {
    await Promise.all([...listeners.values()].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    listeners.clear();
  };
  /** Binds what is wanted and not yet bound; with a wildcard an address that fails is skipped. */
  const bindMissing = async (wanted: string[]): Promise<void> => {
    for (const a of wanted) {
      if (listeners.has(a)) continue;
      try {
        const sock = await listenOn(a, port);
        if (port === 0) port = sock.address().port;
        listeners.set(a, sock);
      } catch (err) {
        if (!wildcard) {
          await closeAll();
          throw new Error(`TFTP: cannot listen on ${a}:${port}: ${err instanceof Error ? err.message : String(err)}`);
        }
        logger.warn({ local: a, port, err: err instanceof Error ? err.message : String(err) }, 'tftp: cannot listen on this address, skipped');
      }
    }
  };
  await bindMissing(addresses);
  if (listeners.size === 0) throw new Error(`TFTP: could not listen on any address of "${opts.host}"`);
  logger.info({ host: opts.host, addresses: [...listeners.keys()], port }, 'tftp listening');

  const rescanMs = opts.rescanMs ?? 30_000;
  const rescan = wildcard && rescanMs > 0
    ? setInterval(() => {
        const wanted = listenAddresses(opts.host, ifaces).addresses;
        for (const [a, sock] of listeners) {
          if (!wanted.includes(a)) {
            listeners.delete(a);
            sock.close();
            logger.info({ local: a }, 'tftp: address gone, no longer listened on');
          }
        }
        const added = wanted.filter((a) => !listeners.has(a));
        if (added.length > 0) {
          void bindMissing(added).then(() => logger.info({ added: added.filter((a) => listeners.has(a)), port }, 'tftp: new addresses listened on'));
        }
      }, rescanMs)
    : null;
  rescan?.unref();

  return {
    port,
    addresses: () => [...listeners.keys()],
    close: async () => {
      if (closed) return;
      closed = true;
      if (rescan) clearInterval(rescan);
      for (const slot of active.values()) slot.transfer?.abort('server shutting down');
      await closeAll();
      // Let the transfers' sockets close (they close on the next turn of the loop).
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}
