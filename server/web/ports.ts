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
  importContacts?(p: Principal, number: string, csv: string, dryRun: boolean): Promise<ImportReport>;
  importDevices?(p: Principal, csv: string, opts: { dryRun: boolean; skipInvalid: boolean }): Promise<ImportReport>;
  resyncDevice?(p: Principal, mac: string): Promise<{ id: string }>;
  resyncTenant?(p: Principal, tenantId: string): Promise<{ id: string }>;
  resyncJob?(p: Principal, id: string): Promise<ResyncJobView>;
}

/** Import a module that may not exist yet; undefined when it is missing. */
async function optional(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    return (await import(new URL(path, import.meta.url).href)) as Record<string, unknown>;
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw e;
  }
}

let cached: Promise<WebPorts> | undefined;

/** The available ports, resolved once per process. */
export function webPorts(app: AppContext): Promise<WebPorts> {
  cached ??= resolvePorts(app);
  return cached;
}

async function resolvePorts(_app: AppContext): Promise<WebPorts> {
  const ports: WebPorts = {};
  // Wired as the modules land; see the report for what is still missing.
  void optional;
  return ports;
}
