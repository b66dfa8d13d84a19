// Issue 16 (directory part): the company directory on the phones (colleagues, shared contacts,
// personal ones private), key templates (inheritance, overrides by position, versioned writes,
// capacity per phone, tenant isolation, audit), BLF labels following renames onto supervising phones.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PHONES, get, startPhoneServer, type PhoneServer } from './phone-fixtures.ts';
import { importsFeature } from '../server/features.ts';

const test = suite('company directory and key templates');
let ps: PhoneServer;
const Y = PHONES.yealink; // Alice's T54W (acme)
const P = PHONES.polycom; // Bob's VVX450 (acme)
const ADMIN = '0100000001';
const ALICE = '0100000002';
const BOB = '0100000003';
const GUS = '0200000001';
let tok: Record<string, string> = {};

const login = async (n: string) => (await ps.s.api('POST', '/sessions', { login: n, password: `pw-${n}` }, null)).body.token as string;
const fetchText = async (p: { mac: string; ua: string }, file: string) => {
  const r = await get(ps.httpPort, `/${file}`, { headers: { 'user-agent': p.ua } });
  assert.is(r.status, 200, file);
  return r.body.toString('utf8');
};

test.before(async () => {
  ps = await startPhoneServer({}, [importsFeature]);
  for (const n of [ADMIN, ALICE, BOB, GUS]) tok[n] = await login(n);
});
test.after(async () => ps.close());

test('company directory: colleagues, shared contacts and personal ones in groups; personal stay private; changes reach the phones', async () => {
  const api = ps.s.api;
  assert.is((await api('POST', '/tenants/acme/contacts', { name: 'Plombier Dubois', mobile: '0611998877', group: 'Fournisseurs' }, tok[ADMIN])).status, 201);
  const shared = await api('POST', '/tenants/acme/contacts', { name: 'Standard', work: '0145000000' }, tok[ADMIN]);
  assert.is(shared.status, 201);
  // Versioned like every row: ETag "v<n>"; If-Match naming an older version: 412, nothing written.
  assert.is(shared.headers.get('etag'), '"v1"');
  assert.is(shared.body.version, 1);
  const bumped = await api('PATCH', `/tenants/acme/contacts/${shared.body.id}`, { home: '0145000009' }, tok[ADMIN], { 'if-match': '"v1"' });
  assert.is(bumped.status, 200);
  assert.is(bumped.headers.get('etag'), '"v2"');
  const late = await api('PUT', `/tenants/acme/contacts/${shared.body.id}`, { name: 'Écrasé' }, tok[ADMIN], { 'if-match': '"v1"' });
  assert.is(late.status, 412);
  assert.match(JSON.stringify(late.body), /stale|modifi/i);
  assert.is((await api('DELETE', `/tenants/acme/contacts/${shared.body.id}`, undefined, tok[ADMIN], { 'if-match': '"v1"' })).status, 412);
  const now = await api('GET', `/tenants/acme/contacts/${shared.body.id}`, undefined, tok[ADMIN]);
  assert.is(now.headers.get('etag'), '"v2"');
  assert.is(now.body.name, 'Standard');
  assert.is((await api('PATCH', `/tenants/acme/contacts/${shared.body.id}`, { home: null }, tok[ADMIN], { 'if-match': '"v2"' })).status, 200);
  assert.is((await api('POST', `/users/${ALICE}/contacts`, { name: 'Maman', mobile: '0622334455' }, tok[ALICE])).status, 201);
  // A user reads the shared contacts but does not write them; another tenant does not see them.
  assert.is((await api('GET', '/tenants/acme/contacts', undefined, tok[BOB])).body.length, 2);
  assert.is((await api('POST', '/tenants/acme/contacts', { name: 'x', work: '0100000000' }, tok[BOB])).status, 403);
  assert.is((await api('GET', '/tenants/acme/contacts', undefined, tok[GUS])).status, 404);
  assert.is((await api('GET', `/tenants/acme/contacts/${shared.body.id}`, undefined, tok[GUS])).status, 404);
  assert.is((await api('GET', `/tenants/globex/contacts/${shared.body.id}`, undefined, tok[GUS])).status, 404);

  const book = await fetchText(Y, `${Y.mac}-contacts.xml`);
  assert.match(book, /<Menu Name="Collègues">\s*<Unit Name="Bob Durand" Phone1="0100000003"\/>\s*<Unit Name="Chloé Admin" Phone1="0100000001"\/>/);
  assert.not.match(book, /Alice Martin/, 'her own licence is not in her directory');
  assert.match(book, /<Menu Name="Entreprise">\s*<Unit Name="Standard" Phone1="0145000000"\/>/);
  assert.match(book, /<Menu Name="Fournisseurs">\s*<Unit Name="Plombier Dubois" Phone2="0611998877"\/>/);
  assert.match(book, /<Menu Name="Personnel">\s*<Unit Name="Maman" Phone2="0622334455"\/>/);
  // Bob's VVX: colleagues and shared contacts, never Alice's personal ones.
  const dir = await fetchText(P, `${P.mac}-directory.xml`);
  assert.match(dir, /Alice Martin/);
  assert.match(dir, /Standard/);
  assert.not.match(dir, /Maman|0622334455/);

  // Hidden licence, renamed licence, changed shared contact: the next fetch shows it.
  assert.is((await api('PATCH', `/users/${BOB}`, { directoryHidden: true }, tok[ADMIN])).status, 200);
  assert.is((await api('PATCH', `/tenants/acme/contacts/${shared.body.id}`, { name: 'Standard ACME' }, tok[ADMIN])).status, 200);
  assert.is((await api('PATCH', `/users/${ADMIN}`, { name: 'Chloé Directrice' }, tok[ADMIN])).status, 200);
  const again = await fetchText(Y, `${Y.mac}-contacts.xml`);
  assert.not.match(again, /Bob Durand/);
  assert.match(again, /Chloé Directrice/);
  assert.match(again, /Standard ACME/);
  assert.is((await api('PATCH', `/users/${BOB}`, { directoryHidden: false }, tok[ADMIN])).status, 200);

  // CSV export in the French Excel flavour (';', BOM), and an import of the same file changes nothing.
  const csv = await fetch(`${ps.s.adminUrl}/api/v1/tenants/acme/contacts/export?format=excel-fr`, { headers: { authorization: `Bearer ${tok[ADMIN]}` } });
  assert.is(csv.status, 200);
  const bytes = Buffer.from(await csv.arrayBuffer());
  assert.equal([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  assert.match(bytes.toString('utf8'), /Plombier Dubois;/);
  const imp = await api('POST', '/tenants/acme/contacts/import', 'name,work,mobile\nPlombier Dubois,,0611998877\nÉlectricien,0145111111,\n', tok[ADMIN], { 'content-type': 'text/csv' });
  assert.is(imp.status, 200, JSON.stringify(imp.body));
  assert.is((await api('GET', '/tenants/acme/contacts', undefined, tok[ADMIN])).body.length, 3);
  assert.is((await api('POST', '/tenants/acme/contacts/import', 'name,work\nX,0145111112\n', tok[BOB], { 'content-type': 'text/csv' })).status, 403);

  const audit = (await api('GET', '/audit?tenant=acme&action=shared_contact.', undefined, tok[ADMIN])).body;
  assert.ok(audit.entries.some((e: { action: string }) => e.action === 'shared_contact.create'));
  assert.ok(audit.entries.some((e: { action: string }) => e.action === 'shared_contact.update'));
});

test('key templates: inheritance, user keys win by position, versioned writes, capacity per phone, isolation, audit', async () => {
  const api = ps.s.api;
  const created = await api('POST', '/tenants/acme/key-templates', {
    name: 'Standard', family: 'yealink',
    keys: [{ position: 1, type: 'line' }, { position: 2, type: 'blf', value: BOB }, { position: 3, type: 'speeddial', value: '0145000000', label: 'Accueil' }],
  }, tok[ADMIN]);
  assert.is(created.status, 201, JSON.stringify(created.body));
  const id = created.body.id as number;
  assert.is(created.body.version, 1);
  // A BLF outside the tenant, a duplicate name: refused.
  assert.is((await api('POST', '/tenants/acme/key-templates', { name: 'Bad', keys: [{ position: 1, type: 'blf', value: GUS }] }, tok[ADMIN])).status, 422);
  assert.is((await api('POST', '/tenants/acme/key-templates', { name: 'standard', keys: [] }, tok[ADMIN])).status, 409);
  // Another tenant: not found; a plain user: no writes.
  assert.is((await api('GET', `/tenants/acme/key-templates/${id}`, undefined, tok[GUS])).status, 404);
  assert.is((await api('GET', `/tenants/globex/key-templates/${id}`, undefined, tok[GUS])).status, 404);
  assert.is((await api('PATCH', `/tenants/globex/key-templates/${id}`, { version: 1, name: 'x' }, tok[GUS])).status, 404);
  assert.is((await api('POST', '/tenants/acme/key-templates', { name: 'Mine', keys: [] }, tok[ALICE])).status, 403);

  // Alice gets the template; her own key 3 wins over the template's.
  assert.is((await api('PUT', `/users/${ALICE}/keys`, [{ position: 3, type: 'speeddial', value: '0622334455', label: 'Maison' }], tok[ALICE])).status, 200);
  assert.is((await api('PATCH', `/users/${ALICE}`, { keyTemplate: id }, tok[ADMIN])).status, 200);
  const eff = (await api('GET', `/users/${ALICE}/effective-keys`, undefined, tok[ALICE])).body;
  assert.equal(eff.map((k: { position: number; source: string; value: string | null }) => [k.position, k.source, k.value]), [[1, 'template', null], [2, 'template', BOB], [3, 'user', '0622334455']]);
  // Another tenant's template cannot be given; a VVX licence cannot take a Yealink-only one.
  assert.is((await api('PATCH', `/users/${BOB}`, { keyTemplate: 987654 }, tok[ADMIN])).status, 422);
  const vvx = await api('PATCH', `/users/${BOB}`, { keyTemplate: id }, tok[ADMIN]);
  assert.is(vvx.status, 422);
  assert.match(JSON.stringify(vvx.body), /00:04:f2:00:00:02/i);
  assert.match(vvx.body.error.message, /VVX/);
  assert.match(vvx.body.error.message, /Standard/);
  // The other way round: a VVX given to Alice, whose template is for Yealink phones, is refused naming the model.
  const phone = await api('POST', '/devices', { mac: '0004f2c0ff01', model: 'VVX450', tenant: 'acme', user: ALICE }, tok[ADMIN]);
  assert.is(phone.status, 409, JSON.stringify(phone.body));
  assert.match(phone.body.error.message, /VVX450/);
  assert.match(phone.body.error.message, /Standard/);
  assert.is((await api('GET', '/devices/0004f2c0ff01', undefined, tok[ADMIN])).status, 404);

  // The phone has the template's BLF labelled with the colleague's name, and the user's key 3.
  let cfg = await fetchText(Y, `${Y.mac}.cfg`);
  assert.match(cfg, /linekey\.2\.type = 16/);
  assert.match(cfg, /linekey\.2\.label = Bob Durand/);
  assert.match(cfg, /linekey\.3\.label = Maison/);

  // Stale version: 409; beyond the T54W's keys: 422 naming the phone; then a good change reaches the phone.
  assert.is((await api('PATCH', `/tenants/acme/key-templates/${id}`, { version: 1, name: 'Standard v2' }, tok[ADMIN])).status, 200);
  assert.is((await api('PATCH', `/tenants/acme/key-templates/${id}`, { version: 1, name: 'Stale' }, tok[ADMIN])).status, 409);
  const big = await api('PATCH', `/tenants/acme/key-templates/${id}`, { version: 2, keys: [{ position: 500, type: 'line' }] }, tok[ADMIN]);
  assert.is(big.status, 422);
  assert.match(JSON.stringify(big.body), /80:5e:c0:00:00:01/i);
  const v3 = await api('PATCH', `/tenants/acme/key-templates/${id}`, { version: 2, keys: [{ position: 1, type: 'line' }, { position: 4, type: 'blf', value: BOB }] }, tok[ADMIN]);
  assert.is(v3.status, 200, JSON.stringify(v3.body));
  assert.equal(v3.body.licences, [ALICE]);
  cfg = await fetchText(Y, `${Y.mac}.cfg`);
  assert.match(cfg, /linekey\.4\.label = Bob Durand/);
  assert.not.match(cfg, /linekey\.2\.label = Bob Durand/);

  // BLF labels follow people: Bob renamed, Alice's phone (template BLF) shows the new name at its next fetch.
  assert.is((await api('PATCH', `/users/${BOB}`, { name: 'Robert Durand' }, tok[ADMIN])).status, 200);
  cfg = await fetchText(Y, `${Y.mac}.cfg`);
  assert.match(cfg, /linekey\.4\.label = Robert Durand/);

  const audit = (await api('GET', '/audit?tenant=acme&action=key_template.', undefined, tok[ADMIN])).body;
  assert.equal(audit.entries.map((e: { action: string }) => e.action).sort(), ['key_template.create', 'key_template.update', 'key_template.update']);

  // Deleting the template: Alice keeps her own keys only.
  assert.is((await api('DELETE', `/tenants/acme/key-templates/${id}?version=1`, undefined, tok[ADMIN])).status, 409);
  assert.is((await api('DELETE', `/tenants/acme/key-templates/${id}?version=3`, undefined, tok[ADMIN])).status, 204);
  assert.is((await api('GET', `/users/${ALICE}`, undefined, tok[ADMIN])).body.keyTemplate, null);
  cfg = await fetchText(Y, `${Y.mac}.cfg`);
  assert.not.match(cfg, /Robert Durand/);
});

test('BLF labels follow people on every vendor: a rename reaches each supervising phone', async () => {
  const api = ps.s.api;
  // Bob (VVX) supervises the admin on his own key without a label.
  assert.is((await api('PUT', `/users/${BOB}/keys`, [{ position: 2, type: 'blf', value: ADMIN }], tok[ADMIN])).status, 200);
  let cfg = await fetchText(P, `${P.mac}-cadran.cfg`);
  const before = (await api('GET', `/users/${ADMIN}`, undefined, tok[ADMIN])).body.name as string;
  assert.ok(cfg.includes(before), 'the VVX shows the colleague\'s name');
  assert.is((await api('PATCH', `/users/${ADMIN}`, { name: 'Chloé Présidente' }, tok[ADMIN])).status, 200);
  cfg = await fetchText(P, `${P.mac}-cadran.cfg`);
  assert.ok(cfg.includes('Chloé Présidente'));
  assert.not.ok(cfg.includes(before));
});

test('the company directory is read once per tenant for all its phones and follows every change', async () => {
  const api = ps.s.api;
  const store = ps.s.app.store;
  const list = store.users.directory.bind(store.users);
  let reads = 0;
  store.users.directory = (async (...a: Parameters<typeof list>) => {
    if (a[0] === 'acme') reads++;
    return list(...a);
  }) as typeof store.users.directory;
  try {
    // A rename names every acme phone: their files and the kept directory go.
    assert.is((await api('PATCH', `/users/${BOB}`, { name: 'Robert Durand' }, tok[ADMIN])).status, 200);
    reads = 0;
    assert.match(await fetchText(Y, `${Y.mac}-contacts.xml`), /Robert Durand/);
    assert.match(await fetchText(P, `${P.mac}-directory.xml`), /Alice Martin/);
    assert.match(await fetchText(Y, `${Y.mac}.cfg`), /Robert Durand|account\.1/);
    assert.is(reads, 1, 'two phones of acme, three files: the licences of acme listed once');

    // A new licence, then its deletion: on the other phones at the next fetch.
    assert.is((await api('POST', '/tenants/acme/users', { number: '0100000077', name: 'Zoé Nouvelle', role: 'user' }, tok[ADMIN])).status, 201);
    assert.match(await fetchText(Y, `${Y.mac}-contacts.xml`), /Zoé Nouvelle/);
    assert.match(await fetchText(P, `${P.mac}-directory.xml`), /Zoé Nouvelle/);
    assert.is((await api('DELETE', '/users/0100000077', undefined, tok[ADMIN])).status, 204);
    assert.not.match(await fetchText(Y, `${Y.mac}-contacts.xml`), /Zoé Nouvelle/);
    assert.not.match(await fetchText(P, `${P.mac}-directory.xml`), /Zoé Nouvelle/);

    // Shared contacts imported: on the phones too.
    const imp = await api('POST', '/tenants/acme/contacts/import', 'name,work\nPlombier Express,0145777777\n', tok[ADMIN], { 'content-type': 'text/csv' });
    assert.is(imp.status, 200, JSON.stringify(imp.body));
    assert.match(await fetchText(P, `${P.mac}-directory.xml`), /Plombier Express/);

    // Written by another node: its change comes through the store's notifications as an external
    // change naming the tenant's phones (server/store/postgres/listen.ts); the kept directory goes.
    const before = reads;
    const u = (await store.users.get(ADMIN))!;
    assert.ok(await store.users.update(ADMIN, { ...u, name: 'Chloé Ailleurs' }, u.version));
    ps.s.app.changes.devicesChanged([Y.mac, P.mac], 'written on another node', { external: true });
    assert.match(await fetchText(Y, `${Y.mac}-contacts.xml`), /Chloé Ailleurs/);
    assert.match(await fetchText(P, `${P.mac}-directory.xml`), /Chloé Ailleurs/);
    assert.is(reads, before + 1);

    // The fleet state sees the directory too: a colleague renamed leaves Bob's VVX pending until it
    // fetches its directory again (the fleet's own kept directory dropped by the same change).
    const stateOf = async () => (await api('GET', `/devices/${P.mac}`, undefined, tok[ADMIN])).body as { configState: string; pendingFiles: string[] };
    const settles = async (want: string) => {
      const deadline = Date.now() + 8000;
      let s = await stateOf();
      while (s.configState !== want && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        s = await stateOf();
      }
      return s;
    };
    for (const f of ['0004f2000002.cfg', `${P.mac}-cadran.cfg`, `${P.mac}-directory.xml`]) await get(ps.httpPort, `/${f}`, { headers: { 'user-agent': P.ua } });
    assert.is((await settles('current')).configState, 'current');
    assert.is((await api('PATCH', `/users/${ALICE}`, { name: 'Alice Renommée' }, tok[ADMIN])).status, 200);
    const pending = await settles('pending');
    assert.is(pending.configState, 'pending');
    assert.ok(pending.pendingFiles.includes(`${P.mac}-directory.xml`), JSON.stringify(pending));
    assert.match(await fetchText(P, `${P.mac}-directory.xml`), /Alice Renommée/);
  } finally {
    store.users.directory = list;
  }
});

test.run();
