// Phone-facing HTTP(S) listener on bare node:http (express costs 3–4× the throughput on this
// path): parse the target, ask the phone service, answer with validators and conditional 304s,
// log one line per request.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from '../log.ts';
import type { PhoneMetrics } from '../metrics.ts';
import type { PhoneAnswer, PhoneService } from '../provision/provider.ts';
import { parseEventPath, parsePhonePath, parseQuery } from '../provision/resolve.ts';
import type { CachedFile } from '../provision/cache.ts';

export interface PhoneHttpOptions {
  host: string;
  port: number;
  /** HTTPS listener, when a certificate and key are configured. */
  https?: { port: number; cert: string; key: string } | null;
  /** Fixed URL root for links inside files; null: taken from the request's Host. */
  publicUrl: string | null;
  /** `exclusive: false` lets cluster workers share the listening socket. */
  exclusive?: boolean;
  /** Requests counted by vendor, protocol and status. */
  metrics?: Pick<PhoneMetrics, 'phoneRequest'>;
}

export interface PhoneHandlerOptions {
  publicUrl: string | null;
  scheme: 'http' | 'https';
  metrics?: Pick<PhoneMetrics, 'phoneRequest'> | undefined;
}

export interface PhoneHttp {
  port: number;
  httpsPort: number | null;
  close(): Promise<void>;
}

const HOST_RE = /^[A-Za-z0-9.-]{1,253}(?::[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](?::[0-9]{1,5})?$/;

/** `If-None-Match` first (RFC 9110 §13.2.2), else `If-Modified-Since`. */
export function notModified(req: IncomingMessage, f: CachedFile): boolean {
  const inm = req.headers['if-none-match'];
  if (inm !== undefined) {
    if (inm.trim() === '*') return true;
    // Weak comparison: W/"x" matches "x".
    return inm.split(',').some((t) => t.trim().replace(/^W\//, '') === f.etag);
  }
  const ims = req.headers['if-modified-since'];
  if (ims !== undefined) {
    const t = Date.parse(ims);
    return !Number.isNaN(t) && f.lastModified <= t;
  }
  return false;
}

function cacheControl(a: Extract<PhoneAnswer, { status: 200 }>): string {
  if (a.file.sensitive) return 'private, no-store';
  return a.private ? 'private, no-cache' : 'no-cache';
}

// Built once per cached file and kept on it (a file is either a device's or a neutral one, never
// both), so a boot storm does not rebuild the same header objects thousands of times.
function headersOf(a: Extract<PhoneAnswer, { status: 200 }>): NonNullable<CachedFile['httpHeaders']> {
  const f = a.file;
  if (!f.httpHeaders) {
    const notModified = { ETag: f.etag, 'Last-Modified': f.lastModifiedHttp, 'Cache-Control': cacheControl(a) };
    f.httpHeaders = { notModified, ok: { ...notModified, 'Content-Type': f.contentType, 'Content-Length': f.body.length } };
  }
  return f.httpHeaders;
}

/** `scheme://<local address>:<local port>/` of the connection, for a request without a usable Host. */
function socketRoot(req: IncomingMessage, scheme: 'http' | 'https'): string | undefined {
  const { localAddress, localPort } = req.socket;
  if (!localAddress || !localPort) return undefined;
  const a = localAddress.startsWith('::ffff:') && /^[0-9.]+$/.test(localAddress.slice(7)) ? localAddress.slice(7) : localAddress;
  return `${scheme}://${a.includes(':') ? `[${a}]` : a}:${localPort}/`;
}

/**
 * The two callbacks of an answer that comes later (a store read, a render, a slowed-down client):
 * sent when it arrives, after the delay it asks for, unless the client left; `fail` otherwise.
 */
function answerLater<A extends { delayMs?: number }>(res: ServerResponse, deliver: (a: A) => void, fail: (err: unknown) => void): [(a: A) => void, (err: unknown) => void] {
  return [
    (a) => {
      if (res.destroyed) return;
      if (a.delayMs) setTimeout(deliver, a.delayMs, a).unref();
      else deliver(a);
    },
    fail,
  ];
}

/** A path as logs show it: the tenant's URL token (`/p/<token>/`) is a secret and stays out. */
export const loggedPath = (path: string): string => path.slice(0, 200).replace(/^\/p\/[^/]*/, '/p/[token]');

export function phoneRequestHandler(service: PhoneService, log: Logger, opts: PhoneHandlerOptions) {
  // Checked once: building the log line costs as much as the rest of a cached answer.
  const logRequests = log.isLevelEnabled('info');
  // The request line is built here from a fixed set of fields, none of them secret (the path's
  // URL token is masked by loggedPath; no header is logged): it skips the logger's redaction,
  // which walks every object for ~30 paths and cost ten times the rest of the line (measured
  // with pino 9: 35–70 µs against 5–7 µs a line, on a loaded 2-core machine). Everything else
  // (errors, other listeners) keeps the redaction.
  const requestLog = logRequests ? log.child({}, { redact: [] }) : log;
  const metrics = opts.metrics;
  const scheme = opts.scheme;
  return (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    const remoteAddress = req.socket.remoteAddress ?? '';
    const method = req.method ?? 'GET';
    let target = req.url ?? '/';
    // Absolute form (`GET http://host/x`, RFC 9112 §3.2.2): keep the path only.
    if (!target.startsWith('/')) {
      const m = /^https?:\/\/[^/?#]*(\/[^#]*)?$/i.exec(target);
      target = m ? (m[1] ?? '/') : '';
    }
    const q = target.indexOf('?');
    const path = q < 0 ? target : target.slice(0, q);
    const finish = (status: number, bytes: number, fields: Record<string, unknown>, vendor?: string): void => {
      metrics?.phoneRequest(vendor, scheme, status);
      if (!logRequests) return;
      requestLog.info(
        { ...fields, status, bytes, ms: Math.round((performance.now() - started) * 100) / 100, ip: remoteAddress, proto: opts.scheme },
        'phone request',
      );
    };
    const plain = (status: number, text: string, headers: Record<string, string | number> = {}): number => {
      const body = `${text}\n`;
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), ...headers });
      res.end(method === 'HEAD' ? undefined : body);
      return method === 'HEAD' ? 0 : Buffer.byteLength(body);
    };

    /** An answer that could not be made: a 500, the error logged. */
    const failed = (err: unknown, what: string, logged: Record<string, unknown>, fields: Record<string, unknown>): void => {
      const bytes = plain(500, 'internal server error');
      log.error({ err, ...logged }, what);
      finish(500, bytes, fields);
    };

    if (method !== 'GET' && method !== 'HEAD') {
      // Uploads (phone logs, local settings) are not accepted: nothing is written from the network.
      const bytes = plain(405, 'method not allowed', { Allow: 'GET, HEAD', Connection: 'close' });
      return finish(405, bytes, { method, path: loggedPath(path) });
    }
    const report = parseEventPath(path);
    if (report) {
      // A toggle reported by the phone (action URL), authenticated like its config fetch.
      const done = (a: Awaited<ReturnType<PhoneService['report']>>): void => {
        const fields = { mac: a.mac, vendor: a.vendor, event: report.event, ...(a.detail ? { detail: a.detail } : {}) };
        const extra: Record<string, string | number> = {};
        if (a.status === 401) extra['WWW-Authenticate'] = a.wwwAuthenticate;
        if (a.status === 429) extra['Retry-After'] = a.retryAfterSeconds;
        const bytes = plain(a.status, a.status === 200 ? 'ok' : a.reason, extra);
        finish(a.status, bytes, fields);
      };
      service
        .report(
          {
            file: `${report.event}`,
            remoteAddress,
            protocol: 'http',
            scheme: opts.scheme,
            method,
            uri: req.url ?? target,
            ...(req.headers.authorization !== undefined ? { authorization: req.headers.authorization } : {}),
            urlToken: report.token,
          },
          report.mac,
          report.event,
        )
        .then(...answerLater(res, done, (err) => failed(err, 'phone report failed', { mac: report.mac, event: report.event }, { mac: report.mac })));
      return;
    }
    const parsed = parsePhonePath(path);
    if (!parsed.ok) {
      const bytes = plain(parsed.status, parsed.status === 400 ? 'bad request' : 'file not found');
      return finish(parsed.status, bytes, { path: loggedPath(path), detail: parsed.reason });
    }
    const host = req.headers.host;
    // Links inside files: the public URL, else the name the phone used (Host), else the address
    // and port its connection reached — never `localhost`.
    const root = opts.publicUrl ?? (host && HOST_RE.test(host) ? `${opts.scheme}://${host}/` : socketRoot(req, opts.scheme));
    const ua = req.headers['user-agent'];
    const query = q < 0 ? undefined : parseQuery(target.slice(q + 1));
    const send = (answer: PhoneAnswer): void => {
      const fields = logRequests
        ? { mac: answer.mac, vendor: answer.vendor, model: answer.model, file: parsed.file, ...(answer.detail ? { detail: answer.detail } : {}) }
        : {};
      if (answer.status === 200) {
        const f = answer.file;
        const h = headersOf(answer);
        if (notModified(req, f)) {
          res.writeHead(304, h.notModified);
          res.end();
          return finish(304, 0, fields, answer.vendor);
        }
        res.writeHead(200, h.ok);
        res.end(method === 'HEAD' ? undefined : f.body);
        return finish(200, method === 'HEAD' ? 0 : f.body.length, fields, answer.vendor);
      }
      const extra: Record<string, string | number> = {};
      if (answer.status === 401) extra['WWW-Authenticate'] = answer.wwwAuthenticate;
      if (answer.status === 429) extra['Retry-After'] = answer.retryAfterSeconds;
      const bytes = plain(answer.status, answer.reason, extra);
      finish(answer.status, bytes, fields, answer.vendor);
    };
    let result: PhoneAnswer | Promise<PhoneAnswer>;
    try {
      result = service.serve({
        file: parsed.file,
        remoteAddress,
        protocol: 'http',
        scheme: opts.scheme,
        method,
        uri: req.url ?? target,
        ...(ua !== undefined ? { userAgent: ua } : {}),
        ...(query ? { query } : {}),
        ...(req.headers.authorization !== undefined ? { authorization: req.headers.authorization } : {}),
        urlToken: parsed.token,
        ...(root ? { root } : {}),
      });
    } catch (err) {
      result = Promise.reject(err);
    }
    // A cached file is answered in this same turn, with nothing more allocated; a miss (store
    // read, render) or a slowed-down client comes back later.
    if (!(result instanceof Promise) && !result.delayMs) return send(result);
    Promise.resolve(result).then(...answerLater(res, send, (err) => failed(err, 'phone request failed', { file: parsed.file }, { file: parsed.file })));
  };
}

/**
 * Connection handling, for boot storms (thousands of phones at once, a new connection per file or
 * a few files per kept-alive connection) and against slow or silent clients. Measured with
 * `npm run bench` (README, "Performance").
 *   - Phones send a short GET at once: 10 s for the headers, 15 s for the whole request, checked
 *     every 2 s (Node's default sweep is every 30 s, which lets a silent socket live 40 s).
 *   - Kept-alive connections wait 5 s for the phone's next file, then close; at most 100 requests
 *     per connection, so one client cannot keep a worker's socket for ever.
 *   - At most 10,000 open connections per process (then new ones are closed at once, before any
 *     file descriptor limit is reached); a listen backlog of 4096 (the kernel caps it at
 *     net.core.somaxconn) so a burst of connections waits in the kernel instead of being refused.
 *   - Nagle off (each answer is one write: nothing to coalesce, no delayed-ACK stall).
 */
export const PHONE_HTTP_TUNING = {
  headersTimeout: 10_000,
  requestTimeout: 15_000,
  connectionsCheckingInterval: 2_000,
  keepAliveTimeout: 5_000,
  maxRequestsPerSocket: 100,
  maxHeadersCount: 100,
  maxConnections: 10_000,
  backlog: 4096,
  noDelay: true,
} as const;

const T = PHONE_HTTP_TUNING;
const serverOptions = {
  headersTimeout: T.headersTimeout,
  requestTimeout: T.requestTimeout,
  connectionsCheckingInterval: T.connectionsCheckingInterval,
  keepAliveTimeout: T.keepAliveTimeout,
  noDelay: T.noDelay,
};

const CLIENT_ERROR_ANSWERS: Record<number, string> = {
  400: 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n',
  408: 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n',
  431: 'HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n',
};

/**
 * Requests Node's parser refuses before the handler (malformed, headers too large, too slow):
 * answered as Node does by default, and counted. A client that hung up is not a request.
 */
function countClientErrors(server: Server, scheme: 'http' | 'https', metrics: Pick<PhoneMetrics, 'phoneRequest'> | undefined): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex & { bytesWritten?: number }) => {
    const code = err.code ?? '';
    const status = code === 'HPE_HEADER_OVERFLOW' ? 431 : code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : code.startsWith('HPE_') ? 400 : 0;
    if (status) {
      metrics?.phoneRequest(undefined, scheme, status);
      if (socket.writable && !socket.bytesWritten) socket.write(CLIENT_ERROR_ANSWERS[status]!);
    }
    socket.destroy(err);
  });
}

function tune(server: Server): void {
  server.maxRequestsPerSocket = T.maxRequestsPerSocket;
  server.maxHeadersCount = T.maxHeadersCount;
  server.maxConnections = T.maxConnections;
}

function listen(server: Server, port: number, host: string, exclusive: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, exclusive, backlog: T.backlog }, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export async function startPhoneHttp(service: PhoneService, log: Logger, opts: PhoneHttpOptions): Promise<PhoneHttp> {
  const exclusive = opts.exclusive ?? true;
  const servers: Server[] = [];
  const http = createHttpServer(serverOptions, phoneRequestHandler(service, log, { publicUrl: opts.publicUrl, scheme: 'http', metrics: opts.metrics }));
  tune(http);
  countClientErrors(http, 'http', opts.metrics);
  const port = await listen(http, opts.port, opts.host, exclusive);
  servers.push(http);
  let httpsPort: number | null = null;
  if (opts.https) {
    const https = createHttpsServer(
      { ...serverOptions, cert: readFileSync(opts.https.cert), key: readFileSync(opts.https.key) },
      phoneRequestHandler(service, log, { publicUrl: opts.publicUrl, scheme: 'https', metrics: opts.metrics }),
    );
    tune(https);
    countClientErrors(https, 'https', opts.metrics);
    httpsPort = await listen(https, opts.https.port, opts.host, exclusive);
    servers.push(https);
  }
  return {
    port,
    httpsPort,
    close: async () => {
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      );
    },
  };
}
