// The SQLite ResyncJobStore (tables resync_jobs / resync_targets, migrations 002 and 004).
// Times are ISO strings in the database (like every other table) and epoch ms for the engine.
// SIP passwords are never written here: pendingTargets() joins the line's credentials back from
// `users`, so a job recovered after a restart answers 401/407 with the line's current password.
import type { Database, Statement } from 'better-sqlite3';
import { summarizeJob } from '../sip/summary.ts';
import type { ResyncJob, ResyncJobStore, ResyncJobSummary, ResyncState, ResyncTarget, ResyncTargetRecord, StateDetail } from '../sip/types.ts';

type Row = Record<string, unknown>;

/** What the engine's ResyncJob does not carry: who asked, and for a reboot or not. */
export interface ResyncJobMeta {
  scope: string;
  scopeId: string;
  reboot: boolean;
  requestedBy: string | null;
}

/** A device the job could not send to (never seen, no line for the proxy): recorded `failed`. */
export interface UnsendableTarget {
  deviceMac: string;
  tenantId: string;
  reason: string;
}

/** A target as stored with the line it answers challenges for (no password). */
export type StoredTarget = ResyncTarget & { userNumber?: string };

const iso = (ms: number): string => new Date(ms).toISOString();
const ms = (v: unknown): number | undefined => (typeof v === 'string' ? Date.parse(v) : undefined);

/** `device 805ec0d57d72` → scope `device`, id `805ec0d57d72` (the label the service writes). */
function scopeOf(label: string | undefined): { scope: string; scopeId: string } {
  const m = /^(\S+) (.+)$/.exec(label ?? '');
  return m ? { scope: m[1]!, scopeId: m[2]! } : { scope: 'job', scopeId: label ?? '' };
}

function toTarget(r: Row): ResyncTarget {
  const t: ResyncTarget = {
    jobId: r.job_id as string,
    deviceMac: r.mac as string,
    tenantId: r.tenant_id as string,
    event: (r.event as string | null) ?? '',
    target: { host: (r.target as string | null) ?? '', port: (r.target_port as number | null) ?? 0 },
    requestUri: (r.request_uri as string | null) ?? '',
    fromDomain: (r.from_domain as string | null) ?? '',
  };
  if (typeof r.auth_name === 'string' && typeof r.auth_password === 'string') {
    t.credentials = { username: r.auth_name, password: r.auth_password };
  }
  return t;
}

function toRecord(r: Row): ResyncTargetRecord {
  const rec: ResyncTargetRecord = { ...toTarget(r), state: r.state as ResyncState, updatedAt: ms(r.updated_at) ?? 0 };
  delete rec.credentials; // records are for display; the password never leaves the users table
  if (r.code !== null) rec.code = r.code as number;
  if (r.reason !== null) rec.reason = r.reason as string;
  const sent = ms(r.sent_at);
  const fetched = ms(r.fetched_at);
  if (sent !== undefined) rec.sentAt = sent;
  if (fetched !== undefined) rec.fetchedAt = fetched;
  return rec;
}

function toJob(r: Row): ResyncJob {
  const job: ResyncJob = { jobId: r.id as string, tenantId: r.tenant_id as string, createdAt: ms(r.created_at) ?? 0, label: `${r.scope} ${r.scope_id}` };
  const cancelled = ms(r.cancelled_at);
  if (cancelled !== undefined) job.cancelledAt = cancelled;
  return job;
}

const TARGET_COLUMNS = `t.*, u.sip_auth_name AS auth_name, u.sip_password AS auth_password`;

export class SqliteResyncStore implements ResyncJobStore {
  readonly #db: Database;
  readonly #cache = new Map<string, Statement>();

  constructor(db: Database) {
    this.#db = db;
  }

  #st(sql: string): Statement {
    let s = this.#cache.get(sql);
    if (!s) this.#cache.set(sql, (s = this.#db.prepare(sql)));
    return s;
  }

  createJob(job: ResyncJob, targets: StoredTarget[]): void {
    const at = iso(job.createdAt);
    const { scope, scopeId } = scopeOf(job.label);
    this.#db.transaction(() => {
      this.#st(`INSERT INTO resync_jobs (id, scope, scope_id, tenant_id, reboot, requested_by, state, created_at, updated_at)
                VALUES (?, ?, ?, ?, 0, NULL, 'running', ?, ?)`).run(job.jobId, scope, scopeId, job.tenantId, at, at);
      const ins = this.#st(`INSERT INTO resync_targets (job_id, mac, tenant_id, state, target, target_port, event, request_uri, from_domain, user_number, updated_at)
                            VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?)`);
      for (const t of targets) {
        ins.run(job.jobId, t.deviceMac, t.tenantId, t.target.host, t.target.port, t.event, t.requestUri, t.fromDomain, t.userNumber ?? null, at);
      }
    })();
  }

  /** Who asked and whether phones reboot; written with the job, in the caller's transaction. */
  setJobMeta(jobId: string, meta: { reboot: boolean; requestedBy: string | null }): void {
    this.#st('UPDATE resync_jobs SET reboot = ?, requested_by = ? WHERE id = ?').run(meta.reboot ? 1 : 0, meta.requestedBy, jobId);
  }

  jobMeta(jobId: string): ResyncJobMeta | null {
    const r = this.#st('SELECT scope, scope_id, reboot, requested_by FROM resync_jobs WHERE id = ?').get(jobId) as Row | undefined;
    return r ? { scope: r.scope as string, scopeId: r.scope_id as string, reboot: r.reboot === 1, requestedBy: r.requested_by as string | null } : null;
  }

  /** Devices of the job nothing could be sent to: stored `failed` with the reason, for people to see. */
  addUnsendable(jobId: string, list: UnsendableTarget[], at: number): void {
    const ins = this.#st(`INSERT OR IGNORE INTO resync_targets (job_id, mac, tenant_id, state, reason, updated_at) VALUES (?, ?, ?, 'failed', ?, ?)`);
    for (const t of list) ins.run(jobId, t.deviceMac, t.tenantId, t.reason, iso(at));
  }

  setTargetState(jobId: string, deviceMac: string, state: ResyncState, detail: StateDetail): void {
    const at = iso(detail.at);
    this.#st(`UPDATE resync_targets SET state = @state, updated_at = @at,
                sent_at = CASE WHEN @state = 'sent' THEN @at ELSE sent_at END,
                answered_at = CASE WHEN @state IN ('answered', 'failed') THEN @at ELSE answered_at END,
                fetched_at = CASE WHEN @state = 'fetched' THEN @at ELSE fetched_at END,
                code = COALESCE(@code, code), reason = COALESCE(@reason, reason)
              WHERE job_id = @jobId AND mac = @mac`).run({
      state, at, code: detail.code ?? null, reason: detail.reason ?? null, jobId, mac: deviceMac,
    });
  }

  pendingTargets(): ResyncTarget[] {
    const rows = this.#st(`SELECT ${TARGET_COLUMNS} FROM resync_targets t
                             JOIN resync_jobs j ON j.id = t.job_id
                             LEFT JOIN users u ON u.number = t.user_number
                           WHERE t.state IN ('queued', 'sent') AND j.cancelled_at IS NULL AND t.request_uri IS NOT NULL
                           ORDER BY j.created_at, t.rowid`).all() as Row[];
    return rows.map(toTarget);
  }

  awaitingFetch(deviceMac: string, since: number): Array<{ jobId: string; state: ResyncState; code?: number }> {
    const rows = this.#st(`SELECT job_id, state, code FROM resync_targets
                           WHERE mac = ? AND state IN ('sent', 'answered') AND sent_at >= ?`).all(deviceMac, iso(since)) as Row[];
    return rows.map((r) => ({ jobId: r.job_id as string, state: r.state as ResyncState, ...(r.code !== null ? { code: r.code as number } : {}) }));
  }

  cancelJob(jobId: string, at: number): string[] {
    return this.#db.transaction(() => {
      const when = iso(at);
      const job = this.#st('UPDATE resync_jobs SET cancelled_at = COALESCE(cancelled_at, ?), state = ?, updated_at = ? WHERE id = ?').run(when, 'cancelled', when, jobId);
      if (job.changes === 0) return [];
      const rows = this.#st(`UPDATE resync_targets SET state = 'cancelled', updated_at = ? WHERE job_id = ? AND state = 'queued' RETURNING mac`).all(when, jobId) as Row[];
      return rows.map((r) => r.mac as string);
    })();
  }

  getJob(jobId: string): { job: ResyncJob; targets: ResyncTargetRecord[] } | null {
    const j = this.#st('SELECT * FROM resync_jobs WHERE id = ?').get(jobId) as Row | undefined;
    if (!j) return null;
    const rows = this.#st(`SELECT t.*, NULL AS auth_name, NULL AS auth_password FROM resync_targets t WHERE job_id = ? ORDER BY mac`).all(jobId) as Row[];
    return { job: toJob(j), targets: rows.map(toRecord) };
  }

  listJobs(filter: { tenantId?: string; limit?: number; requestedBy?: string } = {}): ResyncJobSummary[] {
    const jobs = this.#st(`SELECT * FROM resync_jobs
                           WHERE (@tenant IS NULL OR tenant_id = @tenant) AND (@by IS NULL OR requested_by = @by)
                           ORDER BY created_at DESC, rowid DESC LIMIT @limit`).all({
      tenant: filter.tenantId ?? null, by: filter.requestedBy ?? null, limit: Math.max(1, Math.min(filter.limit ?? 100, 1000)),
    }) as Row[];
    const states = this.#st('SELECT state FROM resync_targets WHERE job_id = ?').pluck();
    return jobs.map((j) => summarizeJob(toJob(j), states.all(j.id) as ResyncState[]));
  }
}
