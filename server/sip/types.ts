// The resync job model and the store interface the engine writes through. cadran's SQLite
// store implements ResyncJobStore; memory-store.ts is the reference implementation for tests.
import type { DigestCredentials } from './digest.ts';

/**
 * Per-device state. queued → sent → answered (2xx) | failed (non-2xx final) | timeout (Timer F);
 * sent/answered → fetched (the phone fetched its own file within the window after the NOTIFY);
 * queued → cancelled.
 */
export type ResyncState = 'queued' | 'sent' | 'answered' | 'failed' | 'timeout' | 'fetched' | 'cancelled';

export const RESYNC_STATES: readonly ResyncState[] = ['queued', 'sent', 'answered', 'failed', 'timeout', 'fetched', 'cancelled'];

/** One device to resync, as the API/CLI glue builds it from the store and the tenant settings. */
export interface ResyncTarget {
  jobId: string;
  /** Normalized MAC, 12 lower-case hex digits (the engine normalizes what it is given). */
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
  /**
   * The line's SIP credentials, used once if the phone or proxy answers 401/407. A store need
   * not keep the password in its jobs table: pendingTargets() may join it back from the line.
   */
  credentials?: DigestCredentials;
}

/** A target with its recorded outcome. Times are epoch milliseconds. */
export interface ResyncTargetRecord extends ResyncTarget {
  state: ResyncState;
  /** Final SIP status code (answered / failed; kept when the state moves on to fetched). */
  code?: number;
  /** SIP reason phrase, or why the NOTIFY could not be sent. */
  reason?: string;
  sentAt?: number;
  fetchedAt?: number;
  updatedAt: number;
}

export interface ResyncJob {
  jobId: string;
  tenantId: string;
  /** Free text for people: "device 805ec0d57d72", "user 0145678901", "tenant acme". */
  label?: string;
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

/** Everything the engine needs from persistence. All methods are synchronous (better-sqlite3). */
export interface ResyncJobStore {
  /** Records a new job and its targets, all in state `queued`, in one transaction. */
  createJob(job: ResyncJob, targets: ResyncTarget[]): void;
  /**
   * Records a target's new state. `sent` sets sentAt = detail.at; `fetched` sets fetchedAt and
   * keeps an earlier code when detail.code is absent. Unknown (jobId, mac) pairs are ignored.
   */
  setTargetState(jobId: string, deviceMac: string, state: ResyncState, detail: StateDetail): void;
  /**
   * Targets to (re)send after a restart: state `queued`, or `sent` without a final answer (the
   * process stopped mid-transaction), in jobs not cancelled, oldest job first.
   */
  pendingTargets(): ResyncTarget[];
  /**
   * Targets of this MAC, in any job, in state `sent` or `answered` with sentAt >= `since`:
   * candidates for the "config fetched again" correlation.
   */
  awaitingFetch(deviceMac: string, since: number): Array<{ jobId: string; state: ResyncState; code?: number }>;
  /** Marks the job cancelled at `at` and its `queued` targets `cancelled`; returns their MACs. */
  cancelJob(jobId: string, at: number): string[];
  /** The job and every target record, or null when the id is unknown. */
  getJob(jobId: string): { job: ResyncJob; targets: ResyncTargetRecord[] } | null;
  /** Summaries, newest first, optionally for one tenant, at most `limit` (default 100). */
  listJobs(filter?: { tenantId?: string; limit?: number }): ResyncJobSummary[];
}
