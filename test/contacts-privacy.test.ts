// Personal contacts are private to their user (issue 17) while the tenant's admins and operators may
// ADD to a user's address book (SPEC: "a tenant admin may manage them", e.g. seeding it from an old
// PBX). Every attack replayed through the API: an admin or an operator reading, exporting, editing or
// deleting; an add answered with more than was sent; an import used as an oracle on what the book
// holds; another tenant's admin adding; a colleague adding; the audit trail showing contents.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer, seedTwoTenants, type TestServer } from './helpers/server.ts';
import { MASK } from '../server/domain/audit.ts';
import { makeImportsFeature } from '../server/features.ts';

const t = suite('personal contacts: add without reading');
let s: TestServer, tok: Record<string, string>;
// seedTwoTenants: Chloé admin of acme, Alice and Bob users of acme, Gus admin of globex.
const [ADMIN, ALICE, BOB, GUS] = ['0100000001', '0100000002', '0100000003', '0200000001'] as const;
const SECRET = { name: 'Dr Zoé Secrète', mobile: '0611223344', group: 'Médecins' };
const CSV = { 'content-type': 'text/csv' };
let secretId = 0;

t.before(async () => {
  s = await startTestServer({ features: [makeImportsFeature()] });
  tok = await seedTwoTenants(s);
  await s.api('POST', '/devices', { mac: '805ec0000002', model: 'T54W', tenant: 'acme', user: ALICE });
  const r = await s.api('POST', `/users/${ALICE}/contacts`, SECRET, tok[ALICE]);
  assert.is(r.status, 201);
  secretId = r.body.id;
});
t.after(async () => s.close());

const readers = () => [['admin of her tenant', tok[ADMIN]!], ['operator', s.operatorToken]] as const;

t('neither her admin nor an operator reads, exports, edits or deletes her contacts (403, nothing in the answer)', async () => {
  for (const [who, token] of readers()) {
    const answers = [
      await s.api('GET', `/users/${ALICE}/contacts`, undefined, token),
      await s.api('GET', `/users/${ALICE}/contacts/${secretId}`, undefined, token),
      await s.api('GET', `/users/${ALICE}/contacts/export`, undefined, token),
      await s.api('GET', `/users/${ALICE}/contacts/export?format=excel-fr`, undefined, token),
      await s.api('PATCH', `/users/${ALICE}/contacts/${secretId}`, { name: 'Changé' }, token),
      await s.api('PUT', `/users/${ALICE}/contacts/${secretId}`, { name: 'Changé' }, token),
      await s.api('DELETE', `/users/${ALICE}/contacts/${secretId}`, undefined, token),
    ];
    for (const a of answers) {
      assert.is(a.status, 403, `${who}: ${a.status} ${JSON.stringify(a.body)}`);
      assert.is(a.body.error.code, 'forbidden');
      assert.not.ok(JSON.stringify(a.body).includes('Zoé'), who);
    }
  }
  const mine = await s.api('GET', `/users/${ALICE}/contacts/${secretId}`, undefined, tok[ALICE]);
  assert.equal([mine.body.name, mine.body.version], [SECRET.name, 1]);
});

t('an admin of her tenant and an operator add a contact: 201 with only what they sent (no id, no version, no ETag); she sees it', async () => {
  for (const [who, token] of readers()) {
    const r = await s.api('POST', `/users/${ALICE}/contacts`, { name: `Ajout ${who}`, work: '01 45 67 89 01' }, token);
    assert.is(r.status, 201, who);
    assert.equal(r.body, { name: `Ajout ${who}`, work: '0145678901', mobile: null, home: null, group: null });
    assert.not.match(r.headers.get('etag') ?? '', /"v\d+"/);
  }
  const list = await s.api('GET', `/users/${ALICE}/contacts`, undefined, tok[ALICE]);
  assert.equal(list.body.map((c: { name: string }) => c.name).sort(), ['Ajout admin of her tenant', 'Ajout operator', SECRET.name].sort());
  // Her own add answers the whole record, as before.
  const own = await s.api('POST', `/users/${ALICE}/contacts`, { name: 'Moi-même', work: '0145678902' }, tok[ALICE]);
  assert.ok(own.body.id > 0);
  assert.match(own.headers.get('etag') ?? '', /v1/);
  await s.api('DELETE', `/users/${ALICE}/contacts/${own.body.id}`, undefined, tok[ALICE]);
});

t('another tenant\'s admin adds nothing and learns nothing (404); a colleague adds nothing (403)', async () => {
  const gus = await s.api('POST', `/users/${ALICE}/contacts`, { name: 'Intrus', work: '0145678901' }, tok[GUS]);
  assert.equal([gus.status, gus.body.error.code], [404, 'not_found']);
  const gusImport = await s.api('POST', `/users/${ALICE}/contacts/import`, 'name;work\nIntrus;0145678901\n', tok[GUS], CSV);
  assert.is(gusImport.status, 404);
  const bob = await s.api('POST', `/users/${ALICE}/contacts`, { name: 'Intrus', work: '0145678901' }, tok[BOB]);
  assert.equal([bob.status, bob.body.error.code], [403, 'forbidden']);
  assert.match(bob.body.error.message, /administrat|admin/i);
  const bobImport = await s.api('POST', `/users/${ALICE}/contacts/import`, 'name;work\nIntrus;0145678901\n', tok[BOB], CSV);
  assert.is(bobImport.status, 403);
  const names = (await s.api('GET', `/users/${ALICE}/contacts`, undefined, tok[ALICE])).body.map((c: { name: string }) => c.name);
  assert.not.ok(names.includes('Intrus'));
});

t('an import by her admin is no oracle: a file of contacts she has and a file of new ones give the same report; nothing doubled, nothing updated', async () => {
  const known = `name;mobile;group\n${SECRET.name};${SECRET.mobile};Autre groupe\n`;
  const fresh = 'name;mobile;group\nQuelqu\'un de neuf;0699887766;Autre groupe\n';
  const strip = (b: { lines: Array<{ name?: string }>; message: string }) => ({ ...b, lines: b.lines.map(({ name: _n, ...l }) => l), message: '' });
  for (const dry of [true, false]) {
    const q = dry ? '?dryRun=true' : '';
    const a = await s.api('POST', `/users/${ALICE}/contacts/import${q}`, known, tok[ADMIN], CSV);
    const b = await s.api('POST', `/users/${ALICE}/contacts/import${q}`, fresh, tok[ADMIN], CSV);
    assert.is(a.status, 200, JSON.stringify(a.body));
    assert.equal(strip(a.body), strip(b.body));
    assert.equal([a.body.added, a.body.created, a.body.updated, a.body.unchanged], [1, 0, 0, 0]);
    assert.equal(a.body.lines.map((l: { status: string }) => l.status), ['added']);
  }
  const mine = (await s.api('GET', `/users/${ALICE}/contacts`, undefined, tok[ALICE])).body as Array<{ name: string; group: string | null }>;
  // Her contact is not doubled, and its group is not changed (editing is hers).
  assert.equal(mine.filter((c) => c.name === SECRET.name).map((c) => c.group), [SECRET.group]);
  assert.is(mine.filter((c) => c.name === 'Quelqu\'un de neuf').length, 1);
  // The same import by Alice herself tells her what her book holds.
  const own = await s.api('POST', `/users/${ALICE}/contacts/import?dryRun=true`, known, tok[ALICE], CSV);
  assert.equal([own.body.updated, own.body.added], [1, 0]);
});

t('the audit trail shows no contact\'s contents to an admin nor to an operator: adds, edits, deletes and imports are masked', async () => {
  // Alice edits and deletes one of her contacts; an admin imports one.
  const c = await s.api('POST', `/users/${ALICE}/contacts`, { name: 'Éphémère Privé', home: '0140404040' }, tok[ALICE]);
  await s.api('PATCH', `/users/${ALICE}/contacts/${c.body.id}`, { name: 'Éphémère Renommé' }, tok[ALICE]);
  await s.api('DELETE', `/users/${ALICE}/contacts/${c.body.id}`, undefined, tok[ALICE]);
  await s.api('POST', `/users/${ALICE}/contacts/import`, 'name;work\nImporté Privé;0145454545\n', tok[ALICE], CSV);
  for (const [who, token] of readers()) {
    const a = await s.api('GET', `/audit?user=${ALICE}&limit=1000`, undefined, token);
    assert.is(a.status, 200, who);
    const text = JSON.stringify(a.body);
    for (const secret of ['Zoé', '0611223344', 'Médecins', 'Éphémère', '0140404040', 'Importé', '0145454545', 'Quelqu']) {
      assert.not.ok(text.includes(secret), `${who} reads ${secret} in the trail`);
    }
    const entries = a.body.entries as Array<{ action: string; principal: string; after: Record<string, unknown> | null; changes: Array<{ field: string; after: unknown }>; summary: { lines?: unknown[] } | null }>;
    const create = entries.find((e) => e.action === 'contact.create' && e.principal === `user:${ALICE}`)!;
    assert.is(create.after!.name, MASK);
    assert.is(create.after!.userNumber, ALICE);
    const update = entries.find((e) => e.action === 'contact.update')!;
    assert.equal(update.changes.map((x) => [x.field, x.after]), [['name', MASK]]);
    // The user's own import lists its lines, masked; an admin's import lists none (which were written would tell which were there).
    const imports = entries.filter((e) => e.action === 'contacts.import');
    assert.equal(imports.find((e) => e.principal === `user:${ALICE}`)!.summary!.lines, [{ line: 2, status: 'created', name: MASK }]);
    assert.ok(imports.filter((e) => e.principal === `admin:${ADMIN}`).every((e) => e.summary!.lines!.length === 0));
  }
});

t('the preview of her phone\'s files lists the file carrying her contacts as private to her admin and an operator: no content, no diff, even with secrets', async () => {
  for (const [who, token] of readers()) {
    const list = await s.api('GET', '/devices/805ec0000002/files', undefined, token);
    assert.is(list.status, 200, who);
    const priv = (list.body.files as Array<{ name: string; private: boolean }>).filter((f) => f.private).map((f) => f.name);
    assert.equal(priv, ['805ec0000002-contacts.xml'], who);
    for (const path of ['', '?secrets=true', '?diff=last-fetched']) {
      const r = await s.api('GET', `/devices/805ec0000002/files/805ec0000002-contacts.xml${path}`, undefined, token);
      assert.equal([r.status, r.body.error?.key], [403, 'forbidden.contacts_file_private'], `${who} ${path}`);
    }
    assert.is((await s.api('GET', '/devices/805ec0000002/files/805ec0000002-contacts.xml/diff', undefined, token)).status, 403);
    // The other files do not carry her contacts.
    for (const f of list.body.files as Array<{ name: string; private: boolean }>) {
      if (f.private) continue;
      const r = await s.api('GET', `/devices/805ec0000002/files/${f.name}`, undefined, token);
      assert.is(r.status, 200);
      assert.not.ok(String(r.body).includes('Zo'), f.name);
    }
  }
  // Alice herself reads it (her own phone).
  const mine = await s.api('GET', '/devices/805ec0000002/files/805ec0000002-contacts.xml', undefined, tok[ALICE]);
  assert.is(mine.status, 200);
  assert.ok(String(mine.body).includes('Secrète'));
});

t('an entry written before contacts were masked is masked when read', async () => {
  await s.app.store.audit.append({
    at: new Date().toISOString(), principal: `user:${ALICE}`, channel: 'api', address: '127.0.0.1', action: 'contact.create',
    tenantId: 'acme', userNumber: ALICE, mac: null, targetId: '999', before: null,
    after: { id: 999, userNumber: ALICE, name: 'Ancien Secret', work: '0133333333' }, changes: [],
    summary: null,
  });
  await s.app.store.audit.append({
    at: new Date().toISOString(), principal: `user:${ALICE}`, channel: 'api', address: '127.0.0.1', action: 'contacts.import',
    tenantId: 'acme', userNumber: ALICE, mac: null, targetId: null, before: null, after: null,
    changes: [], summary: { created: 1, lines: [{ line: 2, name: 'Ancien Importé', status: 'updated', changes: [{ field: 'group', before: 'A', after: 'Vieux groupe' }] }] },
  });
  const a = await s.api('GET', `/audit?user=${ALICE}`, undefined, tok[ADMIN]);
  const text = JSON.stringify(a.body);
  for (const secret of ['Ancien', '0133333333', 'Vieux groupe']) assert.not.ok(text.includes(secret), secret);
  assert.ok(text.includes('"field":"group"'));
});

t.run();
