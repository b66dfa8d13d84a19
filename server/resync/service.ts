// Resync as a service: who may resync what, where each phone's NOTIFY goes, and the one engine
// per running installation (started by the resync feature, or by `cadran resync` for one job).
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../app-context.ts';
import { describe, isOperator, requireDeviceAccess, requireTenantAdmin, requireUserAccess, type Principal } from '../auth/principal.ts';
import { DomainError, invalid, notFound } from '../domain/errors.ts';
import { formatMac, normalizeMac } from '../domain/mac.ts';
import { onPhoneFetch } from '../provision/activity.ts';
import type { SqliteStore } from '../store/sqlite.ts';
import type { Device, Sighting, Tenant, User } from '../store/types.ts';
import { SqliteResyncStore, type StoredTarget, type UnsendableTarget } from '../store/resync.ts';
import { vendorById } from '../../vendors/index.ts';
import { hostPort } from './message.ts';
import { ResyncEngine, type ResyncChange } from './resync.ts';
import { SipClient } from './transaction.ts';
import { openUdpTransport, type SipTransport } from './transport.ts';
import { summarizeJob } from './summary.ts';
import type { ResyncJobSummary, ResyncState, ResyncTargetRecord } from './types.ts';

/** SIP port a phone listens on when we send straight to it (no proxy): the usual 5060. */
export const PHONE_SIP_PORT = 5060;

export const NEVER_SEEN = 'never seen: no address to send the NOTIFY to';
export const NO_LINE = 'no line assigned: the proxy cannot route a NOTIFY without an auth name';

export interface ResyncRuntime {
  engine: ResyncEngine;
  store: SqliteResyncStore;
  transport: SipTransport;
  close(): Promise<void>;
}

export interface StartResyncOptions {
  /** UDP port to send from; default config.sip.bindPort (the CLI uses 0: a server may hold it). */
  bindPort?: number;
  /** Queue again what a previous run left queued or in flight (the server does, the CLI not). */
  recover?: boolean;
  onChange?: (c: ResyncChange) => void;
}

const runtimes = new WeakMap<AppContext, ResyncRuntime>();

/** The resync store of this installation (jobs can be read and cancelled without an engine). */
export function resyncStore(app: AppContext): SqliteResyncStore {
  return runtimes.get(app)?.store ?? new SqliteResyncStore((app.store as SqliteStore).db);
}

/** Opens the UDP socket, builds the engine over the SQLite job store, follows phone fetches. */
export async function startResync(app: AppContext, opts: StartResyncOptions = {}): Promise<ResyncRuntime> {
  if (runtimes.has(app)) throw new Error('resync is already running for this installation');
  const log = app.log.child({ concern: 'resync' });
  const store = new SqliteResyncStore((app.store as SqliteStore).db);
  const { sip } = app.config;
  const transport = await openUdpTransport({
    bindHost: sip.bindHost,
    port: opts.bindPort ?? sip.bindPort,
    onError: (err) => log.warn({ err }, 'SIP socket error'),
  });
  const client = new SipClient({ transport });
  const engine = new ResyncEngine({
    store,
    sender: client,
    ratePerTenant: sip.ratePerTenant,
    globalRate: sip.globalRate,
    onChange: (c) => {
      log.debug({ job: c.jobId, mac: c.deviceMac, state: c.state, code: c.code, reason: c.reason }, 'resync target');
      opts.onChange?.(c);
    },
    onError: (err) => log.error({ err }, 'resync engine error'),
  });
  const unsubscribe = onPhoneFetch(app.store, (f) => {
    const at = Date.parse(f.at);
    engine.markConfigFetched(f.mac, Number.isNaN(at) ? undefined : at);
  });
  const runtime: ResyncRuntime = {
    engine,
    store,
    transport,
    close: async () => {
      runtimes.delete(app);
      unsubscribe();
      engine.close();
      client.close();
      await transport.close();
    },
  };
  runtimes.set(app, runtime);
  if (opts.recover) {
    const n = engine.recover();
    if (n > 0) log.info({ targets: n }, 'resync: queued again what the last run left unsent');
  }
  log.info({ host: transport.local.host, port: transport.local.port }, 'resync SIP socket open');
  return runtime;
}

function engineOf(app: AppContext): ResyncRuntime {
  const r = runtimes.get(app);
  if (!r) throw new DomainError('conflict', 'resync is not running on this server (the resync feature is not started)');
  return r;
}

export interface ResyncOptions {
  /** The phone reboots instead of only checking its configuration. */
  reboot?: boolean;
}

/** A SIP URI user part: what is not allowed there is percent-encoded (RFC 3261 §25.1 `user`). */
function uriUser(name: string): string {
  return name.replace(/[^A-Za-z0-9\-_.!~*'()&=+$,;?/]/g, (c) =>
    [...Buffer.from(c, 'utf8')].map((b) => '%' + b.toString(16).toUpperCase().padStart(2, '0')).join(''),
  );
}

/** An IPv4-mapped IPv6 address (`::ffff:10.0.0.5`) as the IPv4 address the phone has. */
function plainIp(ip: string): string {
  return ip.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1');
}

export type PlannedTarget = { send: Omit<StoredTarget, 'jobId' | 'tenantId'> } | { fail: UnsendableTarget };

/**
 * Where one phone's NOTIFY goes. Through the tenant's outbound proxy when there is one (phones
 * behind NAT are reachable only through their registration), Request-URI `sip:<auth name>@<domain>`;
 * otherwise straight to the address it last fetched its files from, on the phone's SIP port.
 */
export function planTarget(device: Device, tenant: Tenant, user: User | undefined, seen: Sighting | undefined, reboot: boolean, phonePort = PHONE_SIP_PORT): PlannedTarget {
  const vendor = vendorById(device.vendor);
  const fail = (reason: string): PlannedTarget => ({ fail: { deviceMac: device.mac, tenantId: device.tenantId, reason } });
  if (!vendor) return fail(`unknown vendor "${device.vendor}"`);
  const base = {
    deviceMac: device.mac,
    event: vendor.notifyEvent(reboot),
    fromDomain: tenant.sipDomain,
    ...(user ? { credentials: { username: user.sipAuthName, password: user.sipPassword }, userNumber: user.number } : {}),
  };
  if (tenant.sipProxy) {
    if (!user) return fail(NO_LINE);
    return { send: { ...base, target: { host: tenant.sipProxy, port: tenant.sipPort }, requestUri: `sip:${uriUser(user.sipAuthName)}@${tenant.sipDomain}` } };
  }
  if (!seen) return fail(NEVER_SEEN);
  const ip = plainIp(seen.ip);
  const at = hostPort(ip, phonePort);
  return { send: { ...base, target: { host: ip, port: phonePort }, requestUri: user ? `sip:${uriUser(user.sipAuthName)}@${at}` : `sip:${at}` } };
}

export interface ResyncSubmitted {
  id: string;
  jobId: string;
  tenant: string;
  /** Devices whose NOTIFY is queued. */
  queued: number;
  /** Devices recorded `failed` at once (never seen, no line). */
  failed: number;
  total: number;
}

function submit(app: AppContext, p: Principal, tenantId: string, label: string, devices: Device[], opts: ResyncOptions): ResyncSubmitted {
  const rt = engineOf(app);
  const tenant = app.store.tenants.get(tenantId);
  if (!tenant) throw notFound(`tenant "${tenantId}"`);
  const reboot = opts.reboot === true;
  const send: Array<Omit<StoredTarget, 'jobId' | 'tenantId'>> = [];
  const fail: UnsendableTarget[] = [];
  for (const d of devices) {
    const user = d.userNumber ? app.store.users.get(d.userNumber) : undefined;
    const plan = planTarget(d, tenant, user, app.store.sightings.get(d.mac), reboot);
    if ('send' in plan) send.push(plan.send);
    else fail.push(plan.fail);
  }
  const jobId = randomUUID();
  app.store.transaction(() => {
    if (send.length > 0) {
      try {
        rt.engine.submit({ jobId, tenantId, label, targets: send });
      } catch (err) {
        // The engine names the target and field, or says the queue is full.
        throw new DomainError(/queue is full/.test(String(err)) ? 'too_many_requests' : 'validation_failed', err instanceof Error ? err.message : String(err));
      }
    } else {
      rt.store.createJob({ jobId, tenantId, label, createdAt: Date.now() }, []);
    }
    rt.store.addUnsendable(jobId, fail, Date.now());
    rt.store.setJobMeta(jobId, { reboot, requestedBy: describe(p) });
  });
  app.log.info({ job: jobId, tenant: tenantId, scope: label, queued: send.length, failed: fail.length, by: describe(p) }, 'resync job');
  return { id: jobId, jobId, tenant: tenantId, queued: send.length, failed: fail.length, total: send.length + fail.length };
}

/** One phone: its user (read access to the phone is enough), an admin of its tenant, an operator. */
export function resyncDevice(app: AppContext, p: Principal, rawMac: string, opts: ResyncOptions = {}): ResyncSubmitted {
  const mac = normalizeMac(rawMac);
  const d = app.store.devices.get(mac);
  if (!d) throw notFound(`device ${formatMac(mac)}`);
  requireDeviceAccess(p, d, false);
  return submit(app, p, d.tenantId, `device ${mac}`, [d], opts);
}

/** Every phone of a user: the user themself, an admin of their tenant, an operator. */
export function resyncUser(app: AppContext, p: Principal, number: string, opts: ResyncOptions = {}): ResyncSubmitted {
  const u = app.store.users.get(number);
  if (!u) throw notFound(`user ${number}`);
  requireUserAccess(p, u);
  const devices = app.store.devices.list({ userNumber: u.number });
  if (devices.length === 0) throw invalid('user', `user ${u.number} has no phone to resync`);
  return submit(app, p, u.tenantId, `user ${u.number}`, devices, opts);
}

/** Every phone of a tenant: an admin of that tenant, an operator. */
export function resyncTenant(app: AppContext, p: Principal, tenantId: string, opts: ResyncOptions = {}): ResyncSubmitted {
  if (!app.store.tenants.get(tenantId)) throw notFound(`tenant "${tenantId}"`);
  requireTenantAdmin(p, tenantId);
  const devices = app.store.devices.list({ tenantId });
  if (devices.length === 0) throw invalid('tenant', `tenant "${tenantId}" has no phone to resync`);
  return submit(app, p, tenantId, `tenant ${tenantId}`, devices, opts);
}

/**
 * Resync the phones a change touched (`?resync=true` on an API write): one job per tenant, each
 * phone checked against the caller's access like resyncDevice. Returns the jobs queued.
 */
export function resyncMacs(app: AppContext, p: Principal, macs: Iterable<string>, reason: string, opts: ResyncOptions = {}): ResyncSubmitted[] {
  const byTenant = new Map<string, Device[]>();
  for (const mac of new Set(macs)) {
    const d = app.store.devices.get(mac);
    if (!d) continue; // deleted by the change
    requireDeviceAccess(p, d, false);
    const list = byTenant.get(d.tenantId);
    if (list) list.push(d);
    else byTenant.set(d.tenantId, [d]);
  }
  return [...byTenant].map(([tenantId, devices]) =>
    submit(app, p, tenantId, devices.length === 1 ? `device ${devices[0]!.mac}` : `change ${reason}`, devices, opts),
  );
}

export interface ResyncDeviceView {
  mac: string;
  state: ResyncState;
  code?: number;
  reason?: string;
  sentAt?: string;
  fetchedAt?: string;
  updatedAt: string;
}

export interface ResyncJobView {
  id: string;
  jobId: string;
  tenant: string;
  scope: string;
  scopeId: string;
  label: string;
  reboot: boolean;
  requestedBy: string | null;
  createdAt: string;
  cancelledAt: string | null;
  /** running | finished | cancelled */
  state: 'running' | 'finished' | 'cancelled';
  finished: boolean;
  total: number;
  counts: Record<ResyncState, number>;
  targets: ResyncDeviceView[];
  devices: ResyncDeviceView[];
}

export type ResyncJobListItem = Omit<ResyncJobView, 'targets' | 'devices'>;

const isoOf = (t: number): string => new Date(t).toISOString();

function deviceView(r: ResyncTargetRecord): ResyncDeviceView {
  return {
    mac: formatMac(r.deviceMac),
    state: r.state,
    ...(r.code !== undefined ? { code: r.code } : {}),
    ...(r.reason !== undefined ? { reason: r.reason } : {}),
    ...(r.sentAt !== undefined ? { sentAt: isoOf(r.sentAt) } : {}),
    ...(r.fetchedAt !== undefined ? { fetchedAt: isoOf(r.fetchedAt) } : {}),
    updatedAt: isoOf(r.updatedAt),
  };
}

function summaryView(app: AppContext, s: ResyncJobSummary): ResyncJobListItem {
  const meta = resyncStore(app).jobMeta(s.jobId);
  return {
    id: s.jobId,
    jobId: s.jobId,
    tenant: s.tenantId,
    scope: meta?.scope ?? 'job',
    scopeId: meta?.scopeId ?? '',
    label: s.label ?? '',
    reboot: meta?.reboot ?? false,
    requestedBy: meta?.requestedBy ?? null,
    createdAt: isoOf(s.createdAt),
    cancelledAt: s.cancelledAt !== undefined ? isoOf(s.cancelledAt) : null,
    state: s.cancelledAt !== undefined ? 'cancelled' : s.finished ? 'finished' : 'running',
    finished: s.finished,
    total: s.total,
    counts: s.counts,
  };
}

/**
 * Who may see or cancel a job: operators; admins of its tenant; a user for the jobs they asked
 * for. Others learn nothing (404).
 */
function requireJobAccess(app: AppContext, p: Principal, jobId: string, tenantId: string): void {
  if (isOperator(p)) return;
  if (p.kind === 'user' && p.tenantId === tenantId && (p.role === 'admin' || resyncStore(app).jobMeta(jobId)?.requestedBy === describe(p))) return;
  throw notFound(`resync job ${jobId}`);
}

export function getResyncJob(app: AppContext, p: Principal, id: string): ResyncJobView {
  const found = resyncStore(app).getJob(String(id));
  if (!found) throw notFound(`resync job ${id}`);
  requireJobAccess(app, p, found.job.jobId, found.job.tenantId);
  const devices = found.targets.map(deviceView);
  const summary = summarizeJob(found.job, found.targets.map((t) => t.state));
  return { ...summaryView(app, summary), targets: devices, devices };
}

export function listResyncJobs(app: AppContext, p: Principal, filter: { tenant?: string; limit?: number } = {}): ResyncJobListItem[] {
  const limit = filter.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw invalid('limit', 'must be an integer from 1 to 1000');
  const store = resyncStore(app);
  if (isOperator(p)) return store.listJobs({ tenantId: filter.tenant, limit }).map((s) => summaryView(app, s));
  if (p.kind !== 'user') return [];
  const tenantId = filter.tenant ?? p.tenantId;
  if (tenantId !== p.tenantId) throw notFound(`tenant "${tenantId}"`);
  const requestedBy = p.role === 'admin' ? undefined : describe(p);
  return store.listJobs({ tenantId, limit, requestedBy }).map((s) => summaryView(app, s));
}

/** Stops what is not sent yet; NOTIFYs already sent finish. Returns the job as it is then. */
export function cancelResyncJob(app: AppContext, p: Principal, id: string): ResyncJobView & { cancelledTargets: number } {
  const store = resyncStore(app);
  const found = store.getJob(String(id));
  if (!found) throw notFound(`resync job ${id}`);
  requireJobAccess(app, p, found.job.jobId, found.job.tenantId);
  const rt = runtimes.get(app);
  const n = rt ? rt.engine.cancel(found.job.jobId) : store.cancelJob(found.job.jobId, Date.now()).length;
  app.log.info({ job: found.job.jobId, cancelled: n, by: describe(p) }, 'resync job cancelled');
  return { ...getResyncJob(app, p, found.job.jobId), cancelledTargets: n };
}
