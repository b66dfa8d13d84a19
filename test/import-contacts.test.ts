// Personal contacts import, domain level: spreadsheet and mail-client files, number
// normalisation, duplicates merged and never doubled, the API's text rules, who may import, and
// the change feed (the user's phones fetch the new directory).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { importContacts } from '../server/imports/contacts.ts';
import type { ImportReport } from '../server/imports/report.ts';
import { SYSTEM, actorOf, type Actor, type Principal } from '../server/auth/principal.ts';
import { reasonText } from '../server/imports/report.ts';
import { ACME_ADMIN, ALICE, OPERATOR, fixture, source, startImportWorld, type ImportWorld, refused } from './fixtures/csv/setup.ts';
import { en, fr, inEnglish } from './helpers/i18n.ts';

let w: ImportWorld;
const GLOBEX_ADMIN: Actor = actorOf({ kind: 'user', number: '0200000001', tenantId: 'globex', role: 'admin' }, { channel: 'api', address: '127.0.0.1' });
const run = (csv: string | Buffer, opts: Parameters<typeof importContacts>[4] = {}, p: Actor = ALICE, number = '0100000002') =>
  importContacts(w.s.app, p, number, source(csv), opts);
/** Statuses with the reason's key, or its text in a language. */
const byLine = (r: ImportReport, t?: typeof en) =>
  Object.fromEntries(r.lines.map((l) => [l.line, l.reason ? `${l.status}: ${t ? reasonText(l.reason, t) : l.reason.key}` : l.status]));
const contacts = async (number = '0100000002') =>
  (await w.s.app.store.contacts.list(number))
    .map((c) => [c.name, c.work, c.mobile, c.home, c.group])
    .sort((a, b) => String(a[0]).localeCompare(String(b[0]), 'fr'));

const files = suite('contacts files');
files.before.each(async () => {
  w = await startImportWorld();
  // Alice has a phone: her directory is rendered for it.
  (await w.s.app.store.devices.insert({ mac: '805ec0dd0001', tenantId: 'acme', vendor: 'yealink', model: 'T54W', userNumber: '0100000002', label: null, expansionModules: 0, extraLines: [], provisioningUsername: null, provisioningPassword: null }));
  w.changes.length = 0;
});
files.after.each(async () => {
  await w.s.close();
});

files('Excel French export: first/last names, numbers normalised, the same person twice merged', async () => {
  const r = await run(fixture('contacts-excel-fr.csv'));
  assert.equal(byLine(r), { 2: 'created', 3: 'created', 4: 'created', 5: 'unchanged: import_line.same_contact' });
  assert.equal(r.lines.find((l) => l.line === 5)!.reason, { key: 'import_line.same_contact', params: { line: 3 } });
  assert.is(byLine(r, en)[5], 'unchanged: same contact as line 3 (counted once)');
  assert.is(byLine(r, fr)[5], 'unchanged: même contact que ligne 3 (compté une fois)');
  assert.equal((await contacts()), [
    ['Élodie Martin', '0145678902', null, null, 'Fournisseurs'],
    ['Jean Dupont', '0145678901', '0612345678', null, 'Clients'],
    ['Zoé Durand', null, '0611223344', '0122334455', null],
  ]);
});

files('re-import: all unchanged, nothing doubled, no change emitted', async () => {
  await run(fixture('contacts-excel-fr.csv'));
  w.changes.length = 0;
  const r = await run(fixture('contacts-excel-fr.csv'));
  assert.equal([r.created, r.updated, r.unchanged, r.rejected], [0, 0, 4, 0]);
  assert.is((await contacts()).length, 3);
  assert.equal(w.changes, []);
});

files('contacts already typed in by hand are recognised (case and accents ignored)', async () => {
  (await w.s.app.store.contacts.insert({ userNumber: '0100000002', name: 'JEAN DUPONT', work: '0145678901', mobile: '0612345678', home: null, group: null }));
  const r = await run(fixture('contacts-excel-fr.csv'));
  assert.is(byLine(r)[2], 'updated');
  assert.is((await contacts()).length, 3);
  assert.equal((await contacts()).find((c) => c[1] === '0145678901'), ['Jean Dupont', '0145678901', '0612345678', null, 'Clients']);
});

files('mail-client export (English headers, international numbers)', async () => {
  const r = await run(fixture('contacts-mailclient.csv'));
  assert.is(r.created, 2);
  assert.equal((await contacts())[0], ['Ada Lovelace', '+442079460000', null, null, 'Science']);
});

files("after an import the user's phones are told (one change naming them), only after the commit", async () => {
  // The listener reads the store when the change is announced (no transaction is open then, so
  // the read runs at once and sees the committed directory).
  let seen: Promise<number> = Promise.resolve(-1);
  w.s.app.changes.onChange(() => {
    seen = w.s.app.store.contacts.list('0100000002').then((l) => l.length);
  });
  await run(fixture('contacts-excel-fr.csv'));
  assert.equal(w.changes.map((c) => c.macs), [['805ec0dd0001']]);
  assert.is(await seen, 3);
});

files('a dry run writes and emits nothing', async () => {
  const r = await run(fixture('contacts-excel-fr.csv'), { dryRun: true });
  assert.is(r.created, 3);
  assert.is((await contacts()).length, 0);
  assert.equal(w.changes, []);
});

files.run();

const rules = suite('contact rules');
rules.before.each(async () => {
  w = await startImportWorld();
});
rules.after.each(async () => {
  await w.s.close();
});

const BAD = [
  'Nom complet;Travail;Portable;Domicile;Groupe', //       1
  'Good One;01 02 03 04 05;;;', //                          2
  'Bad Number;01-02-AB;;;', //                              3
  ';0102030405;;;', //                                      4 no name
  'No Number;;;;', //                                       5
  `${'N'.repeat(81)};0102030405;;;`, //                     6 name too long
  'Long Group;0102030405;;;' + 'G'.repeat(41), //          7 group too long
  '"Tab\tName";0102030405;;;', //                           8 control character
  'good one;0102030405;;;Other', //                         9 same contact, another group
  'Extra;0102030405;;;;x', //                               10 more values than columns
].join('\n');

rules('every rejection, with its line', async () => {
  const r = await run(BAD, { mode: 'skip-invalid', dryRun: true });
  const keys = byLine(r);
  const got = byLine(r, en);
  const expect: Record<number, [string, RegExp]> = {
    2: ['created', /^created$/],
    3: ['rejected: import_line.not_a_number', /^rejected: work: "01-02-AB" is not a phone number$/],
    4: ['rejected: import_line.name_empty', /^rejected: name: empty name/],
    5: ['rejected: validation.contact_number', /^rejected: work: a contact needs at least one number/],
    6: ['rejected: validation.too_long', /^rejected: name: must be at most 80 characters$/],
    7: ['rejected: validation.too_long', /^rejected: group: must be at most 40 characters$/],
    8: ['rejected: validation.control_characters', /^rejected: name: must not contain control characters/],
    9: ['rejected: import_line.same_contact_other_group', /^rejected: group: same contact as line 2 but in another group$/],
    10: ['rejected: import_line.extra_cells', /^rejected: 6 values but the header has 5 columns/],
  };
  for (const [line, [key, re]] of Object.entries(expect)) {
    assert.is(keys[Number(line)], key, `line ${line}`);
    assert.match(got[Number(line)] ?? 'missing', re, `line ${line}: ${got[Number(line)]}`);
  }
  assert.equal(Object.keys(got).map(Number), Object.keys(expect).map(Number));
  assert.equal(r.lines.find((l) => l.line === 6)!.reason, { key: 'validation.too_long', params: { max: 80 }, field: 'name' });
  assert.is(byLine(r, fr)[6], 'rejected: name : doit comporter au plus 80 caractères');
});

rules('all-or-nothing by default: nothing written', async () => {
  const r = await run(BAD);
  assert.is(r.applied, false);
  assert.is((await contacts()).length, 0);
});

rules('skip-invalid writes the valid ones', async () => {
  const r = await run(BAD, { mode: 'skip-invalid' });
  assert.is(r.applied, true);
  assert.equal((await contacts()), [['Good One', '0102030405', null, null, null]]);
});

rules('a new group (or spelling) for a known contact is an update; an empty group keeps the old one', async () => {
  await run('name;work;group\nGood One;0102030405;Team\n');
  const r = await run('name;work;group\nGOOD ONE;01 02 03 04 05;Friends\n');
  assert.is(byLine(r)[2], 'updated');
  assert.equal((await contacts()), [['GOOD ONE', '0102030405', null, null, 'Friends']]);
  const again = await run('name;work;group\nGOOD ONE;0102030405;\n');
  assert.is(byLine(again)[2], 'unchanged');
  assert.equal((await contacts())[0]![4], 'Friends');
});

rules('headers without a name or without a number column are refused at line 1', async () => {
  const noName = await refused(run('work;mobile\n0102030405;\n'));
  assert.equal(noName.details, [{ field: 'name', line: 1, key: 'csv.no_name_column' }]);
  assert.match(inEnglish(noName), /^line 1: the header has no name column/);
  const noNumber = await refused(run('name;group\nX;Y\n'));
  assert.equal(noNumber.details, [{ field: 'work', line: 1, key: 'csv.no_number_column' }]);
  assert.match(inEnglish(noNumber), /^line 1: the header has no number column/);
  const noData = await refused(run('name;work\n'));
  assert.is(noData.key, 'csv.no_data');
  assert.match(inEnglish(noData), /header but no data line/);
});

rules.run();

const access = suite('who may import contacts');
access.before(async () => {
  w = await startImportWorld();
});
access.after(async () => {
  await w.s.close();
});

const ONE = 'name;work\nSomeone;0102030405\n';

access('a user imports their own contacts only', async () => {
  assert.is((await run(ONE)).created, 1);
  const e = await refused(run(ONE, {}, ALICE, '0100000003'));
  assert.is(e.code, 'forbidden');
});

access('an admin of the user\'s tenant imports INTO her book without reading it: lines `added`; another tenant\'s admin gets 404', async () => {
  const r = await run(ONE, {}, ACME_ADMIN, '0100000003');
  assert.equal([r.added, r.created, r.updated, r.unchanged, r.rejected, r.applied], [1, 0, 0, 0, 0, true]);
  assert.equal(r.lines.map((l) => l.status), ['added']);
  assert.is(r.summary.key, 'import.summary.deposit');
  const e = await refused(run(ONE, {}, GLOBEX_ADMIN, '0100000002'));
  assert.is(e.code, 'not_found');
});

access('an operator imports into any user\'s book (added, never updated); an unknown user is a 404; the CLI (system) imports as the owner', async () => {
  const r = await run(ONE, {}, OPERATOR, '0200000002');
  assert.equal([r.added, r.created], [1, 0]);
  // The same line again: still `added`, not `unchanged` (that would tell what the book holds), and not doubled.
  const again = await run(ONE, {}, OPERATOR, '0200000002');
  assert.equal([again.added, again.created, again.unchanged], [1, 0, 0]);
  assert.is((await w.s.app.store.contacts.list('0200000002')).length, 1);
  assert.is((await refused(run(ONE, {}, OPERATOR, '0999999999'))).code, 'not_found');
  assert.equal([(await run(ONE, {}, SYSTEM, '0200000002')).unchanged], [1]);
});

access.run();
