// Features the cockpit shows but does not implement: CSV imports (server/imports/) and resync
// (server/resync/), behind small ports so page tests can put stand-ins in their place
// (webRouter(app, ports)).
import type { AppContext } from '../app-context.ts';
import type { Actor, Principal } from '../auth/principal.ts';
import { importDevices } from '../imports/devices.ts';
import { importContacts, importSharedContacts } from '../imports/contacts.ts';
import type { LineReason } from '../imports/report.ts';
import type { Message } from '../domain/messages.ts';
import { notFound } from '../domain/errors.ts';

export interface ImportLine {
  line: number;
  status: string;
  mac?: string;
  name?: string;
  /** Why the line is rejected, as a catalogue key (the page translates it). */
  reason?: LineReason;
}

export interface ImportReport {
  /** True for the check before writing. */
  dryRun: boolean;
  mode: 'all-or-nothing' | 'skip-invalid';
  /** True only when the lines were written (never for a dry run, nor an all-or-nothing import with a rejected line). */
  applied: boolean;
  /** What happened, as a catalogue key with its counts. */
  summary: Message;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  /** Contacts handed to someone else's address book (created or already there: not said). */
  added: number;
  lines: ImportLine[];
}

export interface ResyncJobView {
  id: string;
  state: string;
  /** What the job covers (`device` + MAC, `tenant` + id…), when known. */
  scope?: string;
  scopeId?: string;
  /** `reason`: why (refused, never seen, no answer…) as a catalogue key; the page translates it. */
  targets: Array<{ mac: string; state: string; code?: number | null; reason?: Message | null; fetchedAt?: string | null }>;
}

export interface WebPorts {
  importContacts?(p: Actor, number: string, csv: Buffer, dryRun: boolean): Promise<ImportReport>;
  /** The company directory's shared contacts of a tenant, like personal ones. */
  importSharedContacts?(p: Actor, tenantId: string, csv: Buffer, dryRun: boolean): Promise<ImportReport>;
  importDevices?(p: Actor, csv: Buffer, opts: { dryRun: boolean; skipInvalid: boolean }): Promise<ImportReport>;
  resyncDevice?(p: Actor, mac: string): Promise<{ id: string }>;
  resyncTenant?(p: Actor, tenantId: string): Promise<{ id: string }>;
  resyncJob?(p: Principal, id: string): Promise<ResyncJobView>;
  /** A new job for these phones (the failed ones of an earlier job), checked like a device resync. */
  resyncAgain?(p: Actor, macs: string[], what: string): Promise<{ id: string }>;
  /** Jobs for the phones a bulk edit selected (one per tenant); their ids. */
  resyncChanged?(p: Actor, macs: string[], what: string, reboot: boolean): Promise<string[]>;
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
    importSharedContacts: (p, tenantId, csv, dryRun) => importSharedContacts(app, p, tenantId, once(csv), { dryRun, mode: 'skip-invalid' }),
    resyncDevice: async (p, mac) => ({ id: (await app.resync.device(p, mac)).id }),
    resyncTenant: async (p, tenant) => ({ id: (await app.resync.tenant(p, tenant)).id }),
    resyncJob: async (p, id) => {
      const job = await app.resync.job(p, id);
      return {
        id: job.id, state: job.state, scope: job.scope, scopeId: job.scopeId,
        targets: job.targets.map((t) => ({ mac: t.mac, state: t.state, code: t.code ?? null, reason: t.reason ?? null, fetchedAt: t.fetchedAt ?? null })),
      };
    },
    resyncChanged: async (p, macs, what, reboot) => (await app.resync.changed(p, macs, what, { reboot })).map((j) => j.id),
    resyncAgain: async (p, macs, what) => {
      const jobs = await app.resync.changed(p, macs, what);
      if (!jobs[0]) throw notFound('not_found.device', { mac: macs.join(', ') });
      return { id: jobs[0].id };
    },
  };
}
