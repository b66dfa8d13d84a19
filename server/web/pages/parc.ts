// Running a parc (issue 16): the firmware inventory page (targets per model, versions the phones
// report, the pilot group) and the bulk edit page (filter → preview → confirm). Both work without
// JavaScript: plain forms, the preview carries the request and the row versions it showed in
// hidden fields, so the confirmation applies exactly what was previewed (or fails, writing nothing).
import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../app-context.ts';
import type { Tenant } from '../../store/types.ts';
import type { Principal } from '../../auth/principal.ts';
import { DomainError } from '../../domain/errors.ts';
import { deleteFirmwareTarget, firmwareInventory, putFirmwareTarget } from '../../service/firmware.ts';
import { BULK_PROFILE_FIELDS, bulkEditDevices, type BulkOperation, type BulkResult } from '../../provision/bulk.ts';
import { bulkEditUsers, type UserBulkOperation, type UserBulkResult } from '../../provision/bulk-users.ts';
import { listTemplates } from '../../service/templates.ts';
import { CONFIG_STATES } from '../../provision/fleet.ts';
import { field, formErrors, lines, numberOrNull, tr, type FormErrors } from '../forms.ts';
import type { Renderer } from '../page.ts';
import type { WebPorts } from '../ports.ts';
import { allModels } from '../network-form.ts';
import { adminTenant, invalidOnly, tenantView, who } from './guards.ts';

const LIST_FIELDS = new Set(['ntpServers', 'dnsServers', 'codecs']);

export function parcPages(app: AppContext, render: Renderer, ports: WebPorts): Router {
  const r = Router();
  const base = tenantView;

  // ---- firmware inventory and targets
  const showFirmware = async (req: Request, res: Response, t: Tenant, form: Record<string, string> = {}, errors?: FormErrors, status = 200) => {
    const p = who(req);
    const inv = await firmwareInventory(app, p, t.id);
    const models = inv.models.map((m) => ({
      ...m,
      pilot: m.groups.filter((g) => g.group !== null),
      percent: m.counts.devices ? Math.round((100 * m.counts.onTarget) / m.counts.devices) : 0,
    }));
    const configured = inv.configured.tenant.map((x) => ({ ...x, group: x.group ?? null }));
    render(req, res, 'firmware', {
      titleKey: 'firmware.title', ...base(p, t, 'firmware'), inv, models, configured,
      installation: inv.configured.installation, allModels: allModels(), form, errors,
    }, status);
  };
  r.get('/tenants/:tenant/firmware', async (req, res) => {
    const t = await adminTenant(app, who(req), req.params.tenant);
    await showFirmware(req, res, t);
  });
  r.post('/tenants/:tenant/firmware', async (req, res) => {
    const p = who(req);
    const t = await adminTenant(app, p, req.params.tenant);
    const form = { model: field(req, 'model'), url: field(req, 'url'), version: field(req, 'version'), group: field(req, 'group') };
    try {
      await putFirmwareTarget(app, p, t.id, form.model || '-', { url: form.url, version: form.version, ...(form.group ? { group: form.group } : {}) });
      res.redirect(303, `/tenants/${t.id}/firmware?done=firmware_saved`);
    } catch (e) {
      await showFirmware(req, res, t, form, formErrors(invalidOnly(e), tr(req)), 422);
    }
  });
  r.post('/tenants/:tenant/firmware/delete', async (req, res) => {
    const p = who(req);
    const t = await adminTenant(app, p, req.params.tenant);
    await deleteFirmwareTarget(app, p, t.id, field(req, 'model'), field(req, 'group'));
    res.redirect(303, `/tenants/${t.id}/firmware?done=firmware_removed`);
  });

  // ---- bulk edit: filter → preview → confirm
  interface BulkForm {
    model: string; group: string; configState: string;
    op: string; newGroup: string; profileField: string; profileValue: string; url: string; version: string; reboot: string;
    /** setKeyTemplate: a template id, or '' for none (the licences of the selected phones get it). */
    template: string;
  }
  const readForm = (req: Request): BulkForm => ({
    model: field(req, 'model'), group: field(req, 'group'), configState: field(req, 'configState'),
    op: field(req, 'op'), newGroup: field(req, 'newGroup'), profileField: field(req, 'profileField'), profileValue: field(req, 'profileValue'),
    url: field(req, 'url'), version: field(req, 'version'), reboot: field(req, 'reboot'), template: field(req, 'template'),
  });
  const operationOf = (f: BulkForm): BulkOperation | UserBulkOperation | { op: string } => {
    switch (f.op) {
      case 'setKeyTemplate':
        return { op: 'setKeyTemplate', template: f.template === '' ? null : Number(f.template) };
      case 'setGroup':
        return { op: 'setGroup', group: f.newGroup === '' ? null : f.newGroup };
      case 'setProfileField': {
        const raw = f.profileValue.trim();
        const value = raw === '' ? null : LIST_FIELDS.has(f.profileField) ? lines(raw) : numberOrNull(raw);
        return { op: 'setProfileField', field: f.profileField as (typeof BULK_PROFILE_FIELDS)[number], value };
      }
      case 'setFirmware':
        return { op: 'setFirmware', url: f.url, version: f.version };
      case 'clearFirmware':
        return { op: 'clearFirmware' };
      case 'resync':
        return { op: 'resync', reboot: f.reboot === '1' };
      default:
        return { op: f.op };
    }
  };
  const requestOf = (t: Tenant, f: BulkForm) => ({
    filter: {
      tenant: t.id,
      ...(f.model ? { model: f.model } : {}),
      ...(f.group ? { group: f.group } : {}),
      ...(f.configState ? { configState: f.configState } : {}),
    },
    operations: [operationOf(f)],
  });
  /** Service field → form field (`operations.0.value` → profileValue, `filter.model` → model). */
  const bulkField = (path: string): string | null => {
    if (path.startsWith('filter.')) return path.slice(7);
    if (path === 'operations.0.value' || path.startsWith('operations.0.value.')) return 'profileValue';
    if (path === 'operations.0.group') return 'newGroup';
    if (path === 'operations.0.url' || path === 'operations.0.version') return path.slice(13);
    if (path === 'operations.0.template') return 'template';
    if (path.startsWith('operations.0')) return 'op';
    return null;
  };
  type AnyResult = BulkResult | UserBulkResult;
  const showBulk = async (req: Request, res: Response, t: Tenant, form: Partial<BulkForm>, extra: { preview?: AnyResult; result?: AnyResult & { jobs?: string[] }; carried?: string; errors?: FormErrors }, status = 200) => {
    const p = who(req);
    const templates = (await listTemplates(app, p, t.id)).map((k) => ({ id: String(k.id), name: k.name, family: k.family }));
    // A licence's template change, by name ('—': none).
    const nameOf = (v: unknown) => (v && typeof v === 'object' && 'name' in v ? String(v.name) : '—');
    const named = <R extends AnyResult | undefined>(r: R) =>
      r && 'users' in r ? { ...r, users: r.users.map((u) => ({ ...u, changes: u.changes.map((c) => ({ ...c, beforeName: nameOf(c.before), afterName: nameOf(c.after) })) })) } : r;
    if (extra.preview) extra = { ...extra, preview: named(extra.preview) };
    render(req, res, 'bulk', {
      templates,
      titleKey: 'bulk.title', ...base(p, t, 'bulk'), form,
      models: allModels(),
      states: CONFIG_STATES.map((v) => ({ value: v, key: `bulk.state_${v.replace(/-/g, '_')}` })),
      profileFields: BULK_PROFILE_FIELDS.map((v) => ({ value: v, key: `bulk.profile_${v.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}` })),
      canResync: !!ports.resyncTenant,
      ...extra,
    }, status);
  };
  r.get('/tenants/:tenant/bulk', async (req, res) => {
    const t = await adminTenant(app, who(req), req.params.tenant);
    const q = req.query as Record<string, unknown>;
    const pre = (k: string) => (typeof q[k] === 'string' ? (q[k] as string).slice(0, 100) : '');
    await showBulk(req, res, t, { model: pre('model'), group: pre('group'), configState: pre('configState'), op: 'setGroup' }, {});
  });
  r.post('/tenants/:tenant/bulk', async (req, res) => {
    const p = who(req);
    const t = await adminTenant(app, p, req.params.tenant);
    const confirm = field(req, 'step') === 'confirm';
    // The confirmation carries the previewed request and row versions back (base64url JSON).
    let form = readForm(req);
    let expect: Record<string, string> | undefined;
    if (confirm) {
      try {
        const carried = JSON.parse(Buffer.from(field(req, 'carried'), 'base64url').toString('utf8')) as { form: BulkForm; expect: Record<string, string> };
        form = carried.form;
        expect = carried.expect;
      } catch {
        return showBulk(req, res, t, form, { errors: { fields: {}, general: tr(req)('bulk.carried_broken') } }, 422);
      }
    }
    const body = { ...requestOf(t, form), ...(confirm ? { expect } : { dryRun: true }) };
    try {
      // A key template is set on licences: those of the phones the filter selects (/users/bulk).
      const result: AnyResult = form.op === 'setKeyTemplate' ? await bulkEditUsers(app, p, body) : await bulkEditDevices(app, p, body);
      if (!confirm) {
        const rows = 'users' in result ? result.users.map((u) => [u.number, u.version]) : result.devices.map((d) => [d.mac, d.version]);
        const carried = Buffer.from(JSON.stringify({ form, expect: Object.fromEntries(rows) })).toString('base64url');
        return showBulk(req, res, t, form, { preview: result, carried });
      }
      let jobs: string[] = [];
      if (result.resync && result.resync.macs.length > 0 && ports.resyncChanged) {
        jobs = await ports.resyncChanged(p, result.resync.macs, `bulk ${result.id}`, result.resync.reboot);
      }
      return showBulk(req, res, t, form, { result: { ...result, jobs } });
    } catch (e) {
      if (e instanceof DomainError && e.code === 'conflict') {
        return showBulk(req, res, t, form, { errors: formErrors(e, tr(req), () => null) }, 409);
      }
      return showBulk(req, res, t, form, { errors: formErrors(invalidOnly(e), tr(req), bulkField) }, 422);
    }
  });
  return r;
}
