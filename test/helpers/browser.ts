// Shared helpers for the browser tests: Debian's chromium driven by playwright-core, the two
// widths the cockpit is checked at, logging in through the form, screenshots under
// test/screenshots/ (git-ignored artefacts), and page audits measured in the real page:
// horizontal overflow, accessible names (Chromium's own accessibility tree), text contrast and
// focus visibility (test/helpers/page-audit.js).
import { mkdirSync, readFileSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
/** Flags that work on this machine (no sandbox, no GPU, nothing phoning home). */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export const DESKTOP = { width: 1366, height: 900 } as const;
export const PHONE = { width: 390, height: 844 } as const;
export const SMALL_PHONE = { width: 360, height: 740 } as const;
export const LARGE_PHONE = { width: 430, height: 932 } as const;
/** A small laptop or a tablet in landscape: the sidebar stays, tables may not fit beside it. */
export const SMALL_LAPTOP = { width: 1024, height: 768 } as const;

export const SHOTS = new URL('../screenshots/', import.meta.url).pathname;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/**
 * A fresh context (own cookies) at a given viewport, French by default. Any Content Security
 * Policy violation and any uncaught page error is recorded in `problems` for the test to assert on.
 */
export async function openPage(
  browser: Browser,
  viewport: { width: number; height: number },
  opts: { locale?: string; javaScriptEnabled?: boolean } = {},
): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport, locale: opts.locale ?? 'fr-FR', javaScriptEnabled: opts.javaScriptEnabled ?? true, isMobile: false });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  // Forms that destroy or send something ask with window.confirm: say yes, as the person would.
  page.on('dialog', (d) => void d.accept());
  return { context, page, problems };
}

/** Log in through the login form and wait for the landing page. */
export async function loginThroughForm(page: Page, base: string, login: string, password: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.fill('#f-login', login);
  await page.fill('#f-password', password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('main button[type=submit]')]);
}

/** A full-page screenshot in test/screenshots/<name>.png; returns the path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SHOTS, { recursive: true });
  const path = `${SHOTS}${name.replace(/[^\w.-]+/g, '_')}.png`;
  await page.screenshot({ path, fullPage: true });
  return path;
}

const AUDIT_SOURCE = readFileSync(new URL('./page-audit.js', import.meta.url), 'utf8');

/** Run one function of page-audit.js in the page (injected on first use). */
async function audit<T>(page: Page, call: string): Promise<T> {
  return page.evaluate(`${AUDIT_SOURCE}\n;window.__audit.${call}`) as Promise<T>;
}

export interface Overflow {
  scrollWidth: number;
  clientWidth: number;
  offenders: Array<{ where: string; left: number; right: number }>;
  scrollers: Array<{ where: string; scrollWidth: number; clientWidth: number }>;
  clipped: boolean;
}

/** Horizontal overflow: the document, elements sticking out, inner horizontal scrollers. */
export function overflow(page: Page): Promise<Overflow> {
  return audit<Overflow>(page, 'overflow()');
}

export interface ContrastFailure {
  kind: string;
  text: string;
  where: string;
  ratio: number;
  fg: string;
  bg: string;
  unknownBackground: boolean;
}

/** Every visible text (nodes, generated labels, field values, placeholders) below `minimum`. */
export function contrast(page: Page, minimum = 4.5): Promise<{ failures: ContrastFailure[]; checked: number; lowest: number }> {
  return audit(page, `contrast(${Number(minimum)})`);
}

/**
 * Focus indicator of every visible focusable element: a real Tab press first (keyboard modality,
 * so :focus-visible applies), then each element is focused in turn and compared with its look
 * before. Also fails when the focused element is painted over (sticky bars).
 */
export async function focusProblems(page: Page): Promise<{ failures: Array<{ where: string; problem: string }>; checked: number }> {
  await audit<number>(page, 'focusBaseline()');
  await page.keyboard.press('Tab');
  const r = await audit<{ failures: Array<{ where: string; problem: string }>; checked: number }>(page, 'focusCheck()');
  await page.evaluate('window.scrollTo(0, 0)');
  return r;
}

interface AXValueSource {
  type: string;
  attribute?: string;
  value?: { value?: unknown };
  superseded?: boolean;
  nativeSource?: string;
}
interface AXNode {
  ignored: boolean;
  backendDOMNodeId?: number;
  role?: { value?: string };
  name?: { value?: string; sources?: AXValueSource[] };
}

/** Roles of form fields: they must be named by a label, aria-label or aria-labelledby. */
const FIELD_ROLES = new Set(['textbox', 'searchbox', 'combobox', 'listbox', 'spinbutton', 'checkbox', 'radio', 'slider', 'switch']);
/** Roles of other controls: any non-empty name will do (their text, usually). */
const CONTROL_ROLES = new Set(['button', 'link', 'DisclosureTriangle', 'menuitem', 'tab']);

/**
 * Controls without an accessible name, as Chromium computes it (its accessibility tree): every
 * rendered field, button, link and summary. Fields must be named by a label or aria-label /
 * aria-labelledby; a placeholder or a title alone does not count.
 */
export async function unnamedControls(page: Page): Promise<{ failures: string[]; checked: number }> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as unknown as { nodes: AXNode[] };
    const failures: string[] = [];
    let checked = 0;
    const html = async (ax: AXNode) => {
      if (ax.backendDOMNodeId === undefined) return '?';
      const { outerHTML } = await cdp.send('DOM.getOuterHTML', { backendNodeId: ax.backendDOMNodeId });
      return outerHTML.slice(0, 160).replace(/\s+/g, ' ');
    };
    for (const ax of nodes) {
      const role = ax.role?.value ?? '';
      if (ax.ignored || !(FIELD_ROLES.has(role) || CONTROL_ROLES.has(role))) continue;
      checked++;
      const name = String(ax.name?.value ?? '').trim();
      if (!name) {
        failures.push(`${role} without a name: ${await html(ax)}`);
        continue;
      }
      if (FIELD_ROLES.has(role)) {
        const used = (ax.name?.sources ?? []).find((src) => src.value !== undefined && String(src.value.value ?? '').trim() && !src.superseded);
        const labelled = used && (used.type === 'relatedElement' || used.attribute === 'aria-label' || used.attribute === 'aria-labelledby');
        if (!labelled) failures.push(`field named only by ${used?.attribute ?? used?.type ?? 'nothing'} ("${name}"): ${await html(ax)}`);
      }
    }
    return { failures, checked };
  } finally {
    await cdp.detach();
  }
}

/** Text of the main menu as shown (for checks on what it offers). */
export function menuText(page: Page): Promise<string> {
  return page.evaluate(`[...document.querySelectorAll('.sidebar nav a')].map((a) => a.textContent.trim()).join(' | ')`) as Promise<string>;
}

export interface AuditResult {
  problems: string[];
  counts: { controls: number; texts: number; focusables: number };
}

/**
 * Every check on the page as it is now, after a screenshot named `shotName`: no sideways scroll
 * (document or inner scroller, and no overflow:hidden on html/body to mask it), named controls,
 * contrast ≥ 4.5:1, a visible focus indicator that nothing covers. One line per problem.
 */
export async function auditPage(page: Page, label: string, shotName: string): Promise<AuditResult> {
  const problems: string[] = [];
  await screenshot(page, shotName);
  const o = await overflow(page);
  if (o.scrollWidth > o.clientWidth) problems.push(`${label}: page is ${o.scrollWidth} px wide in ${o.clientWidth} px (${o.offenders.map((x) => `${x.where} → ${x.right}`).join('; ')})`);
  if (o.clipped) problems.push(`${label}: overflow hidden on html/body masks horizontal overflow`);
  for (const sc of o.scrollers) problems.push(`${label}: ${sc.where} scrolls sideways (${sc.scrollWidth} in ${sc.clientWidth})`);
  const names = await unnamedControls(page);
  for (const f of names.failures) problems.push(`${label}: ${f}`);
  const c = await contrast(page, 4.5);
  for (const f of c.failures) problems.push(`${label}: contrast ${f.ratio} (${f.fg} on ${f.bg}${f.unknownBackground ? ', background image' : ''}) for ${f.kind} "${f.text}" at ${f.where}`);
  const focus = await focusProblems(page);
  for (const f of focus.failures) problems.push(`${label}: focus: ${f.problem} at ${f.where}`);
  return { problems, counts: { controls: names.checked, texts: c.checked, focusables: focus.checked } };
}
