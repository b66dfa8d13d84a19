// The company directory (issue 16): every licence of a tenant not hidden from it, plus the contacts
// the tenant's admins share (`/tenants/{t}/contacts`), on every phone of the tenant beside the
// user's personal contacts. Shared contacts: same fields and validation as personal ones; members
// of the tenant read them (their phones show them anyway), admins and operators write them;
// another tenant's are not found (404). Every write is audited and drops the cached directory of
// every phone of the tenant (other nodes learn it through the change feed).
import { contactInput, parseInput } from '../domain/schemas.ts';
import { invalid, notFound, stale } from '../domain/errors.ts';
import { requireTenantAdmin, type Actor, type Principal } from '../auth/principal.ts';
import type { SharedContact, Store } from '../store/types.ts';
import { checkVersion, inTransaction, RETRY, versionedWrite, type ServiceDeps, type WriteOptions } from './context.ts';
import { message } from '../domain/messages.ts';
import { getTenant, recordOfTenant } from './tenants.ts';
import { recordAudit } from './audit.ts';

/** Every phone of a tenant: the company directory is on each. */
export async function tenantDevices(store: Store, tenantId: string): Promise<string[]> {
  return (await store.devices.list({ tenantId })).map((d) => d.mac);
}

/** Announce (after the commit) that the tenant's company directory changed. */
export async function directoryChanged(deps: ServiceDeps, tenantId: string, id: number): Promise<void> {
  deps.changes.devicesChanged(await tenantDevices(deps.store, tenantId), `shared contact ${id} of ${tenantId}`);
}

export async function listSharedContacts(deps: ServiceDeps, p: Principal, tenantId: string): Promise<SharedContact[]> {
  await getTenant(deps, p, tenantId);
  return deps.store.sharedContacts.list(tenantId);
}

export async function getSharedContact(deps: ServiceDeps, p: Principal, tenantId: string, id: string | number): Promise<SharedContact> {
  await getTenant(deps, p, tenantId);
  return recordOfTenant(tenantId, id, (n) => deps.store.sharedContacts.get(n), 'not_found.contact');
}

const row = (c: ReturnType<typeof parseContact>) => ({ name: c.name, work: c.work ?? null, mobile: c.mobile ?? null, home: c.home ?? null, group: c.group ?? null });
const parseContact = (input: unknown) => parseInput(contactInput, input);

export async function createSharedContact(deps: ServiceDeps, p: Actor, tenantId: string, input: unknown): Promise<SharedContact> {
  await getTenant(deps, p, tenantId);
  requireTenantAdmin(p, tenantId);
  const c = parseContact(input);
  const created = await inTransaction(deps, async (d) => {
    await getTenant(d, p, tenantId);
    const id = await d.store.sharedContacts.insert({ tenantId, ...row(c) });
    const after = (await d.store.sharedContacts.get(id))!;
    await recordAudit(d.store, p, { action: 'shared_contact.create', tenantId, targetId: id, after });
    return after;
  });
  await directoryChanged(deps, tenantId, created.id);
  return created;
}

export async function updateSharedContact(deps: ServiceDeps, p: Actor, tenantId: string, id: string, input: unknown, opts: WriteOptions = {}): Promise<SharedContact> {
  await getSharedContact(deps, p, tenantId, id);
  requireTenantAdmin(p, tenantId);
  const what = message('stale.shared_contact', { id });
  const updated = await versionedWrite(deps, what, opts, async (d) => {
    const cur = await getSharedContact(d, p, tenantId, id);
    checkVersion(opts, cur.version, what);
    if (input === null || typeof input !== 'object' || Array.isArray(input)) throw invalid('(body)', 'validation.type_object');
    // PATCH semantics: absent fields keep their value; the result is validated as a whole.
    const c = parseContact({ name: cur.name, work: cur.work, mobile: cur.mobile, home: cur.home, group: cur.group, ...(input as object) });
    if (!(await d.store.sharedContacts.update(cur.id, row(c), cur.version))) return RETRY;
    const after = (await d.store.sharedContacts.get(cur.id))!;
    await recordAudit(d.store, p, { action: 'shared_contact.update', tenantId, targetId: cur.id, before: cur, after });
    return after;
  });
  await directoryChanged(deps, tenantId, updated.id);
  return updated;
}

export async function deleteSharedContact(deps: ServiceDeps, p: Actor, tenantId: string, id: string, opts: WriteOptions = {}): Promise<void> {
  await getSharedContact(deps, p, tenantId, id);
  requireTenantAdmin(p, tenantId);
  const what = message('stale.shared_contact', { id });
  const gone = await inTransaction(deps, async (d) => {
    const cur = await getSharedContact(d, p, tenantId, id);
    checkVersion(opts, cur.version, what);
    if (!(await d.store.sharedContacts.delete(cur.id, cur.version))) throw stale(what);
    await recordAudit(d.store, p, { action: 'shared_contact.delete', tenantId, targetId: cur.id, before: cur });
    return cur.id;
  });
  await directoryChanged(deps, tenantId, gone);
}
