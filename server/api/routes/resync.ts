// Resync routes: trigger (device, user, tenant), list, show and cancel jobs; and `?resync=true`
// on any API write, which resyncs the phones the write changed.
import { Router, type Request, type RequestHandler } from 'express';
import type { AppContext } from '../../app-context.ts';
import { isOperator, type Principal } from '../../auth/principal.ts';
import { invalid } from '../../domain/errors.ts';
import { principal } from '../auth.ts';
import {
  cancelResyncJob, getResyncJob, listResyncJobs, resyncDevice, resyncMacs, resyncTenant, resyncUser, type ResyncOptions,
} from '../../sip/service.ts';

/** Response header naming the jobs a `?resync=true` write queued (comma-separated ids). */
export const RESYNC_JOBS_HEADER = 'Cadran-Resync-Jobs';
/** Response header saying why a `?resync=true` write queued no resync (the write itself succeeded). */
export const RESYNC_ERROR_HEADER = 'Cadran-Resync-Error';

const flag = (v: unknown, name: string): boolean => {
  if (v === undefined || v === false || v === 'false' || v === '0') return false;
  if (v === true || v === 'true' || v === '1' || v === '') return true;
  throw invalid(name, 'must be true or false');
};

/** `?reboot=true` or `{"reboot": true}`. */
function options(req: Request): ResyncOptions {
  const body = (req.body ?? {}) as Record<string, unknown>;
  return { reboot: flag((req.query as Record<string, unknown>).reboot ?? (typeof body === 'object' ? body.reboot : undefined), 'reboot') };
}

const WRITES = new Set(['POST', 'PUT', 'PATCH']);

/** The devices a change to "every phone" means for this caller: their tenant, or all for operators. */
function everyDevice(app: AppContext, p: Principal): string[] {
  if (isOperator(p)) return app.store.devices.list().map((d) => d.mac);
  return p.kind === 'user' && p.role === 'admin' ? app.store.devices.list({ tenantId: p.tenantId }).map((d) => d.mac) : [];
}

/**
 * `?resync=true` on a successful POST/PUT/PATCH: the phones whose files the request changed
 * (as announced on app.changes while it ran) get a resync job, named in the Cadran-Resync-Jobs
 * header. Another request's changes made at the same moment may be included: a resync too many
 * is harmless. A failure to queue never turns the successful write into an error.
 */
export function resyncOnChange(app: AppContext): RequestHandler {
  return (req, res, next) => {
    if (!WRITES.has(req.method) || (req.query as Record<string, unknown>).resync !== 'true' || !req.principal) return next();
    const p = req.principal;
    const macs = new Set<string>();
    let all = false;
    const unsubscribe = app.changes.onChange((c) => {
      if (c.macs === '*') all = true;
      else for (const m of c.macs) macs.add(m);
    });
    res.once('close', unsubscribe);
    const writeHead = res.writeHead;
    // Express writes the status line through writeHead; the jobs are queued just before, so the
    // header can name them. Typed loosely because writeHead has several overloads.
    res.writeHead = function (this: typeof res, ...args: unknown[]) {
      unsubscribe();
      if (res.statusCode >= 200 && res.statusCode < 300 && !res.headersSent) {
        try {
          const list = all ? everyDevice(app, p) : [...macs];
          const jobs = list.length ? resyncMacs(app, p, list, req.path, options(req)) : [];
          if (jobs.length) res.setHeader(RESYNC_JOBS_HEADER, jobs.map((j) => j.id).join(','));
        } catch (err) {
          res.setHeader(RESYNC_ERROR_HEADER, (err instanceof Error ? err.message : String(err)).replace(/[^\x20-\x7e]/g, '?'));
        }
      }
      return (writeHead as (...a: unknown[]) => typeof res).apply(this, args);
    } as typeof res.writeHead;
    next();
  };
}

export function resyncRouter(app: AppContext): Router {
  const r = Router();
  r.use(resyncOnChange(app));
  r.post('/devices/:mac/resync', (req, res) => {
    res.status(202).json(resyncDevice(app, principal(req), req.params.mac, options(req)));
  });
  r.post('/users/:number/resync', (req, res) => {
    res.status(202).json(resyncUser(app, principal(req), req.params.number, options(req)));
  });
  r.post('/tenants/:id/resync', (req, res) => {
    res.status(202).json(resyncTenant(app, principal(req), req.params.id, options(req)));
  });
  r.get('/resync-jobs', (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    let limit: number | undefined;
    if (q.limit !== undefined) {
      limit = Number(q.limit);
      if (!Number.isInteger(limit)) throw invalid('limit', 'must be an integer from 1 to 1000');
    }
    res.json(listResyncJobs(app, principal(req), { ...(q.tenant ? { tenant: q.tenant } : {}), ...(limit !== undefined ? { limit } : {}) }));
  });
  r.get('/resync-jobs/:id', (req, res) => {
    res.json(getResyncJob(app, principal(req), req.params.id));
  });
  r.delete('/resync-jobs/:id', (req, res) => {
    res.json(cancelResyncJob(app, principal(req), req.params.id));
  });
  r.post('/resync-jobs/:id/cancel', (req, res) => {
    res.json(cancelResyncJob(app, principal(req), req.params.id));
  });
  return r;
}
