// The one UDP socket cadran sends its NOTIFYs from and receives the answers on.
import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { networkInterfaces } from 'node:os';

export interface SipTransport {
  /** Address written in Via and Contact (where answers should come back). */
  readonly local: { host: string; port: number };
  send(data: Buffer, host: string, port: number): Promise<void>;
  /** The address a name resolves to, in this socket's family (what `send` would use). */
  resolve?(host: string): Promise<string>;
  /** Registers the handler for every datagram received; errors it throws are contained. */
  onMessage(handler: (data: Buffer, from: { address: string; port: number }) => void): void;
  close(): Promise<void>;
}

export interface UdpTransportOptions {
  /** Address to bind; default 0.0.0.0 (tests: 127.0.0.1). An IPv6 literal opens a udp6 socket. */
  bindHost?: string;
  /** Port to bind; 0 (default) = ephemeral. */
  port?: number;
  /** Address to advertise in Via/Contact; default the bound address, or the first external IPv4. */
  advertiseHost?: string;
  /** Called with socket-level errors (the socket stays open); default: ignored. */
  onError?: (err: Error) => void;
}

function firstExternalAddress(family: 'IPv4' | 'IPv6'): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === family && !a.internal) return a.address;
  }
  return undefined;
}

export async function openUdpTransport(opts: UdpTransportOptions = {}): Promise<SipTransport> {
  const bindHost = opts.bindHost ?? '0.0.0.0';
  const v6 = bindHost.includes(':');
  const socket = dgram.createSocket({ type: v6 ? 'udp6' : 'udp4' });
  const handlers: Array<(data: Buffer, from: { address: string; port: number }) => void> = [];
  socket.on('error', (err) => opts.onError?.(err));
  socket.on('message', (data, rinfo) => {
    for (const h of handlers) {
      try {
        h(data, { address: rinfo.address, port: rinfo.port });
      } catch (err) {
        // Hostile or unexpected input must never take the listener down.
        opts.onError?.(err instanceof Error ? err : new Error(String(err)));
      }
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(opts.port ?? 0, bindHost, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  const bound = socket.address();
  const unspecified = bound.address === '0.0.0.0' || bound.address === '::';
  const host = opts.advertiseHost ?? (unspecified ? (firstExternalAddress(v6 ? 'IPv6' : 'IPv4') ?? (v6 ? '::1' : '127.0.0.1')) : bound.address);
  let closed = false;
  return {
    local: { host, port: bound.port },
    send: (data, toHost, toPort) =>
      new Promise<void>((resolve, reject) => {
        if (closed) return reject(new Error('SIP transport is closed'));
        socket.send(data, toPort, toHost, (err) => (err ? reject(err) : resolve()));
      }),
    resolve: async (name) => (await lookup(name, { family: v6 ? 6 : 4 })).address,
    onMessage: (handler) => {
      handlers.push(handler);
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (closed) return resolve();
        closed = true;
        socket.close(() => resolve());
      }),
  };
}
