// Concurrent edits in the cockpit (issue 12, finding 10): every edit form carries the version of
// the record it was built from; a form submitted after somebody else changed that record writes
// nothing and says, in French, who changed it meanwhile and to reload — it never undoes the other
// change. Each form replayed: licence, phone, phone settings, parc profile, SIP, keys, contacts,
// provisioning security, deletions; plus "yourself in another tab", an import the trail cannot
// tie to the phone ("quelqu'un d'autre", never a wrong name), and English.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer, seedTwoTenants, type TestServer } from './helpers/server.ts';
import { WebClient, htmlText } from './helpers/web-client.ts';
import { importsFeature, webFeature } from '../server/features.ts';

const t = suite('cockpit: stale forms');
let s: TestServer;
let tok: Record<string, string>;
const ADMIN = '0100000001';
const ALICE = '0100000002';
const MAC = '805ec0123401';

const as = async (number: string, lang = 'fr') => {
  const c = new WebClient(s.adminUrl, lang);
  assert.is((await c.login(number, `pw-${number}`)).status, 303, `login of ${number}`);
  return c;
};
/** The value of a hidden input in a page. */
const hidden = (html: string, name: string, nth = 0): string => {
  const all = [...html.matchAll(new RegExp(`<input type="hidden" name="${name}" value="([^"]*)">`, 'g'))];
  assert.ok(all[nth], `hidden field ${name} #${nth} in the page`);
  return all[nth]![1]!;
};
/** The general message of a form page matches. */
const says = (html: string, re: RegExp) => {
  const text = flashError(html);
  assert.ok(re.test(text), `${re} in: ${text || html.slice(0, 3000)}`);
};
/** The general message shown at the top of a form page. */
const flashError = (html: string): string => htmlText(/<div class="flash error" role="alert">([^<]*)<\/div>/.exec(html)?.[1] ?? '');

t.before(async () => {
  s = await startTestServer({ features: [webFeature, importsFeature] });
  tok = await seedTwoTenants(s);
  const r = await s.api('POST', '/devices', { mac: MAC, model: 'T54W', tenant: 'acme', user: ALICE, label: 'Accueil' });
  assert.is(r.status, 201, JSON.stringify(r.body));
});
t.after(async () => s.close());

t('licence: an operator renamed her meanwhile — the admin\'s stale form writes nothing and names the operator; after a reload it saves', async () => {
  const admin = await as(ADMIN);
  const page = await admin.get(`/tenants/acme/users/${ALICE}`);
  const v = hidden(page.html, 'version');
  assert.is(v, String((await s.api('GET', `/users/${ALICE}`)).body.version));
  assert.is((await s.api('PATCH', `/users/${ALICE}`, { name: 'Alice Martin-Durand' })).status, 200);
  const stale = await admin.post(`/tenants/acme/users/${ALICE}`, { version: v, name: 'Alice M.', email: '', role: 'user' });
  assert.is(stale.status, 409);
  assert.is(
    flashError(stale.html),
    "La licence 0100000002 a été modifiée entre-temps par l'opérateur ops : rien n'a été enregistré. Rechargez la page pour voir sa version actuelle, puis refaites votre modification.",
  );
  assert.is((await s.api('GET', `/users/${ALICE}`)).body.name, 'Alice Martin-Durand', 'the other change stays');
  assert.is(hidden(stale.html, 'version'), v, 'the form shown again keeps the version it was built from: sending it again is refused again');
  assert.match(stale.html, 'value="Alice M."', 'what she typed is kept');
  // Reloaded: the new version, and the save goes through.
  const again = await admin.get(`/tenants/acme/users/${ALICE}`);
  const ok = await admin.post(`/tenants/acme/users/${ALICE}`, { version: hidden(again.html, 'version'), name: 'Alice M.', email: '', role: 'user' });
  assert.is(ok.status, 303);
  assert.is((await s.api('GET', `/users/${ALICE}`)).body.name, 'Alice M.');
});

t('phone: the same admin in another tab — "vous-même"; phone settings (their own version) likewise', async () => {
  const admin = await as(ADMIN);
  const tab1 = await admin.get(`/devices/${MAC}`);
  const tab2 = await admin.get(`/devices/${MAC}`);
  const saved = await admin.post(`/devices/${MAC}`, { version: hidden(tab1.html, 'version'), user: ALICE, label: 'Standard', expansionModules: '0' });
  assert.is(saved.status, 303);
  const stale = await admin.post(`/devices/${MAC}`, { version: hidden(tab2.html, 'version'), user: ALICE, label: 'Accueil 2', expansionModules: '0' });
  assert.is(stale.status, 409);
  says(stale.html, /^Le téléphone 80:5e:c0:12:34:01 a été modifié entre-temps par vous-même \(dans un autre onglet ou une autre session\) : rien n'a été enregistré\. Rechargez la page/);
  assert.is((await s.api('GET', `/devices/${MAC}`)).body.label, 'Standard');
  // The phone settings form has its own version (the device-level profile).
  const net = hidden(tab2.html, 'netVersion');
  assert.is((await s.api('PUT', `/devices/${MAC}/network`, { vlanId: 30 })).status, 200);
  const staleNet = await admin.post(`/devices/${MAC}/network`, { netVersion: net, vlanId: '31' });
  assert.is(staleNet.status, 409);
  says(staleNet.html, /^Les réglages propres au téléphone 80:5e:c0:12:34:01 ont été modifiés entre-temps par l'opérateur ops : rien n'a été enregistré/);
  assert.equal((await s.api('GET', `/devices/${MAC}/network`)).body.overrides.vlanId, 30);
});

t('parc profile and SIP settings: stale forms write nothing', async () => {
  const admin = await as(ADMIN);
  const page = await admin.get('/tenants/acme/network');
  assert.is((await s.api('PUT', '/tenants/acme/network', { vlanId: 12 })).status, 200);
  const stale = await admin.post('/tenants/acme/network', { netVersion: hidden(page.html, 'netVersion'), vlanId: '13' });
  assert.is(stale.status, 409);
  says(stale.html, /^Le profil des téléphones du parc « acme » a été modifié entre-temps par l'opérateur ops/);
  assert.is((await s.api('GET', '/tenants/acme/network')).body.vlanId, 12);
  assert.is((await s.api('PATCH', '/tenants/acme', { name: 'Acme SA' })).status, 200);
  const sip = await admin.post('/tenants/acme/sip', { sipVersion: hidden(page.html, 'sipVersion'), sipTransport: 'tcp', sipPort: '5060', sipProxy: '' });
  assert.is(sip.status, 409);
  says(sip.html, /^Le parc « acme » a été modifié entre-temps par l'opérateur ops/);
  assert.is((await s.api('GET', '/tenants/acme')).body.sipTransport, 'udp');
});

t('keys: the admin edits Alice\'s keys while Alice changes them — named by her name', async () => {
  const admin = await as(ADMIN);
  const page = await admin.get(`/users/${ALICE}/keys`);
  const v = hidden(page.html, 'version');
  assert.is((await s.api('PUT', `/users/${ALICE}/keys`, [{ position: 1, type: 'line' }, { position: 2, type: 'speeddial', value: '0145678901', label: 'Accueil' }], tok[ALICE])).status, 200);
  const stale = await admin.post(`/users/${ALICE}/keys`, { version: v, type_1: 'line', type_2: '' });
  assert.is(stale.status, 409);
  says(stale.html, /^Les touches de la licence 0100000002 ont été modifiées entre-temps par Alice M\. \(0100000002\) : rien n'a été enregistré/);
  assert.is((await s.api('GET', `/users/${ALICE}/keys`)).body.length, 2, 'her keys stay');
});

t('contacts: edit and delete from a stale page (her other tab) write nothing', async () => {
  const alice = await as(ALICE);
  const c = await s.api('POST', `/users/${ALICE}/contacts`, { name: 'Zoé', mobile: '0611111111' }, tok[ALICE]);
  const list = await alice.get(`/users/${ALICE}/contacts`);
  const edit = await alice.get(`/users/${ALICE}/contacts/${c.body.id}/edit`);
  const v = hidden(edit.html, 'version');
  assert.is((await s.api('PATCH', `/users/${ALICE}/contacts/${c.body.id}`, { name: 'Zoé B' }, tok[ALICE])).status, 200);
  const stale = await alice.post(`/users/${ALICE}/contacts/${c.body.id}/edit`, { version: v, name: 'Zoé C', mobile: '0611111111' });
  assert.is(stale.status, 409);
  says(stale.html, /^Ce contact a été modifié entre-temps par vous-même/);
  // The delete button of the list page carries the version the list showed.
  const del = await alice.post(`/users/${ALICE}/contacts/${c.body.id}/delete`, { version: hidden(list.html, 'version') });
  assert.is(del.status, 409);
  assert.match(htmlText(del.html), /Modifié entre-temps : rien n'a été enregistré\./);
  assert.match(htmlText(del.html), /Ce contact a été modifié entre-temps par vous-même/);
  assert.is((await s.api('GET', `/users/${ALICE}/contacts/${c.body.id}`, undefined, tok[ALICE])).body.name, 'Zoé B', 'not deleted');
});

t('phone deletion and licence deletion pages carry the version too', async () => {
  const admin = await as(ADMIN);
  const page = await admin.get(`/devices/${MAC}/delete`);
  assert.is((await s.api('PATCH', `/devices/${MAC}`, { label: 'Changé' })).status, 200);
  const r = await admin.post(`/devices/${MAC}/delete`, { version: hidden(page.html, 'version'), confirm: 'yes' });
  assert.is(r.status, 409);
  assert.match(htmlText(r.html), /Le téléphone 80:5e:c0:12:34:01 a été modifié entre-temps par l'opérateur ops/);
  assert.is((await s.api('GET', `/devices/${MAC}`)).status, 200, 'still there');
  const lp = await admin.get('/tenants/acme/users/0100000003/delete');
  assert.is((await s.api('PATCH', '/users/0100000003', { name: 'Bob D.' })).status, 200);
  const lr = await admin.post('/tenants/acme/users/0100000003/delete', { version: hidden(lp.html, 'version'), confirm: '0100000003' });
  assert.is(lr.status, 409);
  assert.is((await s.api('GET', '/users/0100000003')).status, 200, 'still there');
});

t('an import changed the phone meanwhile: the trail does not tie it to the phone, so "quelqu\'un d\'autre" — never a wrong name', async () => {
  const admin = await as(ADMIN);
  const page = await admin.get(`/devices/${MAC}`);
  const imp = await s.api('POST', '/devices/import', `mac,model,tenant,user,label\n${MAC},T54W,acme,${ALICE},Importé\n`, undefined, { 'content-type': 'text/csv' });
  assert.is(imp.status, 200, JSON.stringify(imp.body));
  assert.is(imp.body.updated, 1);
  const stale = await admin.post(`/devices/${MAC}`, { version: hidden(page.html, 'version'), user: ALICE, label: 'Mine', expansionModules: '0' });
  assert.is(stale.status, 409);
  says(stale.html, /^Le téléphone 80:5e:c0:12:34:01 a été modifié entre-temps par quelqu'un d'autre : rien n'a été enregistré/);
  assert.is((await s.api('GET', `/devices/${MAC}`)).body.label, 'Importé');
});

t('provisioning security (operator page): another operator changed it meanwhile', async () => {
  const { createOperator } = await import('../server/cli/operator.ts');
  await createOperator(s.app, 'opsweb', 'operator-password');
  const c = new WebClient(s.adminUrl, 'fr');
  assert.is((await c.login('opsweb', 'operator-password')).status, 303);
  const page = await c.get('/tenants/globex/security');
  assert.is((await s.api('PATCH', '/tenants/globex', { security: { allowlist: ['127.0.0.0/8'] } })).status, 200);
  const stale = await c.post('/tenants/globex/security', { version: hidden(page.html, 'version'), authMode: 'none', allowlist: '', urlToken: '' });
  assert.is(stale.status, 409);
  says(stale.html, /^Le parc « globex » a été modifié entre-temps par l'opérateur ops : rien n'a été enregistré/);
  assert.equal((await s.api('GET', '/tenants/globex/security')).body.allowlist, ['127.0.0.0/8'], 'the allowlist is not dropped');
});

t('English', async () => {
  const admin = await as(ADMIN, 'en');
  const page = await admin.get(`/tenants/acme/users/${ALICE}`);
  assert.is((await s.api('PATCH', `/users/${ALICE}`, { email: 'alice@acme.example' })).status, 200);
  const stale = await admin.post(`/tenants/acme/users/${ALICE}`, { version: hidden(page.html, 'version'), name: 'Alice', email: '', role: 'user' });
  assert.is(stale.status, 409);
  assert.is(flashError(stale.html), 'Licence 0100000002 was changed meanwhile by operator ops: nothing was saved. Reload the page to see it as it is now, then make your change again.');
});

t('a form without a version (a page from before versions) still saves, merged onto the record as it is', async () => {
  const admin = await as(ADMIN);
  await admin.get(`/tenants/acme/users/0100000003`);
  const r = await admin.post('/tenants/acme/users/0100000003', { name: 'Bob Durand', email: '', role: 'user' });
  assert.is(r.status, 303);
  assert.is((await s.api('GET', '/users/0100000003')).body.name, 'Bob Durand');
});

t.run();
