// Resync through the admin API: a loopback UAS plays the tenant's SIP proxy (and so the phones),
// the phone listener serves the files whose next fetch marks a target `fetched`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer, seedTwoTenants, testConfig, type TestServer } from './helpers/server.ts';
import { PHONES, get } from './phone-fixtures.ts';
import { makeImportsFeature, phoneFeature, resyncFeature } from '../server/features.ts';
import { startLoopbackUas, type LoopbackUas, type UasAnswer } from './helpers/loopback-uas.ts';
import { header, type SipRequest } from '../server/sip/message.ts';
import { NEVER_SEEN, NO_LINE, planTarget } from '../server/resync/service.ts';
import { RESYNC_JOBS_HEADER } from '../server/api/routes/resync.ts';
import { createAppContext } from '../server/app.ts';
import { silentLogger } from '../server/log.ts';
import { SYSTEM } from '../server/auth/principal.ts';
import { createTenant } from '../server/service/tenants.ts';
import { createUser } from '../server/service/users.ts';
import { createDevice } from '../server/service/devices.ts';
import { vendorById } from '../vendors/index.ts';
import { tableRows } from './helpers/table-peek.ts';
import type { Device, Sighting, Tenant, User } from '../server/store/types.ts';

const SNOM_ACME = '000413000004';
const INITECH = '805ec0000009';

let s: TestServer;
let uas: LoopbackUas;
let tok: Record<string, string>;
let httpPort: number;
/** What the UAS answers next; default one 200 OK. */
let answer: (req: SipRequest) => UasAnswer[] = () => [{ status: 200, reason: 'OK' }];

const ok = async (p: Promise<{ status: number; body: unknown }>, status = 201) => {
  const r = await p;
  if (r.status !== status) throw new Error(`seed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
};

/** Polls the job (bounded) until `done` says so; returns the last view. */
async function jobUntil(id: string, done: (job: { finished: boolean; devices: Array<{ state: string }> }) => boolean, token?: string) {
  let job = (await s.api('GET', `/resync-jobs/${id}`, undefined, token)).body;
  for (let i = 0; i < 200 && !done(job); i++) {
    await new Promise((r) => setTimeout(r, 50));
    job = (await s.api('GET', `/resync-jobs/${id}`, undefined, token)).body;
  }
  return job;
}
const finished = (j: { finished: boolean }) => j.finished;

/** Requests the UAS received and no test took yet (the NOTIFY may arrive before the 202). */
const inbox: SipRequest[] = [];

/** The next `n` requests the UAS receives (bounded wait). */
async function notifies(n: number): Promise<SipRequest[]> {
  for (let i = 0; i < 100 && inbox.length < n; i++) await new Promise((r) => setTimeout(r, 50));
  if (inbox.length < n) throw new Error(`expected ${n} SIP requests, got ${inbox.length}`);
  return inbox.splice(0, n);
}

test.before(async () => {
  s = await startTestServer({ features: [phoneFeature, makeImportsFeature(), resyncFeature], env: { CADRAN_LOG_LEVEL: 'silent' } });
  uas = await startLoopbackUas({
    answer: (req) => {
      inbox.push(req);
      return answer(req);
    },
  });
  tok = await seedTwoTenants(s);
  for (const t of ['acme', 'globex']) await ok(s.api('PATCH', `/tenants/${t}`, { sipProxy: '127.0.0.1', sipPort: uas.port }), 200);
  for (const p of Object.values(PHONES)) await ok(s.api('POST', '/devices', { mac: p.mac, model: p.model, tenant: p.tenant, user: p.user }));
  await ok(s.api('POST', '/devices', { mac: SNOM_ACME, model: 'D785', tenant: 'acme', user: '0100000001' }));
  // A tenant without a proxy whose phone never fetched anything: nowhere to send its NOTIFY.
  await ok(s.api('POST', '/tenants', { id: 'initech', name: 'Initech', sipDomain: 'sip.initech.example' }));
  await ok(s.api('POST', '/tenants/initech/users', { number: '0300000001', name: 'Ian', role: 'user' }));
  await ok(s.api('POST', '/devices', { mac: INITECH, model: 'T54W', tenant: 'initech', user: '0300000001' }));
  httpPort = s.running.phone!.httpPort;
});

test.after(async () => {
  await uas.close();
  await s.close();
});

test('a device resync sends the vendor NOTIFY through the proxy, is answered, then marked fetched', async () => {
  const y = PHONES.yealink;
  const r = await s.api('POST', `/devices/${y.mac}/resync`);
  assert.is(r.status, 202);
  assert.is(r.body.queued, 1);
  assert.is(r.body.id, r.body.jobId);
  const [req] = await notifies(1);
  assert.is(req!.kind === 'request' && req!.method, 'NOTIFY');
  assert.is(header(req!, 'event'), vendorById('yealink')!.notifyEvent(false));
  const user = (await s.api('GET', `/users/${y.user}`)).body;
  assert.is(req!.kind === 'request' && req!.uri, `sip:${user.sipAuthName}@sip.acme.example`);
  let job = await jobUntil(r.body.id, finished);
  assert.is(job.state, 'finished');
  assert.is(job.tenant, 'acme');
  assert.equal(job.devices, job.targets);
  assert.is(job.devices[0].state, 'answered');
  assert.is(job.devices[0].code, 200);
  assert.ok(job.devices[0].sentAt);

  const f = await get(httpPort, `/${y.mac}.cfg`, { headers: { 'user-agent': y.ua } });
  assert.is(f.status, 200);
  job = await jobUntil(r.body.id, (j) => j.devices[0]!.state === 'fetched');
  assert.is(job.devices[0].state, 'fetched');
  assert.is(job.devices[0].code, 200, 'the answer code is kept');
  assert.ok(job.devices[0].fetchedAt);
  assert.is(job.counts.fetched, 1);
});

test('?reboot=true sends the reboot event; a 401 is answered with the line credentials', async () => {
  const p = PHONES.polycom;
  answer = (req) => (header(req, 'authorization') ? [{ status: 200, reason: 'OK' }] : [{ status: 401, reason: 'Unauthorized', headers: ['WWW-Authenticate: Digest realm="acme", nonce="n0nce"'] }]);
  try {
    const r = await s.api('POST', `/devices/${p.mac}/resync?reboot=true`);
    assert.is(r.status, 202);
    const [first, second] = await notifies(2);
    assert.is(header(first!, 'event'), vendorById('polycom')!.notifyEvent(true));
    const user = (await s.api('GET', `/users/${p.user}`)).body;
    assert.match(header(second!, 'authorization') ?? '', `username="${user.sipAuthName}"`);
    const job = await jobUntil(r.body.id, finished);
    assert.is(job.reboot, true);
    assert.is(job.devices[0].state, 'answered');
    assert.is(job.devices[0].code, 200);
  } finally {
    answer = () => [{ status: 200, reason: 'OK' }];
  }
});

test('a tenant resync reaches every phone of the tenant, each with its vendor event', async () => {
  const r = await s.api('POST', '/tenants/acme/resync');
  assert.is(r.status, 202);
  assert.is(r.body.queued, 3);
  const events = (await notifies(3)).map((q) => header(q, 'event')).sort();
  assert.equal(events, ['yealink', 'polycom', 'snom'].map((v) => vendorById(v)!.notifyEvent(false)).sort());
  const job = await jobUntil(r.body.id, finished);
  assert.is(job.total, 3);
  assert.is(job.counts.answered + job.counts.fetched, 3);
  assert.equal(job.devices.map((d: { mac: string }) => d.mac.replace(/:/g, '')).sort(), [PHONES.yealink.mac, PHONES.polycom.mac, SNOM_ACME].sort());
  const list = (await s.api('GET', '/resync-jobs?tenant=acme')).body;
  assert.is(list[0].id, r.body.id, 'newest first');
  assert.ok(list.every((j: { tenant: string }) => j.tenant === 'acme'));
});

test('a user resyncs their own phone and sees that job, not a colleague\'s phone nor the tenant', async () => {
  const alice = tok['0100000002']!;
  const own = await s.api('POST', `/devices/${PHONES.yealink.mac}/resync`, undefined, alice);
  assert.is(own.status, 202);
  await notifies(1);
  assert.is((await jobUntil(own.body.id, finished, alice)).devices[0].state, 'answered');
  assert.is((await s.api('POST', `/users/0100000002/resync`, undefined, alice)).status, 202);
  await notifies(1);
  assert.is((await s.api('POST', `/devices/${PHONES.polycom.mac}/resync`, undefined, alice)).status, 404);
  assert.is((await s.api('POST', '/users/0100000003/resync', undefined, alice)).status, 403);
  assert.is((await s.api('POST', '/tenants/acme/resync', undefined, alice)).status, 403);
  // Alice sees her jobs only; Bob does not see Alice's job.
  const mine = (await s.api('GET', '/resync-jobs', undefined, alice)).body;
  assert.ok(mine.length >= 2 && mine.every((j: { requestedBy: string }) => j.requestedBy === 'user:0100000002'));
  assert.is((await s.api('GET', `/resync-jobs/${own.body.id}`, undefined, tok['0100000003'])).status, 404);
  // The tenant admin sees it.
  assert.is((await s.api('GET', `/resync-jobs/${own.body.id}`, undefined, tok['0100000001'])).status, 200);
  assert.is((await s.api('POST', '/devices/805ec0000001/resync')).status, 202, 'operator');
  await notifies(1);
});

test('an admin of another tenant learns nothing of acme (404)', async () => {
  const gus = tok['0200000001']!;
  const acmeJob = (await s.api('GET', '/resync-jobs?tenant=acme')).body[0].id;
  assert.is((await s.api('POST', `/devices/${PHONES.yealink.mac}/resync`, undefined, gus)).status, 404);
  assert.is((await s.api('POST', '/tenants/acme/resync', undefined, gus)).status, 404);
  assert.is((await s.api('POST', '/users/0100000002/resync', undefined, gus)).status, 404);
  assert.is((await s.api('GET', `/resync-jobs/${acmeJob}`, undefined, gus)).status, 404);
  assert.is((await s.api('GET', '/resync-jobs?tenant=acme', undefined, gus)).status, 404);
  assert.is((await s.api('DELETE', `/resync-jobs/${acmeJob}`, undefined, gus)).status, 404);
  const own = await s.api('POST', '/tenants/globex/resync', undefined, gus);
  assert.is(own.status, 202);
  await notifies(1);
  assert.ok((await s.api('GET', '/resync-jobs', undefined, gus)).body.every((j: { tenant: string }) => j.tenant === 'globex'));
});

test('a phone never seen, without a proxy, is recorded failed with the reason', async () => {
  const r = await s.api('POST', `/devices/${INITECH}/resync`);
  assert.is(r.status, 202);
  assert.is(r.body.queued, 0);
  assert.is(r.body.failed, 1);
  const job = (await s.api('GET', `/resync-jobs/${r.body.id}`)).body;
  assert.is(job.finished, true);
  assert.is(job.devices[0].state, 'failed');
  assert.is(NEVER_SEEN, 'never_seen');
  assert.equal([job.devices[0].reasonKey, job.devices[0].reasonParams], ['resync.reason.never_seen', {}]);
  assert.match(job.devices[0].reason, /^jamais vu : le téléphone n'a encore jamais demandé sa configuration/);
  assert.is(job.label, "téléphone 80:5e:c0:00:00:09");
  assert.is(job.labelKey, 'resync.scope.device');
  const en = (await s.api('GET', `/resync-jobs/${r.body.id}`, undefined, undefined, { 'accept-language': 'en-GB,en;q=0.9' })).body;
  assert.match(en.devices[0].reason, /^never seen: the phone has never asked for its configuration/);
  assert.is(en.devices[0].reasonKey, 'resync.reason.never_seen');
});

test('unknown things and bad input are clear errors, by stable key', async () => {
  const is = async (p: ReturnType<typeof s.api>, status: number, key: string) => {
    const r = await p;
    assert.equal([r.status, r.body.error.key], [status, key], JSON.stringify(r.body));
    return r.body.error;
  };
  const dev = await is(s.api('POST', '/devices/805ec0ffffff/resync'), 404, 'not_found.device');
  assert.equal([dev.params, dev.message], [{ mac: '80:5e:c0:ff:ff:ff' }, "Le téléphone 80:5e:c0:ff:ff:ff n'existe pas."]);
  await is(s.api('POST', '/devices/not-a-mac/resync'), 422, 'validation.mac');
  await is(s.api('POST', '/tenants/nope/resync'), 404, 'not_found.tenant');
  await is(s.api('GET', '/resync-jobs/0000'), 404, 'not_found.resync_job');
  const reboot = await is(s.api('POST', `/devices/${PHONES.yealink.mac}/resync?reboot=maybe`, undefined, undefined, { 'accept-language': 'en' }), 422, 'validation.flag');
  assert.is(reboot.message, 'reboot: must be true or false');
  await is(s.api('GET', '/resync-jobs?limit=abc'), 422, 'validation.range');
  await is(s.api('GET', '/resync-jobs', undefined, null), 401, 'auth.login_first');
});

test('a refusal is said by what its SIP status means, the phrase kept aside', async () => {
  answer = () => [{ status: 481, reason: 'Subscription does not exist' }];
  try {
    const r = await s.api('POST', `/devices/${PHONES.yealink.mac}/resync`);
    await notifies(1);
    const job = await jobUntil(r.body.id, finished);
    const d = job.devices[0];
    assert.equal([d.state, d.code, d.reasonKey, d.reasonParams, d.sipReason], ['failed', 481, 'resync.sip.no_subscription', { code: 481 }, 'Subscription does not exist']);
    assert.match(d.reason, /^le téléphone refuse les notifications non sollicitées \(481\)/);
    const en = (await s.api('GET', `/resync-jobs/${r.body.id}`, undefined, undefined, { 'accept-language': 'en' })).body;
    assert.match(en.devices[0].reason, /^the phone refuses unsolicited notifications \(481\)/);
  } finally {
    answer = () => [{ status: 200, reason: 'OK' }];
  }
});

test('cancelling a job stops the NOTIFYs not sent yet', async () => {
  await ok(s.api('POST', '/tenants', { id: 'bulk', name: 'Bulk', sipDomain: 'sip.bulk.example', sipProxy: '127.0.0.1', sipPort: uas.port }));
  for (let i = 0; i < 40; i++) {
    const number = `04000000${String(i).padStart(2, '0')}`;
    await ok(s.api('POST', '/tenants/bulk/users', { number, name: `U${i}`, role: 'user' }));
    await ok(s.api('POST', '/devices', { mac: `805ec01000${String(i).padStart(2, '0')}`, model: 'T54W', tenant: 'bulk', user: number }));
  }
  const r = await s.api('POST', '/tenants/bulk/resync');
  assert.is(r.body.queued, 40);
  const c = await s.api('DELETE', `/resync-jobs/${r.body.id}`);
  assert.is(c.status, 200);
  assert.ok(c.body.cancelledTargets > 0, 'some were still queued at 20/s');
  assert.is(c.body.state, 'cancelled');
  const job = await jobUntil(r.body.id, finished);
  assert.is(job.counts.cancelled, c.body.cancelledTargets);
  assert.is(job.counts.cancelled + job.counts.answered, 40);
  assert.is(job.counts.queued, 0);
  assert.is((await notifies(job.counts.answered)).length, job.counts.answered, 'one NOTIFY per answered phone');
  assert.is(inbox.length, 0, 'nothing sent after the cancel');
  assert.is((await s.api('POST', `/resync-jobs/${r.body.id}/cancel`)).body.cancelledTargets, 0, 'cancel twice is harmless');
});

test('?resync=true on a write resyncs the phones it changed (Cadran-Resync-Jobs header)', async () => {
  const keys = [{ position: 1, type: 'blf', value: '0100000003' }];
  const plain = await s.api('PUT', '/users/0100000002/keys', keys, tok['0100000002']);
  assert.is(plain.status, 200);
  assert.is(plain.headers.get(RESYNC_JOBS_HEADER), null);
  const res = await s.api('PUT', '/users/0100000002/keys?resync=true', keys, tok['0100000002']);
  assert.is(res.status, 200);
  const id = res.headers.get(RESYNC_JOBS_HEADER);
  assert.ok(id, 'a job is named');
  const [req] = await notifies(1);
  assert.is(header(req!, 'event'), vendorById('yealink')!.notifyEvent(false));
  const job = await jobUntil(id!, finished);
  assert.equal(job.devices.map((d: { mac: string }) => d.mac.replace(/:/g, '')), [PHONES.yealink.mac]);
  assert.is(job.requestedBy, 'user:0100000002');
  // A refused write queues nothing.
  const bad = await s.api('PUT', '/users/0100000003/keys?resync=true', [], tok['0100000002']);
  assert.is(bad.status, 403);
  assert.is(bad.headers.get(RESYNC_JOBS_HEADER), null);
});

test('?resync=true on POST /devices/import resyncs the phones the import changed (one job per tenant)', async () => {
  const csv = `mac;model;tenant;user;label\n${PHONES.yealink.mac};T54W;acme;0100000002;Accueil\n${PHONES.polycom.mac};VVX450;acme;0100000003;Bureau 2\n`;
  const res = await s.api('POST', '/devices/import?resync=true', csv, undefined, { 'content-type': 'text/csv' });
  assert.is(res.status, 200, JSON.stringify(res.body));
  assert.is(res.body.updated, 2);
  const id = res.headers.get(RESYNC_JOBS_HEADER);
  assert.ok(id, 'the import names its resync job');
  assert.is(id!.split(',').length, 1, 'both phones are in acme: one job');
  await notifies(2);
  const job = await jobUntil(id!, finished);
  assert.equal(job.devices.map((d: { mac: string }) => d.mac.replace(/:/g, '')).sort(), [PHONES.yealink.mac, PHONES.polycom.mac].sort());
  assert.equal([job.scope, job.scopeId, job.requestedBy], ['change', 'POST /devices/import', 'operator:ops']);
  // The same import again changes nothing: no job.
  const again = await s.api('POST', '/devices/import?resync=true', csv, undefined, { 'content-type': 'text/csv' });
  assert.is(again.status, 200);
  assert.is(again.body.unchanged, 2);
  assert.is(again.headers.get(RESYNC_JOBS_HEADER), null);
  // A dry run writes nothing, so it resyncs nothing.
  const dry = await s.api('POST', '/devices/import?resync=true&dryRun=true', csv.replace('Accueil', 'Hall'), undefined, { 'content-type': 'text/csv' });
  assert.is(dry.status, 200);
  assert.is(dry.headers.get(RESYNC_JOBS_HEADER), null);
});

test('where a NOTIFY goes: proxy, last address, or nowhere', () => {
  const tenant = { id: 't', sipDomain: 'sip.t.example', sipProxy: null, sipPort: 5060 } as Tenant;
  const device = { mac: '805ec0000001', tenantId: 't', vendor: 'yealink' } as Device;
  const user = { number: '01', sipAuthName: 'alice smith', sipPassword: 'secret' } as User;
  const seen = { mac: device.mac, ip: '::ffff:192.0.2.7' } as Sighting;
  const direct = planTarget(device, tenant, user, seen, false);
  assert.ok('send' in direct);
  if ('send' in direct) {
    assert.equal(direct.send.target, { host: '192.0.2.7', port: 5060 });
    assert.is(direct.send.requestUri, 'sip:alice%20smith@192.0.2.7:5060');
    assert.equal(direct.send.credentials, { username: 'alice smith', password: 'secret' });
  }
  const v6 = planTarget(device, tenant, undefined, { ...seen, ip: '2001:db8::7' }, true);
  assert.ok('send' in v6 && v6.send.requestUri === 'sip:[2001:db8::7]:5060' && v6.send.event === vendorById('yealink')!.notifyEvent(true));
  assert.equal(planTarget(device, tenant, user, undefined, false), { fail: { deviceMac: device.mac, tenantId: 't', reason: NEVER_SEEN } });
  const proxied = { ...tenant, sipProxy: 'proxy.t.example', sipPort: 5070 };
  const viaProxy = planTarget(device, proxied, user, undefined, false);
  assert.ok('send' in viaProxy && viaProxy.send.requestUri === 'sip:alice%20smith@sip.t.example' && viaProxy.send.target.port === 5070);
  assert.equal(planTarget(device, proxied, undefined, seen, false), { fail: { deviceMac: device.mac, tenantId: 't', reason: NO_LINE } });
});

test('finding 4 replayed through the API: one tenant\'s admin floods resync; another tenant\'s resync is accepted and sent before that backlog drains', async () => {
  inbox.length = 0;
  const acme = tok['0100000001']!;
  const gus = tok['0200000001']!;
  // acme's admin asks tenant resyncs in a row (its phones each time): hundreds of NOTIFYs waiting
  // at 20/s. Whatever acme is told (202, or 429 once its own share is full), globex is not refused.
  const jobs: string[] = [];
  const statuses = new Set<number>();
  // Asked 15 at a time so that a loaded machine does not drain the backlog while it is being built.
  for (let i = 0; i < 10; i++) {
    const batch = await Promise.all(Array.from({ length: 15 }, () => s.api('POST', '/tenants/acme/resync', undefined, acme)));
    for (const r of batch) {
      statuses.add(r.status);
      if (r.status === 202) jobs.push(r.body.jobId as string);
    }
  }
  assert.ok(jobs.length > 0 && [...statuses].every((st) => st === 202 || st === 429), [...statuses].join(','));
  const acmeSent = () => inbox.filter((r) => r.kind === 'request' && r.uri.endsWith('@sip.acme.example')).length;
  // What counts is what globex waits for from the moment it asks: acme's NOTIFYs already sent
  // while the flood was being asked for (many on a loaded machine) are not globex's wait.
  const sentAtAsk = acmeSent();
  const acmeLeft = jobs.length * 3 - sentAtAsk;
  const g = await s.api('POST', `/devices/${PHONES.snom.mac}/resync`, undefined, gus);
  assert.is(g.status, 202, JSON.stringify(g.body));
  // Bounded wait for globex's NOTIFY; when it comes, acme's backlog must still be far from drained.
  let seenAt = -1;
  for (let i = 0; i < 400 && seenAt < 0; i++) {
    seenAt = inbox.findIndex((r) => r.kind === 'request' && r.uri.endsWith('@sip.globex.example'));
    if (seenAt < 0) await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(seenAt >= 0, 'globex\'s NOTIFY was sent');
  const acmeBefore = inbox.slice(0, seenAt).filter((r) => r.kind === 'request' && r.uri.endsWith('@sip.acme.example')).length - sentAtAsk;
  assert.ok(acmeLeft >= 100, `acme's backlog when globex asked: ${acmeLeft} NOTIFYs (the flood must still be there)`);
  assert.ok(acmeBefore < acmeLeft / 2, `globex waited behind ${acmeBefore} of acme's ${acmeLeft} waiting NOTIFYs`);
  for (const id of jobs) await s.api('DELETE', `/resync-jobs/${id}`, undefined, acme);
  inbox.length = 0;
});

test('a job survives a restart: targets in flight are sent again, with credentials from the users table', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cadran-resync-'));
  let mode: 'silent' | 'challenge' = 'silent';
  const phone = await startLoopbackUas({
    record: true,
    answer: (req) =>
      mode === 'silent' ? [] : header(req, 'authorization') ? [{ status: 200, reason: 'OK' }] : [{ status: 401, reason: 'Unauthorized', headers: ['WWW-Authenticate: Digest realm="r", nonce="n"'] }],
  });
  const config = testConfig(dir);
  let jobId = '';
  try {
    const first = await createAppContext(config, silentLogger);
    try {
      await createTenant(first, SYSTEM, { id: 'acme', name: 'Acme', sipDomain: 'sip.acme.example', sipProxy: '127.0.0.1', sipPort: phone.port });
      await createUser(first, SYSTEM, 'acme', { number: '0100000002', name: 'Alice', role: 'user', sipAuthName: 'alice', sipPassword: 'very-secret-sip' });
      await createDevice(first, SYSTEM, { mac: PHONES.yealink.mac, model: 'T54W', tenant: 'acme', user: '0100000002' });
      const rt = await first.resync.start();
      jobId = (await first.resync.device(SYSTEM, PHONES.yealink.mac)).id;
      await phone.next(5000); // sent, never answered: the process "stops" mid-transaction
      await rt.close();
      const rows = JSON.stringify([...(await tableRows(config, 'resync_targets')), ...(await tableRows(config, 'resync_jobs'))]);
      assert.not.ok(rows.includes('very-secret-sip'), 'no SIP password in the jobs tables');
    } finally {
      await first.store.close();
    }
    const second = await createAppContext(config, silentLogger);
    try {
      assert.is((await second.resync.job(SYSTEM, jobId)).devices[0]!.state, 'sent');
      mode = 'challenge';
      const rt = await second.resync.start({ recover: true });
      await rt.engine.whenIdle();
      const job = await second.resync.job(SYSTEM, jobId);
      assert.is(job.devices[0]!.state, 'answered');
      assert.is(job.devices[0]!.code, 200);
      assert.match(header(phone.requests.at(-1)!.req, 'authorization') ?? '', 'username="alice"');
      await rt.close();
    } finally {
      await second.store.close();
    }
  } finally {
    await phone.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
