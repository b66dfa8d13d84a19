// Issue 17, what remained: the keys editor saves once with the version it started from (a
// concurrent edit is a French 409, not a silent overwrite; the API's ETag / If-Match does the same),
// BLF colleagues are picked by name, the form works without JavaScript; the login field takes a
// number or an operator login without a numeric keypad; operators change their own password.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer, seedTwoTenants, type TestServer } from './helpers/server.ts';
import { WebClient, fieldError, htmlText } from './helpers/web-client.ts';
import { webFeature } from '../server/features.ts';
import { createOperator } from '../server/cli/operator.ts';

let s: TestServer;
const ALICE = '0100000002';

const as = async (login: string, password = `pw-${login}`) => {
  const c = new WebClient(s.adminUrl);
  const r = await c.login(login, password);
  assert.is(r.status, 303, `login ${login}`);
  return c;
};
const versionIn = (html: string) => /name="version" value="([^"]*)"/.exec(html)?.[1] ?? '';

test.before(async () => {
  s = await startTestServer({ features: [webFeature], env: { CADRAN_LOG_LEVEL: 'silent' } });
  await seedTwoTenants(s);
  await createOperator(s.app, 'noc', 'pw-noc-operator');
  assert.is((await s.api('POST', '/devices', { mac: '805ec0123401', model: 'T54W', tenant: 'acme', user: ALICE })).status, 201);
});
test.after(async () => {
  await s.close();
});

test('API: GET keys gives an ETag; PUT with a stale If-Match is a 412 in French and changes nothing', async () => {
  const first = await s.api('GET', `/users/${ALICE}/keys`);
  const etag = first.headers.get('etag')!;
  assert.match(etag, /^"v\d+"$/);
  const put = await s.api('PUT', `/users/${ALICE}/keys`, [{ position: 1, type: 'line' }], undefined, { 'if-match': etag });
  assert.is(put.status, 200);
  assert.is.not(put.headers.get('etag'), etag, 'a new version');
  const stale = await s.api('PUT', `/users/${ALICE}/keys`, [{ position: 1, type: 'speeddial', value: '0612345678' }], undefined, { 'if-match': etag });
  assert.is(stale.status, 412);
  assert.is(stale.body.error.key, 'stale.keys');
  assert.match(stale.body.error.message, /modifiées par quelqu'un d'autre/);
  assert.equal((await s.app.store.keys.list(ALICE)).map((k) => k.type), ['line'], 'nothing overwritten');
  assert.is((await s.api('PUT', `/users/${ALICE}/keys`, [{ position: 1, type: 'line' }], undefined, { 'if-match': put.headers.get('etag')! })).status, 200);
  assert.is((await s.api('PUT', `/users/${ALICE}/keys`, [{ position: 1, type: 'line' }])).status, 200, 'without If-Match: as before');
});

test('cockpit, no JavaScript: BLF picked by name, one save with the version; a concurrent edit is refused in French and shows what is stored', async () => {
  const c = await as(ALICE);
  const page = await c.get(`/users/${ALICE}/keys`);
  assert.match(page.html, '<select id="blf_2" name="blf_2" class="key-blf">');
  assert.match(page.html, '<option value="0100000003">Bob Durand (0100000003)</option>');
  const v1 = versionIn(page.html);
  assert.ok(v1, 'the form carries the keys version');
  // A plain form post (what a browser without JavaScript sends): type, colleague, number, label.
  let r = await c.post(`/users/${ALICE}/keys`, {
    version: v1, type_1: 'line', type_2: 'blf', blf_2: '0100000003', value_2: '', type_3: 'speeddial', value_3: '06 12 34 56 78', label_3: 'Mobile', blf_3: '',
  });
  assert.is(r.status, 303);
  assert.equal(await s.app.store.keys.list(ALICE), [
    { position: 1, type: 'line', value: null, label: null },
    { position: 2, type: 'blf', value: '0100000003', label: null },
    { position: 3, type: 'speeddial', value: '0612345678', label: 'Mobile' },
  ]);
  const after = await c.get(`/users/${ALICE}/keys`);
  assert.match(after.html, /<span class="key-face" aria-hidden="true">Bob Durand<\/span>/, 'the BLF key shows the colleague');
  // The admin changes the keys meanwhile; Alice saves from her old page.
  const admin = await as('0100000001');
  const adminPage = await admin.get(`/users/${ALICE}/keys`);
  assert.is((await admin.post(`/users/${ALICE}/keys`, { version: versionIn(adminPage.html), type_1: 'line', type_2: 'speeddial', value_2: '0145678901', label_2: 'Accueil' })).status, 303);
  r = await c.post(`/users/${ALICE}/keys`, { version: versionIn(after.html), type_1: 'line' });
  assert.is(r.status, 409);
  assert.match(htmlText(r.html), /modifiées entre-temps|modifiées par/);
  assert.equal((await s.app.store.keys.list(ALICE)).map((k) => k.label), [null, 'Accueil'], "the admin's change stays");
  // The no-JS ▲ ▼ buttons still work (a swap, saved).
  const now = await c.get(`/users/${ALICE}/keys`);
  r = await c.post(`/users/${ALICE}/keys`, { version: versionIn(now.html), type_1: 'line', type_2: 'speeddial', value_2: '0145678901', label_2: 'Accueil', move: '2:up' });
  assert.is(r.status, 303);
  assert.equal((await s.app.store.keys.list(ALICE)).map((k) => k.type), ['speeddial', 'line']);
  // A colleague of another tenant cannot be picked even by a forged post.
  const fresh = await c.get(`/users/${ALICE}/keys`);
  r = await c.post(`/users/${ALICE}/keys`, { version: versionIn(fresh.html), type_1: 'blf', blf_1: '0200000002' });
  assert.is(r.status, 422);
  assert.match(fieldError(r.html, 'blf_1')!, "n'est pas une licence de ce parc");
});

test('login field: a number or an operator login, no numeric keypad forced, no autocorrect', async () => {
  const page = await new WebClient(s.adminUrl).get('/login');
  const input = /<input id="f-login"[^>]*>/.exec(page.html)![0];
  assert.match(input, 'type="text"');
  assert.not.match(input, /inputmode="(numeric|tel|decimal)"/);
  assert.not.match(input, /type="(number|tel)"/);
  assert.match(input, 'autocomplete="username"');
  assert.match(input, 'autocapitalize="none"');
  assert.match(input, 'spellcheck="false"');
  assert.is((await new WebClient(s.adminUrl).login(ALICE, `pw-${ALICE}`)).status, 303, 'a number');
  assert.is((await new WebClient(s.adminUrl).login('noc', 'pw-noc-operator')).status, 303, 'an operator login');
});

test('operators: "Mon compte" changes their own password (current one checked), other sessions end, audited', async () => {
  const c = await as('noc', 'pw-noc-operator');
  const other = await as('noc', 'pw-noc-operator');
  const page = await c.get('/account');
  assert.is(page.status, 200);
  assert.match(page.html, 'href="/account"', 'in the menu');
  assert.match(page.html, 'autocomplete="current-password"');
  let r = await c.post('/account/password', { current: 'wrong-one', password: 'nouveau-secret-op', confirm: 'nouveau-secret-op' });
  assert.is(r.status, 422);
  assert.is(fieldError(r.html, 'current'), "Ce n'est pas votre mot de passe actuel.");
  r = await c.post('/account/password', { current: 'pw-noc-operator', password: 'court', confirm: 'court' });
  assert.is(r.status, 422);
  assert.ok(fieldError(r.html, 'password'));
  r = await c.post('/account/password', { current: 'pw-noc-operator', password: 'nouveau-secret-op', confirm: 'autre' });
  assert.is(r.status, 422);
  r = await c.post('/account/password', { current: 'pw-noc-operator', password: 'nouveau-secret-op', confirm: 'nouveau-secret-op' });
  assert.is(r.status, 303);
  assert.is((await c.get('/account')).status, 200, 'this session stays');
  assert.is((await other.get('/account')).status, 303, 'the other session ended');
  assert.is.not((await new WebClient(s.adminUrl).login('noc', 'pw-noc-operator')).status, 303, 'the old password no longer works');
  assert.is((await new WebClient(s.adminUrl).login('noc', 'nouveau-secret-op')).status, 303);
  const audit = await s.app.store.audit.list({ action: 'operator.password', limit: 10 });
  assert.is(audit.length, 1);
  assert.is(audit[0]!.principal.includes('noc'), true);
});

test.run();
