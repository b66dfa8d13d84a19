// The company directory's shared contacts and the key templates of a tenant (issue 16):
//   /tenants/{tenant}/contacts[/{id}]        shared contacts (ETag "v<n>", If-Match: 412 when stale; export and import: exports.ts, imports.ts)
//   /tenants/{tenant}/key-templates[/{id}]   key templates (ETag "v<n>", If-Match: 412 when stale; a body `version`: 409)
//   /users/{number}/effective-keys           a licence's keys as its phones get them, with their source
import { Router } from 'express';
import type { AppContext } from '../../app-context.ts';
import { principal } from '../auth.ts';
import { keyTemplateView, sharedContactView } from '../views.ts';
import { createSharedContact, deleteSharedContact, getSharedContact, listSharedContacts, updateSharedContact } from '../../service/directory.ts';
import { createTemplate, deleteTemplate, effectiveKeys, getTemplate, listTemplates, templateUsers, updateTemplate } from '../../service/templates.ts';
import { getUser } from '../../service/users.ts';
import { noContent, sendVersioned, writeOptions } from '../versions.ts';

export function directoryRouter(app: AppContext): Router {
  const r = Router();
  r.get('/tenants/:tenant/contacts', async (req, res) => {
    res.json((await listSharedContacts(app, principal(req), req.params.tenant)).map(sharedContactView));
  });
  r.post('/tenants/:tenant/contacts', async (req, res) => {
    const c = await createSharedContact(app, principal(req), req.params.tenant, req.body);
    sendVersioned(res, c.version, sharedContactView(c), 201);
  });
  r.get('/tenants/:tenant/contacts/:id', async (req, res) => {
    const c = await getSharedContact(app, principal(req), req.params.tenant, req.params.id);
    sendVersioned(res, c.version, sharedContactView(c));
  });
  for (const method of ['patch', 'put'] as const) {
    r[method]('/tenants/:tenant/contacts/:id', async (req, res) => {
      const c = await updateSharedContact(app, principal(req), req.params.tenant, req.params.id, req.body, writeOptions(req));
      sendVersioned(res, c.version, sharedContactView(c));
    });
  }
  r.delete('/tenants/:tenant/contacts/:id', noContent((req) => deleteSharedContact(app, principal(req), req.params.tenant, req.params.id, writeOptions(req))));

  r.get('/tenants/:tenant/key-templates', async (req, res) => {
    const list = await listTemplates(app, principal(req), req.params.tenant);
    const out = [];
    for (const t of list) out.push(keyTemplateView(t, await templateUsers(app, t.id)));
    res.json(out);
  });
  r.post('/tenants/:tenant/key-templates', async (req, res) => {
    const t = await createTemplate(app, principal(req), req.params.tenant, req.body);
    sendVersioned(res, t.version, keyTemplateView(t, []), 201);
  });
  r.get('/tenants/:tenant/key-templates/:id', async (req, res) => {
    const t = await getTemplate(app, principal(req), req.params.tenant, req.params.id);
    sendVersioned(res, t.version, keyTemplateView(t, await templateUsers(app, t.id)));
  });
  for (const method of ['patch', 'put'] as const) {
    r[method]('/tenants/:tenant/key-templates/:id', async (req, res) => {
      const t = await updateTemplate(app, principal(req), req.params.tenant, req.params.id, req.body, writeOptions(req));
      sendVersioned(res, t.version, keyTemplateView(t, await templateUsers(app, t.id)));
    });
  }
  r.delete('/tenants/:tenant/key-templates/:id', noContent((req) => deleteTemplate(app, principal(req), req.params.tenant, req.params.id, (req.query as Record<string, unknown>).version, writeOptions(req))));

  r.get('/users/:number/effective-keys', async (req, res) => {
    const u = await getUser(app, principal(req), req.params.number);
    res.json(await effectiveKeys(app.store, u));
  });
  return r;
}
