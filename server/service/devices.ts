import { conflict, DomainError, invalid, notFound, stale } from '../domain/errors.ts';
import { normalizeMac, formatMac } from '../domain/mac.ts';
import { deviceCreate, devicePatch, parseInput } from '../domain/schemas.ts';
import { findModel, keyCapacity, vendors } from '../../vendors/index.ts';
import { isOperator, requireDeviceAccess, requireTenantAdmin, type Principal } from '../auth/principal.ts';
import type { Device, Store } from '../store/types.ts';
import { checkVersion, inTransaction, RETRY, versionedWrite, type ServiceDeps, type WriteOptions } from './context.ts';
import { enrolmentUntil, newProvisioningCredentials } from './enrolment.ts';

export async function getDevice(deps: ServiceDeps, p: Principal, rawMac: string): Promise<Device> {
  const mac = normalizeMac(rawMac);
  const d = await deps.store.devices.get(mac);
  if (!d) throw notFound(`device ${formatMac(mac)}`);
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
    const known = vendors.flatMap((v) => v.models.map((m) => m.model)).join(', ');
    throw invalid(field, `unknown phone model "${raw}" (known models: ${known})`);
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
    throw conflict('user', `user ${userNumber} has a key at position ${highest} but a ${device.model} (${formatMac(device.mac)}) has only ${capacity} keys`);
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
    if (fromInput) throw invalid('extraLines', 'a phone without a user registers no line: assign a user (account 1) before extra lines');
    throw conflict('user', `${formatMac(d.mac)} registers extra lines: remove them (extraLines: []) before its user`);
  }
  const seen = new Set<string>();
  for (const [i, n] of lines.entries()) {
    if (seen.has(n)) throw invalid(where(i), `${n} is listed twice`);
    seen.add(n);
    if (n === d.userNumber) {
      if (fromInput) throw invalid(where(i), `${n} is the phone's own user (account 1), not an extra line`);
      throw conflict('user', `${n} is already an extra line of ${formatMac(d.mac)}: remove it from extraLines first`);
    }
    const u = await store.users.get(n);
    if (!u) throw invalid(where(i), `user ${n} does not exist`);
    if (u.tenantId !== d.tenantId) throw invalid(where(i), `user ${n} belongs to another tenant`);
  }
  const model = findModel(d.model)?.model;
  if (model && lines.length > model.sipAccounts - 1) {
    const msg = `a ${d.model} registers ${model.sipAccounts} account(s): at most ${model.sipAccounts - 1} extra line(s) besides its user, ${lines.length} given`;
    if (fromInput) throw invalid('extraLines', msg);
    throw conflict('model', msg);
  }
}

/**
 * A MAC that asked cadran for its files before anyone registered it (the unknown-phones list) is a
 * real phone somewhere: only an operator may give it to a tenant, or a tenant admin once an
 * operator assigned it to their tenant. A MAC never seen may be registered by its tenant's admin
 * (it then goes through adopt-before-serve). Returns why not, or null.
 */
export async function claimRefusal(store: Store, p: Principal, mac: string, tenantId: string): Promise<string | null> {
  if (isOperator(p)) return null;
  const seen = await store.unknownDevices.get(mac);
  if (!seen || seen.assignedTenant === tenantId) return null;
  return `MAC ${formatMac(mac)} was seen asking for its configuration before it was registered: only an operator can register it, or assign it to your tenant first`;
}

async function checkUser(store: Store, userNumber: string | null | undefined, tenantId: string): Promise<void> {
  if (!userNumber) return;
  const u = await store.users.get(userNumber);
  if (!u) throw invalid('user', `user ${userNumber} does not exist`);
  if (u.tenantId !== tenantId) throw invalid('user', `user ${userNumber} belongs to another tenant`);
}

export async function createDevice(deps: ServiceDeps, p: Principal, input: unknown): Promise<Device> {
  const d = parseInput(deviceCreate, input);
  const mac = normalizeMac(d.mac);
  const { vendor } = resolveModel(d.model);
  const device = await inTransaction(deps, async ({ store }) => {
    const tenant = await store.tenants.get(d.tenant);
    if (!tenant) throw invalid('tenant', `tenant "${d.tenant}" does not exist`);
    requireTenantAdmin(p, d.tenant);
    const existing = await store.devices.get(mac);
    if (existing) {
      if (existing.tenantId !== d.tenant && !isOperator(p)) throw conflict('mac', `MAC ${formatMac(mac)} is already registered by another tenant`);
      throw conflict('mac', `MAC ${formatMac(mac)} is already registered${existing.tenantId !== d.tenant ? ` in tenant "${existing.tenantId}"` : ''}`);
    }
    const refused = await claimRefusal(store, p, mac, d.tenant);
    if (refused) throw new DomainError('forbidden', refused);
    await checkUser(store, d.user, d.tenant);
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
    };
    if (row.userNumber) await checkKeysFit(store, row.userNumber, row);
    await checkExtraLines(store, row.extraLines, row, true);
    await store.devices.insert(row);
    return (await store.devices.get(mac))!;
  });
  deps.changes.devicesChanged([mac], 'device created');
  return device;
}

export async function updateDevice(deps: ServiceDeps, p: Principal, rawMac: string, input: unknown, opts: WriteOptions = {}): Promise<Device> {
  const patch = parseInput(devicePatch, input);
  const device = await versionedWrite(deps, `device ${formatMac(normalizeMac(rawMac))}`, opts, async (tx) => {
    const { store } = tx;
    const cur = await getDevice(tx, p, rawMac);
    requireDeviceAccess(p, cur, true);
    checkVersion(opts, cur.version, `device ${formatMac(cur.mac)}`);
    const tenantId = patch.tenant ?? cur.tenantId;
    const moved = tenantId !== cur.tenantId;
    const tenant = await store.tenants.get(tenantId);
    if (moved) {
      if (!isOperator(p)) throw new DomainError('forbidden', 'only an operator may move a phone to another tenant');
      if (!tenant) throw invalid('tenant', `tenant "${tenantId}" does not exist`);
    }
    const model = patch.model ?? cur.model;
    const vendor = resolveModel(model).vendor;
    const userNumber = patch.user === undefined ? (moved ? null : cur.userNumber) : patch.user;
    await checkUser(store, userNumber, tenantId);
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
    };
    if (next.userNumber) await checkKeysFit(store, next.userNumber, { ...next, mac: cur.mac });
    await checkExtraLines(store, next.extraLines, { ...next, mac: cur.mac }, patch.extraLines !== undefined);
    if (!(await store.devices.update(cur.mac, next, cur.version))) return RETRY;
    // New credentials reach the phone only through a new enrolment.
    const credentialsChanged = next.provisioningUsername !== cur.provisioningUsername || next.provisioningPassword !== cur.provisioningPassword;
    const until = tenant && (moved || credentialsChanged) ? enrolmentUntil(tenant.security) : null;
    if (until) await store.devices.openEnrolment(cur.mac, until);
    return (await store.devices.get(cur.mac))!;
  });
  deps.changes.devicesChanged([device.mac], 'device changed');
  return device;
}

/**
 * New provisioning credentials for a device, and a new enrolment window when its tenant adopts
 * before serving (the phone fetches its files once without credentials and gets the new ones).
 * Returns the device, the new password included (shown once to whoever rotated it).
 */
export async function rotateCredentials(deps: ServiceDeps, p: Principal, rawMac: string, opts: WriteOptions = {}): Promise<Device> {
  const device = await versionedWrite(deps, `device ${formatMac(normalizeMac(rawMac))}`, opts, async (tx) => {
    const cur = await getDevice(tx, p, rawMac);
    requireTenantAdmin(p, cur.tenantId);
    checkVersion(opts, cur.version, `device ${formatMac(cur.mac)}`);
    const { mac, createdAt: _c, updatedAt: _u, version, enrolUntil: _e, enrolledAt: _a, enrolledIp: _i, ...rest } = cur;
    if (!(await tx.store.devices.update(mac, { ...rest, ...newProvisioningCredentials(mac) }, version))) return RETRY;
    const tenant = await tx.store.tenants.get(cur.tenantId);
    const until = tenant ? enrolmentUntil(tenant.security) : null;
    if (until) await tx.store.devices.openEnrolment(mac, until);
    return (await tx.store.devices.get(mac))!;
  });
  deps.changes.devicesChanged([device.mac], 'device credentials rotated');
  return device;
}

export async function deleteDevice(deps: ServiceDeps, p: Principal, rawMac: string, opts: WriteOptions = {}): Promise<void> {
  const mac = await inTransaction(deps, async (tx) => {
    const cur = await getDevice(tx, p, rawMac);
    requireTenantAdmin(p, cur.tenantId);
    checkVersion(opts, cur.version, `device ${formatMac(cur.mac)}`);
    if (!(await tx.store.devices.delete(cur.mac, cur.version))) throw stale(`device ${formatMac(cur.mac)}`);
    return cur.mac;
  });
  deps.changes.devicesChanged([mac], 'device deleted');
}
