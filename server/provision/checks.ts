// What a phone's files will not carry as stored (`GET /devices/{mac}/checks`, the device page):
// values its vendor cannot represent, features it has no place for, extra lines it cannot
// register, and vendor parameters that replace a value cadran computes. Advisory: values no
// format can carry are refused at save time already. Every entry has a stable code and its
// parameters; the web page translates them through the catalogue (`check.<code>`).
import { vendorById } from '../../vendors/index.ts';
import type { TemplateSource, ValueProblem } from '../../vendors/types.ts';
import type { Principal } from '../auth/principal.ts';
import { formatMac } from '../domain/mac.ts';
import type { ServiceDeps } from '../service/context.ts';
import { getDevice } from '../service/devices.ts';
import { buildRenderContext, tenantBaseUrl } from './context.ts';

export interface DeviceChecks {
  mac: string;
  problems: ValueProblem[];
  /** Vendor parameters that replace a value cadran writes itself (one value reaches the phone: theirs). */
  shadows: Array<{ vendor: string; name: string; code: 'vendor_parameter.shadows' }>;
}

export interface ChecksDeps extends ServiceDeps {
  templates: TemplateSource;
}

/** `root`: the URL root links are rendered under (it changes no check; the files are never sent). */
export async function deviceChecks(deps: ChecksDeps, p: Principal, rawMac: string, root: string): Promise<DeviceChecks> {
  const d = await getDevice(deps, p, rawMac);
  const tenant = await deps.store.tenants.get(d.tenantId);
  const vendor = vendorById(d.vendor);
  const out: DeviceChecks = { mac: formatMac(d.mac), problems: [], shadows: [] };
  if (d.extraLines.length > 0 && !d.userNumber) {
    out.problems.push({
      field: 'extraLines',
      code: 'device.extra_lines_without_user',
      message: 'the phone has extra lines but no user: it registers no line until a user is assigned',
      params: { count: d.extraLines.length },
    });
  }
  if (!vendor || !tenant) return out;
  const ctx = await buildRenderContext(deps.store, d.mac, tenantBaseUrl(root, tenant.security.urlToken), deps.defaults);
  if (!ctx) return out;
  out.problems.push(...(vendor.checkValues?.(ctx) ?? []));
  out.shadows = vendor.parameters.shadows(ctx, deps.templates).map((name) => ({ vendor: vendor.id, name, code: 'vendor_parameter.shadows' as const }));
  return out;
}
