// The parts of the server, as `cadran serve` runs them: each adds admin routes (the routers live
// in api/ and web/) and/or background parts (phone listeners, the resync engine). A new feature
// is one entry here.
import type { Feature } from './app.ts';
import { webRouter } from './web/router.ts';
import type { WebPorts } from './web/ports.ts';
import { startPhone } from './phone/feature.ts';
import { importsRouter, type ImportsRouterOptions } from './api/routes/imports.ts';
import { resyncRouter } from './api/routes/resync.ts';
import { startAuditPurge } from './service/audit.ts';

/** The web cockpit; `ports` stands in for some import and resync services (page tests). */
export function makeWebFeature(ports: Partial<WebPorts> = {}): Feature {
  return { name: 'web', web: (app) => webRouter(app, ports) };
}

export const webFeature: Feature = makeWebFeature();

/** Phone-facing HTTP(S) and TFTP. */
export const phoneFeature: Feature = {
  name: 'phone',
  async start(app) {
    const phone = await startPhone(app);
    return { close: phone.close, phone: phone.listeners };
  },
};

/** CSV imports over the API (the CLI command registers separately). */
export function makeImportsFeature(o: ImportsRouterOptions = {}): Feature {
  return { name: 'imports', api: [(app) => importsRouter(app, o)] };
}

export const importsFeature: Feature = makeImportsFeature();

/** Resync: the API routes, and while the server runs the SIP socket and the engine (jobs left
 *  unsent by the last run are queued again at start); every NOTIFY outcome is counted. */
export const resyncFeature: Feature = {
  name: 'resync',
  api: [resyncRouter],
  async start(app) {
    const runtime = await app.resync.start({ recover: true, onChange: (c) => app.metrics.resyncOutcome(c.state) });
    return { close: runtime.close, resync: runtime };
  },
};

/** Audit retention: entries older than CADRAN_AUDIT_RETENTION_DAYS are purged at start and hourly. */
export const auditRetentionFeature: Feature = {
  name: 'audit-retention',
  async start(app) {
    return { close: startAuditPurge(app.store, app.config.auditRetentionDays, app.log) };
  },
};

export const features: Feature[] = [webFeature, phoneFeature, importsFeature, resyncFeature, auditRetentionFeature];
