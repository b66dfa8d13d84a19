// Operator template overrides (stored in the database, used by every node): list, read, replace,
// remove. Body of PUT: {"source": "<handlebars text>"}.
import { Router } from 'express';
import type { AppContext } from '../../app-context.ts';
import { principal } from '../auth.ts';
import { noContent } from '../versions.ts';
import {
  deleteTemplateOverride, getTemplateOverride, listTemplateOverrides, putTemplateOverride,
} from '../../provision/template-overrides.ts';

export function templatesRouter(app: AppContext): Router {
  const r = Router();
  r.get('/templates', async (req, res) => {
    res.json(await listTemplateOverrides(app, principal(req)));
  });
  r.get('/templates/:vendor/:name', async (req, res) => {
    res.json(await getTemplateOverride(app, principal(req), req.params.vendor, req.params.name));
  });
  r.put('/templates/:vendor/:name', async (req, res) => {
    res.json(await putTemplateOverride(app, principal(req), req.params.vendor, req.params.name, req.body));
  });
  r.delete('/templates/:vendor/:name', noContent((req) => deleteTemplateOverride(app, principal(req), req.params.vendor, req.params.name)));
  return r;
}
