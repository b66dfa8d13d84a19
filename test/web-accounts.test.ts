// Accounts in the cockpit (issue 17): a user changes her own password; admins create and delete
// licences and phones through confirmation pages; an activation e-mail for a new licence with an
// address; an operator sends a reset e-mail. Mail goes to an SMTP sink on loopback.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer, seedTwoTenants, type TestServer } from './helpers/server.ts';
import { startSmtpSink, type SmtpSink } from './helpers/smtp-sink.ts';
import { WebClient, fieldError, htmlText } from './helpers/web-client.ts';
import { webFeature } from '../server/features.ts';
import { createOperator } from '../server/cli/operator.ts';

let s: TestServer;
let sink: SmtpSink;

const linkOf = (data: string) => {
  const body = data.replace(/=\r\n/g, '').replace(/=3D/g, '=');
  const m = /(http:\/\/[^\s]+\/password\/reset\/[A-Za-z0-9_-]+)/.exec(body);
  assert.ok(m, 'the mail holds a link');
  const url = new URL(m![1]!);
  assert.is(url.origin, 'http://cockpit.operator.example', 'links only point at the configured public URL');
  return url;
};
const flash = (html: string) => htmlText(/class="flash ok"[^>]*>([^<]*)</.exec(html)?.[1] ?? '');

test.before(async () => {
  sink = await startSmtpSink();
  s = await startTestServer({ features: [webFeature], env: { CADRAN_SMTP_HOST: '127.0.0.1', CADRAN_SMTP_PORT: String(sink.port), CADRAN_SMTP_FROM: 'cadran@test.example', CADRAN_ADMIN_PUBLIC_URL: 'http://cockpit.operator.example' } });
  await seedTwoTenants(s);
  await createOperator(s.app, 'noc', 'pw-noc-operator');
  await s.api('PATCH', '/users/0100000003', { email: 'bob@acme.example' });
});
test.after(async () => {
  await s.close();
  await sink.close();
});

test('a user changes her own password: current one checked, new one twice, then only the new one works', async () => {
  const c = new WebClient(s.adminUrl);
  await c.login('0100000002', 'pw-0100000002');
  const page = await c.get('/account');
  assert.is(page.status, 200);
  assert.match(page.html, 'autocomplete="current-password"');
  assert.match(page.html, 'href="/account"', 'in the menu');
  let r = await c.post('/account/password', { current: 'pas-le-bon', password: 'nouveau-secret-1', confirm: 'nouveau-secret-1' });
  assert.is(r.status, 422);
  assert.is(fieldError(r.html, 'current'), "Ce n'est pas votre mot de passe actuel.");
  r = await c.post('/account/password', { current: 'pw-0100000002', password: 'nouveau-secret-1', confirm: 'autre' });
  assert.is(r.status, 422);
  assert.is(fieldError(r.html, 'confirm'), 'Les deux mots de passe ne sont pas identiques.');
  r = await c.post('/account/password', { current: 'pw-0100000002', password: 'court', confirm: 'court' });
  assert.is(r.status, 422);
  assert.ok(fieldError(r.html, 'password'));
  r = await c.post('/account/password', { current: '', password: '', confirm: '' });
  assert.is(r.status, 422);
  assert.ok(fieldError(r.html, 'current') && fieldError(r.html, 'password'));
  r = await c.post('/account/password', { current: 'pw-0100000002', password: 'nouveau-secret-1', confirm: 'nouveau-secret-1' });
  assert.is(r.status, 303);
  assert.match(flash((await c.get(r.location!)).html), 'Mot de passe changé');
  assert.not.equal((await new WebClient(s.adminUrl).login('0100000002', 'pw-0100000002')).status, 303, 'the old password no longer works');
  assert.is((await new WebClient(s.adminUrl).login('0100000002', 'nouveau-secret-1')).status, 303);
  // An admin changing her own password keeps her role.
  const a = new WebClient(s.adminUrl);
  await a.login('0100000001', 'pw-0100000001');
  await a.get('/account');
  const ar = await a.post('/account/password', { current: 'pw-0100000001', password: 'admin-secret-2', confirm: 'admin-secret-2' });
  assert.is(ar.status, 303, htmlText(ar.html.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ').slice(0, 400));
  assert.is((await s.app.store.users.get('0100000001'))!.role, 'admin');
  // Operators have no licence, but their own account page (test/keys-editor.test.ts changes it).
  const o = new WebClient(s.adminUrl);
  await o.login('noc', 'pw-noc-operator');
  const op = await o.get('/account');
  assert.is(op.status, 200);
  assert.match(op.html, 'autocomplete="current-password"');
});

test('an admin creates a licence with an e-mail: an activation link arrives and works; without an e-mail the page says none was sent', async () => {
  const a = new WebClient(s.adminUrl);
  await a.login('0100000001', 'admin-secret-2');
  const list = await a.get('/tenants/acme/users');
  assert.match(list.html, 'href="/tenants/acme/users/new"');
  await a.get('/tenants/acme/users/new');
  let r = await a.post('/tenants/acme/users/new', { number: '12', name: '', email: 'pas-un-mail', role: 'user' });
  assert.is(r.status, 422);
  assert.ok(fieldError(r.html, 'number') && fieldError(r.html, 'name') && fieldError(r.html, 'email'));
  r = await a.post('/tenants/acme/users/new', { number: '0100000002', name: 'Doublon', email: '', role: 'user' });
  assert.is(r.status, 422);
  assert.ok(fieldError(r.html, 'number'), 'a number already taken is said beside the field');
  const before = sink.messages.length;
  r = await a.post('/tenants/acme/users/new', { number: '0100000009', name: 'Denise Neuve', email: 'denise@acme.example', role: 'user' });
  assert.is(r.status, 303);
  assert.is(r.location, '/tenants/acme/users/0100000009?done=licence_created_sent');
  assert.match(flash((await a.get(r.location!)).html), "e-mail d'activation a été envoyé");
  const mail = await sink.waitFor(before);
  assert.equal(mail.to, ['<denise@acme.example>']);
  assert.match(mail.data, 'Une licence cadran a ', 'the activation text');
  assert.match(mail.data, '0100000009)');
  const link = linkOf(mail.data);
  const d = new WebClient(s.adminUrl);
  assert.is((await d.get(link.pathname)).status, 200);
  assert.is((await d.post(link.pathname, { password: 'denise-secret-1', confirm: 'denise-secret-1' })).status, 303);
  assert.is((await new WebClient(s.adminUrl).login('0100000009', 'denise-secret-1')).status, 303);
  // No address: created, and the page says no e-mail went out.
  r = await a.post('/tenants/acme/users/new', { number: '0100000010', name: 'Sans Adresse', email: '', role: 'user' });
  assert.is(r.location, '/tenants/acme/users/0100000010?done=licence_created_no_email');
  assert.match(flash((await a.get(r.location!)).html), "sans e-mail d'activation");
  // Another tenant's admin, and a plain user, cannot.
  const g = new WebClient(s.adminUrl);
  await g.login('0200000001', 'pw-0200000001');
  assert.is((await g.get('/tenants/acme/users/new')).status, 404);
  const u = new WebClient(s.adminUrl);
  await u.login('0100000003', 'pw-0100000003');
  assert.is((await u.get('/tenants/acme/users/new')).status, 403);
});

test('an admin deletes a licence from a confirmation page that says what goes with it; never her own', async () => {
  const a = new WebClient(s.adminUrl);
  await a.login('0100000001', 'admin-secret-2');
  await s.api('POST', '/devices', { mac: '80:5E:C0:00:00:77', model: 'T54W', tenant: 'acme', user: '0100000010' });
  const page = await a.get('/tenants/acme/users/0100000010/delete');
  assert.is(page.status, 200);
  assert.match(htmlText(page.html), '1 téléphone(s) perdent leur utilisateur');
  assert.match(page.html, 'T54W 80:5e:c0:00:00:77');
  assert.not.match(page.html, 'data-confirm', 'a page, not a browser dialog');
  // A post without the confirmation field deletes nothing.
  let r = await a.post('/tenants/acme/users/0100000010/delete', {});
  assert.is(r.status, 303);
  assert.ok(await s.app.store.users.get('0100000010'));
  r = await a.post('/tenants/acme/users/0100000010/delete', { confirm: '0100000010' });
  assert.is(r.location, '/tenants/acme/users?done=licence_deleted');
  assert.is(await s.app.store.users.get('0100000010'), undefined);
  assert.is((await s.app.store.devices.get('805ec0000077'))!.userNumber, null, 'the phone stays, without its user');
  const own = await a.get('/tenants/acme/users/0100000001/delete');
  assert.match(htmlText(own.html), 'vous ne pouvez pas supprimer votre propre licence');
  assert.not.match(own.html, 'name="confirm"');
  assert.is((await a.post('/tenants/acme/users/0100000001/delete', { confirm: '0100000001' })).status, 422);
  assert.ok(await s.app.store.users.get('0100000001'));
});

test('an admin adds a phone and deletes it through a confirmation page', async () => {
  const a = new WebClient(s.adminUrl);
  await a.login('0100000001', 'admin-secret-2');
  const form = await a.get('/tenants/acme/devices/new');
  assert.is(form.status, 200);
  assert.match(form.html, 'Alice Martin (0100000002)');
  let r = await a.post('/tenants/acme/devices/new', { mac: 'pas-une-mac', model: 'T54W', user: '', label: '' });
  assert.is(r.status, 422);
  assert.ok(fieldError(r.html, 'mac'));
  r = await a.post('/tenants/acme/devices/new', { mac: '80-5E-C0-00-00-88', model: 'T54W', user: '0100000002', label: 'Bureau' });
  assert.is(r.status, 303);
  assert.is(r.location, '/devices/805ec0000088?done=device_created');
  assert.match(flash((await a.get(r.location!)).html), 'Téléphone ajouté au parc');
  assert.is((await s.app.store.devices.get('805ec0000088'))!.userNumber, '0100000002');
  r = await a.post('/tenants/acme/devices/new', { mac: '80:5E:C0:00:00:88', model: 'T54W', user: '', label: '' });
  assert.is(r.status, 422, 'a MAC already registered');
  const confirm = await a.get('/devices/805ec0000088/delete');
  assert.match(htmlText(confirm.html), 'Ce téléphone de Alice Martin sortira du parc');
  assert.ok(await s.app.store.devices.get('805ec0000088'), 'the confirmation page deletes nothing');
  r = await a.post('/devices/805ec0000088/delete', { confirm: 'yes' });
  assert.is(r.location, '/tenants/acme/devices?done=device_deleted');
  assert.is(await s.app.store.devices.get('805ec0000088'), undefined);
  // A plain user cannot.
  await s.api('POST', '/devices', { mac: '80:5E:C0:00:00:99', model: 'T54W', tenant: 'acme', user: '0100000003' });
  const u = new WebClient(s.adminUrl);
  await u.login('0100000003', 'pw-0100000003');
  await u.get('/account');
  assert.is((await u.post('/devices/805ec0000099/delete', { confirm: 'yes' })).status, 403);
  assert.ok(await s.app.store.devices.get('805ec0000099'));
});

test('an operator sends a licence its reset e-mail; the page says whether it left', async () => {
  const o = new WebClient(s.adminUrl);
  await o.login('noc', 'pw-noc-operator');
  const page = await o.get('/tenants/acme/users/0100000003');
  assert.match(htmlText(page.html), 'Envoyer un e-mail de réinitialisation');
  const before = sink.messages.length;
  let r = await o.post('/tenants/acme/users/0100000003/reset-mail', {});
  assert.is(r.location, '/tenants/acme/users/0100000003?done=reset_mail_sent');
  const mail = await sink.waitFor(before);
  assert.equal(mail.to, ['<bob@acme.example>']);
  assert.match(mail.data, 'Votre nouveau mot de passe cadran');
  linkOf(mail.data);
  r = await o.post('/tenants/acme/users/0100000003/reset-mail', {});
  assert.is(r.location, '/tenants/acme/users/0100000003?done=reset_mail_recent', 'no second mail within a minute');
  const none = await o.get('/tenants/acme/users/0100000002');
  assert.match(htmlText(none.html), "Cette licence n'a pas d'adresse e-mail");
  r = await o.post('/tenants/acme/users/0100000002/reset-mail', {});
  assert.is(r.location, '/tenants/acme/users/0100000002?done=reset_mail_no_email');
  assert.match(htmlText((await o.get(r.location!)).html), "Aucun e-mail envoyé : la licence n'a pas d'adresse e-mail.");
});

test.run();
