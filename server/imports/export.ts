// Exports in the imports' own columns, so that importing an export changes nothing: phones as
// `mac,vendor,model,tenant,user,label,group` plus the line settings of each phone's user
// (`forward,dnd,vip,blacklist,anonymous`, filled only for users whose settings were saved in
// cadran, so that an import never stores settings nobody set), the header names DEVICE_COLUMNS
// reads; and a user's
// personal contacts as `name,work,mobile,home,group` (CONTACT_COLUMNS).
//   - `csv`: RFC 4180, `,`, UTF-8 without BOM, CRLF line ends (scripts, other tools);
//   - `excel-fr`: `;`, UTF-8 with a BOM, CRLF: what a French Excel opens in columns (its list
//     separator is `;`) with accents intact.
// Text a spreadsheet would run as a formula (a cell starting with = + - @, a tab or CR) is
// prefixed with `'`; the importers drop that mark again (columns.ts `cell`), so the round trip
// holds. Numbers (MACs, user numbers, phone numbers) are written as they are stored.
import { formatMac } from '../domain/mac.ts';
import { invalid } from '../domain/errors.ts';
import type { Contact, Device, Store } from '../store/types.ts';
import type { UserFeatures } from '../domain/features.ts';
import { vendorById } from '../../vendors/index.ts';
import { DEVICE_COLUMNS } from './devices.ts';
import { CONTACT_COLUMNS } from './contacts.ts';

export type ExportFormat = 'csv' | 'excel-fr';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'excel-fr'];

/** `?format=` (or the CLI's --format): csv (default) or excel-fr; `excel` is an alias. */
export function parseExportFormat(raw: unknown): ExportFormat {
  if (raw === undefined || raw === '') return 'csv';
  if (typeof raw === 'string') {
    const v = raw.trim().toLowerCase();
    if (v === 'csv') return 'csv';
    if (v === 'excel-fr' || v === 'excel' || v === 'excel_fr') return 'excel-fr';
  }
  throw invalid('format', 'validation.choice', { values: EXPORT_FORMATS.join(', ') });
}

// Also a text already starting with the mark before such a character (`'=x`): it gets one more
// `'`, since the importer drops one.
const FORMULA = /^'*[=+\-@\t\r]/;

function cellOf(value: string | null | undefined, sep: string, text: boolean): string {
  let s = value ?? '';
  if (text && FORMULA.test(s)) s = `'${s}`;
  return s.includes(sep) || /["\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function table(header: readonly string[], rows: Array<Array<{ v: string | null; text: boolean }>>, format: ExportFormat): string {
  const sep = format === 'excel-fr' ? ';' : ',';
  const lines = [header.join(sep), ...rows.map((r) => r.map((c) => cellOf(c.v, sep, c.text)).join(sep))];
  return `${format === 'excel-fr' ? '\ufeff' : ''}${lines.join('\r\n')}\r\n`;
}

type DeviceColumn = keyof typeof DEVICE_COLUMNS;
type ContactColumn = keyof typeof CONTACT_COLUMNS;

/** Column names as the device import reads them (each is its own first alias). */
export const DEVICE_EXPORT_COLUMNS: readonly DeviceColumn[] = ['mac', 'vendor', 'model', 'tenant', 'user', 'label', 'group', 'forward', 'dnd', 'vip', 'blacklist', 'anonymous', 'keyTemplate'];
export const CONTACT_EXPORT_COLUMNS: readonly ContactColumn[] = ['name', 'work', 'mobile', 'home', 'group'];

/** The saved line settings of the users these phones belong to (users never saved: absent). */
export async function featuresOfDevices(store: Store, devices: Device[]): Promise<Map<string, UserFeatures>> {
  const out = new Map<string, UserFeatures>();
  for (const n of new Set(devices.map((d) => d.userNumber).filter((n): n is string => !!n))) {
    const f = await store.features.get(n);
    if (f) out.set(n, f);
  }
  return out;
}

/** The key template (its name) of the users these phones belong to (users without one: absent). */
export async function templatesOfDevices(store: Store, devices: Device[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const n of new Set(devices.map((d) => d.userNumber).filter((n): n is string => !!n))) {
    const u = await store.users.get(n);
    const t = u?.keyTemplate ? await store.keyTemplates.get(u.keyTemplate) : undefined;
    if (t && t.tenantId === u!.tenantId) out.set(n, t.name);
  }
  return out;
}

/** Line settings as the device import reads them: `oui`/`non`, a forward target or `non`, lists separated by ` | `. */
function featureCells(f: UserFeatures | undefined): Array<{ v: string | null; text: boolean }> {
  if (!f) return [null, null, null, null, null].map((v) => ({ v, text: false }));
  const yn = (b: boolean) => (b ? 'oui' : 'non');
  return [
    { v: f.forwardAlways.enabled && f.forwardAlways.target ? f.forwardAlways.target : 'non', text: false },
    { v: yn(f.dnd.enabled), text: false },
    { v: f.dnd.allowedCallers.length ? f.dnd.allowedCallers.join(' | ') : 'non', text: false },
    { v: f.blacklist.length ? f.blacklist.join(' | ') : 'non', text: false },
    { v: yn(f.rejectAnonymous), text: false },
  ];
}

/** Header of each exported phone column: its name, or for the line settings the French words the import reads. */
const DEVICE_HEADERS: Partial<Record<DeviceColumn, string>> = {
  forward: 'renvoi', dnd: 'npd', vip: 'appelants prioritaires', blacklist: 'liste noire', anonymous: 'rejeter-appels-anonymes', keyTemplate: 'modele-de-touches',
};

export function devicesCsv(devices: Device[], format: ExportFormat = 'csv', features: Map<string, UserFeatures> = new Map(), templates: Map<string, string> = new Map()): string {
  return table(
    DEVICE_EXPORT_COLUMNS.map((c) => DEVICE_HEADERS[c] ?? c),
    devices.map((d) => [
      { v: formatMac(d.mac), text: false },
      { v: vendorById(d.vendor)?.displayName ?? d.vendor, text: false },
      { v: d.model, text: false },
      { v: d.tenantId, text: false },
      { v: d.userNumber, text: false },
      { v: d.label, text: true },
      { v: d.group, text: true },
      ...featureCells(d.userNumber ? features.get(d.userNumber) : undefined),
      // The user's key template by name (the import reads a name); none: empty (keeps none).
      { v: (d.userNumber ? templates.get(d.userNumber) : undefined) ?? null, text: true },
    ]),
    format,
  );
}

export function contactsCsv(contacts: Contact[], format: ExportFormat = 'csv'): string {
  return table(
    CONTACT_EXPORT_COLUMNS,
    contacts.map((c) => [
      { v: c.name, text: true },
      { v: c.work, text: false },
      { v: c.mobile, text: false },
      { v: c.home, text: false },
      { v: c.group, text: true },
    ]),
    format,
  );
}

/** A file name for the download: `phones-acme-2026-11-30.csv`. */
export function exportFileName(what: string, scope: string | null, at = new Date()): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');
  return `${safe(what)}${scope ? `-${safe(scope)}` : ''}-${at.toISOString().slice(0, 10)}.csv`;
}
