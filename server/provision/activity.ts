// What phones did: last seen of provisioned phones (sightings) and phones nobody provisioned
// (unknown devices). The phone path only appends to in-memory maps; a flush every second writes
// one batch (one transaction) — or, in a phone worker process, hands the batch to the primary
// process, which writes it. Other features (resync: "config fetched again") subscribe to fetches
// on the installation's PhoneFetches (one per app context, created by the composition root).
import { EventEmitter } from 'node:events';
import type { FileFetch, Sighting, Store, UnknownDevice } from '../store/types.ts';

export type UnknownSighting = Omit<UnknownDevice, 'firstSeen' | 'count'> & { hits: number };

export interface ActivityBatch {
  sightings: Sighting[];
  unknown: UnknownSighting[];
  /** Device files served, the latest per (MAC, file): what the fleet's config state compares. */
  files?: FileFetch[];
}

export type ActivitySink = (batch: ActivityBatch) => void | Promise<void>;

export const FLUSH_INTERVAL_MS = 1000;

export class ActivityRecorder {
  #sightings = new Map<string, Sighting>();
  #unknown = new Map<string, UnknownSighting>();
  #files = new Map<string, FileFetch>();
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly sink: ActivitySink,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  /** A provisioned phone fetched a file: only its latest fetch is kept until the flush. */
  sighting(s: Sighting): void {
    this.#sightings.set(s.mac, s);
  }

  /** A device file was served (its ETag and the URL root it was asked under): the latest per file is kept. */
  served(f: FileFetch): void {
    this.#files.set(`${f.mac}\n${f.file}`, f);
  }

  /** An unknown phone asked for a file: hits add up until the flush. */
  unknown(u: Omit<UnknownSighting, 'hits'>): void {
    const prev = this.#unknown.get(u.mac);
    this.#unknown.set(u.mac, {
      ...u,
      vendor: u.vendor ?? prev?.vendor ?? null,
      model: u.model ?? prev?.model ?? null,
      userAgent: u.userAgent ?? prev?.userAgent ?? null,
      hits: (prev?.hits ?? 0) + 1,
    });
  }

  start(intervalMs = FLUSH_INTERVAL_MS): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.flush(), intervalMs);
    this.#timer.unref();
  }

  /** Hand what was seen to the sink; resolves once it took it (errors go to onError). */
  async flush(): Promise<void> {
    if (this.#sightings.size === 0 && this.#unknown.size === 0 && this.#files.size === 0) return;
    const batch: ActivityBatch = { sightings: [...this.#sightings.values()], unknown: [...this.#unknown.values()], files: [...this.#files.values()] };
    this.#sightings = new Map();
    this.#unknown = new Map();
    this.#files = new Map();
    try {
      await this.sink(batch);
    } catch (err) {
      this.onError(err);
    }
  }

  /** Stop the timer and write what is pending. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.flush();
  }
}

export interface PhoneFetch {
  mac: string;
  file: string;
  at: string;
  ip: string;
  protocol: string;
}

/** Files provisioned phones fetched, after they reached the database: one per installation. */
export class PhoneFetches {
  readonly #emitter = new EventEmitter();

  constructor() {
    this.#emitter.setMaxListeners(50);
  }

  /** Be told of every file a provisioned phone fetched. */
  onFetch(listener: (f: PhoneFetch) => void): () => void {
    this.#emitter.on('fetch', listener);
    return () => this.#emitter.off('fetch', listener);
  }

  get listening(): boolean {
    return this.#emitter.listenerCount('fetch') > 0;
  }

  emit(f: PhoneFetch): void {
    this.#emitter.emit('fetch', f);
  }
}

/**
 * The sink of the process that owns the database: one transaction per list (each `record` is
 * one), written independently so a failure of one does not lose the other; then the listeners.
 */
export function storeSink(store: Store, fetches?: PhoneFetches): ActivitySink {
  return async (batch) => {
    let failure: unknown = null;
    if (batch.unknown.length) {
      try {
        await store.unknownDevices.record(batch.unknown);
      } catch (err) {
        failure = err;
      }
    }
    if (batch.sightings.length) await store.sightings.record(batch.sightings);
    if (batch.files?.length) await store.sightings.recordFiles(batch.files);
    if (failure) throw failure;
    if (fetches?.listening) {
      for (const s of batch.sightings) fetches.emit({ mac: s.mac, file: s.file, at: s.at, ip: s.ip, protocol: s.protocol });
    }
  };
}
