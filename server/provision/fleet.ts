// Fleet state per phone: has it taken the latest version of its files?
//
// The rule, by bytes (not by "something was saved"):
//   - every device file served to a phone (HTTP(S) or TFTP, 200 or 304) is recorded with the
//     ETag of the bytes it got and the URL root it asked under (links inside files depend on it),
//     per device and file name, by the phone path's activity batches (provision/activity.ts);
//   - the current version of a file is what the phone would get now for the same name and root:
//     rendered from the store exactly as the phone path renders it, hashed the same way (etagOf);
//   - `never-fetched`: no device file was ever served to this MAC (since it was provisioned);
//     `pending`: some file the phone fetched renders differently now (or none of the files it
//     fetched is a file of this phone any more: its model or vendor changed);
//     `current`: every file it fetched is byte-identical to what it would get now.
// So a change that leaves the bytes identical (the same key list saved again, a field this
// vendor does not render) leaves the phone `current`, while an operator's template override or a
// colleague's rename shown as a BLF label makes it `pending`. A per-device "settings generation"
// bumped by the change feed was the other choice; it cannot tell a no-op change from a real one.
//
// Current ETags are memoised per device and dropped by the change feed (the same events that
// drop the phone path's rendered-file cache, including other processes' and nodes' commits) and
// when operator templates change, so a list of thousands of phones renders each file once after
// each change, not on every request.
import { vendorById } from '../../vendors/index.ts';
import type { NetworkProfile, TemplateSource } from '../../vendors/types.ts';
import type { ChangeFeed } from '../service/changes.ts';
import type { ServiceDeps } from '../service/context.ts';
import { getDevice, listDevices } from '../service/devices.ts';
import type { Principal } from '../auth/principal.ts';
import { invalid } from '../domain/errors.ts';
import { groupLabel, modelName } from '../domain/schemas.ts';
import type { Device, FileFetch, Sighting, Store } from '../store/types.ts';
import { etagOf } from './cache.ts';
import { buildRenderContext, tenantBaseUrl } from './context.ts';
import { CompanyDirectories, tenantsOf } from './company.ts';

export type ConfigState = 'never-fetched' | 'current' | 'pending';
export const CONFIG_STATES: readonly ConfigState[] = ['never-fetched', 'current', 'pending'];

export interface ConfigInfo {
  configState: ConfigState;
  /** Files the phone fetched whose current version it has not fetched yet. */
  pendingFiles: string[];
}

export interface FleetStateDeps {
  store: Store;
  templates: TemplateSource & { generation?(): number };
  changes: ChangeFeed;
  /** The installation level of the phone profile: the files are rendered as the phones get them. */
  defaults?: NetworkProfile;
}

const keyOf = (file: string, root: string) => `${root}\n${file}`;

export class FleetState {
  readonly #deps: FleetStateDeps;
  /** mac → (root, file) → current ETag (null: not a file of this phone). */
  readonly #memo = new Map<string, Map<string, string | null>>();
  /** Invalidations per MAC, and of everything: a render that overlaps one is not kept. */
  readonly #macVersion = new Map<string, number>();
  #epoch = 0;
  #gen: number;
  /** Tenants' company directories, kept between devices (a list of thousands renders each once). */
  readonly #company: CompanyDirectories;
  /** The tenant of each device rendered, to drop only the directories a change concerns. */
  readonly #tenantOf = new Map<string, string>();
  readonly #unsubscribe: () => void;

  constructor(deps: FleetStateDeps) {
    this.#deps = deps;
    this.#gen = deps.templates.generation?.() ?? 0;
    this.#company = new CompanyDirectories(deps.store);
    this.#unsubscribe = deps.changes.onChange((c) => this.invalidate(c.macs));
  }

  invalidate(macs: readonly string[] | '*'): void {
    this.#company.invalidate(tenantsOf(macs, (mac) => this.#tenantOf.get(mac)));
    if (macs === '*') {
      this.#epoch++;
      this.#memo.clear();
      this.#macVersion.clear();
      return;
    }
    for (const mac of macs) {
      this.#memo.delete(mac);
      this.#macVersion.set(mac, (this.#macVersion.get(mac) ?? 0) + 1);
    }
  }

  close(): void {
    this.#unsubscribe();
  }

  #checkTemplates(): void {
    const g = this.#deps.templates.generation?.();
    if (g !== undefined && g !== this.#gen) {
      this.#gen = g;
      this.invalidate('*');
    }
  }

  /** Current ETags of these (file, root) pairs of one device, rendered once per pair and change. */
  async currentEtags(mac: string, wanted: Array<{ file: string; root: string }>): Promise<Map<string, string | null>> {
    this.#checkTemplates();
    const known = this.#memo.get(mac);
    const out = new Map<string, string | null>();
    const missing = new Map<string, string[]>(); // root → files
    for (const { file, root } of wanted) {
      const k = keyOf(file, root);
      if (known?.has(k)) out.set(k, known.get(k)!);
      else {
        const list = missing.get(root) ?? [];
        if (!list.includes(file)) list.push(file);
        missing.set(root, list);
      }
    }
    if (missing.size === 0) return out;
    const epoch = this.#epoch;
    const version = this.#macVersion.get(mac) ?? 0;
    const rendered = new Map<string, string | null>();
    const { store, templates } = this.#deps;
    const device = await store.devices.get(mac);
    const vendor = device && vendorById(device.vendor);
    const tenant = device && (await store.tenants.get(device.tenantId));
    if (device) this.#tenantOf.set(mac, device.tenantId);
    for (const [root, files] of missing) {
      const ctx =
        vendor && tenant
          ? await buildRenderContext(store, mac, tenantBaseUrl(root, tenant.security.urlToken), this.#deps.defaults, { company: this.#company })
          : null;
      for (const file of files) {
        const f = ctx && vendor ? vendor.render(file, ctx, templates) : null;
        rendered.set(keyOf(file, root), f ? etagOf(f.body) : null);
      }
    }
    for (const [k, v] of rendered) out.set(k, v);
    // Kept only when no change concerning this device happened while it rendered.
    if (epoch === this.#epoch && version === (this.#macVersion.get(mac) ?? 0)) {
      let m = this.#memo.get(mac);
      if (!m) this.#memo.set(mac, (m = new Map()));
      for (const [k, v] of rendered) m.set(k, v);
    }
    return out;
  }

  /** The config state of one device, from the files it fetched (Store.sightings.files). */
  async info(mac: string, fetched: FileFetch[]): Promise<ConfigInfo> {
    if (fetched.length === 0) return { configState: 'never-fetched', pendingFiles: [] };
    const current = await this.currentEtags(mac, fetched);
    const pendingFiles: string[] = [];
    let stillFiles = 0;
    for (const f of fetched) {
      const now = current.get(keyOf(f.file, f.root));
      if (now === null || now === undefined) continue; // no longer a file of this phone
      stillFiles++;
      if (now !== f.etag) pendingFiles.push(f.file);
    }
    if (stillFiles === 0) return { configState: 'pending', pendingFiles: [] };
    return { configState: pendingFiles.length ? 'pending' : 'current', pendingFiles: pendingFiles.sort() };
  }

  /** Config states of many devices, from one read of their fetched files. */
  async infos(devices: Device[], fetched: FileFetch[]): Promise<Map<string, ConfigInfo>> {
    const byMac = new Map<string, FileFetch[]>();
    for (const f of fetched) {
      const list = byMac.get(f.mac);
      if (list) list.push(f);
      else byMac.set(f.mac, [f]);
    }
    const out = new Map<string, ConfigInfo>();
    for (const d of devices) out.set(d.mac, await this.info(d.mac, byMac.get(d.mac) ?? []));
    return out;
  }
}

/** A phone with what it did: its last sighting and its config state. */
export interface FleetDevice {
  device: Device;
  seen: Sighting | undefined;
  config: ConfigInfo;
}

export interface FleetFilter {
  tenantId?: string;
  userNumber?: string;
  configState?: ConfigState;
  /** Exact firmware version reported by the phone (`96.86.0.100`). */
  firmware?: string;
  /** Provisioned model (`T54W`). */
  model?: string;
  /** Group label (compared without case). */
  group?: string;
  /** Phones never seen, or last seen before this ISO time. */
  notSeenSince?: string;
}

export interface FleetDeps extends ServiceDeps {
  fleet: FleetState;
}

/** The phones a principal may see, with their fleet state, filtered. */
export async function listFleet(deps: FleetDeps, p: Principal, f: FleetFilter = {}): Promise<FleetDevice[]> {
  let devices = await listDevices(deps, p, { ...(f.tenantId ? { tenantId: f.tenantId } : {}), ...(f.userNumber ? { userNumber: f.userNumber } : {}) });
  if (f.tenantId) devices = devices.filter((d) => d.tenantId === f.tenantId);
  if (f.model) devices = devices.filter((d) => d.model === f.model);
  if (f.group !== undefined) {
    const g = f.group.toLocaleLowerCase('fr');
    devices = devices.filter((d) => d.group !== null && d.group.toLocaleLowerCase('fr') === g);
  }
  if (devices.length === 0) return [];
  // One read for the sightings and fetched files of the tenant (or of everything), not one per phone.
  const tenants = new Set(devices.map((d) => d.tenantId));
  const scope = tenants.size === 1 ? { tenantId: [...tenants][0]! } : {};
  const few = devices.length <= 20;
  const seenList = few ? [] : await deps.store.sightings.list(scope);
  const seen = new Map(seenList.map((s) => [s.mac, s]));
  const files = few ? [] : await deps.store.sightings.files(scope);
  const byMac = new Map<string, FileFetch[]>();
  for (const x of files) {
    const l = byMac.get(x.mac);
    if (l) l.push(x);
    else byMac.set(x.mac, [x]);
  }
  const out: FleetDevice[] = [];
  for (const d of devices) {
    const s = few ? await deps.store.sightings.get(d.mac) : seen.get(d.mac);
    if (f.firmware !== undefined && s?.firmware !== f.firmware) continue;
    if (f.notSeenSince !== undefined && s && s.at >= f.notSeenSince) continue;
    const fetched = few ? await deps.store.sightings.files({ mac: d.mac }) : (byMac.get(d.mac) ?? []);
    const config = await deps.fleet.info(d.mac, fetched);
    if (f.configState !== undefined && config.configState !== f.configState) continue;
    out.push({ device: d, seen: s, config });
  }
  return out;
}

/** One phone with its fleet state (access as getDevice). */
export async function fleetDevice(deps: FleetDeps, p: Principal, rawMac: string): Promise<FleetDevice> {
  return withFleetState(deps, await getDevice(deps, p, rawMac));
}

/** A device the caller already may see, with its fleet state. */
export async function withFleetState(deps: FleetDeps, d: Device): Promise<FleetDevice> {
  const seen = await deps.store.sightings.get(d.mac);
  return { device: d, seen, config: await deps.fleet.info(d.mac, await deps.store.sightings.files({ mac: d.mac })) };
}

/** Query parameters of a fleet list, checked (`?configState=pending&firmware=…&model=…&tenant=…`). */
export function parseFleetFilter(q: Record<string, unknown>): FleetFilter {
  const f: FleetFilter = {};
  const str = (name: string, max: number): string | undefined => {
    const v = q[name];
    if (v === undefined || v === '') return undefined;
    if (typeof v !== 'string') throw invalid(name, 'validation.type_text');
    if (v.length > max) throw invalid(name, 'validation.too_long', { max });
    return v.trim();
  };
  const tenant = str('tenant', 40);
  if (tenant !== undefined) f.tenantId = tenant;
  const user = str('user', 10);
  if (user !== undefined) f.userNumber = user;
  const state = str('configState', 20);
  if (state !== undefined) {
    if (!(CONFIG_STATES as readonly string[]).includes(state)) throw invalid('configState', 'validation.choice', { values: CONFIG_STATES.join(', ') });
    f.configState = state as ConfigState;
  }
  const firmware = str('firmware', 100);
  if (firmware !== undefined) f.firmware = firmware;
  const model = str('model', 40);
  if (model !== undefined) {
    const m = modelName.safeParse(model);
    if (!m.success) throw invalid('model', 'validation.model_name');
    f.model = m.data;
  }
  const group = str('group', 40);
  if (group !== undefined) {
    const g = groupLabel.safeParse(group);
    if (!g.success) throw invalid('group', 'validation.group_label');
    f.group = g.data;
  }
  const since = str('notSeenSince', 40);
  if (since !== undefined) {
    const ms = Date.parse(since);
    if (Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}/.test(since)) throw invalid('notSeenSince', 'validation.iso_time');
    f.notSeenSince = new Date(ms).toISOString();
  }
  return f;
}
