// Issue 17 in Debian's chromium, at 1366 and 390 px: the keys drawn as the phone's, reordered by
// drag (pointer) and by keyboard without a page load, saved once; the same page without
// JavaScript as a plain form; the preview of a phone's files with the diff against what it last
// fetched; every one of these pages audited (named controls, contrast ≥ 4.5:1, visible focus, no
// sideways scroll). Screenshots: test/screenshots/keys-*.png, preview-*.png.
// Pages: a model whose screen shows its own keys a page at a time (vendors' keysPerPage, sourced
// there) is drawn page by page, "Page 1/2", "Page 2/2"; a key dragged across the page boundary and
// moved by keyboard to the last and first keys (Home / End), saved once; the same without
// JavaScript. Screenshots: test/screenshots/keys-pages-*.png.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, Page } from 'playwright-core';
import { DESKTOP, PHONE, auditPage, launchChromium, loginThroughForm, openPage, screenshot } from '../helpers/browser.ts';
import { ADMIN, MAC, OPERATOR, USER, phoneFetch, startCockpit, type Cockpit } from '../helpers/cockpit.ts';

let c: Cockpit;
let browser: Browser;
const KEYS = `/users/${USER.login}/keys`;
const seed = [
  { position: 1, type: 'line' },
  { position: 2, type: 'blf', value: '0100000003', label: 'Bob Durand' },
  { position: 3, type: 'speeddial', value: '0612345678', label: 'Mobile perso' },
];

test.before(async () => {
  c = await startCockpit();
  browser = await launchChromium();
});
test.after(async () => {
  await browser?.close();
  await c?.close();
});

const reseed = async (login = USER.login, keys: unknown[] = seed) => {
  const r = await c.s.api('PUT', `/users/${login}/keys`, keys);
  assert.is(r.status, 200, JSON.stringify(r.body));
};
const stored = async (login = USER.login) => (await c.s.app.store.keys.list(login)).map((k) => `${k.position}:${k.type}:${k.label ?? ''}`);
/** Drag key `from` by its handle onto key `to` with the pointer. */
const dragKey = async (page: Page, from: number, to: number) => {
  const a = (await page.locator(`.key[data-position="${from}"] .key-handle`).boundingBox())!;
  const b = (await page.locator(`.key[data-position="${to}"] .key-top`).boundingBox())!;
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 8 });
  await page.mouse.up();
};
const face = (page: Page, n: number) => page.textContent(`.key[data-position="${n}"] .key-face`);

for (const viewport of [DESKTOP, PHONE]) {
  const w = viewport.width;

  test(`keys at ${w} px: drag and keyboard reorder without a page load, one save`, async () => {
    await reseed();
    const { context, page, problems } = await openPage(browser, viewport);
    try {
      await loginThroughForm(page, c.s.adminUrl, USER.login, USER.password);
      await page.goto(c.s.adminUrl + KEYS);
      assert.is(await face(page, 2), 'Bob Durand', 'the BLF key shows the colleague');
      // A marker that a page load would wipe.
      await page.evaluate('window.__stay = 1');
      // Drag key 3 (Mobile perso) onto key 1 with the pointer.
      await dragKey(page, 3, 1);
      assert.equal([await page.inputValue('#type_1'), await page.inputValue('#label_1'), await page.inputValue('#type_2'), await page.inputValue('#type_3')], ['speeddial', 'Mobile perso', 'line', 'blf']);
      assert.match((await page.textContent('#keys-live')) ?? '', 'position 1');
      // Keyboard: focus the handle of key 1 and move it down twice with the arrow key.
      await page.focus('.key[data-position="1"] .key-handle');
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowDown');
      assert.is(await page.evaluate("document.activeElement && document.activeElement.closest('.key').getAttribute('data-position')"), '3', 'focus follows the key');
      assert.equal([await page.inputValue('#type_1'), await page.inputValue('#type_2'), await page.inputValue('#type_3')], ['line', 'blf', 'speeddial']);
      // ▲ with the keyboard (Enter on the focused button): no submit, the key moves up.
      await page.focus('.key[data-position="3"] .key-up');
      await page.keyboard.press('Enter');
      assert.equal([await page.inputValue('#type_2'), await page.inputValue('#type_3')], ['speeddial', 'blf']);
      assert.is(await page.evaluate('window.__stay'), 1, 'no page load while reordering');
      assert.ok(await page.isVisible('.keys-dirty'), 'unsaved changes are said');
      assert.equal(await stored(), ['1:line:', '2:blf:Bob Durand', '3:speeddial:Mobile perso'], 'nothing saved yet');
      await screenshot(page, `keys-reordered-${w}`);
      // The save bar covers nothing: the last key's label field is reachable above it.
      const bar = (await page.locator('.sticky-actions').boundingBox())!;
      await page.focus('#label_1');
      const first = (await page.locator('#label_1').boundingBox())!;
      assert.ok(first.y + first.height <= bar.y || first.y >= bar.y + bar.height, 'the focused field is not under the save bar');
      await Promise.all([page.waitForURL(/done=keys_saved/), page.click('.sticky-actions button.primary')]);
      assert.equal(await stored(), ['1:line:', '2:speeddial:Mobile perso', '3:blf:Bob Durand']);
      await screenshot(page, `keys-saved-${w}`);
      const a = await auditPage(page, `keys@${w}`, `keys-audit-${w}`);
      assert.equal([...problems, ...a.problems], []);
    } finally {
      await context.close();
    }
  });

  test(`keys at ${w} px without JavaScript: a plain form that saves`, async () => {
    await reseed();
    const { context, page, problems } = await openPage(browser, viewport, { javaScriptEnabled: false });
    try {
      await loginThroughForm(page, c.s.adminUrl, USER.login, USER.password);
      await page.goto(c.s.adminUrl + KEYS);
      assert.ok(await page.isVisible('#blf_4'), 'every field shows without the script');
      await page.selectOption('#type_4', 'blf');
      await page.selectOption('#blf_4', { label: 'Chloé Admin (0100000001)' });
      await page.fill('#label_4', 'Chloé');
      await screenshot(page, `keys-nojs-${w}`);
      await Promise.all([page.waitForURL(/done=keys_saved/), page.click('.sticky-actions button.primary')]);
      assert.equal(await stored(), ['1:line:', '2:blf:Bob Durand', '3:speeddial:Mobile perso', '4:blf:Chloé']);
      assert.equal(problems, []);
    } finally {
      await context.close();
    }
  });

  test(`preview at ${w} px: each file, the diff against what the phone last fetched, before the resync button`, async () => {
    await reseed();
    const phone = c.s.running.phone!;
    assert.is(await phoneFetch(phone.httpPort, `/${MAC}.cfg`, 'Yealink SIP-T54W 96.86.0.100 80:5e:c0:12:34:01'), 200);
    // Wait until the fetch (and its snapshot) reached the store.
    const deadline = Date.now() + 10_000;
    while (!(await c.s.app.store.sightings.snapshot(MAC, `${MAC}.cfg`)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.ok(await c.s.app.store.sightings.snapshot(MAC, `${MAC}.cfg`), 'snapshot kept');
    assert.is((await c.s.api('PUT', `/users/${USER.login}/keys`, [...seed.slice(0, 2), { position: 3, type: 'speeddial', value: '0612345678', label: 'Portable' }])).status, 200);
    const { context, page, problems } = await openPage(browser, viewport);
    try {
      await loginThroughForm(page, c.s.adminUrl, ADMIN.login, ADMIN.password);
      await page.goto(`${c.s.adminUrl}/devices/${MAC}`);
      const link = page.locator('main .device-head a[href$="/files"]');
      assert.is((await link.textContent())?.trim(), 'Aperçu des fichiers');
      await Promise.all([page.waitForURL(/\/files$/), link.click()]);
      const main = (await page.textContent('main')) ?? '';
      assert.match(main, 'Modifié depuis le dernier téléchargement');
      const added = await page.locator('.diff-add').allTextContents();
      const removed = await page.locator('.diff-del').allTextContents();
      assert.ok(added.some((l) => l.includes('Portable')), added.join('\n'));
      assert.ok(removed.some((l) => l.includes('Mobile perso')), removed.join('\n'));
      const sip = (await c.s.app.store.users.get(USER.login))!.sipPassword;
      assert.not.ok(((await page.content()) ?? '').includes(sip), 'the SIP password is masked');
      assert.ok(await page.isVisible('main form[action$="/resync"] button.primary'), 'the resync button follows the preview');
      await screenshot(page, `preview-diff-${w}`);
      const a = await auditPage(page, `preview@${w}`, `preview-audit-${w}`);
      assert.equal([...problems, ...a.problems], []);
    } finally {
      await context.close();
    }
  });

  test(`operator "Mon compte" at ${w} px: audited page`, async () => {
    const { context, page, problems } = await openPage(browser, viewport);
    try {
      await loginThroughForm(page, c.s.adminUrl, OPERATOR.login, OPERATOR.password);
      await page.goto(`${c.s.adminUrl}/account`);
      assert.match((await page.textContent('main h1')) ?? '', 'Mon compte');
      const a = await auditPage(page, `operator-account@${w}`, `operator-account-${w}`);
      assert.equal([...problems, ...a.problems], []);
    } finally {
      await context.close();
    }
  });
}

// The admin's phone in the cockpit fixture is a D785: 24 own keys, 12 a page.
const PAGED_KEYS = `/users/${ADMIN.login}/keys`;
const pagedSeed = [
  { position: 1, type: 'line' },
  { position: 12, type: 'speeddial', value: '0145678900', label: 'Accueil' },
  { position: 13, type: 'blf', value: '0100000002', label: 'Alice' },
];

for (const viewport of [DESKTOP, PHONE]) {
  const w = viewport.width;

  test(`keys page by page at ${w} px: "Page 1/2" and "Page 2/2", drag across the pages, Home / End, one save`, async () => {
    await reseed(ADMIN.login, pagedSeed);
    const { context, page, problems } = await openPage(browser, viewport);
    try {
      await loginThroughForm(page, c.s.adminUrl, ADMIN.login, ADMIN.password);
      await page.goto(c.s.adminUrl + PAGED_KEYS);
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
      await dragKey(page, 13, 12);
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
      assert.equal(await stored(ADMIN.login), ['1:blf:Alice', '2:line:', '13:speeddial:Accueil']);
      const a = await auditPage(page, `keys-pages@${w}`, `keys-pages-audit-${w}`);
      assert.equal([...problems, ...a.problems], []);
    } finally {
      await context.close();
    }
  });

  test(`keys page by page at ${w} px without JavaScript: both pages are plain fields that save`, async () => {
    await reseed(ADMIN.login, pagedSeed);
    const { context, page, problems } = await openPage(browser, viewport, { javaScriptEnabled: false });
    try {
      await loginThroughForm(page, c.s.adminUrl, ADMIN.login, ADMIN.password);
      await page.goto(c.s.adminUrl + PAGED_KEYS);
      assert.equal(await page.locator('.key-page-title').allTextContents(), ['Page 1/2', 'Page 2/2']);
      await page.selectOption('#type_20', 'speeddial');
      await page.fill('#value_20', '0612345678');
      await page.fill('#label_20', 'Portable');
      await screenshot(page, `keys-pages-nojs-${w}`);
      await Promise.all([page.waitForURL(/done=keys_saved/), page.click('.sticky-actions button.primary')]);
      assert.equal(await stored(ADMIN.login), ['1:line:', '12:speeddial:Accueil', '13:blf:Alice', '20:speeddial:Portable']);
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
