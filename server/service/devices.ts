import { conflict, forbidden, invalid, notFound } from '../domain/errors.ts';
import { normalizeMac, formatMac } from '../domain/mac.ts';
import { listParam, shownValue } from '../domain/messages.ts';
import { deviceCreate, devicePatch, parseInput } from '../domain/schemas.ts';
import { findModel, keyCapacity, vendors } from '../../vendors/index.ts';
import { isOperator, requireDeviceAccess, requireTenantAdmin, type Actor, type Principal } from '../auth/principal.ts';
import type { Device, Store } from '../store/types.ts';
import { inTransaction, type ServiceDeps } from './context.ts';
import { recordAudit } from './audit.ts';

export async function getDevice(deps: ServiceDeps, p: Principal, rawMac: string): Promise<Device> {
  const mac = normalizeMac(rawMac);
  const d = await deps.store.devices.get(mac);
  if (!d) throw notFound('not_found.device', { mac: formatMac(mac) });
  requireDeviceAccess(p, d, false);
  return d;
}

export async function listDevices(deps: ServiceDeps, p: Principal, filter: { tenantId?: string; userNumber?: string } = {}): Promise<Device[]> {
  if (p.kind === 'user') {
    if (p.role === 'admin') return (await deps.store.devices.list({ ...filter, tenantId: p.tenantId })).filter((d) => d.tenantId === p.tenantId);
    return deps.store.devices.list({ userNumber: p.number });
  }
  return deps.store.devices.list(filter);
}

export function resolveModel(raw: string, field = 'model') {
  const found = findModel(raw);
  if (!found) {
    const known = vendors.flatMap((v) => v.models.map((m) => m.model));
    throw invalid(field, 'validation.model_unknown', { model: shownValue(raw), known: listParam(known, 100) });
  }
  return found;
}

/** The user's keys must fit on the phone they are given. */
export async function checkKeysFit(store: Store, userNumber: string, device: { model: string; expansionModules: number; mac: string }): Promise<void> {
  const found = findModel(device.model);
  if (!found) return;
  const capacity = keyCapacity(found.model, device.expansionModules);
  const highest = Math.max(0, ...(await store.keys.list(userNumber)).map((k) => k.position));
  if (highest > capacity) {
    throw conflict('user', 'conflict.keys_beyond_phone', { user: userNumber, position: highest, model: device.model, mac: formatMac(device.mac), capacity });
  }
}

/**
 * Extra lines (accounts 2…n) of a phone: licences of its own tenant, each once, not the phone's
 * own user, and no more than the model registers besides the user. A licence may be on several
 * phones (a shared line). `fromInput`: the list was given in this request (422 on the list), else it
 * is the stored one meeting a new model or user (409 on what changed).
 */
export async function checkExtraLines(store: Store, lines: string[], d: { tenantId: string; userNumber: string | null; model: string; mac: string }, fromInput: boolean): Promise<void> {
  if (lines.length === 0) return;
  const where = (i: number) => (fromInput ? `extraLines.${i}` : 'extraLines');
  if (!d.userNumber) {
    if (fromInput) throw invalid('extraLines', 'validation.extra_lines_without_user');
    throw conflict('user', 'conflict.extra_lines_before_user', { mac: formatMac(d.mac) });
  }
  const seen = new Set<string>();
  for (const [i, n] of lines.entries()) {
    if (seen.has(n)) throw invalid(where(i), 'validation.extra_line_twice', { number: n });
    seen.add(n);
    if (n === d.userNumber) {
      if (fromInput) throw invalid(where(i), 'validation.extra_line_own_user', { number: n });
      throw conflict('user', 'conflict.extra_line_own_user', { number: n, mac: formatMac(d.mac) });
    }
    const u = await store.users.get(n);
    if (!u || u.tenantId !== d.tenantId) throw invalid(where(i), 'validation.user_not_in_tenant', { number: n });
  }
  const model = findModel(d.model)?.model;
  if (model && lines.length > model.sipAccounts - 1) {
    const params = { model: d.model, accounts: model.sipAccounts, max: model.sipAccounts - 1, count: lines.length };
    if (fromInput) throw invalid('extraLines', 'validation.extra_lines_model', params);
    throw conflict('model', 'validation.extra_lines_model', params);
  }
}

async function checkUser(store: Store, p: Principal, userNumber: string | null | undefined, tenantId: string): Promise<void> {
  if (!userNumber) return;
  const u = await store.users.get(userNumber);
  // A tenant admin gets one answer whether the number is free or another tenant's (nothing about
  // other tenants leaks); the operator, who sees every tenant, is told which.
  if (u && u.tenantId !== tenantId && isOperator(p)) throw invalid('user', 'validation.user_other_tenant', { number: userNumber });
  if (!u || u.tenantId !== tenantId) throw invalid('user', 'validation.user_not_in_tenant', { number: userNumber });
}

export async function createDevice(deps: ServiceDeps, p: Actor, input: unknown): Promise<Device> {
  const d = parseInput(deviceCreate, input);
  const mac = normalizeMac(d.mac);
  const { vendor } = resolveModel(d.model);
  const device = await inTransaction(deps, async ({ store }) => {
    // Rights first: a tenant admin naming another tenant gets the same answer whether it exists or not.
    requireTenantAdmin(p, d.tenant);
    if (!(await store.tenants.get(d.tenant))) throw invalid('tenant', 'validation.tenant_unknown', { tenant: d.tenant });
    const existing = await store.devices.get(mac);
    if (existing) {
      // A MAC is unique across the installation, so a refusal cannot be avoided; it names no tenant.
      if (existing.tenantId !== d.tenant && !isOperator(p)) throw conflict('mac', 'conflict.mac_other_tenant', { mac: formatMac(mac) });
      if (existing.tenantId !== d.tenant) throw conflict('mac', 'conflict.mac_in_tenant', { mac: formatMac(mac), tenant: existing.tenantId });
      throw conflict('mac', 'conflict.mac_registered', { mac: formatMac(mac) });
    }
    await checkUser(store, p, d.user, d.tenant);
    const row = {
      mac,
      tenantId: d.tenant,
      vendor: vendor.id,
      model: d.model,
      userNumber: d.user ?? null,
      label: d.label ?? null,
      expansionModules: d.expansionModules ?? 0,
      extraLines: d.extraLines ?? [],
      provisioningUsername: d.provisioningUsername ?? null,
      provisioningPassword: d.provisioningPassword ?? null,
      group: d.group ?? null,
    };
    if (row.userNumber) await checkKeysFit(store, row.userNumber, row);
    await checkExtraLines(store, row.extraLines, row, true);
    await store.devices.insert(row);
    const created = (await store.devices.get(mac))!;
    await recordAudit(store, p, { action: 'device.create', tenantId: created.tenantId, userNumber: created.userNumber, mac, after: created });
    return created;
  });
  deps.changes.devicesChanged([mac], 'device created');
  return device;
}

export async function updateDevice(deps: ServiceDeps, p: Actor, rawMac: string, input: unknown): Promise<Device> {
  const device = await inTransaction(deps, async (tx) => {
    const { store } = tx;
    const cur = await getDevice(tx, p, rawMac);
    requireDeviceAccess(p, cur, true);
    const patch = parseInput(devicePatch, input);
    const tenantId = patch.tenant ?? cur.tenantId;
    if (tenantId !== cur.tenantId) {
      if (!isOperator(p)) throw forbidden('forbidden.move_device');
      if (!(await store.tenants.get(tenantId))) throw invalid('tenant', 'validation.tenant_unknown', { tenant: tenantId });
    }
    const model = patch.model ?? cur.model;
    const vendor = resolveModel(model).vendor;
    const userNumber = patch.user === undefined ? (tenantId === cur.tenantId ? cur.userNumber : null) : patch.user;
    await checkUser(store, p, userNumber, tenantId);
    const next = {
      tenantId,
      vendor: vendor.id,
      model,
      userNumber,
      label: patch.label === undefined ? cur.label : patch.label,
      expansionModules: patch.expansionModules ?? cur.expansionModules,
      // Another tenant's phone keeps none of this tenant's licences.
      extraLines: patch.extraLines ?? (tenantId === cur.tenantId ? cur.extraLines : []),
      provisioningUsername: patch.provisioningUsername === undefined ? cur.provisioningUsername : patch.provisioningUsername,
      provisioningPassword: patch.provisioningPassword === undefined ? cur.provisioningPassword : patch.provisioningPassword,
      group: patch.group === undefined ? cur.group : patch.group,
    };
    if (next.userNumber) await checkKeysFit(store, next.userNumber, { ...next, mac: cur.mac });
    await checkExtraLines(store, next.extraLines, { ...next, mac: cur.mac }, patch.extraLines !== undefined);
    await store.devices.update(cur.mac, next);
    const after = (await store.devices.get(cur.mac))!;
    await recordDeviceChange(store, p, cur, after);
    return after;
  });
  deps.changes.devicesChanged([device.mac], 'device changed');
  return device;
}

export async function deleteDevice(deps: ServiceDeps, p: Actor, rawMac: string): Promise<void> {
  const mac = await inTransaction(deps, async (tx) => {
    const cur = await getDevice(tx, p, rawMac);
    requireTenantAdmin(p, cur.tenantId);
    await tx.store.devices.delete(cur.mac);
    await recordAudit(tx.store, p, { action: 'device.delete', tenantId: cur.tenantId, userNumber: cur.userNumber, mac: cur.mac, before: cur });
    return cur.mac;
  });
  deps.changes.devicesChanged([mac], 'device deleted');
}

/**
 * A device change in the trail. A phone moved to another tenant (operators only) is two entries,
 * one per tenant, each showing only that tenant's side: the old tenant's admins must not see
 * where it went with whom, nor the new one's what it was before.
 */
export async function recordDeviceChange(store: Store, a: Actor, before: Device, after: Device): Promise<void> {
  if (before.tenantId === after.tenantId) {
    await recordAudit(store, a, {
      action: 'device.update', tenantId: after.tenantId, userNumber: after.userNumber ?? before.userNumber, mac: after.mac, before, after,
    });
    return;
  }
  await recordAudit(store, a, { action: 'device.move_out', tenantId: before.tenantId, userNumber: before.userNumber, mac: before.mac, before });
  await recordAudit(store, a, { action: 'device.move_in', tenantId: after.tenantId, userNumber: after.userNumber, mac: after.mac, after });
}
