// The import routes over HTTP: CSV body, multipart upload (busboy), query options, the report
// as JSON or CSV, 422 when an all-or-nothing import wrote nothing, 413 over the size cap, and
// who may call them.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { deviceCount, fixture, startImportWorld, type ImportWorld } from './fixtures/csv/setup.ts';

let w: ImportWorld;
const CSV = { 'content-type': 'text/csv' };
/** The same, for a client that reads English (French is the default). */
const CSV_EN = { ...CSV, 'accept-language': 'en' };
const GOOD = 'mac;model;tenant;label\n805ec0ee0001;T54W;acme;One\n805ec0ee0002;T54W;acme;Two\n';
const WITH_BAD = GOOD + 'nope;T54W;acme;Bad\n';

async function post(path: string, body: RequestInit['body'], token: string | null, headers: Record<string, string> = {}) {
  const h: Record<string, string> = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  const res = await fetch(`${w.s.adminUrl}/api/v1${path}`, { method: 'POST', headers: h, body });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* CSV or empty */
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON answers
  return { status: res.status, text, body: json as any, headers: res.headers };
}

const devices = suite('POST /devices/import');
devices.before.each(async () => {
  w = await startImportWorld();
});
devices.after.each(async () => {
  await w.s.close();
});

devices('a text/csv body is imported and the report answered as JSON', async () => {
  const r = await post('/devices/import', fixture('excel-fr-devices.csv'), w.s.operatorToken, CSV);
  assert.is(r.status, 200);
  assert.equal([r.body.created, r.body.updated, r.body.unchanged, r.body.rejected, r.body.applied], [4, 0, 0, 0, true]);
  assert.equal(r.body.lines[0], { line: 2, mac: '80:5e:c0:11:22:01', status: 'created' });
  const again = await post('/devices/import', fixture('excel-fr-devices.csv'), w.s.operatorToken, CSV);
  assert.is(again.body.unchanged, 4);
});

devices('?dryRun=true answers the report and writes nothing', async () => {
  const r = await post('/devices/import?dryRun=true', GOOD, w.s.operatorToken, CSV);
  assert.is(r.status, 200);
  assert.equal([r.body.dryRun, r.body.created, r.body.applied], [true, 2, false]);
  assert.is(await deviceCount(w), 0);
});

devices('all-or-nothing with a bad line: 422, the error and the whole report, nothing written', async () => {
  const r = await post('/devices/import', WITH_BAD, w.s.operatorToken, CSV_EN);
  assert.is(r.status, 422);
  assert.is(r.body.error.code, 'validation_failed');
  assert.is(r.body.error.key, 'import.summary.nothing_written');
  assert.equal(r.body.summary, { key: 'import.summary.nothing_written', params: { created: 2, updated: 0, unchanged: 0, rejected: 1 } });
  assert.match(r.body.error.message, /^Nothing written: 1 line\(s\) are rejected/);
  assert.is(r.body.message, r.body.error.message);
  assert.equal(r.body.error.details, [
    { line: 4, field: 'mac', key: 'validation.mac', params: { value: 'nope' }, message: 'mac: "nope" is not a MAC address (12 hex digits, e.g. 80:5E:C0:D5:7D:72)' },
  ]);
  assert.is(r.body.lines.length, 3);
  assert.equal(r.body.lines[2], {
    line: 4, mac: 'nope', status: 'rejected', reason: 'mac: "nope" is not a MAC address (12 hex digits, e.g. 80:5E:C0:D5:7D:72)', key: 'validation.mac', params: { value: 'nope' }, field: 'mac',
  });
  assert.is(await deviceCount(w), 0);
  // French by default: the same keys, the words in French.
  const fr = await post('/devices/import', WITH_BAD, w.s.operatorToken, CSV);
  assert.equal([fr.status, fr.body.error.key, fr.body.error.details[0].key], [422, 'import.summary.nothing_written', 'validation.mac']);
  assert.match(fr.body.error.message, /^Rien n'a été écrit : 1 ligne\(s\) sont refusée\(s\)/);
  assert.match(fr.body.lines[2].reason, /^mac : « nope » n'est pas une adresse MAC/);
  assert.is(fr.headers.get('content-language'), 'fr');
});

devices('?mode=skip-invalid imports the valid lines; a bad mode or flag is a 422', async () => {
  const r = await post('/devices/import?mode=skip-invalid', WITH_BAD, w.s.operatorToken, CSV);
  assert.is(r.status, 200);
  assert.equal([r.body.created, r.body.rejected], [2, 1]);
  const mode = await post('/devices/import?mode=maybe', GOOD, w.s.operatorToken, CSV);
  assert.equal([mode.status, mode.body.error.key, mode.body.error.details[0].field], [422, 'validation.choice', 'mode']);
  const flag = await post('/devices/import?dryRun=perhaps', GOOD, w.s.operatorToken, CSV_EN);
  assert.equal([flag.body.error.key, flag.body.error.details[0].field], ['validation.flag', 'dryRun']);
  assert.match(flag.body.error.message, /^dryRun: must be true or false$/);
});

devices('?tenant= gives new phones a tenant', async () => {
  const r = await post('/devices/import?tenant=globex', 'mac,model\n805ec0ee0009,T54W\n', w.s.operatorToken, CSV);
  assert.is(r.status, 200);
  assert.is((await w.s.app.store.devices.get('805ec0ee0009'))!.tenantId, 'globex');
});

devices('multipart upload (a browser form): the file part is imported, form fields are options', async () => {
  const form = new FormData();
  form.append('dryRun', 'true');
  form.append('file', new Blob([fixture('libreoffice-devices.csv')], { type: 'text/csv' }), 'phones.csv');
  const dry = await post('/devices/import', form, w.s.operatorToken);
  assert.is(dry.status, 200);
  assert.equal([dry.body.dryRun, dry.body.created], [true, 3]);
  const real = new FormData();
  real.append('file', new Blob([fixture('libreoffice-devices.csv')]), 'phones.csv');
  const r = await post('/devices/import', real, w.s.operatorToken);
  assert.equal([r.status, r.body.created], [200, 3]);
  assert.is(await deviceCount(w), 3);
});

devices('multipart without a file, or a JSON body: a clear 422', async () => {
  const form = new FormData();
  form.append('note', 'no file here');
  const r = await post('/devices/import', form, w.s.operatorToken, { 'accept-language': 'en' });
  assert.is(r.status, 422);
  assert.is(r.body.error.key, 'upload.no_file');
  assert.match(r.body.error.message, /has no file/);
  const j = await post('/devices/import', JSON.stringify({ mac: 'x' }), w.s.operatorToken, { 'content-type': 'application/json', 'accept-language': 'en' });
  assert.is(j.status, 422);
  assert.equal([j.body.error.key, j.body.error.params], ['upload.content_type', { type: 'application/json' }]);
  assert.match(j.body.error.message, /Content-Type text\/csv, or as a multipart\/form-data upload/);
});

devices('a multipart upload cut off before its end: 422 upload.malformed, not a 500 (security review of 1 Dec, finding 6)', async () => {
  const before = await deviceCount(w);
  const body = '--zz\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nmac,model\n805ec0000099,T54W\n';
  for (const path of ['/devices/import?dryRun=true', '/tenants/acme/contacts/import?dryRun=true']) {
    const r = await post(path, body, w.s.operatorToken, { 'content-type': 'multipart/form-data; boundary=zz', 'accept-language': 'en' });
    assert.is(r.status, 422, `${path}: ${JSON.stringify(r.body)}`);
    assert.is(r.body.error.key, 'upload.malformed');
  }
  assert.is(await deviceCount(w), before, 'nothing written');
});

devices('Accept: text/csv answers the report as CSV', async () => {
  const r = await post('/devices/import?mode=skip-invalid', WITH_BAD, w.s.operatorToken, { ...CSV_EN, accept: 'text/csv' });
  assert.is(r.status, 200);
  assert.match(r.headers.get('content-type')!, /^text\/csv/);
  assert.equal(r.text.split('\r\n'), [
    'line,mac,status,reason,key',
    '2,80:5e:c0:ee:00:01,created,,',
    '3,80:5e:c0:ee:00:02,created,,',
    '4,nope,rejected,"mac: ""nope"" is not a MAC address (12 hex digits, e.g. 80:5E:C0:D5:7D:72)",validation.mac',
    '',
  ]);
  const fr = await post('/devices/import?mode=skip-invalid', WITH_BAD, w.s.operatorToken, { ...CSV, accept: 'text/csv' });
  assert.is(fr.text.split('\r\n')[3], `4,nope,rejected,"mac : « nope » n'est pas une adresse MAC (12 chiffres hexadécimaux, par exemple 80:5E:C0:D5:7D:72)",validation.mac`);
});

devices('a broken file is a 422 naming the line; an empty body says the file is empty', async () => {
  const r = await post('/devices/import', 'mac;label\n805ec0ee0001;"open\n', w.s.operatorToken, CSV_EN);
  assert.is(r.status, 422);
  assert.equal(r.body.error.details, [{ field: 'file', line: 2, key: 'csv.quote_not_closed', params: {}, message: 'a quoted value is opened here and never closed (a " is missing)' }]);
  assert.match(r.body.error.message, /^line 2: a quoted value/);
  const e = await post('/devices/import', '', w.s.operatorToken, CSV_EN);
  assert.equal([e.status, e.body.error.key, e.body.error.message], [422, 'csv.empty', 'the file is empty']);
  const f = await post('/devices/import', '', w.s.operatorToken, CSV);
  assert.equal([f.status, f.body.error.key, f.body.error.message], [422, 'csv.empty', 'le fichier est vide']);
});

devices('permissions: no login 401, a plain user 403, a tenant admin only for their tenant', async () => {
  assert.is((await post('/devices/import', GOOD, null, CSV)).status, 401);
  assert.is((await post('/devices/import', GOOD, w.tokens['0100000002']!, CSV)).status, 403);
  const admin = await post('/devices/import?mode=skip-invalid', 'mac;model;tenant\n805ec0ee0003;T54W;globex\n805ec0ee0004;T54W;\n', w.tokens['0100000001']!, CSV);
  assert.is(admin.status, 200);
  assert.equal(admin.body.lines.map((l: { status: string }) => l.status), ['rejected', 'created']);
  assert.is((await w.s.app.store.devices.get('805ec0ee0004'))!.tenantId, 'acme');
  const theirs = await post('/devices/import?tenant=globex', GOOD, w.tokens['0100000001']!, CSV);
  assert.is(theirs.status, 404);
  // A tenant that does not exist answers the same (security review of 1 Dec, finding 5).
  const none = await post('/devices/import?tenant=nope', GOOD, w.tokens['0100000001']!, CSV);
  assert.equal([none.status, none.body.error.key], [theirs.status, theirs.body.error.key]);
  assert.is((await post('/devices/import?tenant=nope', GOOD, w.s.operatorToken, CSV)).status, 422, 'an operator is told it does not exist');
});

devices.run();

const limits = suite('upload size cap');
limits.before(async () => {
  w = await startImportWorld({ maxUploadBytes: 2000 });
});
limits.after(async () => {
  await w.s.close();
});

const big = 'mac;model;tenant\n' + Array.from({ length: 200 }, (_, i) => `805ec0ff${i.toString(16).padStart(4, '0')};T54W;acme`).join('\n') + '\n';

limits('a body declared larger than the cap: 413 before reading it', async () => {
  const r = await post('/devices/import', big, w.s.operatorToken, CSV_EN);
  assert.is(r.status, 413);
  assert.equal([r.body.error.code, r.body.error.key, r.body.error.params], ['payload_too_large', 'upload.too_large_split_kb', { max: 2 }]);
  assert.match(r.body.error.message, /larger than the limit of 2 KB/);
  const fr = await post('/devices/import', big, w.s.operatorToken, CSV);
  assert.match(fr.body.error.message, /dépasse la taille maximale de 2 Ko/);
});

/** POST a body as a stream of chunks: no Content-Length, so only the bytes read can trip the cap. */
async function postStreamed(body: Buffer, contentType: string) {
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      for (let i = 0; i < body.length; i += 500) c.enqueue(body.subarray(i, i + 500));
      c.close();
    },
  });
  const res = await fetch(`${w.s.adminUrl}/api/v1/devices/import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${w.s.operatorToken}`, 'content-type': contentType },
    body: stream,
    duplex: 'half',
  } as RequestInit);
  return { status: res.status, body: (await res.json()) as { error: { code: string } } };
}

limits('a streamed CSV body that grows past the cap: 413, nothing written', async () => {
  const r = await postStreamed(Buffer.from(big), 'text/csv');
  assert.equal([r.status, r.body.error.code], [413, 'payload_too_large']);
  assert.is(await deviceCount(w), 0);
});

limits('a streamed multipart file past the cap: 413, nothing written', async () => {
  const b = 'cadran-test-boundary';
  const body = Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\nContent-Type: text/csv\r\n\r\n${big}\r\n--${b}--\r\n`);
  const r = await postStreamed(body, `multipart/form-data; boundary=${b}`);
  assert.equal([r.status, r.body.error.code], [413, 'payload_too_large']);
  assert.is(await deviceCount(w), 0);
});

limits('under the cap is fine', async () => {
  const r = await post('/devices/import', big.split('\n').slice(0, 20).join('\n') + '\n', w.s.operatorToken, CSV);
  assert.equal([r.status, r.body.created], [200, 19]);
});

limits.run();

const contacts = suite('POST /users/{number}/contacts/import');
contacts.before(async () => {
  w = await startImportWorld();
});
contacts.after(async () => {
  await w.s.close();
});

contacts('a user imports their own contacts (CSV body), re-import is unchanged', async () => {
  const r = await post('/users/0100000002/contacts/import', fixture('contacts-excel-fr.csv'), w.tokens['0100000002']!, CSV);
  assert.is(r.status, 200);
  assert.equal([r.body.created, r.body.unchanged], [3, 1]);
  assert.equal(r.body.lines[0], { line: 2, name: 'Jean Dupont', status: 'created' });
  const again = await post('/users/0100000002/contacts/import', fixture('contacts-excel-fr.csv'), w.tokens['0100000002']!, CSV);
  assert.equal([again.body.created, again.body.unchanged], [0, 4]);
  assert.is((await w.s.app.store.contacts.list('0100000002')).length, 3);
});

contacts('multipart and Accept: text/csv (name column)', async () => {
  const form = new FormData();
  form.append('file', new Blob([fixture('contacts-mailclient.csv')]), 'contacts.csv');
  const r = await post('/users/0100000003/contacts/import?dryRun=true', form, w.tokens['0100000003']!, { accept: 'text/csv' });
  assert.is(r.status, 200);
  assert.equal(r.text.split('\r\n').slice(0, 2), ['line,name,status,reason,key', '2,Ada Lovelace,created,,']);
});

contacts("another user's contacts: 403 for a colleague, 404 across tenants; their admin imports into the book without reading it (lines `added`)", async () => {
  const one = 'name;work\nX;0102030405\n';
  assert.is((await post('/users/0100000003/contacts/import', one, w.tokens['0100000002']!, CSV)).status, 403);
  assert.is((await post('/users/0100000002/contacts/import', one, w.tokens['0200000001']!, CSV)).status, 404);
  const byAdmin = await post('/users/0100000003/contacts/import', one, w.tokens['0100000001']!, CSV);
  assert.is(byAdmin.status, 200);
  assert.equal([byAdmin.body.added, byAdmin.body.created, byAdmin.body.lines[0].status], [1, 0, 'added']);
  assert.is((await post('/users/0100000003/contacts/import', one, null, CSV)).status, 401);
});

contacts.run();
