// One outgoing TFTP transfer (the server side of a read request) on its own UDP socket, i.e. its
// own transfer ID: RFC 1350 lock-step, RFC 7440 windows, RFC 2347 OACK handshake. Retransmission
// is driven by one refreshed timer. The socket comes connected to the client's transfer ID, so the
// kernel already drops packets from anyone else; the source check below is a second guard.

import type { Socket, RemoteInfo } from 'node:dgram';
import { OP, TFTP_ERR, dataHeader, encodeError, parseError } from './tftp-packets.ts';

export interface TransferSettings {
  blksize: number;
  windowsize: number;
  /** Retransmission timeout. */
  timeoutMs: number;
  /** Retransmissions before the client is declared gone. */
  retries: number;
  /** Options to acknowledge first; null when the client asked for none we accept (plain RFC 1350). */
  oack: Buffer | null;
  /** The whole transfer must be over by then, however slowly the client acknowledges. */
  deadlineMs?: number;
}

export type TransferOutcome = 'complete' | 'timeout' | 'deadline' | 'client-error' | 'aborted' | 'socket-error';

export interface TransferEnd {
  outcome: TransferOutcome;
  /** Payload bytes the client acknowledged. */
  bytes: number;
  /** Packets sent again (retransmission timer, or a duplicate ACK inside a window). */
  retransmissions: number;
  detail?: string;
}

export class OutgoingTransfer {
  private readonly total: number;
  private acked = 0; // absolute number of the last block acknowledged (0 = none)
  private sentUpTo = 0;
  private handshake: boolean;
  private retriesLeft: number;
  private retransmitted = 0;
  private lastDupRetransmit = -1;
  private timer: NodeJS.Timeout | null = null;
  private deadline: NodeJS.Timeout | null = null;
  private ended = false;
  private heard = false;

  constructor(
    private readonly sock: Socket,
    private readonly peer: { address: string; port: number },
    private readonly data: Buffer,
    private readonly s: TransferSettings,
    private readonly onEnd: (end: TransferEnd) => void,
  ) {
    // A file whose size is a multiple of the block size ends with an empty block.
    this.total = Math.floor(data.length / s.blksize) + 1;
    this.handshake = s.oack !== null;
    this.retriesLeft = s.retries;
    sock.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
    // On a connected socket, ECONNREFUSED means the client's port is gone (ICMP unreachable).
    sock.on('error', (err) => this.finish('socket-error', err.message));
  }

  /** The client answered at least once: a real peer, not a forged or abandoned request. */
  get confirmed(): boolean {
    return this.heard;
  }

  start(): void {
    this.timer = setTimeout(() => this.onTimeout(), this.s.timeoutMs);
    if (this.s.deadlineMs !== undefined) {
      this.deadline = setTimeout(() => {
        if (this.ended) return;
        this.send(encodeError(TFTP_ERR.UNDEFINED, 'transfer took too long'));
        this.finish('deadline', `not complete after ${Math.round(this.s.deadlineMs! / 1000)} s`);
      }, this.s.deadlineMs);
    }
    if (this.handshake) this.send(this.s.oack as Buffer);
    else this.sendWindow();
  }

  abort(reason: string): void {
    if (this.ended) return;
    this.send(encodeError(TFTP_ERR.UNDEFINED, reason));
    this.finish('aborted', reason);
  }

  private onMessage(msg: Buffer, rinfo: RemoteInfo): void {
    if (this.ended) return;
    if (rinfo.address !== this.peer.address || rinfo.port !== this.peer.port) {
      return;
    }
    if (msg.length < 4) return;
    const op = msg.readUInt16BE(0);
    if (op === OP.ERROR || op === OP.ACK) this.heard = true;
    if (op === OP.ERROR) {
      const e = parseError(msg);
      this.finish('client-error', `client sent error ${e.code}: ${e.message}`);
    } else if (op === OP.ACK) {
      this.onAck(msg.readUInt16BE(2));
    }
    // Anything else from the client is ignored: the retransmission timer recovers.
  }

  private onAck(block: number): void {
    if (this.handshake) {
      if (block !== 0) return;
      this.handshake = false;
      this.progress();
      this.sendWindow();
      return;
    }
    // Block numbers wrap at 65536; the distance from the last ACK is what matters.
    const delta = (block - this.acked) & 0xffff;
    if (delta === 0) {
      // RFC 7440: a repeated ACK inside a window means the following block was lost. Resend once
      // per window; with lock-step (window 1) a duplicate ACK is ignored (Sorcerer's Apprentice).
      if (this.s.windowsize > 1 && this.lastDupRetransmit !== this.acked) {
        this.lastDupRetransmit = this.acked;
        this.retransmitted += this.sendWindow();
      }
      return;
    }
    if (delta > this.sentUpTo - this.acked) return; // stale or bogus
    this.acked += delta;
    this.progress();
    if (this.acked >= this.total) this.finish('complete');
    else this.sendWindow();
  }

  /** Sends the blocks after the last acknowledged one, up to a window; returns how many. */
  private sendWindow(): number {
    const to = Math.min(this.acked + this.s.windowsize, this.total);
    for (let i = this.acked + 1; i <= to; i++) {
      const start = (i - 1) * this.s.blksize;
      this.send([dataHeader(i), this.data.subarray(start, Math.min(start + this.s.blksize, this.data.length))]);
    }
    this.sentUpTo = to;
    return Math.max(0, to - this.acked);
  }

  private progress(): void {
    this.retriesLeft = this.s.retries;
    this.timer?.refresh();
  }

  private onTimeout(): void {
    if (this.ended) return;
    if (this.retriesLeft-- <= 0) {
      this.finish('timeout', `no answer after ${this.s.retries} retransmissions`);
      return;
    }
    if (this.handshake) {
      this.send(this.s.oack as Buffer);
      this.retransmitted++;
    } else this.retransmitted += this.sendWindow();
    this.timer?.refresh();
  }

  private send(packet: Buffer | Buffer[]): void {
    this.sock.send(packet);
  }

  private finish(outcome: TransferOutcome, detail?: string): void {
    if (this.ended) return;
    this.ended = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.deadline) clearTimeout(this.deadline);
    const bytes = Math.min(this.acked * this.s.blksize, this.data.length);
    // Close on the next turn: dgram resolves the destination asynchronously, so a packet sent just
    // before (the error of abort()) would otherwise be dropped.
    setImmediate(() => {
      try {
        this.sock.close();
      } catch {
        // already closed after a socket error
      }
    });
    this.onEnd({ outcome, bytes, retransmissions: this.retransmitted, detail });
  }
}
