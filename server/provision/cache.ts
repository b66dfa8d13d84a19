// Rendered phone files kept in memory, so a boot storm costs a map lookup per request instead of
// database reads and template rendering. An entry is keyed by whatever makes the bytes differ
// (device or vendor, file name, URL root) and indexed by MAC so that a change to one device only
// drops that device's files. Invalidation marks entries stale instead of deleting them: when the
// re-rendered bytes are identical, the ETag and Last-Modified stay the same and phones keep
// getting 304s. A hit is answered synchronously; only a miss renders (and may read the store).
import { createHash } from 'node:crypto';
import type { RenderedFile } from '../../vendors/types.ts';

export interface CachedFile {
  body: Buffer;
  contentType: string;
  sensitive: boolean;
  /** Strong validator, quoted: a hash of the body. */
  etag: string;
  /** Whole seconds (HTTP dates have no finer resolution), as epoch milliseconds. */
  lastModified: number;
  lastModifiedHttp: string;
  /** The HTTP listener's header objects for this file, built on its first answer (a memo). */
  httpHeaders?: { ok: Record<string, string | number>; notModified: Record<string, string> };
}

interface Entry {
  mac: string | null;
  file: CachedFile;
  stale: boolean;
}

export interface RenderCacheOptions {
  /** Upper bound on the bytes of bodies kept; past it everything is dropped and refilled. */
  maxBytes?: number;
  /** Operator template overrides: when this number moves, every entry is stale. */
  generation?: () => number;
}

// 256 MiB: 10,000 phones × 4 files of a few KB each fit several times over.
const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

export function etagOf(body: Buffer): string {
  return `"${createHash('sha1').update(body).digest('base64url')}"`;
}

/** Renders a file; may read the store (then it answers later). */
export type Render = () => RenderedFile | null | Promise<RenderedFile | null>;

export class RenderCache {
  readonly #entries = new Map<string, Entry>();
  readonly #byMac = new Map<string, Set<string>>();
  /** Renders under way, per key: concurrent misses of a boot storm share one render. */
  readonly #pending = new Map<string, { mac: string | null; done: Promise<CachedFile | null> }>();
  readonly #maxBytes: number;
  readonly #generation: (() => number) | undefined;
  #bytes = 0;
  #gen: number;
  /** Counts invalidations; a render started before one that concerns it is not kept as fresh. */
  #epoch = 0;
  #allAt = 0;
  readonly #macAt = new Map<string, number>();

  constructor(opts: RenderCacheOptions = {}) {
    this.#maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
    this.#generation = opts.generation;
    this.#gen = this.#generation?.() ?? 0;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The cached file for `key` when it is there and fresh; never reads or renders anything. */
  peek(key: string): CachedFile | undefined {
    if (this.#generation) {
      const g = this.#generation();
      if (g !== this.#gen) {
        this.#gen = g;
        this.invalidate('*');
      }
    }
    const hit = this.#entries.get(key);
    return hit && !hit.stale ? hit.file : undefined;
  }

  /**
   * The cached file for `key`: at once (not a promise) on a fresh hit; otherwise `render` runs
   * (once for all the requests asking meanwhile) and its result is kept. `mac` ties the entry to
   * a device for invalidation (null for files shared by every phone of a vendor). Nothing is
   * cached when `render` returns null.
   */
  get(key: string, mac: string | null, render: Render): CachedFile | null | Promise<CachedFile | null> {
    const hit = this.peek(key);
    if (hit) return hit;
    const pending = this.#pending.get(key);
    if (pending) return pending.done;
    const since = this.#epoch;
    const entry = { mac, done: Promise.resolve().then(render).then((out) => this.#put(key, mac, out, since)) };
    const forget = () => {
      if (this.#pending.get(key) === entry) this.#pending.delete(key);
      if (this.#pending.size === 0) this.#macAt.clear();
    };
    entry.done.then(forget, forget);
    this.#pending.set(key, entry);
    return entry.done;
  }

  #put(key: string, mac: string | null, out: RenderedFile | null, since: number): CachedFile | null {
    const hit = this.#entries.get(key);
    if (!out) {
      if (hit) this.#remove(key, hit);
      return null;
    }
    const etag = etagOf(out.body);
    // Same bytes as before the invalidation: same validators, so conditional requests still match.
    const lastModified = hit && hit.file.etag === etag ? hit.file.lastModified : Math.floor(Date.now() / 1000) * 1000;
    const file: CachedFile = {
      body: out.body,
      contentType: out.contentType,
      sensitive: out.sensitive,
      etag,
      lastModified,
      lastModifiedHttp: new Date(lastModified).toUTCString(),
    };
    // Invalidated while it rendered: this answer stands, the next request renders again.
    const stale = this.#allAt > since || (mac !== null && (this.#macAt.get(mac) ?? 0) > since);
    if (hit) this.#remove(key, hit);
    if (this.#bytes + file.body.length > this.#maxBytes) this.clear();
    this.#entries.set(key, { mac, file, stale });
    this.#bytes += file.body.length;
    if (mac !== null) {
      let keys = this.#byMac.get(mac);
      if (!keys) this.#byMac.set(mac, (keys = new Set()));
      keys.add(key);
    }
    return file;
  }

  /** Mark the files of these devices (or all files) as needing a fresh render. */
  invalidate(macs: readonly string[] | '*'): void {
    const epoch = ++this.#epoch;
    if (macs === '*') {
      this.#allAt = epoch;
      this.#pending.clear();
      for (const e of this.#entries.values()) e.stale = true;
      return;
    }
    for (const mac of macs) {
      if (this.#pending.size > 0) this.#macAt.set(mac, epoch);
      const keys = this.#byMac.get(mac);
      if (!keys) continue;
      for (const key of keys) {
        const e = this.#entries.get(key);
        if (e) e.stale = true;
      }
    }
    // Renders under way for these devices: later requests start a fresh one.
    if (this.#pending.size > 0) {
      const set = new Set(macs);
      for (const [key, p] of this.#pending) if (p.mac !== null && set.has(p.mac)) this.#pending.delete(key);
    }
  }

  clear(): void {
    this.#entries.clear();
    this.#byMac.clear();
    this.#bytes = 0;
  }

  #remove(key: string, e: Entry): void {
    this.#entries.delete(key);
    this.#bytes -= e.file.body.length;
    if (e.mac !== null) {
      const keys = this.#byMac.get(e.mac);
      keys?.delete(key);
      if (keys?.size === 0) this.#byMac.delete(e.mac);
    }
  }
}
