// Composition root: opens the store, builds the services and starts the listeners.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config.ts';
import { createLogger, type Logger } from './log.ts';
import { SqliteStore } from './store/sqlite.ts';
import { ChangeFeed } from './service/changes.ts';
import { AuthService } from './auth/service.ts';
import { HandlebarsTemplates, defaultShippedTemplatesDir } from '../vendors/common/templates.ts';
import type { AppContext } from './app-context.ts';
import { createAdminApp, type AdminExtensions } from './api/app.ts';

export function createAppContext(config: Config, log: Logger = createLogger(config.logLevel)): AppContext {
  const store = new SqliteStore({ file: config.databaseFile });
  return {
    config,
    log,
    store,
    changes: new ChangeFeed(),
    auth: new AuthService(store),
    templates: new HandlebarsTemplates({ shippedDir: defaultShippedTemplatesDir(), overrideDir: config.templateOverrideDir }),
  };
}

export interface Running {
  app: AppContext;
  adminPort: number;
  close(): Promise<void>;
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

/** Extension points the feature modules register on (phone listeners, resync, imports, web). */
export interface Feature {
  name: string;
  admin?: AdminExtensions;
  /** Start background parts (listeners, engines); returns how to stop them. */
  start?(app: AppContext): Promise<() => Promise<void>>;
}

/**
 * Commands run beside a running server (`cadran import`, `cadran resync`) write to the same
 * database from another process; their changes reach this process's caches through SQLite's
 * data_version, which moves only on other connections' commits.
 */
function watchExternalWrites(app: AppContext, everyMs = 1000): () => Promise<void> {
  let seen = app.store.dataVersion();
  const timer = setInterval(() => {
    const now = app.store.dataVersion();
    if (now !== seen) {
      seen = now;
      app.changes.devicesChanged('*', 'database changed by another process');
    }
  }, everyMs);
  timer.unref();
  return async () => clearInterval(timer);
}

export async function startServer(app: AppContext, features: Feature[] = []): Promise<Running> {
  const ext: AdminExtensions = {
    api: features.flatMap((f) => f.admin?.api ?? []),
  };
  const web = features.find((f) => f.admin?.web)?.admin?.web;
  if (web) ext.web = web;
  const admin = createServer(createAdminApp(app, ext));
  const adminPort = await listen(admin, app.config.adminPort, app.config.adminHost);
  app.log.info({ host: app.config.adminHost, port: adminPort }, 'admin API and web UI listening');
  const stops: Array<() => Promise<void>> = [watchExternalWrites(app)];
  for (const f of features) if (f.start) stops.push(await f.start(app));
  return {
    app,
    adminPort,
    close: async () => {
      for (const stop of stops.reverse()) await stop();
      await new Promise<void>((r) => admin.close(() => r()));
      admin.closeAllConnections();
      app.store.close();
    },
  };
}
