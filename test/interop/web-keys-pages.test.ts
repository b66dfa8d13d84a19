// Issue 17 "keys as the phone", pages: a model whose screen shows its own keys a page at a time
// (vendors' keysPerPage, sourced there) is drawn page by page, "Page 1/2", "Page 2/2", in Debian's
// chromium at 1366 and 390 px. A key is dragged across the page boundary and moved by keyboard to
// the last and first keys (Home / End) without a page load, saved once; the same page without
// JavaScript saves as a plain form; the page is audited (named controls, contrast, focus, no
// sideways scroll). Screenshots: test/screenshots/keys-pages-*.png.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser } from 'playwright-core';
import { DESKTOP, PHONE, auditPage, launchChromium, loginThroughForm, openPage, screenshot } from '../helpers/browser.ts';
import { ADMIN, startCockpit, type Cockpit } from '../helpers/cockpit.ts';

let c: Cockpit;
let browser: Browser;
// The admin's phone in the cockpit fixture is a D785: 24 own keys, 12 a page.
const KEYS = `/users/${ADMIN.login}/keys`;
const seed = [
  { position: 1, type: 'line' },
  { position: 12, type: 'speeddial', value: '0145678900', label: 'Accueil' },
  { position: 13, type: 'blf', value: '0100000002', label: 'Alice' },
];

test.before(async () => {
  c = await startCockpit();
  browser = await launchChromium();
});
test.after(async () => {
  await browser?.close();
  await c?.close();
});

const reseed = async () => {
  const r = await c.s.api('PUT', `/users/${ADMIN.login}/keys`, seed);
  assert.is(r.status, 200, JSON.stringify(r.body));
};
const stored = async () => (await c.s.app.store.keys.list(ADMIN.login)).map((k) => `${k.position}:${k.type}:${k.label ?? ''}`);

for (const viewport of [DESKTOP, PHONE]) {
  const w = viewport.width;

  test(`keys page by page at ${w} px: "Page 1/2" and "Page 2/2", drag across the pages, Home / End, one save`, async () => {
    await reseed();
    const { context, page, problems } = await openPage(browser, viewport);
    try {
      await loginThroughForm(page, c.s.adminUrl, ADMIN.login, ADMIN.password);
      await page.goto(c.s.adminUrl + KEYS);
      assert.equal(await page.locator('.key-panel-phone .key-page-title').allTextContents(), ['Page 1/2', 'Page 2/2']);
      const first = await page.locator('.key-panel-phone ol.key-page').nth(0).locator('.key').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-position'))));
      const second = await page.locator('.key-panel-phone ol.key-page').nth(1).locator('.key').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-position'))));
      assert.equal(first, Array.from({ length: 12 }, (_, i) => i + 1));
      assert.equal(second, Array.from({ length: 12 }, (_, i) => i + 13));
      // Each page is a list named by its title.
      assert.is(await page.locator('.key-panel-phone ol.key-page').nth(1).getAttribute('aria-labelledby'), 'key-page-phone-2');
      await page.evaluate('window.__stay = 1');
      // Drag key 13 (first of page 2) onto key 12 (last of page 1).
      await page.locator('.key[data-position="12"]').scrollIntoViewIfNeeded();
      const from = (await page.locator('.key[data-position="13"] .key-handle').boundingBox())!;
      const to = (await page.locator('.key[data-position="12"] .key-top').boundingBox())!;
      await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
      await page.mouse.down();
      await page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 8 });
      await page.mouse.up();
      assert.equal([await page.inputValue('#label_12'), await page.inputValue('#label_13')], ['Alice', 'Accueil']);
      // Keyboard: End sends Alice to the last key of page 2, Home to the first of page 1.
      await page.focus('.key[data-position="12"] .key-handle');
      await page.keyboard.press('End');
      assert.equal([await page.inputValue('#type_24'), await page.inputValue('#label_24')], ['blf', 'Alice']);
      await page.keyboard.press('Home');
      assert.equal([await page.inputValue('#type_1'), await page.inputValue('#label_1'), await page.inputValue('#type_2')], ['blf', 'Alice', 'line']);
      assert.is(await page.evaluate("document.activeElement && document.activeElement.closest('.key').getAttribute('data-position')"), '1', 'focus follows the key');
      assert.is(await page.evaluate('window.__stay'), 1, 'no page load while reordering');
      await screenshot(page, `keys-pages-${w}`);
      await Promise.all([page.waitForURL(/done=keys_saved/), page.click('.sticky-actions button.primary')]);
      // Alice first; the line and the speed dial each one further; 13 emptied by the moves.
      assert.equal(await stored(), ['1:blf:Alice', '2:line:', '13:speeddial:Accueil']);
      const a = await auditPage(page, `keys-pages@${w}`, `keys-pages-audit-${w}`);
      assert.equal([...problems, ...a.problems], []);
    } finally {
      await context.close();
    }
  });

  test(`keys page by page at ${w} px without JavaScript: both pages are plain fields that save`, async () => {
    await reseed();
    const { context, page, problems } = await openPage(browser, viewport, { javaScriptEnabled: false });
    try {
      await loginThroughForm(page, c.s.adminUrl, ADMIN.login, ADMIN.password);
      await page.goto(c.s.adminUrl + KEYS);
      assert.equal(await page.locator('.key-page-title').allTextContents(), ['Page 1/2', 'Page 2/2']);
      await page.selectOption('#type_20', 'speeddial');
      await page.fill('#value_20', '0612345678');
      await page.fill('#label_20', 'Portable');
      await screenshot(page, `keys-pages-nojs-${w}`);
      await Promise.all([page.waitForURL(/done=keys_saved/), page.click('.sticky-actions button.primary')]);
      assert.equal(await stored(), ['1:line:', '12:speeddial:Accueil', '13:blf:Alice', '20:speeddial:Portable']);
      assert.equal(problems, []);
    } finally {
      await context.close();
    }
  });
}

test('a model without a sourced page size is drawn as one page (no page titles)', async () => {
  const { context, page } = await openPage(browser, DESKTOP);
  try {
    // The user's phone in the fixture is a T54W: no keysPerPage in its table.
    await loginThroughForm(page, c.s.adminUrl, '0100000002', 'pw-0100000002');
    await page.goto(`${c.s.adminUrl}/users/0100000002/keys`);
    assert.is(await page.locator('.key-page-title').count(), 0);
    assert.ok((await page.locator('.key-panel-phone .key').count()) > 0);
  } finally {
    await context.close();
  }
});

test.run();
