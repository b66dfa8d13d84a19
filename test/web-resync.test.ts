// Resync from the pages: a user's own phone, one phone or the whole parc for an admin, and the
// job page with its progress (JSON polled by app.js). The resync engine is stood in for here.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer, seedTwoTenants, type TestServer } from './helpers/server.ts';
import { WebClient } from './helpers/web-client.ts';
import { makeWebFeature } from '../server/features.ts';
import { DomainError } from '../server/domain/errors.ts';
import type { Principal } from '../server/auth/principal.ts';

let s: TestServer;
const calls: string[] = [];
const jobs = new Map<string, { tenant: string; macs: string[] }>();

test.before(async () => {
  // The pages get stand-ins for the resync service (the engine is not started here).
  const web = makeWebFeature({
    resyncDevice: async (_p, mac) => {
      calls.push(`device ${mac}`);
      jobs.set(`j${jobs.size + 1}`, { tenant: 'acme', macs: [mac] });
      return { id: `j${jobs.size}` };
    },
    resyncTenant: async (_p, tenant) => {
      calls.push(`tenant ${tenant}`);
      jobs.set(`j${jobs.size + 1}`, { tenant, macs: (await s.app.store.devices.list({ tenantId: tenant })).map((d) => d.mac) });
      return { id: `j${jobs.size}` };
    },
    resyncJob: async (p: Principal, id) => {
      const j = jobs.get(id);
      if (!j || (p.kind === 'user' && p.tenantId !== j.tenant)) throw new DomainError('not_found', `resync job ${id} not found`);
      return { id, state: 'running', targets: j.macs.map((mac, i) => ({ mac, state: i === 0 ? 'answered' : 'sent', code: i === 0 ? 200 : null })) };
    },
  });
  s = await startTestServer({ features: [web] });
  await seedTwoTenants(s);
  await s.api('POST', '/devices', { mac: '80:5E:C0:12:34:01', model: 'T54W', tenant: 'acme', user: '0100000002' });
  await s.api('POST', '/devices', { mac: '80:5E:C0:12:34:02', model: 'T54W', tenant: 'acme', user: '0100000003' });
});
test.after(async () => {
  await s.close();
});

test('a user resyncs their own phone, not a colleague’s', async () => {
  const c = new WebClient(s.adminUrl);
  await c.login('0100000002', 'pw-0100000002');
  await c.get('/users/0100000002/phone');
  const r = await c.post('/users/0100000002/phone/805ec0123401/resync', {});
  assert.is(r.status, 303);
  assert.is(r.location, '/resync-jobs/j1');
  assert.equal(calls, ['device 805ec0123401']);
  const page = await c.get('/resync-jobs/j1');
  assert.is(page.status, 200);
  assert.match(page.html, 'Accepté');
  assert.match(page.html, 'data-job-url="/resync-jobs/j1.json"');
  assert.is((await c.post('/users/0100000002/phone/805ec0123402/resync', {})).status, 404);
  assert.is((await c.post('/users/0100000003/phone/805ec0123402/resync', {})).status, 403);
  assert.is((await c.post('/tenants/acme/resync', {})).status, 403);
  assert.is(calls.length, 1);
});

test('an admin resyncs the whole parc and follows the progress', async () => {
  const c = new WebClient(s.adminUrl);
  await c.login('0100000001', 'pw-0100000001');
  const list = await c.get('/tenants/acme/devices');
  assert.not.match(list.html, 'disabled title=');
  const r = await c.post('/tenants/acme/resync', {});
  assert.is(r.status, 303);
  const id = r.location!.split('/').pop()!;
  const res = await fetch(`${s.adminUrl}/resync-jobs/${id}.json`, { headers: { cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
  const job = (await res.json()) as { total: number; done: number; percent: number; targets: Array<{ stateLabel: string }> };
  assert.is(job.total, 2);
  assert.is(job.done, 1);
  assert.is(job.percent, 50);
  assert.equal(job.targets.map((t) => t.stateLabel), ['Accepté', 'Envoyé']);
  const globex = new WebClient(s.adminUrl);
  await globex.login('0200000001', 'pw-0200000001');
  assert.is((await globex.get(`/resync-jobs/${id}`)).status, 404, 'another tenant sees nothing');
  assert.is((await globex.post('/tenants/acme/resync', {})).status, 404);
});

test.run();
