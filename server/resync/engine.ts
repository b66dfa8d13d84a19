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
  /**
   * This node's name on the leases it holds (default: a random UUID). Several nodes on one
   * database each lease the targets they send: a target leased to a node is sent by it alone
   * while the lease holds.
   */
  owner?: string;
  /** How long a lease holds without renewal (ms). Default 30 s: a node killed -9 has its targets taken over after that. */
  leaseMs?: number;
  /** How often leases are renewed and, when `start({ claim: true })`, free targets claimed (ms). Default 1 s. */
  tickMs?: number;
  /** How many seconds of sending a node claims at once (its share of the rates × this). Default 5. */
  claimHorizonS?: number;
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
  readonly #owner: string;
  readonly #leaseMs: number;
  #tick: NodeJS.Timeout | undefined;
  #claiming = false;
  /** A tick (renew, claim) under way: close() waits for it before giving the leases up. */
  #ticking: Promise<void> = Promise.resolve();

  constructor(opts: ResyncEngineOptions) {
    this.#o = opts;
    this.#now = opts.now ?? Date.now;
    this.#window = opts.fetchWindowMs ?? 10 * 60_000;
    this.#owner = opts.owner ?? randomUUID();
    this.#leaseMs = opts.leaseMs ?? 30_000;
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

  /** The name this engine leases targets under. */
  get owner(): string {
    return this.#owner;
  }

  /** `n` nodes send NOTIFYs on this database: this one sends at 1/n of the configured rates. */
  setShare(n: number): void {
    this.#pacer.setShare(n);
  }

  /**
   * Start the background work of a long-running node, every `tickMs`: renew the leases of the
   * targets this engine holds (and drop from its queue those it lost: cancelled on another node,
   * or taken over after the lease ran out), and with `claim`, lease free targets — jobs created
   * by other nodes or commands, and the targets of a node that stopped or died (lease expired).
   * Without start(), leases are not renewed: a job taking longer than `leaseMs` may be taken over.
   */
  start(opts: { claim: boolean }): void {
    if (this.#closed || this.#tick) return;
    this.#claiming = opts.claim;
    // A claiming node holds a few seconds of work: renewing every tick is cheap. An engine that
    // holds whole jobs (`cadran resync`) renews three times per lease.
    const every = opts.claim ? (this.#o.tickMs ?? 1000) : Math.max(this.#o.tickMs ?? 1000, Math.floor(this.#leaseMs / 3));
    this.#tick = setInterval(() => {
      this.#ticking = this.#ticking.then(() => this.#tickOnce()).catch((err: unknown) => this.#o.onError?.(err));
    }, every);
    this.#tick.unref();
  }

  /** One renewal (and claim, when started so) now; resolves when done (tests). */
  tickNow(): Promise<void> {
    this.#ticking = this.#ticking.then(() => this.#tickOnce()).catch((err: unknown) => this.#o.onError?.(err));
    return this.#ticking;
  }

  async #tickOnce(): Promise<void> {
    if (this.#closed) return;
    const held = await this.#o.store.renewLeases(this.#owner, this.#now() + this.#leaseMs);
    if (this.#closed) return;
    const keep = new Set(held.map(key));
    for (const t of this.#pacer.cancel((t) => !keep.has(key(t)))) this.#waiting.delete(key(t));
    if (this.#claiming) await this.#claim(false);
    this.#checkIdle();
  }

  /** Lease free targets and queue them; `all`: as many as the queue takes (recover), else the claim horizon. */
  async #claim(all: boolean): Promise<number> {
    const free = Math.max(0, this.#pacer.free - this.#reserved);
    const horizon = this.#o.claimHorizonS ?? 5;
    const share = this.#pacer.share;
    const globalRate = (this.#o.globalRate ?? 200) / share;
    const tenantRate = (typeof this.#o.ratePerTenant === 'number' ? this.#o.ratePerTenant : 20) / share;
    const limit = all ? free : Math.min(free, Math.max(0, Math.ceil(globalRate * horizon) - this.#pacer.size));
    const perTenant = all ? free : Math.max(1, Math.ceil(tenantRate * horizon));
    if (limit <= 0) return 0;
    const now = this.#now();
    const claimed = await this.#o.store.claimTargets(this.#owner, { now, until: now + this.#leaseMs, limit, perTenant });
    if (this.#closed) return 0;
    const fresh = claimed.filter((t) => !this.#waiting.has(key(t)) && !this.#inFlight.has(key(t)));
    this.#queue(fresh);
    return fresh.length;
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
      // A claiming node (a server) stores the targets free and claims its share at once like any
      // other node would: a big job is spread over the nodes and paced by their shared rates.
      // Otherwise (`cadran resync`, an engine not started) they are created leased to this engine.
      const createdAt = this.#now();
      await this.#o.store.createJob(
        { jobId, tenantId: job.tenantId, scope: job.scope, reboot: job.reboot ?? false, requestedBy: job.requestedBy ?? null, createdAt },
        targets,
        unsendable,
        ...(this.#claiming ? [] : [{ owner: this.#owner, until: createdAt + this.#leaseMs }]),
      );
    } finally {
      this.#reserved -= targets.length;
      const left = (this.#reservedBy.get(job.tenantId) ?? 0) - targets.length;
      if (left > 0) this.#reservedBy.set(job.tenantId, left);
      else this.#reservedBy.delete(job.tenantId);
    }
    if (this.#closed) return { jobId, queued: 0 }; // stored `queued` (lease released at close): another engine claims them
    if (this.#claiming) {
      await this.tickNow();
      return { jobId, queued: targets.length };
    }
    this.#queue(targets);
    return { jobId, queued: targets.length };
  }

  /**
   * After a restart: leases and queues what the store says is queued or was in flight and no
   * live engine holds. Returns how many targets were queued (targets already handled by this
   * engine are skipped).
   */
  async recover(): Promise<number> {
    // Only targets no live engine holds: free ones, and those whose lease expired (a node that
    // died). Targets another running node leases are its own business.
    if (this.#closed) return 0;
    return this.#claim(!this.#claiming);
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
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#tick);
    this.#pacer.close();
    this.#waiting.clear();
    this.#inFlight.clear();
    this.#checkIdle();
    await this.#ticking;
    await this.#writes; // states already decided are stored before the store may close
    // What this engine leased and did not finish is free at once for another engine (a clean stop).
    await this.#o.store.releaseLeases(this.#owner).catch((err: unknown) => this.#o.onError?.(err));
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
