// Where the schema keeps passwords, the same on both engines (SQLite and PostgreSQL): each one is
// sealed by secrets.ts with its purpose (the table and column) bound into the ciphertext, so a
// value copied from one engine to the other (`cadran migrate`) opens with the same key.
import { isProfileSecret } from './secrets.ts';

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
  key: string;
  column: string;
  purpose: string;
}
export interface JsonSite {
  kind: 'json';
  table: string;
  key: string;
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
  { kind: 'scalar', table: 'fetched_files', key: 'id', column: 'body', purpose: FETCHED_FILE_BODY },
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
];

