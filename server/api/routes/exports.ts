// Exports in the imports' own columns (server/imports/export.ts):
//   GET /devices/export?tenant=&format=csv|excel-fr       operators (every tenant, or one), a tenant admin (theirs)
//   GET /users/{number}/contacts/export?format=csv|excel-fr   the user themself only: personal contacts are private
// Mounted before the devices router, so that `export` is not taken for a MAC.
import { Router, type Response } from 'express';
import type { AppContext } from '../../app-context.ts';
import { principal } from '../auth.ts';
import { forbidden, notFound } from '../../domain/errors.ts';
import { isOperator } from '../../auth/principal.ts';
import { getTenant } from '../../service/tenants.ts';
import { listDevices } from '../../service/devices.ts';
import { getUser } from '../../service/users.ts';
import { listContacts } from '../../service/contacts.ts';
import { requireDeviceImporter } from '../../imports/devices.ts';
import { contactsCsv, devicesCsv, exportFileName, parseExportFormat } from '../../imports/export.ts';

function sendCsv(res: Response, body: string, file: string): void {
  res
    .type('text/csv; charset=utf-8')
    .set('Content-Disposition', `attachment; filename="${file}"`)
    .set('Cache-Control', 'no-store')
    .send(body);
}

export function exportsRouter(app: AppContext): Router {
  const r = Router();
  r.get('/devices/export', async (req, res) => {
    const p = principal(req);
    const q = req.query as Record<string, unknown>;
    const format = parseExportFormat(q.format);
    // Those who may import phones may export them: operators, tenant admins (their parc).
    requireDeviceImporter(p);
    let tenant = typeof q.tenant === 'string' && q.tenant !== '' ? q.tenant : undefined;
    if (tenant !== undefined) await getTenant(app, p, tenant); // 404 for another tenant's admin
    if (!isOperator(p) && p.kind === 'user') tenant ??= p.tenantId;
    const devices = await listDevices(app, p, tenant ? { tenantId: tenant } : {});
    sendCsv(res, devicesCsv(tenant ? devices.filter((d) => d.tenantId === tenant) : devices, format), exportFileName('phones', tenant ?? 'all'));
  });
  r.get('/users/:number/contacts/export', async (req, res) => {
    const p = principal(req);
    const format = parseExportFormat((req.query as Record<string, unknown>).format);
    const u = await getUser(app, p, req.params.number); // 404 for anyone who may not see this user
    if (p.kind !== 'user' || p.number !== u.number) {
      if (p.kind === 'user' && p.role !== 'admin') throw notFound(`user ${u.number}`);
      throw forbidden('personal contacts are exported by their owner only');
    }
    sendCsv(res, contactsCsv(await listContacts(app, p, u.number), format), exportFileName('contacts', u.number));
  });
  return r;
}
