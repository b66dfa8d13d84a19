// The resync engine: takes jobs (one device, a user's devices, a tenant), sends each device's
// NOTIFY through the pacer, records every state change in the store (in order: one write after
// the other), and correlates the phone's next fetch of its own file with the NOTIFY ("config
// fetched again"). The SIP protocol itself is server/sip/.
import { randomUUID } from 'node:crypto';
import { parseMac } from '../domain/mac.ts';
import type { ResyncReasonCode, ResyncScope, ResyncState, ResyncTarget, UnsendableTarget } from '../domain/resync.ts';
import type { Store } from '../store/types.ts';
import { systemTimers, type Timers } from '../sip/clock.ts';
import { checkHeaderValue, isSipUri } from '../sip/message.ts';
import { isTransportError, type NotifyRequest, type SipOutcome } from '../sip/transaction.ts';
import { Pacer } from './pacer.ts';

/** What the engine needs of persistence: the store's resync jobs. */
export type ResyncJobStore = Store['resync'];

/** What the engine sends through; SipClient implements it. */
export interface NotifySender {
  notify(req: NotifyRequest): Promise<SipOutcome>;
}

export interface ResyncChange {
  jobId: string;
  deviceMac: string;
  state: ResyncState;
  /** The SIP final status, when the network answered. */
  code?: number;
  /** With `code`: the SIP reason phrase as received; without: a ResyncReasonCode. */
  reason?: string;
}

export interface ResyncEngineOptions {
  store: ResyncJobStore;
  sender: NotifySender;
  /** Drives the pacer (tests: ManualClock). */
  timers?: Timers;
  /** Wall clock for the records, epoch ms. Default Date.now. */
  now?: () => number;
  /** NOTIFYs per second per tenant: a number, or per-tenant setting lookup. Default 20. */
  ratePerTenant?: number | ((tenantId: string) => number);
  /** NOTIFYs per second over all tenants. Default 200. */
  globalRate?: number;
  /** Most targets waiting in the pacer. Default 100,000. */
  maxQueued?: number;
  /** Most targets of one tenant waiting in the pacer. Default 20,000. */
  maxQueuedPerTenant?: number;
  /** How long after the NOTIFY a fetch of the phone's own file counts as its effect. Default 10 min. */
  fetchWindowMs?: number;
  /** Every state change, after it is stored (logs, metrics, live UI). */
  onChange?: (change: ResyncChange) => void;
  /** Unexpected errors (a store failure while recording); the engine keeps going. */
  onError?: (err: unknown) => void;
}

export interface NewResyncJob {
  /** Default: a random UUID. */
  jobId?: string;
  tenantId: string;
  scope: ResyncScope;
  reboot?: boolean;
  requestedBy?: string | null;
  targets: Array<Omit<ResyncTarget, 'jobId' | 'tenantId'>>;
  /** Devices nothing can be sent to: recorded `failed` with the job. */
  unsendable?: UnsendableTarget[];
}

function checkTarget(t: Omit<ResyncTarget, 'jobId' | 'tenantId'>, index: number): string {
  const mac = parseMac(String(t.deviceMac ?? ''));
  const where = `target ${index + 1}${mac ? ` (${mac})` : ''}`;
  if (!mac) throw new Error(`${where}: deviceMac ${JSON.stringify(t.deviceMac)} is not a MAC address`);
  if (!t.target || typeof t.target.host !== 'string' || !/^[A-Za-z0-9.:\-[\]]{1,253}$/.test(t.target.host)) {
    throw new Error(`${where}: target.host must be an IP address or host name`);
  }
  if (!Number.isInteger(t.target.port) || t.target.port < 1 || t.target.port > 65535) {
    throw new Error(`${where}: target.port must be an integer from 1 to 65535`);
  }
  if (!isSipUri(t.requestUri)) throw new Error(`${where}: requestUri must be a sip: URI`);
  if (!isSipUri(`sip:cadran@${t.fromDomain}`)) throw new Error(`${where}: fromDomain must be a domain or address`);
  checkHeaderValue(`${where}: event`, t.event);
  return mac;
}

export class ResyncEngine {
  readonly #o: ResyncEngineOptions;
  readonly #now: () => number;
  readonly #window: number;
  readonly #pacer: Pacer<ResyncTarget>;
  /** `jobId mac` of targets waiting in the pacer. */
  readonly #waiting = new Set<string>();
  /** Targets whose NOTIFY transaction runs; `fetchedAt` once the phone fetched meanwhile. */
  readonly #inFlight = new Map<string, { fetchedAt?: number }>();
  #idle: Array<() => void> = [];
  #closed = false;
  /** Queue room promised to jobs being stored (submit awaits the store before queuing), in total and per tenant. */
  #reserved = 0;
  readonly #reservedBy = new Map<string, number>();
  /** Every store write, one after the other: a target's states land in the order they happened. */
  #writes: Promise<void> = Promise.resolve();
  #pendingWrites = 0;

  constructor(opts: ResyncEngineOptions) {
    this.#o = opts;
    this.#now = opts.now ?? Date.now;
    this.#window = opts.fetchWindowMs ?? 10 * 60_000;
    this.#pacer = new Pacer<ResyncTarget>({
      dispatch: (t) => this.#send(t),
      rate: opts.ratePerTenant,
      globalRate: opts.globalRate,
      maxQueued: opts.maxQueued,
      maxQueuedPerKey: opts.maxQueuedPerTenant ?? Math.min(opts.maxQueued ?? 100_000, 20_000),
      timers: opts.timers ?? systemTimers,
      onError: (err) => this.#o.onError?.(err),
    });
  }

  /** Targets waiting for their turn, and NOTIFY transactions under way. */
  stats(): { queued: number; inFlight: number } {
    return { queued: this.#pacer.size, inFlight: this.#inFlight.size };
  }

  /**
   * Validates, stores (all `queued`, the unsendable ones `failed`) and queues a job. Throws a
   * message naming the target and field on bad input, or when the queue has no room; nothing is
   * stored then.
   */
  async submit(job: NewResyncJob): Promise<{ jobId: string; queued: number }> {
    if (this.#closed) throw new Error('resync engine is stopped');
    if (!job.tenantId) throw new Error('tenantId is required');
    const jobId = job.jobId ?? randomUUID();
    const seen = new Set<string>();
    const targets: ResyncTarget[] = [];
    job.targets.forEach((t, i) => {
      const mac = checkTarget(t, i);
      if (seen.has(mac)) return; // the same phone twice in one job gets one NOTIFY
      seen.add(mac);
      targets.push({ ...t, jobId, tenantId: job.tenantId, deviceMac: mac, target: { host: t.target.host, port: t.target.port } });
    });
    const unsendable = (job.unsendable ?? []).filter((u) => !seen.has(u.deviceMac));
    if (targets.length === 0 && unsendable.length === 0) throw new Error('no device to resync');
    const refused = targets.length
      ? this.#pacer.refusal(job.tenantId, targets.length, { total: this.#reserved, key: this.#reservedBy.get(job.tenantId) ?? 0 })
      : null;
    if (refused) throw refused;
    this.#reserved += targets.length;
    this.#reservedBy.set(job.tenantId, (this.#reservedBy.get(job.tenantId) ?? 0) + targets.length);
    try {
      await this.#o.store.createJob(
        { jobId, tenantId: job.tenantId, scope: job.scope, reboot: job.reboot ?? false, requestedBy: job.requestedBy ?? null, createdAt: this.#now() },
        targets,
        unsendable,
      );
    } finally {
      this.#reserved -= targets.length;
      const left = (this.#reservedBy.get(job.tenantId) ?? 0) - targets.length;
      if (left > 0) this.#reservedBy.set(job.tenantId, left);
      else this.#reservedBy.delete(job.tenantId);
    }
    if (this.#closed) return { jobId, queued: 0 }; // stored `queued`: the next engine's recover() sends them
    this.#queue(targets);
    return { jobId, queued: targets.length };
  }

  /**
   * After a restart: queues again what the store says is queued or was in flight. Returns how
   * many targets were queued (targets already handled by this engine are skipped).
   */
  async recover(): Promise<number> {
    const pending = await this.#o.store.pendingTargets();
    const fresh = pending.filter((t) => !this.#waiting.has(key(t)) && !this.#inFlight.has(key(t)));
    if (this.#closed) return 0;
    // Each tenant's share as for new jobs: what does not fit stays queued in the store.
    const room: ResyncTarget[] = [];
    for (const t of fresh) {
      if (this.#pacer.refusal(t.tenantId, 1, { total: this.#reserved, key: this.#reservedBy.get(t.tenantId) ?? 0 }) !== null) continue;
      room.push(t);
      this.#queue([t]);
    }
    if (room.length < fresh.length) {
      this.#o.onError?.(new Error(`resync recovery: ${fresh.length - room.length} targets left queued (queue full)`));
    }
    return room.length;
  }

  /** Cancels the job's targets not sent yet; NOTIFYs already sent finish normally. */
  async cancel(jobId: string): Promise<number> {
    for (const t of this.#pacer.cancel((t) => t.jobId === jobId)) this.#waiting.delete(key(t));
    // After the state writes already queued: a target cancelled here is not written `sent` later.
    await this.#writes;
    const macs = await this.#o.store.cancelJob(jobId, this.#now());
    for (const mac of macs) this.#emit({ jobId, deviceMac: mac, state: 'cancelled' });
    this.#checkIdle();
    return macs.length;
  }

  /**
   * Call when a phone fetched its own (per-MAC) file over HTTP or TFTP. Every target of that
   * MAC sent or answered within the window before `at` becomes `fetched`. Returns how many.
   */
  async markConfigFetched(deviceMac: string, at: number = this.#now()): Promise<number> {
    const mac = parseMac(deviceMac);
    if (!mac) return 0;
    await this.#writes; // the `sent` of a NOTIFY just out must be stored before looking
    let n = 0;
    for (const c of await this.#o.store.awaitingFetch(mac, at - this.#window)) {
      const flight = this.#inFlight.get(`${c.jobId} ${mac}`);
      if (flight) flight.fetchedAt = at;
      this.#record({ jobId: c.jobId, deviceMac: mac, state: 'fetched', code: c.code }, at);
      n++;
    }
    return n;
  }

  /** Resolves once nothing is queued or in flight and every state is stored (benchmarks, tests, shutdown). */
  whenIdle(): Promise<void> {
    return new Promise((resolve) => {
      this.#idle.push(resolve);
      this.#checkIdle();
    });
  }

  /**
   * Stops sending. Targets still queued or in flight stay `queued` / `sent` in the store, and
   * the next engine's recover() sends them again. Close the SipClient/transport afterwards.
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#pacer.close();
    this.#waiting.clear();
    this.#inFlight.clear();
    this.#checkIdle();
    await this.#writes; // states already decided are stored before the store may close
  }

  #queue(targets: ResyncTarget[]): void {
    const byTenant = new Map<string, ResyncTarget[]>();
    for (const t of targets) {
      this.#waiting.add(key(t));
      const list = byTenant.get(t.tenantId);
      if (list) list.push(t);
      else byTenant.set(t.tenantId, [t]);
    }
    for (const [tenant, list] of byTenant) this.#pacer.enqueue(tenant, list);
  }

  #send(t: ResyncTarget): void {
    const k = key(t);
    this.#waiting.delete(k);
    const flight: { fetchedAt?: number } = {};
    this.#inFlight.set(k, flight);
    this.#record({ jobId: t.jobId, deviceMac: t.deviceMac, state: 'sent' }, this.#now());
    const req: NotifyRequest = { dest: t.target, requestUri: t.requestUri, fromDomain: t.fromDomain, event: t.event, credentials: t.credentials };
    this.#o.sender.notify(req).then(
      (outcome) => this.#finish(t, flight, outcome),
      // Rejected only when the SIP client is closed under it (shutdown): nothing was sent.
      () => this.#finish(t, flight, { status: 0, reason: 'send_failed' satisfies ResyncReasonCode }),
    );
  }

  #finish(t: ResyncTarget, flight: { fetchedAt?: number }, outcome: SipOutcome): void {
    const k = key(t);
    if (this.#closed || this.#inFlight.get(k) !== flight) return; // stopped: stays `sent` for recovery
    this.#inFlight.delete(k);
    const base = { jobId: t.jobId, deviceMac: t.deviceMac };
    if ('timeout' in outcome) {
      this.#record({ ...base, state: flight.fetchedAt !== undefined ? 'fetched' : 'timeout', reason: 'timeout' satisfies ResyncReasonCode }, flight.fetchedAt ?? this.#now());
    } else if (isTransportError(outcome)) {
      // The datagram never left: no SIP code to show, the stable reason says what happened.
      const reason: ResyncReasonCode = 'transport_error';
      if (flight.fetchedAt !== undefined) this.#record({ ...base, state: 'fetched', reason }, flight.fetchedAt);
      else this.#record({ ...base, state: 'failed', reason }, this.#now());
    } else if (flight.fetchedAt !== undefined) {
      // The phone fetched its file before the answer came back: keep `fetched`, add the code.
      this.#record({ ...base, state: 'fetched', code: outcome.status, reason: outcome.reason }, flight.fetchedAt);
    } else {
      const ok = outcome.status >= 200 && outcome.status < 300;
      this.#record({ ...base, state: ok ? 'answered' : 'failed', code: outcome.status || undefined, reason: outcome.reason }, this.#now());
    }
    this.#checkIdle();
  }

  #record(change: ResyncChange, at: number): void {
    const detail = { at, ...(change.code !== undefined ? { code: change.code } : {}), ...(change.reason !== undefined ? { reason: change.reason } : {}) };
    this.#pendingWrites++;
    this.#writes = this.#writes
      .then(() => this.#o.store.setTargetState(change.jobId, change.deviceMac, change.state, detail))
      .catch((err: unknown) => this.#o.onError?.(err))
      .finally(() => {
        this.#pendingWrites--;
        this.#emit(change);
        this.#checkIdle();
      });
  }

  #emit(change: ResyncChange): void {
    try {
      this.#o.onChange?.(change);
    } catch (err) {
      this.#o.onError?.(err);
    }
  }

  #checkIdle(): void {
    if (this.#pendingWrites > 0) return;
    if (!this.#closed && (this.#pacer.size > 0 || this.#inFlight.size > 0)) return;
    const waiting = this.#idle;
    this.#idle = [];
    for (const resolve of waiting) resolve();
  }
}

function key(t: { jobId: string; deviceMac: string }): string {
  return `${t.jobId} ${t.deviceMac}`;
}
