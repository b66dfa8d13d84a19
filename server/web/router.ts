// The web cockpit on the admin listener: helmet (strict CSP, no inline script), static assets,
// form parsing, session + CSRF, then the pages of each role. Pages call the same services as the
// REST API, so validation and access rules are the same.
import express, { Router } from 'express';
import helmet from 'helmet';
import type { AppContext } from '../app-context.ts';
import { formBody } from './forms.ts';
import { csrfCheck, webSession } from './session.ts';
import { Views } from './views.ts';
import { makeRenderer, notFoundPage, webErrorHandler } from './page.ts';
import { authPages } from './pages/auth.ts';
import { userPages } from './pages/user.ts';
import { adminPages } from './pages/admin.ts';
import { parcPages } from './pages/parc.ts';
import { operatorPages } from './pages/operator.ts';
import { resyncPages } from './pages/resync.ts';
import { accountPages } from './pages/account.ts';
import { directoryPages } from './pages/directory.ts';
import { webPorts, type WebPorts } from './ports.ts';

/** The cockpit; `ports` replaces some of the import and resync services (page tests). */
export function webRouter(app: AppContext, ports: Partial<WebPorts> = {}): Router {
  const services = { ...webPorts(app), ...ports };
  const views = new Views();
  const render = makeRenderer(views);
  const r = Router();
  r.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          fontSrc: ["'self'"],
          connectSrc: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          objectSrc: ["'none'"],
          baseUri: ["'none'"],
        },
      },
      // The admin listener is often plain HTTP on a private address: do not pin HTTPS from here.
      strictTransportSecurity: false,
    }),
  );
  r.use('/assets', express.static(new URL('./assets/', import.meta.url).pathname, { maxAge: '1h', index: false, fallthrough: false }));
  r.use(webSession(app));
  r.use(formBody);
  r.use(csrfCheck);
  r.use(authPages(app, render));
  // Before the admin pages: /tenants/:t/users/new is not a licence number.
  r.use(accountPages(app, render));
  r.use(userPages(app, render, services));
  r.use(directoryPages(app, render, services));
  r.use(adminPages(app, render, services));
  r.use(parcPages(app, render, services));
  r.use(operatorPages(app, render, services));
  r.use(resyncPages(app, render, services));
  r.use(notFoundPage(render));
  r.use(webErrorHandler(app, render));
  return r;
}
