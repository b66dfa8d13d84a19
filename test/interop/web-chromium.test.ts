// The web cockpit in a real browser (Debian's chromium driven by playwright-core): a user sets a
// BLF and a speed dial, imports contacts from CSV and asks for a resync; an admin changes the VLAN;
// the phone's rendered file follows. Screenshots of the main pages go to test/screenshots/.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestServer, seedTwoTenants, type TestServer } from '../helpers/server.ts';
import { features } from '../../server/features.ts';
import { renderDeviceFile } from '../../server/provision/render.ts';

const SHOTS = new URL('../screenshots/', import.meta.url).pathname;
const MAC = '805ec0123401';
let s: TestServer;
let browser: Browser;
let page: Page;

const phoneFile = async () => (await renderDeviceFile(s.app, MAC, `${MAC}.cfg`, 'http://127.0.0.1:8080/'))!.body.toString('utf8');
const shot = (name: string) => page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: true });

async function login(number: string, password: string) {
  await page.goto(`${s.adminUrl}/login`);
  await page.fill('#f-login', number);
  await page.fill('#f-password', password);
  await Promise.all([page.waitForURL(/\/(users|tenants|ops)\//), page.click('button[type=submit]')]);
}

test.before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  s = await startTestServer({ features });
  await seedTwoTenants(s);
  const r = await s.api('POST', '/devices', { mac: '80:5E:C0:12:34:01', model: 'T54W', tenant: 'acme', user: '0100000002', label: 'Accueil' });
  assert.is(r.status, 201);
  await s.api('POST', '/devices', { mac: '00:04:F2:12:34:02', model: 'VVX450', tenant: 'acme', user: '0100000003' });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'fr-FR' });
  // The CSP forbids inline scripts: any violation would show up here.
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) throw new Error(`CSP violation: ${m.text()}`);
  });
});
test.after(async () => {
  await browser?.close();
  await s?.close();
});

test('a user adds a BLF and a speed dial on the key layout', async () => {
  await page.goto(`${s.adminUrl}/login`);
  await shot('login');
  await login('0100000002', 'pw-0100000002');
  await shot('phone');
  await page.click('a.nav-keys');
  assert.is(await page.locator('.key').count(), 27, 'the T54W layout');
  await page.selectOption('#type_1', 'line');
  await page.selectOption('#type_2', 'blf');
  // The colleague is picked by name (issue 17), not typed as a number.
  await page.selectOption('#blf_2', { label: 'Bob Durand (0100000003)' });
  await page.fill('#label_2', 'Bob');
  await page.selectOption('#type_3', 'speeddial');
  await page.fill('#value_3', '06 12 34 56 78');
  await page.fill('#label_3', 'Mobile perso');
  await Promise.all([page.waitForURL(/done=keys_saved/), page.click('.sticky-actions button.primary')]);
  assert.match(await page.textContent('.flash.ok') ?? '', 'Touches enregistrées');
  await shot('keys');
  assert.equal((await s.app.store.keys.list('0100000002')).map((k) => [k.position, k.type, k.value]), [
    [1, 'line', null], [2, 'blf', '0100000003'], [3, 'speeddial', '0612345678'],
  ]);
});

test('the same user imports contacts from CSV after the dry-run report', async () => {
  await page.goto(`${s.adminUrl}/users/0100000002/contacts/import`);
  const csv = 'name;work;mobile;group\r\nJeanne Martin;01 45 67 89 01;;Clients\r\nPaul Léger;;+33 6 12 34 56 78;Fournisseurs\r\nSans Numéro;;;\r\n';
  await page.setInputFiles('#f-file', { name: 'contacts.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
  await Promise.all([page.waitForLoadState('load'), page.click('button.primary')]);
  await page.waitForSelector('.stats');
  await shot('contacts-import');
  assert.is((await s.app.store.contacts.list('0100000002')).length, 0, 'a dry run writes nothing');
  assert.match(await page.textContent('table') ?? '', 'Jeanne Martin');
  await Promise.all([page.waitForURL(/contacts\?done=contacts_imported/), page.click('form.actions button.primary')]);
  const names = (await s.app.store.contacts.list('0100000002')).map((c) => c.name).sort();
  assert.equal(names, ['Jeanne Martin', 'Paul Léger']);
  await page.fill('#q', 'paul');
  await Promise.all([page.waitForURL(/q=paul/), page.click('.search button')]);
  assert.is(await page.locator('tbody tr').count(), 1);
  await page.goto(`${s.adminUrl}/users/0100000002/contacts`);
  await shot('contacts');
});

test('the same user asks their phone to resync', async () => {
  await page.goto(`${s.adminUrl}/users/0100000002/phone`);
  await Promise.all([page.waitForLoadState('load'), page.click('form.actions button.primary')]);
  // The job page with live progress: this phone was never seen and the tenant has no proxy, so
  // its line says why no NOTIFY could be sent.
  await page.waitForURL(/\/resync-jobs\//);
  await page.waitForSelector('#job');
  // The reason, in French, as app.js redraws the rows from the progress JSON.
  await page.waitForFunction("(document.getElementById('job-targets')?.textContent ?? '').includes('jamais vu')", undefined, { timeout: 30_000 });
  assert.match(await page.textContent('#job-targets') ?? '', "jamais vu : le téléphone n'a encore jamais demandé sa configuration");
  await shot('resync-job');
  const api = await s.api('GET', '/resync-jobs');
  assert.ok(api.body.length >= 1, 'the job is visible through the API too');
  await page.goto(`${s.adminUrl}/users/0100000002/phone`);
  await page.click('.sidebar-foot button.link');
  await page.waitForURL(/\/login/);
});

test('an admin changes the VLAN; the rendered phone file changes', async () => {
  const before = await phoneFile();
  assert.not.match(before, /vlan[^\n]*= *42\b/i);
  assert.match(before, '0100000003', 'the BLF set by the user is in the file');
  await login('0100000001', 'pw-0100000001');
  await page.click('a.nav-network');
  await page.fill('#f-vlanId', '42');
  await page.fill('#f-vlanPriority', '5');
  await page.fill('#f-timezone', 'Europe/Paris');
  await Promise.all([page.waitForURL(/done=network_saved/), page.click('form[action$="/network"] button.primary')]);
  await shot('network');
  const after = await phoneFile();
  assert.match(after, /vlan[^\n]*= *42\b/i);
  await page.goto(`${s.adminUrl}/tenants/acme/users`);
  await shot('licences');
  await page.goto(`${s.adminUrl}/tenants/acme/devices`);
  await shot('devices');
  await page.goto(`${s.adminUrl}/devices/${MAC}`);
  await shot('device');
  // Server-side validation, shown next to the field, in the browser too.
  await page.goto(`${s.adminUrl}/tenants/acme/network`);
  await page.fill('#f-vlanId', '5000');
  await Promise.all([page.waitForLoadState('load'), page.click('form[action$="/network"] button.primary')]);
  assert.match(await page.textContent('#e-vlanId') ?? '', '4094');
});

test.run();
