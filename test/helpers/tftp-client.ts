// A small TFTP read client (RFC 1350 + 2347 options + 7440 windows), used to check the listener in
// tests and to load it in the benchmark. It reports the OACK the server sent so option negotiation
// can be checked, and it fails on any error instead of retrying forever.

import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import { OP, encodeAck, encodeRequest, parseError, parseOack } from '../../server/phone/tftp-packets.ts';

export interface TftpGetOptions {
  host: string;
  port: number;
  file: string | Buffer;
  mode?: 'octet' | 'netascii';
  /** Options to request, e.g. { blksize: 1428, tsize: 0, windowsize: 4, timeout: 2 }. */
  options?: Record<string, string | number>;
  /** Resend the last packet after this long without news. Default 1000 ms. */
  retransmitMs?: number;
  /** Give up after this many retransmissions in a row. Default 5. */
  retries?: number;
  /** Local address to send from (another loopback address acts as another client). */
  bindAddress?: string;
}

export interface TftpGetResult {
  data: Buffer;
  /** The server's OACK, or null when it answered with DATA directly. */
  oack: Record<string, string> | null;
  /** The server's transfer ID (source port of its answers). */
  serverPort: number;
}

export class TftpRemoteError extends Error {
  constructor(
    readonly code: number,
    readonly remoteMessage: string,
  ) {
    super(`TFTP error ${code}: ${remoteMessage}`);
    this.name = 'TftpRemoteError';
  }
}

export function tftpGet(o: TftpGetOptions): Promise<TftpGetResult> {
  const retransmitMs = o.retransmitMs ?? 1000;
  const maxRetries = o.retries ?? 5;
  const sock = dgram.createSocket(isIPv6(o.host) ? 'udp6' : 'udp4');
  const request = encodeRequest(OP.RRQ, o.file, o.mode ?? 'octet', o.options ?? {});

  return new Promise<TftpGetResult>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let serverPort = 0;
    let oack: Record<string, string> | null = null;
    let blksize = 512;
    let windowsize = 1;
    let received = 0; // absolute number of the last in-order block
    let inWindow = 0;
    let ackedAfterGap = -1;
    let lastPacket = request;
    let lastPort = o.port;
    let retries = maxRetries;
    let finished = false;

    const finish = (err: Error | null): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      // On the next turn, or the final ACK just sent could be dropped with the socket.
      setImmediate(() => sock.close());
      if (err) reject(err);
      else resolve({ data: Buffer.concat(chunks), oack, serverPort });
    };
    // Once the server's transfer ID is known the socket is connected to it: cheaper sends, and the
    // kernel filters everyone else.
    let connected = false;
    const transmit = (packet: Buffer, port: number): void => {
      if (connected) sock.send(packet);
      else sock.send(packet, port, o.host);
    };
    const send = (packet: Buffer, port: number): void => {
      lastPacket = packet;
      lastPort = port;
      transmit(packet, port);
    };
    const timer = setTimeout(function tick() {
      if (retries-- <= 0) return finish(new Error(`TFTP timeout: no answer after ${maxRetries} retransmissions`));
      transmit(lastPacket, lastPort);
      timer.refresh();
    }, retransmitMs);

    sock.on('error', (err) => finish(err));
    // Datagrams that arrive while connect() is under way wait here (sending meanwhile would fail).
    let early: Buffer[] | null = null;
    sock.on('message', (msg, rinfo) => {
      // Like tftp-hpa and phones: answers must come from the address the request was sent to.
      if (finished || msg.length < 4 || rinfo.address !== o.host) return;
      if (serverPort === 0) {
        serverPort = rinfo.port;
        early = [msg];
        sock.connect(serverPort, o.host, () => {
          connected = true;
          const queued = early ?? [];
          early = null;
          for (const m of queued) onPacket(m);
        });
      } else if (rinfo.port === serverPort) {
        if (early) early.push(msg);
        else onPacket(msg);
      }
    });
    const onPacket = (msg: Buffer): void => {
      if (finished) return;
      const op = msg.readUInt16BE(0);
      if (op === OP.ERROR) {
        const e = parseError(msg);
        return finish(new TftpRemoteError(e.code, e.message));
      }
      if (op === OP.OACK && received === 0 && chunks.length === 0) {
        const parsed = parseOack(msg);
        if (typeof parsed === 'string') return finish(new Error(parsed));
        oack = parsed;
        if (parsed.blksize) blksize = Number(parsed.blksize);
        if (parsed.windowsize) windowsize = Number(parsed.windowsize);
        retries = maxRetries;
        timer.refresh();
        return send(encodeAck(0), serverPort);
      }
      if (op !== OP.DATA) return;
      const block = msg.readUInt16BE(2);
      if (block !== ((received + 1) & 0xffff)) {
        // A repeat or a gap: acknowledge what we have, once, so the server resends from there
        // (RFC 1350 after a lost ACK, RFC 7440 after a lost block in a window).
        if (ackedAfterGap !== received) {
          ackedAfterGap = received;
          inWindow = 0;
          send(encodeAck(received), serverPort);
        }
        return;
      }
      ackedAfterGap = -1;
      received++;
      retries = maxRetries;
      timer.refresh();
      const payload = msg.subarray(4);
      chunks.push(payload);
      if (payload.length < blksize) {
        send(encodeAck(received), serverPort);
        // Linger briefly is what RFC 1350 suggests; the server resends the last block if our ACK
        // is lost, and it is harmless to be gone by then.
        return finish(null);
      }
      if (++inWindow >= windowsize) {
        inWindow = 0;
        send(encodeAck(received), serverPort);
      }
    };
    if (o.bindAddress) sock.bind(0, o.bindAddress, () => send(request, o.port));
    else send(request, o.port);
  });
}
