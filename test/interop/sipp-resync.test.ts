// Interop, end to end: sipp (Debian package sip-tester) plays the tenant's SIP proxy and the phone
// behind it; the resync is asked through the admin API, then the phone fetches its file over HTTP
// and the job shows `fetched`.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestServer, seedTwoTenants, type TestServer } from '../helpers/server.ts';
import { PHONES, get } from '../phone-fixtures.ts';
import { phoneFeature, resyncFeature } from '../../server/features.ts';
import { freeUdpPort } from '../helpers/ports.ts';

const scenarios = fileURLToPath(new URL('./sipp/', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'cadran-sipp-resync-'));
let s: TestServer;

test.before(async () => {
  const v = spawnSync('sipp', ['-v'], { encoding: 'utf8' });
  if (v.error) throw new Error(`sipp is not installed (Debian package sip-tester): ${v.error.message}`);
  s = await startTestServer({ features: [phoneFeature, resyncFeature], env: { CADRAN_LOG_LEVEL: 'silent' } });
  await seedTwoTenants(s);
});
test.after(async () => {
  await s.close();
  rmSync(work, { recursive: true, force: true });
});

test('API resync → sipp answers 200 → the phone fetches its file → the job shows fetched', async () => {
  const port = await freeUdpPort();
  const log = join(work, 'sipp.log');
  const child = spawn('sipp', ['-sf', join(scenarios, 'notify-200.xml'), '-i', '127.0.0.1', '-p', String(port), '-m', '1', '-nostdin', '-timeout', '40s', '-trace_logs', '-log_file', log], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<number | null>((resolve) => child.on('close', resolve));
  // If sipp binds after the first NOTIFY leaves, the retransmission (T1 = 500 ms) reaches it.

  const y = PHONES.yealink;
  assert.is((await s.api('PATCH', '/tenants/acme', { sipProxy: '127.0.0.1', sipPort: port })).status, 200);
  assert.is((await s.api('POST', '/devices', { mac: y.mac, model: y.model, tenant: y.tenant, user: y.user })).status, 201);
  const r = await s.api('POST', `/devices/${y.mac}/resync`);
  assert.is(r.status, 202);
  const code = await done;
  let text = stderr;
  try {
    text += readFileSync(log, 'utf8');
  } catch {
    // no log written
  }
  assert.is(code, 0, `sipp exit ${code}:\n${text}`);
  assert.ok(text.includes('Event  check-sync'), 'sipp saw the check-sync Event');

  const poll = async (until: (j: { devices: Array<{ state: string }> }) => boolean) => {
    let job = (await s.api('GET', `/resync-jobs/${r.body.id}`)).body;
    for (let i = 0; i < 200 && !until(job); i++) {
      await new Promise((res) => setTimeout(res, 50));
      job = (await s.api('GET', `/resync-jobs/${r.body.id}`)).body;
    }
    return job;
  };
  let job = await poll((j) => j.devices[0]!.state !== 'queued' && j.devices[0]!.state !== 'sent');
  assert.equal([job.devices[0].state, job.devices[0].code], ['answered', 200]);

  const f = await get(s.running.phone!.httpPort, `/${y.mac}.cfg`, { headers: { 'user-agent': y.ua } });
  assert.is(f.status, 200);
  job = await poll((j) => j.devices[0]!.state === 'fetched');
  assert.equal([job.devices[0].state, job.devices[0].code], ['fetched', 200]);
});

test.run();
