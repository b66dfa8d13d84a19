// From a phone request to "which file, for which device of which tenant": the HTTP path grammar
// (`/<file>` or `/p/<token>/<file>`), identification through the vendor registry, and a small
// in-memory directory of provisioned devices with their tenant's security settings (kept in
// step with the change feed, so the hot path reads no database row for a known phone).
import type { BlockList } from 'node:net';
import { identifyRequest, vendorForMac } from '../../vendors/index.ts';
import type { Identification } from '../../vendors/types.ts';
import type { Device, Store, Tenant } from '../store/types.ts';
import { parseMac } from '../domain/mac.ts';
import { compileAllowlist } from './security.ts';

export type PathResult =
  | { ok: true; file: string; token: string | null }
  | { ok: false; status: 400 | 404; reason: string };

const MAX_NAME = 255;

/** The same rules as TFTP names: one bare printable-ASCII name, never a path. */
export function checkFileName(file: string): { ok: true } | { ok: false; status: 400 | 404; reason: string } {
  if (file === '') return { ok: false, status: 404, reason: 'empty file name' };
  if (file.length > MAX_NAME) return { ok: false, status: 404, reason: 'file name too long' };
  if (!/^[\x20-\x7e]+$/.test(file)) return { ok: false, status: 400, reason: 'file name outside printable ASCII' };
  if (file.includes('..')) return { ok: false, status: 400, reason: "path traversal refused ('..')" };
  if (file.includes('/') || file.includes('\\')) return { ok: false, status: 400, reason: 'directories are not served' };
  return { ok: true };
}

function decode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/**
 * Split a request path (without the query) into the file name and the optional tenant URL token.
 * Percent-encoding is decoded once, then the name is checked, so `%2e%2e%2f` is refused like
 * `../`; anything with more levels than the two layouts is not served.
 */
export function parsePhonePath(path: string): PathResult {
  if (!path.startsWith('/')) return { ok: false, status: 400, reason: 'request target is not a path' };
  if (path.length > 1024) return { ok: false, status: 404, reason: 'path too long' };
  const raw = path.slice(1).split('/');
  const segments: string[] = [];
  for (const s of raw) {
    const d = decode(s);
    if (d === null) return { ok: false, status: 400, reason: 'malformed percent-encoding' };
    if (d === '..' || d === '.' || d.includes('/') || d.includes('\\') || d.includes('\0')) {
      return { ok: false, status: 400, reason: 'path traversal refused' };
    }
    segments.push(d);
  }
  let file: string;
  let token: string | null = null;
  if (segments.length === 1) file = segments[0]!;
  else if (segments.length === 3 && segments[0] === 'p' && /^[A-Za-z0-9_-]{1,64}$/.test(segments[1]!)) {
    token = segments[1]!;
    file = segments[2]!;
  } else return { ok: false, status: 404, reason: 'no such path' };
  const check = checkFileName(file);
  if (!check.ok) return check;
  return { ok: true, file, token };
}

const REPORT_EVENTS = new Set(['dnd-on', 'dnd-off', 'forward-on', 'forward-off']);

/**
 * A phone's report of a toggle (action URL): `/events/<mac>/<event>` or
 * `/p/<token>/events/<mac>/<event>` (server/provision/context.ts builds it); null for any other path.
 */
export function parseEventPath(path: string): { mac: string; event: 'dnd-on' | 'dnd-off' | 'forward-on' | 'forward-off'; token: string | null } | null {
  if (path.length > 256) return null;
  const seg = path.split('/').slice(1);
  let token: string | null = null;
  if (seg.length === 5 && seg[0] === 'p' && /^[A-Za-z0-9_-]{1,64}$/.test(seg[1]!)) {
    token = seg[1]!;
    seg.splice(0, 2);
  }
  if (seg.length !== 3 || seg[0] !== 'events') return null;
  const mac = seg[1]!.toLowerCase();
  const event = seg[2]!;
  if (!/^[0-9a-f]{12}$/.test(mac) || !REPORT_EVENTS.has(event)) return null;
  return { mac, event: event as 'dnd-on' | 'dnd-off' | 'forward-on' | 'forward-off', token };
}

/** `?a=b&c=d` → first value of each name, bounded (it only feeds identification). */
export function parseQuery(search: string): Record<string, string> | undefined {
  if (search === '' || search.length > 2048) return undefined;
  const out: Record<string, string> = {};
  let n = 0;
  for (const [k, v] of new URLSearchParams(search)) {
    if (++n > 20) break;
    if (!(k in out) && k.length <= 32) out[k] = v.slice(0, 128);
  }
  return out;
}

export interface PhoneIdentity {
  /** The vendor that recognised the request, or that owns the MAC's OUI. */
  vendor: string | null;
  mac: string | null;
  model: string | null;
  firmware: string | null;
}

/**
 * Identify a request through the vendor modules; when none recognises it, a MAC written in the
 * file name is still taken (a provisioned phone outside the known OUI ranges must be served).
 * When a vendor recognised it, that vendor's reading of the name is final: its shared files
 * (Yealink `y000000000123.cfg`, Poly `000000000000.cfg`) contain twelve hex digits that are no
 * phone, and must not be listed as an unknown one.
 */
export function identifyPhone(file: string, userAgent: string | undefined, query: Record<string, string> | undefined): PhoneIdentity {
  let id: Identification | null = null;
  try {
    id = identifyRequest({ file, ...(userAgent !== undefined ? { userAgent } : {}), ...(query ? { query } : {}) });
  } catch {
    id = null; // a vendor's parser must not take the listener down with hostile input
  }
  // parseMac also refuses placeholders (all zeros, all ones) whoever reported them.
  let mac = id?.mac ? parseMac(id.mac) : null;
  if (!mac && !id) {
    const m = /(?:^|[^0-9a-f])([0-9a-f]{12})(?![0-9a-f])/i.exec(file);
    if (m) mac = parseMac(m[1]!);
  }
  return {
    vendor: id?.vendor ?? (mac ? vendorForMac(mac)?.id ?? null : null),
    mac,
    model: id?.model ?? null,
    firmware: id?.firmware ?? null,
  };
}

export interface TenantAccess {
  tenant: Tenant;
  /** Null when the tenant has no allowlist. */
  allowlist: BlockList | null;
  /** Where a device may enrol from (adopt before serve); null: anywhere. */
  enrolmentAllowlist: BlockList | null;
}

export interface DeviceAccess extends TenantAccess {
  device: Device;
}

function tenantAccess(tenant: Tenant): TenantAccess {
  const list = tenant.security.allowlist;
  const enrol = tenant.security.enrolment?.allowlist;
  return {
    tenant,
    allowlist: list && list.length > 0 ? compileAllowlist(list) : null,
    enrolmentAllowlist: enrol && enrol.length > 0 ? compileAllowlist(enrol) : null,
  };
}

/**
 * Provisioned devices with their tenant, kept per MAC until a change names them: a known phone's
 * request reads no database row (`peek` answers synchronously); a miss loads it (`load`).
 */
export class DeviceDirectory {
  readonly #byMac = new Map<string, DeviceAccess>();
  readonly #loading = new Map<string, Promise<DeviceAccess | undefined>>();
  #tokens: { at: number; map: Map<string, TenantAccess> } | null = null;
  #tokensLoading: Promise<Map<string, TenantAccess>> | null = null;
  /** Counts invalidations: a load that started before one is not kept. */
  #epoch = 0;

  constructor(private readonly store: Store) {}

  peek(mac: string): DeviceAccess | undefined {
    return this.#byMac.get(mac);
  }

  /** The device and its tenant from the store (one load per MAC at a time); undefined when unknown. */
  load(mac: string): Promise<DeviceAccess | undefined> {
    const pending = this.#loading.get(mac);
    if (pending) return pending;
    const p = this.#read(mac, this.#epoch);
    this.#loading.set(mac, p);
    const forget = () => {
      if (this.#loading.get(mac) === p) this.#loading.delete(mac);
    };
    p.then(forget, forget);
    return p;
  }

  async #read(mac: string, epoch: number): Promise<DeviceAccess | undefined> {
    const device = await this.store.devices.get(mac);
    if (!device) return undefined;
    const tenant = await this.store.tenants.get(device.tenantId);
    if (!tenant) return undefined;
    const access: DeviceAccess = { device, ...tenantAccess(tenant) };
    // Not kept when a change named it meanwhile: the next request reads it again.
    if (epoch === this.#epoch) this.#byMac.set(mac, access);
    return access;
  }

  get(mac: string): DeviceAccess | undefined | Promise<DeviceAccess | undefined> {
    return this.#byMac.get(mac) ?? this.load(mac);
  }

  /**
   * The tenant whose URL token this is. A token change on a tenant without devices emits no
   * device change, so the map is also rebuilt every few seconds.
   */
  tenantOfToken(token: string, now = Date.now()): TenantAccess | undefined | Promise<TenantAccess | undefined> {
    if (this.#tokens && now - this.#tokens.at <= 5000) return this.#tokens.map.get(token);
    this.#tokensLoading ??= (async () => {
      const epoch = this.#epoch;
      try {
        const map = new Map<string, TenantAccess>();
        for (const t of await this.store.tenants.list()) if (t.security.urlToken) map.set(t.security.urlToken, tenantAccess(t));
        if (epoch === this.#epoch) this.#tokens = { at: now, map };
        return map;
      } finally {
        this.#tokensLoading = null;
      }
    })();
    return this.#tokensLoading.then((map) => map.get(token));
  }

  invalidate(macs: readonly string[] | '*'): void {
    this.#epoch++;
    this.#tokens = null;
    this.#loading.clear();
    if (macs === '*') this.#byMac.clear();
    else for (const mac of macs) this.#byMac.delete(mac);
  }
}
