// The OpenAPI document (GET /api/v1/openapi.json): every route the admin app mounts under
// /api/v1 (the core routers and every feature's) is described, nothing described is missing from
// the app, and the real answers of every operation — successes and errors — validate against the
// document's JSON Schemas (ajv, draft 2020-12; objects are closed, so an undocumented field fails).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { Router } from 'express';
import { createAdminApp } from '../server/api/app.ts';
import { OPERATIONS, buildOpenApi } from '../server/api/openapi.ts';
import { features, makeImportsFeature, phoneFeature, resyncFeature } from '../server/features.ts';
import { startTestServer, seedTwoTenants, type TestServer } from './helpers/server.ts';
import { PHONES, eventually, get as phoneGet } from './phone-fixtures.ts';

// ajv-formats is CommonJS with a default export.
type AddFormats = (ajv: Ajv2020) => unknown;
const addFormats: AddFormats =
  (addFormatsModule as unknown as { default?: AddFormats }).default ?? (addFormatsModule as unknown as AddFormats);

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>; parameters: Array<{ name: string; in: string }> }>>;
  components: { schemas: Record<string, unknown> };
};

interface ExpressLayer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: ExpressLayer[] };
}

/** Every `METHOD path` routed by a router and the routers mounted in it (all mounted without a path). */
function routesOf(stack: ExpressLayer[], out = new Set<string>()): Set<string> {
  for (const layer of stack) {
    if (layer.route) {
      for (const [m, on] of Object.entries(layer.route.methods)) if (on && m !== '_all') out.add(`${m.toUpperCase()} ${layer.route.path}`);
    } else if (layer.handle?.stack) routesOf(layer.handle.stack, out);
  }
  return out;
}

const doc = buildOpenApi() as unknown as Doc;
const described = new Set(OPERATIONS.map((o) => `${o.method.toUpperCase()} ${o.path.replace(/\{(\w+)\}/g, ':$1')}`));

const routes = suite('OpenAPI: routes');

routes('every route mounted under /api/v1 (core and every feature) is described, and only those', async () => {
  const s = await startTestServer();
  try {
    const app = createAdminApp(s.app, { api: features.flatMap((f) => f.api ?? []) }) as unknown as { router: { stack: ExpressLayer[] } };
    // The /api/v1 router is the one layer holding routers; the web pages are not mounted here.
    // GET /metrics sits beside /api/v1 on the admin listener (Prometheus text, not part of the REST API).
    const mounted = new Set([...routesOf(app.router.stack)].filter((r) => r !== 'GET /metrics'));
    assert.ok(mounted.size > 40, `found ${mounted.size} routes`);
    const undocumented = [...mounted].filter((r) => !described.has(r));
    const phantom = [...described].filter((r) => !mounted.has(r));
    assert.equal(undocumented, [], 'mounted but not in the OpenAPI document');
    assert.equal(phantom, [], 'in the document but not mounted');
  } finally {
    await s.close();
  }
});

routes('the document: OpenAPI 3.1, unique operation ids, each path parameter declared, components resolve', () => {
  assert.is(doc.openapi, '3.1.0');
  const ids = Object.values(doc.paths).flatMap((p) => Object.values(p).map((o) => (o as unknown as { operationId: string }).operationId));
  assert.is(new Set(ids).size, ids.length, 'operationIds unique');
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const op of Object.values(item)) {
      const params = op.parameters.filter((p) => p.in === 'path').map((p) => p.name);
      assert.equal(params, [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]), path);
      for (const r of Object.values(op.responses)) {
        for (const c of Object.values(r.content ?? {})) {
          const name = c.schema.$ref?.replace('#/components/schemas/', '');
          if (name) assert.ok(doc.components.schemas[name], `${path}: ${name} is defined`);
        }
      }
    }
  }
  // The document is valid JSON Schema for ajv (compiles every component).
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: 'cadran', components: doc.components });
  for (const name of Object.keys(doc.components.schemas)) assert.ok(ajv.getSchema(`cadran#/components/schemas/${name}`), name);
});

routes.run();

// ---- real answers -------------------------------------------------------------------------------

const answers = suite('OpenAPI: real answers');
let s: TestServer;
let tok: Record<string, string>;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ $id: 'cadran', components: doc.components });
/** `METHOD template` → statuses answered and checked. */
const seen = new Map<string, Set<number>>();

interface Call {
  token?: string | null;
  body?: unknown;
  headers?: Record<string, string>;
  query?: string;
}

/**
 * Call one operation (by its template and parameters), check the status is documented and the
 * body validates against the document; returns the parsed answer.
 */
async function call(method: string, template: string, params: Record<string, string> = {}, c: Call = {}) {
  const op = doc.paths[template]?.[method.toLowerCase()];
  assert.ok(op, `${method} ${template} is in the document`);
  const path = template.replace(/\{(\w+)\}/g, (_m, k: string) => encodeURIComponent(params[k] ?? ''));
  const r = await s.api(method, `${path}${c.query ?? ''}`, c.body, c.token, c.headers ?? {});
  const documented = op.responses[String(r.status)];
  assert.ok(documented, `${method} ${template} answered ${r.status}, which the document does not list: ${JSON.stringify(r.body)}`);
  const type = String(r.headers.get('content-type') ?? '').split(';')[0]!;
  if (r.status === 204) assert.is(documented.content, undefined);
  else {
    const content = documented.content?.[type];
    assert.ok(content, `${method} ${template} ${r.status}: content type ${type} is documented`);
    if (type === 'application/json') {
      const validate = ajv.getSchema(`cadran${content.schema.$ref}`)!;
      if (!validate(r.body)) {
        assert.unreachable(`${method} ${template} ${r.status}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(r.body).slice(0, 800)}`);
      }
    } else assert.type(r.body, 'string');
  }
  const key = `${method.toUpperCase()} ${template}`;
  if (!seen.has(key)) seen.set(key, new Set());
  seen.get(key)!.add(r.status);
  return r;
}

const Y = PHONES.yealink;

answers.before(async () => {
  s = await startTestServer({ features: [phoneFeature, makeImportsFeature(), resyncFeature], env: { CADRAN_LOG_LEVEL: 'silent' } });
  tok = await seedTwoTenants(s);
});
answers.after(async () => {
  await s.close();
});

answers('meta and sessions', async () => {
  await call('GET', '/', {}, { token: null });
  const d = await call('GET', '/openapi.json', {}, { token: null });
  assert.is(d.body.openapi, '3.1.0');
  const login = await call('POST', '/sessions', {}, { token: null, body: { login: '0100000001', password: 'pw-0100000001' } });
  assert.is(login.status, 201);
  await call('POST', '/sessions', {}, { token: null, body: { login: '0100000001', password: 'wrong' } });
  await call('GET', '/sessions/current', {}, { token: login.body.token });
  await call('GET', '/sessions/current', {}, { token: null });
  await call('DELETE', '/sessions/current', {}, { token: null });
  const third = await call('POST', '/sessions', {}, { token: null, body: { login: '0100000001', password: 'pw-0100000001' } });
  await call('DELETE', '/sessions/current', {}, { token: third.body.token });
  const second = await call('POST', '/sessions', {}, { token: null, body: { login: '0100000001', password: 'pw-0100000001' } });
  const mine = await call('GET', '/sessions', {}, { token: login.body.token });
  assert.ok(mine.body.length >= 2, JSON.stringify(mine.body));
  await call('GET', '/sessions/{id}', { id: second.body.session.id }, { token: login.body.token });
  await call('GET', '/sessions/{id}', { id: 'ses_nope' }, { token: login.body.token });
  await call('DELETE', '/sessions/{id}', { id: second.body.session.id }, { token: login.body.token });
  await call('DELETE', '/sessions', {}, { token: login.body.token });
});

answers('tenants, users, keys, network', async () => {
  await call('GET', '/tenants');
  await call('GET', '/tenants', {}, { token: tok['0100000001'] });
  assert.is((await call('POST', '/tenants', {}, { body: { id: 'initech', name: 'Initech', sipDomain: 'sip.initech.example' } })).status, 201);
  await call('POST', '/tenants', {}, { body: { id: 'initech', name: 'Again', sipDomain: 'sip.initech.example' } });
  await call('POST', '/tenants', {}, { body: { id: 'Bad Id!' } });
  await call('GET', '/tenants/{tenant}', { tenant: 'initech' });
  await call('GET', '/tenants/{tenant}', { tenant: 'nope' });
  await call('PATCH', '/tenants/{tenant}', { tenant: 'initech' }, { body: { name: 'Initech SA' } });
  // Versions (issue 12): an If-Match naming an older version gets 412 with a stale.* message.
  const stale = await call('PATCH', '/tenants/{tenant}', { tenant: 'initech' }, { body: { name: 'Old' }, headers: { 'if-match': '"v1"' } });
  assert.is(stale.status, 412);
  assert.is(stale.body.error.key, 'stale.tenant');
  await call('GET', '/tenants/{tenant}/security', { tenant: 'initech' });
  await call('GET', '/tenants/{tenant}/security', { tenant: 'initech' }, { token: tok['0100000001'] });
  await call('PUT', '/tenants/{tenant}/security', { tenant: 'initech' }, { body: { auth: { mode: 'none' } } });
  await call('PUT', '/tenants/{tenant}/security', { tenant: 'initech' }, { body: { auth: { mode: 'nope' } } });
  await call('POST', '/tenants/{tenant}/security/default', { tenant: 'initech' });
  await call('GET', '/tenants/{tenant}/users', { tenant: 'acme' });
  await call('GET', '/tenants/{tenant}/users', { tenant: 'acme' }, { token: tok['0100000002'] });
  await call('POST', '/tenants/{tenant}/users', { tenant: 'initech' }, { body: { number: '0300000001', name: 'Ian', role: 'user' } });
  await call('GET', '/tenants/{tenant}/network', { tenant: 'acme' });
  await call('PUT', '/tenants/{tenant}/network', { tenant: 'acme' }, { body: { vlanId: 42 } });
  await call('PUT', '/tenants/{tenant}/network', { tenant: 'acme' }, { body: { vlanId: 99999 } });
  await call('GET', '/tenants/{tenant}/profile', { tenant: 'acme' });
  await call('PUT', '/tenants/{tenant}/profile', { tenant: 'acme' }, { body: { vlanId: 42 } });
  await call('PATCH', '/tenants/{tenant}/network', { tenant: 'acme' }, { body: { dscpSip: 26 } });
  await call('PATCH', '/tenants/{tenant}/profile', { tenant: 'acme' }, { body: { dscpSip: null } });
  await call('PATCH', '/tenants/{tenant}/profile', { tenant: 'acme' }, { body: { vlanId: 99999 } });
  await call('GET', '/users/{number}', { number: '0100000002' });
  await call('GET', '/users/{number}', { number: '0100000002' }, { token: tok['0100000003'] });
  await call('PATCH', '/users/{number}', { number: '0100000002' }, { body: { name: 'Alice Martin-Durand' } });
  await call('PATCH', '/users/{number}', { number: '0100000002' }, { token: tok['0100000003'], body: { name: 'x' } });
  await call('GET', '/users/{number}/keys', { number: '0100000002' });
  await call('PUT', '/users/{number}/keys', { number: '0100000002' }, { body: [{ position: 1, type: 'line' }, { position: 2, type: 'blf', value: '0100000003', label: 'Bob' }] });
  await call('PUT', '/users/{number}/keys', { number: '0100000002' }, { body: [{ position: 0, type: 'nope' }] });
  await call('DELETE', '/users/{number}', { number: '0300000001' });
});

answers('line settings (features) and template overrides', async () => {
  const a = '0100000002';
  const first = await call('GET', '/users/{number}/features', { number: a }, { token: tok[a] });
  assert.is(first.body.version, 0);
  assert.is(first.body.updatedAt, null);
  const saved = await call('PUT', '/users/{number}/features', { number: a }, {
    token: tok[a], body: { dnd: { enabled: true, allowedCallers: ['06 12 34 56 78'] }, forwardAlways: { enabled: false, target: '+33 6 98 76 54 32' }, rejectAnonymous: true, blacklist: ['0899123456'], version: 0 },
  });
  assert.is(saved.status, 200);
  assert.equal(saved.body.forwardAlways, { enabled: false, target: '0698765432' });
  await call('GET', '/users/{number}/features', { number: a }, { token: tok[a] });
  await call('PUT', '/users/{number}/features', { number: a }, { token: tok[a], body: { forwardAlways: { enabled: true, target: 'pas un numéro' } } });
  await call('PUT', '/users/{number}/features', { number: a }, { token: tok[a], body: { rejectAnonymous: false, version: 0 } });
  await call('GET', '/users/{number}/features', { number: a }, { token: tok['0200000001'] });

  await call('GET', '/templates');
  await call('GET', '/templates', {}, { token: tok['0100000001'] });
  const put = await call('PUT', '/templates/{vendor}/{name}', { vendor: 'yealink', name: 'common.cfg.hbs' }, { body: { source: '# overridden {{!-- for the OpenAPI test --}}\n' } });
  assert.is(put.status, 200);
  await call('PUT', '/templates/{vendor}/{name}', { vendor: 'yealink', name: 'common.cfg.hbs' }, { body: { source: '{{#if' } });
  await call('PUT', '/templates/{vendor}/{name}', { vendor: 'yealink', name: 'nope.hbs' }, { body: { source: 'x' } });
  await call('PUT', '/templates/{vendor}/{name}', { vendor: 'yealink', name: 'common.cfg.hbs' }, { body: { source: 'x', extra: 1 } });
  const list = await call('GET', '/templates');
  assert.equal(list.body.map((o: { vendor: string; name: string }) => `${o.vendor}/${o.name}`), ['yealink/common.cfg.hbs']);
  await call('GET', '/templates/{vendor}/{name}', { vendor: 'yealink', name: 'common.cfg.hbs' });
  await call('DELETE', '/templates/{vendor}/{name}', { vendor: 'yealink', name: 'common.cfg.hbs' });
  await call('GET', '/templates/{vendor}/{name}', { vendor: 'yealink', name: 'common.cfg.hbs' });
  await call('DELETE', '/templates/{vendor}/{name}', { vendor: 'yealink', name: 'common.cfg.hbs' });
});

answers('contacts', async () => {
  const a = '0100000002';
  const created = await call('POST', '/users/{number}/contacts', { number: a }, { token: tok[a], body: { name: 'Élodie', mobile: '0698765432', group: 'Famille' } });
  assert.is(created.status, 201);
  const id = String(created.body.id);
  await call('POST', '/users/{number}/contacts', { number: a }, { token: tok[a], body: { name: 'Sans numéro' } });
  await call('GET', '/users/{number}/contacts', { number: a }, { token: tok[a] });
  await call('GET', '/users/{number}/contacts/{id}', { number: a, id }, { token: tok[a] });
  await call('PATCH', '/users/{number}/contacts/{id}', { number: a, id }, { token: tok[a], body: { group: 'Amis' } });
  await call('PUT', '/users/{number}/contacts/{id}', { number: a, id }, { token: tok[a], body: { name: 'Élodie M.' } });
  await call('GET', '/users/{number}/contacts/export', { number: a }, { token: tok[a] });
  await call('GET', '/users/{number}/contacts/export', { number: a }, { token: tok[a], query: '?format=bad' });
  await call('POST', '/users/{number}/contacts/import', { number: a }, { token: tok[a], body: 'name,mobile\nZoé,0611223344\n', headers: { 'content-type': 'text/csv' } });
  await call('POST', '/users/{number}/contacts/import', { number: a }, { token: tok[a], body: 'name,mobile\nZoé,pas un numéro\n', headers: { 'content-type': 'text/csv' } });
  await call('DELETE', '/users/{number}/contacts/{id}', { number: a, id }, { token: tok[a] });
  await call('GET', '/users/{number}/contacts/{id}', { number: a, id }, { token: tok[a] });
});

answers('company directory: shared contacts', async () => {
  const admin = undefined; // the operator (the admin's sessions were revoked above)
  const created = await call('POST', '/tenants/{tenant}/contacts', { tenant: 'acme' }, { token: admin, body: { name: 'Plombier', mobile: '0611998877', group: 'Fournisseurs' } });
  assert.is(created.status, 201);
  const id = String(created.body.id);
  await call('POST', '/tenants/{tenant}/contacts', { tenant: 'acme' }, { token: admin, body: { name: 'Sans numéro' } });
  await call('POST', '/tenants/{tenant}/contacts', { tenant: 'acme' }, { token: tok['0100000002'], body: { name: 'x', work: '0145000000' } });
  await call('GET', '/tenants/{tenant}/contacts', { tenant: 'acme' }, { token: tok['0100000002'] });
  await call('GET', '/tenants/{tenant}/contacts', { tenant: 'acme' }, { token: tok['0200000001'] });
  await call('GET', '/tenants/{tenant}/contacts/{id}', { tenant: 'acme', id }, { token: admin });
  await call('PATCH', '/tenants/{tenant}/contacts/{id}', { tenant: 'acme', id }, { token: admin, body: { group: 'Artisans' } });
  await call('PUT', '/tenants/{tenant}/contacts/{id}', { tenant: 'acme', id }, { token: admin, body: { name: 'Plombier Dubois' } });
  await call('GET', '/tenants/{tenant}/contacts/export', { tenant: 'acme' }, { token: admin, query: '?format=excel-fr' });
  await call('POST', '/tenants/{tenant}/contacts/import', { tenant: 'acme' }, { token: admin, body: 'name,work\nStandard,0145000000\n', headers: { 'content-type': 'text/csv' } });
  await call('POST', '/tenants/{tenant}/contacts/import', { tenant: 'acme' }, { token: admin, body: 'name,work\nStandard,pas un numéro\n', headers: { 'content-type': 'text/csv' } });
  await call('DELETE', '/tenants/{tenant}/contacts/{id}', { tenant: 'acme', id }, { token: admin });
  await call('GET', '/tenants/{tenant}/contacts/{id}', { tenant: 'acme', id }, { token: admin });
});

answers('key templates and effective keys', async () => {
  const admin = undefined; // the operator (the admin's sessions were revoked above)
  const created = await call('POST', '/tenants/{tenant}/key-templates', { tenant: 'acme' }, { token: admin, body: { name: 'Standard', keys: [{ position: 1, type: 'line' }, { position: 2, type: 'blf', value: '0100000003' }] } });
  assert.is(created.status, 201);
  const id = String(created.body.id);
  await call('POST', '/tenants/{tenant}/key-templates', { tenant: 'acme' }, { token: admin, body: { name: 'Standard', keys: [] } });
  await call('GET', '/tenants/{tenant}/key-templates', { tenant: 'acme' }, { token: admin });
  await call('GET', '/tenants/{tenant}/key-templates/{id}', { tenant: 'acme', id }, { token: admin });
  await call('GET', '/tenants/{tenant}/key-templates/{id}', { tenant: 'globex', id }, { token: tok['0200000001'] });
  await call('PATCH', '/tenants/{tenant}/key-templates/{id}', { tenant: 'acme', id }, { token: admin, body: { version: 1, name: 'Standard v2' } });
  await call('PATCH', '/tenants/{tenant}/key-templates/{id}', { tenant: 'acme', id }, { token: admin, body: { version: 1, name: 'Stale' } });
  await call('PUT', '/tenants/{tenant}/key-templates/{id}', { tenant: 'acme', id }, { token: admin, body: { version: 2, keys: [{ position: 3, type: 'speeddial', value: '0145000000' }] } });
  await call('PATCH', '/users/{number}', { number: '0100000002' }, { token: admin, body: { keyTemplate: Number(id) } });
  await call('GET', '/users/{number}/effective-keys', { number: '0100000002' }, { token: tok['0100000002'] });
  await call('GET', '/users/{number}/effective-keys', { number: '0100000002' }, { token: tok['0200000001'] });
  await call('DELETE', '/tenants/{tenant}/key-templates/{id}', { tenant: 'acme', id }, { token: admin, query: '?version=1' });
  await call('DELETE', '/tenants/{tenant}/key-templates/{id}', { tenant: 'acme', id }, { token: admin, query: '?version=3' });
});

answers('devices, fleet state, import, export, unknown phones', async () => {
  assert.is((await call('POST', '/devices', {}, { body: { mac: Y.mac, model: Y.model, tenant: 'acme', user: '0100000002', label: 'Accueil' } })).status, 201);
  await call('POST', '/devices', {}, { body: { mac: Y.mac, model: Y.model, tenant: 'acme' } });
  await call('POST', '/devices', {}, { body: { mac: 'nope', model: 'T54W', tenant: 'acme' } });
  // A fetch gives the phone a last sighting, firmware and a config state; an unknown MAC is recorded.
  const httpPort = s.running.phone!.httpPort;
  assert.is((await phoneGet(httpPort, `/${Y.mac}.cfg`, { headers: { 'user-agent': Y.ua } })).status, 200);
  await phoneGet(httpPort, '/805ec0fedcba.cfg', { headers: { 'user-agent': Y.ua } });
  const seenDevice = await eventually(async () => (await s.api('GET', `/devices/${Y.mac}`)).body, (d) => d.lastSeen !== null, 8000);
  assert.is(seenDevice.configState, 'current');
  await eventually(async () => (await s.api('GET', '/unknown-devices')).body, (l) => Array.isArray(l) && l.length > 0, 8000);
  await call('GET', '/devices');
  await call('GET', '/devices', {}, { query: '?configState=current&firmware=96.86.0.100' });
  await call('GET', '/devices', {}, { query: '?configState=stale' });
  await call('GET', '/devices', {}, { token: tok['0100000002'] });
  await call('GET', '/devices/{mac}', { mac: Y.mac });
  await call('GET', '/devices/{mac}', { mac: Y.mac }, { token: tok['0200000001'] });
  await call('PATCH', '/devices/{mac}', { mac: Y.mac }, { body: { label: 'Accueil 2' } });
  await call('GET', '/devices/{mac}/network', { mac: Y.mac });
  await call('PUT', '/devices/{mac}/network', { mac: Y.mac }, { body: { vlanId: 43 } });
  await call('GET', '/devices/{mac}/profile', { mac: Y.mac });
  await call('PUT', '/devices/{mac}/profile', { mac: Y.mac }, { body: { vlanId: 43 } });
  await call('PATCH', '/devices/{mac}/network', { mac: Y.mac }, { body: { dscpRtp: 46 } });
  await call('PATCH', '/devices/{mac}/profile', { mac: Y.mac }, { body: { dscpRtp: null } });
  await call('GET', '/devices/{mac}/checks', { mac: Y.mac });
  const previewFile = `${Y.mac}.cfg`;
  await call('GET', '/devices/{mac}/files', { mac: Y.mac });
  await call('GET', '/devices/{mac}/files', { mac: Y.mac }, { token: tok['0200000001'] });
  await call('GET', '/devices/{mac}/files/{name}', { mac: Y.mac, name: previewFile });
  await call('GET', '/devices/{mac}/files/{name}', { mac: Y.mac, name: previewFile }, { query: '?secrets=true' });
  await call('GET', '/devices/{mac}/files/{name}', { mac: Y.mac, name: previewFile }, { query: '?diff=last-fetched' });
  await call('GET', '/devices/{mac}/files/{name}', { mac: Y.mac, name: previewFile }, { query: '?secrets=true', token: tok['0100000002'] });
  await call('GET', '/devices/{mac}/files/{name}', { mac: Y.mac, name: 'nope.cfg' });
  await call('GET', '/devices/{mac}/files/{name}', { mac: Y.mac, name: previewFile }, { query: '?secrets=perhaps' });
  await call('GET', '/devices/{mac}/files/{name}/diff', { mac: Y.mac, name: previewFile });
  await call('GET', '/devices/{mac}/files/{name}/diff', { mac: Y.mac, name: previewFile }, { query: '?format=unified' });
  await call('GET', '/unknown-devices');
  await call('GET', '/unknown-devices', {}, { token: tok['0100000001'] });
  await call('PATCH', '/unknown-devices/{mac}', { mac: '805ec0fedcba' }, { body: { tenant: 'acme' } });
  await call('PATCH', '/unknown-devices/{mac}', { mac: '805ec0fedcba' }, { body: { tenant: 'acme' }, token: tok['0100000001'] });
  await call('PATCH', '/unknown-devices/{mac}', { mac: '805ec0000bad' }, { body: { tenant: null } });
  await call('GET', '/unknown-devices', {}, { token: tok['0100000001'] });
  const rotated = await call('POST', '/devices/{mac}/credentials', { mac: Y.mac });
  assert.type(rotated.body.provisioningPassword, 'string');
  await call('POST', '/devices/{mac}/credentials', { mac: Y.mac }, { token: tok['0100000002'] });
  assert.is((await call('PATCH', '/devices/{mac}', { mac: Y.mac }, { body: { label: 'x' }, headers: { 'if-match': '"v1"' } })).status, 412);
  await call('GET', '/devices/export', {}, { query: '?tenant=acme' });
  await call('GET', '/devices/export', {}, { token: tok['0100000002'] });
  const csv = { 'content-type': 'text/csv' };
  await call('POST', '/devices/import', {}, { body: 'mac,model,tenant\n805ec0ee0001,T54W,acme\n', headers: csv });
  await call('POST', '/devices/import', {}, { body: 'mac,model,tenant\nnope,T54W,acme\n', headers: csv });
  await call('POST', '/devices/import', {}, { body: 'mac,model,tenant\n805ec0ee0001,T54W,acme\n', headers: csv, token: null });
});

answers('firmware targets, inventory and bulk edits (issue 16)', async () => {
  await call('PATCH', '/devices/{mac}', { mac: Y.mac }, { body: { group: 'pilot' } });
  const put = await call('PUT', '/tenants/{tenant}/firmware-targets/{model}', { tenant: 'acme', model: Y.model }, { body: { url: 'http://fw.example/T54W-96.86.0.110.rom', version: '96.86.0.110', group: 'pilot' } });
  assert.is(put.status, 200);
  await call('PUT', '/tenants/{tenant}/firmware-targets/{model}', { tenant: 'acme', model: Y.model }, { body: { url: 'not a url', version: '96' } });
  await call('PUT', '/tenants/{tenant}/firmware-targets/{model}', { tenant: 'globex', model: Y.model }, { token: tok['0100000001'], body: { url: 'http://fw.example/x.rom', version: '1' } });
  const inv = await call('GET', '/firmware', {}, { query: '?tenant=acme' });
  assert.is(inv.body.models[0].counts.behind, 1);
  await call('GET', '/firmware');
  await call('GET', '/firmware', {}, { token: tok['0100000001'] });
  await call('GET', '/firmware', {}, { token: tok['0100000001'], query: '?tenant=globex' });
  await call('GET', '/firmware', {}, { token: tok['0100000002'] });
  const preview = await call('POST', '/devices/bulk', {}, { body: { filter: { tenant: 'acme', group: 'pilot' }, operations: [{ op: 'setProfileField', field: 'vlanId', value: 30 }], dryRun: true } });
  assert.is(preview.body.changed, 1);
  const expect = Object.fromEntries(preview.body.devices.map((d: { mac: string; version: string }) => [d.mac, d.version]));
  await call('POST', '/devices/bulk', {}, { body: { filter: { tenant: 'acme' }, operations: [{ op: 'setProfileField', field: 'vlanId', value: 99999 }] } });
  assert.is((await call('POST', '/devices/bulk', {}, { body: { filter: { tenant: 'acme', group: 'pilot' }, operations: [{ op: 'setProfileField', field: 'vlanId', value: 30 }, { op: 'resync' }], expect } })).status, 200);
  await call('POST', '/devices/bulk', {}, { body: { filter: { tenant: 'acme', group: 'pilot' }, operations: [{ op: 'setGroup', group: null }], expect } });
  // Licences: a key template through /users/bulk (preview, refusal, apply; another tenant's admin: 404).
  const tpl = await call('POST', '/tenants/{tenant}/key-templates', { tenant: 'acme' }, { body: { name: 'Bulk', keys: [{ position: 1, type: 'line' }] } });
  const lic = await call('POST', '/users/bulk', {}, { body: { filter: { tenant: 'acme', numbers: ['0100000002'] }, operations: [{ op: 'setKeyTemplate', template: tpl.body.id }], dryRun: true } });
  assert.is(lic.status, 200);
  await call('POST', '/users/bulk', {}, { body: { filter: { tenant: 'acme' }, operations: [{ op: 'setKeyTemplate', template: 987654 }] } });
  await call('POST', '/users/bulk', {}, { token: tok['0200000001'], body: { filter: { tenant: 'acme' }, operations: [{ op: 'resync' }] } });
  const licExpect = Object.fromEntries(lic.body.users.map((u: { number: string; version: string }) => [u.number, u.version]));
  assert.is((await call('POST', '/users/bulk', {}, { body: { filter: { tenant: 'acme', numbers: ['0100000002'] }, operations: [{ op: 'setKeyTemplate', template: null }], expect: licExpect } })).status, 200);
  await call('DELETE', '/tenants/{tenant}/firmware-targets/{model}', { tenant: 'acme', model: Y.model }, { query: '?group=pilot' });
  await call('DELETE', '/tenants/{tenant}/firmware-targets/{model}', { tenant: 'acme', model: Y.model }, { query: '?group=pilot' });
});

answers('resync and jobs', async () => {
  const job = await call('POST', '/devices/{mac}/resync', { mac: Y.mac });
  assert.is(job.status, 202);
  await call('POST', '/users/{number}/resync', { number: '0100000002' }, { body: { reboot: false } });
  await call('POST', '/tenants/{tenant}/resync', { tenant: 'acme' }, { query: '?reboot=true' });
  await call('GET', '/resync-jobs');
  await call('GET', '/resync-jobs', {}, { query: '?tenant=acme&limit=2' });
  await call('GET', '/resync-jobs/{id}', { id: job.body.id });
  await call('GET', '/resync-jobs/{id}', { id: 'nope' });
  await call('POST', '/resync-jobs/{id}/cancel', { id: job.body.id });
  await call('DELETE', '/resync-jobs/{id}', { id: job.body.id });
});

answers('audit, deletions', async () => {
  const page = await call('GET', '/audit', {}, { query: '?limit=5' });
  assert.ok(page.body.entries.length === 5 && page.body.nextCursor);
  await call('GET', '/audit', {}, { query: `?cursor=${page.body.nextCursor}&tenant=acme` });
  await call('GET', '/audit', {}, { token: tok['0100000001'], query: '?device=' + Y.mac });
  await call('GET', '/audit', {}, { token: tok['0100000002'] });
  await call('GET', '/audit', {}, { query: '?since=yesterday' });
  await call('DELETE', '/devices/{mac}', { mac: Y.mac });
  await call('DELETE', '/devices/{mac}', { mac: Y.mac });
  await call('DELETE', '/tenants/{tenant}', { tenant: 'initech' });
});

answers('every operation was called and answered as documented, with a success among its answers', () => {
  const missing: string[] = [];
  for (const o of OPERATIONS) {
    const key = `${o.method.toUpperCase()} ${o.path}`;
    const statuses = [...(seen.get(key) ?? [])];
    if (!statuses.some((st) => st < 300)) missing.push(`${key} (${statuses.join(', ') || 'never called'})`);
  }
  assert.equal(missing, []);
});

answers('the check is not vacuous: an undocumented field, a wrong type or a missing field fails', async () => {
  const d = (await s.api('GET', '/devices')).body[0];
  const validate = ajv.getSchema('cadran#/components/schemas/Device')!;
  assert.ok(validate(d), ajv.errorsText(validate.errors));
  assert.not.ok(validate({ ...d, secret: 'x' }), 'undocumented field');
  assert.not.ok(validate({ ...d, configState: 'stale' }), 'value outside the enum');
  const { mac: _m, ...noMac } = d;
  assert.not.ok(validate(noMac), 'missing field');
});

answers.run();
