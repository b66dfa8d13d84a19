// The admin listener's express app: REST API under /api/v1 (and the web cockpit, when present).
import express, { type Express, type Router } from 'express';
import cookieParser from 'cookie-parser';
import type { AppContext } from '../app-context.ts';
import { identify } from './auth.ts';
import { apiTranslator, errorHandler, notFoundRoute } from './errors.ts';
import { sessionsRouter } from './routes/sessions.ts';
import { tenantsRouter } from './routes/tenants.ts';
import { usersRouter } from './routes/users.ts';
import { devicesRouter } from './routes/devices.ts';
import { templatesRouter } from './routes/templates.ts';
import { parcRouter } from './routes/parc.ts';
import { resyncOnChange } from './routes/resync.ts';
import { metricsHandler } from './metrics.ts';
import { auditRouter } from './routes/audit.ts';
import { exportsRouter } from './routes/exports.ts';
import { directoryRouter } from './routes/directory.ts';
import { openApiRouter } from './openapi.ts';

/** Routers of the features the server runs, mounted under /api/v1 (imports, resync) and at / (web pages). */
export interface AdminExtensions {
  api?: Array<(app: AppContext) => Router>;
  web?: (app: AppContext) => Router;
}

export function createAdminApp(app: AppContext, ext: AdminExtensions = {}): Express {
  const server = express();
  server.disable('x-powered-by');
  // X-Forwarded-For / -Proto are believed only from the proxies named by CADRAN_TRUST_PROXY
  // (none by default): otherwise anyone could pick the address the login throttle counts, or
  // pretend to be on HTTPS.
  server.set('trust proxy', app.config.trustProxy);
  // Prometheus scrapes: before cookies, sessions and pages (a bearer token of its own, if set).
  server.get('/metrics', metricsHandler(app.metrics, app.config.metricsToken, app.log));
  server.use(cookieParser());
  // Over HTTPS (TLS here, or a trusted TLS-terminating proxy), browsers are told to stay on it.
  server.use((req, res, next) => {
    if (req.secure) res.set('Strict-Transport-Security', 'max-age=15552000');
    next();
  });

  const api = express.Router();
  // CSV bodies (imports) are read as text by their own routes; JSON everywhere else.
  api.use(express.json({ limit: '2mb', strict: false }));
  api.use(identify(app.auth));
  // `?resync=true` on any write, whichever router answers it.
  api.use(resyncOnChange(app));
  // Feature routers (imports, resync): their paths do not overlap the core ones.
  for (const make of ext.api ?? []) api.use(make(app));
  api.get('/', (_req, res) => {
    res.json({ name: 'cadran', api: 'v1', docs: 'see README.md, section "REST API"', openapi: '/api/v1/openapi.json' });
  });
  api.use(openApiRouter());
  api.use(exportsRouter(app));
  api.use(auditRouter(app));
  api.use(sessionsRouter(app));
  api.use(directoryRouter(app));
  api.use(tenantsRouter(app));
  api.use(usersRouter(app));
  api.use(parcRouter(app));
  api.use(devicesRouter(app));
  api.use(templatesRouter(app));
  api.use(notFoundRoute);
  api.use(errorHandler(app.log));
  server.use('/api/v1', api);

  if (ext.web) server.use(ext.web(app));
  server.use((req, res) => {
    res.status(404).type('text/plain').send(`${apiTranslator(req, res)('error.not_found')}\n`);
  });
  return server;
}
