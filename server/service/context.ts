import type { NetworkProfile } from '../../vendors/types.ts';
import { stale } from '../domain/errors.ts';
import type { Message } from '../domain/messages.ts';
import type { Store } from '../store/types.ts';
import type { ChangeFeed } from './changes.ts';

/** What every service needs: the store and the change feed (and the installation's profile defaults). */
export interface ServiceDeps {
  store: Store;
  changes: ChangeFeed;
  /** The installation level of the phone profile (config file `defaults`, `CADRAN_DEFAULT_LOCALE`). */
  defaults?: NetworkProfile;
}

/**
 * Options of a write: `ifVersion` is the version the caller edited (`If-Match` on the API, the
 * hidden field of a cockpit form). Stale → 412 `precondition_failed`, nothing written.
 */
export interface WriteOptions {
  ifVersion?: number;
}

/**
 * Run `fn` in one store transaction, with the same deps bound to it (reads and the writes they
 * decide commit together, so concurrent edits cannot undo each other). Announce changes after.
 */
export function inTransaction<T>(deps: ServiceDeps, fn: (d: ServiceDeps) => Promise<T>): Promise<T> {
  return deps.store.transaction((tx) => fn({ store: tx, changes: deps.changes, ...(deps.defaults ? { defaults: deps.defaults } : {}) }));
}

/** Returned by a read-modify-write whose versioned UPDATE found the row changed meanwhile. */
export const RETRY: unique symbol = Symbol('retry');

/**
 * Attempts of a read-modify-write without If-Match before it gives up (then 412). Between two,
 * a short random pause (growing) lets a crowd of writers on one row (PostgreSQL, several nodes)
 * go through one by one instead of colliding again.
 */
const ATTEMPTS = 30;
const pause = (attempt: number) => new Promise<void>((r) => setTimeout(r, Math.random() * Math.min(50, 2 * attempt)));

/**
 * A read-modify-write in a transaction whose write is `UPDATE … WHERE version = <the version read>`.
 * When `fn` reports RETRY (another write got in between: possible with several connections,
 * PostgreSQL or several nodes) it is run again on the new row — the caller's change is merged onto
 * it, never the other way round — unless the caller named a version (If-Match): then 412.
 * `fn` itself checks `opts.ifVersion` against the row it read and throws `stale` when it differs.
 */
export async function versionedWrite<T>(deps: ServiceDeps, what: Message, opts: WriteOptions, fn: (d: ServiceDeps) => Promise<T | typeof RETRY>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const out = await inTransaction(deps, fn);
    if (out !== RETRY) return out;
    if (opts.ifVersion !== undefined || attempt >= ATTEMPTS) throw stale(what);
    await pause(attempt);
  }
}

/** Throws `stale` when the caller edited another version than `current`. */
export function checkVersion(opts: WriteOptions, current: number, what: Message): void {
  if (opts.ifVersion !== undefined && opts.ifVersion !== current) throw stale(what);
}

/** Devices these users' files are on, for invalidation: their own phones and the phones that
 *  register them as an extra line. */
export async function devicesOfUsers(store: Store, numbers: Iterable<string>): Promise<string[]> {
  const macs = new Set<string>();
  for (const n of new Set(numbers)) {
    for (const d of await store.devices.list({ userNumber: n })) macs.add(d.mac);
    for (const d of await store.devices.list({ extraLine: n })) macs.add(d.mac);
  }
  return [...macs];
}
