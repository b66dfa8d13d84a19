// Files that are not what an import expects: thousands of bad lines, 50 MB, 1,000 columns,
// binary content. Each gets a clear error or a report, memory stays bounded, nothing is
// half-written.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { importDevices } from '../server/imports/devices.ts';
import { importContacts } from '../server/imports/contacts.ts';
import { reasonText } from '../server/imports/report.ts';
import { OPERATOR, ALICE, deviceCount, source, startImportWorld, type ImportWorld, refused } from './fixtures/csv/setup.ts';
import { en, inEnglish } from './helpers/i18n.ts';

// A real measure of what is retained needs a full GC on demand.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let w: ImportWorld;
let dir: string;
const rob = suite('robustness');
rob.before(async () => {
  w = await startImportWorld();
  dir = mkdtempSync(join(tmpdir(), 'cadran-import-rob-'));
});
rob.after(async () => {
  await w.s.close();
  rmSync(dir, { recursive: true, force: true });
});


rob('10,000 bad lines: every one listed with its line, nothing written', async () => {
  const lines = ['mac;model;tenant'];
  for (let i = 0; i < 10_000; i++) lines.push(`bad${i};T54W;acme`);
  lines.push('805ec0b00001;T54W;acme');
  const r = await importDevices(w.s.app, OPERATOR, source(lines.join('\r\n')));
  assert.equal([r.rejected, r.rejectedNotListed, r.created, r.applied], [10_000, 0, 1, false]);
  assert.equal(r.lines[9_999], { line: 10_001, mac: 'bad9999', status: 'rejected', reason: { key: 'validation.mac', params: { value: 'bad9999' }, field: 'mac' } });
  assert.is(reasonText(r.lines[9_999]!.reason!, en), 'mac: "bad9999" is not a MAC address (12 hex digits, e.g. 80:5E:C0:D5:7D:72)');
  assert.is(await deviceCount(w), 0);
});

rob('a 50 MB file of bad lines: a report with 10,000 listed, the rest counted, flat memory', async () => {
  const file = join(dir, 'big.csv');
  const out = createWriteStream(file);
  out.write('mac;model;tenant;label\n');
  const filler = 'x'.repeat(70);
  let n = 0;
  while (out.bytesWritten + out.writableLength < 50 * 1024 * 1024) {
    if (!out.write(`zz:${n};T54W;acme;${filler}\n`)) await once(out, 'drain');
    n++;
  }
  out.end();
  await once(out, 'finish');
  assert.ok(statSync(file).size >= 50 * 1024 * 1024);

  gc();
  const base = process.memoryUsage().heapUsed;
  let peak = 0;
  let nextCheck = 0;
  const r = await importDevices(w.s.app, OPERATOR, createReadStream(file), {
    mode: 'skip-invalid',
    onProgress: (p) => {
      if (p.phase !== 'read' || p.bytes < nextCheck) return;
      nextCheck = p.bytes + 5 * 1024 * 1024;
      gc();
      peak = Math.max(peak, process.memoryUsage().heapUsed - base);
    },
  });
  assert.equal([r.rejected, r.lines.length, r.rejectedNotListed], [n, 10_000, n - 10_000]);
  assert.is(await deviceCount(w), 0);
  // What is kept is the report's 10,000 entries, not the file.
  assert.ok(peak < 25 * 1024 * 1024, `retained ${Math.round(peak / 1024 / 1024)} MB while reading a 50 MB file`);
});

rob('a line of 1,000 columns is rejected with the reason; a header of 1,000 columns works', async () => {
  const wide = Array.from({ length: 1000 }, (_, i) => `v${i}`).join(';');
  const r = await importDevices(w.s.app, OPERATOR, source(`mac;model;tenant\n805ec0b00002;T54W;acme;${wide}\n`), { dryRun: true });
  assert.equal(r.lines[0]!.reason, { key: 'import_line.extra_cells', params: { values: 1003, columns: 3 } });
  assert.match(reasonText(r.lines[0]!.reason!, en), /^1003 values but the header has 3 columns \(a value containing the separator must be in double quotes\)$/);
  const header = ['mac', 'model', 'tenant', ...Array.from({ length: 997 }, (_, i) => `extra${i}`)].join(';');
  const ok = await importDevices(w.s.app, OPERATOR, source(`${header}\n805ec0b00002;T54W;acme\n`), { dryRun: true });
  assert.is(ok.created, 1);
  assert.is(ok.warnings[0]!.key, 'import.warning.ignored_columns');
  const warning = en(ok.warnings[0]!.key, ok.warnings[0]!.params);
  assert.match(warning, /^ignored columns: extra0, extra1/);
  assert.ok(warning.length < 1000);
});

rob('binary content: a clear error, nothing written', async () => {
  const bytes = Buffer.alloc(4096);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) % 256;
  const e = await refused(importDevices(w.s.app, OPERATOR, source(bytes)));
  assert.is(e.key, 'csv.nul_bytes');
  assert.match(inEnglish(e), /not a CSV text file/);
  const noNul = Buffer.from(bytes.filter((b) => b >= 0x80));
  const e2 = await refused(importDevices(w.s.app, OPERATOR, source(noNul)));
  assert.is(e2.key, 'csv.header_unknown');
  assert.match(inEnglish(e2), /^line 1: no known column in the header/);
  assert.is(await deviceCount(w), 0);
});

rob('empty and header-only files, for both imports', async () => {
  const cases: Array<[Promise<unknown>, string, RegExp]> = [
    [importDevices(w.s.app, OPERATOR, source('')), 'csv.empty', /the file is empty/],
    [importDevices(w.s.app, OPERATOR, source('\ufeff')), 'csv.empty_devices', /the file is empty/],
    [importDevices(w.s.app, OPERATOR, source('mac;model\r\n;\r\n')), 'csv.no_data', /header but no data line/],
    [importContacts(w.s.app, ALICE, '0100000002', source('')), 'csv.empty', /the file is empty/],
    [importContacts(w.s.app, ALICE, '0100000002', source('Nom;Portable\n')), 'csv.no_data', /header but no data line/],
  ];
  for (const [p, key, re] of cases) {
    const e = await refused(p);
    assert.is(e.key, key);
    assert.match(inEnglish(e), re);
  }
});

rob.run();
