// Store rows → one plain RenderContext for a device: merged network profile, keys, contacts.
// Vendors render from this and nothing else.
import type { NetworkProfile, RenderAccount, RenderContact, RenderContext } from '../../vendors/types.ts';
import type { Store } from '../store/types.ts';
import { effectiveProfile } from '../service/network.ts';
import { adoptsBeforeServe } from '../domain/schemas.ts';
import { effectiveKeys } from '../service/templates.ts';
import { deviceFirmware } from '../service/firmware.ts';
import { colleagueId, readCompanyDirectory, renderContact, type CompanyDirectories } from './company.ts';

/** First path segment of the phone-facing events URL: `<base>/events/<mac>/<event>`. */
export const EVENTS_SEGMENT = 'events';

/** `defaults`: the installation level of the profile, under the tenant's and the device's. */
export interface ContextOptions {
  /** Tenants' directories kept between renders (the phone service's); absent: read each time. */
  company?: CompanyDirectories;
}

export async function buildRenderContext(
  store: Store,
  mac: string,
  baseUrl: string,
  defaults: NetworkProfile = {},
  opts: ContextOptions = {},
): Promise<RenderContext | null> {
  const device = await store.devices.get(mac);
  if (!device) return null;
  const tenant = await store.tenants.get(device.tenantId);
  if (!tenant) return null;
  const user = device.userNumber ? await store.users.get(device.userNumber) : undefined;
  const sec = tenant.security;
  let provisioningAuth: RenderContext['provisioningAuth'];
  if (sec.auth && sec.auth.mode !== 'none') {
    if (device.provisioningUsername && device.provisioningPassword) {
      provisioningAuth = { username: device.provisioningUsername, password: device.provisioningPassword };
    } else if (!adoptsBeforeServe(sec) && sec.auth.username && sec.auth.password) {
      provisioningAuth = { username: sec.auth.username, password: sec.auth.password };
    }
  }
  const keys: RenderContext['keys'] = [];
  // The effective keys: the licence's key template, its own keys winning by position.
  for (const k of user ? await effectiveKeys(store, user) : []) {
    // A BLF key without its own label shows the supervised colleague's licence name (a colleague
    // renamed: the phones supervising her are invalidated, server/service/users.ts). A BLF on a
    // licence that is not (or no longer) of this tenant is left out.
    let label = k.label ?? undefined;
    if (k.type === 'blf') {
      const target = k.value ? await store.users.get(k.value) : undefined;
      if (!target || target.tenantId !== device.tenantId) continue;
      label ??= target.name;
    }
    keys.push({ position: k.position, type: k.type, ...(k.value ? { value: k.value } : {}), ...(label ? { label } : {}) });
  }
  const contacts = user ? (await store.contacts.list(user.number)).map((c) => renderContact(String(c.id), c)) : [];
  // The company directory: the tenant's licences not hidden from it (the user's own left out), and
  // the contacts the tenant shares. Only with a user: an unassigned phone shows no directory.
  let directory: RenderContext['directory'];
  if (user) {
    const company = await (opts.company ? opts.company.get(device.tenantId) : readCompanyDirectory(store, device.tenantId));
    // The same (frozen) objects for every phone of the tenant: vendors keep what they wrote for each.
    const own = colleagueId(user.number);
    directory = { colleagues: company.colleagues.filter((c) => c.id !== own), shared: [...company.shared] };
  }
  // Accounts 2…n: the extra lines, each a licence of the same tenant (a deleted one is skipped).
  const extraLines: RenderAccount[] = [];
  for (const n of user ? device.extraLines : []) {
    const u = await store.users.get(n);
    if (!u || u.tenantId !== device.tenantId || u.number === user?.number) continue;
    extraLines.push({ number: u.number, name: u.name, sipAuthName: u.sipAuthName, sipPassword: u.sipPassword, voicemailNumber: u.voicemailNumber });
  }
  // The user's line settings, once saved in cadran (never saved: nothing is written, the phone
  // keeps what its user set on it).
  const stored = user ? await store.features.get(user.number) : undefined;
  const features: RenderContext['features'] = stored
    ? { dnd: stored.dnd, forwardAlways: stored.forwardAlways, rejectAnonymous: stored.rejectAnonymous, blacklist: stored.blacklist }
    : undefined;
  const firmware = await deviceFirmware(store, device, defaults);
  return {
    device: { mac: device.mac, vendor: device.vendor, model: device.model, ...(device.label ? { label: device.label } : {}) },
    tenant: {
      id: tenant.id,
      name: tenant.name,
      sipDomain: tenant.sipDomain,
      ...(tenant.sipProxy ? { sipProxy: tenant.sipProxy } : {}),
      sipPort: tenant.sipPort,
      sipTransport: tenant.sipTransport,
    },
    ...(user
      ? {
          user: {
            number: user.number,
            name: user.name,
            sipAuthName: user.sipAuthName,
            sipPassword: user.sipPassword,
            voicemailNumber: user.voicemailNumber,
          },
        }
      : {}),
    ...(extraLines.length > 0 ? { extraLines } : {}),
    keys,
    contacts,
    ...(features ? { features } : {}),
    ...(directory ? { directory } : {}),
    network: await effectiveProfile(store, device.mac, device.tenantId, defaults),
    ...(firmware ? { firmware: { url: firmware.url, version: firmware.version } } : {}),
    baseUrl,
    // Toggles made on the phone come back here (server/phone/http.ts, events path).
    ...(user ? { eventsUrl: `${baseUrl}${EVENTS_SEGMENT}/${device.mac}/` } : {}),
    ...(provisioningAuth ? { provisioningAuth } : {}),
  };
}

/** The URL prefix a tenant's phones use: with `/p/<token>/` when the tenant uses URL tokens. */
export function tenantBaseUrl(root: string, urlToken: string | null | undefined): string {
  const r = root.endsWith('/') ? root : root + '/';
  return urlToken ? `${r}p/${urlToken}/` : r;
}
