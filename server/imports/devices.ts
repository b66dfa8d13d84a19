// Bulk MAC import. Two passes: the file is streamed and each line checked on its own (MAC,
// model, vendor, user number, label, duplicates); then, in ONE store transaction, each remaining
// line is checked against the database (ownership, tenant, user, keys) and written. Nothing is
// kept of a rejected line but its report entry, so a file of garbage does not grow memory.
import { forbidden, invalid, invalidFile, stale, type ErrorDetail } from '../domain/errors.ts';
import { formatMac, normalizeMac, parseMac } from '../domain/mac.ts';
import { listParam, message, shownValue } from '../domain/messages.ts';
import { userNumber } from '../domain/numbers.ts';
import { deviceCreate, groupLabel, modelName } from '../domain/schemas.ts';
import { issueDetail } from '../domain/validate.ts';
import { isOperator, requireTenantAdmin, type Actor, type Principal } from '../auth/principal.ts';
import { checkExtraLines, checkKeysFit, claimRefusal, resolveModel } from '../service/devices.ts';
import { enrolmentUntil, newProvisioningCredentials } from '../service/enrolment.ts';
import type { Device, KeyTemplate, Store, Tenant, UndoEntry, User } from '../store/types.ts';
import type { Vendor } from '../../vendors/types.ts';
import { findModel, keyCapacity, vendorById, vendorForMac, vendors } from '../../vendors/index.ts';
import { readCsv, type CsvReadOptions } from './csv.ts';
import { cell, extraCellsProblem, headerKey, mapColumns, type ColumnMap, type ColumnSpec } from './columns.ts';
import { ReportBuilder, type ImportMode, type ImportOptions, type ImportReport, type LineReason } from './report.ts';
import { applyInChunks, ImportTrail, reasonOf, type BulkRow, type ImportDeps, type ImportProgress, type Outcome, counted } from './common.ts';
import { featureRuleProblems, featuresInput, mergeFeatures, type FeaturesInput, type UserFeatures } from '../domain/features.ts';
import { featureLimitProblems, featuresSnapshot, readFeatures } from '../service/features.ts';
import { devicesOfUsers } from '../service/context.ts';
import { checkTemplateFits, familyFits, mergeKeys } from '../service/templates.ts';

/** Accepted header spellings, compared with `headerKey` (no case, accents, spaces). */
export const DEVICE_COLUMNS: ColumnSpec<
  'mac' | 'vendor' | 'model' | 'tenant' | 'user' | 'label' | 'group' | 'forward' | 'dnd' | 'vip' | 'blacklist' | 'anonymous' | 'keyTemplate'
> = {
  mac: ['mac', 'adressemac', 'macaddress', 'macadresse', 'adressephysique'],
  vendor: ['vendor', 'fabricant', 'marque', 'constructeur', 'manufacturer', 'brand'],
  model: ['model', 'modele', 'type'],
  tenant: ['tenant', 'tenantid', 'locataire', 'parc', 'client'],
  user: ['user', 'usernumber', 'utilisateur', 'numero', 'numerodutilisateur', 'numeroutilisateur', 'licence', 'license'],
  label: ['label', 'libelle', 'etiquette', 'description', 'name', 'nom'],
  /** Device group label (firmware rollouts, bulk edits); an empty cell keeps the stored one. */
  group: ['group', 'groupe', 'devicegroup', 'groupedeploiement', 'groupedappareils'],
  // The user's line settings (issue 15), for bulk set-up: `renvoi` = a number (forward all calls to
  // it) or `non`; `npd` = oui/non; lists of numbers separated by `|` or `,`.
  forward: ['renvoi', 'renvoipermanent', 'renvoidappelpermanent', 'forward', 'forwardalways'],
  dnd: ['npd', 'nepasderanger', 'dnd', 'donotdisturb'],
  vip: ['appelantsprioritaires', 'prioritaires', 'allowedcallers', 'prioritycallers'],
  blacklist: ['listenoire', 'blacklist', 'blocklist'],
  anonymous: ['rejeterappelsanonymes', 'rejeterlesappelsanonymes', 'appelsanonymes', 'rejectanonymous'],
  // The key template of the phone's user (issue 16): there is no licence import, the licence of a
  // phone is set on its line (like its line settings). A template of the tenant by name (any case)
  // or id; `aucun` / `non` / `none` takes it off; an empty cell keeps it.
  keyTemplate: ['keytemplate', 'modeledetouches', 'modeletouches', 'modeledestouches', 'templatedetouches', 'touchesmodele'],
};

const NO_TEMPLATE = new Set(['aucun', 'non', 'none', 'no', '-']);

const YES = new Set(['oui', 'o', 'yes', 'y', '1', 'true', 'vrai', 'on']);
const NO = new Set(['non', 'n', 'no', '0', 'false', 'faux', 'off']);

/** The line settings a line carries, validated like the API's (field = the column), or null. */
function checkFeatureCells(fields: string[], map: ColumnMap<DeviceColumn>): Checked<FeaturesInput | null> {
  const raw = (k: DeviceColumn) => {
    const i = map.index[k];
    const v = i === undefined ? undefined : fields[i]?.trim();
    return v ? v.slice(0, 4000) : undefined;
  };
  const input: Record<string, unknown> = {};
  const flag = (k: DeviceColumn, v: string): Checked<boolean> => {
    const x = v.toLowerCase();
    if (YES.has(x)) return { ok: true };
    if (NO.has(x)) return { ok: false };
    return { reason: { key: 'import_line.yes_no', params: { value: shownValue(v) }, field: k } };
  };
  // Numbers may carry spaces (`06 12 34 56 78`): they are separated by `|`, `,` or line breaks.
  const list = (v: string) => v.split(/[|,\r\n]+/).map((x) => x.trim()).filter(Boolean);
  const fwd = raw('forward');
  if (fwd) input.forwardAlways = NO.has(fwd.toLowerCase()) ? { enabled: false } : { enabled: true, target: fwd };
  const dnd = raw('dnd');
  const allowed = raw('vip');
  if (dnd || allowed) {
    const d: Record<string, unknown> = {};
    if (dnd) {
      const b = flag('dnd', dnd);
      if ('reason' in b) return b;
      d.enabled = b.ok;
    }
    if (allowed) d.allowedCallers = NO.has(allowed.toLowerCase()) ? [] : list(allowed);
    input.dnd = d;
  }
  const bl = raw('blacklist');
  if (bl) input.blacklist = NO.has(bl.toLowerCase()) ? [] : list(bl);
  const anon = raw('anonymous');
  if (anon) {
    const b = flag('anonymous', anon);
    if ('reason' in b) return b;
    input.rejectAnonymous = b.ok;
  }
  if (Object.keys(input).length === 0) return { ok: null };
  const r = featuresInput.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const column: Record<string, DeviceColumn> = { forwardAlways: 'forward', dnd: issue.path[1] === 'allowedCallers' ? 'vip' : 'dnd', blacklist: 'blacklist', rejectAnonymous: 'anonymous' };
    const col = column[String(issue.path[0])] ?? 'forward';
    const d = issueDetail(issue, col);
    return { reason: { key: d.key, ...(d.params ? { params: d.params } : {}), field: col } };
  }
  return { ok: r.data };
}

export interface DeviceImportOptions extends ImportOptions, Pick<CsvReadOptions, 'maxBytes' | 'charset'> {
  /** Tenant given to new devices on lines without a tenant. */
  defaultTenant?: string;
  onProgress?: (p: ImportProgress) => void;
  /** Lines written per transaction (default: common.ts DEFAULT_CHUNK). */
  chunk?: number;
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
  /** Line settings of the phone's user given on this line (merged onto the stored ones). */
  features?: FeaturesInput;
  /** The key template of the phone's user as the line names it (null: none). */
  keyTemplate?: string | null;
  group?: string;
  /** Later lines with the same MAC and different values. */
  conflictLines?: number[];
  /** Other lines giving the same user other line settings or another key template. */
  userConflictLines?: number[];
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

/** Text cells checked on their own, in this order (the first problem is the line's reason). */
const TEXT_CELLS = [['user', checkUserNumber], ['label', checkLabel], ['group', checkGroup]] as const;

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
  for (const [k, check] of TEXT_CELLS) {
    const raw = cell(fields, map, k);
    if (!raw) continue;
    const r = check(raw);
    if ('reason' in r) return r.reason;
    cand[k] = r.ok;
  }
  const tenant = cell(fields, map, 'tenant');
  if (tenant) cand.tenant = tenant.toLowerCase();
  const features = checkFeatureCells(fields, map);
  if ('reason' in features) return features.reason;
  if (features.ok) cand.features = features.ok;
  const template = cell(fields, map, 'keyTemplate');
  if (template) cand.keyTemplate = NO_TEMPLATE.has(template.toLowerCase()) ? null : template.slice(0, 80);
  return cand;
}

const sameValues = (a: Candidate, b: Candidate): boolean =>
  a.model === b.model && a.vendorCol === b.vendorCol && a.tenant === b.tenant && a.user === b.user && a.label === b.label && a.group === b.group &&
  JSON.stringify(a.features ?? null) === JSON.stringify(b.features ?? null) && a.keyTemplate === b.keyTemplate;

/** `{dnd: {enabled: true}}` → `[['dnd.enabled', 'true']]`: the values a line sets, by path. */
function settingPaths(v: unknown, prefix = '', out = new Map<string, string>()): Map<string, string> {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v)) if (x !== undefined) settingPaths(x, prefix ? `${prefix}.${k}` : k, out);
  } else out.set(prefix, JSON.stringify(v));
  return out;
}

/**
 * Two lines (two phones) that give one user different line settings or key templates: which one
 * would win depends on the order of the file, so both are refused, each naming the others. A line
 * that leaves a setting empty does not disagree with one that sets it.
 */
function markUserConflicts(candidates: Candidate[]): void {
  /** user → setting path → value → the lines giving it. */
  const byUser = new Map<string, Map<string, Map<string, Candidate[]>>>();
  for (const c of candidates) {
    if (!c.user || (c.features === undefined && c.keyTemplate === undefined)) continue;
    const set = settingPaths(c.features ?? {});
    if (c.keyTemplate !== undefined) set.set('keyTemplate', JSON.stringify(c.keyTemplate?.toLowerCase() ?? null));
    let paths = byUser.get(c.user);
    if (!paths) byUser.set(c.user, (paths = new Map()));
    for (const [path, value] of set) {
      let values = paths.get(path);
      if (!values) paths.set(path, (values = new Map()));
      const lines = values.get(value);
      if (lines) lines.push(c);
      else values.set(value, [c]);
    }
  }
  // The report names at most a few other lines: the first line of each of the first few other
  // values (a file of 100,000 lines for one user stays linear).
  const NAMED = 20;
  for (const paths of byUser.values()) {
    for (const values of paths.values()) {
      if (values.size < 2) continue;
      const groups = [...values.values()];
      const firsts = groups.slice(0, NAMED + 1).map((g) => g[0]!.line);
      groups.forEach((group, i) => {
        const others = firsts.filter((_, j) => j !== i).slice(0, NAMED);
        for (const c of group) {
          const list = (c.userConflictLines ??= []);
          for (const l of others) if (list.length < NAMED && !list.includes(l)) list.push(l);
        }
      });
    }
  }
}

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
    // Rights first: a tenant admin naming another tenant, or one that does not exist, gets the same answer.
    requireTenantAdmin(p, defaultTenant!);
    if (!(await deps.store.tenants.get(defaultTenant!))) throw invalid('tenant', 'validation.tenant_unknown', { tenant: shownValue(opts.defaultTenant) });
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
  markUserConflicts(candidates);

  // Pass 2: check against the database and write, a chunk per transaction.
  const { store } = deps;
  // Inside a transaction (`tx`): the same answer for every line naming the same tenant or user.
  const tenants = new Map<string, Promise<Tenant | null>>();
  const users = new Map<string, Promise<User | null>>();
  const tenantOf = (tx: Store, id: string) => cached(tenants, id, async () => (await tx.tenants.get(id)) ?? null);
  const userOf = (tx: Store, n: string) => cached(users, n, async () => (await tx.users.get(n)) ?? null);
  const keysFit = new Set<string>();
  const trail = new ImportTrail();
  /** Rows as they were before an update, for the lines the audit entry lists. */
  /** Phones whose files change because an import line wrote their user's line settings. */
  const featurePhones = new Set<string>();

  type Row = Omit<Device, 'createdAt' | 'updatedAt' | 'version' | 'enrolUntil' | 'enrolledAt' | 'enrolledIp'> & { enrolUntil?: string | null };
  type LineFeatures = { number: string; value: UserFeatures; before: UserFeatures };
  type LineTemplate = { number: string; id: number | null; before: number | null; names: { before: string | null; after: string | null } };
  type Write = { row: Row; before: Device | null; features?: LineFeatures; template?: LineTemplate };
  const templatesOf = new Map<string, Promise<KeyTemplate[]>>();
  /** The chunk's devices as they are, read in one go (applyInChunks' prefetch). */
  let prefetched: Map<string, Device> | null = null;
  const decide = async (c: Candidate, tx: Store): Promise<Outcome<Write>> => {
    // A MAC stands once among the candidates (repeats were refused in pass 1): nothing this import
    // wrote can have changed a prefetched device before its own line is decided.
    const existing = prefetched ? prefetched.get(c.mac) : await tx.devices.get(c.mac);
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
    const tenant = await tenantOf(tx, tenantId);
    if (!tenant) return { reason: { key: 'validation.tenant_unknown', params: { tenant: tenantId }, field: 'tenant' } };
    if (!existing && !c.model) return { reason: { key: 'import_line.model_required', field: 'model' } };
    if (!existing) {
      const refused = await claimRefusal(tx, p, c.mac, tenantId);
      if (refused) return { reason: { ...refused, field: 'mac' } };
    }
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
    // Key template of the phone's user, when the line names one: of the tenant, fitting this phone
    // (model family, keys) and every other phone of the licence.
    let template: LineTemplate | undefined;
    if (c.keyTemplate !== undefined) {
      if (!user) return { reason: { key: 'import_line.key_template_needs_user', field: 'user' } };
      const list = await cached(templatesOf, tenantId, () => tx.keyTemplates.list(tenantId));
      const wanted = c.keyTemplate;
      const t = wanted === null ? null : list.find((x) => x.name.toLowerCase() === wanted.toLowerCase() || String(x.id) === wanted);
      if (t === undefined) return { reason: { key: 'import_line.key_template_unknown', params: { name: shownValue(wanted ?? '') }, field: 'keyTemplate' } };
      const u = (await tx.users.get(user))!;
      if ((t?.id ?? null) !== u.keyTemplate) {
        if (t) {
          const found = findModel(model);
          if (found && !familyFits(t.family, { vendor: found.vendor.id, model: found.model.model })) {
            return { reason: { key: 'validation.template_family_mismatch', params: { template: t.name, family: t.family ?? '', model, mac: formatMac(c.mac), user }, field: 'keyTemplate' } };
          }
          const highest = Math.max(0, ...mergeKeys(t.keys, await tx.keys.list(user), user).map((k) => k.position));
          const capacity = found ? keyCapacity(found.model, expansionModules) : Infinity;
          if (highest > capacity) return { reason: { key: 'validation.template_beyond_phone', params: { position: highest, capacity, model, mac: formatMac(c.mac), user }, field: 'keyTemplate' } };
          const others = (await checkTemplateFits(tx, t, [user])).filter((x) => x.params?.mac !== formatMac(c.mac));
          if (others[0]) return { reason: { key: others[0].key, ...(others[0].params ? { params: others[0].params } : {}), field: 'keyTemplate' } };
        }
        const before = u.keyTemplate === null ? null : (list.find((x) => x.id === u.keyTemplate)?.name ?? null);
        template = { number: user, id: t?.id ?? null, before: u.keyTemplate, names: { before, after: t?.name ?? null } };
      }
    }
    if (user && !template && (!existing || existing.userNumber !== user || existing.model !== model)) {
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
    // Line settings: for the phone's user, merged onto what is stored, checked like the API's.
    let features: LineFeatures | undefined;
    if (c.features) {
      if (!user) return { reason: { key: 'import_line.features_need_user', field: 'user' } };
      const cur = await readFeatures(tx, user);
      const value = mergeFeatures(cur, c.features);
      const problems: ErrorDetail[] = [...(c.features.forwardAlways ? featureRuleProblems(value) : []), ...(await featureLimitProblems(tx, user, value, { model, mac: c.mac }))];
      if (problems[0]) return { reason: { key: problems[0].key, ...(problems[0].params ? { params: problems[0].params } : {}), field: problems[0].field?.startsWith('dnd.allowed') ? 'vip' : problems[0].field?.startsWith('blacklist') ? 'blacklist' : 'forward' } };
      const { version: _v, updatedAt: _u, ...plain } = cur;
      if (JSON.stringify(plain) !== JSON.stringify(value)) features = { number: user, value, before: plain };
    }
    // Checked once the line's own values pass: its own mistake is the more useful reason.
    if (c.userConflictLines) {
      return { reason: { key: 'import_line.user_settings_conflict', params: { user: c.user ?? '', lines: listParam(c.userConflictLines.map(String), 20) }, field: 'user' } };
    }
    const deviceSame = !!existing && existing.model === model && existing.vendor === vendor && existing.userNumber === user && existing.label === label && existing.group === group;
    if (deviceSame && !features && !template) return 'unchanged';
    // A new device gets credentials of its own, and an enrolment window when its tenant adopts
    // phones before serving them.
    const creds = existing
      ? { provisioningUsername: existing.provisioningUsername, provisioningPassword: existing.provisioningPassword }
      : newProvisioningCredentials(c.mac);
    return {
      status: existing ? 'updated' : 'created',
      row: {
        row: {
          mac: c.mac, tenantId, vendor, model, userNumber: user, label, expansionModules, extraLines: existing?.extraLines ?? [], ...creds, group,
          ...(existing ? {} : { enrolUntil: enrolmentUntil(tenant.security) }),
        },
        before: existing ?? null,
        ...(features ? { features } : {}),
        ...(template ? { template } : {}),
      },
    };
  };
  const shown = (d: Pick<Device, 'tenantId' | 'vendor' | 'model' | 'userNumber' | 'label' | 'group'>) =>
    ({ tenantId: d.tenantId, vendor: d.vendor, model: d.model, userNumber: d.userNumber, label: d.label, group: d.group });
  const sameDevice = (cur: Device, row: Row) =>
    cur.model === row.model && cur.vendor === row.vendor && cur.userNumber === row.userNumber && cur.label === row.label && cur.group === row.group;
  const staleDevice = (mac: string) => stale(message('stale.device', { mac: formatMac(mac) }));
  /** A line's rows are written: its audit line, and how to put back what it replaced. */
  const wrote = (c: Candidate, w: Write, status: 'created' | 'updated', listed: boolean): UndoEntry => {
    const f = w.features;
    const t = w.template;
    // Line settings and the key template written for the phone's user are in the line's changes
    // (before → after), like the phone's own fields.
    const settings = (x: UserFeatures | undefined) => (f && x ? { features: { user: f.number, ...featuresSnapshot(x) } } : {});
    const templ = (name: string | null | undefined) => (t && name !== undefined ? { keyTemplate: { user: t.number, name } } : {});
    const changes = (before: Device | undefined) => (before || f || t
      ? [{ ...(before ? shown(before) : {}), ...settings(f?.before), ...templ(t?.names.before) }, { ...(before ? shown(w.row) : {}), ...settings(f?.value), ...templ(t?.names.after) }] as const
      : [undefined, undefined] as const);
    if (status === 'updated') {
      const cur = w.before!;
      const same = sameDevice(cur, w.row);
      const [b, a] = changes(listed && !same ? cur : undefined);
      trail.add(w.row.tenantId, { line: c.line, mac: formatMac(c.mac), status }, b, a);
      return { entity: 'device', key: c.mac, before: cur, afterVersion: same ? cur.version : cur.version + 1 };
    }
    const [b, a] = changes(undefined);
    trail.add(w.row.tenantId, { line: c.line, mac: formatMac(c.mac), status }, b, a);
    return { entity: 'device', key: c.mac, before: null, afterVersion: 1 };
  };
  const write = async (c: Candidate, w: Write, status: 'created' | 'updated', tx: Store): Promise<UndoEntry> => {
    const listed = trail.listing(w.row.tenantId);
    const f = w.features;
    if (f) {
      await tx.features.set(f.number, f.value);
      for (const mac of await devicesOfUsers(tx, [f.number])) featurePhones.add(mac);
    }
    const t = w.template;
    if (t) {
      const u = await tx.users.get(t.number);
      if (!u) throw stale(message('stale.user', { number: t.number }));
      const { number: _n, tenantId: _t, createdAt: _c, updatedAt: _u, version: _v, keysVersion: _k, ...row } = u;
      if (!(await tx.users.update(t.number, { ...row, keyTemplate: t.id }, u.version))) throw stale(message('stale.user', { number: t.number }));
      for (const mac of await devicesOfUsers(tx, [t.number])) featurePhones.add(mac);
    }
    if (status === 'updated') {
      const cur = w.before!;
      if (!sameDevice(cur, w.row) && !(await tx.devices.update(c.mac, w.row, cur.version))) throw staleDevice(c.mac);
    } else await tx.devices.insert(w.row);
    return wrote(c, w, status, listed);
  };
  /**
   * A chunk's rows in two statements (the new devices, the changed ones, each at the version its
   * line was decided on); lines without line settings only (those go one by one with `write`).
   */
  const writeMany = async (rows: Array<BulkRow<Candidate, Write>>, tx: Store): Promise<Array<UndoEntry | { reason: LineReason }>> => {
    await tx.devices.insertMany(rows.filter((r) => r.status === 'created').map((r) => r.row.row));
    const changed = rows.filter((r) => r.status === 'updated' && !sameDevice(r.row.before!, r.row.row));
    const refused = new Set(await tx.devices.updateMany(changed.map((r) => ({ ...r.row.row, ifVersion: r.row.before!.version }))));
    return rows.map((r) => (refused.has(r.c.mac) ? { reason: reasonOf(staleDevice(r.c.mac)) } : wrote(r.c, r.row, r.status, trail.listing(r.row.row.tenantId))));
  };

  // The undo journal puts back devices, not line settings nor key templates: a file that carries them is
  // written in one transaction, so a failure leaves none of its lines behind.
  const carriesFeatures = candidates.some((c) => c.features || c.keyTemplate !== undefined);
  const applied = await applyInChunks(store, candidates, {
    mode, dryRun, report, key: 'mac', label: (c) => formatMac(c.mac), decide, write, kind: 'devices', onProgress: opts.onProgress,
    // A chunk's devices read in one statement, its rows written in two (not a round trip per
    // line: what a database across the network needs); lines with line settings one by one.
    bulk: {
      prefetch: async (part, tx) => {
        prefetched = new Map((await tx.devices.getMany(part.map((c) => c.mac))).map((d) => [d.mac, d]));
      },
      ...(carriesFeatures ? {} : { writeMany }),
    },
    ...(carriesFeatures ? { chunk: Infinity } : opts.chunk ? { chunk: opts.chunk } : {}),
    // After each commit: listeners (rendered-file caches) learn of the rows written, and of those
    // put back when the import ends up writing nothing.
    onWritten: (entries) => deps.changes.devicesChanged(entries.map((e) => e.key), 'import'),
    beforeCommit: (tx) => trail.record(tx, p, 'devices.import', report, { mode, ...(ownTenant ? { tenantId: ownTenant } : {}) }),
  });
  // Other phones of a user whose line settings changed render differently too (after the commit only).
  if (applied && featurePhones.size) deps.changes.devicesChanged([...featurePhones], 'import');
  return counted(deps, 'devices', report.finish({ dryRun, mode, applied, what: 'devices' }));
}
