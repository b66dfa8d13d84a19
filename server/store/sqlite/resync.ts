// Resync jobs in SQLite (tables resync_jobs / resync_targets, migrations 002 and 004). Times are
// ISO strings in the database (like every other table) and epoch ms in the domain model. SIP
// passwords are never written here: pendingTargets() joins the line's credentials back from
// `users`, so a job recovered after a restart answers 401/407 with the line's current password.
import { RESYNC_SCOPES, summarizeJob } from '../../domain/resync.ts';
import type { ResyncJob, ResyncScope, ResyncState, ResyncTarget, ResyncTargetRecord } from '../../domain/resync.ts';
import type { Store } from '../types.ts';
import type { Exec, Statements } from './store.ts';

type Row = Record<string, unknown>;

const iso = (ms: number): string => new Date(ms).toISOString();
const ms = (v: unknown): number | undefined => (typeof v === 'string' ? Date.parse(v) : undefined);

/** Opens a stored SIP password (the store keeps it encrypted: secrets.ts). */
type OpenSecret = (stored: string) => string;

function toTarget(r: Row, open: OpenSecret = (v) => v): ResyncTarget {
  const t: ResyncTarget = {
    jobId: r.job_id as string,
    deviceMac: r.mac as string,
    tenantId: r.tenant_id as string,
    event: (r.event as string | null) ?? '',
    target: { host: (r.target as string | null) ?? '', port: (r.target_port as number | null) ?? 0 },
    requestUri: (r.request_uri as string | null) ?? '',
    fromDomain: (r.from_domain as string | null) ?? '',
  };
  if (typeof r.user_number === 'string') t.userNumber = r.user_number;
  if (typeof r.auth_name === 'string' && typeof r.auth_password === 'string') {
    t.credentials = { username: r.auth_name, password: open(r.auth_password) };
  }
  return t;
}

function toRecord(r: Row): ResyncTargetRecord {
  const { credentials: _never, ...target } = toTarget(r);
  const rec: ResyncTargetRecord = { ...target, state: r.state as ResyncState, updatedAt: ms(r.updated_at) ?? 0 };
  if (r.code !== null) rec.code = r.code as number;
  if (r.reason !== null) rec.reason = r.reason as string;
  const sent = ms(r.sent_at);
  const fetched = ms(r.fetched_at);
  if (sent !== undefined) rec.sentAt = sent;
  if (fetched !== undefined) rec.fetchedAt = fetched;
  return rec;
}

function toJob(r: Row): ResyncJob {
  const kind = RESYNC_SCOPES.includes(r.scope as ResyncScope['kind']) ? (r.scope as ResyncScope['kind']) : 'change';
  const job: ResyncJob = {
    jobId: r.id as string,
    tenantId: r.tenant_id as string,
    scope: { kind, id: r.scope_id as string },
    reboot: r.reboot === 1,
    requestedBy: (r.requested_by as string | null) ?? null,
    createdAt: ms(r.created_at) ?? 0,
  };
  const cancelled = ms(r.cancelled_at);
  if (cancelled !== undefined) job.cancelledAt = cancelled;
  return job;
}

const TARGET_COLUMNS = `t.*, u.sip_auth_name AS auth_name, u.sip_password AS auth_password`;

export function sqliteResync(s: Statements, x: Exec, openSipPassword: OpenSecret): Store['resync'] {
  const st = (sql: string) => s.st(sql);
  return {
    createJob: (job, targets, unsendable) => x(() => {
      const at = iso(job.createdAt);
      s.db.transaction(() => {
        st(`INSERT INTO resync_jobs (id, scope, scope_id, tenant_id, reboot, requested_by, state, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?)`)
          .run(job.jobId, job.scope.kind, job.scope.id, job.tenantId, job.reboot ? 1 : 0, job.requestedBy, at, at);
        const ins = st(`INSERT INTO resync_targets (job_id, mac, tenant_id, state, target, target_port, event, request_uri, from_domain, user_number, updated_at)
                        VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?)`);
        for (const t of targets) {
          ins.run(job.jobId, t.deviceMac, t.tenantId, t.target.host, t.target.port, t.event, t.requestUri, t.fromDomain, t.userNumber ?? null, at);
        }
        const fail = st(`INSERT OR IGNORE INTO resync_targets (job_id, mac, tenant_id, state, reason, updated_at) VALUES (?, ?, ?, 'failed', ?, ?)`);
        for (const t of unsendable) fail.run(job.jobId, t.deviceMac, t.tenantId, t.reason, at);
      })();
    }),

    setTargetState: (jobId, deviceMac, state, detail) => x(() => {
      const at = iso(detail.at);
      st(`UPDATE resync_targets SET state = @state, updated_at = @at,
            sent_at = CASE WHEN @state = 'sent' THEN @at ELSE sent_at END,
            answered_at = CASE WHEN @state IN ('answered', 'failed') THEN @at ELSE answered_at END,
            fetched_at = CASE WHEN @state = 'fetched' THEN @at ELSE fetched_at END,
            code = COALESCE(@code, code), reason = COALESCE(@reason, reason)
          WHERE job_id = @jobId AND mac = @mac`).run({
        state, at, code: detail.code ?? null, reason: detail.reason ?? null, jobId, mac: deviceMac,
      });
    }),

    pendingTargets: () => x(() =>
      (st(`SELECT ${TARGET_COLUMNS} FROM resync_targets t
             JOIN resync_jobs j ON j.id = t.job_id
             LEFT JOIN users u ON u.number = t.user_number
           WHERE t.state IN ('queued', 'sent') AND j.cancelled_at IS NULL AND t.request_uri IS NOT NULL
           ORDER BY j.created_at, t.rowid`).all() as Row[]).map((r) => toTarget(r, openSipPassword))),

    awaitingFetch: (deviceMac, since) => x(() =>
      (st(`SELECT job_id, state, code FROM resync_targets
           WHERE mac = ? AND state IN ('sent', 'answered') AND sent_at >= ?`).all(deviceMac, iso(since)) as Row[]).map((r) => ({
        jobId: r.job_id as string,
        state: r.state as ResyncState,
        ...(r.code !== null ? { code: r.code as number } : {}),
      }))),

    cancelJob: (jobId, at) => x(() =>
      s.db.transaction(() => {
        const when = iso(at);
        const job = st('UPDATE resync_jobs SET cancelled_at = COALESCE(cancelled_at, ?), state = ?, updated_at = ? WHERE id = ?').run(when, 'cancelled', when, jobId);
        if (job.changes === 0) return [];
        const rows = st(`UPDATE resync_targets SET state = 'cancelled', updated_at = ? WHERE job_id = ? AND state = 'queued' RETURNING mac`).all(when, jobId) as Row[];
        return rows.map((r) => r.mac as string);
      })()),

    getJob: (jobId) => x(() => {
      const j = st('SELECT * FROM resync_jobs WHERE id = ?').get(jobId) as Row | undefined;
      if (!j) return null;
      const rows = st('SELECT * FROM resync_targets WHERE job_id = ? ORDER BY mac').all(jobId) as Row[];
      return { job: toJob(j), targets: rows.map(toRecord) };
    }),

    listJobs: (filter = {}) => x(() => {
      const jobs = st(`SELECT * FROM resync_jobs
                       WHERE (@tenant IS NULL OR tenant_id = @tenant) AND (@by IS NULL OR requested_by = @by)
                       ORDER BY created_at DESC, rowid DESC LIMIT @limit`).all({
        tenant: filter.tenantId ?? null, by: filter.requestedBy ?? null, limit: Math.max(1, Math.min(filter.limit ?? 100, 1000)),
      }) as Row[];
      const states = st('SELECT state FROM resync_targets WHERE job_id = ?').pluck();
      return jobs.map((j) => summarizeJob(toJob(j), states.all(j.id) as ResyncState[]));
    }),
  };
}
