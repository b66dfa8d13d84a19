// The audit trail's pure rules: who acts through which channel, what an entry holds, and the one
// function that turns a record's state before and after a write into what the trail keeps —
// snapshots and a field-by-field diff with every secret masked. Secrets (SIP passwords,
// provisioning / admin / user passwords, tokens, password hashes) never reach the trail in
// clear: a masked value only says that there was one, and the diff says whether it changed.

/** `phone`: a phone reporting a change made on it (action URLs), authenticated like its config fetch. */
export type AuditChannel = 'api' | 'web' | 'cli' | 'phone';

/** What the trail keeps of a write. JSON values are already masked. */
export interface AuditRecord {
  /** ISO time of the write. */
  at: string;
  /** `operator:<login>`, `admin:<number>`, `user:<number>`, `cli:<os user>`, `device:<mac>`. */
  principal: string;
  channel: AuditChannel;
  /** Client address (API, web) or `cli`. */
  address: string;
  /** `<what>.<verb>`: `device.update`, `keys.replace`, `devices.import`… */
  action: string;
  tenantId: string | null;
  userNumber: string | null;
  mac: string | null;
  /** Another id the action is about: a contact id, a resync job, an operator login. */
  targetId: string | null;
  before: unknown;
  after: unknown;
  changes: AuditChange[];
  /** Counts and changed lines of an import, the options of a resync… */
  summary: unknown;
}

export interface AuditEntry extends AuditRecord {
  /** Increasing with time: the paging cursor. */
  id: number;
}

export interface AuditChange {
  /** Dotted path: `name`, `security.auth.password`, `keys.2.value`, `firmware.T54W`. */
  field: string;
  before: unknown;
  after: unknown;
}

/** What `GET /audit` may filter on; `tenantIds` restricts to these tenants (a tenant admin's). */
export interface AuditFilter {
  tenantId?: string;
  userNumber?: string;
  mac?: string;
  action?: string;
  /** ISO times, inclusive. */
  since?: string;
  until?: string;
  /** Entries with an id below this one (the cursor of the previous page). */
  beforeId?: number;
  limit: number;
}

/** How a secret appears in the trail. */
export const MASK = '••••••••';

/**
 * Field names whose values are secrets, wherever they appear (nested in a tenant's `security`, a
 * network profile, a user…). Compared without case, `_` or `-`.
 */
const SECRET_NAMES = new Set(
  [
    'password', 'passwordHash', 'sipPassword', 'provisioningPassword', 'adminPassword', 'phoneUserPassword', 'userPassword',
    'token', 'urlToken', 'apiToken', 'csrfToken', 'tokenHash', 'secret', 'digestSecret',
  ].map((n) => n.toLowerCase()),
);

/** Also any name that says it holds one: a raw vendor parameter such as `account.1.password`. */
const SECRET_WORDS = /password|passwd|pwd|secret|token|credential|pass$/;

export function isSecretField(name: string): boolean {
  const n = name.toLowerCase().replace(/[_-]/g, '');
  if (SECRET_NAMES.has(n)) return true;
  // `hasPassword`-style flags say whether there is one, not what it is.
  return !n.startsWith('has') && SECRET_WORDS.test(n);
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A plain JSON copy (dates as ISO strings, undefined fields dropped). */
function plain(v: unknown): Json {
  if (v === undefined) return null;
  return JSON.parse(JSON.stringify(v)) as Json;
}

/** Every secret-named field replaced by MASK (null and absent stay as they are). */
export function maskSecrets(v: unknown): unknown {
  const walk = (x: Json, secret: boolean): Json => {
    if (secret) return x === null || x === '' ? x : MASK;
    if (Array.isArray(x)) return x.map((e) => walk(e, false));
    if (x !== null && typeof x === 'object') {
      const out: Record<string, Json> = {};
      for (const [k, val] of Object.entries(x)) out[k] = walk(val, isSecretField(k));
      return out;
    }
    return x;
  };
  return v === undefined || v === null ? null : walk(plain(v), false);
}

/** Leaves of a JSON value by dotted path (arrays of scalars are one leaf: `ntpServers`). */
function leaves(v: Json, prefix: string, out: Map<string, Json>, secret: boolean): void {
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && !secret) {
    const entries = Object.entries(v);
    if (entries.length === 0 && prefix) out.set(prefix, v);
    for (const [k, val] of entries) leaves(val, prefix ? `${prefix}.${k}` : k, out, isSecretField(k));
    return;
  }
  if (Array.isArray(v) && v.some((e) => e !== null && typeof e === 'object') && !secret) {
    v.forEach((e, i) => leaves(e, prefix ? `${prefix}.${i}` : String(i), out, false));
    if (v.length === 0) out.set(prefix, v);
    return;
  }
  out.set(prefix, v);
}

const secretPath = (path: string): boolean => path.split('.').some(isSecretField);

/**
 * Field-by-field changes between two states (unmasked), ordered by path; a secret that changed is
 * listed with masked values. Fields absent on one side are null there; `updatedAt` and the row versions are left out.
 */
export function diffStates(before: unknown, after: unknown): AuditChange[] {
  const a = new Map<string, Json>();
  const b = new Map<string, Json>();
  if (before !== undefined && before !== null) leaves(plain(before), '', a, false);
  if (after !== undefined && after !== null) leaves(plain(after), '', b, false);
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
  const out: AuditChange[] = [];
  for (const path of paths) {
    // The record's own modification time says nothing the entry's time does not, and its row
    // versions (optimistic concurrency) change with every write: bookkeeping, not changes.
    if (path === 'updatedAt' || path === 'version' || path === 'keysVersion') continue;
    const x = a.get(path) ?? null;
    const y = b.get(path) ?? null;
    if (JSON.stringify(x) === JSON.stringify(y)) continue;
    const hide = secretPath(path);
    const show = (v: Json) => (hide && v !== null && v !== '' ? MASK : v);
    out.push({ field: path || '(value)', before: show(x), after: show(y) });
  }
  return out;
}

/**
 * Personal contacts are private to their user (issue 17), and the trail is read by operators and
 * the tenant's admins, never by the user herself: what the trail keeps of them is only that a
 * contact was added, changed or deleted, by whom, and which fields changed — every value masked
 * (a record's id, owner, version and times stay). These actions are masked when written and
 * again when read (entries written before the rule).
 */
export const PRIVATE_ACTIONS = new Set(['contact.create', 'contact.update', 'contact.delete', 'contacts.import']);

const BOOKKEEPING = new Set(['id', 'userNumber', 'version', 'createdAt', 'updatedAt']);

/** Every value masked but the record's bookkeeping fields (null and empty stay as they are). */
export function maskPrivate(v: unknown): unknown {
  const walk = (x: Json, keep: boolean): Json => {
    if (keep) return x;
    if (Array.isArray(x)) return x.map((e) => walk(e, false));
    if (x !== null && typeof x === 'object') {
      const out: Record<string, Json> = {};
      for (const [k, val] of Object.entries(x)) out[k] = walk(val, BOOKKEEPING.has(k));
      return out;
    }
    return x === null || x === '' ? x : MASK;
  };
  return v === undefined || v === null ? null : walk(plain(v), false);
}

const maskChanges = (cs: AuditChange[]): AuditChange[] =>
  cs.map((c) => (BOOKKEEPING.has(c.field) ? c : { field: c.field, before: maskPrivate(c.before), after: maskPrivate(c.after) }));

/** Snapshots and changes of one write, masked: the one helper every service uses. */
export function auditStates(before: unknown, after: unknown, opts: { private?: boolean } = {}): { before: unknown; after: unknown; changes: AuditChange[] } {
  if (opts.private) return { before: maskPrivate(before), after: maskPrivate(after), changes: maskChanges(diffStates(before, after)) };
  return { before: maskSecrets(before), after: maskSecrets(after), changes: diffStates(before, after) };
}

/** An import's listed line with its contents masked: the line number, its status, which fields changed. */
export function maskPrivateLine<L extends { name?: string; changes?: AuditChange[] }>(l: L): L {
  const { name, changes, ...rest } = l;
  return { ...rest, ...(name !== undefined ? { name: MASK } : {}), ...(changes ? { changes: maskChanges(changes) } : {}) } as L;
}

/** An entry as readers get it: a private action's contents masked (also entries written before the rule). */
export function maskPrivateEntry<E extends AuditRecord>(e: E): E {
  if (!PRIVATE_ACTIONS.has(e.action)) return e;
  const out = { ...e, before: maskPrivate(e.before), after: maskPrivate(e.after), changes: maskChanges(e.changes ?? []) };
  const s = e.summary as { lines?: unknown } | null;
  if (s && typeof s === 'object' && Array.isArray(s.lines)) {
    out.summary = { ...s, lines: s.lines.map((l) => (l && typeof l === 'object' ? maskPrivateLine(l as { name?: string; changes?: AuditChange[] }) : l)) };
  }
  return out;
}

/**
 * A tenant's provisioning security (allowlist, authentication mode and names) is shown to
 * operators only (the tenant view hides it from its admins): a tenant entry read by anyone else
 * leaves it out.
 */
export function withoutTenantSecurity<E extends AuditRecord>(e: E): E {
  if (!e.action.startsWith('tenant.')) return e;
  const strip = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object' || Array.isArray(v) || !('security' in v)) return v;
    const { security: _hidden, ...rest } = v as Record<string, unknown>;
    return rest;
  };
  return { ...e, before: strip(e.before), after: strip(e.after), changes: (e.changes ?? []).filter((c) => c.field !== 'security' && !c.field.startsWith('security.')) };
}

/** Lines of an import listed in its entry, at most (the counts cover every line). */
export const AUDIT_IMPORT_LINES = 500;
/** Entries per page of `GET /audit`, by default and at most. */
export const AUDIT_PAGE_DEFAULT = 100;
export const AUDIT_PAGE_MAX = 1000;
