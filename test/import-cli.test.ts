// `cadran import` as a person runs it: exit codes, the human summary, --json, the flags, and a
// kill -9 in the middle of a big import leaving the database as it was.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAppContext } from '../server/app.ts';
import { silentLogger } from '../server/log.ts';
import { testConfig } from './helpers/server.ts';
import { sqlOn } from './helpers/postgres.ts';

const CADRAN = fileURLToPath(new URL('../bin/cadran.js', import.meta.url));
let dir: string;

async function seed(): Promise<void> {
  const app = await createAppContext(testConfig(dir), silentLogger);
  try {
    await app.store.tenants.insert({ id: 'acme', name: 'Acme', sipDomain: 'sip.acme.example', sipProxy: null, sipPort: 5060, sipTransport: 'udp', security: {} });
  } finally {
    await app.store.close();
  }
}

async function deviceCount(): Promise<number> {
  const app = await createAppContext(testConfig(dir), silentLogger);
  try {
    return (await app.store.devices.list()).length;
  } finally {
    await app.store.close();
  }
}

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Run the CLI; its language comes from `env` (the tests say which), French when nothing says. */
function cadran(args: string[], env: Record<string, string | undefined> = { CADRAN_LANG: 'en' }, timeoutMs = 60_000): Promise<Result> {
  const base: NodeJS.ProcessEnv = { ...process.env, CADRAN_DATA_DIR: dir };
  for (const k of ['CADRAN_LANG', 'LC_ALL', 'LC_MESSAGES', 'LANG']) delete base[k];
  const child = spawn(process.execPath, [CADRAN, ...args], { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

function csvFile(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const GOOD = 'mac;model;tenant;label\n805ec0a00001;T54W;acme;One\n805ec0a00002;T54W;acme;Two\n';
const WITH_BAD = GOOD + 'nope;T54W;acme;Bad\n';

const cli = suite('cadran import');
cli.before.each(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cadran-import-cli-'));
  await seed();
});
cli.after.each(() => {
  rmSync(dir, { recursive: true, force: true });
});

cli('a good file: exit 0 and a one-line summary; again: all unchanged', async () => {
  const file = csvFile('good.csv', GOOD);
  const r = await cadran(['import', file]);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, `${file}: Phones imported: 2 created, 0 updated, 0 unchanged.\n`);
  assert.is(r.stderr, '');
  const again = await cadran(['import', file]);
  assert.match(again.stdout, /0 created, 0 updated, 2 unchanged/);
  assert.is(await deviceCount(), 2);
});

cli('a rejected line (all-or-nothing): the rejected lines, exit 1 with one line of reason, nothing written', async () => {
  // In French when nothing asks for English (LANG=C, as on a server); the English words are
  // checked with the same report in import-devices.test.ts.
  const r = await cadran(['import', csvFile('bad.csv', WITH_BAD)], { LANG: 'C.UTF-8' });
  assert.is(r.code, 1);
  assert.match(r.stdout, /Rien n'a été écrit : 1 ligne\(s\) sont refusée\(s\)/);
  assert.match(r.stdout, /lignes refusées :\n {2}ligne 4 : nope : mac : « nope » n'est pas une adresse MAC/);
  assert.is(r.stderr, "cadran: rien n'a été importé : 1 ligne(s) refusée(s) (tout ou rien ; --skip-invalid importe les lignes valides)\n");
  assert.is(await deviceCount(), 0);
});

cli('--all-or-nothing is accepted and is the default', async () => {
  const r = await cadran(['import', '--all-or-nothing', csvFile('bad.csv', WITH_BAD)]);
  assert.is(r.code, 1);
  assert.is(await deviceCount(), 0);
});

cli('--skip-invalid writes the valid lines and exits 0', async () => {
  const r = await cadran(['import', '--skip-invalid', csvFile('bad.csv', WITH_BAD)]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /2 created, 0 updated, 0 unchanged; 1 rejected line\(s\) skipped/);
  assert.is(await deviceCount(), 2);
});

cli('--dry-run: exit 0 without rejections, 1 with, never writes', async () => {
  const ok = await cadran(['import', '--dry-run', csvFile('good.csv', GOOD)]);
  assert.is(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /Dry run, nothing written\. A real import would give: 2 to create/);
  const bad = await cadran(['import', '--dry-run', '--json', csvFile('bad.csv', WITH_BAD)]);
  assert.is(bad.code, 1);
  assert.is(bad.stderr, 'cadran: dry run: 1 line(s) would be rejected\n');
  // --json: rejected lines carry their key and parameters beside the words.
  assert.equal(JSON.parse(bad.stdout).lines[2], {
    line: 4, mac: 'nope', status: 'rejected', reason: 'mac: "nope" is not a MAC address (12 hex digits, e.g. 80:5E:C0:D5:7D:72)', key: 'validation.mac', params: { value: 'nope' }, field: 'mac',
  });
  assert.is(await deviceCount(), 0);
});

cli('--json prints the report; --tenant gives new phones a tenant', async () => {
  const r = await cadran(['import', '--json', '--tenant', 'acme', csvFile('notenant.csv', 'mac,model\n805ec0a00009,T54W\n')]);
  assert.is(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.lines, [{ line: 2, mac: '80:5e:c0:a0:00:09', status: 'created' }]);
  assert.is(report.applied, true);
  assert.equal(report.summary, { key: 'import.summary.devices', params: { created: 1, updated: 0, unchanged: 0, rejected: 0 } });
  assert.is(report.message, 'Phones imported: 1 created, 0 updated, 0 unchanged.');
});

cli('--contacts imports a personal directory', async () => {
  const app = await createAppContext(testConfig(dir), silentLogger);
  await app.store.users.insert({ number: '0100000002', tenantId: 'acme', name: 'Alice', email: null, role: 'user', passwordHash: null, sipAuthName: '0100000002', sipPassword: 'secret-secret', voicemailNumber: '*98' });
  await app.store.close();
  const r = await cadran(['import', '--contacts', '0100000002', csvFile('contacts.csv', 'Prénom;Nom;Portable\nJean;Dupont;06 12 34 56 78\n')]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /Contacts imported: 1 created/);
});

cli('usage errors are one line: missing file, conflicting flags, unknown tenant, empty file', async () => {
  const missing = await cadran(['import', join(dir, 'nowhere.csv')]);
  assert.equal([missing.code, missing.stderr], [1, `cadran: cannot read ${join(dir, 'nowhere.csv')}: no such file\n`]);
  const both = await cadran(['import', '--skip-invalid', '--all-or-nothing', csvFile('good.csv', GOOD)]);
  assert.equal([both.code, both.stderr], [1, 'cadran: choose either --skip-invalid or --all-or-nothing\n']);
  const tenant = await cadran(['import', '--tenant', 'nowhere', csvFile('good.csv', GOOD)]);
  assert.equal([tenant.code, tenant.stderr], [1, 'cadran: tenant: tenant "nowhere" does not exist\n']);
  // The locale decides when CADRAN_LANG is not set (the rules are unit-tested in i18n.test.ts).
  const empty = await cadran(['import', csvFile('empty.csv', '')], { LANG: 'fr_FR.UTF-8', LC_MESSAGES: 'en_US.UTF-8' });
  assert.equal([empty.code, empty.stderr], [1, 'cadran: the file is empty\n']);
});

cli.run();

const crash = suite('kill -9 in the middle of an import');
crash.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cadran-import-kill-'));
  await seed();
});
crash.after(() => {
  rmSync(dir, { recursive: true, force: true });
});

crash('SIGKILL half-way through an import leaves the database as before', async () => {
  const config = testConfig(dir);
  // SQLite: enough lines that the transaction spills pages into the WAL long before it commits.
  // PostgreSQL: enough chunks that the import is still writing after its first ones.
  const lines = config.databaseUrl ? 50_000 : 300_000;
  const file = join(dir, 'big.csv');
  const out = createWriteStream(file);
  out.write('mac;model;tenant;label\n');
  for (let i = 0; i < lines; i++) if (!out.write(`805ec1${i.toString(16).padStart(6, '0')};T54W;acme;Poste ${i}\n`)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
  const wal = config.databaseFile + '-wal';
  const walBefore = existsSync(wal) ? statSync(wal).size : 0;
  /** Is the import half-way? SQLite: its frames pile up in the WAL; PostgreSQL: its run is open
   * and some of its chunks are committed (a chunk's transaction is short: waiting for one open
   * for a second let a fast import finish first). */
  const writing = async (): Promise<boolean> => {
    if (config.databaseUrl) {
      const rows = await sqlOn<{ runs: string; n: string }>(config.databaseUrl,
        'SELECT (SELECT count(*) FROM import_runs) AS runs, (SELECT count(*) FROM devices) AS n');
      return Number(rows[0]!.runs) > 0 && Number(rows[0]!.n) > 0;
    }
    return (existsSync(wal) ? statSync(wal).size : 0) > walBefore + 4 * 1024 * 1024;
  };

  const child = spawn(process.execPath, [CADRAN, 'import', file], { env: { ...process.env, CADRAN_DATA_DIR: dir }, stdio: 'ignore' });
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  let killedWhileWriting = false;
  const deadline = Date.now() + 120_000;
  // Wait until the transaction is writing, then kill without warning.
  while (Date.now() < deadline && child.exitCode === null) {
    if (await writing()) {
      killedWhileWriting = true;
      child.kill('SIGKILL');
      break;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  const end = await closed;
  assert.is(end.signal, 'SIGKILL', `the import ended by itself (exit ${end.code}) before it could be killed`);
  assert.ok(killedWhileWriting, 'the import was half-way when killed');
  // Reopening recovers: the uncommitted work is ignored.
  assert.is(await deviceCount(), 0);
  // And the database is healthy: a normal import still works.
  const r = await cadran(['import', csvFile('small.csv', GOOD)]);
  assert.is(r.code, 0, r.stderr);
  assert.is(await deviceCount(), 2);
});

crash.run();
