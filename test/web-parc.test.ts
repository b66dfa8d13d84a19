// The parc pages of issue 16 in Debian's chromium, at 1366 and 390 px: the firmware inventory
// (targets, versions reported by real User-Agents, the pilot group) and the bulk edit (filter →
// preview → confirm). Every page passes the cockpit's audit (no sideways scroll, named controls,
// contrast, focus); the flows work with JavaScript off, in French.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser } from 'playwright-core';
import { DESKTOP, PHONE, launchChromium, loginThroughForm, openPage, overflow } from './helpers/browser.ts';
import { ADMIN, MAC, PARC_PAGES, auditPages, phoneFetch, startCockpit, type Cockpit } from './helpers/cockpit.ts';

let c: Cockpit;
let browser: Browser;

test.before(async () => {
  c = await startCockpit();
  browser = await launchChromium();
  // Alice's T54W is the pilot: the tenant's pilot target, and the phone reports an older version.
  assert.is((await c.s.api('PATCH', `/devices/${MAC}`, { group: 'pilot' })).status, 200);
  assert.is((await c.s.api('PUT', '/tenants/acme/firmware-targets/T54W', { url: 'https://fw.example/T54W-96.86.0.110.rom', version: '96.86.0.110', group: 'pilot' })).status, 200);
  assert.is(await phoneFetch(c.s.running.phone!.httpPort, `/${MAC}.cfg`, 'Yealink SIP-T54W 96.86.0.100 80:5e:c0:12:34:01'), 200);
});
test.after(async () => {
  await browser?.close();
  await c?.close();
});

for (const viewport of [DESKTOP, PHONE]) {
  test(`firmware and bulk pages at ${viewport.width} px: no sideways scroll, named controls, contrast, visible focus`, async () => {
    const { context, page, problems } = await openPage(browser, viewport);
    try {
      const r = await auditPages(page, c, 'admin', PARC_PAGES, viewport.width);
      assert.equal([...problems, ...r.problems], []);
      assert.is(r.totals.pages, PARC_PAGES.length);
    } finally {
      await context.close();
    }
  });

  test(`without JavaScript at ${viewport.width} px: set a pilot target, then a bulk edit previewed and confirmed`, async () => {
    const { context, page } = await openPage(browser, viewport, { javaScriptEnabled: false });
    try {
      await loginThroughForm(page, c.s.adminUrl, ADMIN.login, ADMIN.password);
      await page.goto(`${c.s.adminUrl}/tenants/acme/firmware`);
      const text = async () => (await page.textContent('main'))!.replace(/\s+/g, ' ');
      let t = await text();
      assert.match(t, 'Micrologiciels du parc');
      assert.match(t, 'T54W');
      assert.match(t, '96.86.0.100');
      assert.match(t, 'groupe pilot');
      // A D785 target for the pilot group, through the form.
      await page.selectOption('#f-model', 'D785');
      await page.fill('#f-version', `10.1.54.${viewport.width}`);
      await page.fill('#f-url', `https://fw.example/snomD785-10.1.54.${viewport.width}.bin`);
      await page.fill('#f-group', 'pilot');
      await Promise.all([page.waitForURL(/done=firmware_saved/), page.click('form[action$="/firmware"] button.primary')]);
      t = await text();
      assert.match(t, 'Cible de micrologiciel enregistrée');
      assert.match(t, `10.1.54.${viewport.width}`);
      let o = await overflow(page);
      assert.ok(o.scrollWidth <= o.clientWidth, JSON.stringify(o.offenders));

      // Bulk: every T46U gets a group; preview first, nothing written; then confirm.
      await page.goto(`${c.s.adminUrl}/tenants/acme/bulk`);
      await page.selectOption('#f-model', 'T46U');
      await page.fill('#f-newGroup', `vague-${viewport.width}`);
      await Promise.all([page.waitForLoadState('load'), page.click('form[action$="/bulk"] button.primary')]);
      t = await text();
      assert.match(t, 'Aperçu');
      assert.match(t, '80:5e:c0:12:34:04');
      assert.match(t, `vague-${viewport.width}`);
      assert.is.not((await c.s.api('GET', '/devices/805ec0123404')).body.group, `vague-${viewport.width}`, 'the preview writes nothing');
      o = await overflow(page);
      assert.ok(o.scrollWidth <= o.clientWidth, JSON.stringify(o.offenders));
      await Promise.all([page.waitForLoadState('load'), page.click('input[name=step][value=confirm] ~ .actions button.primary')]);
      t = await text();
      assert.match(t, 'Modification appliquée');
      assert.match(t, '1 téléphone(s) modifié(s) sur 1');
      assert.is((await c.s.api('GET', '/devices/805ec0123404')).body.group, `vague-${viewport.width}`);
      const audit = (await c.s.api('GET', '/audit?tenant=acme&action=device.bulk')).body.entries;
      assert.is(audit[0].channel, 'web');
    } finally {
      await context.close();
    }
  });
}

test.run();
