// A seeded cockpit for browser tests: two tenants with admins and users, phones of the three
// vendors (one already seen by the phone listener), an unknown phone, personal contacts and
// function keys, an operator with a password; and the list of pages each role can open — plain
// paths, or the steps that lead to a page (an import report, a resync job, a form with an error).
// The web-layout tests audit every one of them; later browser tests can reuse the same fixture.
import { request } from 'node:http';
import type { Page } from 'playwright-core';
import { startTestServer, seedTwoTenants, type TestServer } from './server.ts';
import { createOperator } from '../../server/cli/operator.ts';
import { features } from '../../server/features.ts';
import { auditPage, loginThroughForm, type AuditResult } from './browser.ts';

export const OPERATOR = { login: 'noc', password: 'pw-noc-operator' };
export const ADMIN = { login: '0100000001', password: 'pw-0100000001' };
export const USER = { login: '0100000002', password: 'pw-0100000002' };
/** Alice's T54W. */
export const MAC = '805ec0123401';
/** The admin's Snom, which has fetched its file once. */
export const SEEN_MAC = '000413123403';

export type Role = 'operator' | 'admin' | 'user';
export const ACCOUNTS: Record<Role, { login: string; password: string }> = { operator: OPERATOR, admin: ADMIN, user: USER };

export interface Cockpit {
  s: TestServer;
  /** Id of one of Alice's contacts. */
  contactId: string;
  close(): Promise<void>;
}

/** A phone asking for its file on the phone listener (records a sighting; unknown MACs get listed). */
export function phoneFetch(port: number, path: string, ua: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { 'user-agent': ua } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

export async function startCockpit(): Promise<Cockpit> {
  const s = await startTestServer({ features, env: { CADRAN_LOG_LEVEL: 'silent' } });
  const tokens = await seedTwoTenants(s);
  await createOperator(s.app, OPERATOR.login, OPERATOR.password);
  const ok = (r: { status: number; body: unknown }, what: string) => {
    if (r.status >= 300) throw new Error(`seeding ${what}: ${r.status} ${JSON.stringify(r.body)}`);
  };
  // A long label and long names: the layouts must wrap them, not scroll.
  ok(await s.api('POST', '/devices', { mac: '80:5E:C0:12:34:01', model: 'T54W', tenant: 'acme', user: USER.login, label: 'Accueil — poste principal du rez-de-chaussée' }), 'T54W');
  ok(await s.api('POST', '/devices', { mac: '00:04:F2:12:34:02', model: 'VVX450', tenant: 'acme', user: '0100000003' }), 'VVX450');
  ok(await s.api('POST', '/devices', { mac: '00:04:13:12:34:03', model: 'D785', tenant: 'acme', user: ADMIN.login }), 'D785');
  ok(await s.api('POST', '/devices', { mac: '80:5E:C0:12:34:04', model: 'T46U', tenant: 'acme' }), 'T46U');
  ok(await s.api('PUT', `/users/${USER.login}/keys`, [
    { position: 1, type: 'line' },
    { position: 2, type: 'blf', value: '0100000003', label: 'Bob Durand' },
    { position: 3, type: 'speeddial', value: '0612345678', label: 'Mobile perso' },
  ]), 'keys');
  const contacts = [
    { name: 'Jeanne Martin-Delacroix de la Fontaine', work: '0145678901', mobile: '0612345678', group: 'Clients grands comptes' },
    { name: 'Paul Léger', mobile: '+33612345678', group: 'Fournisseurs' },
    { name: 'Zoé', home: '0478123456' },
  ];
  let contactId = '';
  for (const c of contacts) {
    const r = await s.api('POST', `/users/${USER.login}/contacts`, c, tokens[USER.login]);
    ok(r, 'contact');
    contactId ||= String(r.body.id);
  }
  // The phone listener sees the admin's Snom and an unknown Yealink.
  const phone = s.running.phone!;
  await phoneFetch(phone.httpPort, `/${SEEN_MAC}.xml`, `Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 2010.12-00004-g9ba52f5 ${SEEN_MAC} SXM:0 UXM:0)`);
  await phoneFetch(phone.httpPort, '/805ec0aabbcc.cfg', 'Yealink SIP-T54W 96.86.0.100 80:5e:c0:aa:bb:cc');
  return { s, contactId, close: () => s.close() };
}

export interface PageSpec {
  name: string;
  /** Path to open (a function when it depends on what the setup created), or steps that lead to the page. */
  go: string | { path: (c: Cockpit) => string } | ((page: Page, c: Cockpit) => Promise<void>);
}

const CSV_DEVICES = 'mac;model;tenant;user;label\r\n80:5E:C0:12:34:10;T54W;acme;0100000003;Salle de réunion\r\n80:5E:C0:12:34:11;T99X;acme;;Modèle inconnu\r\n';
const CSV_CONTACTS = 'name;work;mobile;group\r\nJeanne Martin;01 45 67 89 01;;Clients\r\nSans Numéro;;;\r\n';

/** Upload a CSV on an import page and wait for the dry-run report. */
const upload = (path: string, file: string, name: string) => async (page: Page, c: Cockpit) => {
  await page.goto(c.s.adminUrl + path);
  await page.setInputFiles('#f-file', { name, mimeType: 'text/csv', buffer: Buffer.from(file, 'utf8') });
  await Promise.all([page.waitForSelector('.stats'), page.click('main button.primary')]);
};
/** Press a resync button and wait for the job page (confirmation dialogs are accepted by openPage). */
const resyncFrom = (path: string, button: string) => async (page: Page, c: Cockpit) => {
  await page.goto(c.s.adminUrl + path);
  await Promise.all([page.waitForURL(/\/resync-jobs\//), page.click(button)]);
  await page.waitForSelector('#job');
};

export const PUBLIC_PAGES: PageSpec[] = [
  { name: 'login', go: '/login' },
  { name: 'login-error', go: async (page, c) => {
    await page.goto(`${c.s.adminUrl}/login`);
    await page.fill('#f-login', USER.login);
    await page.fill('#f-password', 'wrong-password');
    await Promise.all([page.waitForLoadState('load'), page.click('main button[type=submit]')]);
  } },
  { name: 'forgot', go: '/password/forgot' },
  { name: 'reset-expired', go: '/password/reset/0123456789abcdef' },
  { name: 'not-found', go: '/nowhere' },
];

const ownPages = (n: string): PageSpec[] => [
  { name: 'phone', go: `/users/${n}/phone` },
  { name: 'line', go: `/users/${n}/line` },
  { name: 'keys', go: `/users/${n}/keys` },
  { name: 'contacts', go: `/users/${n}/contacts` },
  { name: 'contacts-nomatch', go: `/users/${n}/contacts?q=zzzz` },
  { name: 'contact-new', go: `/users/${n}/contacts/new` },
  { name: 'contacts-import', go: `/users/${n}/contacts/import` },
];

export const ROLE_PAGES: Record<Role, PageSpec[]> = {
  user: [
    ...ownPages(USER.login),
    { name: 'contact-edit', go: { path: (c) => `/users/${USER.login}/contacts/${c.contactId}/edit` } },
    { name: 'contact-error', go: async (page, c) => {
      await page.goto(`${c.s.adminUrl}/users/${USER.login}/contacts/new`);
      await page.fill('#f-work', 'pas un numéro');
      await Promise.all([page.waitForLoadState('load'), page.click('main button.primary')]);
    } },
    { name: 'contacts-import-report', go: upload(`/users/${USER.login}/contacts/import`, CSV_CONTACTS, 'contacts.csv') },
    { name: 'resync-job', go: resyncFrom(`/users/${USER.login}/phone`, 'main form.actions button.primary') },
    { name: 'line-error', go: async (page, c) => {
      await page.goto(`${c.s.adminUrl}/users/${USER.login}/line`);
      await page.check('input[name=forward]');
      await page.fill('#f-target', 'chez moi');
      await page.fill('#f-blacklist', '0899123456\nabc');
      await Promise.all([page.waitForLoadState('load'), page.click('main button.primary')]);
    } },
    { name: 'forbidden', go: '/tenants/acme/users' },
  ],
  admin: [
    ...ownPages(ADMIN.login),
    { name: 'licences', go: '/tenants/acme/users' },
    { name: 'licence', go: `/tenants/acme/users/${USER.login}` },
    { name: 'devices', go: '/tenants/acme/devices' },
    { name: 'health', go: '/tenants/acme/health' },
    { name: 'device', go: `/devices/${MAC}` },
    { name: 'device-seen', go: `/devices/${SEEN_MAC}` },
    { name: 'device-files', go: `/devices/${MAC}/files` },
    { name: 'device-files-seen', go: `/devices/${SEEN_MAC}/files` },
    { name: 'network', go: '/tenants/acme/network' },
    { name: 'network-error', go: async (page, c) => {
      await page.goto(`${c.s.adminUrl}/tenants/acme/network`);
      await page.fill('#f-vlanId', '5000');
      await Promise.all([page.waitForLoadState('load'), page.click('form[action$="/network"] button.primary')]);
    } },
    { name: 'user-keys', go: `/users/${USER.login}/keys` },
    { name: 'user-line', go: `/users/${USER.login}/line` },
    { name: 'resync-job', go: resyncFrom(`/devices/${MAC}`, 'main .device-head button.primary') },
  ],
  operator: [
    { name: 'tenants', go: '/ops/tenants' },
    { name: 'unknown', go: '/ops/unknown' },
    { name: 'import', go: '/ops/import' },
    { name: 'import-report', go: upload('/ops/import', CSV_DEVICES, 'macs.csv') },
    { name: 'licences', go: '/tenants/acme/users' },
    { name: 'licence', go: `/tenants/acme/users/${ADMIN.login}` },
    { name: 'devices', go: '/tenants/acme/devices' },
    { name: 'health', go: '/tenants/acme/health' },
    { name: 'device', go: `/devices/${MAC}` },
    { name: 'network', go: '/tenants/acme/network' },
    { name: 'security', go: '/tenants/acme/security' },
    { name: 'user-phone', go: `/users/${USER.login}/phone` },
    { name: 'user-keys', go: `/users/${USER.login}/keys` },
    { name: 'user-line', go: `/users/${USER.login}/line` },
    { name: 'resync-job', go: resyncFrom('/tenants/acme/devices', 'main .toolbar button.primary') },
  ],
};

/** The parc pages of issue 16 (firmware inventory, bulk edit), admin role: with an error, a preview and a result. */
export const PARC_PAGES: PageSpec[] = [
  { name: 'firmware', go: '/tenants/acme/firmware' },
  { name: 'firmware-error', go: async (page, c) => {
    await page.goto(`${c.s.adminUrl}/tenants/acme/firmware`);
    await page.fill('#f-url', 'pas une adresse');
    await page.fill('#f-version', 'v 1');
    await Promise.all([page.waitForLoadState('load'), page.click('form[action$="/firmware"] button.primary')]);
  } },
  { name: 'bulk', go: '/tenants/acme/bulk' },
  { name: 'bulk-preview', go: async (page, c) => {
    await page.goto(`${c.s.adminUrl}/tenants/acme/bulk`);
    await page.fill('#f-newGroup', 'vague-2');
    await Promise.all([page.waitForLoadState('load'), page.click('form[action$="/bulk"] button.primary')]);
  } },
  { name: 'bulk-error', go: async (page, c) => {
    await page.goto(`${c.s.adminUrl}/tenants/acme/bulk`);
    await page.check('input[name=op][value=setProfileField]');
    await page.fill('#f-profileValue', '99999');
    await Promise.all([page.waitForLoadState('load'), page.click('form[action$="/bulk"] button.primary')]);
  } },
];

/** The first shared contact / key template of acme (the directory test seeds them). */
const firstOf = async (c: Cockpit, what: 'contacts' | 'key-templates'): Promise<number> => (await c.s.api('GET', `/tenants/acme/${what}`)).body[0].id;

/** The company directory and key template pages of issue 16, admin role: lists, edits, an import report, errors. */
export const DIRECTORY_PAGES: PageSpec[] = [
  { name: 'directory', go: '/tenants/acme/directory' },
  { name: 'directory-error', go: async (page, c) => {
    await page.goto(`${c.s.adminUrl}/tenants/acme/directory`);
    await page.fill('#f-work', 'pas un numéro');
    await Promise.all([page.waitForLoadState('load'), page.click('form[action$="/directory"] button.primary')]);
  } },
  { name: 'directory-edit', go: async (page, c) => page.goto(`${c.s.adminUrl}/tenants/acme/directory/${await firstOf(c, 'contacts')}/edit`).then(() => undefined) },
  { name: 'directory-import', go: '/tenants/acme/directory/import' },
  { name: 'directory-import-report', go: upload('/tenants/acme/directory/import', CSV_CONTACTS, 'annuaire.csv') },
  { name: 'key-templates', go: '/tenants/acme/key-templates' },
  { name: 'key-template', go: async (page, c) => page.goto(`${c.s.adminUrl}/tenants/acme/key-templates/${await firstOf(c, 'key-templates')}`).then(() => undefined) },
  { name: 'user-keys-template', go: `/users/${USER.login}/keys` },
  { name: 'bulk-licences-preview', go: async (page, c) => {
    await page.goto(`${c.s.adminUrl}/tenants/acme/bulk`);
    await page.check('input[name=op][value=setKeyTemplate]');
    await Promise.all([page.waitForLoadState('load'), page.click('form[action$="/bulk"] button.primary')]);
  } },
];

/** The account pages of issue 17 (own password, licence and phone creation / deletion), audited in their own file. */
export const ACCOUNT_PAGES: Record<Role, PageSpec[]> = {
  user: [
    { name: 'account', go: '/account' },
    { name: 'account-error', go: async (page, c) => {
      await page.goto(`${c.s.adminUrl}/account`);
      await page.fill('#f-current', 'pas-le-bon');
      await page.fill('#f-password', 'nouveau-secret-1');
      await page.fill('#f-confirm', 'autre-chose');
      await Promise.all([page.waitForLoadState('load'), page.click('main button.primary')]);
    } },
  ],
  admin: [
    { name: 'account', go: '/account' },
    { name: 'licence-new', go: '/tenants/acme/users/new' },
    { name: 'licence-new-error', go: async (page, c) => {
      await page.goto(`${c.s.adminUrl}/tenants/acme/users/new`);
      await page.fill('#f-number', '12');
      await page.fill('#f-email', 'pas-un-mail');
      await Promise.all([page.waitForLoadState('load'), page.click('main button.primary')]);
    } },
    { name: 'licence-delete', go: `/tenants/acme/users/${USER.login}/delete` },
    { name: 'device-new', go: '/tenants/acme/devices/new' },
    { name: 'device-delete', go: `/devices/${MAC}/delete` },
    // Adding to a user's address book without reading it (issue 17).
    { name: 'contact-deposit', go: `/users/${USER.login}/contacts/new` },
    { name: 'contacts-deposit-import', go: `/users/${USER.login}/contacts/import` },
    { name: 'contacts-deposit-report', go: upload(`/users/${USER.login}/contacts/import`, CSV_CONTACTS, 'contacts.csv') },
  ],
  operator: [
    { name: 'account', go: '/account' },
    { name: 'licence-new', go: '/tenants/acme/users/new' },
    { name: 'device-new', go: '/tenants/acme/devices/new' },
    { name: 'contact-deposit', go: `/users/${USER.login}/contacts/new` },
  ],
};

/** Open the page a spec describes and wait until it has loaded. */
export async function openSpec(page: Page, c: Cockpit, spec: PageSpec): Promise<void> {
  const go = spec.go;
  if (typeof go === 'string') await page.goto(c.s.adminUrl + go);
  else if (typeof go === 'function') await go(page, c);
  else await page.goto(c.s.adminUrl + go.path(c));
  await page.waitForLoadState('load');
}

/** Log in as `role` (unless public), then open and audit each page; screenshots `<prefix>-<page>-<width>`. */
export async function auditPages(page: Page, c: Cockpit, role: Role | 'public', pages: PageSpec[], width: number): Promise<{ problems: string[]; totals: AuditResult['counts'] & { pages: number } }> {
  if (role !== 'public') await loginThroughForm(page, c.s.adminUrl, ACCOUNTS[role].login, ACCOUNTS[role].password);
  const problems: string[] = [];
  const totals = { pages: 0, controls: 0, texts: 0, focusables: 0 };
  for (const spec of pages) {
    await openSpec(page, c, spec);
    const r = await auditPage(page, `${role}/${spec.name}@${width}`, `${role}-${spec.name}-${width}`);
    problems.push(...r.problems);
    totals.pages++;
    totals.controls += r.counts.controls;
    totals.texts += r.counts.texts;
    totals.focusables += r.counts.focusables;
  }
  return { problems, totals };
}
