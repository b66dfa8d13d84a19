import { conflict, notFound } from '../domain/errors.ts';
import { parseInput, tenantCreate, tenantPatch } from '../domain/schemas.ts';
import { requireOperator, requireTenantAdmin, requireTenantMember, type Actor, type Principal } from '../auth/principal.ts';
import type { Tenant } from '../store/types.ts';
import { inTransaction, type ServiceDeps } from './context.ts';
import { recordAudit } from './audit.ts';

export async function getTenant(deps: ServiceDeps, p: Principal, id: string): Promise<Tenant> {
  const t = await deps.store.tenants.get(id);
  if (!t) throw notFound('not_found.tenant', { id: id });
  requireTenantMember(p, id);
  return t;
}

export async function listTenants(deps: ServiceDeps, p: Principal): Promise<Tenant[]> {
  const all = await deps.store.tenants.list();
  return p.kind === 'user' ? all.filter((t) => t.id === p.tenantId) : all;
}

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
      security: t.security ?? {},
    });
    const created = (await store.tenants.get(t.id))!;
    await recordAudit(store, p, { action: 'tenant.create', tenantId: t.id, after: created });
    return created;
  });
}

export async function updateTenant(deps: ServiceDeps, p: Actor, id: string, input: unknown): Promise<Tenant> {
  const { tenant, macs } = await inTransaction(deps, async (d) => {
    const cur = await getTenant(d, p, id);
    requireTenantAdmin(p, id);
    const patch = parseInput(tenantPatch, input);
    // Provisioning security is the operator's business (it decides who may fetch secrets).
    if (patch.security !== undefined) requireOperator(p);
    await d.store.tenants.update(id, {
      name: patch.name ?? cur.name,
      sipDomain: patch.sipDomain ?? cur.sipDomain,
      sipProxy: patch.sipProxy === undefined ? cur.sipProxy : patch.sipProxy,
      sipPort: patch.sipPort ?? cur.sipPort,
      sipTransport: patch.sipTransport ?? cur.sipTransport,
      security: patch.security ?? cur.security,
    });
    const tenant = (await d.store.tenants.get(id))!;
    await recordAudit(d.store, p, { action: 'tenant.update', tenantId: id, before: cur, after: tenant });
    return { tenant, macs: (await d.store.devices.list({ tenantId: id })).map((x) => x.mac) };
  });
  deps.changes.devicesChanged(macs, `tenant ${id} changed`);
  return tenant;
}

export async function deleteTenant(deps: ServiceDeps, p: Actor, id: string): Promise<void> {
  requireOperator(p);
  const macs = await inTransaction(deps, async ({ store }) => {
    const cur = await store.tenants.get(id);
    if (!cur) throw notFound('not_found.tenant', { id });
    const macs = (await store.devices.list({ tenantId: id })).map((d) => d.mac);
    const users = (await store.users.list(id)).length;
    if (!(await store.tenants.delete(id))) throw notFound('not_found.tenant', { id: id });
    await recordAudit(store, p, { action: 'tenant.delete', tenantId: id, before: cur, summary: { users, devices: macs.length } });
    return macs;
  });
  deps.changes.devicesChanged(macs, `tenant ${id} deleted`);
}
