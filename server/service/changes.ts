// One invalidation mechanism for everything that affects phone files: every write names the
// devices whose files may have changed; listeners (the rendered-file cache, resync-on-change,
// other processes and nodes through the store) subscribe here.
import { EventEmitter } from 'node:events';

export interface DeviceChange {
  /** Devices whose rendered files may differ now; `'*'` means all of them. */
  macs: string[] | '*';
  reason: string;
  /** Made by another process or node (reported by the store), not by this one. */
  external?: true;
}

export class ChangeFeed {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(50);
  }

  /** Announce a committed change (never before the commit: listeners drop cached files). */
  devicesChanged(macs: Iterable<string> | '*', reason: string, opts: { external?: boolean } = {}): void {
    const list = macs === '*' ? '*' : [...new Set(macs)];
    if (list !== '*' && list.length === 0) return;
    const change: DeviceChange = { macs: list, reason };
    if (opts.external) change.external = true;
    this.emitter.emit('change', change);
  }

  onChange(listener: (c: DeviceChange) => void): () => void {
    this.emitter.on('change', listener);
    return () => this.emitter.off('change', listener);
  }
}
