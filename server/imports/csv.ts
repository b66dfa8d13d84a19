// Reading a CSV as spreadsheets write it, streamed: UTF-8 with or without BOM (or Windows-1252,
// what Excel's plain "CSV" export writes in a French locale), CRLF / LF / CR line ends, `,` `;`
// or tab separated (detected on the header line), quoted fields. The parsing itself is csv-parse;
// this module decodes the bytes, refuses what is not text, and numbers the lines as a
// spreadsheet user sees them (header = line 1).
import { Readable } from 'node:stream';
import { TextDecoder } from 'node:util';
import { parse, type CsvError } from 'csv-parse';
import { DomainError, invalidFile } from '../domain/errors.ts';
import { message, type Message, type MessageParams } from '../domain/messages.ts';

export interface CsvRow {
  /** Line of the file where the record starts (1 = the header). */
  line: number;
  fields: string[];
}

export interface CsvReadOptions {
  /** Refuse more bytes than this (uploads); `TooLargeError` is thrown. */
  maxBytes?: number;
  /** `charset` declared by the sender; otherwise UTF-8, falling back to Windows-1252. */
  charset?: string;
  /** Called with the number of bytes read so far (progress bars). */
  onBytes?: (bytes: number) => void;
}

/** Longest record accepted, in characters: far beyond any real line, short of a runaway one. */
export const MAX_RECORD_CHARS = 1_000_000;
/** How much is looked at before choosing the encoding and the separator. */
const SNIFF_BYTES = 64 * 1024;

/** The upload is over the size limit (the edges answer 413 with `upload.too_large`). */
export class TooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`upload larger than ${formatBytes(limit)}`);
  }
}

/** A size limit as a message says it: `{ max: 64 }` with the `_mb` key, or kilobytes with `_kb`. */
export function sizeMessage(key: string, bytes: number): Message {
  return bytes >= 1024 * 1024 ? message(`${key}_mb`, { max: Math.round(bytes / (1024 * 1024)) }) : message(`${key}_kb`, { max: Math.round(bytes / 1024) });
}

export function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${Math.round(n / (1024 * 1024))} MB` : `${Math.round(n / 1024)} KB`;
}

const fileError = (key: string, line?: number, params?: MessageParams): DomainError => invalidFile(key, params, line || undefined);

/** Formats people upload by mistake, recognised by their first bytes. */
function refuseKnownBinary(head: Buffer): void {
  const starts = (...bytes: number[]) => bytes.every((b, i) => head[i] === b);
  if (starts(0x50, 0x4b, 0x03, 0x04)) throw fileError('csv.zip');
  if (starts(0xd0, 0xcf, 0x11, 0xe0)) throw fileError('csv.xls');
  if (starts(0x25, 0x50, 0x44, 0x46)) throw fileError('csv.pdf');
  if (starts(0xff, 0xfe) || starts(0xfe, 0xff)) throw fileError('csv.utf16');
}

function normalizeCharset(charset: string | undefined): 'utf-8' | 'windows-1252' | undefined {
  if (!charset) return undefined;
  const c = charset.trim().toLowerCase();
  if (c === 'utf-8' || c === 'utf8' || c === 'us-ascii' || c === 'ascii') return 'utf-8';
  if (['windows-1252', 'cp1252', 'iso-8859-1', 'latin1', 'iso-8859-15', 'latin-9'].includes(c)) return 'windows-1252';
  throw fileError('csv.charset', undefined, { charset: charset.slice(0, 40) });
}

/** The separator used on the header line: the most frequent of `;` `,` tab outside quotes. */
export function detectDelimiter(text: string): string {
  let inQuotes = false;
  const counts: Record<string, number> = { ';': 0, ',': 0, '\t': 0 };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') inQuotes = !inQuotes;
    else if (!inQuotes && c === '\n') break;
    else if (!inQuotes && c in counts) counts[c]!++;
  }
  let best = ',';
  for (const d of [';', '\t']) if (counts[d]! > counts[best]!) best = d;
  return best;
}

/**
 * Bytes → text with every line end turned into `\n`, so that csv-parse's line counter is exact
 * (it counts an embedded CRLF twice otherwise). Throws a DomainError on non-text content.
 */
async function* decodeText(input: AsyncIterable<Buffer | string>, opts: CsvReadOptions, state: { lines: number }): AsyncGenerator<string> {
  let bytes = 0;
  let decoder: TextDecoder | undefined;
  let encoding = normalizeCharset(opts.charset);
  let pendingCr = false;
  let head: Buffer[] = [];
  let headBytes = 0;

  const toText = (buf: Buffer, final: boolean): string => {
    if (buf.includes(0)) throw fileError('csv.nul_bytes', state.lines + 1);
    let text: string;
    try {
      text = decoder!.decode(buf, { stream: !final });
    } catch {
      // Name the line of the first bad byte: decode leniently and look for the replacement mark.
      const lenient = new TextDecoder('utf-8').decode(buf);
      const before = lenient.slice(0, Math.max(0, lenient.indexOf('\ufffd')));
      const line = state.lines + 1 + (before.match(/\r\n|\r|\n/g)?.length ?? 0);
      throw fileError('csv.not_utf8', line);
    }
    if (pendingCr) text = '\r' + text;
    pendingCr = !final && text.endsWith('\r');
    if (pendingCr) text = text.slice(0, -1);
    const out = text.replace(/\r\n?/g, '\n');
    for (let i = out.indexOf('\n'); i >= 0; i = out.indexOf('\n', i + 1)) state.lines++;
    return out;
  };

  const start = (): string => {
    const buf = Buffer.concat(head);
    head = [];
    refuseKnownBinary(buf);
    if (!encoding) {
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(buf, { stream: true });
        encoding = 'utf-8';
      } catch {
        encoding = 'windows-1252';
      }
    }
    decoder = new TextDecoder(encoding, { fatal: encoding === 'utf-8' });
    return toText(buf, false);
  };

  for await (const chunk of input) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    bytes += buf.length;
    if (opts.maxBytes !== undefined && bytes > opts.maxBytes) throw new TooLargeError(opts.maxBytes);
    opts.onBytes?.(bytes);
    if (!decoder) {
      head.push(buf);
      headBytes += buf.length;
      if (headBytes < SNIFF_BYTES) continue;
      yield start();
      continue;
    }
    const text = toText(buf, false);
    if (text) yield text;
  }
  if (!decoder) {
    if (headBytes === 0) throw fileError('csv.empty');
    const text = start();
    if (text) yield text;
  }
  const rest = toText(Buffer.alloc(0), true);
  if (rest) yield rest;
}

function csvErrorMessage(e: CsvError & { lines?: number }): DomainError {
  const line = typeof e.lines === 'number' ? e.lines : undefined;
  switch (e.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return fileError('csv.quote_not_closed', line);
    case 'CSV_MAX_RECORD_SIZE':
      return fileError('csv.line_too_long', line, { max: MAX_RECORD_CHARS });
    case 'CSV_INVALID_CLOSING_QUOTE':
      return fileError('csv.text_after_quote', line);
    default:
      // csv-parse's own words stay in the log; people get the line and a generic reason.
      return fileError('csv.unreadable', line, { code: e.code });
  }
}

/** Records handed over at once: the consumer works per batch, not per promise. */
const BATCH = 1000;

/**
 * The records of a CSV file, header first, in batches, each with the line where it starts.
 * Blank lines and lines of empty cells (spreadsheets add them) are skipped. Pull-based: the file
 * is read only as fast as the batches are consumed, so memory stays flat.
 */
export async function* readCsv(input: AsyncIterable<Buffer | string>, opts: CsvReadOptions = {}): AsyncGenerator<CsvRow[]> {
  const state = { lines: 0 };
  const text = decodeText(input, opts, state);
  // The separator is chosen on the header line, from the first decoded chunk.
  const first = await text.next();
  const firstText = first.done ? '' : first.value;
  const delimiter = detectDelimiter(firstText.replace(/^\s*\n/, ''));
  // No `info` (it doubles the parse time): every line end is `\n` and empty lines are records,
  // so the line of each record is counted here.
  const parser = parse({
    delimiter,
    record_delimiter: '\n',
    relax_quotes: true,
    relax_column_count: true,
    max_record_size: MAX_RECORD_CHARS,
  });
  async function* all(): AsyncGenerator<string> {
    if (!first.done) yield first.value;
    yield* text;
  }
  const source = Readable.from(all(), { objectMode: false });
  let failure: unknown;
  const fail = (e: unknown) => {
    failure ??= e;
  };
  source.on('error', (e) => {
    fail(e);
    parser.destroy(e);
  });
  parser.on('error', fail);
  source.pipe(parser);
  let nextLine = 1;
  try {
    for (;;) {
      const batch: CsvRow[] = [];
      let record: string[] | null;
      while (batch.length < BATCH && (record = parser.read() as string[] | null) !== null) {
        const line = nextLine;
        let inner = 0;
        let empty = true;
        for (const f of record) {
          if (empty && f.trim() !== '') empty = false;
          for (let i = f.indexOf('\n'); i >= 0; i = f.indexOf('\n', i + 1)) inner++;
        }
        nextLine += 1 + inner;
        if (!empty) batch.push({ line, fields: record });
      }
      if (batch.length) {
        yield batch;
        continue;
      }
      if (failure !== undefined) throw failure;
      if (parser.readableEnded) return;
      await new Promise<void>((resolve) => {
        const done = () => {
          parser.off('readable', done);
          parser.off('end', done);
          parser.off('error', done);
          parser.off('close', done);
          resolve();
        };
        parser.on('readable', done);
        parser.on('end', done);
        parser.on('error', done);
        parser.on('close', done);
      });
    }
  } catch (e) {
    if (e instanceof DomainError || e instanceof TooLargeError) throw e;
    if ((e as CsvError).code?.startsWith('CSV_')) throw csvErrorMessage(e as CsvError);
    throw e;
  } finally {
    source.destroy();
    parser.destroy();
  }
}
