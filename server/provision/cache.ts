// Rendered phone files kept in memory, so a boot storm costs a map lookup per request instead of
// database reads and template rendering. An entry is keyed by whatever makes the bytes differ
// (device or vendor, file name, URL root) and indexed by MAC so that a change to one device only
// drops that device's files. Invalidation marks entries stale instead of deleting them: when the
// re-rendered bytes are identical, the ETag and Last-Modified stay the same and phones keep
// getting 304s. A hit is answered synchronously; only a miss renders (and may read the store).
//
// Bounded by what an unauthenticated client can make it hold (issue 12, finding 7: 210,000
// distinct Host headers grew it by 600 MB, because the URL root taken from Host is part of the
// key and only bodies were counted):
//   - bytes count keys and a per-entry overhead as well as bodies;
//   - a number of entries, the least recently used going first;
//   - a few URL roots per file (`group`: the same file of the same device or vendor): phones of
//     one deployment reach cadran under one or two names (an address, a DNS name, http and
//     https), a Host flood under thousands. Past the cap the root with the fewest hits goes, so
//     the names real phones keep using stay cached while the flood's entries replace each other.
// Accepting only configured Host names was the other option; it would break every deployment
// whose phones use an address or a name the operator did not list, for no gain over the cap.
//
// Several phone worker processes (server/phone/workers.ts) each keep a cache: a file rendered by
// one is offered to the others (`share`, then `adopt` in the others), so a boot storm renders each
// file once, not once per worker. Whoever relays an offer must drop it when a change concerning it
// came after the render started (`seq`: the relay's change sequence the render started under);
// a template override seen here after the offer's render started (`startedAt`) refuses it too.
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
  group: string;
  hits: number;
  /** Bytes charged for this entry: body, key, bookkeeping. */
  cost: number;
}

export interface RenderCacheOptions {
  /** Upper bound on the bytes kept (bodies, keys and bookkeeping); the least recently used go first. */
  maxBytes?: number;
  /** Upper bound on the number of entries. */
  maxEntries?: number;
  /** Distinct entries (URL roots) per group, i.e. per file of a device or vendor. */
  maxPerGroup?: number;
  /** Operator template overrides: when this number moves, every entry is stale. */
  generation?: () => number;
  /** Told of every fresh render (to offer it to other processes). */
  share?: (f: SharedRender) => void;
  /** The change sequence this process has applied (carried by `share` offers as `seq`). */
  seq?: () => number;
}

/** A rendered file offered by another process's cache. */
export interface SharedRender {
  key: string;
  group: string;
  mac: string | null;
  body: Buffer;
  contentType: string;
  sensitive: boolean;
  etag: string;
  lastModified: number;
  /** The sender's change sequence when its render started. */
  seq: number;
  /** Date.now() when the render started. */
  startedAt: number;
}

/**
 * A process looks at a template override at most this often (vendors/common/templates.ts): a
 * render started less than this before a template change was noticed here may predate it.
 */
export const TEMPLATE_RECHECK_MS = 1000;

// 256 MiB and 200,000 entries: 10,000 phones × 4 files × 2 names fit several times over.
const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;
const DEFAULT_MAX_ENTRIES = 200_000;
const DEFAULT_MAX_PER_GROUP = 4;
/** Map slots, the entry and CachedFile objects, header strings: a conservative estimate. */
const ENTRY_OVERHEAD = 512;

export function etagOf(body: Buffer): string {
  return `"${createHash('sha1').update(body).digest('base64url')}"`;
}

/** Renders a file; may read the store (then it answers later). */
export type Render = () => RenderedFile | null | Promise<RenderedFile | null>;

export class RenderCache {
  /** In least-recently-used order (a hit moves its entry to the end). */
  readonly #entries = new Map<string, Entry>();
  readonly #byMac = new Map<string, Set<string>>();
  readonly #groups = new Map<string, Set<string>>();
  readonly #maxEntries: number;
  readonly #maxPerGroup: number;
  /** Renders under way, per key: concurrent misses of a boot storm share one render. */
  readonly #pending = new Map<string, { mac: string | null; done: Promise<CachedFile | null> }>();
  readonly #maxBytes: number;
  readonly #generation: (() => number) | undefined;
  readonly #share: ((f: SharedRender) => void) | undefined;
  readonly #seq: (() => number) | undefined;
  #bytes = 0;
  #gen: number;
  /** When the template generation was last seen to move (Date.now()). */
  #genMovedAt = 0;
  /** Counts invalidations; a render started before one that concerns it is not kept as fresh. */
  #epoch = 0;
  #allAt = 0;
  readonly #macAt = new Map<string, number>();

  constructor(opts: RenderCacheOptions = {}) {
    this.#maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
    this.#maxEntries = opts.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.#maxPerGroup = opts.maxPerGroup ?? DEFAULT_MAX_PER_GROUP;
    this.#generation = opts.generation;
    this.#share = opts.share;
    this.#seq = opts.seq;
    this.#gen = this.#generation?.() ?? 0;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Bytes charged (bodies, keys, bookkeeping). */
  get bytes(): number {
    return this.#bytes;
  }

  /** The cached file for `key` when it is there and fresh; never reads or renders anything. */
  peek(key: string): CachedFile | undefined {
    this.#checkGeneration();
    const hit = this.#entries.get(key);
    if (!hit || hit.stale) return undefined;
    hit.hits++;
    this.#entries.delete(key);
    this.#entries.set(key, hit);
    return hit.file;
  }

  /** A template override appeared, changed or went: everything is stale. */
  #checkGeneration(): void {
    if (!this.#generation) return;
    const g = this.#generation();
    if (g !== this.#gen) {
      this.#gen = g;
      this.#genMovedAt = Date.now();
      this.invalidate('*');
    }
  }

  /**
   * The cached file for `key`: at once (not a promise) on a fresh hit; otherwise `render` runs
   * (once for all the requests asking meanwhile) and its result is kept. `mac` ties the entry to
   * a device for invalidation (null for files shared by every phone of a vendor). `group` names
   * the file whatever the URL root (default: the key itself). Nothing is cached when `render`
   * returns null.
   */
  get(key: string, mac: string | null, render: Render, group: string = key): CachedFile | null | Promise<CachedFile | null> {
    const hit = this.peek(key);
    if (hit) return hit;
    const pending = this.#pending.get(key);
    if (pending) return pending.done;
    const since = this.#epoch;
    const seq = this.#seq?.() ?? 0;
    const startedAt = Date.now();
    const entry = {
      mac,
      done: Promise.resolve()
        .then(render)
        .then((out) => {
          const file = this.#put(key, mac, out, since, group);
          if (file && this.#share && this.#entries.get(key)?.file === file && !this.#entries.get(key)!.stale) {
            const { body, contentType, sensitive, etag, lastModified } = file;
            this.#share({ key, group, mac, body, contentType, sensitive, etag, lastModified, seq, startedAt });
          }
          return file;
        }),
    };
    const forget = () => {
      if (this.#pending.get(key) === entry) this.#pending.delete(key);
      if (this.#pending.size === 0) this.#macAt.clear();
    };
    entry.done.then(forget, forget);
    this.#pending.set(key, entry);
    return entry.done;
  }

  #put(key: string, mac: string | null, out: RenderedFile | null, since: number, group: string): CachedFile | null {
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
    this.#insert(key, mac, file, stale, group, hit, 1);
    return file;
  }

  /**
   * Keep a file another process rendered, unless this cache holds a fresh one for the key or a
   * template change was noticed here after that render started. The caller has checked that no
   * change concerning the file came after `f.seq` (see the top of this file). Returns whether it
   * was kept.
   */
  adopt(f: SharedRender): boolean {
    this.#checkGeneration();
    if (this.#genMovedAt && f.startedAt < this.#genMovedAt + TEMPLATE_RECHECK_MS) return false;
    const hit = this.#entries.get(f.key);
    if (hit && !hit.stale) return false;
    const file: CachedFile = {
      body: f.body,
      contentType: f.contentType,
      sensitive: f.sensitive,
      etag: f.etag,
      // Same bytes as what this cache had: same validators.
      lastModified: hit && hit.file.etag === f.etag ? hit.file.lastModified : f.lastModified,
      lastModifiedHttp: '',
    };
    file.lastModifiedHttp = new Date(file.lastModified).toUTCString();
    this.#insert(f.key, f.mac, file, false, f.group, hit, 0);
    return true;
  }

  #insert(key: string, mac: string | null, file: CachedFile, stale: boolean, group: string, hit: Entry | undefined, addHits: number): void {
    const hits = (hit?.hits ?? 0) + addHits;
    if (hit) this.#remove(key, hit);
    const members = this.#groups.get(group);
    if (members && members.size >= this.#maxPerGroup) this.#evictFromGroup(members);
    const entry: Entry = { mac, file, stale, group, hits, cost: file.body.length + 2 * (key.length + group.length) + ENTRY_OVERHEAD };
    this.#entries.set(key, entry);
    this.#bytes += entry.cost;
    let g = this.#groups.get(group);
    if (!g) this.#groups.set(group, (g = new Set()));
    g.add(key);
    if (mac !== null) {
      let keys = this.#byMac.get(mac);
      if (!keys) this.#byMac.set(mac, (keys = new Set()));
      keys.add(key);
    }
    // Over a bound: the least recently used go (never the entry just made).
    for (const [k, e] of this.#entries) {
      if (this.#bytes <= this.#maxBytes && this.#entries.size <= this.#maxEntries) break;
      if (k === key) break;
      this.#remove(k, e);
    }
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
    this.#groups.clear();
    this.#bytes = 0;
  }

  /** The group's entry with the fewest hits goes (the oldest of equals). */
  #evictFromGroup(members: Set<string>): void {
    let victim: string | undefined;
    let fewest = Infinity;
    for (const k of members) {
      const e = this.#entries.get(k);
      if (e && e.hits < fewest) {
        fewest = e.hits;
        victim = k;
      }
    }
    if (victim !== undefined) this.#remove(victim, this.#entries.get(victim)!);
  }

  #remove(key: string, e: Entry): void {
    this.#entries.delete(key);
    this.#bytes -= e.cost;
    const g = this.#groups.get(e.group);
    g?.delete(key);
    if (g?.size === 0) this.#groups.delete(e.group);
    if (e.mac !== null) {
      const keys = this.#byMac.get(e.mac);
      keys?.delete(key);
      if (keys?.size === 0) this.#byMac.delete(e.mac);
    }
  }
}
