import { effectiveKeys, familyFits, templateOf } from './templates.ts';
import { conflict, forbidden, invalid, notFound, stale } from '../domain/errors.ts';
import { normalizeMac, formatMac } from '../domain/mac.ts';
import { listParam, message, shownValue, type Message } from '../domain/messages.ts';
import { deviceCreate, devicePatch, parseInput } from '../domain/schemas.ts';
import { findModel, keyCapacity, vendors } from '../../vendors/index.ts';
import { isOperator, requireDeviceAccess, requireTenantAdmin, type Actor, type Principal } from '../auth/principal.ts';
import type { Device, Store } from '../store/types.ts';
import { checkVersion, inTransaction, RETRY, versionedWrite, type ServiceDeps, type WriteOptions } from './context.ts';
import { enrolmentUntil, newProvisioningCredentials } from './enrolment.ts';
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
  const user = await store.users.get(userNumber);
  // A licence with a key template meant for another model family does not take this phone.
  const template = user ? await templateOf(store, user) : undefined;
  if (template && !familyFits(template.family, { vendor: found.vendor.id, model: found.model.model })) {
    throw conflict('user', 'conflict.template_family_device', { user: userNumber, template: template.name, family: template.family ?? '', model: device.model, mac: formatMac(device.mac) });
  }
  // The effective keys: the licence's template merged with its own keys.
  const highest = Math.max(0, ...(user ? await effectiveKeys(store, user) : await store.keys.list(userNumber)).map((k) => k.position));
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

/**
 * A MAC that asked cadran for its files before anyone registered it (the unknown-phones list) is a
 * real phone somewhere: only an operator may give it to a tenant, or a tenant admin once an
 * operator assigned it to their tenant. A MAC never seen may be registered by its tenant's admin
 * (it then goes through adopt-before-serve). Returns why not, or null.
 */
export async function claimRefusal(store: Store, p: Principal, mac: string, tenantId: string): Promise<Message | null> {
  if (isOperator(p)) return null;
  const seen = await store.unknownDevices.get(mac);
  if (!seen || seen.assignedTenant === tenantId) return null;
  return message('forbidden.claim_unknown_phone', { mac: formatMac(mac) });
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
    const tenant = await store.tenants.get(d.tenant);
    if (!tenant) throw invalid('tenant', 'validation.tenant_unknown', { tenant: d.tenant });
    requireTenantAdmin(p, d.tenant);
    if (!(await store.tenants.get(d.tenant))) throw invalid('tenant', 'validation.tenant_unknown', { tenant: d.tenant });
    const existing = await store.devices.get(mac);
    if (existing) {
      // A MAC is unique across the installation, so a refusal cannot be avoided; it names no tenant.
      if (existing.tenantId !== d.tenant && !isOperator(p)) throw conflict('mac', 'conflict.mac_other_tenant', { mac: formatMac(mac) });
      if (existing.tenantId !== d.tenant) throw conflict('mac', 'conflict.mac_in_tenant', { mac: formatMac(mac), tenant: existing.tenantId });
      throw conflict('mac', 'conflict.mac_registered', { mac: formatMac(mac) });
    }
    const refused = await claimRefusal(store, p, mac, d.tenant);
    if (refused) throw forbidden(refused.key, refused.params);
    await checkUser(store, p, d.user, d.tenant);
    // Credentials of its own for every device; given ones are kept.
    const generated = newProvisioningCredentials(mac);
    const row = {
      mac,
      tenantId: d.tenant,
      vendor: vendor.id,
      model: d.model,
      userNumber: d.user ?? null,
      label: d.label ?? null,
      expansionModules: d.expansionModules ?? 0,
      extraLines: d.extraLines ?? [],
      provisioningUsername: d.provisioningUsername ?? generated.provisioningUsername,
      provisioningPassword: d.provisioningPassword ?? generated.provisioningPassword,
      enrolUntil: enrolmentUntil(tenant.security),
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

export async function updateDevice(deps: ServiceDeps, p: Actor, rawMac: string, input: unknown, opts: WriteOptions = {}): Promise<Device> {
  const patch = parseInput(devicePatch, input);
  const device = await versionedWrite(deps, message('stale.device', { mac: formatMac(normalizeMac(rawMac)) }), opts, async (tx) => {
    const { store } = tx;
    const cur = await getDevice(tx, p, rawMac);
    requireDeviceAccess(p, cur, true);
    checkVersion(opts, cur.version, message('stale.device', { mac: formatMac(cur.mac) }));
    const tenantId = patch.tenant ?? cur.tenantId;
    const moved = tenantId !== cur.tenantId;
    const tenant = await store.tenants.get(tenantId);
    if (moved) {
      if (!isOperator(p)) throw forbidden('forbidden.move_device');
      if (!tenant) throw invalid('tenant', 'validation.tenant_unknown', { tenant: tenantId });
    }
    const model = patch.model ?? cur.model;
    const vendor = resolveModel(model).vendor;
    const userNumber = patch.user === undefined ? (moved ? null : cur.userNumber) : patch.user;
    await checkUser(store, p, userNumber, tenantId);
    // A phone given to another tenant gets new credentials (the old tenant's admins knew them).
    const fresh = moved ? newProvisioningCredentials(cur.mac) : null;
    const next = {
      tenantId,
      vendor: vendor.id,
      model,
      userNumber,
      label: patch.label === undefined ? cur.label : patch.label,
      expansionModules: patch.expansionModules ?? cur.expansionModules,
      // Another tenant's phone keeps none of this tenant's licences.
      extraLines: patch.extraLines ?? (tenantId === cur.tenantId ? cur.extraLines : []),
      provisioningUsername: patch.provisioningUsername === undefined ? (fresh?.provisioningUsername ?? cur.provisioningUsername) : patch.provisioningUsername,
      provisioningPassword: patch.provisioningPassword === undefined ? (fresh?.provisioningPassword ?? cur.provisioningPassword) : patch.provisioningPassword,
      group: patch.group === undefined ? cur.group : patch.group,
    };
    if (next.userNumber) await checkKeysFit(store, next.userNumber, { ...next, mac: cur.mac });
    await checkExtraLines(store, next.extraLines, { ...next, mac: cur.mac }, patch.extraLines !== undefined);
    if (!(await store.devices.update(cur.mac, next, cur.version))) return RETRY;
    // New credentials reach the phone only through a new enrolment.
    const credentialsChanged = next.provisioningUsername !== cur.provisioningUsername || next.provisioningPassword !== cur.provisioningPassword;
    const until = tenant && (moved || credentialsChanged) ? enrolmentUntil(tenant.security) : null;
    if (until) await store.devices.openEnrolment(cur.mac, until);
    const after = (await store.devices.get(cur.mac))!;
    await recordDeviceChange(store, p, cur, after);
    return after;
  });
  deps.changes.devicesChanged([device.mac], 'device changed');
  return device;
}

/**
 * New provisioning credentials for a device, and a new enrolment window when its tenant adopts
 * before serving (the phone fetches its files once without credentials and gets the new ones).
 * Returns the device, the new password included (shown once to whoever rotated it).
 */
export async function rotateCredentials(deps: ServiceDeps, p: Actor, rawMac: string, opts: WriteOptions = {}): Promise<Device> {
  const device = await versionedWrite(deps, message('stale.device', { mac: formatMac(normalizeMac(rawMac)) }), opts, async (tx) => {
    const cur = await getDevice(tx, p, rawMac);
    requireTenantAdmin(p, cur.tenantId);
    checkVersion(opts, cur.version, message('stale.device', { mac: formatMac(cur.mac) }));
    const { mac, createdAt: _c, updatedAt: _u, version, enrolUntil: _e, enrolledAt: _a, enrolledIp: _i, ...rest } = cur;
    if (!(await tx.store.devices.update(mac, { ...rest, ...newProvisioningCredentials(mac) }, version))) return RETRY;
    const tenant = await tx.store.tenants.get(cur.tenantId);
    const until = tenant ? enrolmentUntil(tenant.security) : null;
    if (until) await tx.store.devices.openEnrolment(mac, until);
    const after = (await tx.store.devices.get(mac))!;
    await recordDeviceChange(tx.store, p, cur, after);
    return after;
  });
  deps.changes.devicesChanged([device.mac], 'device credentials rotated');
  return device;
}

export async function deleteDevice(deps: ServiceDeps, p: Actor, rawMac: string, opts: WriteOptions = {}): Promise<void> {
  const mac = await inTransaction(deps, async (tx) => {
    const cur = await getDevice(tx, p, rawMac);
    requireTenantAdmin(p, cur.tenantId);
    checkVersion(opts, cur.version, message('stale.device', { mac: formatMac(cur.mac) }));
    if (!(await tx.store.devices.delete(cur.mac, cur.version))) throw stale(message('stale.device', { mac: formatMac(cur.mac) }));
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
