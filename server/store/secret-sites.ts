// Where the schema keeps passwords, the same on both engines (SQLite and PostgreSQL): each one is
// sealed by secrets.ts with its purpose (the table and column) bound into the ciphertext, so a
// value copied from one engine to the other (`cadran migrate`) opens with the same key.
import { SecretBox, isProfileSecret } from './secrets.ts';
import type { Device, UndoEntry } from './types.ts';

/** The purpose of a stored password: `<table>.<column>` (`users.sip_password`), bound into its ciphertext. */
const purposeOf = (...parts: string[]): string => parts.join('.');

export const SIP_PASSWORD = purposeOf('users', 'sip_password');
export const PROVISIONING_PASSWORD = purposeOf('devices', 'provisioning_password');
export const TENANT_AUTH_PASSWORD = purposeOf('security', 'auth', 'password');
/** A file as a phone last fetched it (it carries the passwords the file holds): base64 of the bytes, sealed. */
export const FETCHED_FILE_BODY = purposeOf('fetched_files', 'body');

export interface ScalarSite {
  kind: 'scalar';
  table: string;
  /** Column (or SQL expression, the same on both engines) naming one row. */
  key: string;
  /** Made by a later migration than 007 (which seals what was plaintext): skipped while absent. */
  optional?: true;
  column: string;
  purpose: string;
}
export interface JsonSite {
  kind: 'json';
  table: string;
  /** Column (or SQL expression, the same on both engines) naming one row. */
  key: string;
  /** Made by a later migration than 007 (which seals what was plaintext): skipped while absent. */
  optional?: true;
  column: string;
  /** The secret strings of one parsed value: [purpose, read, write]. */
  fields(value: Record<string, unknown>): Array<{ purpose: string; get(): string; set(v: string): void }>;
  /** Text every value holding one contains (engines select candidate rows with a LIKE on it). */
  needle: string;
}
export type Site = ScalarSite | JsonSite;

const profileFields = (p: Record<string, unknown>) =>
  Object.keys(p)
    .filter((k) => isProfileSecret(k) && typeof p[k] === 'string')
    .map((k) => ({ purpose: `profile.${k}`, get: () => p[k] as string, set: (v: string) => void (p[k] = v) }));

export const SECRET_SITES: Site[] = [
  { kind: 'scalar', table: 'users', key: 'number', column: 'sip_password', purpose: SIP_PASSWORD },
  { kind: 'scalar', table: 'devices', key: 'mac', column: 'provisioning_password', purpose: PROVISIONING_PASSWORD },
  { kind: 'scalar', table: 'fetched_files', key: 'id', column: 'body', purpose: FETCHED_FILE_BODY, optional: true },
  {
    kind: 'json', table: 'tenants', key: 'id', column: 'security', needle: '"password"',
    fields: (s) => {
      const auth = s.auth as Record<string, unknown> | undefined;
      if (!auth || typeof auth.password !== 'string') return [];
      return [{ purpose: TENANT_AUTH_PASSWORD, get: () => auth.password as string, set: (v: string) => void (auth.password = v) }];
    },
  },
  { kind: 'json', table: 'tenant_network', key: 'tenant_id', column: 'profile', needle: 'Password"', fields: profileFields },
  { kind: 'json', table: 'device_network', key: 'mac', column: 'profile', needle: 'Password"', fields: profileFields },
  // The undo journal of imports (migration 008) keeps a device as it was before the import wrote
  // it, its provisioning password sealed like the devices column's (same purpose): an undo writes
  // it back re-sealed, and a rotation re-encrypts it with the rest.
  {
    kind: 'json', table: 'import_undo', key: "run_id || ':' || seq", column: 'before', needle: '"provisioningPassword":"', optional: true,
    fields: (d) =>
      typeof d.provisioningPassword === 'string'
        ? [{ purpose: PROVISIONING_PASSWORD, get: () => d.provisioningPassword as string, set: (v: string) => void (d.provisioningPassword = v) }]
        : [],
  },
];

/** The stored text of a journal entry's before-image: a device's provisioning password sealed, never plaintext. */
export function journalBefore(box: SecretBox, e: UndoEntry): string | null {
  if (e.before === null) return null;
  if (e.entity !== 'device') return JSON.stringify(e.before);
  const d = e.before as Device;
  return JSON.stringify({ ...d, provisioningPassword: box.sealNullable(d.provisioningPassword ?? null, PROVISIONING_PASSWORD) });
}

/** The provisioning password to write back from a journal's before-image: re-sealed with the current key. */
export function restoredPassword(box: SecretBox, d: Device): string | null {
  return d.provisioningPassword === null || d.provisioningPassword === undefined ? null : box.seal(box.open(d.provisioningPassword, PROVISIONING_PASSWORD), PROVISIONING_PASSWORD);
}


// ---- the passes over every stored password (seal plaintext, census, re-encrypt), shared by the
// engines: they read and write the rows, these decide what each stored text becomes.

/** What a pass does with one stored password: the text to store instead, or undefined to leave it. */
export type SecretRewrite = (stored: string, purpose: string) => string | undefined;

/** The rows of a scalar site a pass visits (only plaintext ones when sealing what is left). */
export const scalarWhere = (site: ScalarSite, plaintextOnly?: boolean): string =>
  `${site.column} IS NOT NULL${plaintextOnly ? ` AND ${site.column} NOT LIKE 'enc:1:%'` : ''}`;

/** A scalar password's new text, or undefined when it stays as it is. */
export function rewriteScalar(site: ScalarSite, stored: string, fn: SecretRewrite): string | undefined {
  const next = fn(stored, site.purpose);
  return next !== undefined && next !== stored ? next : undefined;
}

/** A JSON document's passwords rewritten: its new text and how many of them changed (0: leave the row). */
export function rewriteJson(site: JsonSite, text: string, fn: SecretRewrite, plaintextOnly?: boolean): { text: string; changed: number } {
  const value = JSON.parse(text) as Record<string, unknown>;
  let changed = 0;
  for (const f of site.fields(value)) {
    const cur = f.get();
    if (plaintextOnly && SecretBox.isSealed(cur)) continue;
    const next = fn(cur, f.purpose);
    if (next !== undefined && next !== cur) {
      f.set(next);
      changed++;
    }
  }
  return { text: changed ? JSON.stringify(value) : text, changed };
}

/** A pass that counts the stored passwords per key id (`plaintext` for the others) and changes none. */
export function censusPass(): { counts: Record<string, number>; visit: SecretRewrite } {
  const counts: Record<string, number> = {};
  return {
    counts,
    visit: (stored) => {
      const id = SecretBox.keyIdIn(stored) ?? 'plaintext';
      counts[id] = (counts[id] ?? 0) + 1;
      return undefined;
    },
  };
}
