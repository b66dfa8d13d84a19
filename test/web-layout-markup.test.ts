// The markup the phone-width layout and assistive technologies rely on, checked on the HTML of
// every role's pages (the browser tests in test/interop/web-layout*.test.ts check the rendering):
// the folding menu, data-label on every table cell, fields linked to their hints and errors, the
// login field, and a menu that offers nothing of the telephony platform.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer, seedTwoTenants, type TestServer } from './helpers/server.ts';
import { WebClient } from './helpers/web-client.ts';
import { webFeature } from '../server/features.ts';
import { createOperator } from '../server/cli/operator.ts';
import { PLATFORM_FEATURE_PATHS, PLATFORM_FEATURE_WORDS } from './helpers/platform-features.ts';

let s: TestServer;
const as = async (login: string, password = `pw-${login}`, lang = 'fr') => {
  const c = new WebClient(s.adminUrl, lang);
  const r = await c.login(login, password);
  assert.is(r.status, 303, `login of ${login}`);
  return c;
};

test.before(async () => {
  s = await startTestServer({ features: [webFeature] });
  const tokens = await seedTwoTenants(s);
  await createOperator(s.app, 'noc', 'pw-noc-operator');
  await s.api('POST', '/devices', { mac: '80:5E:C0:12:34:01', model: 'T54W', tenant: 'acme', user: '0100000002', label: 'Accueil' });
  await s.api('POST', '/devices', { mac: '80:5E:C0:12:34:02', model: 'T46U', tenant: 'acme' });
  await s.api('POST', '/users/0100000002/contacts', { name: 'Jeanne Martin', work: '0145678901' }, tokens['0100000002']);
});
test.after(async () => {
  await s.close();
});

const PAGES = {
  user: ['/users/0100000002/phone', '/users/0100000002/keys', '/users/0100000002/contacts', '/users/0100000002/contacts/new'],
  admin: ['/tenants/acme/users', '/tenants/acme/users/0100000002', '/tenants/acme/devices', '/tenants/acme/health', '/devices/805ec0123401', '/tenants/acme/network'],
  operator: ['/ops/tenants', '/ops/unknown', '/ops/import', '/tenants/acme/security'],
};
const LOGINS = { user: ['0100000002'], admin: ['0100000001'], operator: ['noc', 'pw-noc-operator'] } as const;
const login = (role: keyof typeof LOGINS, lang = 'fr') => as(LOGINS[role][0], (LOGINS[role] as readonly string[])[1], lang);

test('every signed-in page has the folding menu: checkbox, label and panel tied together', async () => {
  for (const role of ['user', 'admin', 'operator'] as const) {
    const c = await login(role);
    for (const path of PAGES[role]) {
      const { status, html } = await c.get(path);
      assert.is(status, 200, path);
      assert.match(html, /<input type="checkbox" id="nav-toggle" class="nav-toggle" aria-controls="nav-panel">/, path);
      assert.match(html, /<label for="nav-toggle" class="nav-toggle-label">/, path);
      assert.match(html, /<div class="nav-panel" id="nav-panel">\s*<nav aria-label="Navigation principale">/, path);
      assert.match(html, /<a class="skip-link" href="#main">Aller au contenu<\/a>/, path);
      assert.match(html, /<main id="main" class="content">/, path);
      assert.not.match(html, /style="/, `${path}: no inline style (the CSP forbids it)`);
    }
  }
});

test('every table cell names its column (data-label), except action and empty-list cells', async () => {
  let cells = 0;
  for (const role of ['user', 'admin', 'operator'] as const) {
    const c = await login(role);
    for (const path of PAGES[role]) {
      const { html } = await c.get(path);
      for (const body of html.matchAll(/<tbody[^>]*>([\s\S]*?)<\/tbody>/g)) {
        for (const td of body[1]!.matchAll(/<td([^>]*)>([\s\S]*?)<\/td>/g)) {
          const [attrs, inner] = [td[1]!, td[2]!];
          if (/colspan=/.test(attrs) || /class="row-actions"|class="claim"/.test(inner)) continue;
          cells++;
          assert.match(attrs, /data-label="[^"]+"/, `${path}: <td${attrs}>${inner.slice(0, 60)}`);
          assert.match(inner, /^<(span|strong) class="cell[ "]/, `${path}: one .cell per labelled td, so the card grid has two items`);
        }
      }
    }
  }
  assert.ok(cells > 30, `${cells} cells checked`);
});

test('login field: a number or an operator login, no numeric keypad, autocomplete=username', async () => {
  for (const lang of ['fr', 'en']) {
    const { html } = await new WebClient(s.adminUrl, lang).get('/login');
    const input = /<input id="f-login"[^>]*>/.exec(html)?.[0] ?? '';
    assert.match(input, 'type="text"');
    assert.match(input, 'autocomplete="username"');
    assert.not.match(input, /inputmode|type="tel"|type="number"|pattern=/);
    assert.match(input, 'aria-describedby="h-login"');
    assert.match(html, lang === 'fr' ? 'Numéro de ligne ou identifiant' : 'Line number or login');
  }
  const ops = await as('noc', 'pw-noc-operator');
  assert.is((await ops.get('/ops/tenants')).status, 200, 'an operator logs in with a login');
});

test('fields: hints and errors are tied to their input (aria-describedby, aria-invalid)', async () => {
  const c = await login('admin');
  await c.get('/tenants/acme/network');
  const r = await c.post('/tenants/acme/network', { vlanId: '5000', timezone: 'Mars/Olympus', adminPassword: 'x' });
  assert.is(r.status, 422);
  const input = (id: string) => new RegExp(`<input id="${id}"[^>]*>`).exec(r.html)?.[0] ?? '';
  assert.match(input('f-vlanId'), 'aria-describedby="h-vlanId e-vlanId"');
  assert.match(input('f-vlanId'), 'aria-invalid="true"');
  assert.match(r.html, /<small class="hint" id="h-vlanId">/);
  assert.match(r.html, /<p class="field-error" id="e-vlanId">/);
  assert.match(input('f-timezone'), 'aria-describedby="h-timezone e-timezone"');
  assert.match(input('f-vlanPriority'), 'aria-describedby="h-vlanPriority"');
  assert.not.match(input('f-vlanPriority'), 'aria-invalid');
});

test('the menu offers nothing of the telephony platform, in French or in English', async () => {
  for (const role of ['user', 'admin', 'operator'] as const) {
    for (const lang of ['fr', 'en']) {
      const c = await login(role, lang);
      const { html } = await c.get(PAGES[role][0]!);
      const nav = /<nav aria-label="[^"]*">([\s\S]*?)<\/nav>/.exec(html)?.[1] ?? '';
      const text = nav.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
      assert.ok(text.length > 10, `${role}/${lang}: ${text}`);
      assert.not.match(text, PLATFORM_FEATURE_WORDS, `${role}/${lang}: ${text}`);
      assert.not.match(nav, PLATFORM_FEATURE_PATHS);
    }
  }
});

test.run();
