import { formatMac } from '../domain/mac.ts';
import { message } from '../domain/messages.ts';
import { networkProfile, parseInput } from '../domain/schemas.ts';
import { notFound } from '../domain/errors.ts';
import { compactProfile } from '../domain/profile.ts';
import { requireTenantAdmin, requireTenantMember, type Actor, type Principal } from '../auth/principal.ts';
import type { NetworkProfile } from '../../vendors/types.ts';
import type { Store, VersionedProfile } from '../store/types.ts';
import { checkVersion, RETRY, versionedWrite, type ServiceDeps, type WriteOptions } from './context.ts';
import { getDevice } from './devices.ts';
import { recordAudit } from './audit.ts';
import { checkDeviceTargets } from './firmware.ts';

/**
 * Profiles from the most general (installation defaults) to the most specific (device): a later
 * level overrides an earlier one field by field; the maps are merged a level deeper — `firmware` per
 * model, `featureCodes` per code, `vendorParameters` per vendor and then per parameter name.
 */
export function mergeProfiles(...levels: NetworkProfile[]): NetworkProfile {
  const merged: NetworkProfile = {};
  for (const level of levels) {
    // Firmware targets are not merged: a device's one is resolved level by level (domain/firmware.ts).
    const { firmware, featureCodes, vendorParameters, firmwareTargets: _targets, ...plain } = level;
    Object.assign(merged, plain);
    if (firmware) merged.firmware = { ...merged.firmware, ...firmware };
    if (featureCodes) merged.featureCodes = { ...merged.featureCodes, ...featureCodes };
    if (vendorParameters) {
      const all = { ...merged.vendorParameters };
      for (const [vendor, params] of Object.entries(vendorParameters)) all[vendor] = { ...all[vendor], ...params };
      merged.vendorParameters = all;
    }
  }
  return merged;
}

/** The profile a device's files are rendered with: installation defaults, tenant, device. */
export async function effectiveProfile(store: Store, mac: string, tenantId: string, defaults: NetworkProfile = {}): Promise<NetworkProfile> {
  return mergeProfiles(defaults, await store.network.getTenant(tenantId), await store.network.getDevice(mac));
}

export async function getTenantNetwork(deps: ServiceDeps, p: Principal, tenantId: string): Promise<NetworkProfile> {
  return (await getTenantNetworkEntry(deps, p, tenantId)).profile;
}

/** The tenant's profile with its version (ETag). */
export async function getTenantNetworkEntry(deps: ServiceDeps, p: Principal, tenantId: string): Promise<VersionedProfile> {
  if (!(await deps.store.tenants.get(tenantId))) throw notFound('not_found.tenant', { id: tenantId });
  requireTenantMember(p, tenantId);
  requireTenantAdmin(p, tenantId);
  return deps.store.network.getTenantEntry(tenantId);
}

/**
 * `patch` applied to `target` as a JSON merge patch (RFC 7396): a field given replaces the stored
 * one, `null` removes it, an object is merged a level deeper (featureCodes, vendorParameters per
 * vendor, firmware per model). Changing one field of a level no longer means sending all of it
 * (a PUT replaces the level: sending only the VLAN removed the locale, codecs and NTP servers).
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (k === '__proto__' || k === 'constructor' || k === 'prototype') continue;
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/**
 * The level to store: `input` as given (PUT), or merged onto the stored level (PATCH; a body that
 * is not an object merges to itself, and is refused as a PUT of it would be).
 */
function nextLevel(cur: NetworkProfile, input: unknown, merge: boolean): NetworkProfile {
  return compactProfile(parseInput(networkProfile, merge ? mergePatch(cur, input) : input));
}

export async function setTenantNetwork(deps: ServiceDeps, p: Actor, tenantId: string, input: unknown, opts: WriteOptions & { merge?: boolean } = {}): Promise<VersionedProfile> {
  if (!(await deps.store.tenants.get(tenantId))) throw notFound('not_found.tenant', { id: tenantId });
  requireTenantAdmin(p, tenantId);
  // Checked before the transaction when it can be (a PUT); a PATCH is checked merged, inside it.
  const replaced = opts.merge ? null : nextLevel({}, input, false);
  const what = message('stale.network_tenant', { id: tenantId });
  const { entry, macs } = await versionedWrite(deps, what, opts, async ({ store }) => {
    if (!(await store.tenants.get(tenantId))) throw notFound('not_found.tenant', { id: tenantId });
    const cur = await store.network.getTenantEntry(tenantId);
    checkVersion(opts, cur.version, what);
    const profile = replaced ?? nextLevel(cur.profile, input, true);
    if (!(await store.network.setTenant(tenantId, profile, cur.version))) return RETRY;
    await recordAudit(store, p, { action: 'tenant.network', tenantId, before: cur.profile, after: profile });
    return { entry: await store.network.getTenantEntry(tenantId), macs: (await store.devices.list({ tenantId })).map((d) => d.mac) };
  });
  deps.changes.devicesChanged(macs, `network profile of ${tenantId} changed`);
  return entry;
}

export async function getDeviceNetwork(deps: ServiceDeps, p: Principal, mac: string): Promise<{ overrides: NetworkProfile; effective: NetworkProfile; version: number }> {
  const d = await getDevice(deps, p, mac);
  requireTenantAdmin(p, d.tenantId);
  const entry = await deps.store.network.getDeviceEntry(d.mac);
  return { overrides: entry.profile, effective: await effectiveProfile(deps.store, d.mac, d.tenantId, deps.defaults), version: entry.version };
}

export async function setDeviceNetwork(deps: ServiceDeps, p: Actor, mac: string, input: unknown, opts: WriteOptions & { merge?: boolean } = {}): Promise<VersionedProfile> {
  const d = await getDevice(deps, p, mac);
  requireTenantAdmin(p, d.tenantId);
  const replaced = opts.merge ? null : nextLevel({}, input, false);
  const what = message('stale.network_device', { mac: formatMac(d.mac) });
  const entry = await versionedWrite(deps, what, opts, async (tx) => {
    const cur = await getDevice(tx, p, mac); // still there, still the caller's
    const now = await tx.store.network.getDeviceEntry(cur.mac);
    checkVersion(opts, now.version, what);
    const profile = replaced ?? nextLevel(now.profile, input, true);
    checkDeviceTargets(profile, cur);
    if (!(await tx.store.network.setDevice(cur.mac, profile, now.version))) return RETRY;
    await recordAudit(tx.store, p, { action: 'device.network', tenantId: cur.tenantId, userNumber: cur.userNumber, mac: cur.mac, before: now.profile, after: profile });
    return tx.store.network.getDeviceEntry(cur.mac);
  });
  deps.changes.devicesChanged([d.mac], 'device network overrides changed');
  return entry;
}
