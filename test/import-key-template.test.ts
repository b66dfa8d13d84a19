// The `keyTemplate` column of the device import (issue 16): there is no licence import, so the key
// template of a phone's user is set on the phone's line, like its line settings — by name (any
// case) or id, `aucun` to take it off, checked against the phone's model family and keys, named in
// the report (line and column) when refused, audited in the import's entry, all or nothing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { importDevices } from '../server/imports/devices.ts';
import { OPERATOR, ACME_ADMIN, source, startImportWorld, type ImportWorld } from './fixtures/csv/setup.ts';

let w: ImportWorld;
const run = (csv: string, opts: Parameters<typeof importDevices>[3] = {}) => importDevices(w.s.app, OPERATOR, source(csv), opts);
const templateOf = async (n: string) => (await w.s.app.store.users.get(n))!.keyTemplate;
let yealink = 0;

test.before(async () => {
  w = await startImportWorld();
  const t = await w.s.api('POST', '/tenants/acme/key-templates', { name: 'Accueil', family: 'yealink', keys: [{ position: 1, type: 'line' }, { position: 2, type: 'blf', value: '0100000003' }] });
  assert.is(t.status, 201, JSON.stringify(t.body));
  yealink = t.body.id;
  assert.is((await w.s.api('POST', '/tenants/acme/key-templates', { name: 'Large', keys: [{ position: 90, type: 'line' }] })).status, 201);
  assert.is((await w.s.api('POST', '/tenants/globex/key-templates', { name: 'Ailleurs', keys: [] })).status, 201);
});
test.after(async () => w.s.close());

test('a French "modèle de touches" column gives the phone\'s user a template by name; the same file again changes nothing', async () => {
  const csv = 'mac;modèle;parc;utilisateur;modèle de touches\r\n80:5E:C0:AA:00:11;T54W;acme;0100000002;accueil\r\n';
  const dry = await run(csv, { dryRun: true });
  assert.is(dry.rejected, 0, JSON.stringify(dry.lines));
  assert.is(await templateOf('0100000002'), null, 'a dry run writes nothing');
  const r = await run(csv);
  assert.is(r.rejected, 0, JSON.stringify(r.lines));
  assert.is(await templateOf('0100000002'), yealink);
  assert.is((await run(csv)).unchanged, 1);
  // The import's audit entry lists the change of template.
  const audit = (await w.s.api('GET', '/audit?tenant=acme&action=devices.import')).body.entries;
  assert.match(JSON.stringify(audit[0]), /Accueil/);
  // `aucun` takes it off; the phone stays.
  const off = await run('mac;keyTemplate\r\n80:5E:C0:AA:00:11;aucun\r\n');
  assert.is(off.updated, 1, JSON.stringify(off.lines));
  assert.is(await templateOf('0100000002'), null);
});

test('refusals name the line and column: unknown or another tenant\'s template, no user, a phone outside the family, too many keys; nothing written', async () => {
  const r = await run(
    'mac,model,tenant,user,keyTemplate\r\n' +
      '80:5E:C0:AA:00:21,T54W,acme,0100000003,Ailleurs\r\n' +
      '80:5E:C0:AA:00:22,T54W,acme,,Accueil\r\n' +
      '00:04:F2:AA:00:23,VVX450,acme,0100000003,Accueil\r\n' +
      '80:5E:C0:AA:00:24,T54W,acme,0100000003,Large\r\n',
  );
  const byLine = new Map(r.lines.map((l) => [l.line, l]));
  assert.is(r.created, 0);
  const reason = (n: number) => byLine.get(n)?.reason;
  assert.equal(reason(2), { key: 'import_line.key_template_unknown', params: { name: 'Ailleurs' }, field: 'keyTemplate' });
  assert.is(reason(3)?.field, 'user');
  assert.is(reason(4)?.key, 'validation.template_family_mismatch');
  assert.is(reason(4)?.field, 'keyTemplate');
  assert.is(reason(4)?.params?.model, 'VVX450');
  assert.is(reason(5)?.key, 'validation.template_beyond_phone');
  assert.is(reason(5)?.params?.position, 90);
  assert.is(await templateOf('0100000003'), null);
  assert.is(await w.s.app.store.devices.get('805ec0aa0021'), undefined);
});

test('a tenant admin imports for her tenant; the template id works as well as the name', async () => {
  const r = await importDevices(w.s.app, ACME_ADMIN, source(`mac,model,user,keyTemplate\r\n80:5E:C0:AA:00:31,T54W,0100000003,${yealink}\r\n`));
  assert.is(r.rejected, 0, JSON.stringify(r.lines));
  assert.is(await templateOf('0100000003'), yealink);
  // The phone export carries it by name in the same column; re-imported as it is: unchanged.
  const res = await fetch(`${w.s.adminUrl}/api/v1/devices/export?tenant=acme`, { headers: { authorization: `Bearer ${w.s.operatorToken}` } });
  const text = await res.text();
  assert.match(text.split('\r\n')[0]!, /,modele-de-touches$/);
  assert.ok(text.split('\r\n').some((l) => l.startsWith('80:5e:c0:aa:00:31,') && l.endsWith(',Accueil')), text);
  const again = await run(text);
  assert.is(again.rejected, 0, JSON.stringify(again.lines));
  assert.is(again.created + again.updated, 0, JSON.stringify(again.lines));
});

test('two phones giving one user different templates are both refused, each naming the other; the same template twice is fine', async () => {
  const r = await run(
    'mac,model,tenant,user,keyTemplate\r\n' +
      '80:5E:C0:AA:00:41,T54W,acme,0100000003,Accueil\r\n' +
      '80:5E:C0:AA:00:42,T54W,acme,0100000003,aucun\r\n' +
      '80:5E:C0:AA:00:43,T54W,acme,0100000002,accueil\r\n' +
      '80:5E:C0:AA:00:44,T54W,acme,0100000002,ACCUEIL\r\n' +
      '80:5E:C0:AA:00:45,T54W,acme,0100000002,\r\n',
    { mode: 'skip-invalid' },
  );
  const byLine = new Map(r.lines.map((l) => [l.line, l]));
  assert.equal(byLine.get(2)?.reason, { key: 'import_line.user_settings_conflict', params: { user: '0100000003', lines: '3' }, field: 'user' });
  assert.equal(byLine.get(3)?.reason, { key: 'import_line.user_settings_conflict', params: { user: '0100000003', lines: '2' }, field: 'user' });
  assert.is(r.rejected, 2, JSON.stringify(r.lines));
  assert.is(r.created, 3, JSON.stringify(r.lines));
  assert.is(await templateOf('0100000002'), yealink);
  assert.is(await w.s.app.store.devices.get('805ec0aa0041'), undefined);
});

test.run();
