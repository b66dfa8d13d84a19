// Firmware rollout (issue 16): the targets of a tenant, one per (model, group), and the inventory —
// per model, the target(s), which versions the phones report and where each phone stands.
// Targets are kept in the phone profile levels (domain/firmware.ts says how one is resolved):
// the installation's in the config file (`defaults.firmwareTargets`), a tenant's in its profile
// (these routes edit that list; PUT /tenants/{t}/profile replaces it whole), a device's in its
// profile overrides (no group there: the device is the scope).
import { firmwareStanding, putTarget, dropTarget, resolveFirmware, type FirmwareStanding, type ResolvedFirmware } from '../domain/firmware.ts';
import { firmwareImageUrl, firmwareVersion, groupLabel, modelName, parseInput } from '../domain/schemas.ts';
import { invalid, notFound } from '../domain/errors.ts';
import { compactProfile } from '../domain/profile.ts';
import { z } from 'zod';
import { modelKey } from '../../vendors/common/firmware.ts';
import type { FirmwareTarget, NetworkProfile } from '../../vendors/types.ts';
import { isOperator, requireTenantAdmin, type Actor, type Principal } from '../auth/principal.ts';
import type { Device, Sighting, Store } from '../store/types.ts';
import { RETRY, versionedWrite, type ServiceDeps } from './context.ts';
import { message } from '../domain/messages.ts';
import { recordAudit } from './audit.ts';
import { resolveModel } from './devices.ts';

/** The target a device gets, from the installation defaults and the stored tenant and device levels. */
export async function deviceFirmware(store: Store, d: Pick<Device, 'mac' | 'tenantId' | 'model' | 'group'>, defaults: NetworkProfile = {}): Promise<ResolvedFirmware | null> {
  return resolveFirmware(
    { installation: defaults, tenant: await store.network.getTenant(d.tenantId), device: await store.network.getDevice(d.mac) },
    d.model,
    d.group,
  );
}

export const firmwareTargetBody = z
  .object({ url: firmwareImageUrl, version: firmwareVersion, group: groupLabel.nullable().optional() })
  .strict();

function checkModel(raw: string): string {
  const m = modelName.safeParse(raw);
  return resolveModel(m.success ? m.data : raw.slice(0, 40)).model.model;
}

function checkGroup(raw: unknown): string | null {
  if (raw === undefined || raw === null || raw === '') return null;
  const g = groupLabel.safeParse(raw);
  if (!g.success) throw invalid('group', 'validation.group_label');
  return g.data;
}

async function tenantOrNotFound(store: Store, p: Principal, tenantId: string): Promise<void> {
  // Rights first: another tenant's admin gets the same 404 whether it exists or not.
  requireTenantAdmin(p, tenantId);
  if (!(await store.tenants.get(tenantId))) throw notFound('not_found.tenant', { id: tenantId });
}

async function changedDevices(store: Store, tenantId: string, model: string): Promise<string[]> {
  return (await store.devices.list({ tenantId })).filter((d) => modelKey(d.model) === modelKey(model)).map((d) => d.mac);
}

/** Set (insert or replace) the tenant's target of `model` for `group` (none: every phone of the model). */
export async function putFirmwareTarget(deps: ServiceDeps, p: Actor, tenantId: string, rawModel: string, input: unknown): Promise<FirmwareTarget[]> {
  const model = checkModel(rawModel);
  const body = parseInput(firmwareTargetBody, input);
  const target: FirmwareTarget = { model, url: body.url, version: body.version, ...(body.group ? { group: body.group } : {}) };
  const { list, macs } = await versionedWrite(deps, message('stale.network_tenant', { id: tenantId }), {}, async ({ store }) => {
    await tenantOrNotFound(store, p, tenantId);
    const { profile, version } = await store.network.getTenantEntry(tenantId);
    const before = profile.firmwareTargets ?? [];
    const after = putTarget(before, target);
    // Only at the version read: another edit of the profile in between is retried on top of it.
    if (!(await store.network.setTenant(tenantId, compactProfile({ ...profile, firmwareTargets: after }), version))) return RETRY;
    await recordAudit(store, p, { action: 'tenant.firmware', tenantId, targetId: `${model}${target.group ? `/${target.group}` : ''}`, before: { firmwareTargets: before }, after: { firmwareTargets: after } });
    return { list: after, macs: await changedDevices(store, tenantId, model) };
  });
  deps.changes.devicesChanged(macs, `firmware target of ${model} in ${tenantId}`);
  return list;
}

/** Remove the tenant's target of `model` for `group` (none: the unscoped one); 404 when there is none. */
export async function deleteFirmwareTarget(deps: ServiceDeps, p: Actor, tenantId: string, rawModel: string, rawGroup: unknown): Promise<FirmwareTarget[]> {
  const model = checkModel(rawModel);
  const group = checkGroup(rawGroup);
  const { list, macs } = await versionedWrite(deps, message('stale.network_tenant', { id: tenantId }), {}, async ({ store }) => {
    await tenantOrNotFound(store, p, tenantId);
    const { profile, version } = await store.network.getTenantEntry(tenantId);
    const before = profile.firmwareTargets ?? [];
    const { list: after, removed } = dropTarget(before, model, group);
    if (!removed) throw notFound('not_found.firmware_target', { model, group: group ?? '—' });
    if (!(await store.network.setTenant(tenantId, compactProfile({ ...profile, firmwareTargets: after }), version))) return RETRY;
    await recordAudit(store, p, { action: 'tenant.firmware', tenantId, targetId: `${model}${group ? `/${group}` : ''}`, before: { firmwareTargets: before }, after: { firmwareTargets: after } });
    return { list: after, macs: await changedDevices(store, tenantId, model) };
  });
  deps.changes.devicesChanged(macs, `firmware target of ${model} in ${tenantId} removed`);
  return list;
}

/** A device level may hold a target for the device's own model only, and no group. */
export function checkDeviceTargets(profile: NetworkProfile, device: Pick<Device, 'model'>): void {
  (profile.firmwareTargets ?? []).forEach((t, i) => {
    if (t.group !== undefined) throw invalid(`firmwareTargets.${i}.group`, 'validation.firmware_group_on_device');
    if (modelKey(t.model) !== modelKey(device.model)) throw invalid(`firmwareTargets.${i}.model`, 'validation.firmware_model_of_device', { model: device.model });
  });
}

// ---- inventory

export interface StandingCounts {
  devices: number;
  onTarget: number;
  behind: number;
  neverSeen: number;
  noTarget: number;
  untracked: number;
}

export interface InventoryTarget {
  level: 'installation' | 'tenant' | 'device';
  tenant: string | null;
  group: string | null;
  url: string;
  version: string | null;
  /** Phones of the inventory this target applies to. */
  devices: number;
}

export interface ModelInventory {
  model: string;
  vendor: string;
  counts: StandingCounts;
  /** Every target that applies to at least one phone, most general first. */
  targets: InventoryTarget[];
  /** Versions the phones reported, most phones first; `version: null` for phones that never said. */
  versions: Array<{ version: string | null; count: number; onTarget: number }>;
  /** Per group label present among these phones (`group: null`: phones without one). */
  groups: Array<{ group: string | null } & StandingCounts>;
}

export interface FirmwareInventory {
  tenant: string | null;
  /** The targets as set, whether or not a phone takes them: the installation's and the tenant's. */
  configured: { installation: FirmwareTarget[]; tenant: FirmwareTarget[] };
  models: ModelInventory[];
  totals: StandingCounts;
}

const zero = (): StandingCounts => ({ devices: 0, onTarget: 0, behind: 0, neverSeen: 0, noTarget: 0, untracked: 0 });
const KEY: Record<FirmwareStanding, keyof StandingCounts> = {
  'on-target': 'onTarget', behind: 'behind', 'never-seen': 'neverSeen', 'no-target': 'noTarget', untracked: 'untracked',
};
function count(c: StandingCounts, s: FirmwareStanding): void {
  c.devices++;
  c[KEY[s]]++;
}

/** The phones one device row stands for in the inventory (and the bulk preview). */
export interface DeviceFirmware {
  device: Device;
  target: ResolvedFirmware | null;
  reported: string | null;
  standing: FirmwareStanding;
}

/** Each phone of the scope with its target and standing (one read per table, not per phone). */
export async function firmwareOfDevices(store: Store, devices: Device[], defaults: NetworkProfile, sightings: Sighting[]): Promise<DeviceFirmware[]> {
  const seen = new Map(sightings.map((s) => [s.mac, s]));
  const tenantProfiles = new Map<string, NetworkProfile>();
  const out: DeviceFirmware[] = [];
  for (const d of devices) {
    let tp = tenantProfiles.get(d.tenantId);
    if (!tp) tenantProfiles.set(d.tenantId, (tp = await store.network.getTenant(d.tenantId)));
    const target = resolveFirmware({ installation: defaults, tenant: tp, device: await store.network.getDevice(d.mac) }, d.model, d.group);
    const reported = seen.get(d.mac)?.firmware ?? null;
    out.push({ device: d, target, reported, standing: firmwareStanding(target, reported) });
  }
  return out;
}

/**
 * `GET /firmware?tenant=`: operators see one tenant or (no tenant) the installation; a tenant
 * admin sees their own (another tenant: 404, as if it did not exist); users: 403.
 */
export async function firmwareInventory(deps: ServiceDeps, p: Principal, rawTenant: unknown): Promise<FirmwareInventory> {
  let tenantId: string | null = typeof rawTenant === 'string' && rawTenant !== '' ? rawTenant : null;
  if (rawTenant !== undefined && typeof rawTenant !== 'string') throw invalid('tenant', 'validation.type_text');
  if (!tenantId && !isOperator(p) && p.kind === 'user') tenantId = p.tenantId;
  if (tenantId) await tenantOrNotFound(deps.store, p, tenantId);
  const devices = await deps.store.devices.list(tenantId ? { tenantId } : {});
  const sightings = await deps.store.sightings.list(tenantId ? { tenantId } : {});
  const rows = await firmwareOfDevices(deps.store, devices, deps.defaults ?? {}, sightings);
  const byModel = new Map<string, DeviceFirmware[]>();
  for (const r of rows) {
    const l = byModel.get(r.device.model);
    if (l) l.push(r);
    else byModel.set(r.device.model, [r]);
  }
  const totals = zero();
  const models: ModelInventory[] = [];
  for (const [model, list] of [...byModel].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const counts = zero();
    const versions = new Map<string | null, { count: number; onTarget: number }>();
    const groups = new Map<string | null, StandingCounts>();
    const targets = new Map<string, InventoryTarget>();
    for (const r of list) {
      count(counts, r.standing);
      count(totals, r.standing);
      const v = versions.get(r.reported) ?? { count: 0, onTarget: 0 };
      v.count++;
      if (r.standing === 'on-target') v.onTarget++;
      versions.set(r.reported, v);
      const g = groups.get(r.device.group) ?? zero();
      count(g, r.standing);
      groups.set(r.device.group, g);
      if (r.target) {
        const tenant = r.target.level === 'installation' ? null : r.device.tenantId;
        const k = `${r.target.level}|${tenant ?? ''}|${r.target.group ?? ''}|${r.target.url}|${r.target.version ?? ''}`;
        const t = targets.get(k) ?? { level: r.target.level, tenant, group: r.target.group, url: r.target.url, version: r.target.version, devices: 0 };
        t.devices++;
        targets.set(k, t);
      }
    }
    const order = { installation: 0, tenant: 1, device: 2 } as const;
    models.push({
      model,
      vendor: list[0]!.device.vendor,
      counts,
      targets: [...targets.values()].sort((a, b) => order[a.level] - order[b.level] || (a.group ?? '').localeCompare(b.group ?? '') || (a.tenant ?? '').localeCompare(b.tenant ?? '')),
      versions: [...versions].map(([version, c]) => ({ version, ...c })).sort((a, b) => b.count - a.count || (a.version ?? '~').localeCompare(b.version ?? '~')),
      groups: [...groups].map(([group, c]) => ({ group, ...c })).sort((a, b) => (a.group === null ? 1 : b.group === null ? -1 : a.group.localeCompare(b.group))),
    });
  }
  const configured = {
    installation: deps.defaults?.firmwareTargets ?? [],
    tenant: tenantId ? ((await deps.store.network.getTenant(tenantId)).firmwareTargets ?? []) : [],
  };
  return { tenant: tenantId, configured, models, totals };
}
