// The resync job model: pure types, the summary rule and what each outcome means for people.
// The resync feature (server/resync/) drives jobs; the store persists them; the SIP layer knows
// nothing of either.
import { message, type Message } from './messages.ts';

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
  /**
   * With a SIP status `code`: the reason phrase the phone or proxy sent (kept as received, for
   * diagnosis). Without: why nothing usable came back, a stable ResyncReasonCode.
   */
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
  reason: ResyncReasonCode;
}

/**
 * Why a target has no SIP answer to show, stored as such with the target:
 * - never_seen: no proxy and the phone never fetched a file, so its address is unknown;
 * - no_line: through a proxy, but no licence on the phone to address the NOTIFY to;
 * - unknown_vendor: the device's vendor is not known to this installation;
 * - timeout: no final answer before Timer F (32 s of retransmissions);
 * - transport_error: the datagram could not be sent (no route, address refused locally);
 * - send_failed: the NOTIFY could not be started at all.
 */
export const RESYNC_REASON_CODES = ['never_seen', 'no_line', 'unknown_vendor', 'timeout', 'transport_error', 'send_failed'] as const;
export type ResyncReasonCode = (typeof RESYNC_REASON_CODES)[number];

export const isResyncReasonCode = (v: unknown): v is ResyncReasonCode => (RESYNC_REASON_CODES as readonly unknown[]).includes(v);

/** What earlier versions stored in English, by the code that replaced it. */
const LEGACY_REASONS: Array<[RegExp, ResyncReasonCode]> = [
  [/^never seen/, 'never_seen'],
  [/^no line assigned/, 'no_line'],
  [/^no final answer/, 'timeout'],
  [/^unknown vendor/, 'unknown_vendor'],
  [/^transport error/, 'transport_error'],
];

/** The stored reason as a code, when it is one (or an earlier version's text for one). */
export function reasonCodeOf(reason: string | undefined): ResyncReasonCode | undefined {
  if (reason === undefined) return undefined;
  if (isResyncReasonCode(reason)) return reason;
  return LEGACY_REASONS.find(([re]) => re.test(reason))?.[1];
}

/** A SIP final status as people should read it (RFC 3261 §21), by catalogue key. */
function sipStatusKey(code: number): string {
  switch (code) {
    case 401:
    case 407:
      return 'resync.sip.auth';
    case 403:
      return 'resync.sip.forbidden';
    case 404:
    case 604:
      return 'resync.sip.not_found';
    case 405:
    case 501:
      return 'resync.sip.not_supported';
    case 408:
      return 'resync.sip.timeout';
    case 480:
      return 'resync.sip.unavailable';
    case 481:
      return 'resync.sip.no_subscription';
    case 486:
    case 600:
      return 'resync.sip.busy';
    case 489:
      return 'resync.sip.bad_event';
    case 503:
      return 'resync.sip.service_unavailable';
    default:
      if (code >= 600) return 'resync.sip.declined';
      if (code >= 500) return 'resync.sip.server_error';
      return 'resync.sip.refused';
  }
}

/**
 * Why this target is where it is, for people: a stored reason code, or the meaning of the SIP
 * status a refusal carried. Nothing for an accepted NOTIFY or one still under way.
 */
export function resyncReason(t: { code?: number; reason?: string }): Message | undefined {
  const code = reasonCodeOf(t.reason);
  if (code) return message(`resync.reason.${code}`);
  if (t.code !== undefined && t.code > 0) {
    if (t.code >= 200 && t.code < 300) return undefined;
    return message(sipStatusKey(t.code), { code: t.code });
  }
  return t.reason ? message('resync.reason.other') : undefined;
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
