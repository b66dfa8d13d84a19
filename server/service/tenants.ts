import { conflict, notFound } from '../domain/errors.ts';
import { parseInput, tenantCreate, tenantPatch } from '../domain/schemas.ts';
import { requireOperator, requireTenantAdmin, requireTenantMember, type Principal } from '../auth/principal.ts';
import type { Tenant } from '../store/types.ts';
import type { ServiceDeps } from './context.ts';

export function getTenant(deps: ServiceDeps, p: Principal, id: string): Tenant {
  const t = deps.store.tenants.get(id);
  if (!t) throw notFound(`tenant "${id}"`);
  requireTenantMember(p, id);
  return t;
}

export function listTenants(deps: ServiceDeps, p: Principal): Tenant[] {
  if (p.kind === 'user') return deps.store.tenants.list().filter((t) => t.id === p.tenantId);
  return deps.store.tenants.list();
}

export function createTenant(deps: ServiceDeps, p: Principal, input: unknown): Tenant {
  requireOperator(p);
  const t = parseInput(tenantCreate, input);
  if (deps.store.tenants.get(t.id)) throw conflict('id', `tenant "${t.id}" already exists`);
  deps.store.tenants.insert({
    id: t.id,
    name: t.name,
    sipDomain: t.sipDomain,
    sipProxy: t.sipProxy ?? null,
    sipPort: t.sipPort ?? 5060,
    sipTransport: t.sipTransport ?? 'udp',
    security: t.security ?? {},
  });
  return deps.store.tenants.get(t.id)!;
}

export function updateTenant(deps: ServiceDeps, p: Principal, id: string, input: unknown): Tenant {
  const cur = getTenant(deps, p, id);
  requireTenantAdmin(p, id);
  const patch = parseInput(tenantPatch, input);
  // Provisioning security is the operator's business (it decides who may fetch secrets).
  if (patch.security !== undefined) requireOperator(p);
  const next = {
    name: patch.name ?? cur.name,
    sipDomain: patch.sipDomain ?? cur.sipDomain,
    sipProxy: patch.sipProxy === undefined ? cur.sipProxy : patch.sipProxy,
    sipPort: patch.sipPort ?? cur.sipPort,
    sipTransport: patch.sipTransport ?? cur.sipTransport,
    security: patch.security ?? cur.security,
  };
  deps.store.tenants.update(id, next);
  deps.changes.devicesChanged(deps.store.devices.list({ tenantId: id }).map((d) => d.mac), `tenant ${id} changed`);
  return deps.store.tenants.get(id)!;
}

export function deleteTenant(deps: ServiceDeps, p: Principal, id: string): void {
  requireOperator(p);
  const macs = deps.store.devices.list({ tenantId: id }).map((d) => d.mac);
  if (!deps.store.tenants.delete(id)) throw notFound(`tenant "${id}"`);
  deps.changes.devicesChanged(macs, `tenant ${id} deleted`);
}
