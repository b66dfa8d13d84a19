// MAC import, domain level: spreadsheet files, every rejection reason with its line, dry run,
// all-or-nothing vs skip-invalid, re-runs, tenant admins, and the change feed.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { importDevices } from '../server/imports/devices.ts';
import type { ImportReport } from '../server/imports/report.ts';
import { SYSTEM, type Actor } from '../server/auth/principal.ts';
import { ACME_ADMIN, ALICE, OPERATOR, deviceCount, fixture, source, startImportWorld, type ImportWorld, refused } from './fixtures/csv/setup.ts';
import { en, fr, inEnglish, keysByLine, textByLine } from './helpers/i18n.ts';

let w: ImportWorld;
const run = (csv: string | Buffer, opts: Parameters<typeof importDevices>[3] = {}, p: Actor = OPERATOR) => importDevices(w.s.app, p, source(csv), opts);
/** Statuses, and the English text of each rejection (the keys are checked on their own). */
const byLine = (r: ImportReport) => textByLine(r, en);

const files = suite('spreadsheet files');
files.before.each(async () => {
  w = await startImportWorld();
});
files.after.each(async () => {
  await w.s.close();
});

files('Excel French export (BOM, CRLF, ";", French headers) imports every line', async () => {
  const r = await run(fixture('excel-fr-devices.csv'));
  assert.equal(byLine(r), { 2: 'created', 3: 'created', 4: 'created', 6: 'created' });
  assert.is(r.applied, true);
  const d = (await w.s.app.store.devices.get('805ec0112202'))!;
  assert.equal([d.tenantId, d.vendor, d.model, d.userNumber, d.label], ['acme', 'yealink', 'T54W', null, 'Salle de réunion; 2e étage']);
  assert.is((await w.s.app.store.devices.get('805ec0112201'))!.userNumber, '0100000002');
  assert.is((await w.s.app.store.devices.get('0004f2112204'))!.label, 'Caisse "principale"');
  assert.is((await w.s.app.store.devices.get('0004f2112204'))!.vendor, 'polycom');
});

files('LibreOffice export (",", vendor column by name)', async () => {
  const r = await run(fixture('libreoffice-devices.csv'));
  assert.equal(byLine(r), { 2: 'created', 3: 'created', 4: 'created' });
  assert.is((await w.s.app.store.devices.get('000413aa0001'))!.label, 'Dupont, Jean');
  assert.is((await w.s.app.store.devices.get('64167faa0003'))!.vendor, 'polycom');
});

files('Windows-1252 export keeps its accents', async () => {
  const r = await run(fixture('excel-fr-cp1252-devices.csv'));
  assert.is(r.created, 2);
  assert.is((await w.s.app.store.devices.get('805ec0113301'))!.label, 'Hôtel de ville');
});

files('re-running the same file changes nothing: all unchanged, no write, no change emitted', async () => {
  await run(fixture('excel-fr-devices.csv'));
  const before = (await w.s.app.store.devices.list());
  w.changes.length = 0;
  const r = await run(fixture('excel-fr-devices.csv'));
  assert.equal([r.created, r.updated, r.unchanged, r.rejected], [0, 0, 4, 0]);
  assert.equal((await w.s.app.store.devices.list()), before);
  assert.equal(w.changes, []);
});

files('one change event after the commit, naming the written MACs, with the devices visible', async () => {
  // Read when the change is announced: no transaction is open then, the read sees the commit.
  let visible: Promise<number> = Promise.resolve(-1);
  w.s.app.changes.onChange(() => {
    visible = deviceCount(w);
  });
  w.changes.length = 0;
  await run(fixture('excel-fr-devices.csv'));
  assert.is(w.changes.length, 1);
  assert.is(w.changes[0]!.reason, 'import');
  assert.equal([...w.changes[0]!.macs].sort(), ['0004f2112204', '805ec0112201', '805ec0112202', '805ec0112203']);
  assert.is(await visible, 4);
});

files.run();

const reasons = suite('rejections, line by line');
reasons.before(async () => {
  w = await startImportWorld();
  const { store } = w.s.app;
  (await store.devices.insert({ mac: '805ec0990001', tenantId: 'globex', vendor: 'yealink', model: 'T54W', userNumber: null, label: null, expansionModules: 0, extraLines: [], provisioningUsername: null, provisioningPassword: null }));
  // Bob has a key at position 20: it does not fit on a 2-key phone.
  (await store.keys.replace('0100000003', [{ position: 20, type: 'speeddial', value: '0145678901', label: 'Far' }]));
});
reasons.after(async () => {
  await w.s.close();
});

const BAD = [
  'mac;vendor;model;tenant;user;label', //                                          1
  'not-a-mac;;T54W;acme;;', //                                                       2 bad MAC
  ';;T54W;acme;;', //                                                                3 empty MAC
  '80:5e:c0:00:00:04;;T54W;acme;;A', //                                              4 duplicate, values differ (with 5)
  '80:5e:c0:00:00:04;;T54W;acme;;B', //                                              5
  '80:5e:c0:00:00:06;;T54W;acme;;same', //                                           6 kept
  '805EC0000006;;t54w;ACME;;same', //                                                7 identical duplicate of 6
  '80:5e:c0:99:00:01;;T54W;acme;;', //                                               8 owned by another tenant
  '80:5e:c0:00:00:09;;T99X;acme;;', //                                               9 unknown model
  '80:5e:c0:00:00:0a;Acme Phones;T54W;acme;;', //                                    10 unknown vendor
  '80:5e:c0:00:00:0b;Snom;T54W;acme;;', //                                           11 vendor vs model
  '00:04:13:00:00:0c;;T54W;acme;;', //                                               12 OUI vs model
  '80:5e:c0:00:00:0d;;T54W;acme;0199999999;', //                                     13 unknown user
  '80:5e:c0:00:00:0e;;T54W;acme;0200000002;', //                                     14 user of another tenant
  '80:5e:c0:00:00:0f;;T54W;acme;100000002;', //                                      15 leading zero lost
  '80:5e:c0:00:00:10;;T31P;acme;0100000003;', //                                     16 keys do not fit
  '80:5e:c0:00:00:11;;;acme;;', //                                                   17 model required
  '80:5e:c0:00:00:12;;T54W;;;', //                                                   18 tenant required
  '80:5e:c0:00:00:13;;T54W;nowhere;;', //                                            19 tenant does not exist
  '80:5e:c0:00:00:14;;T54W;acme;;"tab\there"', //                                    20 label with a control character
  '80:5e:c0:00:00:15;;T54W;acme;;x;oops', //                                         21 more values than columns
  '80:5e:c0:00:00:16;;T54W;acme;0100000002;Fine', //                                 22 valid
].join('\r\n');

reasons('every reason, with its line numbers: a stable key, its parameters, and the words in English and French', async () => {
  const r = await run(BAD, { mode: 'skip-invalid', dryRun: true });
  const keys = keysByLine(r);
  const got = byLine(r);
  const expect: Record<number, [string, RegExp]> = {
    2: ['rejected: validation.mac', /^rejected: mac: "not-a-mac" is not a MAC address/],
    3: ['rejected: validation.empty', /^rejected: mac: must not be empty$/],
    4: ['rejected: import_line.mac_repeated', /^rejected: mac: MAC repeated with different values on line\(s\) 5$/],
    5: ['rejected: import_line.duplicate_mac_different', /^rejected: mac: duplicate MAC, already on line 4 with different values$/],
    6: ['created', /^created$/],
    7: ['rejected: import_line.duplicate_mac', /^rejected: mac: duplicate MAC, already on line 6$/],
    8: ['rejected: conflict.mac_in_tenant', /^rejected: mac: MAC 80:5e:c0:99:00:01 is already registered in tenant "globex"$/],
    9: ['rejected: validation.model_unknown', /^rejected: model: unknown phone model "T99X"/],
    10: ['rejected: import_line.vendor_unknown', /^rejected: vendor: unknown vendor "Acme Phones" \(known: Yealink, Poly VVX, Snom\)$/],
    11: ['rejected: import_line.vendor_model_mismatch', /^rejected: vendor: "Snom" does not match model T54W \(a Yealink phone\)$/],
    12: ['rejected: import_line.oui_model_mismatch', /^rejected: model: MAC 00:04:13:00:00:0c has a Snom prefix \(00:04:13\) but model T54W is a Yealink phone$/],
    13: ['rejected: validation.user_not_in_tenant', /^rejected: user: licence 0199999999 is not a licence of this tenant$/],
    14: ['rejected: validation.user_other_tenant', /^rejected: user: licence 0200000002 belongs to another tenant$/], // the operator is told
    15: ['rejected: import_line.user_lost_zero', /^rejected: user: "100000002" must be a 10-digit number \(the spreadsheet may have dropped the leading 0/],
    16: ['rejected: conflict.keys_beyond_phone', /^rejected: user: licence 0100000003 has a key at position 20 but the T31P \(80:5e:c0:00:00:10\) has only 2 keys$/],
    17: ['rejected: import_line.model_required', /^rejected: model: required for a new phone$/],
    18: ['rejected: import_line.tenant_required', /^rejected: tenant: required for a new phone/],
    19: ['rejected: validation.tenant_unknown', /^rejected: tenant: tenant "nowhere" does not exist$/],
    20: ['rejected: validation.control_characters', /^rejected: label: must not contain control characters/],
    21: ['rejected: import_line.extra_cells', /^rejected: 7 values but the header has 6 columns/],
    22: ['created', /^created$/],
  };
  for (const [line, [key, re]] of Object.entries(expect)) {
    assert.is(keys[Number(line)], key, `line ${line}`);
    assert.match(got[Number(line)] ?? 'missing', re, `line ${line}: ${got[Number(line)]}`);
  }
  assert.equal(Object.keys(got).map(Number), Object.keys(expect).map(Number));
  assert.equal([r.created, r.rejected], [2, 19]);
  assert.is(r.lines.find((l) => l.line === 2)!.mac, 'not-a-mac');
  // The parameters a client needs to say it in its own words.
  const reason = (line: number) => r.lines.find((l) => l.line === line)!.reason!;
  assert.equal(reason(5), { key: 'import_line.duplicate_mac_different', params: { line: 4 }, field: 'mac' });
  assert.equal(reason(8), { key: 'conflict.mac_in_tenant', params: { mac: '80:5e:c0:99:00:01', tenant: 'globex' }, field: 'mac' });
  assert.equal(reason(16).params, { user: '0100000003', position: 20, model: 'T31P', mac: '80:5e:c0:00:00:10', capacity: 2 });
  assert.equal(reason(21), { key: 'import_line.extra_cells', params: { values: 7, columns: 6 } });
  // The same reasons in French, the default language.
  const french = textByLine(r, fr);
  assert.match(french[8]!, /^rejected: mac : le téléphone 80:5e:c0:99:00:01 est déjà enregistré dans le parc « globex »$/);
  assert.match(french[15]!, /le tableur a sans doute supprimé le 0 initial/);
  assert.match(french[21]!, /7 valeurs alors que l'en-tête a 6 colonnes/);
});

reasons('dry run writes nothing and emits nothing', async () => {
  w.changes.length = 0;
  const before = await deviceCount(w);
  const r = await run(BAD, { mode: 'skip-invalid', dryRun: true });
  assert.is(r.dryRun, true);
  assert.is(r.applied, false);
  assert.equal(r.summary.key, 'import.summary.dry_run');
  assert.match(en(r.summary.key, r.summary.params), /^Dry run, nothing written\./);
  assert.is(await deviceCount(w), before);
  assert.equal(w.changes, []);
});

reasons('all-or-nothing (the default): one rejected line, nothing written, the report says so', async () => {
  const before = await deviceCount(w);
  const r = await run(BAD);
  assert.is(r.applied, false);
  assert.is(r.mode, 'all-or-nothing');
  assert.equal(r.summary, { key: 'import.summary.nothing_written', params: { created: 2, updated: 0, unchanged: 0, rejected: 19 } });
  assert.match(en(r.summary.key, r.summary.params), /^Nothing written: 19 line\(s\) are rejected and the import is all-or-nothing/);
  assert.match(fr(r.summary.key, r.summary.params), /^Rien n'a été écrit : 19 ligne\(s\) sont refusée\(s\) et l'import est en tout ou rien/);
  assert.is(r.created, 2); // what would have been created
  assert.is(await deviceCount(w), before);
  assert.is((await w.s.app.store.devices.get('805ec0000016')), undefined);
});

reasons('skip-invalid writes the valid lines, in one go', async () => {
  w.changes.length = 0;
  const r = await run(BAD, { mode: 'skip-invalid' });
  assert.is(r.applied, true);
  assert.ok((await w.s.app.store.devices.get('805ec0000006')));
  assert.is((await w.s.app.store.devices.get('805ec0000016'))!.userNumber, '0100000002');
  assert.is((await w.s.app.store.devices.get('805ec0000004')), undefined);
  assert.is(w.changes.length, 1);
  const again = await run(BAD, { mode: 'skip-invalid' });
  assert.equal([again.created, again.updated, again.unchanged], [0, 0, 2]);
});

reasons('rejected lines beyond the detail cap are counted, not listed', async () => {
  const lines = ['mac'].concat(Array.from({ length: 30 }, (_, i) => `bad-${i}`));
  const r = await run(lines.join('\n'), { mode: 'skip-invalid', maxRejectedDetail: 10 });
  assert.is(r.rejected, 30);
  assert.is(r.lines.length, 10);
  assert.is(r.rejectedNotListed, 20);
});

reasons.run();

const updates = suite('existing devices');
updates.before(async () => {
  w = await startImportWorld();
  await run('mac;model;tenant;user;label\n805ec0aa0001;T46S;acme;0100000002;Old\n805ec0aa0002;T54W;acme;;\n');
});
updates.after(async () => {
  await w.s.close();
});

updates('a phone\'s extra lines are kept, and a new model or user must still take them', async () => {
  const { store } = w.s.app;
  const d = (await store.devices.get('805ec0aa0001'))!;
  const { createdAt: _c, updatedAt: _u, mac: _m, ...row } = d;
  await store.devices.update('805ec0aa0001', { ...row, extraLines: ['0100000003'] });
  // A T31P registers 2 accounts (the user and one line): fine. Alice's extra line as its user: refused.
  const r = await run('mac;model;user\n805ec0aa0001;T31P;\n', { mode: 'skip-invalid' });
  assert.equal(byLine(r), { 2: 'updated' });
  assert.equal((await store.devices.get('805ec0aa0001'))!.extraLines, ['0100000003']);
  const again = await run('mac;user\n805ec0aa0001;0100000003\n', { mode: 'skip-invalid' });
  const reason = byLine(again)[2]!;
  assert.match(reason, /^rejected: user: 0100000003 is already an extra line of 80:5e:c0:aa:00:01/, reason);
  await store.devices.update('805ec0aa0001', { ...row, extraLines: [] });
});

updates('model and tenant may be left out for a known device: they are kept', async () => {
  const r = await run('mac;label\n805ec0aa0001;New label\n805ec0aa0002;\n');
  assert.equal(byLine(r), { 2: 'updated', 3: 'unchanged' });
  const d = (await w.s.app.store.devices.get('805ec0aa0001'))!;
  assert.equal([d.model, d.tenantId, d.userNumber, d.label], ['T46S', 'acme', '0100000002', 'New label']);
});

updates('a new model and a user are updates; the vendor follows the model', async () => {
  const r = await run('mac;model;user\n805ec0aa0002;T57W;0100000003\n');
  assert.equal(byLine(r), { 2: 'updated' });
  const d = (await w.s.app.store.devices.get('805ec0aa0002'))!;
  assert.equal([d.model, d.userNumber], ['T57W', '0100000003']);
});

updates('the vendor column is checked against a kept model too', async () => {
  const r = await run('mac;vendor\n805ec0aa0002;Snom\n', { mode: 'skip-invalid' });
  assert.is(keysByLine(r)[2], 'rejected: import_line.oui_vendor_mismatch');
  assert.match(byLine(r)[2]!, /^rejected: vendor: MAC 80:5e:c0:aa:00:02 has a Yealink prefix/);
});

updates('a default tenant applies to new devices and must match known ones', async () => {
  const r = await run('mac;model\n805ec0aa0003;T54W\n805ec0aa0001;T46S\n', { defaultTenant: 'globex', mode: 'skip-invalid' });
  assert.equal(keysByLine(r), { 2: 'created', 3: 'rejected: conflict.mac_in_tenant' });
  assert.equal(byLine(r), { 2: 'created', 3: 'rejected: mac: MAC 80:5e:c0:aa:00:01 is already registered in tenant "acme"' });
  assert.is((await w.s.app.store.devices.get('805ec0aa0003'))!.tenantId, 'globex');
});

updates('an unknown default tenant is an error before reading anything', async () => {
  const e = await refused(run('mac\n805ec0aa0009\n', { defaultTenant: 'nowhere' }));
  assert.equal([e.code, e.key, e.params], ['validation_failed', 'validation.tenant_unknown', { tenant: 'nowhere' }]);
  assert.match(inEnglish(e), /tenant "nowhere" does not exist/);
});

updates.run();

const admins = suite('tenant admins and users');
admins.before(async () => {
  w = await startImportWorld();
  await run('mac;model;tenant\n805ec0bb0001;T54W;globex\n');
});
admins.after(async () => {
  await w.s.close();
});

admins('a tenant admin imports into their own tenant without naming it', async () => {
  const r = await run('mac;model;user\n805ec0bb0002;T54W;0100000002\n', {}, ACME_ADMIN);
  assert.equal(byLine(r), { 2: 'created' });
  assert.is((await w.s.app.store.devices.get('805ec0bb0002'))!.tenantId, 'acme');
});

admins('a tenant admin cannot import into another tenant nor take its phones', async () => {
  const r = await run('mac;model;tenant\n805ec0bb0003;T54W;globex\n805ec0bb0001;T54W;\n805ec0bb0004;T54W;acme\n', { mode: 'skip-invalid', dryRun: true }, ACME_ADMIN);
  assert.equal(keysByLine(r), { 2: 'rejected: import_line.own_tenant_only', 3: 'rejected: conflict.mac_other_tenant', 4: 'created' });
  assert.equal(byLine(r), {
    2: 'rejected: tenant: you may only import into your own tenant "acme"',
    3: 'rejected: mac: MAC 80:5e:c0:bb:00:01 cannot be added to this tenant: ask your operator',
    4: 'created',
  });
  // Another tenant's user and a number nobody has: one reason, nothing about the other tenant.
  const u = await run('mac;model;user\n805ec0bb0005;T54W;0200000002\n805ec0bb0006;T54W;0299999999\n', { mode: 'skip-invalid', dryRun: true }, ACME_ADMIN);
  assert.equal(byLine(u), {
    2: 'rejected: user: licence 0200000002 is not a licence of this tenant',
    3: 'rejected: user: licence 0299999999 is not a licence of this tenant',
  });
});

admins('a tenant admin may not name another tenant as the default', async () => {
  const e = await refused(run('mac\n805ec0bb0005\n', { defaultTenant: 'globex' }, ACME_ADMIN));
  assert.is(e.code, 'not_found');
});

admins('a plain user may not import phones', async () => {
  const e = await refused(run('mac\n805ec0bb0005\n', {}, ALICE));
  assert.is(e.code, 'forbidden');
});

admins('the local CLI principal imports like an operator', async () => {
  const r = await run('mac;model;tenant\n805ec0bb0006;T54W;globex\n', {}, SYSTEM);
  assert.is(r.created, 1);
});

admins.run();

const whole = suite('whole-file errors');
whole.before(async () => {
  w = await startImportWorld();
});
whole.after(async () => {
  await w.s.close();
});

whole('header-only file: nothing to import', async () => {
  const e = await refused(run('\ufeffmac;model;tenant\r\n'));
  assert.equal([e.key, e.details], ['csv.no_data', [{ field: 'file', line: 2, key: 'csv.no_data' }]]);
  assert.match(inEnglish(e), /header but no data line/);
});

whole('no mac column: line 1 is named', async () => {
  const e = await refused(run('model;tenant\nT54W;acme\n'));
  assert.equal([e.key, e.details[0]!.line], ['csv.no_mac_column', 1]);
  assert.match(inEnglish(e), /^line 1: the header has no "mac" column/);
});

whole('data without a header: told to add one', async () => {
  const e = await refused(run('80:5e:c0:00:00:01;T54W;acme\n'));
  assert.is(e.key, 'csv.header_is_data');
  assert.match(inEnglish(e), /^line 1: this must be a header naming the columns/);
});

whole('an unclosed quote aborts before anything is written', async () => {
  const e = await refused(run('mac;model;tenant;label\n805ec0cc0001;T54W;acme;ok\n805ec0cc0002;T54W;acme;"open\n'));
  assert.equal([e.key, e.details[0]!.line], ['csv.quote_not_closed', 3]);
  assert.match(inEnglish(e), /never closed/);
  assert.is(await deviceCount(w), 0);
});

whole.run();
