// Phones seen asking for their files that nobody registered. They are real phones somewhere, so
// only an operator gives one to a tenant — by registering it, or by assigning it to a tenant whose
// admins may then register it (issue 12, finding 11).
import { z } from 'zod';
import { forbidden, invalid, notFound } from '../domain/errors.ts';
import { formatMac, normalizeMac } from '../domain/mac.ts';
import { parseInput, tenantId } from '../domain/schemas.ts';
import { isOperator, requireOperator, type Actor, type Principal } from '../auth/principal.ts';
import type { UnknownDevice } from '../store/types.ts';
import { inTransaction, type ServiceDeps } from './context.ts';
import { recordAudit } from './audit.ts';

/** The list shown at most (the store keeps at most the configured cap anyway). */
const LIST_LIMIT = 10_000;

export async function listUnknownDevices(deps: ServiceDeps, p: Principal): Promise<UnknownDevice[]> {
  if (isOperator(p)) return deps.store.unknownDevices.list({ limit: LIST_LIMIT });
  if (p.kind === 'user' && p.role === 'admin') return deps.store.unknownDevices.list({ assignedTenant: p.tenantId, limit: LIST_LIMIT });
  throw forbidden('forbidden.unknown_phones');
}

/** `PATCH /unknown-devices/{mac}` body. */
export const unknownAssignment = z.object({ tenant: tenantId.nullable() }).strict();

/** `{"tenant": "acme"}` lets acme's admins register this MAC; `{"tenant": null}` takes it back. */
export async function assignUnknownDevice(deps: ServiceDeps, p: Actor, rawMac: string, input: unknown): Promise<UnknownDevice> {
  requireOperator(p);
  const mac = normalizeMac(rawMac);
  const { tenant } = parseInput(unknownAssignment, input);
  return inTransaction(deps, async ({ store }) => {
    if (tenant !== null && !(await store.tenants.get(tenant))) throw invalid('tenant', 'validation.tenant_unknown', { tenant });
    const before = await store.unknownDevices.get(mac);
    if (!before || !(await store.unknownDevices.assign(mac, tenant))) throw notFound('not_found.unknown_phone', { mac: formatMac(mac) });
    const after = (await store.unknownDevices.get(mac))!;
    // The tenant it is given to (or taken from) sees the entry in its trail.
    await recordAudit(store, p, {
      action: 'unknown.assign', tenantId: tenant ?? before.assignedTenant, mac,
      before: { assignedTenant: before.assignedTenant }, after: { assignedTenant: after.assignedTenant },
    });
    return after;
  });
}
