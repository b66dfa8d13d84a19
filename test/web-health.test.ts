// The cockpit's parc health page (/tenants/{id}/health): counts, the phones that have not taken a
// change (with the files to fetch again), the silent and never seen phones, firmware versions per
// model — from real fetches on the phone listener; French by default, English on request; who
// may see it; text from the database is escaped.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer, seedTwoTenants, type TestServer } from './helpers/server.ts';
import { WebClient, htmlText } from './helpers/web-client.ts';
import { phoneFeature, webFeature } from '../server/features.ts';
import { PHONES, eventually, get } from './phone-fixtures.ts';
import { vendorById } from '../vendors/index.ts';
import { createOperator } from '../server/cli/operator.ts';

let s: TestServer;
const Y = PHONES.yealink;
const SILENT = '805ec0000010';
const NEVER = '805ec0000011';

/** The text of one section of the page (between its heading and the next section). */
const section = (html: string, id: string): string => {
  const start = html.indexOf(`id="${id}"`);
  assert.ok(start > 0, `section ${id}`);
  const end = html.indexOf('</section>', start);
  return htmlText(html.slice(start, end).replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ');
};

test.before(async () => {
  s = await startTestServer({ features: [webFeature, phoneFeature], env: { CADRAN_LOG_LEVEL: 'silent' } });
  await seedTwoTenants(s);
  const ok = async (p: ReturnType<TestServer['api']>) => assert.ok((await p).status < 300);
  await ok(s.api('POST', '/devices', { mac: Y.mac, model: Y.model, tenant: 'acme', user: Y.user, label: '<b>Accueil</b>' }));
  await ok(s.api('POST', '/devices', { mac: SILENT, model: 'T46U', tenant: 'acme', label: 'Salle de réunion' }));
  await ok(s.api('POST', '/devices', { mac: NEVER, model: 'T54W', tenant: 'acme' }));
  await ok(s.api('POST', '/devices', { mac: PHONES.snom.mac, model: 'D785', tenant: 'globex' }));
  // The Yealink fetches its files (current), then a key change makes it pending.
  const httpPort = s.running.phone!.httpPort;
  for (const file of vendorById('yealink')!.bootFiles(Y.mac, Y.model)) {
    assert.is((await get(httpPort, `/${file}`, { headers: { 'user-agent': Y.ua } })).status, 200);
  }
  await eventually(async () => (await s.api('GET', `/devices/${Y.mac}`)).body, (d) => d.configState === 'current', 8000);
  assert.is((await s.api('PUT', `/users/${Y.user}/keys`, [{ position: 1, type: 'line', label: 'Ligne' }])).status, 200);
  // On PostgreSQL the fleet state hears of the change through the change feed: wait (bounded).
  await eventually(async () => (await s.api('GET', `/devices/${Y.mac}`)).body, (d) => d.configState === 'pending', 8000);
  // The other one was last heard of three days ago, with an older firmware.
  await s.app.store.sightings.record([
    { mac: SILENT, at: new Date(Date.now() - 3 * 86400_000).toISOString(), ip: '10.1.2.3', userAgent: 'Yealink SIP-T46U 108.86.0.20', firmware: '108.86.0.20', file: `${SILENT}.cfg`, protocol: 'http', model: 'T46U' },
  ]);
});
test.after(async () => {
  await s.close();
});

test('an admin sees the counts, the pending change with its file, the silent phones and the firmware per model (French)', async () => {
  const c = new WebClient(s.adminUrl);
  await c.login('0100000001', 'pw-0100000001');
  const r = await c.get('/tenants/acme/health');
  assert.is(r.status, 200);
  const text = htmlText(r.html.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ');
  assert.match(text, 'Santé du parc');
  assert.match(text, '3 Téléphones');
  assert.match(text, '1 En contact depuis moins de 26 h');
  assert.match(text, '1 Silencieux depuis plus de 26 h');
  assert.match(text, '1 Jamais vus');
  assert.match(text, '1 Changements pas encore pris');
  assert.ok(r.html.includes('href="/tenants/acme/health" class="active"'), 'its tab is marked');

  const pending = section(r.html, 'h-pending');
  assert.match(pending, '80:5e:c0:00:00:01');
  assert.match(pending, `${Y.mac}.cfg`, 'the file to fetch again');
  assert.match(pending, '<b>Accueil</b>', 'the label, as text');
  assert.not.ok(r.html.includes('<b>Accueil</b>'), 'escaped in the HTML');
  assert.ok(r.html.includes('action="/tenants/acme/resync"'), 'a resync is offered');
  assert.not.match(pending, '80:5e:c0:00:00:10');

  const silent = section(r.html, 'h-silent');
  assert.ok(silent.indexOf('80:5e:c0:00:00:10') < silent.indexOf('80:5e:c0:00:00:11'), 'the silent one first, then the never seen');
  assert.match(silent, '10.1.2.3');
  assert.match(silent, 'Silencieux');
  assert.match(silent, 'Jamais vu');
  assert.not.match(silent, '80:5e:c0:00:00:01');

  const firmware = section(r.html, 'h-firmware');
  assert.match(firmware, 'Yealink T46U 108.86.0.20 1');
  assert.match(firmware, 'Yealink T54W 96.86.0.100 1');
  assert.match(firmware, 'Yealink T54W pas encore annoncée 1');
  assert.not.match(firmware, 'D785', 'another tenant’s phones are not counted');
});

test('in English on request; after the phone takes the change nothing is pending', async () => {
  const httpPort = s.running.phone!.httpPort;
  assert.is((await get(httpPort, `/${Y.mac}.cfg`, { headers: { 'user-agent': Y.ua } })).status, 200);
  await eventually(async () => (await s.api('GET', `/devices/${Y.mac}`)).body, (d) => d.configState === 'current', 8000);
  const c = new WebClient(s.adminUrl, 'en');
  await c.login('0100000001', 'pw-0100000001');
  const r = await c.get('/tenants/acme/health');
  assert.is(r.status, 200);
  assert.match(section(r.html, 'h-pending'), 'Every phone that has fetched its settings has their latest version.');
  assert.match(htmlText(r.html), 'Fleet health');
});

test('operators see any tenant; users and other tenants’ admins do not; an empty tenant says so', async () => {
  // The test server's operator has a token only: one with a password for the web.
  await createOperator(s.app, 'noc', 'pw-noc-operator-health');
  const noc = new WebClient(s.adminUrl);
  await noc.login('noc', 'pw-noc-operator-health');
  assert.is((await noc.get('/tenants/globex/health')).status, 200);
  const user = new WebClient(s.adminUrl);
  await user.login('0100000002', 'pw-0100000002');
  assert.is((await user.get('/tenants/acme/health')).status, 403);
  const globex = new WebClient(s.adminUrl);
  await globex.login('0200000001', 'pw-0200000001');
  assert.is((await globex.get('/tenants/acme/health')).status, 404);
  await s.api('POST', '/tenants', { id: 'initech', name: 'Initech', sipDomain: 'sip.initech.example' });
  const empty = await noc.get('/tenants/initech/health');
  assert.is(empty.status, 200);
  assert.match(htmlText(empty.html), "Aucun téléphone dans ce parc pour l'instant.");
});

test.run();
