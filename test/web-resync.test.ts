// Resync from the pages: a user's own phone, one phone or the whole parc for an admin, and the
// job page with its progress (JSON polled by app.js). The resync engine is stood in for here.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer, seedTwoTenants, type TestServer } from './helpers/server.ts';
import { WebClient } from './helpers/web-client.ts';
import { makeWebFeature } from '../server/features.ts';
import { DomainError } from '../server/domain/errors.ts';
import type { Principal } from '../server/auth/principal.ts';
import type { ResyncJobView } from '../server/web/ports.ts';
import { htmlText } from './helpers/web-client.ts';

let s: TestServer;
const calls: string[] = [];
const jobs = new Map<string, { tenant: string; macs: string[]; targets?: ResyncJobView['targets'] }>();

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
      if (j.targets) return { id, state: 'finished', scope: 'tenant', scopeId: j.tenant, targets: j.targets };
      return { id, state: 'running', targets: j.macs.map((mac, i) => ({ mac, state: i === 0 ? 'answered' : 'sent', code: i === 0 ? 200 : null })) };
    },
    resyncAgain: async (_p, macs, what) => {
      calls.push(`again ${macs.join(',')} (${what})`);
      jobs.set(`j${jobs.size + 1}`, { tenant: 'acme', macs });
      return { id: `j${jobs.size}` };
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
  assert.equal((job as unknown as { targets: Array<{ who: string }> }).targets.map((t) => t.who), ['Alice Martin', 'Bob Durand'], 'colleagues by name, not by MAC');
  const globex = new WebClient(s.adminUrl);
  await globex.login('0200000001', 'pw-0200000001');
  assert.is((await globex.get(`/resync-jobs/${id}`)).status, 404, 'another tenant sees nothing');
  assert.is((await globex.post('/tenants/acme/resync', {})).status, 404);
});

test('a finished job: never seen is not refused, a summary with reasons, the bar says it failed, the failed phones can be tried again', async () => {
  const never = { key: 'resync.reason.never_seen' };
  jobs.set('mixed', {
    tenant: 'acme', macs: [],
    targets: [
      { mac: '80:5e:c0:12:34:01', state: 'fetched', code: 200, fetchedAt: new Date().toISOString() },
      { mac: '80:5e:c0:12:34:02', state: 'failed', code: null, reason: never },
      { mac: '80:5e:c0:12:34:01', state: 'failed', code: 486, reason: { key: 'resync.sip.busy', params: { code: 486 } } },
      { mac: '80:5e:c0:12:34:02', state: 'timeout', code: null, reason: { key: 'resync.reason.timeout' } },
    ],
  });
  const c = new WebClient(s.adminUrl);
  await c.login('0100000001', 'pw-0100000001');
  const page = await c.get('/resync-jobs/mixed');
  assert.is(page.status, 200);
  const text = htmlText(page.html);
  assert.match(text, 'Sur 4 téléphone(s) : 1 ont accepté, 1 ont relu leur configuration, 3 en échec.');
  assert.match(text, 'Jamais vu');
  assert.match(text, 'Refusé');
  assert.match(text, 'Configuration relue');
  assert.match(text, '1 × téléphone occupé (486)');
  assert.match(text, "1 × jamais vu : le téléphone n'a encore jamais demandé sa configuration");
  assert.match(page.html, 'progress-bar outcome-warn');
  assert.not.match(page.html, 'data-watch', 'nothing left to wait for');
  assert.match(text, 'Alice Martin');
  assert.not.match(page.html.replace(/<[^>]*>/g, ' '), 'mixed', 'no job id in the page text');
  assert.match(text, 'Tous les téléphones du parc Acme SAS');
  // Retry: a new job for the failed phones only.
  assert.match(text, 'Relancer les 3 téléphone(s) en échec');
  const again = await c.post('/resync-jobs/mixed/retry', {});
  assert.is(again.status, 303);
  assert.match(again.location!, /^\/resync-jobs\/j\d+\?done=resync_retried&count=3$/);
  assert.match(calls[calls.length - 1]!, /^again 805ec0123402,805ec0123401,805ec0123402 \(retry mixed\)$/);
  const next = await c.get(again.location!);
  assert.match(htmlText(next.html), 'Nouvelle resynchronisation lancée pour 3 téléphone(s) en échec.');
  // Everything failed: the bar is red, not a full blue bar.
  jobs.set('allbad', { tenant: 'acme', macs: [], targets: [{ mac: '805ec0123401', state: 'failed', code: null, reason: never }] });
  const bad = await c.get('/resync-jobs/allbad');
  assert.match(bad.html, 'progress-bar outcome-bad');
  assert.match(htmlText(bad.html), 'Téléphone de Alice Martin');
  // Answered, not re-read yet: the page keeps watching and says so.
  jobs.set('waiting', { tenant: 'acme', macs: [], targets: [{ mac: '805ec0123401', state: 'answered', code: 200 }] });
  const waiting = await c.get('/resync-jobs/waiting');
  assert.match(waiting.html, 'data-watch="1"');
  assert.match(htmlText(waiting.html), "on attend qu'il relise sa configuration");
  assert.match(waiting.html, 'progress-bar outcome-ok');
  // A user cannot retry a job of another tenant's admin (the stand-in's own check: 404).
  const globex = new WebClient(s.adminUrl);
  await globex.login('0200000001', 'pw-0200000001');
  await globex.get('/tenants/globex/users');
  assert.is((await globex.post('/resync-jobs/mixed/retry', {})).status, 404);
});

test.run();
