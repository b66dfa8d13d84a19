// Concurrent edits in the cockpit (issue 12, finding 10): every edit form carries the version of
// the record it shows (a hidden field), the write names it, and a form submitted over a version
// somebody changed meanwhile writes nothing; the page says so in the visitor's language, naming
// who made the other change when the audit trail tells (and only then: the entry must be the one
// that left the record's current version — an import's entry names its tenant, not each line —
// otherwise it is "someone else", never a guess).
import type { Request } from 'express';
import type { AppContext } from '../app-context.ts';
import { describe, isOperator, type Principal } from '../auth/principal.ts';
import { DomainError } from '../domain/errors.ts';
import { normalizeMac } from '../domain/mac.ts';
import type { AuditEntry, AuditFilter } from '../domain/audit.ts';
import type { WriteOptions } from '../service/context.ts';
import { field, formErrors, tr, type FormErrors } from './forms.ts';
import { translate } from './i18n.ts';

/** Hidden fields that carry a version (a page with several forms names each one). */
export const VERSION_FIELDS = ['version', 'netVersion', 'sipVersion'] as const;
export type VersionField = (typeof VERSION_FIELDS)[number];

/**
 * The version a form was built from: `{ ifVersion }`. A form without the field (a page cached
 * from before versions existed) writes as the API does without If-Match (merged onto the record
 * as it is now); a value that is not a version can never match.
 */
export function formVersion(req: Request, name: VersionField = 'version'): WriteOptions {
  const v = field(req, name);
  if (v === '') return {};
  return { ifVersion: /^\d{1,15}$/.test(v) ? Number(v) : -1 };
}

/** The versions a posted form carried, to render it again with them (never with the newer one). */
export function postedVersions(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  if (req.method !== 'POST') return out;
  for (const name of VERSION_FIELDS) {
    const v = field(req, name);
    if (/^\d{1,15}$/.test(v)) out[name] = v;
  }
  return out;
}

interface Lookup {
  filter: Omit<AuditFilter, 'limit'>;
  /** Actions that change this record's version. */
  actions: string[];
  /** The entry must name this target id (contacts). */
  targetId?: string;
  /**
   * The record's current version, when its audit snapshots carry it: the entry must have left
   * exactly this one. (Key lists and network profiles have no other writer than the audited one.)
   */
  version?: number | undefined;
}

/** Where the audit trail keeps the writes of the record a `stale.*` error names. */
async function lookupOf(app: AppContext, e: DomainError): Promise<Lookup | null> {
  const p = e.params as Record<string, string | undefined>;
  switch (e.key) {
    case 'stale.user': {
      const u = await app.store.users.get(String(p.number));
      return { filter: { userNumber: String(p.number), action: 'user.' }, actions: ['user.create', 'user.update', 'user.password_reset'], version: u?.version };
    }
    case 'stale.keys':
      return { filter: { userNumber: String(p.number), action: 'keys.' }, actions: ['keys.replace'] };
    case 'stale.device': {
      const mac = normalizeMac(String(p.mac));
      const d = await app.store.devices.get(mac);
      return { filter: { mac, action: 'device.' }, actions: ['device.create', 'device.update', 'device.move_in', 'device.move_out'], version: d?.version };
    }
    case 'stale.tenant': {
      const t = await app.store.tenants.get(String(p.id));
      return { filter: { tenantId: String(p.id), action: 'tenant.' }, actions: ['tenant.create', 'tenant.update'], version: t?.version };
    }
    case 'stale.contact': {
      const c = await app.store.contacts.get(Number(p.id));
      if (!c) return null;
      return { filter: { userNumber: c.userNumber, action: 'contact.' }, actions: ['contact.create', 'contact.update'], targetId: String(c.id), version: c.version };
    }
    case 'stale.shared_contact': {
      const c = await app.store.sharedContacts.get(Number(p.id));
      if (!c) return null;
      return { filter: { tenantId: c.tenantId, action: 'shared_contact.' }, actions: ['shared_contact.create', 'shared_contact.update'], targetId: String(c.id), version: c.version };
    }
    case 'stale.network_tenant':
      return { filter: { tenantId: String(p.id), action: 'tenant.network' }, actions: ['tenant.network'] };
    case 'stale.network_device':
      return { filter: { mac: normalizeMac(String(p.mac)), action: 'device.network' }, actions: ['device.network'] };
    default:
      return null;
  }
}

/** The audit entry of the record's last write, when the trail has it. */
async function lastWrite(app: AppContext, e: DomainError): Promise<AuditEntry | null> {
  const l = await lookupOf(app, e);
  if (!l) return null;
  const entries = await app.store.audit.list({ ...l.filter, limit: 50 });
  const last = entries.find((x) => l.actions.includes(x.action) && (l.targetId === undefined || x.targetId === l.targetId));
  if (!last) return null;
  if ('version' in l) {
    // A later write the trail does not list under this record would make an older entry a wrong answer.
    const left = (last.after as { version?: unknown } | null)?.version;
    if (l.version === undefined || left !== l.version) return null;
  }
  return last;
}

/** Who made a change, as the visitor may be told: herself, a colleague by name, an operator, the CLI. */
async function whoText(app: AppContext, visitor: Principal, entry: AuditEntry | null, lang: 'fr' | 'en'): Promise<string> {
  if (!entry) return translate(lang, 'stale_by.someone');
  const [kind, id = ''] = [entry.principal.slice(0, entry.principal.indexOf(':')), entry.principal.slice(entry.principal.indexOf(':') + 1)];
  if (entry.principal === describe(visitor)) return translate(lang, 'stale_by.you');
  if (kind === 'operator') {
    // A plain user is not told operators' logins; tenant admins read them in their audit trail anyway.
    const seesLogins = isOperator(visitor) || (visitor.kind === 'user' && visitor.role === 'admin');
    return seesLogins ? translate(lang, 'stale_by.operator', { login: id }) : translate(lang, 'stale_by.an_operator');
  }
  if (kind === 'admin' || kind === 'user') {
    const u = await app.store.users.get(id);
    return u ? translate(lang, 'stale_by.user', { name: u.name, number: u.number }) : translate(lang, 'stale_by.someone');
  }
  if (kind === 'cli') return translate(lang, 'stale_by.cli');
  return translate(lang, 'stale_by.someone');
}

/** The form's message for a write refused because the record changed since the form was built. */
export async function staleText(app: AppContext, req: Request, e: DomainError): Promise<string> {
  const lang = req.web!.lang;
  const visitor = req.web!.principal!;
  const who = await whoText(app, visitor, await lastWrite(app, e), lang);
  const key = `web_${e.key}`; // web_stale.user, web_stale.device…
  return translate(lang, key, { ...e.params, who });
}

/**
 * What a form shows for a refused write: a stale version (with who changed it), or the messages
 * of a validation error or conflict beside their fields; any other error is thrown on (error page).
 */
export async function formRefusal(app: AppContext, req: Request, e: unknown, rename?: (field: string) => string | null): Promise<FormErrors> {
  if (e instanceof DomainError && e.code === 'precondition_failed' && e.key.startsWith('stale.')) {
    return { fields: {}, general: await staleText(app, req, e) };
  }
  if (e instanceof DomainError && (e.code === 'validation_failed' || e.code === 'conflict')) return formErrors(e, tr(req), rename);
  throw e;
}

/** The status of a form shown again after a refusal: 409 when the record changed meanwhile, else 422. */
export const refusalStatus = (e: unknown): number => (e instanceof DomainError && e.code === 'precondition_failed' ? 409 : 422);
