import { message } from '../domain/messages.ts';
import { conflict, DomainError, forbidden, notFound, stale } from '../domain/errors.ts';
import {
  adoptBeforeServe, adoptsBeforeServe, mergeSecurity, parseInput, provisioningSecurity, tenantCreate, tenantPatch, type ProvisioningSecurity,
} from '../domain/schemas.ts';
import { isOperator, requireOperator, requireTenantAdmin, requireTenantMember, type Actor, type Principal } from '../auth/principal.ts';
import type { Store, Tenant } from '../store/types.ts';
import { checkVersion, inTransaction, RETRY, versionedWrite, type ServiceDeps, type WriteOptions } from './context.ts';
import { enrolDevices } from './enrolment.ts';
import { recordAudit } from './audit.ts';

export async function getTenant(deps: ServiceDeps, p: Principal, id: string): Promise<Tenant> {
  const t = await deps.store.tenants.get(id);
  if (!t) throw notFound('not_found.tenant', { id: id });
  requireTenantMember(p, id);
  return t;
}

/**
 * A record of the tenant `tenantId` (already checked readable) by the id a path names: a positive
 * integer the store knows under this tenant, or 404 `missing` naming it.
 */
export async function recordOfTenant<T extends { tenantId: string }>(
  tenantId: string, id: string | number, get: (n: number) => Promise<T | undefined>, missing: string,
): Promise<T> {
  const n = Number(id);
  const r = Number.isSafeInteger(n) && n > 0 ? await get(n) : undefined;
  if (!r || r.tenantId !== tenantId) throw notFound(missing, { id: String(id).slice(0, 40) });
  return r;
}

export async function listTenants(deps: ServiceDeps, p: Principal): Promise<Tenant[]> {
  const all = await deps.store.tenants.list();
  return p.kind === 'user' ? all.filter((t) => t.id === p.tenantId) : all;
}

/**
 * A tenant created without `security` adopts its phones before serving them (secure by default);
 * a tenant created with one keeps exactly that (`{"auth": {"mode": "none"}}` stays open, for labs).
 */
export async function createTenant(deps: ServiceDeps, p: Actor, input: unknown): Promise<Tenant> {
  requireOperator(p);
  const t = parseInput(tenantCreate, input);
  return inTransaction(deps, async ({ store }) => {
    if (await store.tenants.get(t.id)) throw conflict('id', 'conflict.tenant_exists', { id: t.id });
    await store.tenants.insert({
      id: t.id,
      name: t.name,
      sipDomain: t.sipDomain,
      sipProxy: t.sipProxy ?? null,
      sipPort: t.sipPort ?? 5060,
      sipTransport: t.sipTransport ?? 'udp',
      security: t.security ?? adoptBeforeServe(),
    });
    const created = (await store.tenants.get(t.id))!;
    await recordAudit(store, p, { action: 'tenant.create', tenantId: t.id, after: created });
    return created;
  });
}

/**
 * The tenant's security became adopt-before-serve (it was not): every device needs credentials
 * and one enrolment, since its phone has none yet (or blanked them while the tenant was open).
 */
async function afterSecurityChange(store: Store, before: ProvisioningSecurity, tenant: Tenant): Promise<string[]> {
  if (!adoptsBeforeServe(tenant.security)) return [];
  return enrolDevices(store, tenant, adoptsBeforeServe(before) ? 'not-enrolled' : 'all');
}

export async function updateTenant(deps: ServiceDeps, p: Actor, id: string, input: unknown, opts: WriteOptions = {}): Promise<Tenant> {
  const patch = parseInput(tenantPatch, input);
  const { tenant, macs } = await versionedWrite(deps, message('stale.tenant', { id }), opts, async (d) => {
    const cur = await getTenant(d, p, id);
    requireTenantAdmin(p, id);
    checkVersion(opts, cur.version, message('stale.tenant', { id }));
    // Provisioning security is the operator's business (it decides who may fetch secrets), and so
    // is where NOTIFYs go: a tenant admin must not aim cadran's SIP messages at any host and port.
    if (patch.security !== undefined) requireOperator(p);
    const sipProxy = patch.sipProxy === undefined ? cur.sipProxy : patch.sipProxy;
    const sipPort = patch.sipPort ?? cur.sipPort;
    if (!isOperator(p) && (sipProxy !== cur.sipProxy || sipPort !== cur.sipPort)) {
      throw forbidden('forbidden.sip_target_operator_only');
    }
    // PATCH merges security field by field: what is not named stays, an explicit null clears it.
    const security = patch.security === undefined ? cur.security : parseInput(provisioningSecurity, mergeSecurity(cur.security, patch.security), 'security');
    const ok = await d.store.tenants.update(
      id,
      {
        name: patch.name ?? cur.name,
        sipDomain: patch.sipDomain ?? cur.sipDomain,
        sipProxy,
        sipPort,
        sipTransport: patch.sipTransport ?? cur.sipTransport,
        security,
      },
      cur.version,
    );
    if (!ok) return RETRY;
    const tenant = (await d.store.tenants.get(id))!;
    await afterSecurityChange(d.store, cur.security, tenant);
    await recordAudit(d.store, p, { action: 'tenant.update', tenantId: id, before: cur, after: tenant });
    return { tenant, macs: (await d.store.devices.list({ tenantId: id })).map((x) => x.mac) };
  });
  deps.changes.devicesChanged(macs, `tenant ${id} changed`);
  return tenant;
}

/** `PUT /tenants/{id}/security`: the whole provisioning security at once (operators). */
export async function replaceSecurity(deps: ServiceDeps, p: Actor, id: string, input: unknown, opts: WriteOptions = {}): Promise<Tenant> {
  requireOperator(p);
  const security = parseInput(provisioningSecurity, input, 'security');
  return writeSecurity(deps, p, id, opts, () => security);
}

/**
 * Apply the adopt-before-serve default to an existing tenant (operators): per-device credentials
 * with Digest, an enrolment window (the tenant's own length when it had one); the allowlist and
 * URL token stay. Every device not enrolled yet gets credentials and a window from now.
 */
export async function applyDefaultSecurity(deps: ServiceDeps, p: Actor, id: string, opts: WriteOptions = {}): Promise<Tenant> {
  requireOperator(p);
  return writeSecurity(deps, p, id, opts, (cur) => {
    const { auth: _a, enrolment, ...rest } = cur;
    const def = adoptBeforeServe(enrolment?.windowHours);
    return { ...rest, ...def, enrolment: { ...def.enrolment!, ...(enrolment?.allowlist ? { allowlist: enrolment.allowlist } : {}) } };
  });
}

async function writeSecurity(deps: ServiceDeps, p: Actor, id: string, opts: WriteOptions, make: (cur: ProvisioningSecurity) => ProvisioningSecurity): Promise<Tenant> {
  const { tenant, macs } = await versionedWrite(deps, message('stale.tenant', { id }), opts, async (d) => {
    const cur = await getTenant(d, p, id);
    checkVersion(opts, cur.version, message('stale.tenant', { id }));
    const { id: _i, createdAt: _c, updatedAt: _u, version, ...rest } = cur;
    if (!(await d.store.tenants.update(id, { ...rest, security: make(cur.security) }, version))) return RETRY;
    const tenant = (await d.store.tenants.get(id))!;
    await afterSecurityChange(d.store, cur.security, tenant);
    await recordAudit(d.store, p, { action: 'tenant.update', tenantId: id, before: cur, after: tenant });
    return { tenant, macs: (await d.store.devices.list({ tenantId: id })).map((x) => x.mac) };
  });
  deps.changes.devicesChanged(macs, `security of tenant ${id} changed`);
  return tenant;
}

export async function deleteTenant(deps: ServiceDeps, p: Actor, id: string, opts: WriteOptions = {}): Promise<void> {
  requireOperator(p);
  const macs = await inTransaction(deps, async ({ store }) => {
    const cur = await store.tenants.get(id);
    if (!cur) throw notFound('not_found.tenant', { id });
    checkVersion(opts, cur.version, message('stale.tenant', { id }));
    const macs = (await store.devices.list({ tenantId: id })).map((d) => d.mac);
    const users = (await store.users.list(id)).length;
    if (!(await store.tenants.delete(id, cur.version))) throw stale(message('stale.tenant', { id }));
    await recordAudit(store, p, { action: 'tenant.delete', tenantId: id, before: cur, summary: { users, devices: macs.length } });
    return macs;
  });
  deps.changes.devicesChanged(macs, `tenant ${id} deleted`);
}
