// The CSV of an API import, as a stream: either the raw request body (`text/csv`) or the first
// file of a `multipart/form-data` upload (busboy). Nothing is buffered here; the size cap is
// enforced on the bytes actually read (and up front from Content-Length).
import type { Request } from 'express';
import busboy from 'busboy';
import { DomainError, invalidFile } from '../domain/errors.ts';
import type { MessageParams } from '../domain/messages.ts';
import { TooLargeError } from './csv.ts';

export const DEFAULT_MAX_UPLOAD_BYTES = 64 * 1024 * 1024;

export interface Upload {
  source: AsyncIterable<Buffer>;
  /** Charset declared with the body, if any. */
  charset?: string;
  /** Form fields sent before the file (a web form's options), by name. */
  fields: Record<string, string>;
}

const badRequest = (key: string, params?: MessageParams) => invalidFile(key, params, undefined, 'body');

function charsetOf(contentType: string | undefined): string | undefined {
  const m = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '');
  return m?.[1];
}

/** Raw CSV media types (and what browsers and spreadsheets send for a .csv). */
const RAW_TYPES = new Set(['text/csv', 'text/plain', 'application/csv', 'text/comma-separated-values', 'application/vnd.ms-excel', 'application/octet-stream']);

export function openUpload(req: Request, maxBytes = DEFAULT_MAX_UPLOAD_BYTES): Promise<Upload> {
  const declared = Number(req.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.reject(new TooLargeError(maxBytes));
  const contentType = req.get('content-type') ?? '';
  const media = contentType.split(';')[0]!.trim().toLowerCase();
  if (media === 'multipart/form-data') return openMultipart(req, maxBytes);
  if (media !== '' && !RAW_TYPES.has(media)) {
    return Promise.reject(badRequest('upload.content_type', { type: media.slice(0, 60) }));
  }
  return Promise.resolve({ source: req, charset: charsetOf(contentType), fields: {} });
}

function openMultipart(req: Request, maxBytes: number): Promise<Upload> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      // fileSize one byte over the cap, so the CSV reader sees the excess and reports it.
      bb = busboy({ headers: req.headers, limits: { files: 1, fileSize: maxBytes + 1, fields: 20, fieldSize: 4096, parts: 40 } });
    } catch {
      reject(badRequest('upload.no_boundary'));
      return;
    }
    const fields: Record<string, string> = {};
    let file: NodeJS.ReadableStream | undefined;
    bb.on('field', (name, value) => {
      fields[name] = value;
    });
    bb.on('file', (_name, stream, info) => {
      if (file) {
        stream.resume();
        return;
      }
      file = stream;
      // A cut-off upload makes the file stream emit 'error', maybe before the import reads it (it
      // may be waiting on the database) or after it stopped: with no listener, that error would
      // end the process. The reader still gets it (a stream's iterator reports a stored error).
      stream.on('error', () => undefined);
      resolve({ source: malformedAsBadRequest(stream as AsyncIterable<Buffer>), charset: charsetOf(info.mimeType), fields });
    });
    bb.on('error', (e) => {
      const err = badRequest('upload.malformed');
      if (file) (file as unknown as { destroy(e: Error): void }).destroy(err);
      else reject(err);
    });
    bb.on('close', () => {
      if (!file) reject(badRequest('upload.no_file'));
    });
    req.pipe(bb);
  });
}

/**
 * The file's chunks. A cut-off upload makes the file stream fail with busboy's own plain error
 * ("Unexpected end of form") before busboy's 'error' event: that is the upload's fault (422
 * upload.malformed), not the server's (it was answered 500). Our own errors pass as they are.
 */
function malformedAsBadRequest(stream: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  return {
    [Symbol.asyncIterator]() {
      const it = stream[Symbol.asyncIterator]();
      const mapped = (e: unknown): never => {
        throw e instanceof DomainError || e instanceof TooLargeError ? e : badRequest('upload.malformed');
      };
      return {
        next: () => it.next().catch(mapped),
        return: (v?: unknown) => (it.return ? it.return(v).catch(mapped) : Promise.resolve({ done: true as const, value: undefined })),
      };
    },
  };
}

/**
 * The same chunks, but stopping early (a `break` in the reader) leaves the request alone instead
 * of destroying it — destroying it would close the socket before the answer is sent.
 */
export function keepOpen(source: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  return {
    [Symbol.asyncIterator]() {
      const it = source[Symbol.asyncIterator]();
      return {
        next: () => it.next(),
        return: async () => ({ done: true as const, value: undefined }),
      };
    },
  };
}
