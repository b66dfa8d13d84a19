// The company directory and key template pages of issue 16 in Debian's chromium, at 1366 and
// 390 px: every page passes the cockpit's audit (no sideways scroll, named controls, contrast,
// focus); with JavaScript off, in French, a tenant admin adds, edits (a stale form is refused and
// says so, 409), imports (dry-run report, then confirm) and deletes shared contacts, and builds a
// key template whose keys show on the licence's key page as coming from the template, then gives
// it to the licences of the selected phones on the bulk page (preview, then confirm).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, Page } from 'playwright-core';
import { DESKTOP, PHONE, launchChromium, loginThroughForm, openPage, overflow } from './helpers/browser.ts';
import { ADMIN, DIRECTORY_PAGES, USER, auditPages, startCockpit, type Cockpit } from './helpers/cockpit.ts';

let c: Cockpit;
let browser: Browser;

test.before(async () => {
  c = await startCockpit();
  browser = await launchChromium();
  const ok = (r: { status: number; body: unknown }) => assert.ok(r.status < 300, JSON.stringify(r.body));
  ok(await c.s.api('POST', '/tenants/acme/contacts', { name: 'Plomberie Dubois et fils — dépannage 24 h sur 24', mobile: '0611223344', group: 'Fournisseurs et prestataires' }));
  const t = await c.s.api('POST', '/tenants/acme/key-templates', { name: 'Accueil', family: 'yealink', keys: [{ position: 1, type: 'line' }, { position: 4, type: 'blf', value: '0100000003' }] });
  ok(t);
  ok(await c.s.api('PATCH', `/users/${USER.login}`, { keyTemplate: t.body.id }));
});
test.after(async () => {
  await browser?.close();
  await c?.close();
});

const text = async (page: Page) => (await page.textContent('main'))!.replace(/\s+/g, ' ');
const noSidewaysScroll = async (page: Page) => {
  const o = await overflow(page);
  assert.ok(o.scrollWidth <= o.clientWidth, JSON.stringify(o.offenders));
};
const submit = (page: Page, selector: string) => Promise.all([page.waitForLoadState('load'), page.click(selector)]);

for (const viewport of [DESKTOP, PHONE]) {
  test(`directory and key template pages at ${viewport.width} px: no sideways scroll, named controls, contrast, visible focus`, async () => {
    const { context, page, problems } = await openPage(browser, viewport);
    try {
      const r = await auditPages(page, c, 'admin', DIRECTORY_PAGES, viewport.width);
      assert.equal([...problems, ...r.problems], []);
      assert.is(r.totals.pages, DIRECTORY_PAGES.length);
    } finally {
      await context.close();
    }
  });

  test(`without JavaScript at ${viewport.width} px: shared contacts added, edited (stale form refused), imported, deleted`, async () => {
    const { context, page } = await openPage(browser, viewport, { javaScriptEnabled: false });
    const name = `Standard ${viewport.width}`;
    try {
      await loginThroughForm(page, c.s.adminUrl, ADMIN.login, ADMIN.password);
      await page.goto(`${c.s.adminUrl}/tenants/acme/directory`);
      assert.match(await text(page), 'Annuaire de l\'entreprise');
      await page.fill('#f-name', name);
      await page.fill('#f-work', '01 45 00 00 00');
      await Promise.all([page.waitForURL(/done=contact_saved/), page.click('form[action$="/directory"] button.primary')]);
      assert.match(await text(page), name);
      const id = ((await c.s.api('GET', '/tenants/acme/contacts')).body as Array<{ id: number; name: string }>).find((x) => x.name === name)!.id;

      // Edit: saved; then a form read before someone else's change is refused (409) and says so.
      await page.goto(`${c.s.adminUrl}/tenants/acme/directory/${id}/edit`);
      await page.fill('#f-group', 'Accueil');
      await Promise.all([page.waitForURL(/done=contact_saved/), page.click('main button.primary')]);
      await page.goto(`${c.s.adminUrl}/tenants/acme/directory/${id}/edit`);
      assert.is((await c.s.api('PATCH', `/tenants/acme/contacts/${id}`, { home: '0145000001' })).status, 200);
      await page.fill('#f-name', `${name} (écrasé)`);
      const [stale] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click('main button.primary')]);
      assert.is(stale.status(), 409);
      assert.match(await text(page), 'modifié entre-temps');
      assert.is((await c.s.api('GET', `/tenants/acme/contacts/${id}`)).body.name, name, 'nothing written');
      await noSidewaysScroll(page);

      // Import: the dry-run report, nothing written; confirmed: written and listed.
      await page.goto(`${c.s.adminUrl}/tenants/acme/directory/import`);
      await page.setInputFiles('#f-file', { name: 'annuaire.csv', mimeType: 'text/csv', buffer: Buffer.from(`name;work;mobile;group\r\nÉlectricien ${viewport.width};01 45 11 11 11;;Fournisseurs\r\nSans numéro;;;\r\n`, 'utf8') });
      await submit(page, 'main button.primary');
      assert.match(await text(page), `Électricien ${viewport.width}`);
      assert.not.ok(((await c.s.api('GET', '/tenants/acme/contacts')).body as Array<{ name: string }>).some((x) => x.name === `Électricien ${viewport.width}`), 'the dry run writes nothing');
      await noSidewaysScroll(page);
      await Promise.all([page.waitForURL(/done=contacts_imported/), page.click('input[name=step][value=confirm] ~ button.primary')]);
      assert.match(await text(page), `Électricien ${viewport.width}`);

      // Delete, with the version the list was read at.
      await Promise.all([page.waitForURL(/done=contact_deleted/), page.click(`form[action$="/directory/${id}/delete"] button`)]);
      assert.is((await c.s.api('GET', `/tenants/acme/contacts/${id}`)).status, 404);
      const audit = (await c.s.api('GET', '/audit?tenant=acme&action=shared_contact.')).body.entries as Array<{ action: string; channel: string }>;
      assert.ok(audit.some((e) => e.action === 'shared_contact.delete' && e.channel === 'web'));
    } finally {
      await context.close();
    }
  });

  test(`without JavaScript at ${viewport.width} px: a key template built through its form; the licence's key page shows the template's keys`, async () => {
    const { context, page } = await openPage(browser, viewport, { javaScriptEnabled: false });
    try {
      await loginThroughForm(page, c.s.adminUrl, ADMIN.login, ADMIN.password);
      await page.goto(`${c.s.adminUrl}/tenants/acme/key-templates`);
      await page.fill('#f-name', `Commercial ${viewport.width}`);
      await Promise.all([page.waitForURL(/done=template_saved/), page.click('form[action$="/key-templates"] button.primary')]);
      assert.is(await page.inputValue('#f-name'), `Commercial ${viewport.width}`);
      await page.selectOption('#type_1', 'speeddial');
      await page.fill('#value_1', '0612345678');
      await Promise.all([page.waitForURL(/done=template_saved/), page.click('main form button.primary')]);
      const tpl = ((await c.s.api('GET', '/tenants/acme/key-templates')).body as Array<{ id: number; name: string; keys: unknown[]; version: number }>).find((x) => x.name === `Commercial ${viewport.width}`)!;
      assert.is(tpl.keys.length, 1);
      assert.is(tpl.version, 2);
      await noSidewaysScroll(page);
      // Alice's licence has the "Accueil" template: her key page says which keys come from it.
      await page.goto(`${c.s.adminUrl}/users/${USER.login}/keys`);
      assert.match(await text(page), 'Accueil');
      await noSidewaysScroll(page);

      // The bulk page gives the new template to the licences of the T54W (Alice's): preview, then confirm.
      const accueil = (await c.s.api('GET', `/users/${USER.login}`)).body.keyTemplate as number;
      await page.goto(`${c.s.adminUrl}/tenants/acme/bulk`);
      await page.selectOption('#f-model', 'T54W');
      await page.check('input[name=op][value=setKeyTemplate]');
      await page.selectOption('#f-template', { label: `Commercial ${viewport.width}` });
      await submit(page, 'form[action$="/bulk"] button.primary');
      let t = await text(page);
      assert.match(t, 'Aperçu');
      assert.match(t, USER.login);
      assert.match(t, `Accueil → Commercial ${viewport.width}`);
      assert.is((await c.s.api('GET', `/users/${USER.login}`)).body.keyTemplate, accueil, 'the preview writes nothing');
      await noSidewaysScroll(page);
      await submit(page, 'input[name=step][value=confirm] ~ .actions button.primary');
      t = await text(page);
      assert.match(t, 'Modification appliquée');
      assert.is((await c.s.api('GET', `/users/${USER.login}`)).body.keyTemplate, tpl.id);
      const audit = (await c.s.api('GET', '/audit?tenant=acme&action=user.bulk')).body.entries as Array<{ channel: string }>;
      assert.is(audit[0]!.channel, 'web');
      assert.is((await c.s.api('PATCH', `/users/${USER.login}`, { keyTemplate: accueil })).status, 200);
    } finally {
      await context.close();
    }
  });
}

test.run();
