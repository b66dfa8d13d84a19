// Composition root: opens the store, builds the services and starts the listeners.
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Router } from 'express';
import { ConfigError, type Config } from './config.ts';
import { createLogger, type Logger } from './log.ts';
import { openStore } from './store/index.ts';
import { ChangeFeed } from './service/changes.ts';
import { AuthService } from './auth/service.ts';
import { PhoneFetches } from './provision/activity.ts';
import { FleetState } from './provision/fleet.ts';
import { ResyncService, type ResyncRuntime } from './resync/service.ts';
import { HandlebarsTemplates, defaultShippedTemplatesDir } from '../vendors/common/templates.ts';
import { vendors } from '../vendors/index.ts';
import { Metrics } from './metrics.ts';
import type { AppContext } from './app-context.ts';
import { installationProfile } from './domain/profile.ts';
import { followTemplateOverrides, importTemplateFiles } from './provision/template-overrides.ts';
import { createAdminApp } from './api/app.ts';
import { ImportLimiter } from './imports/limiter.ts';
import { recoverInterruptedImports } from './imports/common.ts';
import type { PhoneListeners } from './phone/feature.ts';

/** `oneShot`: a command that does its work and exits (it tells other nodes what it changed, but does not listen to them). */
export async function createAppContext(config: Config, log: Logger = createLogger(config.logLevel), opts: { oneShot?: boolean } = {}): Promise<AppContext> {
  const store = await openStore(config, { warn: (msg, err) => log.warn({ err }, msg), ...(opts.oneShot ? { listen: false } : {}) });
  // An import killed mid-way (its chunks were committed, its journal says how to undo them) is
  // put back before anything else reads the data.
  try {
    const back = await recoverInterruptedImports(store);
    if (back.runs) log.warn({ runs: back.runs, devices: back.macs.length }, 'interrupted imports undone');
  } catch (err) {
    await store.close();
    throw err;
  }
  const changes = new ChangeFeed();
  const fetches = new PhoneFetches();
  // What this process changes, other processes and nodes hear of (PostgreSQL NOTIFY; SQLite: nothing to do).
  changes.onChange((c) => {
    if (c.external) return;
    store.publishChange({ macs: c.macs, reason: c.reason }).catch((err: unknown) => log.warn({ err }, 'could not publish a change to other nodes'));
  });
  // Template overrides come from the database (every node the same); files left in the data
  // directory by an older cadran are imported once.
  const templates = new HandlebarsTemplates({ shippedDir: defaultShippedTemplatesDir() });
  try {
    await importTemplateFiles(store, templates, config.templateOverrideDir, log);
    await followTemplateOverrides({ store, templates, changes, log });
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
  return {
    config,
    defaults: installationProfile(config),
    log,
    store,
    changes,
    fetches,
    auth: new AuthService(store, config.sessions),
    resync: new ResyncService({ store, log, sip: config.sip, fetches }),
    imports: new ImportLimiter({ perPrincipal: 1, total: config.imports.maxParallel }),
    templates,
    metrics: new Metrics({ vendors: vendors.map((v) => v.id) }),
    fleet: new FleetState({ store, templates, changes, defaults: installationProfile(config) }),
  };
}

/** What a started feature hands back: how to stop it, and where it listens. */
export interface StartedFeature {
  close(): Promise<void>;
  phone?: PhoneListeners;
  resync?: ResyncRuntime;
}

/** A part of the server: admin routes (API under /api/v1, web pages at /) and/or background parts. */
export interface Feature {
  name: string;
  api?: Array<(app: AppContext) => Router>;
  web?: (app: AppContext) => Router;
  /** Start listeners, engines; called before the admin listener opens. */
  start?(app: AppContext): Promise<StartedFeature>;
}

export interface Running {
  app: AppContext;
  adminPort: number;
  /** `https` when the admin listener has a certificate (CADRAN_ADMIN_TLS_CERT / _KEY). */
  adminScheme: 'http' | 'https';
  /** Where phones are served, when the phone feature runs. */
  phone?: PhoneListeners;
  /** The resync engine, when the resync feature runs. */
  resync?: ResyncRuntime;
  close(): Promise<void>;
}

/** How often expired sessions and tokens are removed from the store. */
export const PURGE_EVERY_MS = 10 * 60_000;

/** A PEM file of the admin listener's TLS, or a one-line error naming the setting. */
function readPem(file: string, setting: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new ConfigError(`${setting}: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function isLoopback(host: string): boolean {
  return /^127\./.test(host) || host === '::1' || host === 'localhost';
}

export async function startServer(app: AppContext, features: Feature[] = []): Promise<Running> {
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.splice(0).reverse()) await stop();
  };
  // Commands run beside a server (`cadran import`, `cadran resync`) and other nodes write to the
  // same database: the store reports their commits, and this process drops what they made stale.
  const unwatch = app.store.onExternalChange((c) => app.changes.devicesChanged(c.macs, c.reason, { external: true }));
  stops.push(async () => unwatch());
  // An import process that dies beside the server (kill -9) is undone without waiting for a restart.
  const recovery = setInterval(() => {
    recoverInterruptedImports(app.store).then(
      (back) => {
        if (!back.runs) return;
        app.log.warn({ runs: back.runs, devices: back.macs.length }, 'interrupted imports undone');
        app.changes.devicesChanged(back.macs.length ? back.macs : '*', 'interrupted import undone');
      },
      (err: unknown) => app.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'checking interrupted imports failed'),
    );
  }, 30_000);
  recovery.unref();
  stops.push(async () => clearInterval(recovery));
  // A running server reports its process (CPU, memory, event loop) on /metrics; commands do not.
  app.metrics.collectProcessMetrics();
  if (!app.config.metricsToken && !isLoopback(app.config.adminHost)) {
    app.log.warn({ adminHost: app.config.adminHost }, 'the admin listener is not on a loopback address and /metrics has no token: set CADRAN_METRICS_TOKEN');
  }
  let phone: PhoneListeners | undefined;
  let resync: ResyncRuntime | undefined;
  try {
    for (const f of features) {
      if (!f.start) continue;
      const started = await f.start(app);
      stops.push(started.close);
      phone ??= started.phone;
      resync ??= started.resync;
    }
    const handler = createAdminApp(app, {
      api: features.flatMap((f) => f.api ?? []),
      ...(features.find((f) => f.web)?.web ? { web: features.find((f) => f.web)!.web! } : {}),
    });
    const tls = app.config.adminTls;
    const admin: Server = tls ? createHttpsServer({ cert: readPem(tls.cert, 'CADRAN_ADMIN_TLS_CERT'), key: readPem(tls.key, 'CADRAN_ADMIN_TLS_KEY') }, handler) : createServer(handler);
    const adminPort = await listen(admin, app.config.adminPort, app.config.adminHost);
    stops.push(async () => {
      await new Promise<void>((r) => {
        admin.close(() => r());
        admin.closeAllConnections();
      });
    });
    app.log.info({ host: app.config.adminHost, port: adminPort, scheme: tls ? 'https' : 'http' }, 'admin API and web UI listening');
    // Expired sessions and tokens are refused when used; they are also removed from the store
    // now and every 10 minutes, so the table does not grow with every login ever made.
    const purge = () =>
      app.auth
        .purgeExpired()
        .then((n) => n > 0 && app.log.debug({ removed: n }, 'expired sessions and tokens purged'))
        .catch((err: unknown) => app.log.warn({ err }, 'purging expired sessions failed'));
    await purge();
    const purger = setInterval(purge, PURGE_EVERY_MS);
    purger.unref();
    stops.push(async () => clearInterval(purger));
    return {
      app,
      adminPort,
      adminScheme: tls ? 'https' : 'http',
      ...(phone ? { phone } : {}),
      ...(resync ? { resync } : {}),
      close: async () => {
        await stopAll();
        await app.store.close();
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
