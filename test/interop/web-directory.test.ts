// Issue 16 in Debian's chromium, at 1366 and 390 px: a tenant admin adds a shared contact to the
// company directory and the phone's directory shows it; creates a key template, gives it keys,
// assigns it to a licence whose key page then shows which keys come from the template; a stale
// save of the template is refused. Each page passes the layout audit (no sideways scroll, named
// controls, contrast, focus). Screenshots: test/screenshots/directory-*.png.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, Page } from 'playwright-core';
import { DESKTOP, PHONE, auditPage, launchChromium, loginThroughForm, openPage } from '../helpers/browser.ts';
import { ADMIN, USER, startCockpit, type Cockpit } from '../helpers/cockpit.ts';

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
const phoneBook = async () => {
  const r = await fetch(`http://127.0.0.1:${c.s.running.phone!.httpPort}/805ec0123401-contacts.xml`, { headers: { 'user-agent': 'Yealink SIP-T54W 96.86.0.100 80:5e:c0:12:34:01' } });
  return r.text();
};

for (const [size, viewport] of [['1366', DESKTOP], ['390', PHONE]] as const) {
  test(`company directory at ${size} px: a shared contact added in the cockpit reaches the phone`, async () => {
    const { context, page, problems } = await openPage(browser, viewport);
    try {
      await loginThroughForm(page, c.s.adminUrl, ADMIN.login, ADMIN.password);
      await page.goto(`${c.s.adminUrl}/tenants/acme/directory`);
      const name = `Plombier ${size}`;
      await page.fill('#f-name', name);
      await page.fill('#f-mobile', size === '1366' ? '06 11 99 88 77' : '06 11 99 88 66');
      await page.fill('#f-group', 'Fournisseurs');
      await Promise.all([page.waitForLoadState('load'), page.click('main button.primary')]);
      await page.waitForSelector('.flash');
      assert.match(await text(page, 'main table'), name);
      const audit = await auditPage(page, `directory ${size}`, `directory-shared-${size}`);
      assert.equal(audit.problems, []);
      const book = await phoneBook();
      assert.match(book, `Name="${name}"`);
      assert.match(book, '<Menu Name="Collègues">');
      assert.equal(problems, []);
    } finally {
      await context.close();
    }
  });

  test(`key templates at ${size} px: create, fill, assign; the key page shows the template's keys; a stale save is refused`, async () => {
    const { context, page, problems } = await openPage(browser, viewport);
    try {
      await loginThroughForm(page, c.s.adminUrl, ADMIN.login, ADMIN.password);
      await page.goto(`${c.s.adminUrl}/tenants/acme/key-templates`);
      const name = `Accueil ${size}`;
      await page.fill('#f-name', name);
      await Promise.all([page.waitForLoadState('load'), page.click('main button.primary')]);
      await page.waitForSelector('#type_1');
      assert.equal((await auditPage(page, `template ${size}`, `directory-template-${size}`)).problems, []);
      // Key 5: BLF on Bob without a label (his name shows); key 6: a speed dial.
      await page.fill('#position_1', '5');
      await page.selectOption('#type_1', 'blf');
      await page.fill('#value_1', '0100000003');
      await page.fill('#position_2', '6');
      await page.selectOption('#type_2', 'speeddial');
      await page.fill('#value_2', '0145000000');
      await page.fill('#label_2', 'Standard');
      await Promise.all([page.waitForLoadState('load'), page.click('main button.primary')]);
      await page.waitForSelector('.flash');
      const id = /key-templates\/(\d+)/.exec(page.url())![1]!;
      const t = (await c.s.api('GET', `/tenants/acme/key-templates/${id}`)).body;
      assert.equal(t.keys.map((k: { position: number; type: string }) => [k.position, k.type]), [[5, 'blf'], [6, 'speeddial']]);

      // Someone else saves meanwhile: this page's save is refused and says so.
      assert.is((await c.s.api('PATCH', `/tenants/acme/key-templates/${id}`, { version: t.version, name: `${name} bis` })).status, 200);
      await page.fill('#f-name', `${name} (mine)`);
      await Promise.all([page.waitForLoadState('load'), page.click('main button.primary')]);
      assert.match(await text(page, '.flash.error'), 'modifié entre-temps');

      // Assign it to Alice on her licence page; her key page shows where each key comes from.
      await page.goto(`${c.s.adminUrl}/tenants/acme/users/${USER.login}`);
      await page.selectOption('#f-keyTemplate', id);
      await Promise.all([page.waitForLoadState('load'), page.click('main form button.primary >> nth=0')]);
      assert.is((await c.s.api('GET', `/users/${USER.login}`)).body.keyTemplate, Number(id));
      await page.goto(`${c.s.adminUrl}/users/${USER.login}/keys`);
      const card = await text(page, '.template-keys');
      assert.match(card, `${name} bis`);
      assert.match(card, 'Bob Durand');
      assert.match(card, 'du modèle');
      assert.equal((await auditPage(page, `keys ${size}`, `directory-keys-${size}`)).problems, []);
      // Leave Alice without a template for the next run.
      assert.is((await c.s.api('PATCH', `/users/${USER.login}`, { keyTemplate: null })).status, 200);
      assert.equal(problems, []);
    } finally {
      await context.close();
    }
  });
}

test.run();
