import { conflict, DomainError, invalid, notFound } from '../domain/errors.ts';
import { normalizeMac, formatMac } from '../domain/mac.ts';
import { deviceCreate, devicePatch, parseInput } from '../domain/schemas.ts';
import { findModel, keyCapacity, vendors } from '../../vendors/index.ts';
import { isOperator, requireDeviceAccess, requireTenantAdmin, type Principal } from '../auth/principal.ts';
import type { Device, Store } from '../store/types.ts';
import type { ServiceDeps } from './context.ts';

export function getDevice(deps: ServiceDeps, p: Principal, rawMac: string): Device {
  const mac = normalizeMac(rawMac);
  const d = deps.store.devices.get(mac);
  if (!d) throw notFound(`device ${formatMac(mac)}`);
  requireDeviceAccess(p, d, false);
  return d;
}

export function listDevices(deps: ServiceDeps, p: Principal, filter: { tenantId?: string; userNumber?: string } = {}): Device[] {
  if (p.kind === 'user') {
    if (p.role === 'admin') return deps.store.devices.list({ ...filter, tenantId: p.tenantId }).filter((d) => d.tenantId === p.tenantId);
    return deps.store.devices.list({ userNumber: p.number });
  }
  return deps.store.devices.list(filter);
}

export function resolveModel(raw: string, field = 'model') {
  const found = findModel(raw);
  if (!found) {
    const known = vendors.flatMap((v) => v.models.map((m) => m.model)).join(', ');
    throw invalid(field, `unknown phone model "${raw}" (known models: ${known})`);
  }
  return found;
}

/** The user's keys must fit on the phone they are given. */
export function checkKeysFit(store: Store, userNumber: string, device: { model: string; expansionModules: number; mac: string }): void {
  const found = findModel(device.model);
  if (!found) return;
  const capacity = keyCapacity(found.model, device.expansionModules);
  const highest = Math.max(0, ...store.keys.list(userNumber).map((k) => k.position));
  if (highest > capacity) {
    throw conflict('user', `user ${userNumber} has a key at position ${highest} but a ${device.model} (${formatMac(device.mac)}) has only ${capacity} keys`);
  }
}

function checkUser(store: Store, userNumber: string | null | undefined, tenantId: string): void {
  if (!userNumber) return;
  const u = store.users.get(userNumber);
  if (!u) throw invalid('user', `user ${userNumber} does not exist`);
  if (u.tenantId !== tenantId) throw invalid('user', `user ${userNumber} belongs to another tenant`);
}

export function createDevice(deps: ServiceDeps, p: Principal, input: unknown): Device {
  const d = parseInput(deviceCreate, input);
  const mac = normalizeMac(d.mac);
  const { vendor } = resolveModel(d.model);
  if (!deps.store.tenants.get(d.tenant)) throw invalid('tenant', `tenant "${d.tenant}" does not exist`);
  requireTenantAdmin(p, d.tenant);
  const existing = deps.store.devices.get(mac);
  if (existing) {
    if (existing.tenantId !== d.tenant && !isOperator(p)) throw conflict('mac', `MAC ${formatMac(mac)} is already registered by another tenant`);
    throw conflict('mac', `MAC ${formatMac(mac)} is already registered${existing.tenantId !== d.tenant ? ` in tenant "${existing.tenantId}"` : ''}`);
  }
  checkUser(deps.store, d.user, d.tenant);
  const row = {
    mac,
    tenantId: d.tenant,
    vendor: vendor.id,
    model: d.model,
    userNumber: d.user ?? null,
    label: d.label ?? null,
    expansionModules: d.expansionModules ?? 0,
    provisioningUsername: d.provisioningUsername ?? null,
    provisioningPassword: d.provisioningPassword ?? null,
  };
  if (row.userNumber) checkKeysFit(deps.store, row.userNumber, row);
  deps.store.devices.insert(row);
  deps.changes.devicesChanged([mac], 'device created');
  return deps.store.devices.get(mac)!;
}

export function updateDevice(deps: ServiceDeps, p: Principal, rawMac: string, input: unknown): Device {
  const cur = getDevice(deps, p, rawMac);
  requireDeviceAccess(p, cur, true);
  const patch = parseInput(devicePatch, input);
  const tenantId = patch.tenant ?? cur.tenantId;
  if (tenantId !== cur.tenantId) {
    if (!isOperator(p)) throw new DomainError('forbidden', 'only an operator may move a phone to another tenant');
    if (!deps.store.tenants.get(tenantId)) throw invalid('tenant', `tenant "${tenantId}" does not exist`);
  }
  const model = patch.model ?? cur.model;
  const vendor = resolveModel(model).vendor;
  const userNumber = patch.user === undefined ? (tenantId === cur.tenantId ? cur.userNumber : null) : patch.user;
  checkUser(deps.store, userNumber, tenantId);
  const next = {
    tenantId,
    vendor: vendor.id,
    model,
    userNumber,
    label: patch.label === undefined ? cur.label : patch.label,
    expansionModules: patch.expansionModules ?? cur.expansionModules,
    provisioningUsername: patch.provisioningUsername === undefined ? cur.provisioningUsername : patch.provisioningUsername,
    provisioningPassword: patch.provisioningPassword === undefined ? cur.provisioningPassword : patch.provisioningPassword,
  };
  if (next.userNumber) checkKeysFit(deps.store, next.userNumber, { ...next, mac: cur.mac });
  deps.store.devices.update(cur.mac, next);
  deps.changes.devicesChanged([cur.mac], 'device changed');
  return deps.store.devices.get(cur.mac)!;
}

export function deleteDevice(deps: ServiceDeps, p: Principal, rawMac: string): void {
  const cur = getDevice(deps, p, rawMac);
  requireTenantAdmin(p, cur.tenantId);
  deps.store.devices.delete(cur.mac);
  deps.changes.devicesChanged([cur.mac], 'device deleted');
}
