// French first: every cockpit page, for each role and in its error states (validation errors on
// each form, a rejected import, failed resyncs of every kind, 404/403/CSRF/500 pages), rendered in
// French, shows no English: no English catalogue text that differs from its French one, and no
// common English error words. The REST API's errors, in French (the default), carry no English
// sentence either.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer, seedTwoTenants, type TestServer } from './helpers/server.ts';
import { WebClient, htmlText, type WebAnswer } from './helpers/web-client.ts';
import { importsFeature, makeWebFeature, resyncFeature, webFeature } from '../server/features.ts';
import { createOperator } from '../server/cli/operator.ts';
import { PasswordResets } from '../server/service/password-reset.ts';
import { catalogues } from '../server/i18n/catalogue.ts';
import type { ResyncTarget } from '../server/domain/resync.ts';

// ---- what counts as English on a French page

/** Words of English error messages (none is a French word). */
const ENGLISH_WORDS = [
  'the', 'is', 'are', 'was', 'and', 'of', 'with', 'to', 'must', 'should', 'cannot', 'invalid', 'required', 'unknown', 'error', 'errors',
  'failed', 'failure', 'not', 'found', 'does', 'already', 'expected', 'rejected', 'missing', 'wrong', 'allowed', 'please', 'empty',
  'exist', 'exists', 'belongs', 'another', 'characters', 'digits', 'line', 'value', 'values', 'only', 'may', 'try', 'again', 'later',
  'refused', 'forbidden', 'denied', 'too', 'many', 'file', 'phone', 'answer', 'never', 'seen', 'busy', 'timeout', 'here', 'subscription',
];
const englishWord = new RegExp(`(?<![\\p{L}\\p{N}_])(${ENGLISH_WORDS.join('|')})(?![\\p{L}\\p{N}_])`, 'iu');

/** Pieces of English catalogue texts that differ from the French ones (placeholders cut out). */
const frenchTexts = Object.values(catalogues.fr).join('\n');
const englishPieces = [
  ...new Set(
    Object.entries(catalogues.en)
      .filter(([k, en]) => en !== catalogues.fr[k])
      .flatMap(([, en]) => en.split(/\{\w+\}/))
      .map((p) => p.trim().replace(/^[\s,.;:()«»"'!?…-]+|[\s,.;:()«»"'!?…-]+$/g, ''))
      .filter((p) => /\p{L}/u.test(p) && (p.includes(' ') || p.length >= 4))
      // The same words in both catalogues (technical terms: CSV UTF-8, Bearer, SIP…) are not English.
      .filter((p) => !frenchTexts.includes(p)),
  ),
];

/** What a person reads on the page: text, titles, placeholders, labels, confirmation prompts. */
function visibleText(html: string): string {
  const body = html.replace(/<script[\s\S]*?<\/script>/gi, ' ').replace(/<style[\s\S]*?<\/style>/gi, ' ');
  const attrs = [...body.matchAll(/\s(?:placeholder|title|aria-label|alt|data-confirm|label)="([^"]*)"/g)].map((m) => m[1]!);
  return htmlText([body.replace(/<[^>]+>/g, ' '), ...attrs].join(' ')).replace(/\s+/g, ' ');
}

function englishIn(text: string): string[] {
  const found: string[] = [];
  const word = englishWord.exec(text);
  if (word) found.push(`word "${word[1]}" in "…${text.slice(Math.max(0, word.index - 60), word.index + 60)}…"`);
  for (const piece of englishPieces) {
    const hit = piece.includes(' ') ? text.includes(piece) : new RegExp(`(?<![\\p{L}\\p{N}])${piece.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\p{L}\\p{N}])`, 'u').test(text);
    if (hit) found.push(`English catalogue text "${piece}"`);
  }
  return found;
}

// ---- the pages

let s: TestServer;
let broken: TestServer;
/** Alice's API token: her contacts are hers alone. */
let aliceToken: string;
const pages: Array<{ what: string; status: number; text: string }> = [];
const problems: string[] = [];

/** Keep a page for the checks; `expect` is its status (errors are part of what is checked). */
function seen(what: string, r: WebAnswer, expect: number): WebAnswer {
  assert.is(r.status, expect, `${what}: status ${r.status}`);
  const text = visibleText(r.html);
  pages.push({ what, status: r.status, text });
  for (const p of englishIn(text)) problems.push(`${what}: ${p}`);
  return r;
}

const as = async (login: string, password = `pw-${login}`) => {
  const c = new WebClient(s.adminUrl, 'fr');
  assert.is((await c.login(login, password)).status, 303, `login of ${login}`);
  return c;
};

const ALICE = '0100000002';
const ALICE_MAC = '805ec0123401';
const BAD_DEVICES = [
  'mac;vendor;model;tenant;user;label',
  'pas-une-mac;;T54W;acme;;',
  ';;T54W;acme;;',
  '80:5e:c0:00:00:04;;T54W;acme;;A',
  '80:5e:c0:00:00:04;;T54W;acme;;B',
  '80:5e:c0:99:00:01;;T54W;acme;;',
  '80:5e:c0:00:00:09;;T99X;acme;;',
  '80:5e:c0:00:00:0a;Téléphones Dupont;T54W;acme;;',
  '80:5e:c0:00:00:0b;Snom;T54W;acme;;',
  '00:04:13:00:00:0c;;T54W;acme;;',
  '80:5e:c0:00:00:0d;;T54W;acme;0199999999;',
  '80:5e:c0:00:00:0e;;T54W;acme;0200000002;',
  '80:5e:c0:00:00:0f;;T54W;acme;100000002;',
  '80:5e:c0:00:00:11;;;acme;;',
  '80:5e:c0:00:00:12;;T54W;;;',
  '80:5e:c0:00:00:13;;T54W;inconnu;;',
  '80:5e:c0:00:00:14;;T54W;acme;;"tab\there"',
  '80:5e:c0:00:00:15;;T54W;acme;;x;oups',
  '80:5e:c0:00:00:16;;T54W;acme;0100000002;Bien',
].join('\r\n');
const BAD_CONTACTS = [
  'Nom complet;Travail;Portable;Domicile;Groupe',
  'Jeanne Bon;01 02 03 04 05;;;',
  'Mauvais Numéro;01-02-AB;;;',
  ';0102030405;;;',
  'Sans Numéro;;;;',
  `${'N'.repeat(81)};0102030405;;;`,
  'jeanne bon;0102030405;;;Autre',
  'Jeanne Bon;0102030405;;;',
  'Trop;0102030405;;;;x',
].join('\n');

test.before(async () => {
  // Mail configured (a port nobody listens on: sending fails in the background, the page does not
  // change), so the forgotten-password form is the one people see, not "not configured".
  s = await startTestServer({
    features: [webFeature, importsFeature, resyncFeature],
    env: { CADRAN_SMTP_HOST: '127.0.0.1', CADRAN_SMTP_PORT: '9', CADRAN_ADMIN_PUBLIC_URL: 'https://cockpit.operator.example' },
  });
  const tokens = await seedTwoTenants(s);
  aliceToken = tokens[ALICE]!;
  const ok = async (p: ReturnType<TestServer['api']>) => {
    const r = await p;
    if (r.status >= 300) throw new Error(`setup: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  await ok(s.api('POST', '/devices', { mac: ALICE_MAC, model: 'T54W', tenant: 'acme', user: ALICE }));
  await ok(s.api('POST', '/devices', { mac: '805ec0123402', model: 'T54W', tenant: 'acme', user: '0100000003' }));
  await ok(s.api('POST', '/devices', { mac: '805ec0990001', model: 'T54W', tenant: 'globex', user: '0200000002' }));
  await ok(s.api('POST', `/users/${ALICE}/contacts`, { name: 'Élodie Lefèvre', mobile: '0698765432', group: 'Amis' }, tokens[ALICE]));
  await s.app.store.unknownDevices.record([{ mac: '805ec0aabbcc', vendor: 'yealink', model: 'T54W', ip: '192.0.2.7', userAgent: 'Yealink SIP-T54W', lastSeen: new Date().toISOString(), hits: 3 }]);
  await createOperator(s.app, 'opsweb', 'operator-password');
  broken = await startTestServer({
    features: [
      makeWebFeature({
        resyncJob: async () => {
          throw new Error('a bug in a page');
        },
      }),
    ],
  });
  await seedTwoTenants(broken);
});

test.after(async () => {
  await s.close();
  await broken.close();
});

/** A resync job with every kind of outcome, as the engine and earlier versions stored them. */
async function jobOfEveryOutcome(): Promise<string> {
  const jobId = 'job-every-outcome';
  const mac = (i: number) => `805ec0f000${String(i).padStart(2, '0')}`;
  const target = (i: number): ResyncTarget => ({
    jobId, deviceMac: mac(i), tenantId: 'acme', event: 'check-sync', target: { host: '192.0.2.10', port: 5060 }, requestUri: 'sip:0100000002@192.0.2.10:5060', fromDomain: 'sip.acme.example',
  });
  const sent = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  await s.app.store.resync.createJob(
    { jobId, tenantId: 'acme', scope: { kind: 'tenant', id: 'acme' }, reboot: false, requestedBy: 'admin:0100000001', createdAt: Date.now() },
    sent.map(target),
    [
      { deviceMac: mac(20), tenantId: 'acme', reason: 'never_seen' },
      { deviceMac: mac(21), tenantId: 'acme', reason: 'no_line' },
      { deviceMac: mac(22), tenantId: 'acme', reason: 'unknown_vendor' },
    ],
  );
  const at = Date.now();
  const set = (i: number, state: Parameters<typeof s.app.store.resync.setTargetState>[2], detail: { code?: number; reason?: string } = {}) =>
    s.app.store.resync.setTargetState(jobId, mac(i), state, { at, ...detail });
  await set(1, 'answered', { code: 200, reason: 'OK' });
  await set(2, 'fetched', { code: 200, reason: 'OK' });
  await set(3, 'failed', { code: 486, reason: 'Busy Here' });
  await set(4, 'failed', { code: 481, reason: 'Subscription does not exist' });
  await set(5, 'failed', { code: 401, reason: 'Unauthorized' });
  await set(6, 'failed', { code: 404, reason: 'Not Found' });
  await set(7, 'failed', { code: 489, reason: 'Bad Event' });
  await set(8, 'failed', { code: 503, reason: 'Service Unavailable' });
  await set(9, 'timeout', { reason: 'timeout' });
  await set(10, 'failed', { reason: 'transport_error' });
  // Written in English by an earlier version, before reasons were codes.
  await set(11, 'timeout', { reason: 'no final answer (Timer F)' });
  await set(12, 'sent');
  return jobId;
}

test('anonymous pages, their errors, and the error pages', async () => {
  const c = new WebClient(s.adminUrl, 'fr');
  seen('login', await c.get('/login'), 200);
  seen('login, nothing typed', await c.post('/login', { login: '', password: '' }), 422);
  seen('login, wrong password', await c.post('/login', { login: ALICE, password: 'faux' }), 401);
  seen('forgotten password', await c.get('/password/forgot'), 200);
  seen('forgotten password, bad number', await c.post('/password/forgot', { number: 'abc' }), 422);
  seen('forgotten password, sent', await c.post('/password/forgot', { number: ALICE }), 200);
  seen('reset link expired', await c.get('/password/reset/no-such-token'), 410);
  const token = (await new PasswordResets(s.app.store).issue(ALICE))!;
  seen('reset page', await c.get(`/password/reset/${token}`), 200);
  seen('reset, passwords differ', await c.post(`/password/reset/${token}`, { password: 'un-mot-de-passe', confirm: 'un-autre' }), 422);
  seen('reset, password too short', await c.post(`/password/reset/${token}`, { password: 'court', confirm: 'court' }), 422);
  seen('404 page', await c.get('/pas/de/page/ici'), 404);
  seen('CSRF page', await c.post('/login', { login: ALICE, password: 'x' }, { csrf: false }), 403);
  const b = new WebClient(broken.adminUrl, 'fr');
  assert.is((await b.login('0100000001', 'pw-0100000001')).status, 303);
  seen('500 page', await b.get('/resync-jobs/anything'), 500);
  const o = await as('opsweb', 'operator-password');
  await o.get('/ops/unknown');
  seen('422 page (a malformed MAC in the address)', await o.post('/ops/unknown/pas-une-mac/claim', { tenant: 'acme', model: 'T54W' }), 422);
});

test('a user: phone, keys, contacts, contacts import, resync, and every error', async () => {
  const c = await as(ALICE);
  const u = `/users/${ALICE}`;
  seen('my phone', await c.get(`${u}/phone`), 200);
  seen('keys', await c.get(`${u}/keys`), 200);
  seen('keys, errors', await c.post(`${u}/keys`, { type_1: 'line', value_1: '0612345678', type_2: 'blf', value_2: '0200000002', type_3: 'blf', value_3: ALICE, type_4: 'blf', type_5: 'speeddial', value_5: 'abc', type_6: 'speeddial', label_6: 'Taxi\u0007' }), 422);
  seen('contacts', await c.get(`${u}/contacts`), 200);
  seen('contacts, no match', await c.get(`${u}/contacts?q=zzz`), 200);
  seen('new contact', await c.get(`${u}/contacts/new`), 200);
  seen('new contact, no number', await c.post(`${u}/contacts/new`, { name: 'Sans numéro' }), 422);
  seen('new contact, bad numbers and name', await c.post(`${u}/contacts/new`, { name: 'N'.repeat(90), work: 'pas un numéro', mobile: '12', group: 'G'.repeat(50) }), 422);
  seen('new contact, empty name', await c.post(`${u}/contacts/new`, { name: '', work: '0145678901' }), 422);
  const id = (await s.app.store.contacts.list(ALICE))[0]!.id;
  seen('edit contact', await c.get(`${u}/contacts/${id}/edit`), 200);
  seen('edit contact, errors', await c.post(`${u}/contacts/${id}/edit`, { name: 'Élodie\nLefèvre', mobile: 'x' }), 422);
  seen('contacts import', await c.get(`${u}/contacts/import`), 200);
  seen('contacts import, no file', await c.upload(`${u}/contacts/import`, { step: 'dryrun' }, { name: 'vide.csv', content: '' }), 422);
  seen('contacts import, a workbook', await c.upload(`${u}/contacts/import`, { step: 'dryrun' }, { name: 'classeur.xlsx', content: Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(200, 7)]) }), 422);
  seen('contacts import, no name column', await c.upload(`${u}/contacts/import`, { step: 'dryrun' }, { name: 'c.csv', content: 'Portable;Groupe\n0612345678;A\n' }), 422);
  seen('contacts import, rejected lines', await c.upload(`${u}/contacts/import`, { step: 'dryrun' }, { name: 'contacts.csv', content: BAD_CONTACTS }), 200);
  seen('another user’s keys: 403', await c.get('/users/0100000003/keys'), 403);
  seen('another tenant: 404', await c.get('/users/0200000002/keys'), 404);
  // Resync of a phone that never fetched its file: failed at once, "never seen".
  const r = await c.post(`${u}/phone/${ALICE_MAC}/resync`, {});
  assert.is(r.status, 303);
  const job = seen('resync of a phone never seen', await c.get(r.location!), 200);
  assert.match(job.html, 'jamais vu');
  const json = await fetch(`${s.adminUrl}${r.location}.json`, { headers: { cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
  const body = (await json.json()) as { stateLabel: string; targets: Array<{ stateLabel: string; reason: string | null }> };
  const jsonText = [body.stateLabel, ...body.targets.flatMap((t) => [t.stateLabel, t.reason ?? ''])].join(' ');
  assert.match(jsonText, /^Terminé Jamais vu jamais vu : /, "never seen is not refused");
  for (const p of englishIn(jsonText)) problems.push(`resync progress JSON: ${p}`);
});

test('a tenant admin: licences, phones, overrides, network, resync, and every error', async () => {
  const c = await as('0100000001');
  seen('licences', await c.get('/tenants/acme/users'), 200);
  seen('licence', await c.get(`/tenants/acme/users/${ALICE}`), 200);
  seen('licence, errors', await c.post(`/tenants/acme/users/${ALICE}`, { name: '', email: 'pas-un-mail', role: 'chef' }), 422);
  seen('licence, own role', await c.post('/tenants/acme/users/0100000001', { name: 'Chloé Admin', email: '', role: 'user' }), 422);
  seen('password, empty', await c.post(`/tenants/acme/users/${ALICE}/password`, { password: '' }), 422);
  seen('password, too short', await c.post(`/tenants/acme/users/${ALICE}/password`, { password: 'court' }), 422);
  // Adding to a user's address book without reading it (issue 17): the form, its errors, the import and its report.
  seen('add a contact to her book', await c.get(`/users/${ALICE}/contacts/new`), 200);
  seen('add a contact, errors', await c.post(`/users/${ALICE}/contacts/new`, { name: '', work: 'pas un numéro' }), 422);
  seen('import into her book', await c.get(`/users/${ALICE}/contacts/import`), 200);
  seen('import into her book, report', await c.upload(`/users/${ALICE}/contacts/import`, { step: 'dryrun' }, { name: 'contacts.csv', content: BAD_CONTACTS }), 200);
  seen('her contacts: refused', await c.get(`/users/${ALICE}/contacts`), 403);
  seen('phones', await c.get('/tenants/acme/devices'), 200);
  seen('phone', await c.get(`/devices/${ALICE_MAC}`), 200);
  seen('phone, assignment errors', await c.post(`/devices/${ALICE_MAC}`, { user: '0200000002', label: 'É'.repeat(70), expansionModules: '9' }), 422);
  seen('phone, unknown licence', await c.post(`/devices/${ALICE_MAC}`, { user: '0199999999', label: '', expansionModules: '0' }), 422);
  seen('phone overrides, errors', await c.post(`/devices/${ALICE_MAC}/network`, { vlanId: '5000', vlanPriority: '9', timezone: 'Mars/Olympe', ntpServers: 'bad host!', dscpSip: '99', dscpRtp: 'x', adminPassword: 'a b', resyncIntervalMinutes: '1', fw_T54W: 'gopher://x' }), 422);
  seen('network', await c.get('/tenants/acme/network'), 200);
  seen('network, errors', await c.post('/tenants/acme/network', { vlanId: '0', timezone: 'Nulle/Part', dnsServers: 'a, b, c, d, e', syslogServer: 'pas un hôte', resyncIntervalMinutes: '99999' }), 422);
  seen('SIP server, errors', await c.post('/tenants/acme/sip', { sipTransport: 'xyz', sipPort: '70000', sipProxy: 'pas un proxy' }), 422);
  seen('another tenant: 404', await c.get('/tenants/globex/users'), 404);
  const jobId = await jobOfEveryOutcome();
  const job = seen('resync job with every outcome', await c.get(`/resync-jobs/${jobId}`), 200);
  for (const words of ['jamais vu', 'aucune ligne attribuée', 'fabricant inconnu', 'téléphone occupé (486)', 'notifications non sollicitées (481)', 'authentification refusée', '(404)', '(489)', '(503)', 'aucune réponse', "n'a pas pu partir"]) {
    assert.match(htmlText(job.html), words);
  }
  const r = await c.post('/tenants/acme/resync', {});
  assert.is(r.status, 303);
  seen('resync of the whole tenant', await c.get(r.location!), 200);
});

test('an operator: tenants, security, unknown phones, MAC import, and every error', async () => {
  const c = await as('opsweb', 'operator-password');
  seen('tenants', await c.get('/ops/tenants'), 200);
  seen('tenants, errors', await c.post('/ops/tenants', { id: 'Mauvais Id', name: '', sipDomain: 'pas un domaine' }), 422);
  seen('tenants, duplicate', await c.post('/ops/tenants', { id: 'acme', name: 'Acme bis', sipDomain: 'sip.acme.example' }), 422);
  seen('security', await c.get('/tenants/acme/security'), 200);
  seen('security, errors', await c.post('/tenants/acme/security', { allowlist: '192.0.2.0/24\npas-une-adresse', authMode: 'digest', authUsername: 'avec espace', authPassword: 'court', urlToken: 'court' }), 422);
  seen('security, bad mode', await c.post('/tenants/acme/security', { authMode: 'magique' }), 422);
  seen('unknown phones', await c.get('/ops/unknown'), 200);
  seen('claim, errors', await c.post('/ops/unknown/805ec0aabbcc/claim', { tenant: 'inconnu', model: 'NOPE', user: '12' }), 422);
  seen('claim, user of another tenant', await c.post('/ops/unknown/805ec0aabbcc/claim', { tenant: 'acme', model: 'T54W', user: '0200000002' }), 422);
  seen('MAC import', await c.get('/ops/import'), 200);
  seen('MAC import, no file', await c.upload('/ops/import', { step: 'dryrun' }, { name: 'vide.csv', content: '' }), 422);
  seen('MAC import, a PDF', await c.upload('/ops/import', { step: 'dryrun' }, { name: 'liste.pdf', content: '%PDF-1.4 whatever' }), 422);
  seen('MAC import, UTF-16', await c.upload('/ops/import', { step: 'dryrun' }, { name: 'liste.csv', content: Buffer.from('\ufeffmac\n805ec0000001\n', 'utf16le') }), 422);
  seen('MAC import, header is data', await c.upload('/ops/import', { step: 'dryrun' }, { name: 'liste.csv', content: '80:5e:c0:00:00:01;T54W\n' }), 422);
  seen('MAC import, no mac column', await c.upload('/ops/import', { step: 'dryrun' }, { name: 'liste.csv', content: 'modele;parc\nT54W;acme\n' }), 422);
  seen('MAC import, unclosed quote', await c.upload('/ops/import', { step: 'dryrun' }, { name: 'liste.csv', content: 'mac;label\n805ec0000001;"ouvert\n' }), 422);
  const dry = seen('MAC import, rejected lines', await c.upload('/ops/import', { step: 'dryrun' }, { name: 'liste.csv', content: BAD_DEVICES }), 200);
  assert.match(htmlText(dry.html), "« pas-une-mac » n'est pas une adresse MAC");
  seen('MAC import, rejected lines skipped', await c.upload('/ops/import', { step: 'dryrun', skipInvalid: '1' }, { name: 'liste.csv', content: BAD_DEVICES }), 200);
  seen('MAC import, confirmed with rejected lines (all or nothing)', await c.post('/ops/import', { step: 'confirm', csv: Buffer.from(BAD_DEVICES).toString('base64url') }), 200);
  seen('a tenant’s licences', await c.get('/tenants/acme/users'), 200);
});

test('no English on any French page', () => {
  if (process.env.DUMP_PAGES) for (const p of pages) console.log(`\n==== ${p.what} (${p.status})\n${p.text}`);
  assert.ok(pages.length >= 65, `${pages.length} pages checked`);
  assert.ok(englishPieces.length > 300, `${englishPieces.length} English texts looked for`);
  assert.equal(problems, []);
});

test('the check catches English: the same pages in English fail it', async () => {
  const c = new WebClient(s.adminUrl, 'en');
  const login = visibleText((await c.post('/login', { login: '', password: '' })).html);
  assert.ok(englishIn(login).length > 0, 'the English login page is found English');
  await c.login('opsweb', 'operator-password');
  const report = visibleText((await c.upload('/ops/import', { step: 'dryrun' }, { name: 'liste.csv', content: BAD_DEVICES })).html);
  assert.ok(englishIn(report).some((p) => p.includes('word')), 'English error words in the English report');
  assert.equal(englishIn(visibleText('<p>Téléphone déjà enregistré dans le parc « acme ».</p>')), []);
});

test('REST API errors in French (the default) carry no English sentence', async () => {
  const bob = (await s.api('POST', '/sessions', { login: '0100000003', password: 'pw-0100000003' }, null)).body.token as string;
  const calls: Array<[string, string, unknown?, (string | null)?, Record<string, string>?]> = [
    ['GET', '/tenants', undefined, null],
    ['GET', '/tenants', undefined, 'cdr_faux'],
    ['POST', '/tenants', '{"id": "x",', undefined, { 'content-type': 'application/json' }],
    ['POST', '/tenants', { id: 'Mauvais Id!', name: '', sipDomain: 'pas un domaine', couleur: 'bleu' }],
    ['POST', '/tenants', { id: 'acme', name: 'Acme', sipDomain: 'sip.acme.example' }],
    ['POST', '/tenants/acme/users', { number: '12', name: 'Neuf', role: 'chef', email: 'x', sipPassword: 'a b' }],
    ['POST', '/tenants/acme/users', { number: ALICE, name: 'Doublon' }],
    ['PATCH', `/users/${ALICE}`, { name: 'Alice\nx' }],
    ['PATCH', '/users/0100000003', { name: 'Bob' }, null],
    ['PATCH', `/users/${ALICE}`, { name: 'Alice' }, bob],
    ['GET', '/users/0999999999'],
    ['POST', '/devices', { mac: '80:5e:c0', model: 'T99X', tenant: 'inconnu' }],
    ['POST', '/devices', { mac: ALICE_MAC, model: 'T54W', tenant: 'globex' }],
    ['POST', '/devices', { mac: '805ec0aa0001', model: 'T54W', tenant: 'acme', user: '0200000002' }],
    ['PUT', `/users/${ALICE}/keys`, [{ position: 500, type: 'line' }, { position: 2, type: 'blf', value: '0200000001' }, { position: 2, type: 'speeddial', value: 'abc' }, { position: 0, type: 'foo' }]],
    ['PUT', '/tenants/acme/network', { vlanId: 5000, timezone: 'Mars/Olympe', ntpServers: ['a b'], firmware: { T54W: 'gopher://x' }, dscpSip: 'x' }],
    ['POST', `/users/${ALICE}/contacts`, { name: 'Personne' }, aliceToken],
    ['GET', `/users/${ALICE}/contacts/99999`, undefined, aliceToken],
    ['POST', '/devices/805ec0ffffff/resync'],
    ['POST', '/tenants/acme/resync?reboot=peut-etre'],
    ['GET', '/resync-jobs?limit=abc'],
    ['GET', '/pas-de-route'],
    ['POST', '/devices/import', 'mac;model\nnope;T54W\n', undefined, { 'content-type': 'text/csv' }],
    ['POST', '/devices/import', '', undefined, { 'content-type': 'text/csv' }],
    ['POST', '/devices/import?mode=peut-etre', 'mac\n805ec0000001\n', undefined, { 'content-type': 'text/csv' }],
    ['POST', '/devices/import', '{}', undefined, { 'content-type': 'application/json' }],
    ['POST', `/users/${ALICE}/contacts/import`, BAD_CONTACTS, aliceToken, { 'content-type': 'text/csv' }],
  ];
  let checked = 0;
  for (const [method, path, body, token, headers] of calls) {
    const r = await s.api(method, path, body, token, headers);
    assert.ok(r.status >= 400, `${method} ${path}: ${r.status}`);
    const e = r.body.error;
    assert.type(e.key, 'string', `${method} ${path}`);
    // Identifiers are not English: the field paths and the values a message quotes (`line, blf,
    // speeddial`, `all-or-nothing, skip-invalid`) are cut out before looking for English.
    type Said = { message?: string; reason?: string; field?: string; params?: Record<string, unknown> };
    const said: Said[] = [e, ...e.details, ...(r.body.lines ?? [])];
    const identifiers = said.flatMap((x) => [x.field ?? '', ...Object.values(x.params ?? {}).map(String)]).filter((x) => x.length > 1);
    identifiers.sort((a, b) => b.length - a.length);
    for (const x of said) {
      let t = x.message ?? x.reason ?? '';
      for (const id of identifiers) t = t.split(id).join(' ');
      checked++;
      for (const p of englishIn(t)) problems.push(`API ${method} ${path}: ${p} (in "${x.message ?? x.reason}")`);
    }
    // The same error in English differs: the check would see English there.
    const en = await s.api(method, path, body, token, { ...headers, 'accept-language': 'en' });
    assert.is(en.body.error.key, e.key);
    assert.ok(englishIn(en.body.error.message).length > 0 || en.body.error.message !== e.message, `${method} ${path}: English answer`);
  }
  assert.ok(checked > 60, `${checked} API messages checked`);
  assert.equal(problems, []);
});

test.run();
