// CSV imports over the API: `POST /devices/import` (technicians' MAC lists) and
// `POST /users/{number}/contacts/import` (personal contacts). The body is a CSV (`text/csv`) or a
// multipart upload, read as a stream; `?dryRun=true`, `?mode=skip-invalid`, `?tenant=<id>`.
// The answer is the report as JSON (or CSV with `Accept: text/csv`): 200 when applied or for a
// dry run, 422 (with the report) when an all-or-nothing import wrote nothing. Reasons, warnings
// and the summary are in the client's language (Accept-Language), each with its stable key.
import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../app-context.ts';
import { principal } from '../auth.ts';
import { apiTranslator, errorBody } from '../errors.ts';
import { invalid } from '../../domain/errors.ts';
import { getUser } from '../../service/users.ts';
import { importDevices, requireDeviceImporter } from '../../imports/devices.ts';
import { importContacts, importSharedContacts } from '../../imports/contacts.ts';
import { keepOpen, openUpload, DEFAULT_MAX_UPLOAD_BYTES, type Upload } from '../../imports/upload.ts';
import { describe } from '../../auth/principal.ts';
import { sizeMessage, TooLargeError } from '../../imports/csv.ts';
import { parseFlag } from '../../imports/common.ts';
import { localizeReport, reportToCsv, type ImportMode, type ImportReport } from '../../imports/report.ts';

export interface ImportsRouterOptions {
  /** Largest CSV accepted, in bytes (default 64 MB). */
  maxUploadBytes?: number;
}

interface Options {
  dryRun: boolean;
  mode: ImportMode;
  tenant?: string;
}

function options(req: Request, form: Record<string, string>): Options {
  const q = { ...form, ...(req.query as Record<string, unknown>) };
  const dryRun = parseFlag('dryRun', q.dryRun ?? q.dryrun) ?? false;
  const mode = q.mode ?? 'all-or-nothing';
  if (mode !== 'all-or-nothing' && mode !== 'skip-invalid') {
    throw invalid('mode', 'validation.choice', { values: 'all-or-nothing, skip-invalid' });
  }
  const tenant = typeof q.tenant === 'string' && q.tenant.trim() ? q.tenant : undefined;
  return { dryRun, mode, ...(tenant ? { tenant } : {}) };
}

function send(req: Request, res: Response, report: ImportReport): void {
  const t = apiTranslator(req, res);
  const view = localizeReport(report, t);
  const failed = !report.dryRun && !report.applied;
  res.status(failed ? 422 : 200);
  if (req.accepts(['application/json', 'text/csv']) === 'text/csv') {
    res.type('text/csv; charset=utf-8').send(reportToCsv(view));
    return;
  }
  if (!failed) {
    res.json(view);
    return;
  }
  const details = view.lines
    .filter((l) => l.status === 'rejected')
    .slice(0, 100)
    .map((l) => ({ line: l.line, ...(l.field !== undefined ? { field: l.field } : {}), key: l.key ?? 'import_line.rejected', params: l.params ?? {}, message: l.reason ?? t('import_line.rejected') }));
  res.json({ ...errorBody('validation_failed', report.summary, t, details), ...view });
}

/** Read the upload and run the import; a body over the cap is a 413, and any failure once the
 *  body is being read closes the connection (the rest of it is not worth reading). */
async function withUpload(app: AppContext, req: Request, res: Response, maxBytes: number, run: (u: Upload) => Promise<ImportReport>): Promise<void> {
  // One import per person at a time, a few in total: a 60 MB upload costs little, but not four at once.
  const release = app.imports.acquire(describe(req.principal!));
  try {
    const upload = await openUpload(req, maxBytes);
    // An import may stop reading early (a full directory): the rest of the body is not read, the
    // connection is closed after the answer instead of the request being destroyed before it.
    const report = await run({ ...upload, source: keepOpen(upload.source) });
    if (!req.complete) res.set('Connection', 'close');
    send(req, res, report);
  } catch (e) {
    if (!req.complete) res.set('Connection', 'close');
    if (e instanceof TooLargeError) {
      // `upload.too_large_split_mb` / `_kb`.
      res.status(413).json(errorBody('payload_too_large', sizeMessage('upload.too_large_split', e.limit), apiTranslator(req, res)));
      return;
    }
    throw e;
  } finally {
    release();
  }
}

export function importsRouter(app: AppContext, o: ImportsRouterOptions = {}): Router {
  const maxBytes = o.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  const r = Router();
  r.post('/devices/import', async (req, res) => {
    const p = principal(req);
    requireDeviceImporter(p);
    await withUpload(app, req, res, maxBytes, (u) => {
      const opt = options(req, u.fields);
      return importDevices(app, p, u.source, { dryRun: opt.dryRun, mode: opt.mode, defaultTenant: opt.tenant, charset: u.charset, maxBytes });
    });
  });
  r.post('/tenants/:tenant/contacts/import', async (req, res) => {
    const p = principal(req);
    await withUpload(app, req, res, maxBytes, (u) => {
      const opt = options(req, u.fields);
      return importSharedContacts(app, p, req.params.tenant!, u.source, { dryRun: opt.dryRun, mode: opt.mode, charset: u.charset, maxBytes });
    });
  });
  r.post('/users/:number/contacts/import', async (req, res) => {
    const p = principal(req);
    await getUser(app, p, req.params.number!);
    await withUpload(app, req, res, maxBytes, (u) => {
      const opt = options(req, u.fields);
      return importContacts(app, p, req.params.number!, u.source, { dryRun: opt.dryRun, mode: opt.mode, charset: u.charset, maxBytes });
    });
  });
  return r;
}
