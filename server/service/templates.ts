// Key templates (issue 16): a tenant's reusable key layouts. A licence gets one (`keyTemplate` on the
// user); its effective keys are the template's with the licence's own keys winning by position.
// - Writes: tenant admins and operators; reads: members of the tenant (a user sees where her keys
//   come from). Another tenant's template is not found (404).
// - Versions like every other row (issue 12): the API answers with an ETag ("v<n>") and a write
//   carrying If-Match naming an older version gets 412; a change may also name in its body the
//   `version` it was made from (the cockpit's form does): 409 when the template changed meanwhile.
//   Naming neither, a change is merged onto the template as it is (never undoing another one).
// - A change is checked against every phone of every licence using the template (model family,
//   key capacity with the licence's own keys merged): 422 naming the phone (MAC) and licence.
// - A change drops the cached files of every phone using the template (and `?resync=true` resyncs
//   them, like every API write); every write is audited.
import { conflict, invalid, invalidAll, stale, type ErrorDetail } from '../domain/errors.ts';
import { formatMac } from '../domain/mac.ts';
import { keyTemplateCreate, keyTemplatePatch, parseInput } from '../domain/schemas.ts';
import { findModel, keyCapacity } from '../../vendors/index.ts';
import { requireTenantAdmin, type Actor, type Principal } from '../auth/principal.ts';
import type { FunctionKey, KeyTemplate, Store, User } from '../store/types.ts';
import { checkVersion, devicesOfUsers, inTransaction, RETRY, versionedWrite, type ServiceDeps, type WriteOptions } from './context.ts';
import { message } from '../domain/messages.ts';
import { getTenant, recordOfTenant } from './tenants.ts';
import { checkKeyList } from './keys.ts';
import { keysSnapshot, recordAudit } from './audit.ts';

export interface EffectiveKey extends FunctionKey {
  /** Where the key comes from: the licence's template, or the licence's own keys. */
  source: 'template' | 'user';
}

/** The template's keys, the licence's own keys winning by position; a template BLF on the licence's own line is left out. */
export function mergeKeys(template: readonly FunctionKey[], own: readonly FunctionKey[], self: string): EffectiveKey[] {
  const byPosition = new Map<number, EffectiveKey>();
  for (const k of template) if (!(k.type === 'blf' && k.value === self)) byPosition.set(k.position, { ...k, source: 'template' });
  for (const k of own) byPosition.set(k.position, { ...k, source: 'user' });
  return [...byPosition.values()].sort((a, b) => a.position - b.position);
}

/** The template of a licence, when it has one of its own tenant. */
export async function templateOf(store: Store, user: Pick<User, 'tenantId' | 'keyTemplate'>): Promise<KeyTemplate | undefined> {
  if (user.keyTemplate === null) return undefined;
  const t = await store.keyTemplates.get(user.keyTemplate);
  return t && t.tenantId === user.tenantId ? t : undefined;
}

export async function effectiveKeys(store: Store, user: Pick<User, 'number' | 'tenantId' | 'keyTemplate'>): Promise<EffectiveKey[]> {
  return mergeKeys((await templateOf(store, user))?.keys ?? [], await store.keys.list(user.number), user.number);
}

/** Licences whose phones show `number` on a BLF key: their own keys, or their template's. */
export async function supervisorsOf(store: Store, number: string): Promise<string[]> {
  const out = new Set(await store.keys.watchersOf(number));
  const u = await store.users.get(number);
  if (u) {
    for (const t of await store.keyTemplates.list(u.tenantId)) {
      if (!t.keys.some((k) => k.type === 'blf' && k.value === number)) continue;
      for (const n of await store.users.withTemplate(t.id)) if (n !== number) out.add(n);
    }
  }
  return [...out].sort();
}

/** A model or vendor a template is meant for, against one phone. */
export const familyFits = (family: string | null, device: { vendor: string; model: string }): boolean =>
  family === null || family === device.vendor || family === device.model;

/**
 * Would these licences' phones take this template? Every problem names the phone and licence:
 * a phone outside the template's family, or whose keys (template merged with the licence's own)
 * go beyond the model's capacity.
 */
export async function checkTemplateFits(store: Store, template: { name: string; family: string | null; keys: readonly FunctionKey[] }, numbers: readonly string[]): Promise<ErrorDetail[]> {
  const problems: ErrorDetail[] = [];
  for (const n of numbers) {
    const own = await store.keys.list(n);
    const highest = Math.max(0, ...mergeKeys(template.keys, own, n).map((k) => k.position));
    for (const d of await store.devices.list({ userNumber: n })) {
      const mac = formatMac(d.mac);
      if (!familyFits(template.family, d)) {
        problems.push({ field: 'family', key: 'validation.template_family_mismatch', params: { template: template.name, family: template.family ?? '', model: d.model, mac, user: n } });
        continue;
      }
      const found = findModel(d.model);
      if (!found) continue;
      const capacity = keyCapacity(found.model, d.expansionModules);
      if (highest > capacity) problems.push({ field: 'keys', key: 'validation.template_beyond_phone', params: { position: highest, capacity, model: d.model, mac, user: n } });
    }
  }
  return problems;
}

/** A template of this tenant, readable by `p` (members of the tenant, operators); 404 otherwise. */
export async function getTemplate(deps: ServiceDeps, p: Principal, tenantId: string, id: string | number): Promise<KeyTemplate> {
  await getTenant(deps, p, tenantId);
  return recordOfTenant(tenantId, id, (n) => deps.store.keyTemplates.get(n), 'not_found.key_template');
}

export async function listTemplates(deps: ServiceDeps, p: Principal, tenantId: string): Promise<KeyTemplate[]> {
  await getTenant(deps, p, tenantId);
  return deps.store.keyTemplates.list(tenantId);
}

/** Licences using a template (for views). */
export const templateUsers = (deps: ServiceDeps, id: number): Promise<string[]> => deps.store.users.withTemplate(id);

const snapshot = (t: KeyTemplate) => ({ name: t.name, family: t.family, version: t.version, keys: keysSnapshot(t.keys) });

async function nameFree(store: Store, tenantId: string, name: string, except?: number): Promise<void> {
  const taken = (await store.keyTemplates.list(tenantId)).some((t) => t.id !== except && t.name.toLowerCase() === name.toLowerCase());
  if (taken) throw conflict('name', 'conflict.key_template_name', { name });
}

export async function createTemplate(deps: ServiceDeps, p: Actor, tenantId: string, input: unknown): Promise<KeyTemplate> {
  await getTenant(deps, p, tenantId);
  requireTenantAdmin(p, tenantId);
  const v = parseInput(keyTemplateCreate, input);
  return inTransaction(deps, async ({ store }) => {
    await getTenant({ store, changes: deps.changes }, p, tenantId);
    const keys = await checkKeyList(store, tenantId, v.keys, { limit: 999 });
    await nameFree(store, tenantId, v.name);
    const id = await store.keyTemplates.insert({ tenantId, name: v.name, family: v.family ?? null, keys });
    const t = (await store.keyTemplates.get(id))!;
    await recordAudit(store, p, { action: 'key_template.create', tenantId, targetId: id, after: snapshot(t) });
    return t;
  });
}

export async function updateTemplate(deps: ServiceDeps, p: Actor, tenantId: string, id: string, input: unknown, opts: WriteOptions = {}): Promise<KeyTemplate> {
  const before = await getTemplate(deps, p, tenantId, id);
  requireTenantAdmin(p, tenantId);
  const v = parseInput(keyTemplatePatch, input);
  const what = message('stale.key_template', { id: before.id });
  checkVersion(opts, before.version, what);
  const { t, macs } = await versionedWrite(deps, what, opts, async (d) => {
    const cur = await getTemplate(d, p, tenantId, id);
    checkVersion(opts, cur.version, what);
    if (v.version !== undefined && cur.version !== v.version) throw conflict('version', 'conflict.key_template_stale', { version: v.version, current: cur.version });
    const name = v.name ?? cur.name;
    const family = v.family === undefined ? cur.family : v.family;
    const keys = v.keys === undefined ? cur.keys : await checkKeyList(d.store, tenantId, v.keys, { limit: 999 });
    if (name !== cur.name) await nameFree(d.store, tenantId, name, cur.id);
    const users = await d.store.users.withTemplate(cur.id);
    const problems = await checkTemplateFits(d.store, { name, family, keys }, users);
    if (problems.length) throw invalidAll(problems);
    if (!(await d.store.keyTemplates.update(cur.id, { name, family, keys }, cur.version))) {
      if (v.version !== undefined) throw conflict('version', 'conflict.key_template_stale', { version: v.version, current: cur.version + 1 });
      return RETRY;
    }
    const t = (await d.store.keyTemplates.get(cur.id))!;
    await recordAudit(d.store, p, { action: 'key_template.update', tenantId, targetId: cur.id, before: snapshot(cur), after: snapshot(t), summary: { licences: users.length } });
    return { t, macs: await devicesOfUsers(d.store, users) };
  });
  deps.changes.devicesChanged(macs, `key template ${t.id} changed`);
  return t;
}

/** `version`: when given (`?version=`), the template must still be at it (409 otherwise); If-Match: 412. */
export async function deleteTemplate(deps: ServiceDeps, p: Actor, tenantId: string, id: string, version?: unknown, opts: WriteOptions = {}): Promise<void> {
  await getTemplate(deps, p, tenantId, id);
  requireTenantAdmin(p, tenantId);
  let expected: number | undefined;
  if (version !== undefined) {
    expected = Number(version);
    if (!Number.isSafeInteger(expected) || expected < 1) throw invalid('version', 'validation.template_version');
  }
  const macs = await inTransaction(deps, async (d) => {
    const cur = await getTemplate(d, p, tenantId, id);
    if (expected !== undefined && cur.version !== expected) throw conflict('version', 'conflict.key_template_stale', { version: expected, current: cur.version });
    checkVersion(opts, cur.version, message('stale.key_template', { id: cur.id }));
    const users = await d.store.users.withTemplate(cur.id);
    const macs = await devicesOfUsers(d.store, users);
    if (!(await d.store.keyTemplates.delete(cur.id, cur.version))) throw stale(message('stale.key_template', { id: cur.id }));
    await recordAudit(d.store, p, { action: 'key_template.delete', tenantId, targetId: cur.id, before: snapshot(cur), summary: { licences: users } });
    return macs;
  });
  deps.changes.devicesChanged(macs, `key template ${id} deleted`);
}

/** A licence is deleted: BLF keys of templates that supervised it go (the templates' versions grow). */
export async function dropBlfFromTemplates(store: Store, p: Actor, tenantId: string, number: string): Promise<string[]> {
  const users: string[] = [];
  for (const t of await store.keyTemplates.list(tenantId)) {
    if (!t.keys.some((k) => k.type === 'blf' && k.value === number)) continue;
    const keys = t.keys.filter((k) => !(k.type === 'blf' && k.value === number));
    await store.keyTemplates.update(t.id, { name: t.name, family: t.family, keys }, t.version);
    const after = (await store.keyTemplates.get(t.id))!;
    await recordAudit(store, p, { action: 'key_template.update', tenantId, targetId: t.id, before: snapshot(t), after: snapshot(after), summary: { cause: 'user.delete', blfRemoved: number } });
    users.push(...(await store.users.withTemplate(t.id)));
  }
  return users;
}
