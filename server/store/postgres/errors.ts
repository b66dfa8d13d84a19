// node-postgres errors → StoreError, by SQLSTATE (https://www.postgresql.org/docs/15/errcodes-appendix.html)
// and by the Node socket error codes a lost connection gives, with the codes the SQLite engine
// uses: every integrity violation (duplicate included) is `constraint`, lock waits and timeouts
// `busy`, a lost or refused connection `unavailable`, any other SQLSTATE `failed`. Errors that
// are not the database's (a bug in cadran) pass through unchanged.
import { StoreError, type StoreErrorCode } from '../errors.ts';

interface PgLikeError {
  code?: string;
  message?: string;
  table?: string;
  constraint?: string;
}

const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EAI_AGAIN', 'ENOENT']);

export function storeErrorCode(e: PgLikeError): StoreErrorCode | undefined {
  const code = e.code ?? '';
  // A duplicate is a constraint like any other, as on SQLite (SQLITE_CONSTRAINT_UNIQUE).
  if (code.startsWith('23') || code === '22001' || code === '22003' || code === '22P02' || code === '22007' || code === '22008' || code === '22021') return 'constraint';
  if (code === '40001' || code === '40P01' || code === '55P03' || code === '57014' || code === '53300') return 'busy';
  // disk_full: the server has no space left for the write (nothing of it was kept).
  if (code === '53100') return 'full';
  if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '3D000' || code.startsWith('28')) return 'unavailable';
  if (SOCKET_CODES.has(code) || code.startsWith('ERR_TLS') || /CERT|SELF_SIGNED|UNABLE_TO_/.test(code)) return 'unavailable';
  const msg = e.message ?? '';
  if (/^Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|The server does not support SSL|self[- ]signed certificate|unable to verify the first certificate|Hostname\/IP does not match|Client was closed|Cannot use a pool after calling end/.test(msg)) {
    return 'unavailable';
  }
  // Any other error PostgreSQL reported (a SQLSTATE of five characters), like SQLite's other SQLITE_ codes.
  if (/^[0-9A-Z]{5}$/.test(code)) return 'failed';
  return undefined;
}

const PREFIX: Record<StoreErrorCode, string> = {
  constraint: 'the database refused it',
  failed: 'the database failed',
  busy: 'the database is busy',
  unavailable: 'the database cannot be reached',
  full: 'the database server has no disk space left',
};

/** The message of an error from mapPgError without its generic head ("the database is busy: …"). */
export function pgErrorDetail(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  if (!(e instanceof StoreError)) return message;
  const head = `${PREFIX[e.code]}: `;
  return message.startsWith(head) ? message.slice(head.length) : message;
}

/** A StoreError for what the database refused or a lost connection; anything else as it was. */
export function mapPgError(e: unknown): unknown {
  if (e instanceof StoreError || typeof e !== 'object' || e === null) return e;
  const pe = e as PgLikeError;
  const code = storeErrorCode(pe);
  if (!code) return e;
  let message = `${PREFIX[code]}: ${pe.message ?? String(e)}`;
  if (/does not support SSL/.test(pe.message ?? '')) message += ' (set CADRAN_DATABASE_TLS=disable to connect without TLS)';
  if (/certificate|Hostname\/IP does not match/.test(pe.message ?? '')) {
    message += ' (give the CA with CADRAN_DATABASE_CA_FILE, or set CADRAN_DATABASE_TLS=require to encrypt without verifying the server)';
  }
  if (pe.code) message += ` (${pe.code}${pe.table ? ` on ${pe.table}` : ''})`;
  return new StoreError(code, message, { cause: e });
}
