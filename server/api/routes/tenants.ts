import { Router } from 'express';
import type { AppContext } from '../../app-context.ts';
import { principal } from '../auth.ts';
import { tenantView, userView } from '../views.ts';
import { noContent, sendVersioned, writeOptions } from '../versions.ts';
import {
  applyDefaultSecurity, createTenant, deleteTenant, getTenant, listTenants, replaceSecurity, updateTenant,
} from '../../service/tenants.ts';
import { createUser, listUsers } from '../../service/users.ts';
import { getTenantNetworkEntry, setTenantNetwork } from '../../service/network.ts';
import { requireOperator } from '../../auth/principal.ts';

export function tenantsRouter(app: AppContext): Router {
  const r = Router();
  r.get('/tenants', async (req, res) => {
    const p = principal(req);
    res.json((await listTenants(app, p)).map((t) => tenantView(t, p)));
  });
  r.post('/tenants', async (req, res) => {
    const p = principal(req);
    const t = await createTenant(app, p, req.body);
    sendVersioned(res, t.version, tenantView(t, p), 201);
  });
  r.get('/tenants/:tenant', async (req, res) => {
    const p = principal(req);
    const t = await getTenant(app, p, req.params.tenant);
    sendVersioned(res, t.version, tenantView(t, p));
  });
  r.patch('/tenants/:tenant', async (req, res) => {
    const p = principal(req);
    const t = await updateTenant(app, p, req.params.tenant, req.body, writeOptions(req));
    sendVersioned(res, t.version, tenantView(t, p));
  });
  r.delete('/tenants/:tenant', noContent((req) => deleteTenant(app, principal(req), req.params.tenant, writeOptions(req))));
  // Provisioning security as a whole (operators): read, replace, or apply the secure default.
  r.get('/tenants/:tenant/security', async (req, res) => {
    const p = principal(req);
    requireOperator(p);
    const t = await getTenant(app, p, req.params.tenant);
    sendVersioned(res, t.version, t.security);
  });
  r.put('/tenants/:tenant/security', async (req, res) => {
    const p = principal(req);
    const t = await replaceSecurity(app, p, req.params.tenant, req.body, writeOptions(req));
    sendVersioned(res, t.version, t.security);
  });
  r.post('/tenants/:tenant/security/default', async (req, res) => {
    const p = principal(req);
    const t = await applyDefaultSecurity(app, p, req.params.tenant, writeOptions(req));
    sendVersioned(res, t.version, tenantView(t, p));
  });
  r.get('/tenants/:tenant/users', async (req, res) => {
    const p = principal(req);
    res.json((await listUsers(app, p, req.params.tenant)).map((u) => userView(u, p)));
  });
  r.post('/tenants/:tenant/users', async (req, res) => {
    const p = principal(req);
    const u = await createUser(app, p, req.params.tenant, req.body);
    sendVersioned(res, u.version, userView(u, p), 201);
  });
  // The phone profile; `/profile` is its better name, `/network` (the contract's) keeps working.
  // Both answer with an ETag; a PUT with If-Match naming an older version gets 412.
  for (const path of ['/tenants/:tenant/network', '/tenants/:tenant/profile']) {
    r.get(path, async (req, res) => {
      const entry = await getTenantNetworkEntry(app, principal(req), req.params.tenant as string);
      sendVersioned(res, entry.version, entry.profile);
    });
    r.put(path, async (req, res) => {
      const entry = await setTenantNetwork(app, principal(req), req.params.tenant as string, req.body, writeOptions(req));
      sendVersioned(res, entry.version, entry.profile);
    });
    // A JSON merge patch (RFC 7396): the fields given, `null` removes one; the rest stays.
    r.patch(path, async (req, res) => {
      const entry = await setTenantNetwork(app, principal(req), req.params.tenant as string, req.body, { ...writeOptions(req), merge: true });
      sendVersioned(res, entry.version, entry.profile);
    });
  }
  return r;
}
