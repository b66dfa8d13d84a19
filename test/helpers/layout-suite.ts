// One role's pages in the browser at 1366 and 390 px (every check of auditPage), and at 360 px in
// French, 430 px in English and 1024 px (no sideways scroll, no table scrolling inside its card).
// Each role runs in its own test file so the files run in parallel and each stays well inside the
// per-file time limit; a file may also audit a set of pages of several roles (the account pages).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser } from 'playwright-core';
import { DESKTOP, LARGE_PHONE, PHONE, SMALL_LAPTOP, SMALL_PHONE, launchChromium, loginThroughForm, openPage, overflow } from './browser.ts';
import { ACCOUNTS, ROLE_PAGES, auditPages, openSpec, startCockpit, type Cockpit, type PageSpec, type Role } from './cockpit.ts';

/** Audit `pagesOf` (by default all of ROLE_PAGES for `role`), each role logged in on its own. */
export function roleLayoutSuite(role: Role, pagesOf: Partial<Record<Role, PageSpec[]>> = { [role]: ROLE_PAGES[role] }): void {
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

  for (const [who, pages] of Object.entries(pagesOf) as Array<[Role, PageSpec[]]>) {
    const totals = { pages: 0, controls: 0, texts: 0, focusables: 0 };
    for (const viewport of [DESKTOP, PHONE]) {
      test(`${who}: every page at ${viewport.width} px — no sideways scroll, named controls, contrast ≥ 4.5:1, visible and uncovered focus`, async () => {
        const { context, page, problems } = await openPage(browser, viewport);
        try {
          const r = await auditPages(page, c, who, pages, viewport.width);
          for (const k of Object.keys(totals) as Array<keyof typeof totals>) totals[k] += r.totals[k];
          assert.equal([...problems, ...r.problems], []);
        } finally {
          await context.close();
        }
      });
    }

    test(`${who}: no page scrolls sideways, nor any table inside its card, at 360 px (French), 430 px (English) and 1024 px either`, async () => {
      const problems: string[] = [];
      for (const [viewport, locale] of [[SMALL_PHONE, 'fr-FR'], [LARGE_PHONE, 'en-GB'], [SMALL_LAPTOP, 'fr-FR']] as const) {
        const { context, page } = await openPage(browser, viewport, { locale });
        await loginThroughForm(page, c.s.adminUrl, ACCOUNTS[who].login, ACCOUNTS[who].password);
        for (const spec of pages) {
          await openSpec(page, c, spec);
          const o = await overflow(page);
          if (o.scrollWidth > o.clientWidth || o.scrollers.length) problems.push(`${who}/${spec.name}@${viewport.width}/${locale}: ${o.scrollWidth} px in ${o.clientWidth}; ${JSON.stringify(o.offenders)} ${JSON.stringify(o.scrollers)}`);
        }
        await context.close();
      }
      assert.equal(problems, []);
    });

    test(`${who}: the audits looked at something`, () => {
      console.log(`${who}: ${totals.pages} page views, ${totals.controls} controls named, ${totals.texts} texts measured, ${totals.focusables} focus indicators`);
      assert.is(totals.pages, 2 * pages.length);
      assert.ok(totals.controls >= 5 * totals.pages && totals.texts >= 5 * totals.pages && totals.focusables >= 5 * totals.pages);
    });
  }

  test.run();
}
