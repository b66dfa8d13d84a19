// Route tests of the web cockpit: every page for each role, access rules, CSRF, forms that
// validate with the API's rules and show the error next to the field.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer, seedTwoTenants, type TestServer } from './helpers/server.ts';
import { WebClient, fieldError } from './helpers/web-client.ts';
import { webFeature } from '../server/features.ts';

let s: TestServer;
const client = (lang = 'fr') => new WebClient(s.adminUrl, lang);
const as = async (number: string) => {
  const c = client();
  const r = await c.login(number, `pw-${number}`);
  assert.is(r.status, 303, `login of ${number}`);
  return c;
};

test.before(async () => {
  s = await startTestServer({ features: [webFeature] });
  await seedTwoTenants(s);
  await s.api('POST', '/devices', { mac: '80:5E:C0:12:34:01', model: 'T54W', tenant: 'acme', user: '0100000002' });
  await s.api('POST', '/devices', { mac: '80:5E:C0:12:34:09', model: 'T54W', tenant: 'globex', user: '0200000002' });
});
test.after(async () => {
  await s.close();
});

test('login page: French by default, English on request, strict headers', async () => {
  const c = client();
  const r = await c.get('/login');
  assert.is(r.status, 200);
  assert.match(r.html, '<html lang="fr">');
  assert.match(r.html, 'Numéro de ligne');
  const csp = r.headers.get('content-security-policy')!;
  assert.match(csp, "script-src 'self'");
  assert.not.match(csp, 'unsafe-inline');
  assert.is(r.headers.get('x-content-type-options'), 'nosniff');
  const en = await c.get('/login?lang=en');
  assert.match(en.html, 'Line number');
  assert.match((await c.get('/login')).html, 'Line number', 'the choice is remembered');
  const browser = new WebClient(s.adminUrl, 'en-GB,en;q=0.9');
  assert.match((await browser.get('/login')).html, '<html lang="en">');
});

test('login: wrong password, then success with a safe session cookie', async () => {
  const c = client();
  await c.get('/login');
  const bad = await c.post('/login', { login: '0100000002', password: 'nope' });
  assert.is(bad.status, 401);
  assert.match(bad.html, 'Numéro ou mot de passe incorrect');
  const empty = await c.post('/login', { login: '', password: '' });
  assert.is(empty.status, 422);
  assert.is(fieldError(empty.html, 'login'), 'Saisissez votre numéro.');
  const ok = await c.post('/login', { login: '0100000002', password: 'pw-0100000002' });
  assert.is(ok.status, 303);
  assert.is(ok.location, '/users/0100000002/phone');
  const cookie = ok.headers.getSetCookie().find((x) => x.startsWith('cadran_session='))!;
  assert.match(cookie, 'HttpOnly');
  assert.match(cookie, 'SameSite=Lax');
  const phone = await c.get('/users/0100000002/phone');
  assert.is(phone.status, 200);
  assert.match(phone.html, 'T54W');
  assert.match(phone.html, '80:5e:c0:12:34:01');
});

test('login: `next` only leads to a local page', async () => {
  const c = client();
  await c.get('/login');
  const r = await c.post('/login', { login: '0100000002', password: 'pw-0100000002', next: '//evil.example/x' });
  assert.is(r.location, '/users/0100000002/phone');
  const anon = await client().get('/users/0100000002/keys');
  assert.is(anon.status, 303);
  assert.is(anon.location, '/login?next=%2Fusers%2F0100000002%2Fkeys');
});

test('CSRF: a form without the token changes nothing', async () => {
  const c = await as('0100000002');
  const r = await c.post('/users/0100000002/contacts/new', { name: 'Sans jeton', work: '0145678901' }, { csrf: false });
  assert.is(r.status, 403);
  assert.match(r.html, 'Le formulaire a expiré');
  const wrong = await c.post('/users/0100000002/contacts/new', { _csrf: 'x'.repeat(32), name: 'Faux', work: '0145678901' });
  assert.is(wrong.status, 403);
  assert.is((await s.app.store.contacts.list('0100000002')).length, 0);
  const anon = client();
  await anon.get('/login');
  anon.csrf = 'forged';
  assert.is((await anon.post('/login', { login: '0100000002', password: 'pw-0100000002' })).status, 403);
});

test('a user cannot open another user’s pages, nor the admin or operator pages', async () => {
  const c = await as('0100000002');
  for (const p of ['/users/0100000003/phone', '/users/0100000003/keys', '/users/0100000003/contacts', '/tenants/acme/users', '/tenants/acme/network', '/devices/805ec0123401']) {
    assert.is((await c.get(p)).status, 403, p);
  }
  for (const p of ['/users/0200000002/keys', '/tenants/globex/users', '/ops/tenants', '/ops/unknown', '/ops/import', '/tenants/acme/security']) {
    assert.is((await c.get(p)).status, 404, p);
  }
  const r = await c.post('/users/0100000003/contacts/new', { name: 'Intrus', work: '0145678901' });
  assert.is(r.status, 403);
  assert.is((await s.app.store.contacts.list('0100000003')).length, 0);
});

test('an admin manages their tenant, never another one', async () => {
  const c = await as('0100000001');
  for (const p of ['/tenants/acme/users', '/tenants/acme/devices', '/tenants/acme/network', '/users/0100000002/keys', '/users/0100000002/phone', '/devices/805ec0123401', '/tenants/acme/users/0100000002']) {
    assert.is((await c.get(p)).status, 200, p);
  }
  // A user's personal contacts are hers alone (issue 17): not the admin's to read, edit or export;
  // adding to her book (one contact, an import) is, without reading it (test/web-contacts.test.ts).
  for (const p of ['/users/0100000002/contacts', '/users/0100000002/contacts.csv']) {
    assert.is((await c.get(p)).status, 403, p);
  }
  for (const p of ['/users/0100000002/contacts/new', '/users/0100000002/contacts/import']) {
    assert.is((await c.get(p)).status, 200, p);
  }
  assert.not.match((await c.get('/tenants/acme/users')).html, 'href="/users/0100000002/contacts"', 'no link to the list');
  assert.not.match((await c.get('/tenants/acme/users/0100000002')).html, 'href="/users/0100000002/contacts"', 'no link to the list on her licence');
  for (const p of ['/tenants/globex/users', '/tenants/globex/network', '/users/0200000002/keys', '/devices/805ec0123409', '/tenants/globex/users/0200000002', '/ops/tenants', '/tenants/acme/security']) {
    assert.is((await c.get(p)).status, 404, p);
  }
  await c.get('/tenants/acme/network');
  const r = await c.post('/tenants/globex/network', { vlanId: '10' });
  assert.is(r.status, 404);
  assert.equal((await s.app.store.network.getTenant('globex')), {});
});

test('keys: line, BLF on a colleague, speed dial, reorder; errors beside the key', async () => {
  const c = await as('0100000002');
  const page = await c.get('/users/0100000002/keys');
  assert.match(page.html, 'Touches du T54W');
  assert.is((page.html.match(/class="key-type"/g) ?? []).length, 27, 'one slot per key of the T54W');
  assert.match(page.html, '<option value="0100000003">Bob Durand (0100000003)</option>', 'colleagues offered by name');
  assert.not.match(page.html, '0200000002', 'no user of another tenant');
  let r = await c.post('/users/0100000002/keys', {
    type_1: 'line', type_2: 'blf', value_2: '0100000003', label_2: 'Bob', type_3: 'speeddial', value_3: '06 12 34 56 78', label_3: 'Mobile',
  });
  assert.is(r.status, 303);
  assert.equal((await s.app.store.keys.list('0100000002')), [
    { position: 1, type: 'line', value: null, label: null },
    { position: 2, type: 'blf', value: '0100000003', label: 'Bob' },
    { position: 3, type: 'speeddial', value: '0612345678', label: 'Mobile' },
  ]);
  await c.get('/users/0100000002/keys');
  r = await c.post('/users/0100000002/keys', { type_1: 'line', type_2: 'blf', blf_2: '0200000002', type_5: 'speeddial', value_5: 'abc' });
  assert.is(r.status, 422);
  assert.is(fieldError(r.html, 'blf_2')!, "0200000002 n'est pas une licence de ce parc : une touche de supervision ne peut suivre qu'un collègue");
  assert.is(fieldError(r.html, 'value_5')!, 'doit être un numéro de téléphone (chiffres, + possible au début)');
  assert.match(r.html, 'value="abc"', 'what was typed is kept');
  assert.is((await s.app.store.keys.list('0100000002')).length, 3, 'nothing saved');
  r = await c.post('/users/0100000002/keys', {
    type_1: 'line', type_2: 'blf', value_2: '0100000003', label_2: 'Bob', type_3: 'speeddial', value_3: '0612345678', label_3: 'Mobile', move: '3:up',
  });
  assert.is(r.status, 303);
  assert.equal((await s.app.store.keys.list('0100000002')).map((k) => k.type), ['line', 'speeddial', 'blf']);
});

test('contacts: add, validate, search, edit, export, delete', async () => {
  const c = await as('0100000002');
  await c.get('/users/0100000002/contacts/new');
  let r = await c.post('/users/0100000002/contacts/new', { name: 'Sans numéro' });
  assert.is(r.status, 422);
  assert.is(fieldError(r.html, 'work')!, 'un contact doit avoir au moins un numéro (bureau, mobile ou domicile)');
  r = await c.post('/users/0100000002/contacts/new', { name: 'Jeanne Martin', work: '01 45 67 89 01', group: 'Clients' });
  assert.is(r.status, 303);
  r = await c.post('/users/0100000002/contacts/new', { name: '=HYPERLINK("x")', mobile: '0612345678' });
  assert.is(r.status, 303);
  const list = await c.get('/users/0100000002/contacts?q=jeanne');
  assert.match(list.html, 'Jeanne Martin');
  assert.not.match(list.html, 'HYPERLINK');
  const id = (await s.app.store.contacts.list('0100000002')).find((x) => x.name === 'Jeanne Martin')!.id;
  await c.get(`/users/0100000002/contacts/${id}/edit`);
  r = await c.post(`/users/0100000002/contacts/${id}/edit`, { name: 'Jeanne Martin-Durand', work: '0145678901', mobile: 'pas un numéro' });
  assert.is(r.status, 422);
  assert.ok(fieldError(r.html, 'mobile'));
  r = await c.post(`/users/0100000002/contacts/${id}/edit`, { name: 'Jeanne Martin-Durand', work: '0145678901', group: 'Clients' });
  assert.is(r.status, 303);
  const csv = await c.get('/users/0100000002/contacts.csv');
  assert.is(csv.status, 200);
  assert.match(csv.headers.get('content-type')!, 'text/csv');
  assert.match(csv.html, 'Jeanne Martin-Durand;01 45 67 89 01;;;Clients');
  assert.match(csv.html, `"'=HYPERLINK(""x"")"`, 'formula neutralised');
  r = await c.post(`/users/0100000002/contacts/${id}/delete`, {});
  assert.is(r.status, 303);
  assert.is((await s.app.store.contacts.list('0100000002')).length, 1);
});

test('admin: network profile with errors beside the fields, then saved', async () => {
  const c = await as('0100000001');
  const page = await c.get('/tenants/acme/network');
  assert.match(page.html, '<option value="Europe/Paris">');
  let r = await c.post('/tenants/acme/network', { vlanId: '5000', timezone: 'Mars/Olympus', ntpServers: 'ntp.example.com, bad host!' });
  assert.is(r.status, 422);
  assert.is(fieldError(r.html, 'vlanId')!, 'doit être un nombre entier de 1 à 4094');
  assert.match(fieldError(r.html, 'timezone')!, 'doit être un fuseau horaire IANA');
  assert.ok(fieldError(r.html, 'ntpServers'));
  assert.match(r.html, 'value="5000"');
  r = await c.post('/tenants/acme/network', {
    vlanId: '20', vlanPriority: '5', timezone: 'Europe/Paris', ntpServers: 'ntp1.example.com, ntp2.example.com', adminPassword: 'Secr3t!', fw_T54W: 'https://fw.example.com/t54w.rom',
  });
  assert.is(r.status, 303);
  assert.equal((await s.app.store.network.getTenant('acme')), {
    vlanId: 20, vlanPriority: 5, timezone: 'Europe/Paris', ntpServers: ['ntp1.example.com', 'ntp2.example.com'], adminPassword: 'Secr3t!', firmware: { T54W: 'https://fw.example.com/t54w.rom' },
  });
  const again = await c.get('/tenants/acme/network');
  assert.not.match(again.html, 'Secr3t!', 'the phone admin password is never shown');
  r = await c.post('/tenants/acme/network', { vlanId: '30', timezone: 'Europe/Paris' });
  assert.is((await s.app.store.network.getTenant('acme')).adminPassword, 'Secr3t!', 'blank keeps the password');
  // The transport is the admin's; where NOTIFYs go (port, proxy) is the operator's (issue 12): shown, not editable, and ignored if posted.
  assert.match(again.html, 'réglés par votre opérateur');
  assert.not.match(again.html, 'name="sipPort"');
  r = await c.post('/tenants/acme/sip', { sipTransport: 'tls', sipPort: '5061', sipProxy: 'evil.example' });
  assert.is(r.status, 303);
  const acme = (await s.app.store.tenants.get('acme'))!;
  assert.equal([acme.sipTransport, acme.sipPort, acme.sipProxy], ['tls', 5060, null]);
});

test('admin: licences, rename, password reset, device overrides and assignment', async () => {
  const c = await as('0100000001');
  const list = await c.get('/tenants/acme/users');
  assert.match(list.html, 'Alice Martin');
  assert.match(list.html, '/devices/805ec0123401');
  await c.get('/tenants/acme/users/0100000002');
  let r = await c.post('/tenants/acme/users/0100000002', { name: '', email: 'pas-un-mail', role: 'user' });
  assert.is(r.status, 422);
  assert.ok(fieldError(r.html, 'email'));
  r = await c.post('/tenants/acme/users/0100000002', { name: 'Alice Accueil', email: 'alice@acme.example', role: 'user' });
  assert.is(r.status, 303);
  assert.is((await s.app.store.users.get('0100000002'))!.name, 'Alice Accueil');
  r = await c.post('/tenants/acme/users/0100000002/password', { password: 'court' });
  assert.is(r.status, 422);
  assert.is(fieldError(r.html, 'password')!, 'doit comporter au moins 8 caractères');
  r = await c.post('/tenants/acme/users/0100000002/password', { password: 'nouveau-mot-de-passe' });
  assert.is(r.status, 303);
  assert.is((await new WebClient(s.adminUrl).login('0100000002', 'nouveau-mot-de-passe')).status, 303);

  await c.get('/devices/805ec0123401');
  r = await c.post('/devices/805ec0123401/network', { vlanId: '99', timezone: '' });
  assert.is(r.status, 303);
  assert.equal((await s.app.store.network.getDevice('805ec0123401')), { vlanId: 99 });
  r = await c.post('/devices/805ec0123401', { user: '0200000002', label: '', expansionModules: '0' });
  assert.is(r.status, 422);
  assert.is(fieldError(r.html, 'user')!, "la licence 0200000002 n'est pas une licence de ce parc", 'the answer a free number gets (issue 12)');
  r = await c.post('/devices/805ec0123401', { user: '0100000002', label: 'Accueil', expansionModules: '1' });
  assert.is(r.status, 303);
  assert.is((await s.app.store.devices.get('805ec0123401'))!.label, 'Accueil');

  // Saving the form keeps the profile fields it does not show (set through the API).
  await s.app.store.network.setDevice('805ec0123401', { vlanId: 99, locale: 'en-GB', vendorParameters: { yealink: { 'account.1.sip_server.1.expires': '120' } } });
  r = await c.post('/devices/805ec0123401/network', { vlanId: '98', timezone: '' });
  assert.is(r.status, 303);
  assert.equal(await s.app.store.network.getDevice('805ec0123401'), { vlanId: 98, locale: 'en-GB', vendorParameters: { yealink: { 'account.1.sip_server.1.expires': '120' } } });
  // The device page lists what the phone will not take as set, translated.
  const page = await c.get('/devices/805ec0123401');
  assert.match(page.html, 'Le paramètre constructeur account.1.sip_server.1.expires remplace la valeur calculée par cadran.');
  assert.match((await c.get('/devices/805ec0123401?lang=en')).html, 'Vendor parameter account.1.sip_server.1.expires replaces the value cadran computes.');
  await c.get('/devices/805ec0123401?lang=fr');
  await s.app.store.network.setDevice('805ec0123401', {});
});

test('operator: tenants, security, unknown phones', async () => {
  const { createOperator } = await import('../server/cli/operator.ts');
  await createOperator(s.app, 'opsweb', 'operator-password');
  const c = client();
  assert.is((await c.login('opsweb', 'operator-password')).status, 303);
  const page = await c.get('/ops/tenants');
  assert.match(page.html, 'Acme SAS');
  let r = await c.post('/ops/tenants', { id: 'Bad Id', name: 'X', sipDomain: 'sip.x.example' });
  assert.is(r.status, 422);
  assert.ok(fieldError(r.html, 'id'));
  r = await c.post('/ops/tenants', { id: 'initech', name: 'Initech', sipDomain: 'sip.initech.example' });
  assert.is(r.status, 303);
  assert.ok((await s.app.store.tenants.get('initech')));
  await c.get('/tenants/initech/security');
  r = await c.post('/tenants/initech/security', { allowlist: '192.0.2.0/24\nnot-an-ip', authMode: 'none' });
  assert.is(r.status, 422);
  assert.ok(fieldError(r.html, 'allowlist'));
  r = await c.post('/tenants/initech/security', { allowlist: '192.0.2.0/24', authMode: 'digest', authUsername: 'prov', authPassword: 'long-enough-secret' });
  assert.is(r.status, 303);
  assert.equal((await s.app.store.tenants.get('initech'))!.security.allowlist, ['192.0.2.0/24']);
  assert.is((await s.app.store.tenants.get('initech'))!.security.auth?.mode, 'digest');

  (await s.app.store.unknownDevices.record([{ mac: '805ec0aabbcc', vendor: 'yealink', model: 'T54W', ip: '192.0.2.7', userAgent: 'Yealink SIP-T54W', lastSeen: new Date().toISOString(), hits: 3 }]));
  const unknown = await c.get('/ops/unknown');
  assert.match(unknown.html, '80:5e:c0:aa:bb:cc');
  r = await c.post('/ops/unknown/805ec0aabbcc/claim', { tenant: 'initech', model: 'NOPE', user: '' });
  assert.is(r.status, 422);
  assert.match(r.html, 'modèle de téléphone inconnu « NOPE »');
  r = await c.post('/ops/unknown/805ec0aabbcc/claim', { tenant: 'initech', model: 'T54W', user: '' });
  assert.is(r.status, 303);
  assert.is((await s.app.store.devices.get('805ec0aabbcc'))!.tenantId, 'initech');
  assert.is((await s.app.store.unknownDevices.list()).length, 0);
  assert.is((await c.get('/tenants/acme/users')).status, 200, 'operators reach every tenant');
});

test('errors: HTML pages, never a stack trace', async () => {
  const c = await as('0100000003');
  const nf = await c.get('/no/such/page');
  assert.is(nf.status, 404);
  assert.match(nf.html, 'existe pas, ou vous');
  const bad = await c.get('/users/%E0%A4%A/phone');
  assert.ok(bad.status >= 400 && bad.status < 500, String(bad.status));
  assert.not.match(bad.html, /at .*\.ts:\d+/);
  const contact = await c.get('/users/0100000003/contacts/99999/edit');
  assert.is(contact.status, 404);
});

test('logout ends the session', async () => {
  const c = await as('0100000003');
  assert.is((await c.get('/users/0100000003/phone')).status, 200);
  const r = await c.post('/logout', {});
  assert.is(r.status, 303);
  assert.is((await c.get('/users/0100000003/phone')).status, 303);
});

test.run();
