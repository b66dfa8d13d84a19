// Issue 17 in Debian's chromium, at 1366 and 390 px: the keys drawn as the phone's, reordered by
// drag (pointer) and by keyboard without a page load, saved once; the same page without
// JavaScript as a plain form; the preview of a phone's files with the diff against what it last
// fetched; every one of these pages audited (named controls, contrast ≥ 4.5:1, visible focus, no
// sideways scroll). Screenshots: test/screenshots/keys-*.png, preview-*.png.
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

const reseed = async () => {
  const r = await c.s.api('PUT', `/users/${USER.login}/keys`, seed);
  assert.is(r.status, 200);
};
const stored = async () => (await c.s.app.store.keys.list(USER.login)).map((k) => `${k.position}:${k.type}:${k.label ?? ''}`);
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
      const from = (await page.locator('.key[data-position="3"] .key-handle').boundingBox())!;
      const to = (await page.locator('.key[data-position="1"] .key-top').boundingBox())!;
      await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
      await page.mouse.down();
      await page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 8 });
      await page.mouse.up();
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

test.run();
