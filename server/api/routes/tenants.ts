import { Router } from 'express';
import type { AppContext } from '../../app-context.ts';
import { principal } from '../auth.ts';
import { tenantView, userView } from '../views.ts';
import { createTenant, deleteTenant, getTenant, listTenants, updateTenant } from '../../service/tenants.ts';
import { createUser, listUsers } from '../../service/users.ts';
import { getTenantNetwork, setTenantNetwork } from '../../service/network.ts';

export function tenantsRouter(app: AppContext): Router {
  const r = Router();
  r.get('/tenants', async (req, res) => {
    const p = principal(req);
    res.json((await listTenants(app, p)).map((t) => tenantView(t, p)));
  });
  r.post('/tenants', async (req, res) => {
    const p = principal(req);
    res.status(201).json(tenantView(await createTenant(app, p, req.body), p));
  });
  r.get('/tenants/:tenant', async (req, res) => {
    const p = principal(req);
    res.json(tenantView(await getTenant(app, p, req.params.tenant), p));
  });
  r.patch('/tenants/:tenant', async (req, res) => {
    const p = principal(req);
    res.json(tenantView(await updateTenant(app, p, req.params.tenant, req.body), p));
  });
  r.delete('/tenants/:tenant', async (req, res) => {
    await deleteTenant(app, principal(req), req.params.tenant);
    res.status(204).end();
  });
  r.get('/tenants/:tenant/users', async (req, res) => {
    const p = principal(req);
    res.json((await listUsers(app, p, req.params.tenant)).map((u) => userView(u, p)));
  });
  r.post('/tenants/:tenant/users', async (req, res) => {
    const p = principal(req);
    res.status(201).json(userView(await createUser(app, p, req.params.tenant, req.body), p));
  });
  // The phone profile; `/profile` is its better name, `/network` (the contract's) keeps working.
  for (const path of ['/tenants/:tenant/network', '/tenants/:tenant/profile']) {
    r.get(path, async (req, res) => {
      res.json(await getTenantNetwork(app, principal(req), req.params.tenant as string));
    });
    r.put(path, async (req, res) => {
      res.json(await setTenantNetwork(app, principal(req), req.params.tenant as string, req.body));
    });
  }
  return r;
}
