// Resync as a service: who may resync what, where each phone's NOTIFY goes, the jobs as people
// see them, and the engine of this installation while it runs (started by the server's resync
// feature, or by `cadran resync` for one job). One ResyncService per app context: its state is a
// handle, not a module registry.
import { randomUUID } from 'node:crypto';
import { describe, isOperator, requireDeviceAccess, requireTenantAdmin, requireUserAccess, type Actor, type Principal } from '../auth/principal.ts';
import { recordAudit } from '../service/audit.ts';
import { DomainError, invalid, notFound } from '../domain/errors.ts';
import { formatMac, normalizeMac } from '../domain/mac.ts';
import { reasonCodeOf, resyncReason, summarizeJob, type ResyncJobSummary, type ResyncReasonCode, type ResyncScope, type ResyncState, type ResyncTarget, type ResyncTargetRecord, type UnsendableTarget } from '../domain/resync.ts';
import type { Message, MessageParams, Translate } from '../domain/messages.ts';
import type { Logger } from '../log.ts';
import type { Device, Sighting, Store, Tenant, User } from '../store/types.ts';
import { StoreError } from '../store/errors.ts';
import { hostPort } from '../sip/message.ts';
import { SipClient } from '../sip/transaction.ts';
import { openUdpTransport, type SipTransport } from '../sip/transport.ts';
import { vendorById } from '../../vendors/index.ts';
import { ResyncEngine, type ResyncChange } from './engine.ts';

/** SIP port a phone listens on when we send straight to it (no proxy): the usual 5060. */
export const PHONE_SIP_PORT = 5060;

/** No proxy, and the phone never fetched a file: there is no address to send the NOTIFY to. */
export const NEVER_SEEN: ResyncReasonCode = 'never_seen';
/** Through a proxy, but no licence on the phone: the proxy cannot route a NOTIFY without an auth name. */
export const NO_LINE: ResyncReasonCode = 'no_line';

export interface ResyncSettings {
  bindHost: string;
  bindPort: number;
  ratePerTenant: number;
  globalRate: number;
  /** How long a node's lease on resync targets holds unrenewed (s). Default 30. */
  leaseSeconds?: number;
  /** Targets waiting at most, in total and per tenant (defaults 100,000 and 20,000). */
  maxQueued?: number;
  maxQueuedPerTenant?: number;
}

/** Nodes beat this often; one silent for 3 beats no longer counts in the share of the rates. */
export const HEARTBEAT_MS = 2000;

export interface ResyncDeps {
  store: Store;
  log: Logger;
  sip: ResyncSettings;
  /**
   * Files provisioned phones fetched (PhoneFetches): a fetch after a NOTIFY marks it `fetched`;
   * `flush` writes the activity still pending (a phone seen a moment ago has an address).
   */
  fetches?: { onFetch(listener: (f: { mac: string; at: string }) => void): () => void; flush?(): Promise<void> };
}

export interface ResyncRuntime {
  engine: ResyncEngine;
  transport: SipTransport;
  close(): Promise<void>;
}

export interface StartResyncOptions {
  /** UDP port to send from; default sip.bindPort (the CLI uses 0: a server may hold it). */
  bindPort?: number;
  /** Queue again what a previous run left queued or in flight (the server does, the CLI not). */
  recover?: boolean;
  onChange?: (c: ResyncChange) => void;
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

export type PlannedTarget = { send: Omit<ResyncTarget, 'jobId' | 'tenantId'> } | { fail: UnsendableTarget };

/**
 * Where one phone's NOTIFY goes. Through the tenant's outbound proxy when there is one (phones
 * behind NAT are reachable only through their registration), Request-URI `sip:<auth name>@<domain>`;
 * otherwise straight to the address it last fetched its files from, on the phone's SIP port.
 */
export function planTarget(device: Device, tenant: Tenant, user: User | undefined, seen: Sighting | undefined, reboot: boolean, phonePort = PHONE_SIP_PORT): PlannedTarget {
  const vendor = vendorById(device.vendor);
  const fail = (reason: ResyncReasonCode): PlannedTarget => ({ fail: { deviceMac: device.mac, tenantId: device.tenantId, reason } });
  if (!vendor) return fail('unknown_vendor');
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

/** No SIP answer because the NOTIFY could not even leave (the stored reason says why). */
const NOT_SENT = new Set(['resync.reason.no_line', 'resync.reason.unknown_vendor', 'resync.reason.transport_error', 'resync.reason.send_failed']);

/**
 * The state as people read it: `never_seen` (no address known) and `not_sent` are not `failed`
 * (refused by the phone or proxy, with a SIP code).
 */
export function shownState(t: { state: string; code?: number | null; reason?: { key: string } | null }): string {
  if (t.state !== 'failed') return t.state;
  const key = t.reason?.key;
  if (key === 'resync.reason.never_seen') return 'never_seen';
  if (t.code == null && key && NOT_SENT.has(key)) return 'not_sent';
  return 'failed';
}
export interface ResyncDeviceView {
  mac: string;
  state: ResyncState;
  /** SIP final status, when the phone or proxy answered. */
  code?: number;
  /** Why (refused, never seen, no answer…) as a catalogue key; the edges translate it. */
  reason?: Message;
  /** The SIP reason phrase as the phone or proxy sent it. */
  sipReason?: string;
  sentAt?: string;
  fetchedAt?: string;
  updatedAt: string;
}

export interface ResyncJobView {
  id: string;
  jobId: string;
  tenant: string;
  scope: ResyncScope['kind'];
  scopeId: string;
  /** What the job covers, as a catalogue key (`resync.scope.device` with the MAC…). */
  label: Message;
  reboot: boolean;
  requestedBy: string | null;
  createdAt: string;
  cancelledAt: string | null;
  state: 'running' | 'finished' | 'cancelled';
  finished: boolean;
  total: number;
  counts: Record<ResyncState, number>;
  targets: ResyncDeviceView[];
  devices: ResyncDeviceView[];
}

export type ResyncJobListItem = Omit<ResyncJobView, 'targets' | 'devices'>;

/** A device's outcome as the edges give it: the reason translated, its key and parameters kept. */
export interface LocalizedDeviceView extends Omit<ResyncDeviceView, 'reason'> {
  reason?: string;
  reasonKey?: string;
  reasonParams?: MessageParams;
}

type Localized<J> = Omit<J, 'label' | 'targets' | 'devices'> & { label: string; labelKey: string } & (J extends { devices: unknown }
    ? { targets: LocalizedDeviceView[]; devices: LocalizedDeviceView[] }
    : unknown);

export function localizeDevice(d: ResyncDeviceView, t: Translate): LocalizedDeviceView {
  const { reason, ...rest } = d;
  if (!reason) return rest;
  return { ...rest, reason: t(reason.key, reason.params), reasonKey: reason.key, reasonParams: reason.params ?? {} };
}

/** A job (or a list item) in the reader's language: its label and every reason translated. */
export function localizeJob<J extends ResyncJobListItem & { devices?: ResyncDeviceView[]; targets?: ResyncDeviceView[] }>(job: J, t: Translate): Localized<J> {
  const { label, targets, devices, ...rest } = job;
  const out: Record<string, unknown> = { ...rest, label: t(label.key, label.params), labelKey: label.key };
  if (devices) {
    const localized = devices.map((d) => localizeDevice(d, t));
    out.devices = localized;
    out.targets = targets === devices ? localized : (targets ?? devices).map((d) => localizeDevice(d, t));
  }
  return out as Localized<J>;
}

const isoOf = (t: number): string => new Date(t).toISOString();

function deviceView(r: ResyncTargetRecord): ResyncDeviceView {
  const reason = resyncReason(r);
  const sipReason = r.code !== undefined && r.reason !== undefined && !reasonCodeOf(r.reason) ? r.reason : undefined;
  return {
    mac: formatMac(r.deviceMac),
    state: r.state,
    ...(r.code !== undefined ? { code: r.code } : {}),
    ...(reason ? { reason } : {}),
    ...(sipReason !== undefined ? { sipReason } : {}),
    ...(r.sentAt !== undefined ? { sentAt: isoOf(r.sentAt) } : {}),
    ...(r.fetchedAt !== undefined ? { fetchedAt: isoOf(r.fetchedAt) } : {}),
    updatedAt: isoOf(r.updatedAt),
  };
}

function summaryView(s: ResyncJobSummary): ResyncJobListItem {
  return {
    id: s.jobId,
    jobId: s.jobId,
    tenant: s.tenantId,
    scope: s.scope.kind,
    scopeId: s.scope.id,
    label: { key: `resync.scope.${s.scope.kind}`, params: { id: s.scope.kind === 'device' ? formatMac(s.scope.id) : s.scope.id } },
    reboot: s.reboot,
    requestedBy: s.requestedBy,
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
function requireJobAccess(p: Principal, job: { jobId: string; tenantId: string; requestedBy: string | null }): void {
  if (isOperator(p)) return;
  if (p.kind === 'user' && p.tenantId === job.tenantId && (p.role === 'admin' || job.requestedBy === describe(p))) return;
  throw notFound('not_found.resync_job', { id: String(job.jobId) });
}

export class ResyncService {
  #runtime: ResyncRuntime | null = null;

  constructor(private readonly deps: ResyncDeps) {}

  /** The engine while it runs (the server, `cadran resync`); null otherwise. */
  get runtime(): ResyncRuntime | null {
    return this.#runtime;
  }

  /** Opens the UDP socket, builds the engine over the store, follows phone fetches. */
  async start(opts: StartResyncOptions = {}): Promise<ResyncRuntime> {
    if (this.#runtime) throw new Error('resync is already running for this installation');
    const { store, sip } = this.deps;
    const log = this.deps.log.child({ concern: 'resync' });
    const transport = await openUdpTransport({
      bindHost: sip.bindHost,
      port: opts.bindPort ?? sip.bindPort,
      onError: (err) => log.warn({ err }, 'SIP socket error'),
    });
    const client = new SipClient({ transport });
    const owner = randomUUID();
    const engine = new ResyncEngine({
      store: store.resync,
      sender: client,
      owner,
      leaseMs: (sip.leaseSeconds ?? 30) * 1000,
      ratePerTenant: sip.ratePerTenant,
      globalRate: sip.globalRate,
      ...(sip.maxQueued !== undefined ? { maxQueued: sip.maxQueued } : {}),
      ...(sip.maxQueuedPerTenant !== undefined ? { maxQueuedPerTenant: sip.maxQueuedPerTenant } : {}),
      onChange: (c) => {
        log.debug({ job: c.jobId, mac: c.deviceMac, state: c.state, code: c.code, reason: c.reason }, 'resync target');
        opts.onChange?.(c);
      },
      onError: (err) => log.error({ err }, 'resync engine error'),
    });
    const unsubscribe = this.deps.fetches?.onFetch((f) => {
      const at = Date.parse(f.at);
      engine.markConfigFetched(f.mac, Number.isNaN(at) ? undefined : at).catch((err: unknown) => log.error({ err }, 'resync: recording a fetch failed'));
    });
    // The NOTIFY rates are the installation's, whatever the node count: every node sending
    // NOTIFYs beats in `cluster_nodes`, and each sends at 1/(live nodes) of the rates.
    let beating: Promise<void> = Promise.resolve();
    const beat = (): void => {
      beating = beating
        .then(async () => engine.setShare(await store.nodes.heartbeat(owner, Date.now(), 3 * HEARTBEAT_MS)))
        .catch((err: unknown) => log.warn({ err }, 'resync: node heartbeat failed'));
    };
    beat();
    await beating;
    const heartbeat = setInterval(beat, HEARTBEAT_MS);
    heartbeat.unref();
    const runtime: ResyncRuntime = {
      engine,
      transport,
      close: async () => {
        if (this.#runtime === runtime) this.#runtime = null;
        clearInterval(heartbeat);
        await beating;
        unsubscribe?.();
        await store.nodes.leave(owner).catch((err: unknown) => log.warn({ err }, 'resync: leaving the node list failed'));
        await engine.close();
        client.close();
        await transport.close();
      },
    };
    this.#runtime = runtime;
    // A server claims free targets (jobs of `cadran resync`, of a node that stopped, of a node
    // whose lease ran out) every second; a one-shot command only renews the leases of its own job.
    engine.start({ claim: opts.recover === true });
    if (opts.recover) {
      const n = await engine.recover();
      if (n > 0) log.info({ targets: n }, 'resync: queued again what no running node holds');
    }
    log.info({ host: transport.local.host, port: transport.local.port }, 'resync SIP socket open');
    return runtime;
  }

  #engine(): ResyncEngine {
    if (!this.#runtime) throw new DomainError('conflict', 'conflict.resync_not_running');
    return this.#runtime.engine;
  }

  async #submit(p: Actor, tenantId: string, scope: ResyncScope, devices: Device[], opts: ResyncOptions): Promise<ResyncSubmitted> {
    const engine = this.#engine();
    const { store } = this.deps;
    const tenant = await store.tenants.get(tenantId);
    if (!tenant) throw notFound('not_found.tenant', { id: tenantId });
    const reboot = opts.reboot === true;
    const send: Array<Omit<ResyncTarget, 'jobId' | 'tenantId'>> = [];
    const fail: UnsendableTarget[] = [];
    // Without a proxy a NOTIFY goes to where the phone last fetched from; fetches are recorded in
    // one-second batches, so a phone seen a moment ago may not be written yet: write them first.
    if (!tenant.sipProxy && this.deps.fetches?.flush) {
      for (const d of devices) {
        if (!(await store.sightings.get(d.mac))) {
          await this.deps.fetches.flush();
          break;
        }
      }
    }
    for (const d of devices) {
      const user = d.userNumber ? await store.users.get(d.userNumber) : undefined;
      const plan = planTarget(d, tenant, user, await store.sightings.get(d.mac), reboot);
      if ('send' in plan) send.push(plan.send);
      else fail.push(plan.fail);
    }
    const jobId = randomUUID();
    try {
      await engine.submit({ jobId, tenantId, scope, reboot, requestedBy: describe(p), targets: send, unsendable: fail });
    } catch (err) {
      if (err instanceof DomainError || err instanceof StoreError || !(err instanceof Error)) throw err;
      // The engine names the target and field (for the log), or says the queue is full.
      if (/queue (share of this tenant )?is full/.test(err.message)) throw new DomainError('too_many_requests', 'resync.queue_full');
      this.deps.log.warn({ err, job: jobId, tenant: tenantId }, 'resync job refused by the engine');
      throw new DomainError('validation_failed', 'validation.resync_target', { tenant: tenantId });
    }
    this.deps.log.info({ job: jobId, tenant: tenantId, scope: `${scope.kind} ${scope.id}`, queued: send.length, failed: fail.length, by: describe(p) }, 'resync job');
    await recordAudit(store, p, {
      action: 'resync.request', tenantId, targetId: jobId,
      ...(scope.kind === 'device' ? { mac: scope.id, userNumber: devices[0]?.userNumber ?? null } : {}),
      ...(scope.kind === 'user' ? { userNumber: scope.id } : {}),
      summary: { scope: scope.kind, ...(scope.kind === 'change' ? { change: scope.id } : {}), reboot, queued: send.length, failed: fail.length },
    });
    return { id: jobId, jobId, tenant: tenantId, queued: send.length, failed: fail.length, total: send.length + fail.length };
  }

  /** One phone: its user (read access to the phone is enough), an admin of its tenant, an operator. */
  async device(p: Actor, rawMac: string, opts: ResyncOptions = {}): Promise<ResyncSubmitted> {
    const mac = normalizeMac(rawMac);
    const d = await this.deps.store.devices.get(mac);
    if (!d) throw notFound('not_found.device', { mac: formatMac(mac) });
    requireDeviceAccess(p, d, false);
    return this.#submit(p, d.tenantId, { kind: 'device', id: mac }, [d], opts);
  }

  /** Every phone of a user: the user themself, an admin of their tenant, an operator. */
  async user(p: Actor, number: string, opts: ResyncOptions = {}): Promise<ResyncSubmitted> {
    const u = await this.deps.store.users.get(number);
    if (!u) throw notFound('not_found.user', { number: number });
    requireUserAccess(p, u);
    const devices = await this.deps.store.devices.list({ userNumber: u.number });
    if (devices.length === 0) throw invalid('user', 'validation.resync_user_no_phone', { number: u.number });
    return this.#submit(p, u.tenantId, { kind: 'user', id: u.number }, devices, opts);
  }

  /** Every phone of a tenant: an admin of that tenant, an operator. */
  async tenant(p: Actor, tenantId: string, opts: ResyncOptions = {}): Promise<ResyncSubmitted> {
    if (!(await this.deps.store.tenants.get(tenantId))) throw notFound('not_found.tenant', { id: tenantId });
    requireTenantAdmin(p, tenantId);
    const devices = await this.deps.store.devices.list({ tenantId });
    if (devices.length === 0) throw invalid('tenant', 'validation.resync_tenant_no_phone', { tenant: tenantId });
    return this.#submit(p, tenantId, { kind: 'tenant', id: tenantId }, devices, opts);
  }

  /**
   * Resync the phones a change touched (`?resync=true` on an API write): one job per tenant, each
   * phone checked against the caller's access like `device`. `what` names the write. Returns the jobs queued.
   */
  async changed(p: Actor, macs: Iterable<string>, what: string, opts: ResyncOptions = {}): Promise<ResyncSubmitted[]> {
    const byTenant = new Map<string, Device[]>();
    for (const mac of new Set(macs)) {
      const d = await this.deps.store.devices.get(mac);
      if (!d) continue; // deleted by the change
      requireDeviceAccess(p, d, false);
      const list = byTenant.get(d.tenantId);
      if (list) list.push(d);
      else byTenant.set(d.tenantId, [d]);
    }
    const jobs: ResyncSubmitted[] = [];
    for (const [tenantId, devices] of byTenant) {
      const scope: ResyncScope = devices.length === 1 ? { kind: 'device', id: devices[0]!.mac } : { kind: 'change', id: what };
      jobs.push(await this.#submit(p, tenantId, scope, devices, opts));
    }
    return jobs;
  }

  /** Every device this caller may resync at once: their tenant's, or all for operators. */
  async everyDevice(p: Principal): Promise<string[]> {
    if (isOperator(p)) return (await this.deps.store.devices.list()).map((d) => d.mac);
    return p.kind === 'user' && p.role === 'admin' ? (await this.deps.store.devices.list({ tenantId: p.tenantId })).map((d) => d.mac) : [];
  }

  async job(p: Principal, id: string): Promise<ResyncJobView> {
    const found = await this.deps.store.resync.getJob(String(id));
    if (!found) throw notFound('not_found.resync_job', { id: String(id) });
    requireJobAccess(p, found.job);
    const devices = found.targets.map(deviceView);
    const summary = summarizeJob(found.job, found.targets.map((t) => t.state));
    return { ...summaryView(summary), targets: devices, devices };
  }

  async list(p: Principal, filter: { tenant?: string; limit?: number } = {}): Promise<ResyncJobListItem[]> {
    const limit = filter.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw invalid('limit', 'validation.range', { min: 1, max: 1000 });
    const { store } = this.deps;
    if (isOperator(p)) return (await store.resync.listJobs({ ...(filter.tenant ? { tenantId: filter.tenant } : {}), limit })).map(summaryView);
    if (p.kind !== 'user') return [];
    const tenantId = filter.tenant ?? p.tenantId;
    if (tenantId !== p.tenantId) throw notFound('not_found.tenant', { id: tenantId });
    const requestedBy = p.role === 'admin' ? undefined : describe(p);
    return (await store.resync.listJobs({ tenantId, limit, ...(requestedBy ? { requestedBy } : {}) })).map(summaryView);
  }

  /** Stops what is not sent yet; NOTIFYs already sent finish. Returns the job as it is then. */
  async cancel(p: Actor, id: string): Promise<ResyncJobView & { cancelledTargets: number }> {
    const { store } = this.deps;
    const found = await store.resync.getJob(String(id));
    if (!found) throw notFound('not_found.resync_job', { id: String(id) });
    requireJobAccess(p, found.job);
    const engine = this.#runtime?.engine;
    const n = engine ? await engine.cancel(found.job.jobId) : (await store.resync.cancelJob(found.job.jobId, Date.now())).length;
    this.deps.log.info({ job: found.job.jobId, cancelled: n, by: describe(p) }, 'resync job cancelled');
    await recordAudit(store, p, { action: 'resync.cancel', tenantId: found.job.tenantId, targetId: found.job.jobId, summary: { cancelledTargets: n } });
    return { ...(await this.job(p, found.job.jobId)), cancelledTargets: n };
  }
}
