// Reading HTML forms (urlencoded, or multipart for uploads) and turning service errors into
// messages next to the fields they concern.
import type { Request, RequestHandler } from 'express';
import express from 'express';
import busboy from 'busboy';
import { detailText, describeDetail, describeError, invalidFile, type DomainError } from '../domain/errors.ts';
import type { Translate } from '../domain/messages.ts';
import { DEFAULT_LANG, translator } from './i18n.ts';
import { sizeMessage } from '../imports/csv.ts';

export const MAX_UPLOAD_BYTES = 5 * 1024 * 1024;

export interface Upload {
  filename: string;
  /** The file as sent: the importers detect BOM and charset themselves. */
  bytes: Buffer;
}

declare module 'express-serve-static-core' {
  interface Request {
    upload?: Upload;
  }
}

const urlencoded = express.urlencoded({ extended: false, limit: '6mb', parameterLimit: 5000 });

/** Parse form bodies into `req.body` (strings); a multipart file goes to `req.upload` as UTF-8 text. */
export const formBody: RequestHandler = (req, res, next) => {
  if (!req.is('multipart/form-data')) return urlencoded(req, res, next);
  let bb: busboy.Busboy;
  try {
    bb = busboy({ headers: req.headers, limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 50, fieldSize: 100_000 } });
  } catch {
    return next(invalidFile('upload.malformed'));
  }
  const body: Record<string, string> = {};
  let failed: DomainError | undefined;
  bb.on('field', (name, value) => {
    body[name] = value;
  });
  bb.on('file', (name, stream, info) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('limit', () => {
      const size = sizeMessage('upload.too_large', MAX_UPLOAD_BYTES); // upload.too_large_mb / _kb
      failed = invalidFile(size.key, size.params, undefined, name);
    });
    stream.on('end', () => {
      if (!failed) req.upload = { filename: info.filename ?? '', bytes: Buffer.concat(chunks) };
    });
  });
  bb.on('error', () => {
    failed ??= invalidFile('upload.malformed');
    next(failed);
  });
  bb.on('close', () => {
    req.body = body;
    next(failed);
  });
  req.pipe(bb);
};

/** The catalogue in the visitor's language. */
export const tr = (req: Request): Translate => translator(req.web?.lang ?? DEFAULT_LANG);

/** A form field as a trimmed string ('' when absent or repeated oddly). */
export function field(req: Request, name: string): string {
  const v = (req.body as Record<string, unknown> | undefined)?.[name];
  const s = Array.isArray(v) ? v[v.length - 1] : v;
  return typeof s === 'string' ? s.trim() : '';
}

/** Empty → null (clears an optional value). */
export const orNull = (s: string): string | null => (s === '' ? null : s);

/** The fields of a contact form (personal or shared contact): empty numbers and group are null. */
export const contactFields = (req: Request) => ({
  name: field(req, 'name'), work: orNull(field(req, 'work')), mobile: orNull(field(req, 'mobile')), home: orNull(field(req, 'home')), group: orNull(field(req, 'group')),
});

/** A number field: empty → null; not a number → the raw text, so validation names the field. */
export function numberOrNull(s: string): number | string | null {
  if (s === '') return null;
  const n = Number(s);
  return Number.isFinite(n) && /^-?\d+(\.\d+)?$/.test(s) ? n : s;
}

/** One value per line (or comma / space separated) → list without blanks. */
export const lines = (s: string): string[] => s.split(/[\s,;]+/).map((x) => x.trim()).filter(Boolean);

export interface FormErrors {
  /** field name → message */
  fields: Record<string, string>;
  /** Message not tied to a field. */
  general?: string;
}

/**
 * The messages of a DomainError keyed by form field, translated with `t`. `rename` maps the
 * service's field path (`keys.3.value`, `ntpServers.1`) to the form's field name; null sends the
 * detail to the general message, where it keeps its field or line.
 */
export function formErrors(e: DomainError, t: Translate, rename: (field: string) => string | null = (f) => f): FormErrors {
  const fields: Record<string, string> = {};
  const loose: string[] = [];
  for (const d of e.details) {
    const name = d.field !== undefined ? rename(d.field) : null;
    if (name && !fields[name]) fields[name] = d.line !== undefined ? describeDetail({ line: d.line, key: d.key, ...(d.params ? { params: d.params } : {}) }, t) : detailText(d, t);
    else if (!name) loose.push(describeDetail(d, t));
  }
  const out: FormErrors = { fields };
  if (loose.length || !e.details.length) out.general = loose.length ? loose.join(' · ') : describeError(e, t);
  return out;
}

/**
 * The CSV of an import: the uploaded file at the dry run, or the same bytes carried back (base64url
 * in a hidden field) when the visitor confirms. Empty when nothing was sent.
 */
export function importBytes(req: Request): { bytes: Buffer; carried: string; confirm: boolean } {
  const confirm = field(req, 'step') === 'confirm';
  const bytes = confirm ? Buffer.from(field(req, 'csv'), 'base64url') : (req.upload?.bytes ?? Buffer.alloc(0));
  return { bytes, carried: bytes.toString('base64url'), confirm };
}
