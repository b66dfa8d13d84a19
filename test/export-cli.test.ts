// `cadran export` prints the same bytes as the API (phones, French Excel, contacts), `cadran import`
// of its output reports every line "unchanged", and bad arguments are one clear line with nothing
// on standard output.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startImportWorld, type ImportWorld } from './fixtures/csv/setup.ts';
import { ALICE, seedExports } from './helpers/export-seed.ts';

const CADRAN = fileURLToPath(new URL('../bin/cadran.js', import.meta.url));
let w: ImportWorld;

async function get(path: string, token: string) {
  const res = await fetch(`${w.s.adminUrl}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()) };
}

function cadran(args: string[]): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  const child = spawn(process.execPath, [CADRAN, ...args], { env: { ...process.env, CADRAN_DATA_DIR: w.s.dataDir, CADRAN_LANG: 'en' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) => child.on('close', (code) => (clearTimeout(timer), resolve({ code, stdout: Buffer.concat(out), stderr }))));
}

const test = suite('cadran export');
test.before(async () => {
  w = await startImportWorld();
  await seedExports(w);
});
test.after(async () => {
  await w.s.close();
});

test('a reader that goes away (`cadran export | head`): the command ends quietly, 141, no stack trace', async () => {
  const child = spawn(process.execPath, [CADRAN, 'export', '--tenant', 'acme'], { env: { ...process.env, CADRAN_DATA_DIR: w.s.dataDir, CADRAN_LANG: 'en' }, stdio: ['ignore', 'pipe', 'pipe'] });
  // The read end closed before the command writes a byte: its first write fails with EPIPE.
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => (clearTimeout(timer), resolve(c))));
  assert.is(code, 141, stderr);
  assert.not.match(stderr, /EPIPE|at .*\.ts:\d+/, stderr);
});

test('cadran token list speaks French by default: its header and kinds', async () => {
  const child = spawn(process.execPath, [CADRAN, 'token', 'list'], { env: { ...process.env, CADRAN_DATA_DIR: w.s.dataDir, CADRAN_LANG: 'fr' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((r) => child.on('close', (c) => (clearTimeout(timer), r(c))));
  assert.is(code, 0, err);
  assert.match(out, /^ID\s+TYPE\s+TITULAIRE\s+CRÉÉ\s+DERNIER USAGE\s+EXPIRE\s+ADRESSE\s+LIBELLÉ\n/);
  assert.match(out, /\sjeton\s+operator:/);
  assert.not.match(out, /KIND|LAST USED/);
});

test('cadran export prints the API bytes; `cadran import` of it: all unchanged', async () => {
  const api = await get('/devices/export?tenant=acme', w.s.operatorToken);
  const cli = await cadran(['export', '--tenant', 'acme']);
  assert.is(cli.code, 0, cli.stderr);
  assert.ok(cli.stdout.equals(api.bytes), 'same bytes as the API');
  const excel = await cadran(['export', '--format', 'excel-fr']);
  assert.is(excel.code, 0, excel.stderr);
  assert.ok(excel.stdout.equals((await get('/devices/export?format=excel-fr', w.s.operatorToken)).bytes));
  const file = join(w.s.dataDir, 'export.csv');
  writeFileSync(file, excel.stdout);
  const imp = await cadran(['import', file, '--json']);
  assert.is(imp.code, 0, imp.stderr);
  const report = JSON.parse(imp.stdout.toString('utf8'));
  assert.equal([report.created, report.updated, report.unchanged, report.rejected], [0, 0, 9, 0]);

  const contacts = await cadran(['export', '--contacts', ALICE]);
  assert.is(contacts.code, 0, contacts.stderr);
  assert.ok(contacts.stdout.equals((await get(`/users/${ALICE}/contacts/export`, w.tokens[ALICE]!)).bytes));
  // (Its re-import is the API's, tested above: each spawned command costs seconds on a busy machine.)

  for (const [args, message] of [
    [['export', '--tenant', 'nope'], /Tenant "nope" does not exist/],
    [['export', '--format', 'xlsx'], /csv, excel-fr/],
  ] as const) {
    const r = await cadran([...args]);
    assert.is(r.code, 1, args.join(' '));
    assert.match(r.stderr, message);
    assert.is(r.stdout.length, 0, 'nothing half-written on standard output');
  }
});

test.run();
