import { networkProfile, parseInput } from '../domain/schemas.ts';
import { notFound } from '../domain/errors.ts';
import { requireTenantAdmin, requireTenantMember, type Principal } from '../auth/principal.ts';
import type { NetworkProfile } from '../../vendors/types.ts';
import type { Store } from '../store/types.ts';
import { inTransaction, type ServiceDeps } from './context.ts';
import { getDevice } from './devices.ts';

/** Drop unset (null / undefined) fields: stored profiles only hold what was set. */
function compact(p: Record<string, unknown>): NetworkProfile {
  return Object.fromEntries(Object.entries(p).filter(([, v]) => v !== null && v !== undefined)) as NetworkProfile;
}

/** The device level overrides the tenant level field by field. */
export function mergeProfiles(tenant: NetworkProfile, device: NetworkProfile): NetworkProfile {
  const merged: NetworkProfile = { ...tenant, ...device };
  if (tenant.firmware || device.firmware) merged.firmware = { ...tenant.firmware, ...device.firmware };
  return merged;
}

export async function effectiveProfile(store: Store, mac: string, tenantId: string): Promise<NetworkProfile> {
  return mergeProfiles(await store.network.getTenant(tenantId), await store.network.getDevice(mac));
}

export async function getTenantNetwork(deps: ServiceDeps, p: Principal, tenantId: string): Promise<NetworkProfile> {
  if (!(await deps.store.tenants.get(tenantId))) throw notFound('not_found.tenant', { id: tenantId });
  requireTenantMember(p, tenantId);
  requireTenantAdmin(p, tenantId);
  return deps.store.network.getTenant(tenantId);
}

export async function setTenantNetwork(deps: ServiceDeps, p: Principal, tenantId: string, input: unknown): Promise<NetworkProfile> {
  if (!(await deps.store.tenants.get(tenantId))) throw notFound('not_found.tenant', { id: tenantId });
  requireTenantAdmin(p, tenantId);
  const profile = compact(parseInput(networkProfile, input));
  const macs = await inTransaction(deps, async ({ store }) => {
    if (!(await store.tenants.get(tenantId))) throw notFound('not_found.tenant', { id: tenantId });
    await store.network.setTenant(tenantId, profile);
    return (await store.devices.list({ tenantId })).map((d) => d.mac);
  });
  deps.changes.devicesChanged(macs, `network profile of ${tenantId} changed`);
  return profile;
}

export async function getDeviceNetwork(deps: ServiceDeps, p: Principal, mac: string): Promise<{ overrides: NetworkProfile; effective: NetworkProfile }> {
  const d = await getDevice(deps, p, mac);
  requireTenantAdmin(p, d.tenantId);
  return { overrides: await deps.store.network.getDevice(d.mac), effective: await effectiveProfile(deps.store, d.mac, d.tenantId) };
}

export async function setDeviceNetwork(deps: ServiceDeps, p: Principal, mac: string, input: unknown): Promise<NetworkProfile> {
  const d = await getDevice(deps, p, mac);
  requireTenantAdmin(p, d.tenantId);
  const profile = compact(parseInput(networkProfile, input));
  await inTransaction(deps, async (tx) => {
    const cur = await getDevice(tx, p, mac); // still there, still the caller's
    await tx.store.network.setDevice(cur.mac, profile);
  });
  deps.changes.devicesChanged([d.mac], 'device network overrides changed');
  return profile;
}
