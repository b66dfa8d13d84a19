// Shared by the TFTP test files: a fake file provider, a server started on a loopback port,
// a raw-datagram helper and a wrapper around node-tftp's client (an independent implementation).

import dgram from 'node:dgram';
import { createRequire } from 'node:module';
import { startTftpServer } from '../server/phone/tftp.ts';
import type { TftpTuning } from '../server/phone/tftp.ts';
import type { PhoneFileAnswer, PhoneFileRequest } from '../server/provision/types.ts';

/** Deterministic bytes that are not a repeated pattern, so a misplaced block shows. */
export function pattern(size: number, seed = 1): Buffer {
  const b = Buffer.allocUnsafe(size);
  let x = seed * 2654435761;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

export const FILES: Record<string, Buffer> = {
  'small.cfg': Buffer.from('#!version:1.0.0.1\naccount.1.enable = 1\n'),
  'exact512.bin': pattern(512, 2),
  'empty.cfg': Buffer.alloc(0),
  'big.bin': pattern(5 * 1024 * 1024, 3),
  'text.cfg': Buffer.from('line one\nline two\r\nend\n'),
};

/** File names the fake provider refuses, with the status it answers. */
export const REFUSED: Record<string, PhoneFileAnswer> = {
  'denied.cfg': { status: 403, reason: 'phone not licensed' },
  'login.cfg': { status: 401, reason: 'credentials required' },
  'busy.cfg': { status: 429, reason: 'too many requests from this phone' },
};

export interface LogEntry {
  level: 'info' | 'warn';
  obj: Record<string, unknown>;
  msg?: string;
}

export interface Fixture {
  port: number;
  calls: PhoneFileRequest[];
  logs: LogEntry[];
  close(): Promise<void>;
  /** Resolves with the first log entry matching, checking every 10 ms, for at most `limitMs`. */
  waitForLog(match: (e: LogEntry) => boolean, limitMs?: number): Promise<LogEntry>;
}

export async function startFixture(tuning?: TftpTuning, extraFiles: Record<string, Buffer> = {}): Promise<Fixture> {
  const calls: PhoneFileRequest[] = [];
  const logs: LogEntry[] = [];
  const files = { ...FILES, ...extraFiles };
  const server = await startTftpServer({
    host: '127.0.0.1',
    port: 0,
    tuning,
    logger: {
      info: (obj, msg) => logs.push({ level: 'info', obj: obj as Record<string, unknown>, msg }),
      warn: (obj, msg) => logs.push({ level: 'warn', obj: obj as Record<string, unknown>, msg }),
    },
    provider: async (req) => {
      calls.push(req);
      if (req.file === 'boom.cfg') throw new Error('database is down');
      const body = files[req.file];
      if (body) return { status: 200, body, contentType: 'application/octet-stream' };
      return REFUSED[req.file] ?? { status: 404, reason: `no file named ${req.file}` };
    },
  });
  return {
    port: server.port,
    calls,
    logs,
    close: () => server.close(),
    waitForLog: async (match, limitMs = 10_000) => {
      const end = Date.now() + limitMs;
      for (;;) {
        const hit = logs.find(match);
        if (hit) return hit;
        if (Date.now() > end) throw new Error('expected log line did not come');
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}

/** An open UDP socket on loopback that records what it receives. */
export interface RawPeer {
  port: number;
  send(packet: Buffer, port: number): void;
  /** Next datagram (waits at most `limitMs`; null if none came). */
  next(limitMs?: number): Promise<{ msg: Buffer; port: number } | null>;
  close(): void;
}

export async function rawPeer(): Promise<RawPeer> {
  const sock = dgram.createSocket('udp4');
  const queue: Array<{ msg: Buffer; port: number }> = [];
  let waiter: (() => void) | null = null;
  sock.on('message', (msg, rinfo) => {
    queue.push({ msg, port: rinfo.port });
    waiter?.();
  });
  // ICMP "port unreachable" after a server transfer socket closed: not interesting here.
  sock.on('error', () => {});
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  return {
    port: sock.address().port,
    send: (packet, port) => sock.send(packet, port, '127.0.0.1'),
    next: async (limitMs = 2000) => {
      if (queue.length === 0) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, limitMs);
          waiter = () => {
            clearTimeout(t);
            resolve();
          };
        });
        waiter = null;
      }
      return queue.shift() ?? null;
    },
    // Deferred: dgram sends are asynchronous, an immediate close would drop the last one.
    close: () => setImmediate(() => sock.close()),
  };
}

// node-tftp ships no types; only the part of its client the tests use is described.
interface NodeTftpGetStream {
  on(ev: 'data', fn: (chunk: Buffer) => void): NodeTftpGetStream;
  on(ev: 'end', fn: () => void): NodeTftpGetStream;
  on(ev: 'error', fn: (err: Error) => void): NodeTftpGetStream;
}
interface NodeTftpPutStream {
  on(ev: 'error', fn: (err: Error) => void): NodeTftpPutStream;
  on(ev: 'finish', fn: () => void): NodeTftpPutStream;
  end(data: Buffer): void;
}
interface NodeTftp {
  createClient(o: { host: string; port: number; blockSize?: number; windowSize?: number; retries?: number; timeout?: number }): {
    createGetStream(remote: string): NodeTftpGetStream;
    createPutStream(remote: string, o: { size: number }): NodeTftpPutStream;
  };
}
export const nodeTftp = createRequire(import.meta.url)('tftp') as NodeTftp;

/** Downloads with node-tftp's client (it requests blksize, tsize, timeout, windowsize, rollover). */
export function nodeTftpGet(port: number, file: string, o: { blockSize?: number; windowSize?: number } = {}): Promise<Buffer> {
  const client = nodeTftp.createClient({ host: '127.0.0.1', port, ...o });
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    client
      .createGetStream(file)
      .on('data', (d) => chunks.push(d))
      .on('end', () => resolve(Buffer.concat(chunks)))
      .on('error', reject);
  });
}
