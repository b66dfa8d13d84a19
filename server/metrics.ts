// Prometheus metrics of one process (prom-client), created as a handle by the composition root
// (createAppContext) or a phone worker (worker-main.ts) — never a module-level registry: each
// `Metrics` owns its own prom-client Registry.
//
// Cost on the phone path: a request adds one to a cell of a plain Float64Array (vendor × protocol
// × status) and a cache hit adds one to a number; prom-client only sees them when /metrics is
// scraped (its `collect` hooks copy them). Labels come from fixed sets — the vendor ids of the
// registry, three protocols, a list of statuses — never from request data, so a hostile client
// cannot grow the label space.
//
// Across processes: the primary's /metrics asks every phone worker for its registry as JSON
// (over the cluster IPC, see phone/workers.ts) and sums them with prom-client's
// AggregatorRegistry.aggregate, as prom-client's own cluster support does (counters and histograms
// summed, process gauges by their aggregator: memory summed, event-loop lag averaged, …).
import { AggregatorRegistry, Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type MetricObjectWithValues, type MetricValue } from 'prom-client';

export const PHONE_PROTOCOLS = ['http', 'https', 'tftp'] as const;
export type PhoneProtocol = (typeof PHONE_PROTOCOLS)[number];
/** Statuses counted by name; anything else is `other`. */
const STATUSES = [200, 304, 400, 401, 403, 404, 405, 408, 429, 431, 500, 503] as const;
const STATUS_LABELS = [...STATUSES.map(String), 'other'];
const OTHER_STATUS = STATUSES.length;

export const TFTP_OUTCOMES = ['complete', 'refused', 'timeout', 'deadline', 'client-error', 'aborted', 'socket-error', 'server-closed', 'error', 'other'] as const;
export type TftpOutcome = (typeof TFTP_OUTCOMES)[number];
export const RESYNC_OUTCOMES = ['sent', 'answered', 'failed', 'timeout', 'fetched', 'cancelled', 'other'] as const;
export const IMPORT_KINDS = ['devices', 'contacts'] as const;
export const IMPORT_OUTCOMES = ['created', 'updated', 'unchanged', 'rejected'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

/** JSON of a registry (`getMetricsAsJSON()`), what workers send to the primary. */
export type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/** What the phone path needs: plain counters, nothing allocated per call. */
export interface PhoneMetrics {
  phoneRequest(vendor: string | undefined, protocol: PhoneProtocol, status: number): void;
  cacheHit(): void;
  cacheMiss(): void;
  /** A file another phone worker rendered was kept (instead of rendering it here). */
  cacheShared(): void;
  renderSeconds(seconds: number): void;
  probeBlock(): void;
  tftpTransfer(outcome: string, retransmissions: number): void;
}

export interface MetricsOptions {
  /** Vendor ids (the registry's): the only values of the `vendor` label besides `unknown`. */
  vendors: readonly string[];
}

/** Buckets for one render (store reads + template): from half a millisecond to a few seconds. */
const RENDER_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

const indexOf = <T extends string>(list: readonly T[], value: string, other: number): number => {
  const i = (list as readonly string[]).indexOf(value);
  return i < 0 ? other : i;
};

export class Metrics implements PhoneMetrics {
  readonly registry = new Registry();
  readonly #vendorLabels: string[];
  readonly #vendorIndex = new Map<string, number>();
  readonly #unknownVendor: number;
  /** [vendor][protocol][status] request counts. */
  readonly #requests: Float64Array;
  readonly #tftp = new Float64Array(TFTP_OUTCOMES.length);
  #hits = 0;
  #misses = 0;
  #shared = 0;
  #retransmissions = 0;
  #blocks = 0;
  readonly #render: Histogram;
  readonly #resync: Counter<'outcome'>;
  readonly #imports: Counter<'kind' | 'outcome' | 'written'>;
  readonly #workers: Gauge;
  readonly #sources: Array<() => Promise<MetricsJson[]>> = [];
  #processMetrics = false;

  constructor(opts: MetricsOptions) {
    this.#vendorLabels = [...opts.vendors, 'unknown'];
    opts.vendors.forEach((v, i) => this.#vendorIndex.set(v, i));
    this.#unknownVendor = opts.vendors.length;
    this.#requests = new Float64Array(this.#vendorLabels.length * PHONE_PROTOCOLS.length * STATUS_LABELS.length);
    const registers = [this.registry];
    const self = this;
    new Counter({
      name: 'cadran_phone_requests_total',
      help: 'Phone file requests answered, by vendor (unknown: not recognised), protocol and status (TFTP: the decision, 200 before the transfer)',
      labelNames: ['vendor', 'protocol', 'status'] as const,
      registers,
      collect() {
        this.reset();
        const r = self.#requests;
        const ns = STATUS_LABELS.length;
        const np = PHONE_PROTOCOLS.length;
        for (let i = 0; i < r.length; i++) {
          if (r[i] === 0) continue;
          const s = i % ns;
          const p = Math.floor(i / ns) % np;
          const v = Math.floor(i / (ns * np));
          this.inc({ vendor: self.#vendorLabels[v]!, protocol: PHONE_PROTOCOLS[p]!, status: STATUS_LABELS[s]! }, r[i]!);
        }
      },
    });
    const plain = (name: string, help: string, read: () => number) =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          const v = read();
          if (v > 0) this.inc(v);
        },
      });
    plain('cadran_render_cache_hits_total', 'Phone files answered from the rendered-file cache', () => this.#hits);
    plain('cadran_render_cache_misses_total', 'Phone files that had to be rendered (or joined a render under way)', () => this.#misses);
    plain('cadran_render_cache_shared_total', 'Phone files taken into a worker\'s cache from another phone worker\'s render (not rendered again)', () => this.#shared);
    plain('cadran_tftp_retransmissions_total', 'TFTP packets sent again (retransmission timer or duplicate ACK)', () => this.#retransmissions);
    plain('cadran_probe_blocks_total', 'Client addresses blocked by probe protection (unknown MACs or failed authentications)', () => this.#blocks);
    new Counter({
      name: 'cadran_tftp_transfers_total',
      help: 'TFTP read requests by how they ended (complete, refused, timeout, …)',
      labelNames: ['outcome'] as const,
      registers,
      collect() {
        this.reset();
        self.#tftp.forEach((n, i) => {
          if (n > 0) this.inc({ outcome: TFTP_OUTCOMES[i]! }, n);
        });
      },
    });
    this.#render = new Histogram({
      name: 'cadran_render_duration_seconds',
      help: 'Time to render one phone file on a cache miss (store reads and template)',
      buckets: RENDER_BUCKETS,
      registers,
    });
    this.#resync = new Counter({
      name: 'cadran_resync_notifies_total',
      help: 'Resync NOTIFYs by outcome: sent, then answered (2xx), failed (non-2xx or transport error), timeout, fetched (the phone fetched its file), cancelled',
      labelNames: ['outcome'] as const,
      registers,
    });
    this.#imports = new Counter({
      name: 'cadran_import_lines_total',
      help: 'CSV import lines (phones, contacts) by outcome; written="false" for dry runs and refused all-or-nothing imports (what would have been)',
      labelNames: ['kind', 'outcome', 'written'] as const,
      registers,
    });
    this.#workers = new Gauge({ name: 'cadran_phone_workers', help: 'Phone worker processes running (0: phones are served by the main process)', registers });
  }

  // --- the phone path: plain counters -----------------------------------------------------

  phoneRequest(vendor: string | undefined, protocol: PhoneProtocol, status: number): void {
    const v = vendor === undefined ? this.#unknownVendor : (this.#vendorIndex.get(vendor) ?? this.#unknownVendor);
    const p = protocol === 'http' ? 0 : protocol === 'https' ? 1 : 2;
    let s: number = OTHER_STATUS;
    for (let i = 0; i < STATUSES.length; i++) {
      if (STATUSES[i] === status) {
        s = i;
        break;
      }
    }
    this.#requests[(v * PHONE_PROTOCOLS.length + p) * STATUS_LABELS.length + s]!++;
  }

  cacheHit(): void {
    this.#hits++;
  }

  cacheMiss(): void {
    this.#misses++;
  }

  cacheShared(): void {
    this.#shared++;
  }

  renderSeconds(seconds: number): void {
    this.#render.observe(seconds);
  }

  probeBlock(): void {
    this.#blocks++;
  }

  tftpTransfer(outcome: string, retransmissions: number): void {
    this.#tftp[indexOf(TFTP_OUTCOMES, outcome, TFTP_OUTCOMES.length - 1)]!++;
    if (retransmissions > 0) this.#retransmissions += retransmissions;
  }

  // --- the rest: rare events ----------------------------------------------------------------

  resyncOutcome(state: string): void {
    this.#resync.inc({ outcome: RESYNC_OUTCOMES[indexOf(RESYNC_OUTCOMES, state, RESYNC_OUTCOMES.length - 1)]! });
  }

  importLines(kind: ImportKind, counts: Readonly<Record<(typeof IMPORT_OUTCOMES)[number], number>>, written: boolean): void {
    for (const outcome of IMPORT_OUTCOMES) {
      if (counts[outcome] > 0) this.#imports.inc({ kind, outcome, written: String(written) }, counts[outcome]);
    }
  }

  phoneWorkers(n: number): void {
    this.#workers.set(n);
  }

  /** Process metrics (CPU, memory, event loop, GC) of this process; once. */
  collectProcessMetrics(): void {
    if (this.#processMetrics) return;
    this.#processMetrics = true;
    collectDefaultMetrics({ register: this.registry });
  }

  /** Metrics of other processes (phone workers), asked for at each scrape. Returns how to stop. */
  addSource(source: () => Promise<MetricsJson[]>): () => void {
    this.#sources.push(source);
    return () => {
      const i = this.#sources.indexOf(source);
      if (i >= 0) this.#sources.splice(i, 1);
    };
  }

  /** This process's metrics as JSON (what a worker sends to the primary). */
  json(): Promise<MetricsJson> {
    return this.registry.getMetricsAsJSON() as Promise<MetricsJson>;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Prometheus text: this process plus every source, summed. */
  async text(): Promise<string> {
    if (this.#sources.length === 0) return this.registry.metrics();
    const others = (await Promise.all(this.#sources.map((s) => s()))).flat();
    return AggregatorRegistry.aggregate([await this.json(), ...others]).metrics();
  }
}

/**
 * The counters of a set of registries as JSON, summed into one (what a worker that exited had
 * counted: it stays in the totals). Gauges and process metrics of the dead are left out.
 */
export async function retiredCounters(snapshots: MetricsJson[]): Promise<MetricsJson> {
  // prom-client's typings say MetricType is an enum; at run time it is the name ('counter', …).
  const kinds = new Set(['counter', 'histogram']);
  const kept = snapshots.map((s) => s.filter((m) => kinds.has(String(m.type as unknown))));
  return (await AggregatorRegistry.aggregate(kept).getMetricsAsJSON()) as MetricsJson;
}
