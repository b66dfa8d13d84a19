// Concurrent edits in Debian's chromium (issue 12, finding 10): the tenant admin has a phone's page
// open in two tabs; she saves in one, then in the other. The second save writes nothing and the
// page says, in French, that the phone was changed meanwhile and by whom, and to reload; the
// reloaded page then saves. At 1366 and 390 px. Screenshots: test/screenshots/stale-*.png.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser } from 'playwright-core';
import { DESKTOP, PHONE, launchChromium, loginThroughForm, openPage, screenshot } from '../helpers/browser.ts';
import { ADMIN, MAC, startCockpit, type Cockpit } from '../helpers/cockpit.ts';

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

for (const [name, viewport] of [['1366', DESKTOP], ['390', PHONE]] as const) {
  test(`a phone's page saved from a stale tab: nothing written, "modifié entre-temps par vous-même … Rechargez" (${name} px)`, async () => {
    const { context, page, problems } = await openPage(browser, viewport);
    try {
      await loginThroughForm(page, c.s.adminUrl, ADMIN.login, ADMIN.password);
      const other = await context.newPage();
      await page.goto(`${c.s.adminUrl}/devices/${MAC}`);
      await other.goto(`${c.s.adminUrl}/devices/${MAC}`);
      // The other tab saves first.
      await other.fill('#f-label', `Autre onglet ${name}`);
      await Promise.all([other.waitForURL(/done=device_saved/), other.click('form[action$="/devices/' + MAC + '"] button[type=submit]')]);
      // This tab, built from the older version, saves second.
      await page.fill('#f-label', `Onglet périmé ${name}`);
      await Promise.all([page.waitForLoadState('load'), page.click('form[action$="/devices/' + MAC + '"] button[type=submit]')]);
      const alert = (await page.textContent('.flash.error')) ?? '';
      await screenshot(page, `stale-device-${name}`);
      assert.match(alert, "Le téléphone 80:5e:c0:12:34:01 a été modifié entre-temps par vous-même (dans un autre onglet ou une autre session) : rien n'a été enregistré. Rechargez la page");
      assert.is((await c.s.app.store.devices.get(MAC))!.label, `Autre onglet ${name}`, 'the other tab\'s change stays');
      assert.is(await page.inputValue('#f-label'), `Onglet périmé ${name}`, 'what she typed is still in the form');
      // The message is visible without scrolling sideways at this width.
      const box = await page.locator('.flash.error').boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= viewport.width + 1, `alert inside the viewport: ${JSON.stringify(box)}`);
      // Reloaded, her change goes through.
      await page.goto(`${c.s.adminUrl}/devices/${MAC}`);
      await page.fill('#f-label', `Après rechargement ${name}`);
      await Promise.all([page.waitForURL(/done=device_saved/), page.click('form[action$="/devices/' + MAC + '"] button[type=submit]')]);
      assert.is((await c.s.app.store.devices.get(MAC))!.label, `Après rechargement ${name}`);
      assert.equal(problems, []);
    } finally {
      await context.close();
    }
  });
}

test.run();
