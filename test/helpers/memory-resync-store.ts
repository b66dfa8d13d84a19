// Store['resync'] kept in memory: the reference behaviour for the engine tests and the SIP
// benchmark. A "restart" in tests is a new engine over the same MemoryResyncStore.
import { summarizeJob } from '../../server/domain/resync.ts';
import type { ResyncJob, ResyncJobSummary, ResyncState, ResyncTarget, ResyncTargetRecord, StateDetail, UnsendableTarget } from '../../server/domain/resync.ts';
import type { ResyncJobStore } from '../../server/resync/engine.ts';
import type { ResyncLease } from '../../server/store/types.ts';

type StoredRecord = ResyncTargetRecord & { credentials?: ResyncTarget['credentials']; leaseOwner?: string; leaseUntil?: number };

export class MemoryResyncStore implements ResyncJobStore {
  readonly #jobs = new Map<string, { job: ResyncJob; targets: Map<string, StoredRecord> }>();

  async createJob(job: ResyncJob, targets: ResyncTarget[], unsendable: UnsendableTarget[] = [], lease?: ResyncLease): Promise<void> {
    if (this.#jobs.has(job.jobId)) throw new Error(`resync job ${job.jobId} already exists`);
    const map = new Map<string, StoredRecord>();
    for (const t of targets) {
      map.set(t.deviceMac, { ...t, state: 'queued', updatedAt: job.createdAt, ...(lease ? { leaseOwner: lease.owner, leaseUntil: lease.until } : {}) });
    }
    for (const u of unsendable) {
      if (map.has(u.deviceMac)) continue;
      map.set(u.deviceMac, {
        jobId: job.jobId, deviceMac: u.deviceMac, tenantId: u.tenantId, event: '', target: { host: '', port: 0 }, requestUri: '', fromDomain: '',
        state: 'failed', reason: u.reason, updatedAt: job.createdAt,
      });
    }
    this.#jobs.set(job.jobId, { job: { ...job }, targets: map });
  }

  async setTargetState(jobId: string, deviceMac: string, state: ResyncState, detail: StateDetail): Promise<void> {
    const rec = this.#jobs.get(jobId)?.targets.get(deviceMac);
    if (!rec) return;
    rec.state = state;
    rec.updatedAt = detail.at;
    if (state === 'sent') rec.sentAt = detail.at;
    if (state === 'fetched') rec.fetchedAt = detail.at;
    if (detail.code !== undefined) rec.code = detail.code;
    if (detail.reason !== undefined) rec.reason = detail.reason;
  }

  async pendingTargets(): Promise<ResyncTarget[]> {
    const out: ResyncTarget[] = [];
    const jobs = [...this.#jobs.values()].sort((a, b) => a.job.createdAt - b.job.createdAt);
    for (const { job, targets } of jobs) {
      if (job.cancelledAt !== undefined) continue;
      for (const r of targets.values()) if ((r.state === 'queued' || r.state === 'sent') && r.requestUri) out.push(toTarget(r));
    }
    return out;
  }

  async claimTargets(owner: string, o: { now: number; until: number; limit: number; perTenant: number }): Promise<ResyncTarget[]> {
    const out: ResyncTarget[] = [];
    const perTenant = new Map<string, number>();
    for (const { targets } of this.#jobs.values()) {
      for (const r of targets.values()) {
        if (r.leaseOwner === owner && r.state === 'queued' && (r.leaseUntil ?? -Infinity) >= o.now) perTenant.set(r.tenantId, (perTenant.get(r.tenantId) ?? 0) + 1);
      }
    }
    const jobs = [...this.#jobs.values()].sort((a, b) => a.job.createdAt - b.job.createdAt);
    for (const { job, targets } of jobs) {
      if (job.cancelledAt !== undefined) continue;
      for (const r of targets.values()) {
        if (out.length >= o.limit) return out;
        if ((r.state !== 'queued' && r.state !== 'sent') || !r.requestUri) continue;
        if (r.leaseUntil !== undefined && r.leaseUntil >= o.now) continue;
        const n = perTenant.get(r.tenantId) ?? 0;
        if (n >= o.perTenant) continue;
        perTenant.set(r.tenantId, n + 1);
        r.leaseOwner = owner;
        r.leaseUntil = o.until;
        out.push(toTarget(r));
      }
    }
    return out;
  }

  async renewLeases(owner: string, until: number): Promise<Array<{ jobId: string; deviceMac: string }>> {
    const out: Array<{ jobId: string; deviceMac: string }> = [];
    for (const { targets } of this.#jobs.values()) {
      for (const r of targets.values()) {
        if (r.leaseOwner !== owner || (r.state !== 'queued' && r.state !== 'sent')) continue;
        r.leaseUntil = until;
        out.push({ jobId: r.jobId, deviceMac: r.deviceMac });
      }
    }
    return out;
  }

  async releaseLeases(owner: string): Promise<void> {
    for (const { targets } of this.#jobs.values()) {
      for (const r of targets.values()) {
        if (r.leaseOwner !== owner || (r.state !== 'queued' && r.state !== 'sent')) continue;
        delete r.leaseOwner;
        delete r.leaseUntil;
      }
    }
  }

  async awaitingFetch(deviceMac: string, since: number): Promise<Array<{ jobId: string; state: ResyncState; code?: number }>> {
    const out: Array<{ jobId: string; state: ResyncState; code?: number }> = [];
    for (const { job, targets } of this.#jobs.values()) {
      const r = targets.get(deviceMac);
      if (r && (r.state === 'sent' || r.state === 'answered') && (r.sentAt ?? -Infinity) >= since) {
        out.push({ jobId: job.jobId, state: r.state, ...(r.code !== undefined ? { code: r.code } : {}) });
      }
    }
    return out;
  }

  async cancelJob(jobId: string, at: number): Promise<string[]> {
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

  async getJob(jobId: string): Promise<{ job: ResyncJob; targets: ResyncTargetRecord[] } | null> {
    const entry = this.#jobs.get(jobId);
    if (!entry) return null;
    return {
      job: { ...entry.job },
      targets: [...entry.targets.values()].map(({ credentials: _c, leaseOwner: _o, leaseUntil: _u, ...r }) => ({ ...r })),
    };
  }

  async listJobs(filter: { tenantId?: string; requestedBy?: string; limit?: number } = {}): Promise<ResyncJobSummary[]> {
    return [...this.#jobs.values()]
      .filter((e) => filter.tenantId === undefined || e.job.tenantId === filter.tenantId)
      .filter((e) => filter.requestedBy === undefined || e.job.requestedBy === filter.requestedBy)
      .sort((a, b) => b.job.createdAt - a.job.createdAt)
      .slice(0, filter.limit ?? 100)
      .map((e) => summarizeJob(e.job, [...e.targets.values()].map((r) => r.state)));
  }
}

function toTarget(r: StoredRecord): ResyncTarget {
  const { jobId, deviceMac, tenantId, event, target, requestUri, fromDomain, credentials, userNumber } = r;
  return {
    jobId, deviceMac, tenantId, event, target: { ...target }, requestUri, fromDomain,
    ...(credentials ? { credentials } : {}), ...(userNumber ? { userNumber } : {}),
  };
}
