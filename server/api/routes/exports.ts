// Exports in the imports' own columns (server/imports/export.ts):
//   GET /devices/export?tenant=&format=csv|excel-fr       operators (every tenant, or one), a tenant admin (theirs)
//   GET /users/{number}/contacts/export?format=csv|excel-fr   who may read them: the user, their admins, operators
// The format: `?format=` when given, else the Accept header (`application/vnd.ms-excel` asks for
// the French Excel flavour, `text/csv` or anything else for plain CSV).
// Mounted before the devices router, so that `export` is not taken for a MAC.
import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../app-context.ts';
import { principal } from '../auth.ts';
import { isOperator } from '../../auth/principal.ts';
import { getTenant } from '../../service/tenants.ts';
import { listDevices } from '../../service/devices.ts';
import { listContacts } from '../../service/contacts.ts';
import { listSharedContacts } from '../../service/directory.ts';
import { requireDeviceImporter } from '../../imports/devices.ts';
import { contactsCsv, devicesCsv, exportFileName, featuresOfDevices, parseExportFormat, templatesOfDevices, type ExportFormat } from '../../imports/export.ts';

const EXCEL = 'application/vnd.ms-excel';

function formatOf(req: Request): ExportFormat {
  const q = (req.query as Record<string, unknown>).format;
  if (q !== undefined) return parseExportFormat(q);
  return req.accepts(['text/csv', EXCEL]) === EXCEL ? 'excel-fr' : 'csv';
}

function sendCsv(res: Response, body: string, file: string): void {
  res
    .type('text/csv; charset=utf-8')
    .set('Content-Disposition', `attachment; filename="${file}"`)
    .set('Cache-Control', 'no-store')
    .set('Vary', 'Accept')
    .send(body);
}

export function exportsRouter(app: AppContext): Router {
  const r = Router();
  r.get('/devices/export', async (req, res) => {
    const p = principal(req);
    const q = req.query as Record<string, unknown>;
    const format = formatOf(req);
    // Those who may import phones may export them: operators, tenant admins (their parc).
    requireDeviceImporter(p);
    let tenant = typeof q.tenant === 'string' && q.tenant !== '' ? q.tenant : undefined;
    if (tenant !== undefined) await getTenant(app, p, tenant); // 404 for another tenant's admin
    if (!isOperator(p) && p.kind === 'user') tenant ??= p.tenantId;
    const devices = await listDevices(app, p, tenant ? { tenantId: tenant } : {});
    const shown = tenant ? devices.filter((d) => d.tenantId === tenant) : devices;
    sendCsv(res, devicesCsv(shown, format, await featuresOfDevices(app.store, shown), await templatesOfDevices(app.store, shown)), exportFileName('phones', tenant ?? 'all'));
  });
  r.get('/users/:number/contacts/export', async (req, res) => {
    const p = principal(req);
    const format = formatOf(req);
    // Who may read the contacts (GET /users/{number}/contacts) may export them: the user, their
    // tenant's admins, operators.
    const contacts = await listContacts(app, p, req.params.number);
    sendCsv(res, contactsCsv(contacts, format), exportFileName('contacts', req.params.number));
  });
  r.get('/tenants/:tenant/contacts/export', async (req, res) => {
    const p = principal(req);
    const format = formatOf(req);
    // The company's shared contacts: who may read them (the tenant's members, operators).
    const contacts = await listSharedContacts(app, p, req.params.tenant);
    sendCsv(res, contactsCsv(contacts.map((c) => ({ ...c, userNumber: '' })), format), exportFileName('contacts', req.params.tenant));
  });
  return r;
}
