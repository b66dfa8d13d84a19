// Personal contacts in the cockpit (issue 17): an export French Excel opens in columns (`;`, BOM,
// French headers, numbers kept as text) and that the import reads back; a search without case or
// accents, numbers found with or without their spaces; numbers shown in pairs; a warning for a
// number whose leading zero a spreadsheet dropped.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer, seedTwoTenants, type TestServer } from './helpers/server.ts';
import { WebClient, htmlText } from './helpers/web-client.ts';
import { importsFeature, webFeature } from '../server/features.ts';
import { contactMatches, groupNumber, lostLeadingZero } from '../server/web/phone-numbers.ts';

let s: TestServer;
let tok: Record<string, string>;
const ALICE = '0100000002';

test.before(async () => {
  s = await startTestServer({ features: [webFeature, importsFeature] });
  tok = await seedTwoTenants(s);
  for (const c of [
    { name: 'Élodie Lefèvre', work: '0145678901', group: 'Clients' },
    { name: 'Paul Léger', mobile: '+33612345678' },
    { name: 'Zoé Tableur', work: '145678901' },
  ]) {
    const r = await s.api('POST', `/users/${ALICE}/contacts`, c, tok[ALICE]);
    assert.is(r.status, 201, JSON.stringify(r.body));
  }
});
test.after(async () => {
  await s.close();
});

test('numbers in pairs, and the leading zero a spreadsheet dropped', () => {
  assert.is(groupNumber('0145678901'), '01 45 67 89 01');
  assert.is(groupNumber('+33612345678'), '+33 6 12 34 56 78');
  assert.is(groupNumber('3615'), '3615');
  assert.is(groupNumber('+4930123456'), '+4930123456');
  assert.ok(lostLeadingZero('145678901'));
  assert.not.ok(lostLeadingZero('0145678901'));
  assert.not.ok(lostLeadingZero('012345678'));
  assert.not.ok(lostLeadingZero('3615'));
});

test('search: no case, no accents, numbers with or without spaces or +33', () => {
  const c = { name: 'Élodie Lefèvre', work: '0145678901', mobile: '+33612345678', home: null, group: 'Clients privilégiés' };
  for (const q of ['elodie', 'ÉLODIE', 'lefevre', 'LEFÈVRE', 'privilegies', '01 45 67', '0145', '06 12 34', '+33 6 12', '0612345678']) assert.ok(contactMatches(c, q), q);
  for (const q of ['marc', '0999', 'élodie marc']) assert.not.ok(contactMatches(c, q), q);
});

test('the contacts page: grouped numbers, a warning for the lost zero, accent-free search', async () => {
  const c = new WebClient(s.adminUrl);
  await c.login(ALICE, `pw-${ALICE}`);
  const page = await c.get(`/users/${ALICE}/contacts`);
  const text = htmlText(page.html);
  assert.match(text, '01 45 67 89 01');
  assert.match(text, '+33 6 12 34 56 78');
  assert.match(text, '1 contact(s) ont un numéro de 9 chiffres sans zéro initial');
  assert.match(text, 'zéro initial perdu ?');
  const found = await c.get(`/users/${ALICE}/contacts?q=${encodeURIComponent('elodie lefevre')}`);
  assert.match(htmlText(found.html), 'Élodie Lefèvre');
  assert.not.match(htmlText(found.html), 'Paul Léger');
  const byNumber = await c.get(`/users/${ALICE}/contacts?q=${encodeURIComponent('06 12 34')}`);
  assert.match(htmlText(byNumber.html), 'Paul Léger');
  assert.not.match(htmlText(byNumber.html), 'Élodie');
});

test('export: `;`, BOM, French headers, numbers kept as text; the import reads it back', async () => {
  const c = new WebClient(s.adminUrl);
  await c.login(ALICE, `pw-${ALICE}`);
  const res = await fetch(`${s.adminUrl}/users/${ALICE}/contacts.csv`, { headers: { cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
  const bytes = Buffer.from(await res.arrayBuffer());
  assert.equal([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 BOM: Excel reads the accents');
  const lines = bytes.subarray(3).toString('utf8').split('\r\n');
  assert.is(lines[0], 'Nom complet;Bureau;Portable;Domicile;Groupe');
  assert.ok(lines.includes('Élodie Lefèvre;01 45 67 89 01;;;Clients'), lines.join('\n'));
  assert.ok(lines.includes("Paul Léger;;'+33 6 12 34 56 78;;"), lines.join('\n'));
  // In English: English headers, same separator.
  const en = new WebClient(s.adminUrl, 'en');
  await en.login(ALICE, `pw-${ALICE}`);
  const enCsv = await en.get(`/users/${ALICE}/contacts.csv`);
  assert.match(enCsv.html, 'Name;Work;Mobile;Home;Group');
  // Round trip: Bob imports Alice's export as is.
  const bob = new WebClient(s.adminUrl);
  await bob.login('0100000003', 'pw-0100000003');
  await bob.get('/users/0100000003/contacts/import');
  const dry = await bob.upload('/users/0100000003/contacts/import', { step: 'dryrun' }, { name: 'export.csv', content: bytes });
  assert.is(dry.status, 200);
  const carried = /name="csv" value="([^"]+)"/.exec(dry.html)![1]!;
  const done = await bob.post('/users/0100000003/contacts/import', { step: 'confirm', csv: carried });
  assert.is(done.status, 303, htmlText(done.html).slice(0, 300));
  const back = (await s.app.store.contacts.list('0100000003')).map((x) => [x.name, x.work, x.mobile]).sort();
  assert.equal(back.filter((x) => x[0] !== 'Paul Léger'), [['Zoé Tableur', '145678901', null], ['Élodie Lefèvre', '0145678901', null]].sort());
});

test('private: an admin, an operator and a colleague get 403 on a user’s contacts, another tenant 404 (API and pages)', async () => {
  assert.is((await s.api('GET', `/users/${ALICE}/contacts`, undefined, tok['0100000001'])).status, 403);
  assert.is((await s.api('GET', `/users/${ALICE}/contacts`)).status, 403, 'the operator token');
  assert.is((await s.api('GET', `/users/${ALICE}/contacts`, undefined, tok['0100000003'])).status, 403);
  assert.is((await s.api('GET', `/users/${ALICE}/contacts`, undefined, tok['0200000001'])).status, 404);
  const admin = new WebClient(s.adminUrl);
  await admin.login('0100000001', 'pw-0100000001');
  assert.is((await admin.get(`/users/${ALICE}/contacts`)).status, 403);
  assert.is((await admin.get(`/users/${ALICE}/contacts.csv`)).status, 403);
  assert.not.match((await admin.get(`/users/${ALICE}/keys`)).html, `/users/${ALICE}/contacts`, 'no contacts tab on a colleague’s pages');
});

test('an admin adds to a user\'s book from her licence page (one contact, a CSV import) and never sees the list; a colleague cannot', async () => {
  const admin = new WebClient(s.adminUrl);
  await admin.login('0100000001', 'pw-0100000001');
  const licence = await admin.get(`/tenants/acme/users/${ALICE}`);
  assert.match(licence.html, `href="/users/${ALICE}/contacts/new"`);
  assert.match(licence.html, `href="/users/${ALICE}/contacts/import"`);
  assert.match(htmlText(licence.html), 'sans voir ceux qu’il contient'.replace('’', "'"));
  const form = await admin.get(`/users/${ALICE}/contacts/new`);
  assert.is(form.status, 200);
  assert.not.match(form.html, 'Élodie');
  const added = await admin.post(`/users/${ALICE}/contacts/new`, { name: 'Fournisseur Ajouté', work: '01 40 00 00 01', mobile: '', home: '', group: '' });
  assert.is(added.status, 303);
  assert.is(added.location, `/users/${ALICE}/contacts/new?done=contact_added`);
  const after = await admin.get(added.location!);
  assert.match(htmlText(after.html), 'Contact ajouté au carnet de l\'utilisateur.');
  assert.not.match(after.html, 'Élodie');
  // A CSV: one line she already has (Élodie), one new; the report says `Remis au carnet` for both, nothing more.
  await admin.get(`/users/${ALICE}/contacts/import`);
  const csv = 'nom;travail;groupe\nÉlodie Lefèvre;0145678901;Autre\nNouveau Client;0140000002;\n';
  const dry = await admin.upload(`/users/${ALICE}/contacts/import`, { step: 'dryrun' }, { name: 'c.csv', content: csv });
  assert.is(dry.status, 200);
  const dryText = htmlText(dry.html);
  assert.match(dryText, 'Sera remis au carnet');
  assert.not.match(dryText, 'Inchangé');
  assert.not.match(dryText, 'Sera modifié');
  const m = /name="csv" value="([^"]*)"/.exec(dry.html)!;
  const done = await admin.post(`/users/${ALICE}/contacts/import`, { step: 'confirm', csv: htmlText(m[1]!) });
  assert.is(done.status, 200);
  assert.match(htmlText(done.html), 'Contacts remis au carnet : 2');
  // Alice sees both added, Élodie not doubled and her group unchanged.
  const list = (await s.api('GET', `/users/${ALICE}/contacts`, undefined, tok[ALICE])).body as Array<{ name: string; group: string | null }>;
  assert.equal(list.filter((c) => c.name === 'Élodie Lefèvre').map((c) => c.group), ['Clients']);
  assert.ok(list.some((c) => c.name === 'Nouveau Client') && list.some((c) => c.name === 'Fournisseur Ajouté'));
  // Still no list, no export, no edit for the admin.
  const id = list.find((c) => c.name === 'Fournisseur Ajouté')! as unknown as { id: number };
  assert.is((await admin.get(`/users/${ALICE}/contacts`)).status, 403);
  assert.is((await admin.get(`/users/${ALICE}/contacts/${id.id}/edit`)).status, 403);
  // A colleague has no such form.
  const bob = new WebClient(s.adminUrl);
  await bob.login('0100000003', 'pw-0100000003');
  assert.is((await bob.get(`/users/${ALICE}/contacts/new`)).status, 403);
  assert.is((await bob.get(`/users/${ALICE}/contacts/import`)).status, 403);
});

test.run();
