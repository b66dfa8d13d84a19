// Resync jobs in SQLite (tables resync_jobs / resync_targets, migrations 002 and 004). Times are
// ISO strings in the database (like every other table) and epoch ms in the domain model. SIP
// passwords are never written here: pendingTargets() joins the line's credentials back from
// `users`, so a job recovered after a restart answers 401/407 with the line's current password.
import { summarizeJob } from '../../domain/resync.ts';
import type { ResyncState } from '../../domain/resync.ts';
import type { Row, RowMappers } from '../rows.ts';
import type { Store } from '../types.ts';
import type { Exec, Statements } from './store.ts';

const iso = (ms: number): string => new Date(ms).toISOString();
const TARGET_COLUMNS = `t.*, u.sip_auth_name AS auth_name, u.sip_password AS auth_password`;

export function sqliteResync(s: Statements, x: Exec, map: RowMappers): Store['resync'] {
  const st = (sql: string) => s.st(sql);
  return {
    createJob: (job, targets, unsendable, lease) => x(() => {
      const at = iso(job.createdAt);
      const owner = lease?.owner ?? null;
      const until = lease ? iso(lease.until) : null;
      s.db.transaction(() => {
        st(`INSERT INTO resync_jobs (id, scope, scope_id, tenant_id, reboot, requested_by, state, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?)`)
          .run(job.jobId, job.scope.kind, job.scope.id, job.tenantId, job.reboot ? 1 : 0, job.requestedBy, at, at);
        const ins = st(`INSERT INTO resync_targets (job_id, mac, tenant_id, state, target, target_port, event, request_uri, from_domain, user_number, updated_at, lease_owner, lease_until)
                        VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
        for (const t of targets) {
          ins.run(job.jobId, t.deviceMac, t.tenantId, t.target.host, t.target.port, t.event, t.requestUri, t.fromDomain, t.userNumber ?? null, at, owner, until);
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
           ORDER BY j.created_at, t.rowid`).all() as Row[]).map((r) => map.target(r))),

    claimTargets: (owner, o) => x(() =>
      s.db.transaction(() => {
        // One write transaction: no other process can claim between the choice and the update.
        const rowids = st(`WITH held AS (
                             SELECT tenant_id, count(*) AS h FROM resync_targets
                             WHERE lease_owner = @owner AND state = 'queued' AND lease_until >= @now GROUP BY tenant_id),
                           c AS (
                             SELECT t.rowid AS rid, t.tenant_id, j.created_at AS jc,
                                    row_number() OVER (PARTITION BY t.tenant_id ORDER BY j.created_at, t.rowid) AS n
                             FROM resync_targets t JOIN resync_jobs j ON j.id = t.job_id
                             WHERE t.state IN ('queued', 'sent') AND j.cancelled_at IS NULL AND t.request_uri IS NOT NULL
                               AND (t.lease_until IS NULL OR t.lease_until < @now))
                           SELECT rid FROM c LEFT JOIN held ON held.tenant_id = c.tenant_id
                           WHERE c.n + coalesce(held.h, 0) <= @perTenant ORDER BY jc, rid LIMIT @limit`)
          .pluck()
          .all({ owner, now: iso(o.now), perTenant: Math.max(0, o.perTenant), limit: Math.max(0, o.limit) }) as number[];
        if (rowids.length === 0) return [];
        const lease = st('UPDATE resync_targets SET lease_owner = ?, lease_until = ? WHERE rowid = ?');
        for (const r of rowids) lease.run(owner, iso(o.until), r);
        const get = st(`SELECT ${TARGET_COLUMNS} FROM resync_targets t LEFT JOIN users u ON u.number = t.user_number WHERE t.rowid = ?`);
        return rowids.map((r) => map.target(get.get(r) as Row));
      })()),

    renewLeases: (owner, until) => x(() =>
      (st(`UPDATE resync_targets SET lease_until = ? WHERE lease_owner = ? AND state IN ('queued', 'sent') RETURNING job_id, mac`)
        .all(iso(until), owner) as Row[]).map((r) => ({ jobId: r.job_id as string, deviceMac: r.mac as string }))),

    releaseLeases: (owner) => x(() => {
      st(`UPDATE resync_targets SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ? AND state IN ('queued', 'sent')`).run(owner);
    }),

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
      return { job: map.job(j), targets: rows.map(map.targetRecord) };
    }),

    listJobs: (filter = {}) => x(() => {
      const jobs = st(`SELECT * FROM resync_jobs
                       WHERE (@tenant IS NULL OR tenant_id = @tenant) AND (@by IS NULL OR requested_by = @by)
                       ORDER BY created_at DESC, rowid DESC LIMIT @limit`).all({
        tenant: filter.tenantId ?? null, by: filter.requestedBy ?? null, limit: Math.max(1, Math.min(filter.limit ?? 100, 1000)),
      }) as Row[];
      const states = st('SELECT state FROM resync_targets WHERE job_id = ?').pluck();
      return jobs.map((j) => summarizeJob(map.job(j), states.all(j.id) as ResyncState[]));
    }),
  };
}
