// Bulk MAC import. Two passes: the file is streamed and each line checked on its own (MAC,
// model, vendor, user number, label, duplicates); then, in ONE store transaction, each remaining
// line is checked against the database (ownership, tenant, user, keys) and written. Nothing is
// kept of a rejected line but its report entry, so a file of garbage does not grow memory.
import { forbidden, invalid, invalidFile } from '../domain/errors.ts';
import { formatMac, normalizeMac, parseMac } from '../domain/mac.ts';
import { listParam, shownValue } from '../domain/messages.ts';
import { userNumber } from '../domain/numbers.ts';
import { deviceCreate, groupLabel, modelName } from '../domain/schemas.ts';
import { issueDetail } from '../domain/validate.ts';
import { isOperator, requireTenantAdmin, type Actor, type Principal } from '../auth/principal.ts';
import { checkExtraLines, checkKeysFit, resolveModel } from '../service/devices.ts';
import type { Device, Store, User } from '../store/types.ts';
import type { Vendor } from '../../vendors/types.ts';
import { vendorById, vendorForMac, vendors } from '../../vendors/index.ts';
import { readCsv, type CsvReadOptions } from './csv.ts';
import { cell, extraCellsProblem, headerKey, mapColumns, type ColumnMap, type ColumnSpec } from './columns.ts';
import { ReportBuilder, type ImportMode, type ImportOptions, type ImportReport, type LineReason } from './report.ts';
import { applyInOneTransaction, ImportTrail, reasonOf, type ImportDeps, type ImportProgress, type Outcome, counted } from './common.ts';

/** Accepted header spellings, compared with `headerKey` (no case, accents, spaces). */
export const DEVICE_COLUMNS: ColumnSpec<'mac' | 'vendor' | 'model' | 'tenant' | 'user' | 'label' | 'group'> = {
  mac: ['mac', 'adressemac', 'macaddress', 'macadresse', 'adressephysique'],
  vendor: ['vendor', 'fabricant', 'marque', 'constructeur', 'manufacturer', 'brand'],
  model: ['model', 'modele', 'type'],
  tenant: ['tenant', 'tenantid', 'locataire', 'parc', 'client'],
  user: ['user', 'usernumber', 'utilisateur', 'numero', 'numerodutilisateur', 'numeroutilisateur', 'licence', 'license'],
  label: ['label', 'libelle', 'etiquette', 'description', 'name', 'nom'],
  /** Device group label (firmware rollouts, bulk edits); an empty cell keeps the stored one. */
  group: ['group', 'groupe', 'devicegroup', 'groupedeploiement', 'groupedappareils'],
};

export interface DeviceImportOptions extends ImportOptions, Pick<CsvReadOptions, 'maxBytes' | 'charset'> {
  /** Tenant given to new devices on lines without a tenant. */
  defaultTenant?: string;
  onProgress?: (p: ImportProgress) => void;
}

/** A line that passed the checks that need no database. */
interface Candidate {
  line: number;
  mac: string;
  /** Canonical model name, and its vendor id, when the line names one. */
  model?: string;
  modelVendor?: Vendor;
  /** The vendor column, when given. */
  vendorCol?: Vendor;
  tenant?: string;
  user?: string;
  label?: string;
  group?: string;
  /** Later lines with the same MAC and different values. */
  conflictLines?: number[];
}

/** Operators (and the local CLI) import for any tenant, a tenant admin for their own. */
export function requireDeviceImporter(p: Principal): void {
  if (isOperator(p)) return;
  if (p.kind === 'user' && p.role === 'admin') return;
  throw forbidden('forbidden.import_devices');
}

const vendorName = (v: Vendor) => v.displayName;

/** A pure function's answers, kept for the few distinct spellings a file uses (bounded: a file of
 *  garbage cannot grow it). */
function memo<T>(fn: (key: string) => T, max = 1000): (key: string) => T {
  const cache = new Map<string, T>();
  return (key) => {
    let v = cache.get(key);
    if (v === undefined && !cache.has(key)) {
      v = fn(key);
      if (cache.size >= max) cache.clear();
      cache.set(key, v);
    }
    return v as T;
  };
}

function cached<T>(map: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
  let v = map.get(key);
  if (!v) map.set(key, (v = load()));
  return v;
}

type Checked<T> = { ok: T } | { reason: LineReason };

const checkModel = memo((raw: string): Checked<{ model: string; vendor: Vendor }> => {
  const parsed = modelName.safeParse(raw);
  try {
    const found = resolveModel(parsed.success ? parsed.data : raw);
    return { ok: { model: found.model.model, vendor: found.vendor } };
  } catch (e) {
    return { reason: reasonOf(e) };
  }
});

const checkVendor = memo((raw: string): Checked<Vendor> => {
  const k = headerKey(raw);
  const v = vendors.find((x) => headerKey(x.id) === k || headerKey(x.displayName) === k);
  return v ? { ok: v } : { reason: { key: 'import_line.vendor_unknown', params: { vendor: shownValue(raw), known: listParam(vendors.map(vendorName)) }, field: 'vendor' } };
});

function checkUserNumber(raw: string): Checked<string> {
  const compact = raw.replace(/[\s.\-]/g, '');
  const r = userNumber.safeParse(compact);
  if (r.success) return { ok: r.data };
  // Nine digits not starting with 0: a spreadsheet dropped the leading zero.
  const key = /^[1-9]\d{8}$/.test(compact) ? 'import_line.user_lost_zero' : 'import_line.user_number';
  return { reason: { key, params: { value: shownValue(raw) }, field: 'user' } };
}

function checkLabel(raw: string): Checked<string> {
  const r = deviceCreate.shape.label.safeParse(raw);
  if (r.success && r.data) return { ok: r.data };
  if (r.success) return { reason: { key: 'validation.empty', field: 'label' } };
  const d = issueDetail(r.error.issues[0]!, 'label');
  return { reason: { key: d.key, ...(d.params ? { params: d.params } : {}), field: 'label' } };
}

function checkGroup(raw: string): Checked<string> {
  const r = groupLabel.safeParse(raw);
  if (r.success) return { ok: r.data };
  const d = issueDetail(r.error.issues[0]!, 'group');
  return { reason: { key: d.key, ...(d.params ? { params: d.params } : {}), field: 'group' } };
}

/** Vendors named by the MAC prefix, the model and the vendor column must agree. */
function vendorMismatch(mac: string, byModel: Vendor | undefined, byColumn: Vendor | undefined, modelName_: string | undefined): LineReason | null {
  const byOui = vendorForMac(mac);
  if (byColumn && byModel && byColumn !== byModel) {
    return { key: 'import_line.vendor_model_mismatch', params: { vendor: vendorName(byColumn), model: modelName_ ?? '', modelVendor: vendorName(byModel) }, field: 'vendor' };
  }
  const claimed = byModel ?? byColumn;
  if (byOui && claimed && byOui !== claimed) {
    const params = { mac: formatMac(mac), prefix: formatMac(mac).slice(0, 8), ouiVendor: vendorName(byOui) };
    return byModel
      ? { key: 'import_line.oui_model_mismatch', params: { ...params, model: modelName_ ?? '', modelVendor: vendorName(byModel) }, field: 'model' }
      : { key: 'import_line.oui_vendor_mismatch', params: { ...params, vendor: vendorName(claimed) }, field: 'vendor' };
  }
  return null;
}

type DeviceColumn = keyof typeof DEVICE_COLUMNS;

const isCandidate = (c: Candidate | LineReason): c is Candidate => !('key' in c);

function macProblem(raw: string): LineReason {
  try {
    normalizeMac(raw);
    return { key: 'validation.mac', params: { value: shownValue(raw) }, field: 'mac' };
  } catch (e) {
    return reasonOf(e);
  }
}

function deviceColumns(header: string[]): ColumnMap<DeviceColumn> {
  const map = mapColumns(header, DEVICE_COLUMNS);
  if (map.index.mac === undefined) throw invalidFile('csv.no_mac_column', undefined, 1, 'mac');
  return map;
}

/** The checks of one line that need no database: a candidate, or the reason it is rejected. */
function checkLine(line: number, mac: string, fields: string[], map: ColumnMap<DeviceColumn>): Candidate | LineReason {
  const cand: Candidate = { line, mac };
  const model = cell(fields, map, 'model');
  if (model) {
    const m = checkModel(model);
    if ('reason' in m) return m.reason;
    cand.model = m.ok.model;
    cand.modelVendor = m.ok.vendor;
  }
  const vendor = cell(fields, map, 'vendor');
  if (vendor) {
    const v = checkVendor(vendor);
    if ('reason' in v) return v.reason;
    cand.vendorCol = v.ok;
  }
  const mismatch = vendorMismatch(mac, cand.modelVendor, cand.vendorCol, cand.model);
  if (mismatch) return mismatch;
  const user = cell(fields, map, 'user');
  if (user) {
    const u = checkUserNumber(user);
    if ('reason' in u) return u.reason;
    cand.user = u.ok;
  }
  const label = cell(fields, map, 'label');
  if (label) {
    const l = checkLabel(label);
    if ('reason' in l) return l.reason;
    cand.label = l.ok;
  }
  const group = cell(fields, map, 'group');
  if (group) {
    const g = checkGroup(group);
    if ('reason' in g) return g.reason;
    cand.group = g.ok;
  }
  const tenant = cell(fields, map, 'tenant');
  if (tenant) cand.tenant = tenant.toLowerCase();
  return cand;
}

const sameValues = (a: Candidate, b: Candidate): boolean =>
  a.model === b.model && a.vendorCol === b.vendorCol && a.tenant === b.tenant && a.user === b.user && a.label === b.label && a.group === b.group;

export async function importDevices(
  deps: ImportDeps,
  p: Actor,
  input: AsyncIterable<Buffer | string>,
  opts: DeviceImportOptions = {},
): Promise<ImportReport> {
  requireDeviceImporter(p);
  const mode: ImportMode = opts.mode ?? 'all-or-nothing';
  const dryRun = opts.dryRun ?? false;
  const ownTenant = p.kind === 'user' ? p.tenantId : undefined;
  const defaultTenant = opts.defaultTenant?.trim().toLowerCase() || ownTenant;
  if (opts.defaultTenant) {
    if (!(await deps.store.tenants.get(defaultTenant!))) throw invalid('tenant', 'validation.tenant_unknown', { tenant: shownValue(opts.defaultTenant) });
    requireTenantAdmin(p, defaultTenant!);
  }

  const report = new ReportBuilder(opts.maxRejectedDetail);
  const reject = (line: number, mac: string, reason?: LineReason) => report.add({ line, mac, status: 'rejected', ...(reason ? { reason } : {}) });

  // Pass 1: stream the file, keep the lines that may be valid.
  const candidates: Candidate[] = [];
  /** MAC → its first line's candidate, or that line's number when it was rejected. */
  const seen = new Map<string, Candidate | number>();
  let map: ColumnMap<DeviceColumn> | undefined;
  const rows = readCsv(input, { maxBytes: opts.maxBytes, charset: opts.charset, onBytes: (bytes) => opts.onProgress?.({ phase: 'read', bytes }) });
  for await (const batch of rows) {
    for (const { line, fields } of batch) {
      if (!map) {
        map = deviceColumns(fields);
        if (map.ignored.length) report.warnings.push({ key: 'import.warning.ignored_columns', params: { columns: listParam(map.ignored, 50) } });
        continue;
      }
      const rawMac = cell(fields, map, 'mac');
      if (!rawMac) {
        reject(line, '', { key: 'validation.empty', field: 'mac' });
        continue;
      }
      const mac = parseMac(rawMac);
      if (!mac) {
        // The reason (normalizeMac's message) only while rejected lines are still listed.
        reject(line, rawMac.slice(0, 40), report.keepsRejectedDetail() ? macProblem(rawMac) : undefined);
        continue;
      }
      const checked = extraCellsProblem(fields, map.width) ?? checkLine(line, mac, fields, map);
      const first = seen.get(mac);
      if (first !== undefined) {
        const same = typeof first !== 'number' && isCandidate(checked) && sameValues(first, checked);
        if (!same && typeof first !== 'number') (first.conflictLines ??= []).push(line);
        const firstLine = typeof first === 'number' ? first : first.line;
        reject(line, formatMac(mac), { key: same ? 'import_line.duplicate_mac' : 'import_line.duplicate_mac_different', params: { line: firstLine }, field: 'mac' });
        continue;
      }
      if (!isCandidate(checked)) {
        seen.set(mac, line);
        reject(line, formatMac(mac), checked);
      } else {
        seen.set(mac, checked);
        candidates.push(checked);
      }
    }
  }
  if (!map) throw invalidFile('csv.empty_devices');
  if (report.counts.rejected + candidates.length === 0) throw invalidFile('csv.no_data', undefined, 2);

  // Pass 2: one transaction; check against the database and write.
  const { store } = deps;
  const written: string[] = [];
  // Inside the transaction (`tx`): the same answer for every line naming the same tenant or user.
  const known = new Map<string, Promise<boolean>>();
  const users = new Map<string, Promise<User | null>>();
  const tenantExists = (tx: Store, id: string) => cached(known, id, async () => (await tx.tenants.get(id)) !== undefined);
  const userOf = (tx: Store, n: string) => cached(users, n, async () => (await tx.users.get(n)) ?? null);
  const keysFit = new Set<string>();
  const trail = new ImportTrail();
  /** Rows as they were before an update, for the lines the audit entry lists. */
  const previous = new Map<string, Device>();

  type Row = Omit<Device, 'createdAt' | 'updatedAt'>;
  const decide = async (c: Candidate, tx: Store): Promise<Outcome<Row>> => {
    const existing = await tx.devices.get(c.mac);
    if (c.conflictLines) return { reason: { key: 'import_line.mac_repeated', params: { lines: listParam(c.conflictLines.map(String), 20) }, field: 'mac' } };
    if (ownTenant && c.tenant && c.tenant !== ownTenant) return { reason: { key: 'import_line.own_tenant_only', params: { tenant: ownTenant }, field: 'tenant' } };
    const tenantId = c.tenant ?? defaultTenant ?? existing?.tenantId;
    if (existing && existing.tenantId !== tenantId) {
      return {
        reason: isOperator(p)
          ? { key: 'conflict.mac_in_tenant', params: { mac: formatMac(c.mac), tenant: existing.tenantId }, field: 'mac' }
          : { key: 'conflict.mac_other_tenant', params: { mac: formatMac(c.mac) }, field: 'mac' },
      };
    }
    if (!tenantId) return { reason: { key: 'import_line.tenant_required', field: 'tenant' } };
    if (!(await tenantExists(tx, tenantId))) return { reason: { key: 'validation.tenant_unknown', params: { tenant: tenantId }, field: 'tenant' } };
    if (!existing && !c.model) return { reason: { key: 'import_line.model_required', field: 'model' } };
    const model = c.model ?? existing!.model;
    const vendor = c.modelVendor?.id ?? existing!.vendor;
    if (!c.model) {
      const mismatch = vendorMismatch(c.mac, vendorById(vendor), c.vendorCol, model);
      if (mismatch) return { reason: mismatch };
    }
    const user = c.user ?? existing?.userNumber ?? null;
    if (c.user) {
      const u = await userOf(tx, c.user);
      // Same reason whether the number is free or another tenant's (nothing about other tenants
      // leaks to a tenant admin); the operator is told which.
      if (!u || u.tenantId !== tenantId) {
        return { reason: isOperator(p) && u ? { key: 'validation.user_other_tenant', params: { number: c.user }, field: 'user' } : { key: 'validation.user_not_in_tenant', params: { number: c.user }, field: 'user' } };
      }
    }
    const label = c.label ?? existing?.label ?? null;
    const group = c.group ?? existing?.group ?? null;
    const expansionModules = existing?.expansionModules ?? 0;
    if (user && (!existing || existing.userNumber !== user || existing.model !== model)) {
      const k = `${user}|${model}|${expansionModules}`;
      if (!keysFit.has(k)) {
        try {
          await checkKeysFit(tx, user, { model, expansionModules, mac: c.mac });
          keysFit.add(k);
        } catch (e) {
          return { reason: reasonOf(e) };
        }
      }
    }
    // The phone's extra lines stay; a new model or user must still take them.
    if (existing && existing.extraLines.length > 0 && (existing.userNumber !== user || existing.model !== model)) {
      try {
        await checkExtraLines(tx, existing.extraLines, { tenantId, userNumber: user, model, mac: c.mac }, false);
      } catch (e) {
        return { reason: reasonOf(e) };
      }
    }
    if (existing && existing.model === model && existing.vendor === vendor && existing.userNumber === user && existing.label === label && existing.group === group) return 'unchanged';
    if (existing && trail.listing(tenantId)) previous.set(c.mac, existing);
    return {
      status: existing ? 'updated' : 'created',
      row: {
        mac: c.mac, tenantId, vendor, model, userNumber: user, label, expansionModules,
        extraLines: existing?.extraLines ?? [],
        provisioningUsername: existing?.provisioningUsername ?? null,
        provisioningPassword: existing?.provisioningPassword ?? null,
        group,
      },
    };
  };
  const write = async (c: Candidate, row: Row, status: 'created' | 'updated', tx: Store) => {
    if (status === 'updated') await tx.devices.update(c.mac, row);
    else await tx.devices.insert(row);
    written.push(c.mac);
    const before = previous.get(c.mac);
    previous.delete(c.mac);
    const shown = (d: Pick<Device, 'tenantId' | 'vendor' | 'model' | 'userNumber' | 'label' | 'group'>) =>
      ({ tenantId: d.tenantId, vendor: d.vendor, model: d.model, userNumber: d.userNumber, label: d.label, group: d.group });
    trail.add(row.tenantId, { line: c.line, mac: formatMac(c.mac), status }, before && shown(before), before && shown(row));
  };

  const applied = await applyInOneTransaction(store, candidates, {
    mode, dryRun, report, key: 'mac', label: (c) => formatMac(c.mac), decide, write, onProgress: opts.onProgress,
    beforeCommit: (tx) => trail.record(tx, p, 'devices.import', report, { mode, ...(ownTenant ? { tenantId: ownTenant } : {}) }),
  });
  // After the commit only: listeners (rendered-file caches) must not see a rolled-back state.
  if (applied && written.length) deps.changes.devicesChanged(written, 'import');
  return counted(deps, 'devices', report.finish({ dryRun, mode, applied, what: 'devices' }));
}
