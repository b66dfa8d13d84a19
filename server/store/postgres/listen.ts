// The change feed between nodes: one dedicated connection LISTENs on a channel; publishChange()
// sends pg_notify on it. The payload is JSON {o: origin, m: [MACs] | '*', r: reason}; when the
// list would not fit PostgreSQL's 8000-byte payload limit it becomes '*' (everything changed).
// The connection comes back by itself when it drops (database restart, network, idle killer);
// since notifications sent meanwhile are lost, listeners are then told that everything changed.
import pg from 'pg';
import type { StoreChange } from '../types.ts';

export const CHANGE_CHANNEL = 'cadran_changes';
/** PostgreSQL refuses payloads of 8000 bytes or more. */
export const NOTIFY_LIMIT = 8000;
const MAC = /^[0-9a-f]{12}$/;

/** The NOTIFY payload for a change (MACs replaced by '*' when too large). */
export function encodeChange(origin: string, c: StoreChange): string {
  const reason = c.reason.length > 200 ? c.reason.slice(0, 200) : c.reason;
  const full = JSON.stringify({ o: origin, m: c.macs, r: reason });
  if (Buffer.byteLength(full) < NOTIFY_LIMIT) return full;
  return JSON.stringify({ o: origin, m: '*', r: reason });
}

/**
 * A payload read back; anything malformed (any session of the database can NOTIFY this channel)
 * is taken as "everything changed", never trusted further than that.
 */
export function decodeChange(payload: string | undefined): { origin: string | null; change: StoreChange } {
  try {
    const v = JSON.parse(payload ?? '') as { o?: unknown; m?: unknown; r?: unknown };
    const origin = typeof v.o === 'string' ? v.o : null;
    const reason = typeof v.r === 'string' ? v.r.slice(0, 200) : 'changed on another node';
    if (Array.isArray(v.m) && v.m.every((m) => typeof m === 'string' && MAC.test(m))) return { origin, change: { macs: v.m as string[], reason } };
    return { origin, change: { macs: '*', reason } };
  } catch {
    return { origin: null, change: { macs: '*', reason: 'changed on another node' } };
  }
}

export interface ListenerEvents {
  notify(payload: string | undefined): void;
  /** The connection came back after a loss: notifications may have been missed. */
  reconnected(): void;
  warn(message: string, err?: unknown): void;
}

export class ChangeListener {
  #client: pg.Client | null = null;
  #stopped = false;
  #timer: NodeJS.Timeout | null = null;
  #delay = 0;
  #everConnected = false;
  #connecting: Promise<void> | null = null;
  #failures = 0;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly events: ListenerEvents,
  ) {}

  /** Connect and LISTEN; rejects when the first attempt fails (later losses reconnect by themselves). */
  start(): Promise<void> {
    return this.#connect();
  }

  get listening(): boolean {
    return this.#client !== null;
  }

  /** The backend pid of the LISTEN connection (tests cut it to prove the reconnection). */
  get backendPid(): number | null {
    return (this.#client as (pg.Client & { processID?: number }) | null)?.processID ?? null;
  }

  #connect(): Promise<void> {
    if (this.#connecting) return this.#connecting;
    this.#connecting = (async () => {
      const client = new pg.Client({ ...this.config, application_name: `${this.config.application_name ?? 'cadran'} listener` });
      let lost = false;
      const onLost = (err?: Error) => {
        if (lost) return;
        lost = true;
        if (this.#client === client) this.#client = null;
        client.removeAllListeners('notification');
        client.end().catch(() => undefined);
        if (!this.#stopped) {
          this.events.warn('PostgreSQL change feed connection lost; reconnecting', err);
          this.#schedule();
        }
      };
      client.on('error', onLost);
      client.on('end', () => onLost());
      client.on('notification', (n) => {
        if (n.channel === CHANGE_CHANNEL) this.events.notify(n.payload);
      });
      try {
        await client.connect();
        await client.query(`LISTEN ${CHANGE_CHANNEL}`);
      } catch (e) {
        lost = true;
        client.end().catch(() => undefined);
        throw e;
      }
      if (this.#stopped) {
        lost = true;
        await client.end().catch(() => undefined);
        return;
      }
      this.#client = client;
      this.#delay = 0;
      this.#failures = 0;
      if (this.#everConnected) this.events.reconnected();
      this.#everConnected = true;
    })().finally(() => {
      this.#connecting = null;
    });
    return this.#connecting;
  }

  #schedule(): void {
    if (this.#stopped || this.#timer) return;
    this.#delay = Math.min(this.#delay ? this.#delay * 2 : 100, 5000);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#connect().catch((e) => {
        // Told once a minute or so while the database stays away (every 5 s would flood the log).
        if (this.#failures++ % 12 === 0) this.events.warn(`PostgreSQL change feed: reconnection failed (${this.#failures} attempts); trying again`, e);
        this.#schedule();
      });
    }, this.#delay);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#connecting?.catch(() => undefined);
    const c = this.#client;
    this.#client = null;
    if (c) {
      c.removeAllListeners('notification');
      await c.end().catch(() => undefined);
    }
  }
}
