// The one decision point of phone-facing serving, shared by HTTP(S) and TFTP: identify the phone,
// apply probe protection and the tenant's provisioning security, then answer from the rendered-
// file cache. Rules:
//   - an unknown MAC never gets a secret: only a vendor's neutral file (render(file, null)) or 404,
//     and it is recorded in the unknown-devices list;
//   - a device's files are served only within its tenant's rules (allowlist, URL token, Basic /
//     Digest credentials — the device's own when it has them, else the tenant's);
//   - TFTP carries no credentials and no token: a device whose tenant requires either is refused
//     over TFTP (its files are secrets behind those), the allowlist applies to TFTP too;
//   - probe evidence from TFTP (UDP, forgeable source) never refuses or slows a provisioned
//     phone's own files and never blocks HTTP (guard.ts);
//   - links inside files point where the phone reached cadran: the HTTP Host, or for TFTP the
//     local address the request arrived on with the HTTP port; the public URL wins when set.
// `serve` answers synchronously when everything it needs is in memory (the device directory and
// the rendered file): the boot-storm hot path awaits nothing. Only a miss reads the store, and
// then `serve` returns a promise.
import { vendorById } from '../../vendors/index.ts';
import type { NetworkProfile, TemplateSource } from '../../vendors/types.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { PhoneMetrics } from '../metrics.ts';
import type { Store } from '../store/types.ts';
import type { ChangeFeed } from '../service/changes.ts';
import type { PhoneFileProvider, PhoneFileRequest } from './types.ts';
import type { Guard, GuardVerdict } from './guard.ts';
import { NonceIssuer, allowed, challenge, checkAuthorization, normalizeIp, presentedUsername, sameSecret, type Credentials } from './security.ts';
import { adoptsBeforeServe } from '../domain/schemas.ts';
import { snapshotOwner, type ActivityRecorder } from './activity.ts';
import { RenderCache, type CachedFile, type SharedRender } from './cache.ts';
import { DeviceDirectory, identifyPhone, type DeviceAccess, type PhoneIdentity, type TenantAccess } from './resolve.ts';
import { renderDeviceFile } from './render.ts';
import { CompanyDirectories, tenantsOf } from './company.ts';
import { applyPhoneReport, type PhoneFeatureEvent } from '../service/features.ts';

/** A phone request as the HTTP listener knows it (TFTP fills only the base fields). */
export interface PhoneRequest extends PhoneFileRequest {
  /** `http` | `https` for the sightings; `protocol` stays 'http' for both. */
  scheme?: 'http' | 'https';
  method?: string;
  /** The request target as sent (Digest covers it). */
  uri?: string;
  authorization?: string;
  /** From `/p/<token>/<file>`. */
  urlToken?: string | null;
  /** URL root phones reach this listener under (links inside files); default: the configured one. */
  root?: string;
}

interface AnswerMeta {
  mac?: string;
  vendor?: string;
  model?: string;
  /** Why, for the log (the client only sees `reason`). */
  detail?: string;
  /** Slow-down applied before answering (probe protection). */
  delayMs?: number;
}

export type PhoneAnswer =
  | ({ status: 200; body: Buffer; contentType: string; file: CachedFile; private: boolean } & AnswerMeta)
  | ({ status: 401; reason: string; wwwAuthenticate: string } & AnswerMeta)
  | ({ status: 403 | 404; reason: string } & AnswerMeta)
  | ({ status: 429; reason: string; retryAfterSeconds: number } & AnswerMeta);

export interface PhoneServiceDeps {
  store: Store;
  templates: TemplateSource & { generation?(): number };
  changes: ChangeFeed;
  config: Pick<Config, 'publicUrl' | 'httpPort'>;
  /** The installation level of the phone profile (server/domain/profile.ts); absent: none. */
  defaults?: NetworkProfile;
  guard: Guard;
  activity: ActivityRecorder;
  /** Shared by every phone process so Digest nonces issued by one are valid in another. */
  digestSecret: Buffer;
  /** The port phone HTTP really listens on (config.httpPort may be 0: chosen by the OS). */
  httpPort?: () => number;
  log: Pick<Logger, 'warn'>;
  /**
   * Close a device's enrolment window for this fetch (atomically, in the process that owns the
   * database: a phone worker asks the primary). True when this fetch closed it. Default: the store.
   */
  enrol?: (mac: string, ip: string) => Promise<boolean>;
  /** Cache hits and misses, render time (plain counters: nothing allocated on a hit). */
  metrics?: Pick<PhoneMetrics, 'cacheHit' | 'cacheMiss' | 'renderSeconds'>;
  /**
   * Several processes serve phones (phone workers): each fresh render is offered to the others
   * (`publish`), stamped with the change sequence this process has applied (`seq`).
   */
  sharing?: { publish(f: SharedRender): void; seq(): number };
}

/** The answer to a phone's report (action URL): done, or refused like a config fetch would be. */
export type ReportAnswer =
  | ({ status: 200; changed: boolean } & AnswerMeta)
  | Exclude<PhoneAnswer, { status: 200 }>;

export interface PhoneService {
  /**
   * A toggle the phone reports (DND / forward on or off) through its action URL: the request is
   * authenticated exactly as a config fetch of that phone (tenant allowlist, URL token, Basic or
   * Digest credentials, probe protection); then the stored settings of its user follow.
   */
  report(req: PhoneRequest, mac: string, event: PhoneFeatureEvent): Promise<ReportAnswer>;
  /** A plain answer on a cache hit; a promise only when the store or a render is needed. */
  serve(req: PhoneRequest): PhoneAnswer | Promise<PhoneAnswer>;
  /** The same decisions for the TFTP listener (slow-down applied by waiting). */
  provider(req: PhoneFileRequest): Promise<PhoneAnswer>;
  /** The URL root used when a request brings none (TFTP, `cadran render`). */
  defaultRoot: string;
  /** Drop cached files of these devices (changes made in another process). */
  invalidate(macs: readonly string[] | '*'): void;
  /** Keep a file another phone process rendered (its relay checked it is still current). */
  adopt(f: SharedRender): boolean;
  /** What the rendered-file cache holds (entries, bytes charged). */
  cacheStats(): { entries: number; bytes: number };
  close(): void;
}

const NOT_FOUND = 'file not found';

/** Same root as `cadran render` (server/cli/common.ts publicRoot), so both give the same bytes. */
export function configuredRoot(config: Pick<Config, 'publicUrl' | 'httpPort'>): string {
  return config.publicUrl ?? `http://localhost:${config.httpPort}/`;
}

/** `http://<address>:<port>/` for a local address (IPv6 in brackets, IPv4-mapped as IPv4). */
export function rootForAddress(address: string, port: number): string {
  const a = address.startsWith('::ffff:') && /^[0-9.]+$/.test(address.slice(7)) ? address.slice(7) : address;
  return `http://${a.includes(':') ? `[${a}]` : a}:${port}/`;
}

/** The challenge a device's tenant answers with when credentials are missing (Digest unless it uses Basic). */
const challengeMode = (a: DeviceAccess): 'basic' | 'digest' => (a.tenant.security.auth?.mode === 'basic' ? 'basic' : 'digest');

/** The 429 of probe protection; `spoofable`: decided on TFTP evidence, for TFTP probes only. */
function probeRefusal(verdict: Extract<GuardVerdict, { blocked: true }>, meta: AnswerMeta = {}): PhoneAnswer {
  return {
    status: 429,
    reason: 'too many requests',
    retryAfterSeconds: verdict.retryAfterSeconds,
    ...meta,
    detail: verdict.spoofable ? 'TFTP probes refused from this address (probe protection)' : 'client blocked by probe protection',
  };
}

export function createPhoneService(deps: PhoneServiceDeps): PhoneService {
  const cache = new RenderCache({
    ...(deps.templates.generation ? { generation: () => deps.templates.generation!() } : {}),
    ...(deps.sharing ? { share: deps.sharing.publish, seq: deps.sharing.seq } : {}),
  });
  const directory = new DeviceDirectory(deps.store);
  const nonces = new NonceIssuer(deps.digestSecret);
  const defaultRoot = configuredRoot(deps.config);
  const rootOf = (req: PhoneRequest): string => {
    if (req.root) return req.root;
    if (deps.config.publicUrl || !req.localAddress) return defaultRoot;
    return rootForAddress(req.localAddress, deps.httpPort?.() ?? deps.config.httpPort);
  };
  const company = new CompanyDirectories(deps.store);
  const invalidate = (macs: readonly string[] | '*'): void => {
    // Before the device directory forgets them: the tenants of the phones named.
    company.invalidate(tenantsOf(macs, (mac) => directory.peek(mac)?.device.tenantId));
    directory.invalidate(macs);
    cache.invalidate(macs);
  };
  const unsubscribe = deps.changes.onChange((c) => invalidate(c.macs));
  const renderDeps = { ...deps, company };

  const metrics = deps.metrics;
  /** A render on a cache miss, timed (what joins a render under way is a miss, not timed twice). */
  const timed = <T>(render: () => T | Promise<T>): (() => Promise<T>) => {
    if (!metrics) return async () => render();
    return async () => {
      const t0 = performance.now();
      try {
        return await render();
      } finally {
        metrics.renderSeconds((performance.now() - t0) / 1000);
      }
    };
  };

  const neutral = (id: PhoneIdentity, file: string, root: string): CachedFile | null | Promise<CachedFile | null> => {
    const vendor = id.vendor ? vendorById(id.vendor) : undefined;
    if (!vendor) return null;
    const group = `@${vendor.id}\n${file}`;
    const key = `${group}\n${root}`;
    const hit = cache.peek(key);
    if (hit) {
      metrics?.cacheHit();
      return hit;
    }
    metrics?.cacheMiss();
    return cache.get(key, null, timed(() => vendor.render(file, null, deps.templates)), group);
  };

  const ok = (f: CachedFile, isPrivate: boolean, meta: AnswerMeta): PhoneAnswer => ({
    status: 200,
    body: f.body,
    contentType: f.contentType,
    file: f,
    private: isPrivate,
    ...meta,
  });

  /** Whether the device may enrol now, from this address (adopt before serve). */
  const enrolmentOpen = (a: DeviceAccess, ip: string): boolean => {
    const until = a.device.enrolUntil;
    if (!until || !adoptsBeforeServe(a.tenant.security) || Date.parse(until) <= Date.now()) return false;
    return !a.enrolmentAllowlist || allowed(a.enrolmentAllowlist, ip);
  };

  const enrol =
    deps.enrol ??
    (async (mac: string, ip: string): Promise<boolean> => {
      const closed = await deps.store.devices.claimEnrolment(mac, new Date().toISOString(), ip);
      if (closed) deps.changes.devicesChanged([mac], 'device enrolled');
      return closed;
    });

  /**
   * The tenant's rules for one device: null when the request may have its files, `enrol` when it
   * may have them as the device's one enrolment fetch, else the refusal.
   */
  const refuse = (a: DeviceAccess, req: PhoneRequest, ip: string, meta: AnswerMeta): PhoneAnswer | null | 'enrol' => {
    const sec = a.tenant.security;
    if (a.allowlist && !allowed(a.allowlist, ip)) {
      deps.guard.strike(ip, 'auth', '', Date.now(), req.protocol === 'tftp');
      return { status: 403, reason: 'forbidden', ...meta, detail: `address not in the allowlist of tenant ${a.tenant.id}` };
    }
    const mode = sec.auth?.mode ?? 'none';
    if (req.protocol === 'tftp') {
      if (sec.urlToken) {
        return { status: 403, reason: 'access violation: use HTTP(S) for this phone', ...meta, detail: `tenant ${a.tenant.id} requires a URL token` };
      }
      if (mode === 'none') return null;
      // TFTP carries no credentials: only the enrolment fetch, during the window.
      if (enrolmentOpen(a, ip)) return 'enrol';
      return { status: 403, reason: 'access violation: use HTTP(S) for this phone', ...meta, detail: `tenant ${a.tenant.id} requires credentials` };
    }
    // A token names one tenant: it never opens another tenant's device, and a tenant with a
    // token serves its devices only under it.
    const token = req.urlToken ?? null;
    if (sec.urlToken ? token === null || !sameSecret(token, sec.urlToken) : token !== null) {
      deps.guard.strike(ip, 'unknown', `token:${token ?? ''}`);
      return { status: 404, reason: NOT_FOUND, ...meta, detail: 'URL token does not match the device tenant' };
    }
    if (mode === 'none') return null;
    const adopt = adoptsBeforeServe(sec);
    // The device's own credentials (every device has generated ones), and — for a tenant that
    // does not adopt before serving and shares one pair — the tenant's: its phones already carry
    // those (existing tenants keep their mode). The name the request presents picks one.
    const own: Credentials | null =
      a.device.provisioningUsername && a.device.provisioningPassword
        ? { username: a.device.provisioningUsername, password: a.device.provisioningPassword }
        : null;
    const shared: Credentials | null =
      !adopt && !sec.auth?.perDevice && sec.auth?.username && sec.auth.password ? { username: sec.auth.username, password: sec.auth.password } : null;
    const expected: Credentials | null =
      own && shared ? (presentedUsername(req.authorization) === shared.username && shared.username !== own.username ? shared : own) : (own ?? shared);
    const outcome = expected
      ? checkAuthorization(mode, req.authorization, expected, { method: req.method ?? 'GET', uri: req.uri ?? `/${req.file}` }, nonces)
      : req.authorization
        ? 'wrong'
        : 'missing';
    if (outcome === 'ok') {
      // The phone has its credentials: it is enrolled, whatever window is still open.
      if (a.device.enrolUntil) enrol(a.device.mac, ip).catch(() => undefined);
      return null;
    }
    // During the window, a fetch without the device's credentials (a new phone, or one that still
    // has the credentials that were just rotated) is the enrolment fetch.
    if (enrolmentOpen(a, ip)) return 'enrol';
    if (outcome === 'wrong') deps.guard.strike(ip, 'auth');
    return unauthorized(a, mode, outcome, expected !== null, meta);
  };

  const unauthorized = (a: DeviceAccess, mode: 'basic' | 'digest', outcome: string, configured: boolean, meta: AnswerMeta): PhoneAnswer => ({
    status: 401,
    reason: 'authentication required',
    wwwAuthenticate: challenge(mode, nonces, outcome === 'stale'),
    ...meta,
    detail: configured ? `authentication ${outcome}` : `tenant ${a.tenant.id} requires credentials but none are configured for this device`,
  });

  /** The answer for a device's file (null: the vendor has no such file), with its sighting. */
  const deviceAnswer = (f: CachedFile | null, access: DeviceAccess, req: PhoneRequest, id: PhoneIdentity, ip: string, root: string, meta: AnswerMeta): PhoneAnswer => {
    if (!f) return { status: 404, reason: NOT_FOUND, ...meta, detail: 'not a file of this phone' };
    const mac = access.device.mac;
    const at = new Date().toISOString();
    deps.activity.sighting({
      mac,
      at,
      ip,
      userAgent: req.userAgent?.slice(0, 256) ?? null,
      firmware: id.firmware,
      file: req.file,
      protocol: req.scheme ?? req.protocol,
      model: id.model,
    });
    // What the phone got (a 304 too: it holds these bytes), for its config state (fleet.ts).
    // Tagged with whom it was rendered for: the preview shows it to that owner only (a phone moved
    // to another tenant or user must not show the new one what the old one had).
    deps.activity.served({ mac, file: req.file, etag: f.etag, root, at }, f.body, snapshotOwner(access.device));
    return ok(f, true, meta);
  };

  /**
   * The enrolment fetch (adopt before serve): a file without a secret is served as it is; the
   * first file with one (it carries the device's credentials) closes the window atomically —
   * another fetch that raced it, or any later one without credentials, gets 401 and no secret.
   */
  const enrolmentAnswer = async (f: CachedFile | null, access: DeviceAccess, req: PhoneRequest, id: PhoneIdentity, ip: string, root: string, meta: AnswerMeta): Promise<PhoneAnswer> => {
    if (f && f.sensitive) {
      const mode = challengeMode(access);
      let closed = false;
      try {
        closed = await enrol(access.device.mac, ip);
      } catch (err) {
        deps.log.warn({ err: err instanceof Error ? err.message : String(err), mac: access.device.mac }, 'enrolment could not be recorded');
      }
      if (!closed) {
        if (req.protocol === 'tftp') return { status: 403, reason: 'access violation: use HTTP(S) for this phone', ...meta, detail: 'enrolment already used' };
        return unauthorized(access, mode, 'missing', true, { ...meta, detail: 'enrolment already used' });
      }
      meta.detail = `enrolment fetch: device ${access.device.mac} enrolled from ${ip}`;
    }
    return deviceAnswer(f, access, req, id, ip, root, meta);
  };

  /** A known device's file, once its tenant's rules let the request through. */
  const deviceFile = (access: DeviceAccess, req: PhoneRequest, id: PhoneIdentity, ip: string, root: string, meta: AnswerMeta, verdict: GuardVerdict): PhoneAnswer | Promise<PhoneAnswer> => {
    meta.vendor = access.device.vendor;
    meta.model = access.device.model;
    // A provisioned phone's own files: what forged datagrams caused does not apply.
    if (verdict.spoofable) delete meta.delayMs;
    const decision = refuse(access, req, ip, meta);
    if (decision !== null && decision !== 'enrol') return decision;
    const mac = access.device.mac;
    const group = `${mac}\n${req.file}`;
    const key = `${group}\n${root}`;
    const answer = (f: CachedFile | null) => (decision === 'enrol' ? enrolmentAnswer(f, access, req, id, ip, root, meta) : deviceAnswer(f, access, req, id, ip, root, meta));
    const hit = cache.peek(key);
    if (hit) {
      metrics?.cacheHit();
      return answer(hit);
    }
    metrics?.cacheMiss();
    return Promise.resolve(cache.get(key, mac, timed(() => renderDeviceFile(renderDeps, mac, req.file, root)), group)).then(answer);
  };

  /** Seen, unknown: recorded for an operator to claim; at most a neutral file. */
  const unknownDevice = (req: PhoneRequest, id: PhoneIdentity & { mac: string }, ip: string, root: string, meta: AnswerMeta, verdict: GuardVerdict): PhoneAnswer | Promise<PhoneAnswer> => {
    deps.activity.unknown({
      mac: id.mac,
      vendor: id.vendor,
      model: id.model,
      ip,
      userAgent: req.userAgent?.slice(0, 256) ?? null,
      lastSeen: new Date().toISOString(),
    });
    deps.guard.strike(ip, 'unknown', id.mac, Date.now(), req.protocol === 'tftp');
    if (verdict.blocked) return probeRefusal(verdict, meta);
    const answer = (f: CachedFile | null): PhoneAnswer => (f ? ok(f, false, meta) : { status: 404, reason: NOT_FOUND, ...meta, detail: 'unknown device' });
    const file = (): PhoneAnswer | Promise<PhoneAnswer> => {
      const f = neutral(id, req.file, root);
      return f instanceof Promise ? f.then(answer) : answer(f);
    };
    if (!req.urlToken) return file();
    const byToken = (t: TenantAccess | undefined): PhoneAnswer | Promise<PhoneAnswer> =>
      t ? file() : { status: 404, reason: NOT_FOUND, ...meta, detail: 'unknown URL token' };
    const t = directory.tenantOfToken(req.urlToken);
    return t instanceof Promise ? t.then(byToken) : byToken(t);
  };

  /** No MAC: a file shared by every phone of a vendor, always neutral. */
  const sharedFile = (req: PhoneRequest, id: PhoneIdentity, ip: string, root: string, meta: AnswerMeta, verdict: GuardVerdict): PhoneAnswer | Promise<PhoneAnswer> => {
    if (verdict.blocked) return probeRefusal(verdict, meta);
    const answer = (f: CachedFile | null): PhoneAnswer => {
      if (!f) {
        if (!id.vendor) deps.guard.strike(ip, 'unknown', `file:${req.file}`, Date.now(), req.protocol === 'tftp');
        return { status: 404, reason: NOT_FOUND, ...meta, detail: id.vendor ? 'not a file of this vendor' : 'no vendor recognises this request' };
      }
      return ok(f, false, meta);
    };
    const file = (): PhoneAnswer | Promise<PhoneAnswer> => {
      const f = id.vendor ? neutral(id, req.file, root) : null;
      return f instanceof Promise ? f.then(answer) : answer(f);
    };
    if (!req.urlToken) return file();
    const token = req.urlToken;
    const byToken = (t: TenantAccess | undefined): PhoneAnswer | Promise<PhoneAnswer> => {
      if (!t) {
        deps.guard.strike(ip, 'unknown', `token:${token}`);
        return { status: 404, reason: NOT_FOUND, ...meta, detail: 'unknown URL token' };
      }
      if (t.allowlist && !allowed(t.allowlist, ip)) {
        deps.guard.strike(ip, 'auth');
        return { status: 403, reason: 'forbidden', ...meta, detail: `address not in the allowlist of tenant ${t.tenant.id}` };
      }
      return file();
    };
    const t = directory.tenantOfToken(token);
    return t instanceof Promise ? t.then(byToken) : byToken(t);
  };

  const serve = (req: PhoneRequest): PhoneAnswer | Promise<PhoneAnswer> => {
    const ip = normalizeIp(req.remoteAddress);
    const verdict = deps.guard.check(ip, Date.now(), req.protocol === 'tftp');
    // Evidence over TCP blocks everything at once; UDP evidence is applied further on, only to
    // requests that do not name a provisioned phone.
    if (verdict.blocked && !verdict.spoofable) return probeRefusal(verdict);
    const delay = !verdict.blocked && verdict.delayMs > 0 ? { delayMs: verdict.delayMs } : {};
    const id = identifyPhone(req.file, req.userAgent, req.query);
    const root = rootOf(req);
    const meta: AnswerMeta = {
      ...delay,
      ...(id.mac ? { mac: id.mac } : {}),
      ...(id.vendor ? { vendor: id.vendor } : {}),
      ...(id.model ? { model: id.model } : {}),
    };
    const mac = id.mac;
    if (!mac) return sharedFile(req, id, ip, root, meta, verdict);
    const known = directory.peek(mac);
    if (known) return deviceFile(known, req, id, ip, root, meta, verdict);
    return directory
      .load(mac)
      .then((access) => (access ? deviceFile(access, req, id, ip, root, meta, verdict) : unknownDevice(req, { ...id, mac }, ip, root, meta, verdict)));
  };

  const report = async (req: PhoneRequest, mac: string, event: PhoneFeatureEvent): Promise<ReportAnswer> => {
    const ip = normalizeIp(req.remoteAddress);
    const verdict = deps.guard.check(ip, Date.now(), false);
    if (verdict.blocked) return probeRefusal(verdict, { mac }) as Exclude<PhoneAnswer, { status: 200 }>;
    const meta: AnswerMeta = { mac, ...(verdict.delayMs > 0 ? { delayMs: verdict.delayMs } : {}) };
    const access = directory.peek(mac) ?? (await directory.load(mac));
    if (!access) {
      // Reports for phones cadran does not know are probes: counted like unknown MACs.
      deps.guard.strike(ip, 'unknown', mac);
      return { status: 404, reason: NOT_FOUND, ...meta, detail: 'report for an unknown device' };
    }
    meta.vendor = access.device.vendor;
    meta.model = access.device.model;
    // A report carries the phone's credentials: the enrolment fetch is for files (refuse() answers
    // 'enrol' during an open window, which is not an answer to a report).
    const decision = refuse(access, req, ip, meta);
    if (decision === 'enrol') {
      return unauthorized(access, challengeMode(access), 'missing', true, meta) as Exclude<PhoneAnswer, { status: 200 }>;
    }
    if (decision) return decision as Exclude<PhoneAnswer, { status: 200 }>;
    const r = await applyPhoneReport({ store: deps.store, changes: deps.changes }, mac, event, { address: ip });
    return { status: 200, changed: r.changed, ...meta, detail: r.user ? `${event} for ${r.user}${r.changed ? '' : ' (no change)'}` : `${event}: the phone has no user` };
  };

  const provider = async (req: PhoneFileRequest): Promise<PhoneAnswer> => {
    const a = await serve(req);
    if (a.delayMs) await new Promise((r) => setTimeout(r, a.delayMs));
    return a;
  };
  provider satisfies PhoneFileProvider;

  return {
    serve,
    report,
    provider,
    defaultRoot,
    invalidate,
    adopt: (f) => cache.adopt(f),
    cacheStats: () => ({ entries: cache.size, bytes: cache.bytes }),
    close: unsubscribe,
  };
}
