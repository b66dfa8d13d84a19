// The resync job page: each phone by the name of the colleague who has it (the MAC only as a
// detail), its state in words that tell "never seen" from "refused", a summary (answered,
// configuration re-read, failed and why), a progress bar coloured by the outcome, and a button to
// try the failed phones again. The JSON twin feeds app.js, which keeps polling after "accepted"
// until the phone re-reads its file.
import { Router, type Request } from 'express';
import type { AppContext } from '../../app-context.ts';
import { DomainError, notFound } from '../../domain/errors.ts';
import { formatMac, normalizeMac } from '../../domain/mac.ts';
import type { Actor } from '../../auth/principal.ts';
import { findModel } from '../../../vendors/index.ts';
import { hasMessage, translate, type Lang } from '../i18n.ts';
import type { Renderer } from '../page.ts';
import type { ResyncJobView, WebPorts } from '../ports.ts';
import { who } from './guards.ts';
import { shownState } from '../../resync/service.ts';

/** Not sent yet, or sent and not answered yet. */
const PENDING = new Set(['queued', 'sent']);
const isFailure = (shown: string) => ['failed', 'never_seen', 'not_sent', 'timeout', 'cancelled'].includes(shown);

/** The job as the page and app.js show it, in the visitor's language. */
export async function resyncJobView(app: AppContext, job: ResyncJobView, lang: Lang) {
  const label = (state: string) => (hasMessage(`resync.state_${state}`) ? translate(lang, `resync.state_${state}`) : state);
  const targets: Array<{ mac: string; who: string; detail: string; state: string; stateLabel: string; code: number | null; reason: string | null; failed: boolean }> = [];
  for (const x of job.targets) {
    const mac = normalizeMac(x.mac);
    const d = await app.store.devices.get(mac);
    const user = d?.userNumber ? await app.store.users.get(d.userNumber) : undefined;
    const found = d ? findModel(d.model) : undefined;
    // "Yealink T54W", "Poly VVX450": the maker's first word and the model.
    const model = d ? (found ? `${found.vendor.displayName.split(' ')[0]} ${d.model}` : d.model) : '';
    const shown = shownState(x);
    // A colleague's name first; a phone without a licence by its label or model.
    const name = user ? user.name : d?.label ? d.label : translate(lang, 'resync.unassigned_phone', { model });
    const reason = x.reason ? translate(lang, x.reason.key, x.reason.params) : null;
    targets.push({
      mac: formatMac(mac),
      who: name,
      detail: [user && d?.label ? d.label : '', user || d?.label ? model : '', formatMac(mac)].filter(Boolean).join(' · '),
      state: shown,
      stateLabel: label(shown),
      code: x.code ?? null,
      reason,
      failed: isFailure(shown),
    });
  }
  const count = (f: (s: string) => boolean) => targets.filter((x) => f(x.state)).length;
  const total = targets.length;
  const pending = count((s) => PENDING.has(s));
  const answered = count((s) => s === 'answered' || s === 'fetched');
  const fetched = count((s) => s === 'fetched');
  const failed = count(isFailure);
  const waiting = count((s) => s === 'answered');
  const done = total - pending;
  // Failures grouped by reason, most frequent first.
  const reasons = new Map<string, number>();
  for (const x of targets) if (x.failed) reasons.set(x.reason ?? x.stateLabel, (reasons.get(x.reason ?? x.stateLabel) ?? 0) + 1);
  const failures = [...reasons].sort((a, b) => b[1] - a[1]).map(([text, n]) => ({ text, n }));
  const outcome = failed === 0 ? (pending ? 'running' : 'ok') : failed === done && !pending ? 'bad' : 'warn';
  const single = job.scope === 'device' || total === 1;
  const headline = single && targets[0]
    ? translate(lang, 'resync.head_device', { name: targets[0].who })
    : job.scope === 'tenant' && job.scopeId
      ? translate(lang, 'resync.head_tenant', { id: (await app.store.tenants.get(job.scopeId))?.name ?? job.scopeId })
      : translate(lang, 'resync.head_phones', { n: total });
  return {
    id: job.id,
    state: job.state,
    stateLabel: label(pending ? 'running' : 'finished'),
    headline,
    targets,
    total,
    done,
    pending,
    percent: total ? Math.round((100 * done) / total) : 100,
    outcome,
    summary: translate(lang, 'resync.summary', { total, answered, fetched, failed }),
    waitingText: waiting ? translate(lang, single ? 'resync.waiting_fetch_one' : 'resync.waiting_fetch', { n: waiting }) : '',
    failures,
    failedMacs: targets.filter((x) => x.failed).map((x) => normalizeMac(x.mac)),
    /** app.js keeps asking while a phone is on its way or has accepted and not re-read yet. */
    watch: pending > 0 || waiting > 0,
  };
}

export function resyncPages(app: AppContext, render: Renderer, ports: WebPorts): Router {
  const r = Router();
  const jobOf = async (req: Request) => {
    const p = who(req);
    if (!ports.resyncJob) throw notFound('not_found.resync_job', { id: String(req.params.id) });
    return { p, job: await resyncJobView(app, await ports.resyncJob(p, req.params.id as string), req.web!.lang) };
  };
  r.get('/resync-jobs/:id.json', async (req, res) => {
    res.set('Cache-Control', 'no-store').json((await jobOf(req)).job);
  });
  r.get('/resync-jobs/:id', async (req, res) => {
    const { job } = await jobOf(req);
    render(req, res, 'resync-job', { titleKey: 'resync.title', job, canRetry: !!ports.resyncAgain, active: '' });
  });
  // Try again the phones that failed (the job's own access check ran in jobOf; each phone is
  // checked again by the resync service).
  r.post('/resync-jobs/:id/retry', async (req, res) => {
    const { p, job } = await jobOf(req);
    if (!ports.resyncAgain || job.pending || !job.failedMacs.length) return res.redirect(303, `/resync-jobs/${encodeURIComponent(job.id)}`);
    const again = await ports.resyncAgain(p, job.failedMacs, `retry ${job.id}`);
    res.redirect(303, `/resync-jobs/${encodeURIComponent(again.id)}?done=resync_retried&count=${job.failedMacs.length}`);
  });
  return r;
}
