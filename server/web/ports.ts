// Features the cockpit shows but does not implement: CSV imports (server/imports/) and resync
// (server/sip/), behind small ports so page tests can put stand-ins in their place.
import type { AppContext } from '../app-context.ts';
import type { Principal } from '../auth/principal.ts';
import { importDevices } from '../imports/devices.ts';
import { importContacts } from '../imports/contacts.ts';
import { getResyncJob, resyncDevice, resyncTenant } from '../sip/service.ts';

export interface ImportLine {
  line: number;
  status: string;
  mac?: string;
  name?: string;
  reason?: string;
}

export interface ImportReport {
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  lines: ImportLine[];
}

export interface ResyncJobView {
  id: string;
  state: string;
  targets: Array<{ mac: string; state: string; code?: number | null; reason?: string | null }>;
}

export interface WebPorts {
  importContacts?(p: Principal, number: string, csv: Buffer, dryRun: boolean): Promise<ImportReport>;
  importDevices?(p: Principal, csv: Buffer, opts: { dryRun: boolean; skipInvalid: boolean }): Promise<ImportReport>;
  resyncDevice?(p: Principal, mac: string): Promise<{ id: string }>;
  resyncTenant?(p: Principal, tenantId: string): Promise<{ id: string }>;
  resyncJob?(p: Principal, id: string): Promise<ResyncJobView>;
}

const resolved = new WeakMap<AppContext, Promise<WebPorts>>();

/** The available ports, resolved once per application context. */
export function webPorts(app: AppContext): Promise<WebPorts> {
  let ports = resolved.get(app);
  if (!ports) resolved.set(app, (ports = resolvePorts(app)));
  return ports;
}

/** Replace some ports (tests of the pages with a stand-in module). */
export function overrideWebPorts(app: AppContext, extra: Partial<WebPorts>): void {
  resolved.set(app, webPorts(app).then((p) => ({ ...p, ...extra })));
}

/** The importers read a stream of chunks; the page hands them the uploaded bytes at once. */
async function* once(bytes: Buffer): AsyncGenerator<Buffer> {
  yield bytes;
}

/** The import and resync services as the pages call them. */
async function resolvePorts(app: AppContext): Promise<WebPorts> {
  return {
    importDevices: (p, csv, o) => importDevices(app, p, once(csv), { dryRun: o.dryRun, mode: o.skipInvalid ? 'skip-invalid' : 'all-or-nothing' }),
    importContacts: (p, number, csv, dryRun) => importContacts(app, p, number, once(csv), { dryRun, mode: 'skip-invalid' }),
    resyncDevice: async (p, mac) => ({ id: resyncDevice(app, p, mac).id }),
    resyncTenant: async (p, tenant) => ({ id: resyncTenant(app, p, tenant).id }),
    resyncJob: async (p, id) => {
      const job = getResyncJob(app, p, id);
      return { id: job.id, state: job.state, targets: job.targets.map((t) => ({ mac: t.mac, state: t.state, code: t.code ?? null, reason: t.reason ?? null })) };
    },
  };
}
