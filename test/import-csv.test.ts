// The CSV reader of the imports: encodings, separators, line ends, quotes, line numbers, and
// files that are not CSV at all.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readCsv, detectDelimiter, TooLargeError, MAX_RECORD_CHARS } from '../server/imports/csv.ts';
import { headerKey, mapColumns } from '../server/imports/columns.ts';
import { DEVICE_COLUMNS } from '../server/imports/devices.ts';
import { DomainError } from '../server/domain/errors.ts';
import { fixture, source } from './fixtures/csv/setup.ts';
import { inEnglish, inFrench } from './helpers/i18n.ts';

async function rows(data: string | Buffer, chunk = Infinity, opts = {}) {
  const out: Array<{ line: number; fields: string[] }> = [];
  for await (const batch of readCsv(source(data, chunk), opts)) out.push(...batch);
  return out;
}

/** What the read fails with (a DomainError, or TooLargeError for the byte cap). */
async function failure(data: string | Buffer, opts = {}, chunk = Infinity): Promise<DomainError> {
  try {
    await rows(data, chunk, opts);
  } catch (e) {
    return e as DomainError;
  }
  throw new Error('expected the read to fail');
}

test('Excel French export: BOM, CRLF, semicolons, quoted separator and doubled quotes', async () => {
  const r = await rows(fixture('excel-fr-devices.csv'));
  assert.equal(r[0], { line: 1, fields: ['Adresse MAC', 'Modèle', 'Locataire', 'Utilisateur', 'Libellé'] });
  assert.equal(r[2]!.fields[4], 'Salle de réunion; 2e étage');
  // Line 5 is a row of empty cells: skipped, and the next keeps its own line number.
  assert.equal(r.map((x) => x.line), [1, 2, 3, 4, 6]);
  assert.equal(r[4]!.fields[4], 'Caisse "principale"');
});

test('LibreOffice export: commas, LF, quoted comma', async () => {
  const r = await rows(fixture('libreoffice-devices.csv'));
  assert.equal(r[1]!.fields[5], 'Dupont, Jean');
  assert.equal(r.map((x) => x.line), [1, 2, 3, 4]);
});

test('Windows-1252 (Excel plain CSV) is recognised and decoded', async () => {
  const r = await rows(fixture('excel-fr-cp1252-devices.csv'));
  assert.equal(r[0]!.fields[1], 'Modèle');
  assert.equal(r[1]!.fields[3], 'Hôtel de ville');
});

test('the same file read in 1-byte chunks gives the same records (multi-byte characters, CRLF split)', async () => {
  const whole = await rows(fixture('excel-fr-devices.csv'));
  const bytewise = await rows(fixture('excel-fr-devices.csv'), 1);
  assert.equal(bytewise, whole);
});

test('a quoted value spanning lines: the record keeps its first line, the next ones stay exact', async () => {
  const r = await rows('mac;label\r\n805ec0000001;"two\r\nlines"\r\n805ec0000002;x\r\n\r\n805ec0000003;y');
  assert.equal(r.map((x) => x.line), [1, 2, 4, 6]);
  assert.equal(r[1]!.fields[1], 'two\nlines');
});

test('old Mac line ends (CR only) are line ends', async () => {
  const r = await rows('mac,model\r805ec0000001,T54W\r805ec0000002,T54W\r');
  assert.equal(r.map((x) => x.line), [1, 2, 3]);
});

test('separator detection looks at the header only, outside quotes', () => {
  assert.is(detectDelimiter('mac;model;label\n1,2,3,4,5'), ';');
  assert.is(detectDelimiter('mac,model,"a;b;c"\n'), ',');
  assert.is(detectDelimiter('mac\tmodel\n'), '\t');
  assert.is(detectDelimiter('mac\n'), ',');
});

test('header names: case, accents, spaces and French names', () => {
  assert.is(headerKey(' Adresse  MAC '), 'adressemac');
  assert.is(headerKey('MODÈLE'), 'modele');
  const m = mapColumns(['Adresse MAC', 'Modèle', 'Parc', 'Utilisateur', 'Libellé', 'Commentaire'], DEVICE_COLUMNS);
  assert.equal(m.index, { mac: 0, model: 1, tenant: 2, user: 3, label: 4 });
  assert.equal(m.ignored, ['Commentaire']);
});

test('two columns meaning the same thing are refused, naming both', async () => {
  const e = (() => {
    try {
      mapColumns(['mac', 'Adresse MAC'], DEVICE_COLUMNS);
    } catch (err) {
      return err as Error;
    }
    return null;
  })();
  assert.instance(e, DomainError);
  const d = e as DomainError;
  assert.equal(d.details, [{ field: 'mac', line: 1, key: 'csv.column_twice', params: { first: 'mac', second: 'Adresse MAC', column: 'mac' } }]);
  assert.match(inEnglish(d), /^line 1: columns "mac" and "Adresse MAC" both give the mac/);
  assert.match(inFrench(d), /^ligne 1 : les colonnes « mac » et « Adresse MAC » donnent toutes deux mac/);
});

test('an empty file is a clear error', async () => {
  const e = await failure('');
  assert.instance(e, DomainError);
  assert.is(e.key, 'csv.empty');
  assert.match(inEnglish(e), /the file is empty/);
});

test('a binary file (NUL bytes) is refused as not text', async () => {
  const e = await failure(Buffer.from([0x10, 0x00, 0xff, 0x13, 0x00, 0x42]));
  assert.instance(e, DomainError);
  assert.is(e.key, 'csv.nul_bytes');
  assert.match(inEnglish(e), /NUL bytes: it is not a CSV text file/);
});

test('a workbook (.xlsx is a zip) is recognised and the fix is given', async () => {
  const e = await failure(Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(100, 7)]));
  assert.is(e.key, 'csv.zip');
  assert.match(inEnglish(e), /workbook.*CSV UTF-8/);
  assert.match(inFrench(e), /classeur.*CSV UTF-8/);
});

test('UTF-16 text is refused with the way out', async () => {
  const e = await failure(Buffer.from('\ufeffmac\n', 'utf16le'));
  assert.is(e.key, 'csv.utf16');
  assert.match(inEnglish(e), /UTF-16/);
});

test('UTF-8 that breaks after the first 64 KB names the line', async () => {
  const good = 'mac;label\n' + '805ec0000001;ok\n'.repeat(5000);
  const e = await failure(Buffer.concat([Buffer.from(good), Buffer.from([0x80, 0x81, 0x0a])]), {}, 16 * 1024);
  assert.equal([e.key, e.details[0]!.line], ['csv.not_utf8', 5002]);
  assert.match(inEnglish(e), /^line 5002: the file is not valid UTF-8 text/);
  assert.match(inFrench(e), /^ligne 5002 : le fichier n'est pas un texte UTF-8 valide/);
});

test('an unclosed quote is reported with its line', async () => {
  const e = await failure('mac;label\n805ec0000001;"open\n805ec0000002;x\n');
  assert.instance(e, DomainError);
  assert.is(e.key, 'csv.quote_not_closed');
  assert.match(inEnglish(e), /quoted value is opened here and never closed/);
});

test('a runaway line (no line end for more than the record limit) is refused', async () => {
  const e = await failure('mac;label\n' + 'x'.repeat(MAX_RECORD_CHARS + 10));
  assert.instance(e, DomainError);
  assert.equal([e.key, e.details[0]!.line, e.params], ['csv.line_too_long', 2, { max: MAX_RECORD_CHARS }]);
  assert.match(inEnglish(e), /^line 2: a line longer than 1,000,000 characters/);
  assert.match(inFrench(e), /^ligne 2 : une ligne de plus de 1\u202f000\u202f000 caractères/);
});

test('the byte cap throws TooLargeError', async () => {
  const e = await failure('mac\n' + '805ec0000001\n'.repeat(1000), { maxBytes: 1000 });
  assert.instance(e, TooLargeError);
});

test('a line of 1,000 columns is read (the importers decide what to do with it)', async () => {
  const r = await rows('mac;model\n' + Array.from({ length: 1000 }, (_, i) => `v${i}`).join(';') + '\n');
  assert.is(r[1]!.fields.length, 1000);
});

test.run();
