// The audit trail: `GET /audit?tenant=&user=&device=&action=&since=&until=&limit=&cursor=`, newest
// first, one page at a time (`nextCursor` → `?cursor=`). Operators see every entry; a tenant
// admin the entries of their tenant; users are refused (403).
import { Router } from 'express';
import type { AppContext } from '../../app-context.ts';
import { principal } from '../auth.ts';
import { auditView } from '../views.ts';
import { listAudit } from '../../service/audit.ts';

export function auditRouter(app: AppContext): Router {
  const r = Router();
  r.get('/audit', async (req, res) => {
    const page = await listAudit(app, principal(req), req.query as Record<string, unknown>);
    res.set('Cache-Control', 'no-store').json({ entries: page.entries.map(auditView), nextCursor: page.nextCursor });
  });
  return r;
}
