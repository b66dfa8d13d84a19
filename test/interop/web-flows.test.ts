// The cockpit's flows in Debian's chromium, replayed as issue 17 reported them: a MAC import in
// all-or-nothing mode with a rejected line, a resync followed to its end, a user changing her own
// password. Screenshots: test/screenshots/flow-<step>.png.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, Page } from 'playwright-core';
import { PHONE, launchChromium, loginThroughForm, openPage, screenshot } from '../helpers/browser.ts';
import { ADMIN, MAC, OPERATOR, USER, phoneFetch, startCockpit, type Cockpit } from '../helpers/cockpit.ts';
import { startLoopbackUas } from '../helpers/loopback-uas.ts';

let c: Cockpit;
let browser: Browser;

test.before(async () => {
  c = await startCockpit();
  browser = await launchChromium();
});
test.after(async () => {
  await browser?.close();
  await c?.close();
});

const text = async (page: Page, sel = 'main') => (await page.textContent(sel)) ?? '';

test('MAC import, all or nothing with a rejected line: no "Confirmer l\'import", nothing claims success, the valid lines can be imported', async () => {
  const { context, page, problems } = await openPage(browser, PHONE);
  try {
    await loginThroughForm(page, c.s.adminUrl, OPERATOR.login, OPERATOR.password);
    await page.goto(`${c.s.adminUrl}/ops/import`);
    assert.not.ok(await page.isChecked('input[name=skipInvalid]'), 'all or nothing is the default');
    const csv = 'mac;model;tenant;user;label\r\n80:5E:C0:12:34:20;T54W;acme;0100000003;Salle de réunion\r\n80:5E:C0:12:34:21;T99X;acme;;Modèle inconnu\r\n';
    await page.setInputFiles('#f-file', { name: 'macs.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
    await Promise.all([page.waitForSelector('.stats'), page.click('main button.primary')]);
    await screenshot(page, 'flow-import-checked-390');
    const buttons = await page.locator('main button').allTextContents();
    assert.not.ok(buttons.some((b) => b.includes("Confirmer l'import")), `buttons: ${buttons.join(' | ')}`);
    assert.ok(buttons.some((b) => b.includes('Importer les lignes valides')));
    const checked = await text(page);
    assert.not.match(checked, 'Import terminé');
    assert.not.match(checked, 'Création');
    assert.match(checked, 'Sera créé');
    assert.is((await c.s.app.store.devices.get('805ec0123420')), undefined);
    await Promise.all([page.waitForLoadState('load'), page.click('main button.primary')]);
    await page.waitForSelector('.flash');
    await screenshot(page, 'flow-import-valid-lines-390');
    assert.match(await text(page, '.flash.ok'), 'Téléphones importés : 1 créé(s)');
    assert.match(await text(page, 'main table'), 'Créé');
    assert.ok(await c.s.app.store.devices.get('805ec0123420'), 'the valid line was written');
    assert.is(await c.s.app.store.devices.get('805ec0123421'), undefined);
    assert.equal(problems, []);
  } finally {
    await context.close();
  }
});

test('a single-phone resync goes on from "Accepté" to "Configuration relue" when the phone re-reads its file', async () => {
  // The tenant's SIP proxy, played by a loopback UAS that accepts the NOTIFY.
  const uas = await startLoopbackUas();
  const { context, page, problems } = await openPage(browser, PHONE);
  try {
    const r = await c.s.api('PATCH', '/tenants/acme', { sipProxy: '127.0.0.1', sipPort: uas.port });
    assert.is(r.status, 200);
    await loginThroughForm(page, c.s.adminUrl, USER.login, USER.password);
    await page.goto(`${c.s.adminUrl}/users/${USER.login}/phone`);
    await Promise.all([page.waitForURL(/\/resync-jobs\//), page.click('main form.actions button.primary')]);
    await page.waitForSelector('#job');
    assert.match(await text(page, 'main h1 + p'), 'Téléphone de Alice Martin');
    await page.locator('#job-targets', { hasText: 'Accepté' }).waitFor({ timeout: 40_000 });
    assert.match(await text(page, '#job-summary'), "on attend qu'il relise sa configuration");
    await screenshot(page, 'flow-resync-accepted-390');
    // The phone re-reads its file, as a Yealink does after the NOTIFY.
    assert.is(await phoneFetch(c.s.running.phone!.httpPort, `/${MAC}.cfg`, 'Yealink SIP-T54W 96.86.0.100 80:5e:c0:12:34:01'), 200);
    await page.locator('#job-targets', { hasText: 'Configuration relue' }).waitFor({ timeout: 40_000 });
    assert.match(await text(page, '#job-summary'), '1 ont relu leur configuration, 0 en échec');
    assert.match((await page.getAttribute('.progress-bar', 'class')) ?? '', 'outcome-ok');
    assert.match(await text(page, '#job-targets'), 'Alice Martin');
    await screenshot(page, 'flow-resync-fetched-390');
    assert.equal(problems, []);
  } finally {
    await context.close();
    await uas.close();
  }
});

test('a parc resync where phones fail: red or orange bar, reasons in the summary, retry of the failed ones', async () => {
  const { context, page, problems } = await openPage(browser, PHONE);
  try {
    // No proxy: the phones that never fetched a file cannot be reached ("jamais vu").
    await c.s.api('PATCH', '/tenants/acme', { sipProxy: null });
    await loginThroughForm(page, c.s.adminUrl, ADMIN.login, ADMIN.password);
    await page.goto(`${c.s.adminUrl}/tenants/acme/devices`);
    await Promise.all([page.waitForURL(/\/resync-jobs\//), page.click('main .toolbar button.primary')]);
    await page.waitForSelector('#job-retry', { timeout: 60_000 });
    const summary = await text(page, '#job-summary');
    assert.match(summary, 'en échec');
    assert.match(summary, 'jamais vu');
    assert.match((await page.getAttribute('.progress-bar', 'class')) ?? '', /outcome-(warn|bad)/);
    assert.match(await text(page, '#job-targets'), 'Jamais vu');
    assert.not.match(await text(page, '#job-targets'), /[0-9a-f]{8}-[0-9a-f]{4}-/, 'no job UUID in the rows');
    await screenshot(page, 'flow-resync-failed-390');
    const before = page.url();
    await Promise.all([page.waitForURL((u) => u.href !== before && /done=resync_retried/.test(u.href)), page.click('#job-retry button')]);
    assert.match(await text(page, '.flash.ok'), 'Nouvelle resynchronisation lancée pour');
    assert.equal(problems, []);
  } finally {
    await context.close();
  }
});

test('a user changes her own password in the cockpit, then logs in with the new one', async () => {
  const { context, page, problems } = await openPage(browser, PHONE);
  try {
    await loginThroughForm(page, c.s.adminUrl, USER.login, USER.password);
    // Through the folded menu, as on a phone.
    await page.click('.nav-toggle-label');
    await Promise.all([page.waitForURL(/\/account$/), page.click('a.nav-account')]);
    await page.fill('#f-current', 'pas-le-bon');
    await page.fill('#f-password', 'nouveau-secret-1');
    await page.fill('#f-confirm', 'nouveau-secret-1');
    await Promise.all([page.waitForLoadState('load'), page.click('main button.primary')]);
    assert.is(await text(page, '#e-current'), "Ce n'est pas votre mot de passe actuel.");
    await screenshot(page, 'flow-password-wrong-390');
    await page.fill('#f-current', USER.password);
    await page.fill('#f-password', 'nouveau-secret-1');
    await page.fill('#f-confirm', 'nouveau-secret-1');
    await Promise.all([page.waitForURL(/done=own_password_changed/), page.click('main button.primary')]);
    assert.match(await text(page, '.flash.ok'), 'Mot de passe changé');
    await screenshot(page, 'flow-password-changed-390');
    await page.click('.nav-toggle-label');
    await Promise.all([page.waitForURL(/\/login/), page.click('.sidebar-foot button.link')]);
    await loginThroughForm(page, c.s.adminUrl, USER.login, 'nouveau-secret-1');
    assert.match(page.url(), /\/users\//);
    assert.equal(problems, []);
  } finally {
    await context.close();
  }
});

test.run();
