// A resync asked within a second of a phone's fetch (issue 12, low finding): sightings are written
// in one-second batches, so the phone's address might not be stored yet; the resync writes the
// pending activity first instead of answering "never seen". Replayed: fetch, then resync at once.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer, type TestServer } from './helpers/server.ts';
import { get } from './phone-fixtures.ts';
import { phoneFeature, resyncFeature } from '../server/features.ts';

let s: TestServer;

async function ok(p: Promise<{ status: number; body: any }>, status = 201) {
  const r = await p;
  assert.is(r.status, status, JSON.stringify(r.body));
  return r.body;
}

test.before(async () => {
  s = await startTestServer({ features: [phoneFeature, resyncFeature], env: { CADRAN_LOG_LEVEL: 'silent' } });
  // No proxy: the NOTIFY goes to where the phone last fetched from.
  await ok(s.api('POST', '/tenants', { id: 'lab', name: 'Lab', sipDomain: 'sip.lab.example', security: {} }));
  await ok(s.api('POST', '/tenants/lab/users', { number: '0400000001', name: 'Léa', role: 'user' }));
});
test.after(async () => s.close());

test('fetch, then resync at once: the phone is found where it fetched from, not "never seen"', async () => {
  const http = s.running.phone!.httpPort;
  for (let i = 0; i < 5; i++) {
    const mac = `805ec05000${String(i).padStart(2, '0')}`;
    await ok(s.api('POST', '/devices', { mac, model: 'T54W', tenant: 'lab', user: '0400000001' }));
    assert.is((await get(http, `/${mac}.cfg`, { from: '127.0.0.7' })).status, 200);
    const r = await ok(s.api('POST', `/devices/${mac}/resync`), 202);
    assert.is(r.queued, 1, `round ${i}: ${JSON.stringify(r)}`);
    const job = (await s.api('GET', `/resync-jobs/${r.id}`)).body;
    assert.not.ok(JSON.stringify(job).includes('never'), JSON.stringify(job));
  }
});

test.run();
