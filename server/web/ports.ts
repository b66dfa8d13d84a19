// Features the cockpit shows but does not implement: CSV imports (server/imports/) and resync
// (server/resync/), behind small ports so page tests can put stand-ins in their place
// (webRouter(app, ports)).
import type { AppContext } from '../app-context.ts';
import type { Actor, Principal } from '../auth/principal.ts';
import { importDevices } from '../imports/devices.ts';
import { importContacts } from '../imports/contacts.ts';
import type { LineReason } from '../imports/report.ts';
import type { Message } from '../domain/messages.ts';

export interface ImportLine {
  line: number;
  status: string;
  mac?: string;
  name?: string;
  /** Why the line is rejected, as a catalogue key (the page translates it). */
  reason?: LineReason;
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
  /** `reason`: why (refused, never seen, no answer…) as a catalogue key; the page translates it. */
  targets: Array<{ mac: string; state: string; code?: number | null; reason?: Message | null }>;
}

export interface WebPorts {
  importContacts?(p: Actor, number: string, csv: Buffer, dryRun: boolean): Promise<ImportReport>;
  importDevices?(p: Actor, csv: Buffer, opts: { dryRun: boolean; skipInvalid: boolean }): Promise<ImportReport>;
  resyncDevice?(p: Actor, mac: string): Promise<{ id: string }>;
  resyncTenant?(p: Actor, tenantId: string): Promise<{ id: string }>;
  resyncJob?(p: Principal, id: string): Promise<ResyncJobView>;
}

/** The importers read a stream of chunks; the page hands them the uploaded bytes at once. */
async function* once(bytes: Buffer): AsyncGenerator<Buffer> {
  yield bytes;
}

/** The import and resync services as the pages call them. */
export function webPorts(app: AppContext): WebPorts {
  return {
    importDevices: (p, csv, o) => importDevices(app, p, once(csv), { dryRun: o.dryRun, mode: o.skipInvalid ? 'skip-invalid' : 'all-or-nothing' }),
    importContacts: (p, number, csv, dryRun) => importContacts(app, p, number, once(csv), { dryRun, mode: 'skip-invalid' }),
    resyncDevice: async (p, mac) => ({ id: (await app.resync.device(p, mac)).id }),
    resyncTenant: async (p, tenant) => ({ id: (await app.resync.tenant(p, tenant)).id }),
    resyncJob: async (p, id) => {
      const job = await app.resync.job(p, id);
      return { id: job.id, state: job.state, targets: job.targets.map((t) => ({ mac: t.mac, state: t.state, code: t.code ?? null, reason: t.reason ?? null })) };
    },
  };
}
