// Store rows → one plain RenderContext for a device: merged network profile, keys, contacts.
// Vendors render from this and nothing else.
import type { NetworkProfile, RenderAccount, RenderContext } from '../../vendors/types.ts';
import type { Store } from '../store/types.ts';
import { effectiveProfile } from '../service/network.ts';
import { deviceFirmware } from '../service/firmware.ts';

/** `defaults`: the installation level of the profile, under the tenant's and the device's. */
export async function buildRenderContext(store: Store, mac: string, baseUrl: string, defaults: NetworkProfile = {}): Promise<RenderContext | null> {
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
    } else if (sec.auth.username && sec.auth.password) {
      provisioningAuth = { username: sec.auth.username, password: sec.auth.password };
    }
  }
  const keys: RenderContext['keys'] = [];
  for (const k of user ? await store.keys.list(user.number) : []) {
    // A BLF key without its own label shows the supervised colleague's licence name.
    const label = k.label ?? (k.type === 'blf' && k.value ? (await store.users.get(k.value))?.name : undefined);
    keys.push({ position: k.position, type: k.type, ...(k.value ? { value: k.value } : {}), ...(label ? { label } : {}) });
  }
  const contacts = user
    ? (await store.contacts.list(user.number)).map((c) => ({
        id: String(c.id),
        name: c.name,
        ...(c.work ? { work: c.work } : {}),
        ...(c.mobile ? { mobile: c.mobile } : {}),
        ...(c.home ? { home: c.home } : {}),
        ...(c.group ? { group: c.group } : {}),
      }))
    : [];
  // Accounts 2…n: the extra lines, each a licence of the same tenant (a deleted one is skipped).
  const extraLines: RenderAccount[] = [];
  for (const n of user ? device.extraLines : []) {
    const u = await store.users.get(n);
    if (!u || u.tenantId !== device.tenantId || u.number === user?.number) continue;
    extraLines.push({ number: u.number, name: u.name, sipAuthName: u.sipAuthName, sipPassword: u.sipPassword, voicemailNumber: u.voicemailNumber });
  }
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
    network: await effectiveProfile(store, device.mac, device.tenantId, defaults),
    ...(firmware ? { firmware: { url: firmware.url, version: firmware.version } } : {}),
    baseUrl,
    ...(provisioningAuth ? { provisioningAuth } : {}),
  };
}

/** The URL prefix a tenant's phones use: with `/p/<token>/` when the tenant uses URL tokens. */
export function tenantBaseUrl(root: string, urlToken: string | null | undefined): string {
  const r = root.endsWith('/') ? root : root + '/';
  return urlToken ? `${r}p/${urlToken}/` : r;
}
