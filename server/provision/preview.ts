// Preview and diff (issue 17): the exact files a phone will get the next time it asks, and what
// changed since the version it last fetched — before anyone tells it to resync.
//
// - A file is rendered exactly as the phone path renders it, under the URL root the phone last
//   asked that file under (links inside files depend on it), else the configured root.
// - Secrets are masked unless asked for: the passwords the render context holds (SIP accounts,
//   the phone's admin and user passwords, provisioning credentials) wherever they appear, as
//   raw bytes and XML-escaped, and any value of a setting, attribute or element whose name says
//   it is a password (`…password = x`, `…pass="x"`, `<…pass>x</…pass>`): that also hides an OLD
//   password in the snapshot the phone fetched, which the current context no longer knows.
//   Unmasked (`secrets`) is for operators and the tenant's admins only, and every such read is
//   audited. The tenant's URL token (in every link of the files) is masked too, and shown only to
//   an operator asking for secrets: the API shows provisioning security to operators only, and
//   for a tenant protected by its token alone, the token opens every phone's files.
// - A snapshot is shown only while the device has the tenant and user it was served for
//   (activity.ts snapshotOwner): a phone given to another user or tenant keeps its snapshots, and
//   they hold the previous user's contacts, the old tenant's token and passwords.
// - "Last fetched" is the snapshot the phone path kept when the phone fetched the file
//   (activity.ts → Store.sightings.recordSnapshots); it may be missing (never fetched, fetched
//   before snapshots existed, too large to keep, or a later version fetched through another node
//   that this one had already handed over).
// - Personal contacts are private to their user (issue 17): a file that carries them (the
//   phone's personal directory / phonebook) is listed to anyone else with its size, ETag and
//   status, marked `private`, but neither its bytes nor its diff are shown (403
//   forbidden.contacts_file_private), whatever `secrets` says. Whether a file carries them is
//   tried, not guessed per vendor: the file rendered with one placeholder contact differs from
//   the file rendered with none (so a user without contacts has the same private files as one with).
// Access: whoever may see the device (getDevice: another tenant gets 404).
import { vendorById } from '../../vendors/index.ts';
import type { NetworkProfile, RenderContext, TemplateSource } from '../../vendors/types.ts';
import { forbidden, notFound } from '../domain/errors.ts';
import { formatMac } from '../domain/mac.ts';
import { isOperator, type Actor, type Principal } from '../auth/principal.ts';
import type { ServiceDeps } from '../service/context.ts';
import { getDevice } from '../service/devices.ts';
import { recordAudit } from '../service/audit.ts';
import type { Device, FileFetch, FileSnapshot } from '../store/types.ts';
import { etagOf } from './cache.ts';
import { snapshotOwner } from './activity.ts';
import { buildRenderContext, tenantBaseUrl } from './context.ts';
import { unifiedDiff, diffLines, hunks, splitLines, type Hunk } from './diff.ts';

export interface PreviewDeps extends ServiceDeps {
  templates: TemplateSource;
  defaults?: NetworkProfile;
  /** URL root used for a file the phone never fetched (the configured public root). */
  root: string;
}

export const MASK = '********';

export type DiffStatus = 'same' | 'changed' | 'never-fetched' | 'no-snapshot';

export interface PreviewFileInfo {
  name: string;
  contentType: string;
  size: number;
  etag: string;
  sensitive: boolean;
  /** Carries the user's personal contacts: its content is hers only (not shown to this reader). */
  private: boolean;
  /** What the phone last fetched of this file, if it did. */
  lastFetched: { at: string; etag: string; snapshot: boolean } | null;
  status: DiffStatus;
}

export interface PreviewFile {
  name: string;
  contentType: string;
  etag: string;
  sensitive: boolean;
  masked: boolean;
  body: Buffer;
}

export interface PreviewDiff {
  name: string;
  status: DiffStatus;
  masked: boolean;
  current: { etag: string; size: number };
  lastFetched: { at: string; etag: string; size: number } | null;
  /** `diff -u` text (empty when the same or nothing to compare with). */
  unified: string;
  hunks: Hunk[];
  /** Bytes differ but not the masked text: only secrets changed. */
  secretsOnly: boolean;
}

/** Only operators and the device tenant's admins read secrets. */
function mayReadSecrets(p: Principal, d: Device): boolean {
  return isOperator(p) || (p.kind === 'user' && p.role === 'admin' && p.tenantId === d.tenantId);
}

const latin1 = (s: string) => Buffer.from(s, 'utf8').toString('latin1');
const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

/** The passwords a render context carries. */
function secretsOf(ctx: RenderContext | null): string[] {
  if (!ctx) return [];
  const out = [ctx.user?.sipPassword, ...(ctx.extraLines ?? []).map((l) => l.sipPassword), ctx.network.adminPassword, ctx.network.phoneUserPassword, ctx.provisioningAuth?.password];
  return out.filter((s): s is string => typeof s === 'string' && s.length > 0);
}

// A name that says password: `password`, `passwd`, `pass`, `pwd`, `secret` inside a key name.
const NAME = '[\\w.\\-:]*?(?:pass(?:word|wd)?|pwd|secret)[\\w.\\-:]*';
const PATTERNS: RegExp[] = [
  // name="value" (XML attribute, quoted config value)
  new RegExp(`(\\b${NAME}\\s*=\\s*")([^"]*)(")`, 'gi'),
  new RegExp(`(\\b${NAME}\\s*=\\s*')([^']*)(')`, 'gi'),
  // <name ...>value</name>
  new RegExp(`(<(${NAME})(?:\\s[^>]*)?>)([^<]*)(</\\2\\s*>)`, 'gi'),
  // name = value (to the end of the line; an empty value, blanks only, stays empty)
  new RegExp(`(^[ \\t]*${NAME}[ \\t]*[=:][ \\t]*)([^\\s"'<][^\\r\\n]*)()`, 'gim'),
];

/** `text` (latin1) with each of `secrets`, raw and XML-escaped, replaced by MASK (longest first). */
function maskKnown(text: string, secrets: readonly string[]): string {
  const forms = new Set<string>();
  for (const s of secrets) {
    forms.add(latin1(s));
    forms.add(latin1(xmlEscape(s)));
  }
  for (const f of [...forms].sort((a, b) => b.length - a.length)) if (f) text = text.split(f).join(MASK);
  return text;
}

/** The bytes with every known secret and every password-named value replaced by MASK. */
export function maskSecrets(body: Buffer, secrets: string[]): Buffer {
  let text = maskKnown(body.toString('latin1'), secrets);
  for (const re of PATTERNS) {
    text = text.replace(re, (...m: string[]) => {
      // Element form: groups are (open, name, value, close); the others (before, value, after).
      if (m.length >= 7 && m[1]!.startsWith('<') && typeof m[4] === 'string' && m[4].startsWith('</')) return `${m[1]}${m[3] ? MASK : ''}${m[4]}`;
      return `${m[1]}${m[2] ? MASK : ''}${m[3]}`;
    });
  }
  return Buffer.from(text, 'latin1');
}

interface Rendered {
  device: Device;
  /** The tenant's URL token, when it has one (masked but for operators asking for secrets). */
  token: string | null;
  files: string[];
  fetched: Map<string, FileFetch>;
  render(name: string): Promise<{ body: Buffer; contentType: string; sensitive: boolean; ctx: RenderContext | null } | null>;
  /** The file carries the user's personal contacts and `p` is not that user: its content is not shown. */
  hidden(name: string): Promise<boolean>;
  /**
   * What the phone last fetched of `name`, when it was served to the device's current tenant and
   * user: one kept from before a move to another tenant or user holds the previous user's
   * contacts, the old tenant's URL token and passwords, and is not shown.
   */
  snapshot(name: string): Promise<FileSnapshot | undefined>;
}

/** Reads personal contacts in files: the phone's user herself (and the CLI). */
const readsContactsOf = (p: Principal, d: Device): boolean => p.kind === 'system' || (p.kind === 'user' && d.userNumber !== null && p.number === d.userNumber);

const PROBE = { id: 'probe', name: 'probe', work: '0100000000' };

async function prepare(deps: PreviewDeps, p: Principal, rawMac: string): Promise<Rendered> {
  const device = await getDevice(deps, p, rawMac);
  const vendor = vendorById(device.vendor);
  if (!vendor) throw notFound('not_found.vendor', { vendor: device.vendor, mac: formatMac(device.mac) });
  const tenant = await deps.store.tenants.get(device.tenantId);
  if (!tenant) throw notFound('not_found.device', { mac: formatMac(device.mac) });
  const fetched = new Map((await deps.store.sightings.files({ mac: device.mac })).map((f) => [f.file, f]));
  const contexts = new Map<string, RenderContext | null>();
  /** When the device's licence was made (read once, when a snapshot is first asked for). */
  let licenceSince: Promise<string | null> | undefined;
  return {
    device,
    token: tenant.security.urlToken ?? null,
    files: vendor.bootFiles(device.mac, device.model),
    fetched,
    async render(name) {
      const root = fetched.get(name)?.root ?? deps.root;
      if (!contexts.has(root)) contexts.set(root, await buildRenderContext(deps.store, device.mac, tenantBaseUrl(root, tenant.security.urlToken), deps.defaults));
      const ctx = contexts.get(root)!;
      const f = ctx ? vendor.render(name, ctx, deps.templates) : null;
      return f ? { body: f.body, contentType: f.contentType, sensitive: f.sensitive, ctx } : null;
    },
    async snapshot(name) {
      const snap = await deps.store.sightings.snapshot(device.mac, name);
      if (!snap || snap.owner !== snapshotOwner(device)) return undefined;
      // A licence deleted and made again under the same number is another person: what was
      // served before the licence existed was not hers.
      licenceSince ??= device.userNumber ? deps.store.users.get(device.userNumber).then((u) => u?.createdAt ?? null) : Promise.resolve(null);
      const since = await licenceSince;
      return since !== null && snap.at < since ? undefined : snap;
    },
    async hidden(name) {
      if (readsContactsOf(p, device)) return false;
      const root = fetched.get(name)?.root ?? deps.root;
      if (!contexts.has(root)) contexts.set(root, await buildRenderContext(deps.store, device.mac, tenantBaseUrl(root, tenant.security.urlToken), deps.defaults));
      const ctx = contexts.get(root);
      if (!ctx) return false;
      const none = vendor.render(name, { ...ctx, contacts: [] }, deps.templates);
      const one = vendor.render(name, { ...ctx, contacts: [PROBE] }, deps.templates);
      return !!none && !!one && !none.body.equals(one.body);
    },
  };
}

function statusOf(etag: string, fetched: FileFetch | undefined, snap: FileSnapshot | undefined): DiffStatus {
  if (!fetched) return 'never-fetched';
  if (fetched.etag === etag) return 'same';
  if (!snap || snap.etag !== fetched.etag || snap.body === null) return 'no-snapshot';
  return 'changed';
}

/** The files this phone asks for at boot, each with its size, ETag and how it compares with what it last fetched. */
export async function listDeviceFiles(deps: PreviewDeps, p: Principal, rawMac: string): Promise<{ mac: string; files: PreviewFileInfo[] }> {
  const r = await prepare(deps, p, rawMac);
  const files: PreviewFileInfo[] = [];
  for (const name of r.files) {
    const f = await r.render(name);
    if (!f) continue;
    const etag = etagOf(f.body);
    const fetched = r.fetched.get(name);
    const snap = fetched ? await r.snapshot(name) : undefined;
    files.push({
      name, contentType: f.contentType, size: f.body.length, etag, sensitive: f.sensitive, private: await r.hidden(name),
      lastFetched: fetched ? { at: fetched.at, etag: fetched.etag, snapshot: !!snap && snap.etag === fetched.etag && snap.body !== null } : null,
      status: statusOf(etag, fetched, snap),
    });
  }
  return { mac: r.device.mac, files };
}

async function secretsAllowed(deps: PreviewDeps, p: Actor, d: Device, name: string, secrets: boolean): Promise<void> {
  if (!secrets) return;
  if (!mayReadSecrets(p, d)) throw forbidden('forbidden.preview_secrets');
  await recordAudit(deps.store, p, { action: 'device.files_secrets', tenantId: d.tenantId, mac: d.mac, userNumber: d.userNumber, summary: { file: name } });
}

async function renderOne(deps: PreviewDeps, r: Rendered, name: string) {
  // Only the phone's own files: a name outside its boot files is not previewed.
  if (!r.files.includes(name)) throw notFound('not_found.device_file', { file: name.slice(0, 100), mac: formatMac(r.device.mac) });
  const f = await r.render(name);
  if (!f) throw notFound('not_found.device_file', { file: name.slice(0, 100), mac: formatMac(r.device.mac) });
  if (await r.hidden(name)) throw forbidden('forbidden.contacts_file_private', { file: name.slice(0, 100) });
  return f;
}

/**
 * What a reader sees of `body`: secrets masked unless `unmasked`; the URL token masked unless an
 * operator asked for secrets.
 */
function shown(body: Buffer, r: Rendered, ctx: RenderContext | null, p: Actor, unmasked: boolean): Buffer {
  const token = r.token && !(unmasked && isOperator(p)) ? [r.token] : [];
  if (!unmasked) return maskSecrets(body, [...secretsOf(ctx), ...token]);
  if (!token.length) return body;
  return Buffer.from(maskKnown(body.toString('latin1'), token), 'latin1');
}

/** The exact bytes the phone gets for `name` (secrets masked unless `secrets`, which is audited). */
export async function previewDeviceFile(deps: PreviewDeps, p: Actor, rawMac: string, name: string, opts: { secrets?: boolean } = {}): Promise<PreviewFile> {
  const r = await prepare(deps, p, rawMac);
  const f = await renderOne(deps, r, name);
  await secretsAllowed(deps, p, r.device, name, !!opts.secrets);
  const masked = !opts.secrets;
  return { name, contentType: f.contentType, etag: etagOf(f.body), sensitive: f.sensitive, masked, body: shown(f.body, r, f.ctx, p, !masked) };
}

/** What changed in `name` since the version the phone last fetched. */
export async function diffDeviceFile(deps: PreviewDeps, p: Actor, rawMac: string, name: string, opts: { secrets?: boolean } = {}): Promise<PreviewDiff> {
  const r = await prepare(deps, p, rawMac);
  const f = await renderOne(deps, r, name);
  await secretsAllowed(deps, p, r.device, name, !!opts.secrets);
  const etag = etagOf(f.body);
  const fetched = r.fetched.get(name);
  const snap = fetched ? await r.snapshot(name) : undefined;
  const status = statusOf(etag, fetched, snap);
  const masked = !opts.secrets;
  const base = {
    name, status, masked, current: { etag, size: f.body.length },
    lastFetched: fetched ? { at: fetched.at, etag: fetched.etag, size: snap && snap.etag === fetched.etag ? snap.size : -1 } : null,
    unified: '', hunks: [] as Hunk[], secretsOnly: false,
  };
  if (status !== 'changed' || !snap?.body) return base;
  const now = shown(f.body, r, f.ctx, p, !masked).toString('utf8');
  const then = shown(snap.body, r, f.ctx, p, !masked).toString('utf8');
  const hs = hunks(diffLines(splitLines(then), splitLines(now)));
  return { ...base, unified: unifiedDiff(`${name} (${fetched!.at})`, `${name}`, then, now), hunks: hs, secretsOnly: hs.length === 0 };
}
