// The resync job model: pure types and the summary rule. The resync feature (server/resync/)
// drives jobs; the store persists them; the SIP layer knows nothing of either.

/**
 * Per-device state. queued → sent → answered (2xx) | failed (non-2xx final) | timeout (Timer F);
 * sent/answered → fetched (the phone fetched its own file within the window after the NOTIFY);
 * queued → cancelled.
 */
export type ResyncState = 'queued' | 'sent' | 'answered' | 'failed' | 'timeout' | 'fetched' | 'cancelled';

export const RESYNC_STATES: readonly ResyncState[] = ['queued', 'sent', 'answered', 'failed', 'timeout', 'fetched', 'cancelled'];

/**
 * What a job covers: one phone, the phones of one licence, a whole tenant, or the phones of one
 * tenant that a write changed (`?resync=true` on an API write).
 */
export interface ResyncScope {
  kind: 'device' | 'user' | 'tenant' | 'change';
  /** MAC (12 lower-case hex digits), 10-digit number, tenant id, or the write (`PATCH /users/0145678901`). */
  id: string;
}

export const RESYNC_SCOPES: readonly ResyncScope['kind'][] = ['device', 'user', 'tenant', 'change'];

/** One device to resync, as the resync feature builds it from the store and the tenant settings. */
export interface ResyncTarget {
  jobId: string;
  /** Normalized MAC, 12 lower-case hex digits. */
  deviceMac: string;
  tenantId: string;
  /** Event header value from the vendor module: `vendor.notifyEvent(reboot)`. */
  event: string;
  /** Where the datagram goes: the phone's last known address, or the tenant's outbound proxy. */
  target: { host: string; port: number };
  /** `sip:<auth name>@<phone ip>:<port>` direct, `sip:<auth name>@<domain>` through a proxy. */
  requestUri: string;
  /** Domain of the From URI, usually the tenant's SIP domain. */
  fromDomain: string;
  /** The line whose credentials answer a 401/407 (its password is never stored with the job). */
  userNumber?: string;
  /**
   * The line's SIP credentials, used once if the phone or proxy answers 401/407. Stores do not
   * keep the password with the job: pendingTargets() joins it back from the line.
   */
  credentials?: { username: string; password: string };
}

/** A target with its recorded outcome. Times are epoch milliseconds. */
export interface ResyncTargetRecord extends Omit<ResyncTarget, 'credentials'> {
  state: ResyncState;
  /** Final SIP status code (answered / failed; kept when the state moves on to fetched). */
  code?: number;
  /** SIP reason phrase, or why the NOTIFY could not be sent (a stable code, see resync/). */
  reason?: string;
  sentAt?: number;
  fetchedAt?: number;
  updatedAt: number;
}

export interface ResyncJob {
  jobId: string;
  tenantId: string;
  scope: ResyncScope;
  reboot: boolean;
  /** Who asked (`operator:admin`, `admin:0145678901`, `cli`); null when unknown. */
  requestedBy: string | null;
  createdAt: number;
  cancelledAt?: number;
}

export interface ResyncJobSummary extends ResyncJob {
  total: number;
  counts: Record<ResyncState, number>;
  /** True when no target is queued or sent any more. */
  finished: boolean;
}

/** Details recorded with a state change. */
export interface StateDetail {
  at: number;
  code?: number;
  reason?: string;
}

/** A device the job could not send to (never seen, no line for the proxy): recorded `failed`. */
export interface UnsendableTarget {
  deviceMac: string;
  tenantId: string;
  reason: string;
}

export function summarizeJob(job: ResyncJob, states: Iterable<ResyncState>): ResyncJobSummary {
  const counts = Object.fromEntries(RESYNC_STATES.map((s) => [s, 0])) as Record<ResyncState, number>;
  let total = 0;
  for (const s of states) {
    counts[s]++;
    total++;
  }
  return { ...job, total, counts, finished: counts.queued === 0 && counts.sent === 0 };
}
