// Tenant admin pages of issue 16: the company directory's shared contacts (/tenants/:t/directory:
// add, edit and delete with the version read, CSV import with a dry-run report, export in the
// French Excel flavour) and the key templates (/tenants/:t/key-templates, a
// page per template whose form carries the version it was read at: a stale save is refused and
// says so). The services decide who may do what (tenant admins, operators).
import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../app-context.ts';
import { DomainError } from '../../domain/errors.ts';
import type { Principal } from '../../auth/principal.ts';
import type { KeyTemplate, Tenant } from '../../store/types.ts';
import { createSharedContact, deleteSharedContact, getSharedContact, listSharedContacts, updateSharedContact } from '../../service/directory.ts';
import { createTemplate, deleteTemplate, getTemplate, listTemplates, templateUsers, updateTemplate } from '../../service/templates.ts';
import { listUsers } from '../../service/users.ts';
import { contactFields, field, tr, formErrors, orNull, type FormErrors } from '../forms.ts';
import { translate } from '../i18n.ts';
import type { Renderer } from '../page.ts';
import { groupNumber } from '../phone-numbers.ts';
import { contactsCsv } from './user.ts';
import { who, adminTenant, invalidOnly, tenantGet, tenantPost, tenantView } from './guards.ts';
import { contactsImportStep } from './shared.ts';
import { formRefusal, formVersion, refusalStatus } from '../stale.ts';
import type { WebPorts } from '../ports.ts';

/** Rows on a template's page: its keys and a few empty ones to add more. */
const EXTRA_ROWS = 4;

export function directoryPages(app: AppContext, render: Renderer, ports: WebPorts): Router {
  const r = Router();
  const base = tenantView;

  // ---- shared contacts: list and add, edit (the form carries the version read: a stale save or
  // delete writes nothing and says who changed it, 409), CSV import (dry-run report first) and export
  const showDirectory = async (req: Request, res: Response, t: Tenant, form: Record<string, unknown> = {}, errors?: FormErrors, status = 422) => {
    const p = who(req);
    const contacts = (await listSharedContacts(app, p, t.id)).map((c) => ({ ...c, work: groupNumber(c.work), mobile: groupNumber(c.mobile), home: groupNumber(c.home) }));
    const colleagues = (await listUsers(app, p, t.id)).filter((u) => !u.directoryHidden).length;
    render(req, res, 'directory', { titleKey: 'directory.title', ...base(p, t, 'directory'), contacts, colleagues, form, errors }, errors ? status : 200);
  };
  tenantGet(app, r, '/tenants/:tenant/directory', showDirectory);
  tenantPost(app, r, '/tenants/:tenant/directory', async (req, res, t, p) => {
    const form = contactFields(req);
    try {
      await createSharedContact(app, p, t.id, form);
      res.redirect(303, `/tenants/${t.id}/directory?done=contact_saved`);
    } catch (e) {
      await showDirectory(req, res, t, form, formErrors(invalidOnly(e), tr(req)));
    }
  });
  const showEdit = (req: Request, res: Response, t: Tenant, id: number, version: number, form: Record<string, unknown>, errors?: FormErrors, status = 200) =>
    render(req, res, 'shared-contact-edit', { titleKey: 'directory.edit_title', ...base(who(req), t, 'directory'), id, version, form, errors }, status);
  tenantGet(app, r, '/tenants/:tenant/directory/:id/edit', async (req, res, t) => {
    const c = await getSharedContact(app, who(req), t.id, String(req.params.id));
    showEdit(req, res, t, c.id, c.version, { ...c });
  });
  tenantPost(app, r, '/tenants/:tenant/directory/:id/edit', async (req, res, t, p) => {
    const c = await getSharedContact(app, p, t.id, String(req.params.id));
    const form = contactFields(req);
    try {
      await updateSharedContact(app, p, t.id, String(c.id), form, formVersion(req));
      res.redirect(303, `/tenants/${t.id}/directory?done=contact_saved`);
    } catch (e) {
      showEdit(req, res, t, c.id, c.version, form, await formRefusal(app, req, e), refusalStatus(e));
    }
  });
  tenantPost(app, r, '/tenants/:tenant/directory/:id/delete', async (req, res, t, p) => {
    try {
      await deleteSharedContact(app, p, t.id, String(req.params.id), formVersion(req));
      res.redirect(303, `/tenants/${t.id}/directory?done=contact_deleted`);
    } catch (e) {
      if (!(e instanceof DomainError) || e.code !== 'precondition_failed') throw e;
      await showDirectory(req, res, t, {}, await formRefusal(app, req, e), 409);
    }
  });
  tenantGet(app, r, '/tenants/:tenant/directory.csv', async (req, res, t) => {
    const contacts = (await listSharedContacts(app, who(req), t.id)).map((c) => ({ ...c, userNumber: '' }));
    res
      .type('text/csv; charset=utf-8')
      .set('Content-Disposition', `attachment; filename="contacts-${t.id}.csv"`)
      .set('Cache-Control', 'no-store')
      .send(contactsCsv(contacts, (k) => translate(req.web!.lang, k)));
  });
  const importBase = (req: Request, t: Tenant) => ({ titleKey: 'directory.import_title', ...base(who(req), t, 'directory'), available: !!ports.importSharedContacts });
  tenantGet(app, r, '/tenants/:tenant/directory/import', async (req, res, t) => render(req, res, 'shared-contacts-import', importBase(req, t)));
  tenantPost(app, r, '/tenants/:tenant/directory/import', async (req, res, t, p) => {
    const run = ports.importSharedContacts;
    if (!run) return render(req, res, 'error', { titleKey: 'error.title', messageKey: 'import.unavailable' }, 503);
    await contactsImportStep(req, res, render, { view: 'shared-contacts-import', base: importBase(req, t), listUrl: `/tenants/${t.id}/directory`, run: (csv, dryRun) => run(p, t.id, csv, dryRun) });
  });

  // ---- key templates
  r.get('/tenants/:tenant/key-templates', async (req, res) => {
    const p = who(req);
    const t = await adminTenant(app, p, req.params.tenant);
    const templates = [];
    for (const k of await listTemplates(app, p, t.id)) templates.push({ ...k, keyCount: k.keys.length, licences: (await templateUsers(app, k.id)).length });
    render(req, res, 'key-templates', { titleKey: 'templates.title', ...base(p, t, 'templates'), templates, form: {} });
  });
  r.post('/tenants/:tenant/key-templates', async (req, res) => {
    const p = who(req);
    const t = await adminTenant(app, p, req.params.tenant);
    const form = { name: field(req, 'name'), family: orNull(field(req, 'family')) };
    try {
      const k = await createTemplate(app, p, t.id, { ...form, keys: [] });
      res.redirect(303, `/tenants/${t.id}/key-templates/${k.id}?done=template_saved`);
    } catch (e) {
      if (!(e instanceof DomainError) || (e.code !== 'validation_failed' && e.code !== 'conflict')) throw e;
      const templates = [];
      for (const k of await listTemplates(app, p, t.id)) templates.push({ ...k, keyCount: k.keys.length, licences: (await templateUsers(app, k.id)).length });
      render(req, res, 'key-templates', { titleKey: 'templates.title', ...base(p, t, 'templates'), templates, form, errors: formErrors(e, tr(req)) }, e.code === 'conflict' ? 409 : 422);
    }
  });

  interface Row { n: number; position: string; type: string; value: string; label: string }
  const rowsOf = (k: KeyTemplate): Row[] => {
    const rows: Row[] = k.keys.map((x, i) => ({ n: i + 1, position: String(x.position), type: x.type, value: x.value ?? '', label: x.label ?? '' }));
    let next = Math.max(0, ...k.keys.map((x) => x.position));
    for (let i = 0; i < EXTRA_ROWS; i++) rows.push({ n: rows.length + 1, position: String(++next), type: '', value: '', label: '' });
    return rows;
  };
  const showTemplate = async (req: Request, res: Response, t: Tenant, k: KeyTemplate, form: { name: string; family: string; version: number; rows: Row[] }, errors?: ReturnType<typeof formErrors>, status = 200) => {
    const p = who(req);
    const colleagues = (await listUsers(app, p, t.id)).map((u) => ({ number: u.number, name: u.name }));
    render(req, res, 'key-template', { titleKey: 'templates.edit_title', ...base(p, t, 'templates'), template: k, licences: await templateUsers(app, k.id), colleagues, form, errors }, status);
  };
  r.get('/tenants/:tenant/key-templates/:id', async (req, res) => {
    const p = who(req);
    const t = await adminTenant(app, p, req.params.tenant);
    const k = await getTemplate(app, p, t.id, req.params.id);
    await showTemplate(req, res, t, k, { name: k.name, family: k.family ?? '', version: k.version, rows: rowsOf(k) });
  });
  r.post('/tenants/:tenant/key-templates/:id', async (req, res) => {
    const p = who(req);
    const t = await adminTenant(app, p, req.params.tenant);
    const k = await getTemplate(app, p, t.id, req.params.id);
    const count = Math.min(Number(field(req, 'rows')) || 0, 500);
    const rows: Row[] = [];
    for (let n = 1; n <= count; n++) {
      rows.push({ n, position: field(req, `position_${n}`), type: field(req, `type_${n}`), value: field(req, `value_${n}`), label: field(req, `label_${n}`) });
    }
    const used = rows.filter((x) => x.type !== '');
    const version = Number(field(req, 'version'));
    const form = { name: field(req, 'name'), family: field(req, 'family'), version, rows };
    try {
      await updateTemplate(app, p, t.id, k.id.toString(), {
        version,
        name: form.name,
        family: orNull(form.family),
        keys: used.map((x) => ({ position: Number(x.position), type: x.type, value: orNull(x.value), label: orNull(x.label) })),
      });
      res.redirect(303, `/tenants/${t.id}/key-templates/${k.id}?done=template_saved`);
    } catch (e) {
      if (!(e instanceof DomainError) || (e.code !== 'validation_failed' && e.code !== 'conflict')) throw e;
      const errors = formErrors(e, tr(req), (f) => {
        const m = /^keys\.(\d+)\.(\w+)/.exec(f);
        if (m) {
          const row = used[Number(m[1])];
          return row ? `${m[2] === 'label' ? 'label' : m[2] === 'value' ? 'value' : m[2] === 'position' ? 'position' : 'type'}_${row.n}` : null;
        }
        return f === 'version' || f === 'keys' ? null : f;
      });
      errors.general ??= translate(req.web!.lang, 'form.fix_errors');
      await showTemplate(req, res, t, k, form, errors, e.code === 'conflict' ? 409 : 422);
    }
  });
  r.post('/tenants/:tenant/key-templates/:id/delete', async (req, res) => {
    const p = who(req);
    const t = await adminTenant(app, p, req.params.tenant);
    await deleteTemplate(app, p, t.id, req.params.id, field(req, 'version') || undefined);
    res.redirect(303, `/tenants/${t.id}/key-templates?done=template_deleted`);
  });
  return r;
}
