// The cockpit's layout and accessibility beyond the per-role page audits (web-layout-<role>):
// the audits themselves catch what they look for; the public pages pass them at 1366 and 390 px;
// at phone width the menu folds and opens (with and without JavaScript), the sticky save bar of
// the keys covers nothing, tables become labelled cards; the login field takes a number or an
// operator login without a numeric keypad; the menu offers nothing of the telephony platform.
// Debian's chromium through playwright-core; screenshots under test/screenshots/.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, Page } from 'playwright-core';
import { DESKTOP, PHONE, SMALL_PHONE, contrast, focusProblems, launchChromium, loginThroughForm, menuText, openPage, overflow, screenshot, unnamedControls } from '../helpers/browser.ts';
import { PLATFORM_FEATURE_PATHS, PLATFORM_FEATURE_WORDS } from '../helpers/platform-features.ts';
import { ACCOUNTS, ADMIN, OPERATOR, PUBLIC_PAGES, USER, auditPages, startCockpit, type Cockpit } from '../helpers/cockpit.ts';

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

test('the audits catch what they look for (a page made to fail each check)', async () => {
  const { context, page } = await openPage(browser, PHONE);
  try {
    await page.setContent(`<style>
      body { margin: 0; font: 16px sans-serif } .low { color: #999 } .grad { background: linear-gradient(#fff, #000); color: #777 }
      button.nofocus:focus { outline: none } .wide { width: 600px; height: 10px } .scroller { overflow-x: auto; width: 100px } .scroller div { width: 300px }
      .sticky { position: fixed; bottom: 0; left: 0; right: 0; height: 200px; background: #eee }
      .sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); color: #eee }
    </style>
    <p class="low">low contrast</p><p>fine text</p><div class="grad"><span>on gradient</span></div><span class="sr">hidden</span>
    <input id="a" placeholder="placeholder only"><label for="b">B</label><input id="b"><input id="c" title="title only">
    <input id="d" aria-label="named"><button></button><button class="nofocus">No focus</button>
    <div class="wide"></div><div class="scroller"><div>x</div></div>
    <div style="height: 1200px"></div><input id="late" aria-label="late"><div class="sticky"></div>`);
    const c = await contrast(page);
    assert.equal(c.failures.map((f) => [f.text, f.ratio]), [['low contrast', 2.85], ['on gradient', 4.48]], 'worst gradient stop counts, hidden text does not');
    const names = await unnamedControls(page);
    assert.is(names.failures.length, 3, names.failures.join('\n'));
    assert.match(names.failures.join('\n'), /placeholder[\s\S]*title[\s\S]*button without a name/);
    const focus = await focusProblems(page);
    assert.equal(focus.failures.map((f) => f.problem), ['no visible focus indicator', 'covered by div.sticky when focused'], 'Chromium\'s own ring counts as visible');
    const o = await overflow(page);
    assert.equal([o.scrollWidth, o.clientWidth, o.offenders.map((x) => x.where), o.scrollers.map((x) => x.where)], [600, 390, ['div.wide'], ['div.scroller']]);
  } finally {
    await context.close();
  }
});

for (const viewport of [DESKTOP, PHONE]) {
  test(`public pages at ${viewport.width} px — no sideways scroll, named controls, contrast ≥ 4.5:1, visible focus`, async () => {
    const { context, page, problems } = await openPage(browser, viewport);
    try {
      const r = await auditPages(page, c, 'public', PUBLIC_PAGES, viewport.width);
      assert.is(r.totals.pages, PUBLIC_PAGES.length);
      assert.equal([...problems, ...r.problems], []);
    } finally {
      await context.close();
    }
  });
}

/** Is the main menu's first link shown? */
const menuShown = (page: Page) => page.locator('.sidebar nav a').first().isVisible();

test('every badge the cockpit draws (status, import, resync, preview, warn) reads at 4.5:1 or more, on a card and on a refused import row', async () => {
  const { context, page } = await openPage(browser, DESKTOP);
  try {
    // The cockpit's own stylesheet, every badge class its views write (views: class="badge …").
    const css = await (await fetch(`${c.s.adminUrl}/assets/app.css`)).text();
    const variants = [
      '', 'warn', 'status-ok', 'status-stale', 'status-never',
      ...['created', 'added', 'updated', 'unchanged', 'rejected'].map((s) => `import-${s}`),
      ...['queued', 'sent', 'answered', 'fetched', 'failed', 'timeout', 'cancelled', 'never_seen', 'not_sent'].map((s) => `resync-${s}`),
      ...['same', 'changed', 'no-snapshot', 'never-fetched'].map((s) => `preview-${s}`),
    ];
    const badges = variants.map((v) => `<span class="badge ${v}">Badge ${v || 'neutre'}</span>`).join(' ');
    await page.setContent(`<style>${css}</style><main><section class="card"><p>${badges}</p></section>
      <table class="table"><tbody><tr class="row-bad"><td><span class="badge import-rejected">Refusé</span></td></tr></tbody></table></main>`);
    const r = await contrast(page);
    assert.ok(r.checked >= variants.length + 1, `${r.checked} texts checked`);
    assert.equal(r.failures.map((f) => `${f.text} ${f.ratio} (${f.fg} on ${f.bg})`), []);
  } finally {
    await context.close();
  }
});

test('phone width: the menu is folded, a button opens and closes it (mouse, keyboard, Escape)', async () => {
  const { context, page, problems } = await openPage(browser, PHONE);
  try {
    await loginThroughForm(page, c.s.adminUrl, ADMIN.login, ADMIN.password);
    const toggle = page.locator('button.nav-toggle-label');
    assert.ok(await toggle.isVisible(), 'the menu button is shown');
    assert.is(await toggle.getAttribute('aria-expanded'), 'false');
    assert.is(await toggle.getAttribute('aria-controls'), 'nav-panel');
    assert.not.ok(await menuShown(page), 'the menu is folded');
    const box = (await page.locator('.sidebar').boundingBox())!;
    assert.ok(box.height <= 72, `the folded top bar is ${box.height} px high`);
    await toggle.click();
    assert.ok(await menuShown(page), 'open after a click');
    assert.is(await toggle.getAttribute('aria-expanded'), 'true');
    await screenshot(page, 'menu-open-390');
    await toggle.click();
    assert.not.ok(await menuShown(page), 'closed after a second click');
    // Keyboard from the top of a fresh page: skip link, brand, then the menu button; Enter opens,
    // Tab goes into the menu, Escape closes it and puts the focus back on the button.
    await page.reload();
    for (let i = 0; i < 3; i++) await page.keyboard.press('Tab');
    assert.is(await page.evaluate('document.activeElement.className'), 'nav-toggle-label');
    await page.keyboard.press('Enter');
    assert.ok(await menuShown(page), 'open with Enter');
    await page.keyboard.press('Tab');
    assert.is(await page.evaluate('document.activeElement.textContent'), 'Mon téléphone', 'Tab goes into the opened menu');
    await page.keyboard.press('Escape');
    assert.not.ok(await menuShown(page), 'closed with Escape');
    assert.is(await page.evaluate('document.activeElement.className'), 'nav-toggle-label', 'focus back on the button');
    // Following a menu link lands on a page whose menu is folded again.
    await toggle.click();
    await Promise.all([page.waitForURL(/\/network$/), page.click('.sidebar nav a.nav-network')]);
    assert.not.ok(await menuShown(page));
    assert.equal(problems, []);
  } finally {
    await context.close();
  }
});

test('phone width without JavaScript: the menu still folds and opens', async () => {
  const { context, page } = await openPage(browser, PHONE, { javaScriptEnabled: false });
  try {
    await loginThroughForm(page, c.s.adminUrl, USER.login, USER.password);
    assert.not.ok(await menuShown(page), 'folded');
    await page.click('label.nav-toggle-label');
    assert.ok(await menuShown(page), 'open through the label');
    await screenshot(page, 'menu-open-nojs-390');
    await page.click('label.nav-toggle-label');
    assert.not.ok(await menuShown(page), 'closed again');
    // Keyboard: the (visually hidden) checkbox takes the focus and Space opens the menu.
    await page.focus('#nav-toggle');
    await page.keyboard.press('Space');
    assert.ok(await menuShown(page), 'open with Space');
  } finally {
    await context.close();
  }
});

test('desktop: the menu is always open and has no menu button; no navy stripe behind titles at phone width', async () => {
  const { context, page } = await openPage(browser, DESKTOP);
  try {
    await loginThroughForm(page, c.s.adminUrl, USER.login, USER.password);
    assert.ok(await menuShown(page));
    assert.not.ok(await page.locator('.nav-toggle-label').isVisible());
    // The sidebar's navy stays in the sidebar's column: at phone width nothing dark is painted
    // behind the content (the contrast audit would also catch dark text on it).
    await page.setViewportSize(PHONE);
    const paint = (await page.evaluate(`[getComputedStyle(document.body).backgroundImage, getComputedStyle(document.querySelector('main')).backgroundColor]`)) as string[];
    assert.equal(paint, ['none', 'rgb(244, 246, 250)']);
  } finally {
    await context.close();
  }
});

test('the menu offers nothing of the telephony platform (voicemail greetings, call log, hunt groups, IVR, music on hold, time-based routing)', async () => {
  for (const who of Object.values(ACCOUNTS)) {
    for (const locale of ['fr-FR', 'en-GB']) {
      const { context, page } = await openPage(browser, DESKTOP, { locale });
      await loginThroughForm(page, c.s.adminUrl, who.login, who.password);
      const text = await menuText(page);
      assert.ok(text.length > 10, `menu of ${who.login}: ${text}`);
      assert.not.match(text, PLATFORM_FEATURE_WORDS, `menu of ${who.login} (${locale}): ${text}`);
      const links = (await page.evaluate(`[...document.querySelectorAll('.sidebar a[href]')].map((a) => 'href="' + a.getAttribute('href') + '"').join(' ')`)) as string;
      assert.not.match(links, PLATFORM_FEATURE_PATHS);
      await context.close();
    }
  }
});

test('login field: a 10-digit number or an operator login, no numeric keypad, autocomplete=username', async () => {
  const { context, page } = await openPage(browser, PHONE);
  try {
    await page.goto(`${c.s.adminUrl}/login`);
    const attrs = await page.evaluate(`(() => { const i = document.querySelector('#f-login'); return { type: i.type, inputmode: i.getAttribute('inputmode'), autocomplete: i.getAttribute('autocomplete'), pattern: i.getAttribute('pattern') }; })()`);
    assert.equal(attrs, { type: 'text', inputmode: null, autocomplete: 'username', pattern: null });
    assert.match(await page.textContent('label[for="f-login"]') ?? '', 'identifiant');
    await loginThroughForm(page, c.s.adminUrl, OPERATOR.login, OPERATOR.password);
    assert.match(page.url(), /\/ops\/tenants$/, 'an operator logs in with a login');
  } finally {
    await context.close();
  }
});

for (const viewport of [PHONE, SMALL_PHONE]) test(`keys at ${viewport.width}×${viewport.height}: the sticky save bar covers no key on arrival, and a focused key is never under it`, async () => {
  const { context, page } = await openPage(browser, viewport);
  try {
    await loginThroughForm(page, c.s.adminUrl, USER.login, USER.password);
    await page.goto(`${c.s.adminUrl}/users/${USER.login}/keys`);
    const bar = (await page.locator('.sticky-actions').boundingBox())!;
    const first = (await page.locator('.key').first().boundingBox())!;
    assert.ok(first.y + first.height <= bar.y, `first key ${first.y}–${first.y + first.height} ends above the bar at ${bar.y}`);
    // Walk down to the last key's label field with the keyboard: every field stays uncovered.
    const last = page.locator('.key-label').last();
    await last.focus();
    const lastBox = (await last.boundingBox())!;
    const barNow = (await page.locator('.sticky-actions').boundingBox())!;
    assert.ok(lastBox.y + lastBox.height <= barNow.y, 'the focused last field is above the bar');
    await screenshot(page, `keys-last-focused-${viewport.width}`);
  } finally {
    await context.close();
  }
});

test('phone width: tables are cards whose cells show their column name', async () => {
  const { context, page } = await openPage(browser, PHONE);
  try {
    await loginThroughForm(page, c.s.adminUrl, ADMIN.login, ADMIN.password);
    for (const path of ['/tenants/acme/users', '/tenants/acme/devices', `/users/${USER.login}/contacts`]) {
      if (path.endsWith('/contacts')) {
        // Personal contacts are the user's own: log in as the user for that table.
        await page.context().clearCookies();
        await loginThroughForm(page, c.s.adminUrl, USER.login, USER.password);
      }
      await page.goto(c.s.adminUrl + path);
      const r = await page.evaluate(`(() => {
        const t = document.querySelector('table.table');
        if (!t) return null;
        const thead = t.querySelector('thead').getBoundingClientRect();
        const cells = [...t.querySelectorAll('tbody td[data-label]')];
        return {
          headHidden: thead.width <= 1 && thead.height <= 1,
          labelled: cells.length,
          labels: cells.filter((td) => getComputedStyle(td, '::before').content.includes(td.dataset.label) || getComputedStyle(td, '::before').content.startsWith('attr(')).length,
          rowDisplay: getComputedStyle(t.querySelector('tbody tr')).display,
        };
      })()`);
      assert.ok(r, `${path}: a table`);
      const v = r as { headHidden: boolean; labelled: number; labels: number; rowDisplay: string };
      assert.ok(v.headHidden, `${path}: header row hidden`);
      assert.ok(v.labelled > 0, `${path}: cells carry data-label`);
      assert.is(v.rowDisplay, 'block', `${path}: rows are blocks`);
    }
  } finally {
    await context.close();
  }
});

test.run();
