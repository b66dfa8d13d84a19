// Adopt before serve (issue 12): every device has its own provisioning credentials, generated
// when it is created, imported, claimed or moved. When its tenant adopts before serving
// (security.enrolment with an auth mode), a new device gets an enrolment window: during it, and
// once, its files may be fetched without credentials — those files carry the credentials, which
// the phone then presents on every later fetch. Rotating the credentials opens a new window.
import { randomSecret } from '../auth/passwords.ts';
import { adoptsBeforeServe, ENROLMENT_DEFAULT_HOURS, type ProvisioningSecurity } from '../domain/schemas.ts';
import type { Device, Store, Tenant } from '../store/types.ts';

/** Length of a generated provisioning password: 24 characters of [A-Za-z0-9], ~143 bits. */
export const PROVISIONING_PASSWORD_LENGTH = 24;

/**
 * Fresh credentials for a device. The password is alphanumeric so that every vendor's format
 * carries it verbatim (no escaping in a `key = value` file or XML).
 */
export function newProvisioningCredentials(mac: string): { provisioningUsername: string; provisioningPassword: string } {
  return { provisioningUsername: `cadran-${mac}`, provisioningPassword: randomSecret(PROVISIONING_PASSWORD_LENGTH) };
}

/** End of an enrolment window opened now for a device of this tenant; null when it does not adopt. */
export function enrolmentUntil(security: ProvisioningSecurity, now = Date.now()): string | null {
  if (!adoptsBeforeServe(security)) return null;
  const hours = security.enrolment?.windowHours ?? ENROLMENT_DEFAULT_HOURS;
  return new Date(now + hours * 3600_000).toISOString();
}

/**
 * Give every device of the tenant credentials (those without) and open an enrolment window for
 * the devices that need one: all of them (`all`), or those not enrolled yet. Returns their MACs.
 * Runs inside the caller's transaction.
 */
export async function enrolDevices(store: Store, tenant: Pick<Tenant, 'id' | 'security'>, which: 'all' | 'not-enrolled', now = Date.now()): Promise<string[]> {
  const until = enrolmentUntil(tenant.security, now);
  const macs: string[] = [];
  for (const d of await store.devices.list({ tenantId: tenant.id })) {
    if (!d.provisioningUsername || !d.provisioningPassword) {
      const { mac, createdAt: _c, updatedAt: _u, version: _v, enrolUntil: _e, enrolledAt: _a, enrolledIp: _i, ...rest } = d;
      await store.devices.update(mac, { ...rest, ...newProvisioningCredentials(mac) });
      macs.push(mac);
    }
    if (until && (which === 'all' || d.enrolledAt === null)) {
      await store.devices.openEnrolment(d.mac, until);
      if (!macs.includes(d.mac)) macs.push(d.mac);
    }
  }
  return macs;
}

export type EnrolmentState = 'not-required' | 'open' | 'enrolled' | 'expired' | 'closed';

/** What an operator or admin sees of a device's enrolment. */
export function enrolmentView(d: Device, security: ProvisioningSecurity, now = Date.now()) {
  let state: EnrolmentState;
  if (!adoptsBeforeServe(security)) state = 'not-required';
  else if (d.enrolUntil) state = Date.parse(d.enrolUntil) > now ? 'open' : 'expired';
  else state = d.enrolledAt ? 'enrolled' : 'closed';
  return { state, until: d.enrolUntil, enrolledAt: d.enrolledAt, enrolledFrom: d.enrolledIp };
}
