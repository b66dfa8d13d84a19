// CSV imports through the web pages: upload → dry-run report (nothing written) → confirm.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer, seedTwoTenants, type TestServer } from './helpers/server.ts';
import { WebClient, htmlText } from './helpers/web-client.ts';
import { webFeature } from '../server/features.ts';
import { createOperator } from '../server/cli/operator.ts';

let s: TestServer;

test.before(async () => {
  s = await startTestServer({ features: [webFeature] });
  await seedTwoTenants(s);
  await createOperator(s.app, 'tech', 'tech-password');
});
test.after(async () => {
  await s.close();
});

test('operator: MAC import shows the dry run line by line, then imports on confirm', async () => {
  const c = new WebClient(s.adminUrl);
  assert.is((await c.login('tech', 'tech-password')).status, 303);
  const form = await c.get('/ops/import');
  assert.match(form.html, 'enctype="multipart/form-data"');
  const csv = 'mac;model;tenant;user;label\n80:5E:C0:00:00:01;T54W;acme;0100000002;Accueil\n80-5e-c0-00-00-02;T46U;acme;;\nnot-a-mac;T54W;acme;;\n';
  const dry = await c.upload('/ops/import', { step: 'dryrun', skipInvalid: '1' }, { name: 'macs.csv', content: csv });
  assert.is(dry.status, 200);
  assert.match(dry.html, 'Résultat de la vérification');
  assert.match(dry.html, 'not-a-mac');
  assert.is((await s.app.store.devices.list()).length, 0, 'a dry run writes nothing');
  const carried = /name="csv" value="([^"]+)"/.exec(dry.html)![1]!;
  const done = await c.post('/ops/import', { step: 'confirm', csv: carried, skipInvalid: '1' });
  assert.is(done.status, 200, /class="flash error"[^>]*>([^<]*)/.exec(done.html)?.[1] ?? /field-error[^>]*>([^<]*)/.exec(done.html)?.[1]);
  assert.match(htmlText(done.html), 'Téléphones importés : 2 créé(s), 0 modifié(s), 0 inchangé(s) ; 1 ligne(s) refusée(s) ignorée(s).');
  assert.match(done.html, '>Créé<');
  assert.not.match(done.html, 'Sera créé');
  assert.equal((await s.app.store.devices.list()).map((d) => d.mac).sort(), ['805ec0000001', '805ec0000002']);
  for (const d of await s.app.store.devices.list()) await s.app.store.devices.delete(d.mac);
});

test('operator: all or nothing with a rejected line offers no "Confirmer l\'import", never says it imported, and can import the valid lines', async () => {
  const c = new WebClient(s.adminUrl);
  await c.login('tech', 'tech-password');
  await c.get('/ops/import');
  const csv = 'mac;model;tenant;user;label\n80:5E:C0:00:00:21;T54W;acme;;Accueil\nnot-a-mac;T54W;acme;;\n';
  const dry = await c.upload('/ops/import', { step: 'dryrun' }, { name: 'macs.csv', content: csv });
  assert.is(dry.status, 200);
  const text = htmlText(dry.html);
  assert.not.match(text, "Confirmer l'import");
  assert.match(text, 'Importer les lignes valides');
  assert.match(text, 'Un import réel n\'écrirait rien non plus');
  assert.match(text, 'Sera créé');
  assert.not.match(text, 'Import terminé');
  // The old confirm, replayed as the page used to post it (all or nothing): nothing is written and the page says so.
  const carried = /name="csv" value="([^"]+)"/.exec(dry.html)![1]!;
  const refused = await c.post('/ops/import', { step: 'confirm', csv: carried });
  assert.is(refused.status, 200);
  const rtext = htmlText(refused.html);
  assert.match(rtext, "Rien n'a été écrit");
  assert.match(refused.html, 'class="flash error"');
  assert.not.match(rtext, 'Import terminé');
  assert.not.match(rtext, 'Création');
  assert.not.match(rtext, '>Créé<');
  assert.match(rtext, 'Non créé');
  assert.is((await s.app.store.devices.list()).length, 0);
  // The offer: the valid lines only.
  const valid = await c.post('/ops/import', { step: 'confirm', csv: carried, skipInvalid: '1' });
  assert.match(htmlText(valid.html), 'Téléphones importés : 1 créé(s)');
  assert.match(valid.html, 'class="flash ok"');
  assert.equal((await s.app.store.devices.list()).map((d) => d.mac), ['805ec0000021']);
  assert.not.match(valid.html, 'name="step" value="confirm"', 'nothing left to confirm once written');
  for (const d of await s.app.store.devices.list()) await s.app.store.devices.delete(d.mac);
});

test('operator: a file with only rejected lines offers nothing to confirm', async () => {
  const c = new WebClient(s.adminUrl);
  await c.login('tech', 'tech-password');
  await c.get('/ops/import');
  const dry = await c.upload('/ops/import', { step: 'dryrun', skipInvalid: '1' }, { name: 'macs.csv', content: 'mac;model;tenant\nnope;T54W;acme\n' });
  assert.not.match(dry.html, 'type="submit" class="primary"');
  assert.match(htmlText(dry.html), 'Choisir un autre fichier');
});

test('user: contacts import, and an empty upload is refused beside the field', async () => {
  const c = new WebClient(s.adminUrl);
  assert.is((await c.login('0100000003', 'pw-0100000003')).status, 303);
  await c.get('/users/0100000003/contacts/import');
  const empty = await c.upload('/users/0100000003/contacts/import', { step: 'dryrun' }, { name: 'vide.csv', content: '' });
  assert.is(empty.status, 422);
  assert.match(empty.html, 'Choisissez un fichier CSV');
  // Latin-1 file from an old spreadsheet: the bytes reach the importer untouched.
  const latin1 = Buffer.from('name;mobile\nRené Dupré;0612345678\n', 'latin1');
  const dry = await c.upload('/users/0100000003/contacts/import', { step: 'dryrun' }, { name: 'c.csv', content: latin1 });
  assert.is(dry.status, 200);
  assert.is((await s.app.store.contacts.list('0100000003')).length, 0);
  const carried = /name="csv" value="([^"]+)"/.exec(dry.html)![1]!;
  const done = await c.post('/users/0100000003/contacts/import', { step: 'confirm', csv: carried });
  assert.is(done.status, 303);
  assert.equal((await s.app.store.contacts.list('0100000003')).map((x) => x.mobile), ['0612345678']);
  const list = await c.get(done.location!);
  assert.match(htmlText(list.html), 'Contacts importés : 1 créé(s), 0 modifié(s) ; 0 ligne(s) refusée(s) ignorée(s).');
  // A flash address typed by hand without its counts shows no half-filled message.
  assert.not.match(htmlText((await c.get('/users/0100000003/contacts?done=contacts_imported')).html), '{created}');
  // Another user's import page is closed.
  assert.is((await c.get('/users/0100000002/contacts/import')).status, 403);
});

test.run();
