// One invalidation mechanism for everything that affects phone files: every write names the
// devices whose files may have changed; listeners (the rendered-file cache, resync-on-change)
// subscribe here.
import { EventEmitter } from 'node:events';

export interface DeviceChange {
  /** Devices whose rendered files may differ now; `'*'` means all of them. */
  macs: string[] | '*';
  reason: string;
}

export class ChangeFeed {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(50);
  }

  devicesChanged(macs: Iterable<string> | '*', reason: string): void {
    const list = macs === '*' ? '*' : [...new Set(macs)];
    if (list !== '*' && list.length === 0) return;
    this.emitter.emit('change', { macs: list, reason } satisfies DeviceChange);
  }

  onChange(listener: (c: DeviceChange) => void): () => void {
    this.emitter.on('change', listener);
    return () => this.emitter.off('change', listener);
  }
}
