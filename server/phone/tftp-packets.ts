// TFTP wire format (RFC 1350) with option extension (RFC 2347). Pure functions over Buffers, shared
// by the server and the small client; every decoder returns a value or an error string, never throws,
// because every datagram comes from the network.

export const OP = { RRQ: 1, WRQ: 2, DATA: 3, ACK: 4, ERROR: 5, OACK: 6 } as const;

/** RFC 1350 error codes (8 from RFC 2347). */
export const TFTP_ERR = {
  UNDEFINED: 0,
  NOT_FOUND: 1,
  ACCESS: 2,
  DISK_FULL: 3,
  ILLEGAL_OP: 4,
  UNKNOWN_TID: 5,
  EXISTS: 6,
  NO_USER: 7,
  OPTION_REFUSED: 8,
} as const;

export interface TftpRequest {
  opcode: typeof OP.RRQ | typeof OP.WRQ;
  /** The file name bytes exactly as sent (before the terminating NUL). */
  rawName: Buffer;
  mode: string;
  /** Options in request order, names lower-cased; the first occurrence of a name wins. */
  options: Map<string, string>;
}

const MAX_OPTIONS = 32;
const MAX_FIELD = 512;

/** Reads a NUL-terminated field starting at `at`; null when no NUL follows. */
function field(buf: Buffer, at: number): { bytes: Buffer; next: number } | null {
  const end = buf.indexOf(0, at);
  if (end < 0 || end - at > MAX_FIELD) return null;
  return { bytes: buf.subarray(at, end), next: end + 1 };
}

export function parseRequest(buf: Buffer): TftpRequest | string {
  if (buf.length < 2) return 'datagram shorter than an opcode';
  const opcode = buf.readUInt16BE(0);
  if (opcode !== OP.RRQ && opcode !== OP.WRQ) return `opcode ${opcode} is not a request`;
  const name = field(buf, 2);
  if (!name) return 'file name is not NUL-terminated';
  const mode = field(buf, name.next);
  if (!mode) return 'transfer mode is missing or not NUL-terminated';
  const options = new Map<string, string>();
  let at = mode.next;
  while (at < buf.length) {
    const key = field(buf, at);
    const value = key && field(buf, key.next);
    // Some clients pad the request with NULs: an empty trailing name ends the list.
    if (key && key.bytes.length === 0 && !buf.subarray(at).some((b) => b !== 0)) break;
    if (!key || !value) return 'option list is truncated';
    if (options.size >= MAX_OPTIONS) return 'too many options';
    const k = key.bytes.toString('latin1').toLowerCase();
    if (!options.has(k)) options.set(k, value.bytes.toString('latin1'));
    at = value.next;
  }
  return { opcode, rawName: name.bytes, mode: mode.bytes.toString('latin1').toLowerCase(), options };
}

export function encodeRequest(
  opcode: typeof OP.RRQ | typeof OP.WRQ,
  name: string | Buffer,
  mode: string,
  options: Record<string, string | number> = {},
): Buffer {
  const parts: Buffer[] = [u16(opcode), Buffer.from(name as string, 'latin1'), ZERO, Buffer.from(mode, 'latin1'), ZERO];
  for (const [k, v] of Object.entries(options)) parts.push(Buffer.from(k, 'latin1'), ZERO, Buffer.from(String(v), 'latin1'), ZERO);
  return Buffer.concat(parts);
}

const ZERO = Buffer.from([0]);

function u16(n: number): Buffer {
  const b = Buffer.allocUnsafe(2);
  b.writeUInt16BE(n & 0xffff, 0);
  return b;
}

/** 4-byte DATA header; send it with the payload as a two-buffer datagram to avoid a copy. */
export function dataHeader(block: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt16BE(OP.DATA, 0);
  b.writeUInt16BE(block & 0xffff, 2);
  return b;
}

export function encodeAck(block: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt16BE(OP.ACK, 0);
  b.writeUInt16BE(block & 0xffff, 2);
  return b;
}

/** ERROR packet; the message is reduced to printable ASCII so nothing odd goes on the wire. */
export function encodeError(code: number, message: string): Buffer {
  const text = printable(message).slice(0, 200);
  const b = Buffer.alloc(5 + text.length);
  b.writeUInt16BE(OP.ERROR, 0);
  b.writeUInt16BE(code, 2);
  b.write(text, 4, 'latin1');
  return b;
}

export function encodeOack(options: Record<string, string | number>): Buffer {
  const parts: Buffer[] = [u16(OP.OACK)];
  for (const [k, v] of Object.entries(options)) parts.push(Buffer.from(k, 'latin1'), ZERO, Buffer.from(String(v), 'latin1'), ZERO);
  return Buffer.concat(parts);
}

export function parseOack(buf: Buffer): Record<string, string> | string {
  const out: Record<string, string> = {};
  let at = 2;
  while (at < buf.length) {
    const key = field(buf, at);
    const value = key && field(buf, key.next);
    if (!key || !value) return 'OACK option list is truncated';
    out[key.bytes.toString('latin1').toLowerCase()] = value.bytes.toString('latin1');
    at = value.next;
  }
  return out;
}

export function parseError(buf: Buffer): { code: number; message: string } {
  const code = buf.length >= 4 ? buf.readUInt16BE(2) : 0;
  const end = buf.indexOf(0, 4);
  return { code, message: printable(buf.subarray(4, end < 0 ? buf.length : end).toString('latin1')) };
}

export function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?');
}

/** Strict decimal parse of an option value: digits only, bounded length; null otherwise. */
export function optionNumber(value: string): number | null {
  return /^[0-9]{1,10}$/.test(value) ? Number(value) : null;
}
