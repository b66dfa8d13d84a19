// Bulk edit of devices (issue 16): `POST /api/v1/devices/bulk` and the cockpit's bulk page.
//
// A request selects phones by filter (tenant, model, group, configState, or a MAC list) and
// applies an ordered list of operations to every one of them:
//   setGroup        the group label (null: none)
//   setProfileField one field of the device's phone profile overrides (null: back to inherited)
//   setFirmware     the device's own firmware target (URL + version) for its model
//   clearFirmware   drop the device's own target (the tenant's / installation's applies again)
//   resync          queue a resync of every selected phone after the commit (`reboot` optional)
// Key templates are set on licences: `POST /api/v1/users/bulk` (provision/bulk-users.ts) selects
// licences by the same phone filter (the licences of the selected phones) or by number.
// `dryRun: true` answers exactly what each phone would get (per field, before → after) and writes
// nothing. Otherwise everything is checked first — the values, then each phone (its vendor must be
// able to carry the value: e.g. a VVX image path ≤ 255 characters) — and written in ONE store
// transaction: all phones or none, a 422 naming the phone and the field otherwise.
// Row versions: the preview gives each phone's `version` (its row version, the number of the ETag
// "v<n>" the API answers for the phone, as text); the apply may send them back in `expect`
// ({mac: version}) and then fails with 409, writing nothing, when one of those phones changed in
// between. Every write is versioned (issue 12): a phone or its profile changed by another writer
// between the read and the write of this edit fails the whole edit (412), nothing written.
// Audit: one entry per changed phone (`device.bulk`, before/after of what changed), all sharing
// the operation's id as targetId, so the trail can be read per phone or per bulk edit.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { DomainError, conflict, invalid, invalidAll, notFound, stale } from '../domain/errors.ts';
import { message } from '../domain/messages.ts';
import { formatMac, normalizeMac } from '../domain/mac.ts';
import { compactProfile } from '../domain/profile.ts';
import { firmwareImageUrl, firmwareVersion, groupLabel, modelName, networkProfile, parseInput, tenantId as tenantIdSchema } from '../domain/schemas.ts';
import { modelKey } from '../../vendors/common/firmware.ts';
import { vendorById } from '../../vendors/index.ts';
import type { FirmwareTarget, NetworkProfile, TemplateSource } from '../../vendors/types.ts';
import { isOperator, requireTenantAdmin, type Actor, type Principal } from '../auth/principal.ts';
import type { Device, Store } from '../store/types.ts';
import { recordAudit } from '../service/audit.ts';
import { inTransaction } from '../service/context.ts';
import { CONFIG_STATES, listFleet, type FleetDeps, type FleetFilter } from './fleet.ts';
import { buildRenderContext } from './context.ts';
import { deviceFirmware } from '../service/firmware.ts';

/** Profile fields a bulk edit may set (secrets are not: they are set one phone or tenant at a time). */
export const BULK_PROFILE_FIELDS = [
  'vlanId', 'vlanPriority', 'ntpServers', 'dnsServers', 'timezone', 'syslogServer', 'dscpSip', 'dscpRtp',
  'resyncIntervalMinutes', 'locale', 'digitMap', 'codecs', 'registrationExpirySeconds',
] as const;
export type BulkProfileField = (typeof BULK_PROFILE_FIELDS)[number];

export const MAX_BULK_DEVICES = 5000;

const operation = z.discriminatedUnion('op', [
  z.object({ op: z.literal('setGroup'), group: groupLabel.nullable() }).strict(),
  z.object({ op: z.literal('setProfileField'), field: z.enum(BULK_PROFILE_FIELDS), value: z.unknown() }).strict(),
  z.object({ op: z.literal('setFirmware'), url: firmwareImageUrl, version: firmwareVersion }).strict(),
  z.object({ op: z.literal('clearFirmware') }).strict(),
  z.object({ op: z.literal('resync'), reboot: z.boolean().optional() }).strict(),
]);
export type BulkOperation = z.infer<typeof operation>;

/** The phone filter (also how /users/bulk selects licences: those of the phones it selects). */
export const phoneFilter = z.object({
  tenant: tenantIdSchema.optional(),
  model: modelName.optional(),
  group: groupLabel.optional(),
  configState: z.enum(CONFIG_STATES as unknown as [string, ...string[]]).optional(),
});

export const bulkRequest = z
  .object({
    filter: phoneFilter.extend({ macs: z.array(z.string().max(40)).min(1).max(MAX_BULK_DEVICES).optional() }).strict(),
    operations: z.array(operation).min(1).max(20),
    dryRun: z.boolean().optional(),
    /** MAC → version (the row version, as text) as the preview showed them: a phone changed since → 409. */
    expect: z.record(z.string().max(40), z.string().max(40)).optional(),
  })
  .strict();
export type BulkRequest = z.infer<typeof bulkRequest>;

export interface FieldChange {
  /** `group`, `profile.vlanId`, `firmware`. */
  field: string;
  before: unknown;
  after: unknown;
}

export interface BulkDeviceResult {
  mac: string;
  tenant: string;
  model: string;
  group: string | null;
  /** The row version the preview saw (as text), to send back in `expect`. */
  version: string;
  changes: FieldChange[];
}

export interface BulkResult {
  id: string;
  dryRun: boolean;
  /** Phones the filter selected. */
  matched: number;
  /** Phones with at least one change (written unless dryRun). */
  changed: number;
  devices: BulkDeviceResult[];
  /** The phones to resync after the commit (the resync operation), empty otherwise. */
  resync: { macs: string[]; reboot: boolean } | null;
}

export interface BulkDeps extends FleetDeps {
  templates: TemplateSource;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** One profile field, checked like the profile routes do; the error names `operations.<i>.value`. */
function checkProfileValue(i: number, field: BulkProfileField, value: unknown): unknown {
  if (value === null) return null;
  try {
    const parsed = parseInput(networkProfile, { [field]: value }) as Record<string, unknown>;
    return parsed[field] ?? null;
  } catch (e) {
    if (e instanceof DomainError && e.code === 'validation_failed') {
      throw invalidAll(e.details.map((d) => ({ ...d, field: `operations.${i}.value${d.field && d.field !== field ? d.field.slice(field.length) : ''}` })));
    }
    throw e;
  }
}

/** The device's own target for its model (null when it has none). */
function ownTarget(p: NetworkProfile, d: Device): FirmwareTarget | null {
  return (p.firmwareTargets ?? []).find((t) => modelKey(t.model) === modelKey(d.model)) ?? null;
}

interface Planned {
  device: Device;
  nextGroup: string | null;
  profileBefore: NetworkProfile;
  profileAfter: NetworkProfile;
  changes: FieldChange[];
}

function plan(d: Device, profile: NetworkProfile, ops: BulkOperation[], values: Map<number, unknown>): Planned {
  let group = d.group;
  let next: NetworkProfile = { ...profile };
  const changes: FieldChange[] = [];
  ops.forEach((op, i) => {
    switch (op.op) {
      case 'setGroup':
        group = op.group;
        break;
      case 'setProfileField': {
        const v = values.get(i);
        const copy = { ...next } as Record<string, unknown>;
        if (v === null || v === undefined) delete copy[op.field];
        else copy[op.field] = v;
        next = copy as NetworkProfile;
        break;
      }
      case 'setFirmware': {
        const others = (next.firmwareTargets ?? []).filter((t) => modelKey(t.model) !== modelKey(d.model));
        next = { ...next, firmwareTargets: [...others, { model: d.model, url: op.url, version: op.version }] };
        break;
      }
      case 'clearFirmware': {
        const others = (next.firmwareTargets ?? []).filter((t) => modelKey(t.model) !== modelKey(d.model));
        next = { ...next, firmwareTargets: others };
        break;
      }
      case 'resync':
        break;
    }
  });
  next = compactProfile(next as Record<string, unknown>);
  if (!same(d.group, group)) changes.push({ field: 'group', before: d.group, after: group });
  for (const f of BULK_PROFILE_FIELDS) {
    const b = (profile as Record<string, unknown>)[f];
    const a = (next as Record<string, unknown>)[f];
    if (!same(b, a)) changes.push({ field: `profile.${f}`, before: b ?? null, after: a ?? null });
  }
  const fb = ownTarget(profile, d);
  const fa = ownTarget(next, d);
  if (!same(fb, fa)) {
    changes.push({ field: 'firmware', before: fb ? { url: fb.url, version: fb.version } : null, after: fa ? { url: fa.url, version: fa.version } : null });
  }
  return { device: d, nextGroup: group, profileBefore: profile, profileAfter: next, changes };
}

/** The phones of the filter the caller may edit (tenant admins: their tenant; another one: 404). */
export async function selectDevices(deps: BulkDeps, store: Store, p: Principal, f: BulkRequest['filter']): Promise<Device[]> {
  const tenantId = f.tenant ?? (p.kind === 'user' ? p.tenantId : undefined);
  if (!tenantId && !isOperator(p)) throw invalid('filter.tenant', 'validation.required');
  if (tenantId) {
    // Rights first: another tenant's admin gets the same 404 whether it exists or not; users 403.
    requireTenantAdmin(p, tenantId);
    if (!(await store.tenants.get(tenantId))) throw notFound('not_found.tenant', { id: tenantId });
  }
  const filter: FleetFilter = {
    ...(tenantId ? { tenantId } : {}),
    ...(f.model ? { model: f.model } : {}),
    ...(f.group ? { group: f.group } : {}),
    ...(f.configState ? { configState: f.configState as FleetFilter['configState'] } : {}),
  };
  let devices = (await listFleet({ ...deps, store }, p, filter)).map((x) => x.device);
  if (f.macs) {
    const wanted = new Set(f.macs.map((m, i) => {
      try {
        return normalizeMac(m);
      } catch {
        throw invalid(`filter.macs.${i}`, 'validation.mac', { value: m.slice(0, 40) });
      }
    }));
    devices = devices.filter((d) => wanted.has(d.mac));
  }
  if (devices.length > MAX_BULK_DEVICES) throw invalid('filter', 'validation.bulk_too_many', { count: devices.length, max: MAX_BULK_DEVICES });
  return devices;
}

/** What the vendor of each phone cannot carry of the new firmware target: a 422 naming the phone. */
async function checkPhones(deps: BulkDeps, store: Store, planned: Planned[]): Promise<void> {
  for (const x of planned) {
    if (!x.changes.some((c) => c.field === 'firmware')) continue;
    const vendor = vendorById(x.device.vendor);
    if (!vendor?.checkValues) continue;
    const ctx = await buildRenderContext(store, x.device.mac, 'http://cadran.invalid/', deps.defaults ?? {});
    if (!ctx) continue;
    const target = ownTarget(x.profileAfter, x.device);
    const resolved = target ? { url: target.url, version: target.version } : await deviceFirmware(store, x.device, deps.defaults ?? {});
    const problems = vendor.checkValues({ ...ctx, ...(resolved ? { firmware: { url: resolved.url, version: resolved.version } } : {}) }).filter((pr) => pr.field.split('.')[0] === 'firmware');
    const first = problems[0];
    if (first) {
      throw invalid(`devices.${formatMac(x.device.mac)}.firmware`, 'validation.bulk_device_value', {
        mac: formatMac(x.device.mac),
        problem: first.message,
      });
    }
  }
}

export async function bulkEditDevices(deps: BulkDeps, p: Actor, input: unknown): Promise<BulkResult> {
  const req = parseInput(bulkRequest, input);
  const values = new Map<number, unknown>();
  req.operations.forEach((op, i) => {
    if (op.op === 'setProfileField') values.set(i, checkProfileValue(i, op.field, op.value));
  });
  const resyncOp = req.operations.find((o): o is Extract<BulkOperation, { op: 'resync' }> => o.op === 'resync');
  const id = randomUUID();
  const dryRun = req.dryRun === true;
  const run = async (store: Store): Promise<{ result: BulkResult; written: string[] }> => {
    const devices = await selectDevices(deps, store, p, req.filter);
    if (req.expect) {
      for (const [rawMac, version] of Object.entries(req.expect)) {
        let mac: string;
        try {
          mac = normalizeMac(rawMac);
        } catch {
          throw invalid(`expect.${rawMac.slice(0, 40)}`, 'validation.mac', { value: rawMac.slice(0, 40) });
        }
        // Outside the selection: a phone the caller may see (another tenant's answers like none,
        // or this would tell whether it exists and how often it was edited).
        const selected = devices.find((x) => x.mac === mac);
        const other = selected ? undefined : await store.devices.get(mac);
        const d = selected ?? (other && (isOperator(p) || (p.kind === 'user' && p.tenantId === other.tenantId)) ? other : undefined);
        if (!d || String(d.version) !== version) throw conflict(`devices.${formatMac(mac)}`, 'conflict.bulk_stale', { mac: formatMac(mac) });
      }
    }
    const planned: Planned[] = [];
    const profileVersions = new Map<string, number>();
    for (const d of devices) {
      const entry = await store.network.getDeviceEntry(d.mac);
      profileVersions.set(d.mac, entry.version);
      planned.push(plan(d, entry.profile, req.operations, values));
    }
    await checkPhones(deps, store, planned);
    const written: string[] = [];
    if (!dryRun) {
      for (const x of planned) {
        if (x.changes.length === 0) continue;
        const d = x.device;
        // The row is written (a new version) even when only its profile changed; both writes only
        // at the versions read (another writer in between: the whole edit is refused).
        const { mac: _m, createdAt: _c, updatedAt: _u, version: _v, enrolUntil: _e, enrolledAt: _a, enrolledIp: _i, ...row } = d;
        if (!(await store.devices.update(d.mac, { ...row, group: x.nextGroup }, d.version))) throw stale(message('stale.device', { mac: formatMac(d.mac) }));
        if (x.changes.some((c) => c.field !== 'group') && !(await store.network.setDevice(d.mac, x.profileAfter, profileVersions.get(d.mac) ?? 0))) {
          throw stale(message('stale.network_device', { mac: formatMac(d.mac) }));
        }
        const before = Object.fromEntries(x.changes.map((c) => [c.field, c.before]));
        const after = Object.fromEntries(x.changes.map((c) => [c.field, c.after]));
        await recordAudit(store, p, { action: 'device.bulk', tenantId: d.tenantId, userNumber: d.userNumber, mac: d.mac, targetId: id, before, after });
        written.push(d.mac);
      }
    }
    const shown = await Promise.all(
      planned.map(async (x) => ({
        mac: formatMac(x.device.mac),
        tenant: x.device.tenantId,
        model: x.device.model,
        group: x.device.group,
        version: String(dryRun || x.changes.length === 0 ? x.device.version : ((await store.devices.get(x.device.mac))?.version ?? x.device.version)),
        changes: x.changes,
      })),
    );
    return {
      written,
      result: {
        id,
        dryRun,
        matched: devices.length,
        changed: planned.filter((x) => x.changes.length > 0).length,
        devices: shown,
        resync: resyncOp ? { macs: devices.map((d) => d.mac), reboot: resyncOp.reboot === true } : null,
      },
    };
  };
  if (dryRun) return (await run(deps.store)).result;
  const { result, written } = await inTransaction(deps, ({ store }) => run(store));
  if (written.length) deps.changes.devicesChanged(written, `bulk edit ${id}`);
  return result;
}
