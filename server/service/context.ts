import type { Store } from '../store/types.ts';
import type { ChangeFeed } from './changes.ts';

/** What every service needs: the store and the change feed. */
export interface ServiceDeps {
  store: Store;
  changes: ChangeFeed;
}

/** Devices of these users, for invalidation. */
export function devicesOfUsers(store: Store, numbers: Iterable<string>): string[] {
  const macs: string[] = [];
  for (const n of numbers) for (const d of store.devices.list({ userNumber: n })) macs.push(d.mac);
  return macs;
}
