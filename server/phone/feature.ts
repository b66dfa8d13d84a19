// The phone-facing part of the server: HTTP(S) (in this process, or in `phoneWorkers` worker
// processes sharing the port), TFTP (always in this process, same phone service), the activity
// flusher and the cache subscription. `startPhone` returns where they listen (ports chosen by the
// OS in tests and benchmarks) and how to stop them.
import { randomBytes } from 'node:crypto';
import type { AppContext } from '../app-context.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { storeSink } from '../provision/activity.ts';
import type { PhoneFileProvider } from '../provision/types.ts';
import type { PhoneService } from '../provision/provider.ts';
import { createPhoneProcess } from './process.ts';
import { startTftpServer, type TftpLogger } from './tftp.ts';
import { startWorkerPool, type WorkerPool } from './workers.ts';

export interface PhoneListeners {
  httpPort: number;
  httpsPort: number | null;
  tftpPort: number;
  workers: number;
}

export interface RunningPhone {
  listeners: PhoneListeners;
  close(): Promise<void>;
}

/**
 * The TFTP listener logs each transfer; the phone service already logs one line per request with
 * MAC, vendor and model, so transfer lines go to debug. Refusals before the service (bad names,
 * write requests) stay at info: they are that request's one line.
 */
function tftpLogger(log: Logger): TftpLogger {
  return {
    // Refusals and where it listens at info (an engineer checks what listens where); the rest debug.
    info: (obj, msg) => (msg === 'tftp request refused' ? log.info({ ...obj, proto: 'tftp' }, msg) : msg === 'tftp listening' ? log.info(obj, msg) : log.debug(obj, msg)),
    warn: (obj, msg) => log.warn(obj, msg),
  };
}

/** The TFTP decisions, counted like HTTP requests (by vendor and status). */
function countedProvider(service: PhoneService, metrics: Metrics): PhoneFileProvider {
  return async (req) => {
    try {
      const a = await service.provider(req);
      metrics.phoneRequest(a.vendor, 'tftp', a.status);
      return a;
    } catch (err) {
      metrics.phoneRequest(undefined, 'tftp', 500);
      throw err;
    }
  };
}

/** How each TFTP read request ended: transfers by outcome, retransmissions, early refusals. */
function countTftpEnd(metrics: Metrics) {
  return (status: number | string, detail: { outcome?: string; retransmissions?: number }): void => {
    if (status === 200) metrics.tftpTransfer(detail.outcome ?? 'other', detail.retransmissions ?? 0);
    else if (status === 'refused') {
      // Refused before the provider (write request, bad name or mode, server busy).
      metrics.tftpTransfer('refused', 0);
      metrics.phoneRequest(undefined, 'tftp', 400);
    } else if (typeof status === 'number') metrics.tftpTransfer(status >= 500 ? 'error' : 'refused', 0);
    else metrics.tftpTransfer(status, 0);
  };
}

/** How often blocks decided by other nodes are read (the bound on their delay here). */
export const PROBE_SYNC_MS = 2000;

/** The settings key of the shared Digest nonce secret (hex, 32 bytes). */
export const DIGEST_SECRET_SETTING = 'phone.digestNonceSecret';

async function installationDigestSecret(app: AppContext): Promise<Buffer> {
  const stored = await app.store.settings.setIfAbsent<string>(DIGEST_SECRET_SETTING, randomBytes(32).toString('hex'));
  const secret = typeof stored === 'string' && /^[0-9a-f]{64}$/.test(stored) ? Buffer.from(stored, 'hex') : null;
  if (!secret) throw new Error(`the stored setting ${DIGEST_SECRET_SETTING} is not a 64-digit hex secret: delete it, the next start makes a new one`);
  return secret;
}

export async function startPhone(app: AppContext): Promise<RunningPhone> {
  const log = app.log.child({ concern: 'phone' });
  const config = app.config;
  if (config.httpsPort !== null && !(config.tlsCert && config.tlsKey)) {
    log.warn({ httpsPort: config.httpsPort }, 'HTTPS port set without a certificate and key (CADRAN_TLS_CERT, CADRAN_TLS_KEY): HTTPS not served');
  }
  // One Digest nonce secret for the whole installation, made by the first node that starts and
  // read by every other one: a phone challenged by one node answers any other (nonces are an
  // expiry and its HMAC under this secret, so no per-nonce state needs sharing).
  const digestSecret = await installationDigestSecret(app);
  const sink = storeSink(app.store, app.fetches, {
    onBusy: () => log.warn('database busy (another process holds it): phone activity kept and written again shortly'),
  });
  const metrics = app.metrics;
  let pool: WorkerPool | null = null;
  // Probe blocks are the installation's: a block decided here is stored, and blocks stored by
  // other nodes are applied here within PROBE_SYNC_MS.
  const applied = new Map<string, number>();
  const share = (ip: string, until: number): void => {
    applied.set(ip, Math.max(applied.get(ip) ?? 0, until));
    app.store.probeBlocks.add(ip, until).catch((err: unknown) => log.warn({ err, ip }, 'could not share a probe block with the other nodes'));
  };
  // Adopt before serve: a device's one enrolment fetch closes its window here, in the process
  // that owns the writes, whichever process served the fetch.
  const enrol = async (mac: string, ip: string): Promise<boolean> => {
    const closed = await app.store.devices.claimEnrolment(mac, new Date().toISOString(), ip);
    if (closed) {
      log.info({ mac, ip }, 'device enrolled (adopt before serve)');
      app.changes.devicesChanged([mac], 'device enrolled');
    }
    return closed;
  };
  const phone = createPhoneProcess({
    config,
    defaults: app.defaults,
    log,
    store: app.store,
    templates: app.templates,
    changes: app.changes,
    digestSecret,
    sink,
    onBlock: (ip, until) => {
      metrics.probeBlock();
      pool?.block(ip, until);
      share(ip, until);
    },
    metrics,
    enrol,
  });
  const stops: Array<() => Promise<void>> = [];
  // A resync asked right after a fetch looks at where the phone is now: pending activity first.
  stops.push(
    (() => {
      const off = app.fetches.onFlush(async () => {
        await pool?.flush();
        await phone.activity.flush();
        await sink.idle();
      });
      return async () => off();
    })(),
  );
  // The unknown-phones list is bounded: old entries go, and the oldest past the cap.
  const prune = async (): Promise<void> => {
    try {
      const n = await app.store.unknownDevices.prune({
        maxEntries: config.unknownDevices.maxEntries,
        olderThan: new Date(Date.now() - config.unknownDevices.retentionDays * 86_400_000).toISOString(),
      });
      if (n > 0) log.info({ removed: n }, 'unknown phones: old entries removed');
    } catch (err) {
      log.warn({ err: err instanceof Error ? err.message : String(err) }, 'unknown phones: pruning failed');
    }
  };
  const pruneTimer = setInterval(() => void prune(), 60_000);
  pruneTimer.unref();
  stops.push(async () => clearInterval(pruneTimer));
  void prune();
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse()) await stop();
    await phone.stop();
  };
  let listeners: PhoneListeners;
  try {
    let httpPort: number;
    let httpsPort: number | null;
    if (config.phoneWorkers > 1) {
      pool = await startWorkerPool({
        count: config.phoneWorkers,
        config,
        digestSecret,
        log,
        changes: app.changes,
        sink,
        onBlock: (ip, until) => {
          metrics.probeBlock();
          phone.guard.block(ip, until);
          share(ip, until);
        },
        metrics,
        enrol,
      });
      stops.push(pool.close);
      ({ port: httpPort, httpsPort } = pool);
      phone.setHttpPort(httpPort);
    } else {
      const http = await phone.listen(true);
      stops.push(http.close);
      ({ port: httpPort, httpsPort } = http);
      log.info({ host: config.httpHost, port: httpPort, httpsPort }, 'phone HTTP listening');
    }
    const tftp = await startTftpServer({
      host: config.tftpHost,
      port: config.tftpPort,
      provider: countedProvider(phone.service, metrics),
      logger: tftpLogger(log),
      onEnd: countTftpEnd(metrics),
    });
    stops.push(tftp.close);
    listeners = { httpPort, httpsPort, tftpPort: tftp.port, workers: config.phoneWorkers };
    let syncing = false;
    const sync = async (): Promise<void> => {
      if (syncing) return;
      syncing = true;
      try {
        const now = Date.now();
        for (const { ip, until } of await app.store.probeBlocks.active(now)) {
          if ((applied.get(ip) ?? 0) >= until) continue;
          applied.set(ip, until);
          phone.guard.block(ip, until);
          pool?.block(ip, until);
        }
        for (const [ip, until] of applied) if (until <= now) applied.delete(ip);
      } catch (err) {
        log.warn({ err }, 'could not read the probe blocks of the other nodes');
      } finally {
        syncing = false;
      }
    };
    await sync();
    const timer = setInterval(() => void sync(), PROBE_SYNC_MS);
    timer.unref();
    stops.push(async () => clearInterval(timer));
  } catch (err) {
    await stopAll();
    throw err;
  }
  return { listeners, close: stopAll };
}
