// The audit trail at the service layer: every write service records what it did through
// `recordAudit`, inside the same store transaction as the write (an entry exists exactly when
// the change committed), with the actor the edge handed it (principal, channel, address). The
// states before and after go through one helper (domain/audit.ts auditStates) that masks every
// secret and computes the field-by-field changes.
// Reading the trail: operators see everything; a tenant admin sees the entries of their tenant
// only; users see nothing (403). Entries naming no tenant (an operator created) are operators'.
// Personal contacts (contact.*, contacts.import) are private to their user, who does not read the
// trail: their values are masked for every reader, when written and again when read.
import { DEFAULT_AUDIT_RETENTION_DAYS } from '../config.ts';
import { AUDIT_PAGE_DEFAULT, AUDIT_PAGE_MAX, auditStates, maskPrivateEntry, PRIVATE_ACTIONS, withoutTenantSecurity, type AuditEntry, type AuditFilter } from '../domain/audit.ts';
import { forbidden, invalid } from '../domain/errors.ts';
import { normalizeMac } from '../domain/mac.ts';
import { auditName, isOperator, requireTenantAdmin, type Actor, type Principal, type Via } from '../auth/principal.ts';
import { formatMac } from '../domain/mac.ts';
import type { Store } from '../store/types.ts';

export interface AuditInput {
  action: string;
  tenantId?: string | null;
  userNumber?: string | null;
  mac?: string | null;
  targetId?: string | number | null;
  /** The record before and after the write, unmasked (masked here); absent for creations / deletions. */
  before?: unknown;
  after?: unknown;
  summary?: unknown;
}

/** A phone acting for itself: the toggles it reports through its action URLs (channel `phone`). */
export interface DeviceActor {
  kind: 'device';
  mac: string;
  via: Via;
}

/** Record one write. Call it with the transaction's store, after the write succeeded. */
export async function recordAudit(store: Store, a: Actor | DeviceActor, e: AuditInput, at = new Date()): Promise<void> {
  const states = auditStates(e.before, e.after, { private: PRIVATE_ACTIONS.has(e.action) });
  await store.audit.append(maskPrivateEntry({
    at: at.toISOString(),
    principal: a.kind === 'device' ? `device:${formatMac(a.mac)}` : auditName(a),
    channel: a.via.channel,
    address: a.via.address.slice(0, 100),
    action: e.action,
    tenantId: e.tenantId ?? null,
    userNumber: e.userNumber ?? null,
    mac: e.mac ?? null,
    targetId: e.targetId === undefined || e.targetId === null ? null : String(e.targetId),
    before: states.before,
    after: states.after,
    changes: states.changes,
    summary: e.summary === undefined ? null : JSON.parse(JSON.stringify(e.summary)),
  }));
}

/** `?since=` / `?until=`: an ISO date or date-time; a plain date means its whole day (UTC). */
function isoTime(field: string, raw: unknown, endOfDay: boolean): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string' || raw.length > 40) throw invalid(field, 'validation.iso_time');
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(raw);
  const ms = Date.parse(dateOnly ? `${raw}T00:00:00.000Z` : raw);
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(raw) || Number.isNaN(ms)) {
    throw invalid(field, 'validation.iso_time');
  }
  return new Date(dateOnly && endOfDay ? ms + 86_399_999 : ms).toISOString();
}

export interface AuditQuery {
  tenant?: unknown;
  user?: unknown;
  device?: unknown;
  action?: unknown;
  since?: unknown;
  until?: unknown;
  limit?: unknown;
  cursor?: unknown;
}

export interface AuditPage {
  entries: AuditEntry[];
  /** Pass as `?cursor=` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

const text = (field: string, v: unknown, max: number): string | undefined => {
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string') throw invalid(field, 'validation.type_text');
  if (v.length > max) throw invalid(field, 'validation.too_long', { max });
  return v.trim();
};

/** One page of the trail, newest first, as the principal may see it. */
export async function listAudit(deps: { store: Store }, p: Principal, q: AuditQuery): Promise<AuditPage> {
  if (p.kind === 'user' && p.role !== 'admin') throw forbidden('forbidden.audit');
  const filter: AuditFilter = { limit: AUDIT_PAGE_DEFAULT };
  const tenant = text('tenant', q.tenant, 40);
  if (tenant !== undefined) {
    requireTenantAdmin(p, tenant); // another tenant's admin learns nothing (404)
    filter.tenantId = tenant;
  } else if (!isOperator(p) && p.kind === 'user') {
    filter.tenantId = p.tenantId;
  }
  const user = text('user', q.user, 10);
  if (user !== undefined) {
    if (!/^\d{10}$/.test(user)) throw invalid('user', 'validation.user_number');
    filter.userNumber = user;
  }
  const device = text('device', q.device, 40);
  if (device !== undefined) filter.mac = normalizeMac(device);
  const action = text('action', q.action, 60);
  if (action !== undefined) {
    if (!/^[a-z_.-]+$/.test(action)) throw invalid('action', 'validation.audit_action');
    filter.action = action;
  }
  const since = isoTime('since', q.since, false);
  const until = isoTime('until', q.until, true);
  if (since !== undefined) filter.since = since;
  if (until !== undefined) filter.until = until;
  if (since && until && since > until) throw invalid('until', 'validation.until_before_since');
  if (q.limit !== undefined && q.limit !== '') {
    const n = Number(q.limit);
    if (!Number.isInteger(n) || n < 1 || n > AUDIT_PAGE_MAX) throw invalid('limit', 'validation.range', { min: 1, max: AUDIT_PAGE_MAX });
    filter.limit = n;
  }
  if (q.cursor !== undefined && q.cursor !== '') {
    const c = typeof q.cursor === 'string' && /^\d{1,15}$/.test(q.cursor) ? Number(q.cursor) : NaN;
    if (!Number.isSafeInteger(c) || c < 1) throw invalid('cursor', 'validation.audit_cursor');
    filter.beforeId = c;
  }
  // One more than asked tells whether a next page exists.
  const rows = await deps.store.audit.list({ ...filter, limit: filter.limit + 1 });
  // Personal contacts' contents are shown to nobody (also entries written before they were masked).
  const entries = rows.slice(0, filter.limit).map((e) => (isOperator(p) ? maskPrivateEntry(e) : withoutTenantSecurity(maskPrivateEntry(e))));
  return { entries, nextCursor: rows.length > filter.limit ? String(entries[entries.length - 1]!.id) : null };
}

/** Delete entries older than the retention period; returns how many. */
export async function purgeAudit(store: Store, retentionDays = DEFAULT_AUDIT_RETENTION_DAYS, now = Date.now()): Promise<number> {
  return store.audit.purge(new Date(now - retentionDays * 86_400_000).toISOString());
}

/** A key list as the trail keeps it: by position, so that the diff names `keys.3.value`. */
export function keysSnapshot(keys: Array<{ position: number; type: string; value: string | null; label: string | null }>): Record<string, unknown> {
  return Object.fromEntries(keys.map((k) => [String(k.position), { type: k.type, value: k.value, label: k.label }]));
}

/**
 * The retention task: purge now, then every `everyMs` (an hour by default). Returns how to stop
 * it (waits for a round under way). A failure is logged and tried again at the next round.
 */
export function startAuditPurge(
  store: Store,
  retentionDays: number,
  log: { info(o: object, m: string): void; warn(o: object, m: string): void },
  everyMs = 3600_000,
): () => Promise<void> {
  let current: Promise<void> | null = null;
  const round = () => {
    current ??= (async () => {
      try {
        const n = await purgeAudit(store, retentionDays);
        if (n > 0) log.info({ purged: n, retentionDays }, 'audit entries past their retention purged');
      } catch (err) {
        log.warn({ err: err instanceof Error ? err.message : String(err) }, 'purging old audit entries failed; trying again later');
      } finally {
        current = null;
      }
    })();
  };
  round();
  const timer = setInterval(round, everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await current;
  };
}
