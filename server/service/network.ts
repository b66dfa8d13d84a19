import { networkProfile, parseInput } from '../domain/schemas.ts';
import { notFound } from '../domain/errors.ts';
import { requireTenantAdmin, requireTenantMember, type Principal } from '../auth/principal.ts';
import type { NetworkProfile } from '../../vendors/types.ts';
import type { Store } from '../store/types.ts';
import type { ServiceDeps } from './context.ts';
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

export function effectiveProfile(store: Store, mac: string, tenantId: string): NetworkProfile {
  return mergeProfiles(store.network.getTenant(tenantId), store.network.getDevice(mac));
}

export function getTenantNetwork(deps: ServiceDeps, p: Principal, tenantId: string): NetworkProfile {
  if (!deps.store.tenants.get(tenantId)) throw notFound(`tenant "${tenantId}"`);
  requireTenantMember(p, tenantId);
  requireTenantAdmin(p, tenantId);
  return deps.store.network.getTenant(tenantId);
}

export function setTenantNetwork(deps: ServiceDeps, p: Principal, tenantId: string, input: unknown): NetworkProfile {
  if (!deps.store.tenants.get(tenantId)) throw notFound(`tenant "${tenantId}"`);
  requireTenantAdmin(p, tenantId);
  const profile = compact(parseInput(networkProfile, input));
  deps.store.network.setTenant(tenantId, profile);
  deps.changes.devicesChanged(deps.store.devices.list({ tenantId }).map((d) => d.mac), `network profile of ${tenantId} changed`);
  return profile;
}

export function getDeviceNetwork(deps: ServiceDeps, p: Principal, mac: string): { overrides: NetworkProfile; effective: NetworkProfile } {
  const d = getDevice(deps, p, mac);
  requireTenantAdmin(p, d.tenantId);
  return { overrides: deps.store.network.getDevice(d.mac), effective: effectiveProfile(deps.store, d.mac, d.tenantId) };
}

export function setDeviceNetwork(deps: ServiceDeps, p: Principal, mac: string, input: unknown): NetworkProfile {
  const d = getDevice(deps, p, mac);
  requireTenantAdmin(p, d.tenantId);
  const profile = compact(parseInput(networkProfile, input));
  deps.store.network.setDevice(d.mac, profile);
  deps.changes.devicesChanged([d.mac], 'device network overrides changed');
  return profile;
}
