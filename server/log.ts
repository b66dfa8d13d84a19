// Structured JSON logs (pino), one logger per process; children name their concern.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level = process.env.CADRAN_LOG_LEVEL || 'info'): Logger {
  return pino({ level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime });
}

/** A logger that drops everything (tests, CLI commands that print their own output). */
export const silentLogger: Logger = pino({ level: 'silent' });
