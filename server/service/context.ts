import type { NetworkProfile } from '../../vendors/types.ts';
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
 * Run `fn` in one store transaction, with the same deps bound to it (reads and the writes they
 * decide commit together, so concurrent edits cannot undo each other). Announce changes after.
 */
export function inTransaction<T>(deps: ServiceDeps, fn: (d: ServiceDeps) => Promise<T>): Promise<T> {
  return deps.store.transaction((tx) => fn({ store: tx, changes: deps.changes, ...(deps.defaults ? { defaults: deps.defaults } : {}) }));
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
