// Features the cockpit shows but does not implement: CSV imports (server/imports/) and resync
// (server/sip/). They are looked up at first use so the pages work, showing what exists, while
// those modules are absent.
import type { AppContext } from '../app-context.ts';
import type { Principal } from '../auth/principal.ts';

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

/** Import a module that may not exist yet; undefined when it is missing or fails to load (logged). */
async function optional(app: AppContext, path: string): Promise<Record<string, unknown> | undefined> {
  try {
    return (await import(new URL(path, import.meta.url).href)) as Record<string, unknown>;
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') app.log.error({ err, module: path }, 'web cockpit: a feature module failed to load');
    return undefined;
  }
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

type Fn = (...args: unknown[]) => unknown;
const fn = (mod: Record<string, unknown> | undefined, name: string): Fn | undefined =>
  typeof mod?.[name] === 'function' ? (mod[name] as Fn) : undefined;

/** The importers read a stream of chunks; the page hands them the uploaded bytes at once. */
async function* once(bytes: Buffer): AsyncGenerator<Buffer> {
  yield bytes;
}

async function resolvePorts(app: AppContext): Promise<WebPorts> {
  const ports: WebPorts = {};
  const devices = fn(await optional(app, '../imports/devices.ts'), 'importDevices');
  if (devices) {
    ports.importDevices = async (p, csv, o) =>
      (await devices(app, p, once(csv), { dryRun: o.dryRun, mode: o.skipInvalid ? 'skip-invalid' : 'all-or-nothing' })) as ImportReport;
  }
  const contacts = fn(await optional(app, '../imports/contacts.ts'), 'importContacts');
  if (contacts) {
    ports.importContacts = async (p, number, csv, dryRun) => (await contacts(app, p, number, once(csv), { dryRun, mode: 'skip-invalid' })) as ImportReport;
  }
  // Resync (server/sip/): expected as service functions taking (app, principal, ...).
  const sip = await optional(app, '../sip/service.ts');
  const rd = fn(sip, 'resyncDevice');
  const rt = fn(sip, 'resyncTenant');
  const rj = fn(sip, 'getResyncJob');
  if (rd) ports.resyncDevice = async (p, mac) => ({ id: jobId(await rd(app, p, mac)) });
  if (rt) ports.resyncTenant = async (p, tenant) => ({ id: jobId(await rt(app, p, tenant)) });
  if (rj) ports.resyncJob = async (p, id) => jobView(await rj(app, p, id));
  return ports;
}

type Loose = Record<string, unknown>;
const jobId = (j: unknown): string => String((j as Loose).id ?? (j as Loose).jobId);

/** The job as the pages show it, whichever spelling the resync module uses (id/jobId, mac/deviceMac). */
function jobView(j: unknown): ResyncJobView {
  const job = j as Loose;
  const targets = ((job.targets ?? job.devices ?? []) as Loose[]).map((t) => ({
    mac: String(t.mac ?? t.deviceMac ?? ''),
    state: String(t.state ?? ''),
    code: typeof t.code === 'number' ? t.code : null,
    reason: typeof t.reason === 'string' ? t.reason : null,
  }));
  const state = typeof job.state === 'string' ? job.state : job.finished === true ? 'finished' : 'running';
  return { id: jobId(job), state, targets };
}
