// ResyncJobStore kept in memory: the reference behaviour for tests (and for a store-less run).
// A "restart" in tests is a new engine over the same MemoryResyncStore.
import { summarizeJob } from './summary.ts';
import type { ResyncJob, ResyncJobStore, ResyncJobSummary, ResyncState, ResyncTarget, ResyncTargetRecord, StateDetail } from './types.ts';

export class MemoryResyncStore implements ResyncJobStore {
  readonly #jobs = new Map<string, { job: ResyncJob; targets: Map<string, ResyncTargetRecord> }>();

  createJob(job: ResyncJob, targets: ResyncTarget[]): void {
    if (this.#jobs.has(job.jobId)) throw new Error(`resync job ${job.jobId} already exists`);
    const map = new Map<string, ResyncTargetRecord>();
    for (const t of targets) map.set(t.deviceMac, { ...t, state: 'queued', updatedAt: job.createdAt });
    this.#jobs.set(job.jobId, { job: { ...job }, targets: map });
  }

  setTargetState(jobId: string, deviceMac: string, state: ResyncState, detail: StateDetail): void {
    const rec = this.#jobs.get(jobId)?.targets.get(deviceMac);
    if (!rec) return;
    rec.state = state;
    rec.updatedAt = detail.at;
    if (state === 'sent') rec.sentAt = detail.at;
    if (state === 'fetched') rec.fetchedAt = detail.at;
    if (detail.code !== undefined) rec.code = detail.code;
    if (detail.reason !== undefined) rec.reason = detail.reason;
  }

  pendingTargets(): ResyncTarget[] {
    const out: ResyncTarget[] = [];
    const jobs = [...this.#jobs.values()].sort((a, b) => a.job.createdAt - b.job.createdAt);
    for (const { job, targets } of jobs) {
      if (job.cancelledAt !== undefined) continue;
      for (const r of targets.values()) if (r.state === 'queued' || r.state === 'sent') out.push(toTarget(r));
    }
    return out;
  }

  awaitingFetch(deviceMac: string, since: number): Array<{ jobId: string; state: ResyncState; code?: number }> {
    const out: Array<{ jobId: string; state: ResyncState; code?: number }> = [];
    for (const { job, targets } of this.#jobs.values()) {
      const r = targets.get(deviceMac);
      if (r && (r.state === 'sent' || r.state === 'answered') && (r.sentAt ?? -Infinity) >= since) {
        out.push({ jobId: job.jobId, state: r.state, code: r.code });
      }
    }
    return out;
  }

  cancelJob(jobId: string, at: number): string[] {
    const entry = this.#jobs.get(jobId);
    if (!entry) return [];
    entry.job.cancelledAt ??= at;
    const macs: string[] = [];
    for (const r of entry.targets.values()) {
      if (r.state !== 'queued') continue;
      r.state = 'cancelled';
      r.updatedAt = at;
      macs.push(r.deviceMac);
    }
    return macs;
  }

  getJob(jobId: string): { job: ResyncJob; targets: ResyncTargetRecord[] } | null {
    const entry = this.#jobs.get(jobId);
    return entry ? { job: { ...entry.job }, targets: [...entry.targets.values()].map((r) => ({ ...r })) } : null;
  }

  listJobs(filter: { tenantId?: string; limit?: number } = {}): ResyncJobSummary[] {
    return [...this.#jobs.values()]
      .filter((e) => filter.tenantId === undefined || e.job.tenantId === filter.tenantId)
      .sort((a, b) => b.job.createdAt - a.job.createdAt)
      .slice(0, filter.limit ?? 100)
      .map((e) => summarizeJob(e.job, [...e.targets.values()].map((r) => r.state)));
  }
}

function toTarget(r: ResyncTargetRecord): ResyncTarget {
  const { jobId, deviceMac, tenantId, event, target, requestUri, fromDomain, credentials } = r;
  return { jobId, deviceMac, tenantId, event, target: { ...target }, requestUri, fromDomain, credentials };
}
