// The "Ma ligne" cockpit page (issue 15): French words of the user guide, the user's own settings,
// an admin reaches each licence of the parc, another tenant does not; errors next to their field;
// a stale form is refused (409) without undoing the other change; saving offers the resync and
// leads to the job page that shows its outcome.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer, seedTwoTenants, type TestServer } from './helpers/server.ts';
import { WebClient, fieldError, htmlText } from './helpers/web-client.ts';
import { resyncFeature, webFeature } from '../server/features.ts';

let s: TestServer;
const ALICE = '0100000002';
const as = async (number: string, lang = 'fr') => {
  const c = new WebClient(s.adminUrl, lang);
  assert.is((await c.login(number, `pw-${number}`)).status, 303, `login of ${number}`);
  return c;
};

test.before(async () => {
  s = await startTestServer({ features: [webFeature, resyncFeature], env: { CADRAN_LOG_LEVEL: 'silent' } });
  await seedTwoTenants(s);
  await s.api('POST', '/devices', { mac: '80:5E:C0:12:34:01', model: 'T54W', tenant: 'acme', user: ALICE });
  await s.api('POST', '/devices', { mac: '00:04:F2:12:34:02', model: 'VVX450', tenant: 'acme', user: '0100000003' });
});
test.after(async () => s.close());

test('the page speaks the user guide\'s French, in the licence tabs', async () => {
  const c = await as(ALICE);
  const r = await c.get(`/users/${ALICE}/line`);
  assert.is(r.status, 200);
  const text = htmlText(r.html);
  for (const words of ['Ma ligne', "Renvoi d'appel permanent", 'Ne Pas Déranger', 'Appelants prioritaires', 'Liste noire', 'Rejeter les appels anonymes']) {
    assert.match(text, words);
  }
  assert.match(r.html, `href="/users/${ALICE}/line" class="active"`);
  // The T54W takes every one of these settings: said on the page.
  assert.match(text, 'Ce téléphone applique tous ces réglages.');
});

test('saving: numbers normalised, the page shows what was stored, and what the phone cannot apply', async () => {
  const c = await as(ALICE);
  await c.get(`/users/${ALICE}/line`);
  const r = await c.post(`/users/${ALICE}/line`, {
    version: '0', forward: '1', target: '+33 6 98 76 54 32', dnd: '1', allowed: '06 12 34 56 78\n+41 22 123 45 67', blacklist: '08 99 12 34 56', rejectAnonymous: '1',
  });
  assert.is(r.status, 303);
  assert.is(r.location, `/users/${ALICE}/line?done=features_saved`);
  const f = (await s.api('GET', `/users/${ALICE}/features`)).body;
  assert.equal(f.forwardAlways, { enabled: true, target: '0698765432' });
  assert.equal(f.dnd, { enabled: true, allowedCallers: ['0612345678', '+41221234567'] });
  assert.equal(f.blacklist, ['0899123456']);
  const page = htmlText((await c.get(`/users/${ALICE}/line?done=features_saved`)).html);
  assert.match(page, 'Réglages de la ligne enregistrés.');
  assert.match(page, '0698765432');
  // The T54W takes all of it now (the blacklist as its local contact file): nothing to warn about.
  assert.match(page, 'Ce téléphone applique tous ces réglages.');
  assert.not.match(page, 'ne reçoivent pas');
});

test('errors next to their field, nothing saved; a stale form is refused without undoing the other change', async () => {
  const c = await as(ALICE);
  const before = (await s.api('GET', `/users/${ALICE}/features`)).body;
  await c.get(`/users/${ALICE}/line`);
  const bad = await c.post(`/users/${ALICE}/line`, { version: String(before.version), forward: '1', target: 'chez moi', blacklist: '0899123456\nabc' });
  assert.is(bad.status, 422);
  assert.match(fieldError(bad.html, 'target') ?? '', 'numéro de téléphone');
  assert.match(fieldError(bad.html, 'blacklist') ?? '', 'numéro de téléphone');
  assert.match(bad.html, 'chez moi', 'what was typed is kept');
  assert.equal((await s.api('GET', `/users/${ALICE}/features`)).body, before);
  // Meanwhile the admin changes the blacklist: Alice's old form cannot undo it.
  await s.api('PUT', `/users/${ALICE}/features`, { blacklist: ['0899000001'] });
  const stale = await c.post(`/users/${ALICE}/line`, { version: String(before.version), blacklist: '' });
  assert.is(stale.status, 409);
  assert.match(htmlText(stale.html), 'modifiés entre-temps');
  assert.equal((await s.api('GET', `/users/${ALICE}/features`)).body.blacklist, ['0899000001']);
});

test('an admin reaches each licence of the parc (linked from the licence page); a colleague and another tenant do not', async () => {
  const admin = await as('0100000001');
  assert.match((await admin.get(`/tenants/acme/users/${ALICE}`)).html, `href="/users/${ALICE}/line"`);
  const bob = await admin.get('/users/0100000003/line');
  assert.is(bob.status, 200);
  // The Poly phone cannot take the DND state, priority callers, anonymous rejection: once set, the
  // page says so; its directory does reject the blacklist, so that is not listed.
  await s.api('PUT', '/users/0100000003/features', { dnd: { enabled: true, allowedCallers: ['0612345678'] }, rejectAnonymous: true, blacklist: ['0899123456'] });
  const again = htmlText((await admin.get('/users/0100000003/line')).html);
  assert.match(again, "ne reçoivent pas l'état Ne Pas Déranger");
  assert.match(again, 'ne reçoivent pas les appelants prioritaires');
  assert.match(again, 'ne reçoivent pas le rejet des appels anonymes');
  assert.match(again, 'ne signale pas les changements faits sur lui');
  assert.not.match(again, 'ne reçoivent pas la liste noire');
  assert.is((await (await as('0100000003')).get(`/users/${ALICE}/line`)).status, 403);
  assert.is((await (await as('0200000001')).get(`/users/${ALICE}/line`)).status, 404);
});

test('saving with "send to my phone now" starts the resync and opens the job page with its outcome', async () => {
  const c = await as(ALICE);
  const cur = (await s.api('GET', `/users/${ALICE}/features`)).body;
  await c.get(`/users/${ALICE}/line`);
  const r = await c.post(`/users/${ALICE}/line`, { version: String(cur.version), dnd: '1', resync: '1', blacklist: cur.blacklist.join('\n'), allowed: cur.dnd.allowedCallers.join('\n'), target: cur.forwardAlways.target ?? '' });
  assert.is(r.status, 303);
  assert.match(r.location ?? '', /^\/resync-jobs\//);
  const job = await c.get(r.location!);
  assert.is(job.status, 200);
  assert.match(job.html, '80:5e:c0:12:34:01');
});

test.run();
