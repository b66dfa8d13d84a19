// Render a named file for a device (or every file of its boot sequence): the one place that
// goes from a MAC to bytes, used by the phone listeners and `cadran render`.
import { vendorById } from '../../vendors/index.ts';
import type { NetworkProfile, RenderedFile, TemplateSource } from '../../vendors/types.ts';
import { notFound } from '../domain/errors.ts';
import { formatMac } from '../domain/mac.ts';
import type { Store } from '../store/types.ts';
import { buildRenderContext, tenantBaseUrl } from './context.ts';
import type { CompanyDirectories } from './company.ts';

export interface RenderDeps {
  store: Store;
  templates: TemplateSource;
  /** The installation level of the profile (server/domain/profile.ts); absent: none. */
  defaults?: NetworkProfile;
  /** Tenants' company directories kept between renders (the phone service's). */
  company?: CompanyDirectories;
}

/** Boot file names of a provisioned device, in the order the phone asks for them. */
export async function bootFilesOf(deps: RenderDeps, mac: string): Promise<string[]> {
  const d = await deps.store.devices.get(mac);
  if (!d) throw notFound('not_found.device', { mac: formatMac(mac) });
  const vendor = vendorById(d.vendor);
  if (!vendor) throw notFound('not_found.vendor', { vendor: d.vendor, mac: formatMac(mac) });
  return vendor.bootFiles(mac, d.model);
}

/** Render `file` for the provisioned device `mac`; null when that vendor serves no such file. */
export async function renderDeviceFile(deps: RenderDeps, mac: string, file: string, publicRoot: string): Promise<RenderedFile | null> {
  const d = await deps.store.devices.get(mac);
  if (!d) return null;
  const vendor = vendorById(d.vendor);
  const tenant = await deps.store.tenants.get(d.tenantId);
  if (!vendor || !tenant) return null;
  const ctx = await buildRenderContext(deps.store, mac, tenantBaseUrl(publicRoot, tenant.security.urlToken), deps.defaults, deps.company ? { company: deps.company } : {});
  return vendor.render(file, ctx, deps.templates);
}
