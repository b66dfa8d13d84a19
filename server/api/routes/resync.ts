// Resync routes: trigger (device, user, tenant), list, show and cancel jobs; and `?resync=true`
// on any API write (mounted by the API app before every router), which resyncs the phones the
// write changed.
import { Router, type Request, type RequestHandler } from 'express';
import type { AppContext } from '../../app-context.ts';
import { DomainError, invalid } from '../../domain/errors.ts';
import { principal } from '../auth.ts';
import { apiTranslator } from '../errors.ts';
import { localizeJob, type ResyncOptions } from '../../resync/service.ts';

/** Response header naming the jobs a `?resync=true` write queued (comma-separated ids). */
export const RESYNC_JOBS_HEADER = 'Cadran-Resync-Jobs';
/** Response header saying why a `?resync=true` write queued no resync (the write itself succeeded):
 *  the stable catalogue key of the error (e.g. `conflict.resync_not_running`). */
export const RESYNC_ERROR_HEADER = 'Cadran-Resync-Error';

const flag = (v: unknown, name: string): boolean => {
  if (v === undefined || v === false || v === 'false' || v === '0') return false;
  if (v === true || v === 'true' || v === '1' || v === '') return true;
  throw invalid(name, 'validation.flag');
};

/** `?reboot=true` or `{"reboot": true}`. */
function options(req: Request): ResyncOptions {
  const body = (req.body ?? {}) as Record<string, unknown>;
  return { reboot: flag((req.query as Record<string, unknown>).reboot ?? (typeof body === 'object' ? body.reboot : undefined), 'reboot') };
}

const WRITES = new Set(['POST', 'PUT', 'PATCH']);

/**
 * `?resync=true` on a successful POST/PUT/PATCH of any router: the phones whose files the request
 * changed (as announced on app.changes while it ran) get a resync job, named in the
 * Cadran-Resync-Jobs header. The answer is held back until the jobs are stored, so the header can
 * name them. Another request's changes made at the same moment may be included: a resync too many
 * is harmless. A failure to queue never turns the successful write into an error.
 */
export function resyncOnChange(app: AppContext): RequestHandler {
  return (req, res, next) => {
    if (!WRITES.has(req.method) || (req.query as Record<string, unknown>).resync !== 'true' || !req.principal) return next();
    const p = req.principal;
    const what = `${req.method} ${req.path}`;
    const macs = new Set<string>();
    let all = false;
    const unsubscribe = app.changes.onChange((c) => {
      if (c.macs === '*') all = true;
      else for (const m of c.macs) macs.add(m);
    });
    res.once('close', unsubscribe);
    const queue = async (): Promise<string[]> => {
      const list = all ? await app.resync.everyDevice(p) : [...macs];
      if (list.length === 0) return [];
      return (await app.resync.changed(p, list, what, options(req))).map((j) => j.id);
    };
    const end = res.end;
    // Every answer ends here (res.json and res.send call end): the jobs are queued just before.
    // Typed loosely because end has several overloads.
    res.end = function (this: typeof res, ...args: unknown[]) {
      unsubscribe();
      res.end = end;
      const finish = () => (end as (...a: unknown[]) => typeof res).apply(this, args);
      if (res.statusCode < 200 || res.statusCode >= 300 || res.headersSent) return finish();
      queue().then(
        (ids) => {
          if (ids.length && !res.headersSent) res.setHeader(RESYNC_JOBS_HEADER, ids.join(','));
        },
        (err: unknown) => {
          if (!(err instanceof DomainError)) app.log.error({ err, method: req.method, path: req.path }, 'resync after a write failed');
          if (!res.headersSent) res.setHeader(RESYNC_ERROR_HEADER, err instanceof DomainError ? err.key : 'api.internal');
        },
      ).finally(finish);
      return res;
    } as typeof res.end;
    next();
  };
}

/** Resync routes: trigger (device, user, tenant), list, show and cancel jobs. */
export function resyncRouter(app: AppContext): Router {
  const r = Router();
  r.post('/devices/:mac/resync', async (req, res) => {
    res.status(202).json(await app.resync.device(principal(req), req.params.mac, options(req)));
  });
  r.post('/users/:number/resync', async (req, res) => {
    res.status(202).json(await app.resync.user(principal(req), req.params.number, options(req)));
  });
  r.post('/tenants/:tenant/resync', async (req, res) => {
    res.status(202).json(await app.resync.tenant(principal(req), req.params.tenant, options(req)));
  });
  r.get('/resync-jobs', async (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    let limit: number | undefined;
    if (q.limit !== undefined) {
      limit = Number(q.limit);
      if (!Number.isInteger(limit)) throw invalid('limit', 'validation.range', { min: 1, max: 1000 });
    }
    const jobs = await app.resync.list(principal(req), { ...(q.tenant ? { tenant: q.tenant } : {}), ...(limit !== undefined ? { limit } : {}) });
    const t = apiTranslator(req, res);
    res.json(jobs.map((j) => localizeJob(j, t)));
  });
  // Reasons (never seen, refused, no answer…) in the client's language, with their stable keys.
  r.get('/resync-jobs/:id', async (req, res) => {
    const job = await app.resync.job(principal(req), req.params.id);
    res.json(localizeJob(job, apiTranslator(req, res)));
  });
  r.delete('/resync-jobs/:id', async (req, res) => {
    const job = await app.resync.cancel(principal(req), req.params.id);
    res.json(localizeJob(job, apiTranslator(req, res)));
  });
  r.post('/resync-jobs/:id/cancel', async (req, res) => {
    const job = await app.resync.cancel(principal(req), req.params.id);
    res.json(localizeJob(job, apiTranslator(req, res)));
  });
  return r;
}
