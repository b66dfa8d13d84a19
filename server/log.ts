// Structured JSON logs (pino), one logger per process; children name their concern.
//
// Where lines go: standard output. A server (`cadran serve` and its phone workers) writes them
// asynchronously — pino's SonicBoom destination with `sync: false`: a log call only appends to a
// buffer and the write happens on the thread pool, lines written meanwhile going out together —
// so one line per phone request costs the request path no system call. The buffer is written out
// synchronously when the process exits (pino registers that for asynchronous destinations, and
// `flushLogger` does it at a clean stop). Commands (`cadran import`, `render`, …) keep synchronous
// writes: what they print and what they log stay in order.
import { destination, pino, type Logger } from 'pino';

export type { Logger };

export interface LoggerOptions {
  /** Asynchronous buffered writes (servers). Default false: every line written at once. */
  async?: boolean;
}

/**
 * Most bytes kept waiting for a stdout that does not keep up (a stuck pipe must not grow memory
 * without bound); past it, lines are dropped until it drains.
 */
const MAX_BUFFERED_BYTES = 32 * 1024 * 1024;

export function createLogger(level = process.env.CADRAN_LOG_LEVEL || 'info', opts: LoggerOptions = {}): Logger {
  const options = { level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime };
  if (!opts.async) return pino(options);
  return pino(options, destination({ dest: 1, sync: false, maxLength: MAX_BUFFERED_BYTES }));
}

/** Write out what an asynchronous logger still holds (before a clean exit). */
export function flushLogger(log: Logger): Promise<void> {
  return new Promise((resolve) => log.flush(() => resolve()));
}

/** A logger that drops everything (tests, CLI commands that print their own output). */
export const silentLogger: Logger = pino({ level: 'silent' });
