// The cockpit's flows in Debian's chromium, replayed as issue 17 reported them: a MAC import in
// all-or-nothing mode with a rejected line, a resync followed to its end, a user changing her own
// password. Screenshots: test/screenshots/flow-<step>.png.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, Page } from 'playwright-core';
import { PHONE, launchChromium, loginThroughForm, openPage, screenshot } from '../helpers/browser.ts';
import { OPERATOR, startCockpit, type Cockpit } from '../helpers/cockpit.ts';

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

test.run();
