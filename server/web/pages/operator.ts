// Operator pages: tenants, provisioning security per tenant, unknown phones to claim, MAC import.
import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../app-context.ts';
import { DomainError, notFound } from '../../domain/errors.ts';
import { formatMac, normalizeMac } from '../../domain/mac.ts';
import { requireOperator, type Actor, type Principal } from '../../auth/principal.ts';
import { createTenant, getTenant, listTenants, updateTenant } from '../../service/tenants.ts';
import { createDevice } from '../../service/devices.ts';
import type { Tenant } from '../../store/types.ts';
import { field, tr, formErrors, importBytes, lines, orNull, type FormErrors } from '../forms.ts';
import { translate } from '../i18n.ts';
import type { Renderer } from '../page.ts';
import type { WebPorts } from '../ports.ts';
import { allModels } from '../network-form.ts';
import { importView } from './shared.ts';
import { invalidOnly } from './guards.ts';
import { formRefusal, formVersion, refusalStatus } from '../stale.ts';

const operator = (req: Request): Actor => {
  const p = req.web!.principal;
  if (!p) throw new DomainError('unauthenticated', 'auth.login_first');
  // A tenant user learns nothing of the operator pages.
  if (p.kind !== 'operator') throw notFound('not_found.page');
  requireOperator(p);
  return p;
};

export function operatorPages(app: AppContext, render: Renderer, ports: WebPorts): Router {
  const r = Router();

  // ---- tenants
  const showTenants = async (req: Request, res: Response, form: Record<string, unknown> = {}, errors?: FormErrors, status = 200) => {
    const p = operator(req);
    const tenants = [];
    for (const t of await listTenants(app, p)) {
      tenants.push({ ...t, users: (await app.store.users.list(t.id)).length, devices: (await app.store.devices.list({ tenantId: t.id })).length });
    }
    render(req, res, 'tenants', { titleKey: 'tenants.title', active: 'tenants', tenants, form, errors }, status);
  };
  r.get('/ops/tenants', (req, res) => showTenants(req, res));
  r.post('/ops/tenants', async (req, res) => {
    const p = operator(req);
    const form = { id: field(req, 'id'), name: field(req, 'name'), sipDomain: field(req, 'sipDomain') };
    try {
      const t = await createTenant(app, p, form);
      res.redirect(303, `/ops/tenants?done=tenant_created#t-${t.id}`);
    } catch (e) {
      await showTenants(req, res, form, formErrors(invalidOnly(e), tr(req)), 422);
    }
  });

  // ---- provisioning security of a tenant
  const securityForm = (t: Tenant) => ({
    allowlist: (t.security.allowlist ?? []).join('\n'),
    authMode: t.security.auth?.mode ?? 'none',
    authUsername: t.security.auth?.username ?? '',
    hasAuthPassword: t.security.auth?.password ? '1' : '',
    perDevice: t.security.auth?.perDevice ? '1' : '',
    urlToken: t.security.urlToken ?? '',
  });
  const showSecurity = (req: Request, res: Response, t: Tenant, form: Record<string, unknown>, errors?: FormErrors, status = 200) => {
    const p = operator(req);
    render(req, res, 'security', { titleKey: 'security.title', active: 'tenants', tenant: t, tab: 'security', isOperator: p.kind === 'operator', form, errors }, status);
  };
  r.get('/tenants/:tenant/security', async (req, res) => {
    const p = operator(req);
    const t = await getTenant(app, p, req.params.tenant);
    showSecurity(req, res, t, securityForm(t));
  });
  r.post('/tenants/:tenant/security', async (req, res) => {
    const p = operator(req);
    const t = await getTenant(app, p, req.params.tenant);
    const form = {
      allowlist: field(req, 'allowlist'),
      authMode: field(req, 'authMode') || 'none',
      authUsername: field(req, 'authUsername'),
      perDevice: field(req, 'perDevice'),
      urlToken: field(req, 'urlToken'),
      hasAuthPassword: t.security.auth?.password ? '1' : '',
    };
    const password = field(req, 'authPassword') || t.security.auth?.password;
    const security = {
      ...(lines(form.allowlist).length ? { allowlist: lines(form.allowlist) } : {}),
      ...(form.authMode !== 'none' || form.authUsername || password
        ? {
            auth: {
              mode: form.authMode,
              ...(form.authUsername ? { username: form.authUsername } : {}),
              ...(password ? { password } : {}),
              ...(form.perDevice === '1' ? { perDevice: true } : {}),
            },
          }
        : {}),
      urlToken: orNull(form.urlToken),
    };
    try {
      await updateTenant(app, p, t.id, { security }, formVersion(req));
      res.redirect(303, `/tenants/${t.id}/security?done=security_saved`);
    } catch (e) {
      const errors = await formRefusal(app, req, e, (f) => {
        const [a, b] = f.replace(/^security\./, '').split('.');
        if (a === 'auth') return b === 'username' ? 'authUsername' : b === 'password' ? 'authPassword' : 'authMode';
        return a ?? null;
      });
      showSecurity(req, res, t, form, errors, refusalStatus(e));
    }
  });

  // ---- unknown phones
  const showUnknown = async (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) => {
    const p = operator(req);
    const unknown = (await app.store.unknownDevices.list()).map((u) => ({ ...u, macText: formatMac(u.mac) }));
    render(req, res, 'unknown', { titleKey: 'unknown.title', active: 'unknown', unknown, tenants: await listTenants(app, p), models: allModels(), ...extra }, status);
  };
  r.get('/ops/unknown', (req, res) => showUnknown(req, res));
  r.post('/ops/unknown/:mac/claim', async (req, res) => {
    const p = operator(req);
    const mac = normalizeMac(req.params.mac);
    const form = { tenant: field(req, 'tenant'), model: field(req, 'model'), user: field(req, 'user') };
    try {
      await createDevice(app, p, { mac, tenant: form.tenant, model: form.model, user: orNull(form.user) });
      // Claimed: it is no longer an unknown phone.
      await app.store.unknownDevices.delete(mac);
      res.redirect(303, `/devices/${mac}?done=device_claimed`);
    } catch (e) {
      await showUnknown(req, res, { claiming: mac, form, errors: formErrors(invalidOnly(e), tr(req)) }, 422);
    }
  });

  // ---- MAC import: upload → dry-run report → confirm
  r.get('/ops/import', async (req, res) => {
    operator(req);
    render(req, res, 'devices-import', { titleKey: 'import.devices_title', active: 'import', available: !!ports.importDevices, skipInvalid: false });
  });
  r.post('/ops/import', async (req, res) => {
    const p = operator(req);
    if (!ports.importDevices) return render(req, res, 'error', { titleKey: 'error.title', messageKey: 'import.unavailable' }, 503);
    const { bytes, carried, confirm } = importBytes(req);
    const skipInvalid = field(req, 'skipInvalid') === '1';
    const base = { titleKey: 'import.devices_title', active: 'import', available: true, skipInvalid };
    if (!bytes.toString('utf8').trim()) {
      return render(req, res, 'devices-import', { ...base, errors: { fields: { file: translate(req.web!.lang, 'import.file_required') } } }, 422);
    }
    try {
      const report = await ports.importDevices(p, bytes, { dryRun: !confirm, skipInvalid });
      // After a confirm, the page says what was written — or that nothing was, and why (the file
      // is carried again so the valid lines can still be imported on their own).
      render(req, res, 'devices-import', { ...base, report: importView(report, tr(req)), csv: carried, filename: req.upload?.filename, done: confirm });
    } catch (e) {
      render(req, res, 'devices-import', { ...base, errors: formErrors(invalidOnly(e), tr(req), () => 'file') }, 422);
    }
  });
  return r;
}
