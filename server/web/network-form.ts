// The network profile form, shared by the tenant page and the per-device overrides: from a stored
// profile to form values, and from the submitted form to the API's input shape.
import type { Request } from 'express';
import { vendors } from '../../vendors/index.ts';
import { listTimezones } from '../../vendors/common/timezone.ts';
import type { NetworkProfile } from '../../vendors/types.ts';
import { field, lines, numberOrNull, orNull } from './forms.ts';

const NUMBERS = ['vlanId', 'vlanPriority', 'dscpSip', 'dscpRtp', 'resyncIntervalMinutes'] as const;
/** The profile fields this form edits; the others (locale, codecs, vendorParameters…, set through
 *  the API) are kept as stored when the form is saved. */
const FORM_FIELDS: ReadonlySet<string> = new Set([...NUMBERS, 'ntpServers', 'dnsServers', 'timezone', 'syslogServer', 'adminPassword', 'firmware']);

let zones: string[] | undefined;
export const timezones = (): string[] => (zones ??= listTimezones());

export function allModels(only?: string[]) {
  return vendors.flatMap((v) =>
    v.models.filter((m) => !only || only.includes(m.model)).map((m) => ({ vendor: v.displayName, model: m.model })),
  );
}

/** Stored profile → the strings shown in the form. */
export function profileForm(p: NetworkProfile): Record<string, string> {
  const f: Record<string, string> = {};
  for (const k of NUMBERS) f[k] = p[k] === undefined ? '' : String(p[k]);
  f.ntpServers = (p.ntpServers ?? []).join(', ');
  f.dnsServers = (p.dnsServers ?? []).join(', ');
  f.timezone = p.timezone ?? '';
  f.syslogServer = p.syslogServer ?? '';
  f.hasAdminPassword = p.adminPassword ? '1' : '';
  for (const [model, url] of Object.entries(p.firmware ?? {})) f[`fw_${model}`] = url;
  return f;
}

/**
 * Submitted form → API input. Empty fields are left unset. The admin password is write-only:
 * blank keeps the current one, the "clear" box removes it. Fields the form does not show are kept.
 */
export function profileInput(req: Request, current: NetworkProfile, models: string[]): { input: Record<string, unknown>; form: Record<string, string> } {
  const input: Record<string, unknown> = Object.fromEntries(Object.entries(current).filter(([k]) => !FORM_FIELDS.has(k)));
  const form: Record<string, string> = {};
  for (const k of NUMBERS) {
    form[k] = field(req, k);
    input[k] = numberOrNull(form[k]);
  }
  for (const k of ['ntpServers', 'dnsServers'] as const) {
    form[k] = field(req, k);
    const list = lines(form[k]);
    if (list.length) input[k] = list;
  }
  form.timezone = field(req, 'timezone');
  input.timezone = orNull(form.timezone);
  form.syslogServer = field(req, 'syslogServer');
  input.syslogServer = orNull(form.syslogServer);
  const pw = field(req, 'adminPassword');
  if (field(req, 'clearAdminPassword') === '1') input.adminPassword = null;
  else input.adminPassword = pw !== '' ? pw : (current.adminPassword ?? null);
  form.hasAdminPassword = input.adminPassword ? '1' : '';
  const firmware: Record<string, string> = {};
  for (const m of models) {
    const v = field(req, `fw_${m}`);
    form[`fw_${m}`] = v;
    if (v) firmware[m] = v;
  }
  if (Object.keys(firmware).length) input.firmware = firmware;
  return { input, form };
}

/** Service field path → form field (`ntpServers.1` → `ntpServers`, `firmware.T54W` → `fw_T54W`). */
export function networkField(path: string): string {
  const [head, sub] = path.split('.');
  if (head === 'firmware' && sub) return `fw_${sub}`;
  return head ?? path;
}
