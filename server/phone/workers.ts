// Several processes serving phones over HTTP(S) on one port (config.phoneWorkers > 1).
//
// Design. One bare node:http process tops out near 0.4× nginx when every request is a new
// connection (a boot storm); connection setup is per-process CPU work, so it takes processes.
//   - node:cluster with SCHED_NONE: the primary opens the listening socket once and hands it to
//     every worker; the kernel spreads accepted connections (no primary hop per connection).
//   - Each worker opens the store itself (openStore: with SQLite, WAL readers never block the
//     writer) and keeps its own rendered-file cache, so a request never leaves the worker.
//   - The primary stays the only writer: admin API writes happen there, and their ChangeFeed
//     events are forwarded to every worker over IPC to invalidate caches (a render that was
//     under way when an invalidation arrives is answered but not kept as fresh: see
//     provision/cache.ts). Operator template overrides are detected by every process itself
//     (templates.generation()).
//   - A file rendered in one worker is offered to the others through the primary (bytes over
//     IPC), so a boot storm renders each file once per installation, not once per worker. The
//     primary numbers the changes it forwards; an offer carries the number its worker had applied
//     when the render started, and the primary drops an offer when a later change concerns its
//     device (or all devices). IPC is ordered, so a worker adopts an offer before any change
//     that makes it stale.
//   - Workers batch sightings and unknown phones for a second and send each batch to the primary,
//     which writes it in one transaction (one writer, no busy retries).
//   - Probe protection counts per process; a block decided anywhere is relayed to all.
//   - A Digest nonce secret made by the primary is shared, so any worker accepts any nonce.
//   - Metrics: each worker counts in its own registry; a scrape of /metrics in the primary asks
//     every worker for its registry as JSON and sums them (server/metrics.ts). What a worker had
//     counted when it died stays in the totals (as of the last scrape that reached it).
// A worker that dies is restarted (at most 5 times a minute).
import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { ChangeFeed } from '../service/changes.ts';
import type { ActivityBatch, ActivitySink } from '../provision/activity.ts';
import type { SharedRender } from '../provision/cache.ts';
import { retiredCounters, type Metrics, type MetricsJson } from '../metrics.ts';

/** Environment variable carrying a worker's settings (JSON of WorkerSpec). */
export const WORKER_ENV = 'CADRAN_PHONE_WORKER_SPEC';

export interface WorkerSpec {
  config: Config;
  digestSecretHex: string;
  /** The primary's change sequence when this worker was forked (it has applied those). */
  changeSeq: number;
}

/** A rendered file between processes (its body arrives as a Uint8Array: structured clone). */
export type SharedRenderMessage = Omit<SharedRender, 'body'> & { body: Uint8Array };

/** Messages between the primary and the phone workers (all carry `cadran`). */
export type ToWorker =
  | { cadran: 'changes'; macs: string[] | '*'; seq: number }
  | { cadran: 'rendered'; file: SharedRenderMessage }
  | { cadran: 'block'; ip: string; until: number }
  | { cadran: 'enrolled'; id: number; closed: boolean }
  | { cadran: 'flush'; id: number }
  | { cadran: 'metrics'; id: number }
  | { cadran: 'stop' };
export type FromWorker =
  | { cadran: 'ready'; port: number; httpsPort: number | null }
  | { cadran: 'failed'; message: string }
  | { cadran: 'stopped' }
  | { cadran: 'activity'; batch: ActivityBatch }
  | { cadran: 'rendered'; file: SharedRenderMessage }
  | { cadran: 'block'; ip: string; until: number }
  /** Adopt before serve: close this device's enrolment window (the primary writes, atomically). */
  | { cadran: 'enrol'; id: number; mac: string; ip: string }
  /** Answer to `flush`: the worker's pending activity was sent (before this message). */
  | { cadran: 'flushed'; id: number }
  | { cadran: 'metrics'; id: number; json: MetricsJson };

export interface WorkerPoolOptions {
  count: number;
  config: Config;
  digestSecret: Buffer;
  log: Logger;
  changes: ChangeFeed;
  sink: ActivitySink;
  /** A worker blocked an address: apply it in the primary (TFTP) too. */
  onBlock: (ip: string, until: number) => void;
  /** A worker's enrolment fetch: close the device's window (true when this one closed it). */
  enrol: (mac: string, ip: string) => Promise<boolean>;
  /** The primary's metrics: the workers' are added to them at each scrape. */
  metrics?: Metrics;
}

export interface WorkerPool {
  port: number;
  httpsPort: number | null;
  /** Relay a block decided in the primary (TFTP) to every worker. */
  block(ip: string, until: number): void;
  /** Every worker sends what its phones did so far (resolves once each one did, or after 2 s). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

const STARTUP_MS = 30_000;
const STOP_MS = 5_000;
/** A worker that does not answer a metrics request by then counts with its last answer. */
const METRICS_MS = 2_000;
/** Changes remembered per MAC for checking offers; past it, older offers are dropped unchecked. */
const RECENT_CHANGES = 50_000;

/**
 * The primary's numbering of the changes it forwards: is an offer rendered under `seq` still
 * current for `mac`? Remembers the last change per MAC (a bounded number; offers older than what
 * was forgotten are refused: a lost share, never a stale file).
 */
export class ChangeSequence {
  #seq = 0;
  #all = 0;
  #floor = 0;
  readonly #byMac = new Map<string, number>();

  get current(): number {
    return this.#seq;
  }

  /** Number a change; returns its number. */
  next(macs: readonly string[] | '*'): number {
    const n = ++this.#seq;
    if (macs === '*') {
      this.#all = n;
      this.#byMac.clear();
      this.#floor = n;
      return n;
    }
    if (this.#byMac.size + macs.length > RECENT_CHANGES) {
      this.#byMac.clear();
      this.#floor = n;
      return n;
    }
    for (const m of macs) this.#byMac.set(m, n);
    return n;
  }

  /** No change concerning `mac` (null: a vendor's neutral file) came after `seq`. */
  currentFor(mac: string | null, seq: number): boolean {
    if (seq < this.#all || seq < this.#floor) return false;
    if (mac === null) return true;
    return (this.#byMac.get(mac) ?? 0) <= seq;
  }
}

function isFromWorker(m: unknown): m is FromWorker {
  return typeof m === 'object' && m !== null && typeof (m as { cadran?: unknown }).cadran === 'string';
}

export async function startWorkerPool(opts: WorkerPoolOptions): Promise<WorkerPool> {
  // Must be set before the first fork; SCHED_NONE = the kernel distributes connections.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  cluster.setupPrimary({
    exec: fileURLToPath(new URL('../../bin/tsx-run.js', import.meta.url)),
    args: [fileURLToPath(new URL('./worker-main.ts', import.meta.url))],
    // A primary started with `node --cpu-prof …` has its workers profiled too.
    execArgv: process.execArgv.filter((a) => a.startsWith('--cpu-prof')),
    // V8's structured clone instead of JSON lines: a boot storm's activity batches and shared
    // renders cross cheaper (measured: 1.5–2× less CPU to write and read a second's batch), and
    // a rendered file crosses as bytes, not base64.
    serialization: 'advanced',
  });
  // Workers log at the level of the process that starts them (silent in tests).
  const spec: Omit<WorkerSpec, 'changeSeq'> = { config: { ...opts.config, logLevel: opts.log.level }, digestSecretHex: opts.digestSecret.toString('hex') };
  const sequence = new ChangeSequence();
  const workers = new Set<Worker>();
  let stopping = false;
  const restarts: number[] = [];

  const send = (w: Worker, m: ToWorker): void => {
    if (w.isConnected()) w.send(m);
  };
  const broadcast = (m: ToWorker, except?: Worker): void => {
    for (const w of workers) if (w !== except) send(w, m);
  };
  const unsubscribe = opts.changes.onChange((c) => broadcast({ cadran: 'changes', macs: c.macs, seq: sequence.next(c.macs) }));
  let flushIds = 0;
  const flushing = new Map<number, { left: Set<Worker>; done: () => void }>();

  // Metrics: the last answer of each worker, what dead workers had counted, requests under way.
  const lastMetrics = new Map<Worker, MetricsJson>();
  let retired: MetricsJson | null = null;
  let retiring: Promise<void> = Promise.resolve();
  let nextMetricsId = 1;
  const metricsWaiting = new Map<number, (json: MetricsJson) => void>();
  const askMetrics = (w: Worker): Promise<MetricsJson | undefined> =>
    new Promise((resolve) => {
      if (!w.isConnected()) return resolve(lastMetrics.get(w));
      const id = nextMetricsId++;
      const timer = setTimeout(() => {
        metricsWaiting.delete(id);
        resolve(lastMetrics.get(w));
      }, METRICS_MS);
      metricsWaiting.set(id, (json) => {
        clearTimeout(timer);
        metricsWaiting.delete(id);
        // Gone meanwhile: its counts are among the retired ones already.
        if (!workers.has(w)) return resolve(undefined);
        lastMetrics.set(w, json);
        resolve(json);
      });
      w.send({ cadran: 'metrics', id } satisfies ToWorker);
    });
  const retire = (w: Worker): void => {
    const last = lastMetrics.get(w);
    lastMetrics.delete(w);
    if (!last) return;
    retiring = retiring
      .then(async () => {
        retired = await retiredCounters(retired ? [retired, last] : [last]);
      })
      .catch((err: unknown) => opts.log.warn({ err }, 'could not keep the counters of a stopped phone worker'));
  };
  const counted = (): void => opts.metrics?.phoneWorkers(workers.size);
  const unsource = opts.metrics?.addSource(async () => {
    const asked = [...workers];
    const answers = await Promise.all(asked.map(askMetrics));
    // A worker that exited meanwhile is retired (its last answer joins `retired`): wait for every
    // retirement under way, then count each worker once, either live or retired.
    for (let r = retiring; ; r = retiring) {
      await r;
      if (r === retiring) break;
    }
    const out = answers.filter((a, i): a is MetricsJson => a !== undefined && workers.has(asked[i]!));
    if (retired) out.push(retired);
    return out;
  });

  const fork = (): Promise<{ port: number; httpsPort: number | null }> =>
    new Promise((resolve, reject) => {
      const w = cluster.fork({ [WORKER_ENV]: JSON.stringify({ ...spec, changeSeq: sequence.current } satisfies WorkerSpec) });
      workers.add(w);
      counted();
      let ready = false;
      const timer = setTimeout(() => {
        w.kill();
        reject(new Error(`phone worker did not start within ${STARTUP_MS / 1000} s`));
      }, STARTUP_MS);
      w.on('message', (m: unknown) => {
        if (!isFromWorker(m)) return;
        switch (m.cadran) {
          case 'ready':
            ready = true;
            clearTimeout(timer);
            resolve({ port: m.port, httpsPort: m.httpsPort });
            break;
          case 'failed':
            clearTimeout(timer);
            reject(new Error(m.message));
            break;
          case 'activity': {
            const failed = (err: unknown) => opts.log.error({ err: err instanceof Error ? err.message : String(err) }, 'recording phone activity failed');
            try {
              Promise.resolve(opts.sink(m.batch)).catch(failed);
            } catch (err) {
              failed(err);
            }
            break;
          }
          case 'rendered':
            if (sequence.currentFor(m.file.mac, m.file.seq)) broadcast(m, w);
            break;
          case 'block':
            opts.onBlock(m.ip, m.until);
            broadcast({ cadran: 'block', ip: m.ip, until: m.until }, w);
            break;
          case 'enrol':
            opts.enrol(m.mac, m.ip).then(
              (closed) => send(w, { cadran: 'enrolled', id: m.id, closed }),
              (err: unknown) => {
                opts.log.error({ err: err instanceof Error ? err.message : String(err), mac: m.mac }, 'recording an enrolment failed');
                send(w, { cadran: 'enrolled', id: m.id, closed: false });
              },
            );
            break;
          case 'flushed': {
            const f = flushing.get(m.id);
            f?.left.delete(w);
            if (f && f.left.size === 0) f.done();
            break;
          }
          case 'metrics':
            metricsWaiting.get(m.id)?.(m.json);
            break;
        }
      });
      w.on('exit', (code, signal) => {
        workers.delete(w);
        for (const f of flushing.values()) {
          f.left.delete(w);
          if (f.left.size === 0) f.done();
        }
        counted();
        retire(w);
        clearTimeout(timer);
        if (!ready) return reject(new Error(`phone worker exited during startup (code ${code ?? signal})`));
        if (stopping) return;
        const now = Date.now();
        while (restarts.length && now - restarts[0]! > 60_000) restarts.shift();
        if (restarts.length >= 5) {
          opts.log.error({ code, signal }, 'phone worker died again: not restarted (5 restarts in the last minute)');
          return;
        }
        restarts.push(now);
        opts.log.error({ code, signal }, 'phone worker died: restarting it');
        fork().catch((err: Error) => opts.log.error({ err: err.message }, 'phone worker restart failed'));
      });
    });

  const stopAll = async (): Promise<void> => {
    stopping = true;
    unsubscribe();
    unsource?.();
    await Promise.all(
      [...workers].map(
        (w) =>
          new Promise<void>((resolve) => {
            const t = setTimeout(() => w.process.kill('SIGKILL'), STOP_MS);
            w.once('exit', () => {
              clearTimeout(t);
              resolve();
            });
            if (w.isConnected()) send(w, { cadran: 'stop' });
            else w.process.kill('SIGTERM');
          }),
      ),
    );
  };

  let first: { port: number; httpsPort: number | null };
  try {
    // The first worker makes the primary create the shared socket; the others join it. With
    // port 0 they all ask for "port 0" too: cluster keys the shared handle by the requested
    // address and port, so they get the same socket (asking for the chosen port would not).
    first = await fork();
    await Promise.all(Array.from({ length: opts.count - 1 }, () => fork()));
  } catch (err) {
    await stopAll();
    throw err;
  }
  opts.log.info({ workers: opts.count, host: opts.config.httpHost, port: first.port, httpsPort: first.httpsPort }, 'phone HTTP workers listening');
  return {
    port: first.port,
    httpsPort: first.httpsPort,
    block: (ip, until) => broadcast({ cadran: 'block', ip, until }),
    flush: () =>
      new Promise<void>((resolve) => {
        const id = ++flushIds;
        const left = new Set([...workers].filter((w) => w.isConnected()));
        const timer = setTimeout(() => done(), 2000);
        const done = () => {
          clearTimeout(timer);
          flushing.delete(id);
          resolve();
        };
        if (left.size === 0) return done();
        flushing.set(id, { left, done });
        for (const w of left) send(w, { cadran: 'flush', id });
      }),
    close: stopAll,
  };
}
