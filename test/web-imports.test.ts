// CSV imports through the web pages: upload → dry-run report (nothing written) → confirm.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer, seedTwoTenants, type TestServer } from './helpers/server.ts';
import { WebClient } from './helpers/web-client.ts';
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
  assert.match(done.html, 'Import terminé');
  assert.equal((await s.app.store.devices.list()).map((d) => d.mac).sort(), ['805ec0000001', '805ec0000002']);
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
  // Another user's import page is closed.
  assert.is((await c.get('/users/0100000002/contacts/import')).status, 403);
});

test.run();
