// Exports in the imports' own columns: GET /devices/export and /users/{number}/contacts/export
// (plain CSV, or `;` + BOM for a French Excel by ?format= or Accept), who may export what, and the
// round trip: importing an export reports every line "unchanged" and changes nothing.
// (`cadran export`: test/export-cli.test.ts.)
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startImportWorld, type ImportWorld } from './fixtures/csv/setup.ts';
import { ALICE, seedExports } from './helpers/export-seed.ts';
import { contactsCsv, devicesCsv } from '../server/imports/export.ts';

let w: ImportWorld;

async function get(path: string, token: string | null, headers: Record<string, string> = {}) {
  const h: Record<string, string> = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  const res = await fetch(`${w.s.adminUrl}/api/v1${path}`, { headers: h });
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, bytes, text: bytes.toString('utf8'), headers: res.headers };
}

async function reimport(path: string, body: Buffer | string, token: string) {
  const res = await fetch(`${w.s.adminUrl}/api/v1${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
    body,
  });
  return { status: res.status, body: (await res.json()) as { created: number; updated: number; unchanged: number; rejected: number; lines: Array<{ status: string; reason?: string }> } };
}


const test = suite('export');
test.before(async () => {
  w = await startImportWorld();
  await seedExports(w);
});
test.after(async () => {
  await w.s.close();
});

test('phones: the import columns as plain CSV, a file name, no BOM; re-imported: all unchanged, nothing written', async () => {
  const r = await get('/devices/export?tenant=acme', w.s.operatorToken);
  assert.is(r.status, 200);
  assert.match(String(r.headers.get('content-type')), /^text\/csv; charset=utf-8/);
  assert.match(String(r.headers.get('content-disposition')), /^attachment; filename="phones-acme-\d{4}-\d{2}-\d{2}\.csv"$/);
  assert.is(r.headers.get('cache-control'), 'no-store');
  assert.ok(!r.text.startsWith('\ufeff'));
  const lines = r.text.split('\r\n');
  assert.is(lines[0], 'mac,vendor,model,tenant,user,label,group,renvoi,npd,appelants prioritaires,liste noire,rejeter-appels-anonymes,modele-de-touches');
  assert.ok(lines.includes(`80:5e:c0:aa:00:01,Yealink,T54W,acme,${ALICE},Accueil; étage 2,,,,,,,`), r.text);
  assert.ok(lines.includes('00:04:f2:aa:00:03,Poly VVX,VVX450,acme,0100000003,"\'=HYPERLINK(""http://evil.example"")",,,,,,,'), r.text);
  assert.ok(lines.includes('80:5e:c0:aa:00:02,Yealink,T46U,acme,,"Salle ""Bleue"", 1er",,,,,,,'), r.text);
  assert.ok(r.text.includes(`"Salle ""Bleue"", 1er"`), 'quotes doubled, a comma quoted');
  assert.ok(r.text.includes(`"'=HYPERLINK(""http://evil.example"")"`), 'a formula is neutralised');
  assert.ok(r.text.includes(`,'+33 standard`) && r.text.includes(`,'-moins`) && r.text.includes(`,'@cmd`));
  assert.ok(r.text.includes(`,''=déjà protégé,,,,,,,\r\n`), 'a quote already there is kept: the importer drops one');
  assert.ok(!r.text.includes('globex'), 'one tenant');
  assert.ok(r.text.endsWith('\r\n'));

  const before = JSON.stringify(await w.s.app.store.devices.list());
  const again = await reimport('/devices/import', r.bytes, w.s.operatorToken);
  assert.is(again.status, 200, JSON.stringify(again.body));
  assert.equal([again.body.created, again.body.updated, again.body.unchanged, again.body.rejected], [0, 0, 8, 0], JSON.stringify(again.body.lines));
  assert.is(JSON.stringify(await w.s.app.store.devices.list()), before, 'nothing written (updatedAt included)');
});

test('phones for a French Excel: ?format=excel-fr or Accept, `;` and a BOM; re-imported: all unchanged', async () => {
  const byQuery = await get('/devices/export?tenant=acme&format=excel-fr', w.s.operatorToken);
  const byAccept = await get('/devices/export?tenant=acme', w.s.operatorToken, { accept: 'application/vnd.ms-excel' });
  assert.is(byQuery.status, 200);
  assert.ok(byQuery.bytes.equals(byAccept.bytes), 'Accept gives the same file');
  assert.is(byQuery.headers.get('vary'), 'Accept');
  assert.equal([...byQuery.bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 BOM');
  const text = byQuery.text.slice(1);
  assert.is(text.split('\r\n')[0], 'mac;vendor;model;tenant;user;label;group;renvoi;npd;appelants prioritaires;liste noire;rejeter-appels-anonymes;modele-de-touches');
  assert.ok(text.includes(`;"Accueil; étage 2"`), 'a cell holding `;` is quoted');
  assert.ok(text.includes(`;Salle "Bleue", 1er`) || text.includes(`;"Salle ""Bleue"", 1er"`));
  const plain = await get('/devices/export?tenant=acme', w.s.operatorToken, { accept: 'text/csv' });
  assert.ok(!plain.text.startsWith('\ufeff'));
  const again = await reimport('/devices/import', byQuery.bytes, w.s.operatorToken);
  assert.equal([again.body.created, again.body.updated, again.body.unchanged, again.body.rejected], [0, 0, 8, 0], JSON.stringify(again.body.lines));
});

test('phones: operators export every tenant, a tenant admin theirs only, users and strangers nothing', async () => {
  const all = await get('/devices/export', w.s.operatorToken);
  assert.match(String(all.headers.get('content-disposition')), /phones-all-/);
  assert.is(all.text.trim().split('\r\n').length, 1 + 9, 'header, 9 phones');
  const admin = await get('/devices/export', w.tokens['0100000001']!);
  assert.is(admin.status, 200);
  assert.match(String(admin.headers.get('content-disposition')), /phones-acme-/);
  assert.ok(!admin.text.includes('globex'));
  assert.ok(admin.bytes.equals((await get('/devices/export?tenant=acme', w.s.operatorToken)).bytes));
  assert.is((await get('/devices/export?tenant=globex', w.tokens['0100000001']!)).status, 404, "another tenant's parc: not found");
  assert.is((await get('/devices/export', w.tokens[ALICE]!)).status, 403, 'a user may not export the parc');
  assert.is((await get('/devices/export', null)).status, 401);
  assert.is((await get('/devices/export?tenant=nope', w.s.operatorToken)).status, 404);
  const bad = await get('/devices/export?format=xlsx', w.s.operatorToken);
  assert.is(bad.status, 422);
  assert.match(bad.text, /format/);
  // The re-import as a tenant admin: unchanged too.
  const again = await reimport('/devices/import', admin.bytes, w.tokens['0100000001']!);
  assert.equal([again.body.unchanged, again.body.rejected], [8, 0]);
});

test('contacts: the owner exports them in the contacts import columns; re-imported: all unchanged', async () => {
  const r = await get(`/users/${ALICE}/contacts/export`, w.tokens[ALICE]!);
  assert.is(r.status, 200);
  assert.match(String(r.headers.get('content-disposition')), new RegExp(`contacts-${ALICE}-`));
  const lines = r.text.split('\r\n');
  assert.is(lines[0], 'name,work,mobile,home,group');
  const stored = (await w.s.app.store.contacts.list(ALICE)).find((c) => c.name.startsWith('Dr.'))!;
  assert.ok(r.text.includes(`"Dr. ""Who""; Jr",${stored.work},,0102030405,"Médecins, urgences"\r\n`), r.text);
  assert.ok(r.text.includes(`'=1+1,0145678901,,,`), 'a formula name is neutralised');
  const excel = await get(`/users/${ALICE}/contacts/export?format=excel-fr`, w.tokens[ALICE]!);
  assert.ok(excel.text.startsWith('\ufeffname;work;mobile;home;group\r\n'));
  const before = JSON.stringify(await w.s.app.store.contacts.list(ALICE));
  for (const body of [r.bytes, excel.bytes]) {
    const again = await reimport(`/users/${ALICE}/contacts/import`, body, w.tokens[ALICE]!);
    assert.is(again.status, 200, JSON.stringify(again.body));
    assert.equal([again.body.created, again.body.updated, again.body.unchanged, again.body.rejected], [0, 0, 4, 0], JSON.stringify(again.body.lines));
  }
  assert.is(JSON.stringify(await w.s.app.store.contacts.list(ALICE)), before);
  // Personal contacts are private to their user (issue 17): her admin, operators and colleagues
  // are refused, another tenant is told nothing exists.
  assert.is((await get(`/users/${ALICE}/contacts/export`, w.tokens['0100000001']!)).status, 403);
  assert.is((await get(`/users/${ALICE}/contacts/export`, w.s.operatorToken)).status, 403);
  assert.is((await get(`/users/${ALICE}/contacts/export`, w.tokens['0100000003']!)).status, 403);
  assert.is((await get(`/users/${ALICE}/contacts/export`, w.tokens['0200000001']!)).status, 404);
  assert.is((await get(`/users/0100000099/contacts/export`, w.s.operatorToken)).status, 404);
});

test('phones: the line settings of each phone\'s user (issue 15) are exported in the import\'s columns and round-trip', async () => {
  const saved = { forwardAlways: { enabled: true, target: '06 12 34 56 78' }, dnd: { enabled: true, allowedCallers: ['01 45 67 89 01', '+33 6 98 76 54 32'] }, blacklist: ['08 99 99 99 99'], rejectAnonymous: true };
  assert.is((await w.s.api('PUT', `/users/${ALICE}/features`, saved)).status, 200);
  const stored = JSON.stringify((await w.s.api('GET', `/users/${ALICE}/features`)).body);
  const r = await get('/devices/export?tenant=acme&format=excel-fr', w.s.operatorToken);
  const line = r.text.split('\r\n').find((l) => l.startsWith('80:5e:c0:aa:00:01;'))!;
  assert.match(line, /;oui;[^;]+ \| [^;]+;[^;]+;oui;$/, line);
  assert.ok(!line.endsWith(';;;;;'), 'her settings are in the line');
  const other = r.text.split('\r\n').find((l) => l.startsWith('80:5e:c0:aa:00:02;'))!;
  assert.ok(other.endsWith(';;;;;;'), 'a phone without a user carries no settings');
  // Re-imported as it is: unchanged. After the settings changed: the import puts them back.
  let again = await reimport('/devices/import', r.bytes, w.s.operatorToken);
  assert.equal([again.body.created, again.body.updated, again.body.unchanged, again.body.rejected], [0, 0, 8, 0], JSON.stringify(again.body.lines));
  assert.is((await w.s.api('PUT', `/users/${ALICE}/features`, { forwardAlways: { enabled: false }, dnd: { enabled: false, allowedCallers: [] }, blacklist: [], rejectAnonymous: false })).status, 200);
  again = await reimport('/devices/import', r.bytes, w.s.operatorToken);
  assert.is(again.body.rejected, 0, JSON.stringify(again.body.lines));
  assert.ok(again.body.updated >= 1, JSON.stringify(again.body));
  const back = (await w.s.api('GET', `/users/${ALICE}/features`)).body as Record<string, unknown>;
  const { version: _a, updatedAt: _b, ...backPlain } = back;
  const { version: _c, updatedAt: _d, ...storedPlain } = JSON.parse(stored) as Record<string, unknown>;
  assert.equal(backPlain, storedPlain, 'the export put her settings back');
});

test('writer: empty lists give the header alone; a formula-looking number column is left as it is', () => {
  assert.is(devicesCsv([]), 'mac,vendor,model,tenant,user,label,group,renvoi,npd,appelants prioritaires,liste noire,rejeter-appels-anonymes,modele-de-touches\r\n');
  assert.is(contactsCsv([], 'excel-fr'), '\ufeffname;work;mobile;home;group\r\n');
  const c = { id: 1, userNumber: ALICE, name: 'x', work: '+33145678901', mobile: null, home: null, group: null, version: 1, createdAt: '', updatedAt: '' };
  assert.is(contactsCsv([c]).split('\r\n')[1], 'x,+33145678901,,,', 'a phone number keeps its +');
});

test.run();
