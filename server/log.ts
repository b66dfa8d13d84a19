// Structured JSON logs (pino), one logger per process; children name their concern.
//
// Where lines go: standard output. A server (`cadran serve` and its phone workers) writes them
// asynchronously and in batches — pino's SonicBoom destination with `sync: false`: a log call
// only appends to a buffer; once it holds 8 KiB (or every 250 ms) it is written on the thread
// pool. So one line per phone request costs the request path no system call, and a boot storm
// costs one write per few dozen lines (writing each line, even asynchronously, cost more CPU
// than writing it synchronously: one thread-pool hand-off per line). The buffer is written out
// synchronously when the process exits (pino registers that for asynchronous destinations) and
// `flushLogger` writes it at a clean stop. Commands (`cadran import`, `render`, …) keep
// synchronous writes: what they print and what they log stay in order.
import { destination, pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

export interface LoggerOptions {
  /** Asynchronous buffered writes (servers). Default false: every line written at once. */
  async?: boolean;
  /** Write here instead of standard output (tests read what was logged). */
  destination?: DestinationStream;
}

/**
 * Fields never written to a log, whatever object carries them (one level deep): passwords,
 * tokens, cookies, Authorization headers. Code logs none of them on purpose; this is the net
 * under it (a request object, an input echoed in an error context).
 */
export const REDACTED_PATHS = [
  'password', 'currentPassword', 'sipPassword', 'provisioningPassword', 'adminPassword', 'phoneUserPassword', 'authPassword',
  'token', 'csrfToken', 'sessionId', 'secret', 'secretKey', 'authorization', 'cookie',
].flatMap((k) => [k, `*.${k}`]).concat([
  'credentials.password', '*.credentials.password', 'headers.authorization', 'headers.cookie', 'headers["set-cookie"]',
  'req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', 'auth["password"]', '*.auth["password"]',
]);

/**
 * Most bytes kept waiting for a stdout that does not keep up (a stuck pipe must not grow memory
 * without bound); past it, lines are dropped until it drains.
 */
const MAX_BUFFERED_BYTES = 32 * 1024 * 1024;
/** Lines wait until this much is buffered… */
const BATCH_BYTES = 8192;
/** …or at most this long. */
const FLUSH_EVERY_MS = 250;

export function createLogger(level = process.env.CADRAN_LOG_LEVEL || 'info', opts: LoggerOptions = {}): Logger {
  const options = { level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  if (opts.destination) return pino(options, opts.destination);
  if (!opts.async) return pino(options);
  return pino(options, destination({ dest: 1, sync: false, minLength: BATCH_BYTES, periodicFlush: FLUSH_EVERY_MS, maxLength: MAX_BUFFERED_BYTES }));
}

/** Write out what an asynchronous logger still holds (before a clean exit). */
export function flushLogger(log: Logger): Promise<void> {
  return new Promise((resolve) => log.flush(() => resolve()));
}

/** A logger that drops everything (tests, CLI commands that print their own output). */
export const silentLogger: Logger = pino({ level: 'silent' });
