// What every cockpit page checks first: who is browsing, that they administer the tenant of the
// page, and which domain errors a form shows next to its fields (anything else goes to the error page).
import type { Request, Response, Router } from 'express';
import type { AppContext } from '../../app-context.ts';
import { requireTenantAdmin, type Actor, type Principal } from '../../auth/principal.ts';
import { DomainError, notFound } from '../../domain/errors.ts';
import { getTenant } from '../../service/tenants.ts';
import { getUser } from '../../service/users.ts';
import type { Tenant, User } from '../../store/types.ts';

/** The logged-in visitor (with the channel and address the audit trail records). */
export const who = (req: Request): Actor => {
  const p = req.web!.principal;
  if (!p) throw new DomainError('unauthenticated', 'auth.login_first');
  return p;
};

/** The tenant, after checking the visitor administers it. */
export async function adminTenant(app: AppContext, p: Principal, id: string): Promise<Tenant> {
  const t = await getTenant(app, p, id);
  requireTenantAdmin(p, t.id);
  return t;
}

/** The licence of a `/tenants/:tenant/users/:number` page, after checking the visitor administers its tenant. */
export async function licenceOf(app: AppContext, req: Request): Promise<{ p: Actor; t: Tenant; u: User }> {
  const p = who(req);
  const t = await adminTenant(app, p, req.params.tenant as string);
  const u = await getUser(app, p, req.params.number as string);
  if (u.tenantId !== t.id) throw notFound('not_found.user', { number: u.number });
  return { p, t, u };
}

/** A refusal the form shows beside its fields; any other error is thrown on. */
export const invalidOnly = (e: unknown): DomainError => {
  if (e instanceof DomainError && (e.code === 'validation_failed' || e.code === 'conflict')) return e;
  throw e;
};

type TenantHandler = (req: Request, res: Response, t: Tenant, p: Actor) => Promise<void> | void;

/** A page of a tenant its admins (and operators) reach: the handler gets the tenant, checked. */
export function tenantGet(app: AppContext, r: Router, path: string, handler: TenantHandler): void {
  r.get(path, async (req, res) => {
    const p = who(req);
    await handler(req, res, await adminTenant(app, p, String(req.params.tenant)), p);
  });
}

/** A form of such a page, posted. */
export function tenantPost(app: AppContext, r: Router, path: string, handler: TenantHandler): void {
  r.post(path, async (req, res) => {
    const p = who(req);
    await handler(req, res, await adminTenant(app, p, String(req.params.tenant)), p);
  });
}

/** What a tenant page's layout needs: the tenant, its tab, and the nav entry to highlight. */
export const tenantView = (p: Principal, t: Tenant, tab: string) => ({
  tenant: t, tab, isOperator: p.kind === 'operator', active: p.kind === 'operator' ? 'tenants' : tab,
});
