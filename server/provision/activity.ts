// What phones did: last seen of provisioned phones (sightings) and phones nobody provisioned
// (unknown devices). The phone path only appends to in-memory maps; a flush every second writes
// one batch (one transaction) — or, in a phone worker process, hands the batch to the primary
// process, which writes it. Other features (resync: "config fetched again") subscribe to fetches
// on the installation's PhoneFetches (one per app context, created by the composition root).
import { EventEmitter } from 'node:events';
import type { FileFetch, Sighting, Store, UnknownDevice } from '../store/types.ts';
import { StoreError, isStoreError } from '../store/errors.ts';

export type UnknownSighting = Omit<UnknownDevice, 'firstSeen' | 'count' | 'assignedTenant'> & { hits: number };

export interface ActivityBatch {
  sightings: Sighting[];
  unknown: UnknownSighting[];
  /** Device files served, the latest per (MAC, file): what the fleet's config state compares. */
  files?: FileFetch[];
  /**
   * The bytes of the device files served whose version this recorder has not handed over yet
   * (issue 17: diff against what the phone last fetched). Base64 so the batch crosses the
   * workers' JSON IPC intact; null when larger than MAX_SNAPSHOT_BYTES (size and ETag only).
   */
  snapshots?: SnapshotRecord[];
}

export interface SnapshotRecord {
  mac: string;
  file: string;
  etag: string;
  size: number;
  at: string;
  body: string | null;
  /** Whom the file was rendered for (snapshotOwner); null when not told. */
  owner: string | null;
}

/**
 * Whom a device's files are rendered for: its tenant and user. A snapshot is shown in the preview
 * only while the device still has the owner it was served under (server/provision/preview.ts).
 */
export const snapshotOwner = (d: { tenantId: string; userNumber: string | null }): string => `${d.tenantId}/${d.userNumber ?? ''}`;

/**
 * Largest file body kept as a snapshot. Config files are a few KiB; what is larger is a directory
 * file carrying a tenant's licences (50–230 KB a phone at 1,000 licences), one per phone. Kept at
 * 512 KiB, a boot storm of 10,000 such phones had the primary encode, seal and write some 2 GB of
 * snapshots into the database: in a CPU profile of that storm it spent most of its time in those
 * writes, on the cores the phone workers need. Such a file keeps its size and ETag; its preview
 * says no earlier version was kept. (A directory file is private to its user anyway: nobody else
 * sees its bytes or its diff, server/provision/preview.ts.)
 */
export const MAX_SNAPSHOT_BYTES = 64 * 1024;
/** Versions remembered as handed over (per MAC and file); past this the memory starts again. */
const MAX_REMEMBERED = 100_000;

export type ActivitySink = (batch: ActivityBatch) => void | Promise<void>;

export const FLUSH_INTERVAL_MS = 1000;

export class ActivityRecorder {
  #sightings = new Map<string, Sighting>();
  #unknown = new Map<string, UnknownSighting>();
  #files = new Map<string, FileFetch>();
  /** The bytes of the latest served version per (MAC, file), by reference (no copy on the hot path). */
  #bodies = new Map<string, Buffer>();
  /** Whom that version was rendered for (snapshotOwner), per (MAC, file). */
  #owners = new Map<string, string>();
  /** (MAC, file) → ETag of the snapshot already handed to the sink: the same version is not sent again. */
  #snapshotted = new Map<string, string>();
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly sink: ActivitySink,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  /** A provisioned phone fetched a file: only its latest fetch is kept until the flush. */
  sighting(s: Sighting): void {
    this.#sightings.set(s.mac, s);
  }

  /**
   * A device file was served (its ETag and the URL root it was asked under): the latest per file is
   * kept, with its bytes and whom they were rendered for (`owner`, snapshotOwner).
   */
  served(f: FileFetch, body?: Buffer, owner?: string): void {
    const key = `${f.mac}\n${f.file}`;
    this.#files.set(key, f);
    if (body) this.#bodies.set(key, body);
    if (owner !== undefined) this.#owners.set(key, owner);
    else this.#owners.delete(key);
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
    const snapshots = this.#snapshots();
    if (snapshots.length) batch.snapshots = snapshots;
    this.#sightings = new Map();
    this.#unknown = new Map();
    this.#files = new Map();
    this.#bodies = new Map();
    this.#owners = new Map();
    try {
      await this.sink(batch);
    } catch (err) {
      this.onError(err);
    }
  }

  /** Snapshots of the served versions not handed over yet (off the phone path: at flush time). */
  #snapshots(): SnapshotRecord[] {
    const out: SnapshotRecord[] = [];
    for (const [key, f] of this.#files) {
      const body = this.#bodies.get(key);
      const owner = this.#owners.get(key) ?? null;
      // The same version for the same owner is not sent again (the same bytes for another owner are).
      const version = `${f.etag}\n${owner ?? ''}`;
      if (!body || this.#snapshotted.get(key) === version) continue;
      if (this.#snapshotted.size >= MAX_REMEMBERED) this.#snapshotted.clear();
      this.#snapshotted.set(key, version);
      const keep = body.length <= MAX_SNAPSHOT_BYTES;
      out.push({ mac: f.mac, file: f.file, etag: f.etag, size: body.length, at: f.at, body: keep ? body.toString('base64') : null, owner });
    }
    return out;
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

  readonly #flushers = new Set<() => Promise<void>>();

  /** The phone feature registers how to write what its phones did so far (all processes). */
  onFlush(flusher: () => Promise<void>): () => void {
    this.#flushers.add(flusher);
    return () => this.#flushers.delete(flusher);
  }

  /**
   * Write the phone activity still pending (sightings are batched for a second): a resync asked
   * right after a phone's fetch must see where the phone is. Bounded by `timeoutMs`.
   */
  async flush(timeoutMs = 3000): Promise<void> {
    if (this.#flushers.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.#flushers].map((f) => f())),
      new Promise<void>((r) => (timer = setTimeout(r, timeoutMs))),
    ]);
    clearTimeout(timer);
  }
}

/** Unknown MACs kept waiting at most (a flood of garbage MACs while the database is busy). */
const MAX_PENDING_UNKNOWN = 10_000;

/**
 * The sink of the process that owns the database. Batches (from this process's recorder and from
 * the phone workers) are merged into one pending batch and written by one writer at a time: one
 * transaction per list, so a failure of one does not lose the other. A busy database (another
 * process holds the lock: `cadran import`) never loses a batch: it stays pending, merged with the
 * next ones (the latest sighting of a MAC wins, unknown hits add up), and is written again.
 * The promise of a batch settles when it is written (or failed for another reason).
 */
export function storeSink(
  store: Store,
  fetches?: PhoneFetches,
  o: { retryMs?: number; onBusy?: (err: unknown) => void } = {},
): ActivitySink & { pending(): number; idle(): Promise<void> } {
  let sightings = new Map<string, Sighting>();
  let unknown = new Map<string, UnknownSighting>();
  let files = new Map<string, FileFetch>();
  let snapshots = new Map<string, SnapshotRecord>();
  let waiting: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  let running: Promise<void> | null = null;
  const retryMs = o.retryMs ?? 200;

  const merge = (batch: ActivityBatch): void => {
    for (const s of batch.sightings) {
      const prev = sightings.get(s.mac);
      if (!prev || prev.at <= s.at) sightings.set(s.mac, { ...s, firmware: s.firmware ?? prev?.firmware ?? null });
      // An older batch put back after a busy write: the newer sighting wins, but keeps the firmware only the older one knew.
      else if (prev.firmware === null && s.firmware !== null) sightings.set(s.mac, { ...prev, firmware: s.firmware });
    }
    for (const f of batch.files ?? []) {
      const k = `${f.mac}\n${f.file}`;
      const prev = files.get(k);
      if (!prev || prev.at <= f.at) files.set(k, f);
    }
    for (const x of batch.snapshots ?? []) {
      const k = `${x.mac}\n${x.file}`;
      const prev = snapshots.get(k);
      if (!prev || prev.at <= x.at) snapshots.set(k, x);
    }
    for (const u of batch.unknown) {
      const prev = unknown.get(u.mac);
      if (!prev && unknown.size >= MAX_PENDING_UNKNOWN) continue;
      unknown.set(u.mac, prev ? { ...u, vendor: u.vendor ?? prev.vendor, model: u.model ?? prev.model, userAgent: u.userAgent ?? prev.userAgent, hits: prev.hits + u.hits } : u);
    }
  };

  const writeOnce = async (): Promise<void> => {
    const batch: ActivityBatch = { sightings: [...sightings.values()], unknown: [...unknown.values()], files: [...files.values()], snapshots: [...snapshots.values()] };
    const settle = waiting;
    sightings = new Map();
    unknown = new Map();
    files = new Map();
    snapshots = new Map();
    waiting = [];
    let failure: unknown = null;
    /**
     * One list written in its own transaction. A busy database puts it back (merged with what
     * came meanwhile, written with the next attempt): true. Any other error is the batch's failure.
     */
    const attempt = async (rows: readonly unknown[] | undefined, write: () => Promise<void>, putBack: () => void): Promise<boolean> => {
      if (!rows?.length) return false;
      try {
        await write();
      } catch (err) {
        if (!isStoreError(err, 'busy')) {
          failure ??= err;
          return false;
        }
        putBack();
        return true;
      }
      return false;
    };
    const busy = await attempt(batch.unknown, () => store.unknownDevices.record(batch.unknown), () => merge({ sightings: [], unknown: batch.unknown }));
    // Files (and their snapshots) before the sightings: whoever sees a phone's new sighting also
    // sees what it fetched (a reader between the two writes saw "seen just now" with the old
    // files, i.e. a config state still pending).
    const filesBusy = await attempt(batch.files, () => store.sightings.recordFiles(batch.files ?? []), () => merge({ sightings: [], unknown: [], files: batch.files ?? [] }));
    const snapshotsBusy = await attempt(
      batch.snapshots,
      () => store.sightings.recordSnapshots(
        (batch.snapshots ?? []).map((x) => ({ mac: x.mac, file: x.file, etag: x.etag, size: x.size, at: x.at, body: x.body === null ? null : Buffer.from(x.body, 'base64'), owner: x.owner ?? null })),
      ),
      () => merge({ sightings: [], unknown: [], snapshots: batch.snapshots ?? [] }),
    );
    // Files kept for later: their sightings wait with them.
    const sightingsBusy = await attempt(
      batch.sightings,
      () => (filesBusy ? Promise.reject(new StoreError('busy', 'the files of these sightings are kept for the next attempt')) : store.sightings.record(batch.sightings)),
      () => merge({ sightings: batch.sightings, unknown: [] }),
    );
    if (!sightingsBusy && fetches?.listening) {
      for (const s of batch.sightings) fetches.emit({ mac: s.mac, file: s.file, at: s.at, ip: s.ip, protocol: s.protocol });
    }
    if (busy || sightingsBusy || filesBusy || snapshotsBusy) {
      // Kept: these batches are written with the next attempt.
      waiting.push(...settle);
      o.onBusy?.(new Error('database busy: phone activity kept for the next attempt'));
      await new Promise((r) => setTimeout(r, retryMs));
      return;
    }
    for (const w of settle) failure ? w.reject(failure) : w.resolve();
  };

  const drain = (): Promise<void> => {
    running ??= (async () => {
      try {
        while (sightings.size || unknown.size || files.size || waiting.length) await writeOnce();
      } finally {
        running = null;
      }
    })();
    return running;
  };

  const sink = (batch: ActivityBatch): Promise<void> => {
    merge(batch);
    const done = new Promise<void>((resolve, reject) => waiting.push({ resolve, reject }));
    void drain();
    return done;
  };
  return Object.assign(sink, { pending: () => sightings.size + unknown.size + files.size, idle: () => running ?? Promise.resolve() });
}
