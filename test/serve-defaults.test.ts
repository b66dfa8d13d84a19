// `cadran serve` as a newcomer runs it — default settings, only addresses and ports on loopback:
// phone workers = the core count, one structured log line per phone request (written
// asynchronously, nothing lost at a clean stop), /metrics counting what the workers served.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { loadConfig } from '../server/config.ts';
import { createAppContext } from '../server/app.ts';
import { silentLogger } from '../server/log.ts';
import { SYSTEM } from '../server/auth/principal.ts';
import { createTenant } from '../server/service/tenants.ts';
import { createUser } from '../server/service/users.ts';
import { createDevice } from '../server/service/devices.ts';
import { PHONES, get } from './phone-fixtures.ts';
import { scrape, valueOf } from './helpers/prometheus.ts';

const root = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'cadran-serve-'));
const P = PHONES.yealink;
let child: ChildProcess;
const lines: Array<Record<string, unknown>> = [];
let exited: Promise<number | null>;
/** What the server wrote to standard output that is not a JSON log line. */
const notJson: string[] = [];
let stderr = '';

/** The first log line that `match` accepts (bounded wait). */
async function line(match: (l: Record<string, unknown>) => boolean, limitMs = 60_000): Promise<Record<string, unknown>> {
  const until = Date.now() + limitMs;
  for (;;) {
    const found = lines.find(match);
    if (found) return found;
    if (Date.now() > until || child.exitCode !== null) throw new Error(`no such log line; got:\n${lines.map((l) => JSON.stringify(l)).join('\n').slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test.before(async () => {
  process.env.CADRAN_BCRYPT_COST ??= '4';
  const app = await createAppContext(loadConfig({ CADRAN_DATA_DIR: dir }), silentLogger);
  // Explicitly open: a tenant created without `security` adopts its phones before serving them
  // (test/adopt-before-serve.test.ts); this test is about logging and workers.
  await createTenant(app, SYSTEM, { id: 'acme', name: 'Acme', sipDomain: 'sip.acme.example', security: {} });
  await createUser(app, SYSTEM, 'acme', { number: P.user, name: 'Alice', role: 'user' });
  await createDevice(app, SYSTEM, { mac: P.mac, model: P.model, tenant: 'acme', user: P.user });
  await app.store.close();
  child = spawn(process.execPath, ['bin/cadran.js', 'serve'], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      CADRAN_BCRYPT_COST: '4',
      CADRAN_DATA_DIR: dir,
      CADRAN_HTTP_HOST: '127.0.0.1',
      CADRAN_HTTP_PORT: '0',
      CADRAN_TFTP_HOST: '127.0.0.1',
      CADRAN_TFTP_PORT: '0',
      CADRAN_ADMIN_PORT: '0',
      CADRAN_SIP_HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  child.stderr!.on('data', (d) => (stderr += d));
  createInterface({ input: child.stdout! }).on('line', (l) => {
    if (!l.startsWith('{')) return void notJson.push(l);
    lines.push(JSON.parse(l) as Record<string, unknown>);
  });
});
test.after(async () => {
  if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const cores = Math.min(64, availableParallelism());

test('default settings: a phone worker per core, a log line per phone request, /metrics from the workers', async () => {
  // Starting (transpiling, workers forking) took over 60 s once on a machine at load 25: the
  // start is waited for longer than the lines that follow it.
  const admin = await line((l) => l.msg === 'admin API and web UI listening', 150_000);
  const phone = await line((l) => l.msg === 'phone HTTP workers listening' || l.msg === 'phone HTTP listening', 150_000);
  const adminUrl = `http://127.0.0.1:${admin.port}`;
  const httpPort = Number(phone.port);
  if (cores > 1) assert.is(phone.workers, cores, 'one phone worker per core');
  else assert.is(phone.msg, 'phone HTTP listening', 'one core: phones in the main process');
  // What listens where, from the log alone: the phone HTTP host and the TFTP listener.
  assert.is(phone.host, '127.0.0.1');
  const tftp = await line((l) => l.msg === 'tftp listening', 10_000);
  assert.type(tftp.port, 'number');

  assert.is((await get(httpPort, `/${P.mac}.cfg`)).status, 200);
  // First start: the operator's credentials in a file only this account reads, not in the log
  // stream (standard output carries JSON lines only); standard error says where.
  const first = join(dir, 'first-start.txt');
  const deadline = Date.now() + 10_000;
  while (!stderr.includes(first) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.ok(stderr.includes(first), stderr);
  assert.is(statSync(first).mode & 0o777, 0o600);
  const token = /jeton d'API : (\S+)/.exec(readFileSync(first, 'utf8'))?.[1];
  assert.ok(token, readFileSync(first, 'utf8'));
  assert.not.ok(stderr.includes(token!), 'no terminal here: the token only in the file');
  assert.is((await fetch(`${adminUrl}/api/v1/tenants`, { headers: { authorization: `Bearer ${token}` } })).status, 200, 'the token works');
  const m = await scrape(adminUrl);
  assert.is(m.status, 200);
  assert.is(valueOf(m.samples, 'cadran_phone_requests_total', { vendor: 'yealink', protocol: 'http', status: '200' }), 1);
  assert.is(valueOf(m.samples, 'cadran_phone_workers'), cores > 1 ? cores : 0);

  // The last request, then a stop at once: its line is not lost in the buffer.
  assert.is((await get(httpPort, `/${P.mac}-contacts.xml`)).status, 200);
  child.kill('SIGTERM');
  assert.is(await exited, 0);
  for (const file of [`${P.mac}.cfg`, `${P.mac}-contacts.xml`]) {
    const l = await line((x) => x.msg === 'phone request' && x.file === file, 1000);
    assert.equal([l.mac, l.vendor, l.status, l.proto], [P.mac, 'yealink', 200, 'http'], JSON.stringify(l));
    if (cores > 1) assert.type(l.worker, 'number', 'written by a worker');
  }
  assert.equal(notJson, [], 'standard output is the JSON log stream only');
});

test('a port already taken: one line naming the port and its setting, exit 1, no operator created', async () => {
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
  const port = (taken.address() as { port: number }).port;
  const other = mkdtempSync(join(tmpdir(), 'cadran-port-'));
  try {
    const c = spawn(process.execPath, ['bin/cadran.js', 'serve'], {
      cwd: root,
      env: { PATH: process.env.PATH, CADRAN_BCRYPT_COST: '4', CADRAN_DATA_DIR: other, CADRAN_HTTP_HOST: '127.0.0.1', CADRAN_HTTP_PORT: '0', CADRAN_TFTP_HOST: '127.0.0.1', CADRAN_TFTP_PORT: '0', CADRAN_ADMIN_PORT: String(port), CADRAN_SIP_HOST: '127.0.0.1', CADRAN_PHONE_WORKERS: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    c.stderr!.on('data', (d) => (err += d));
    const timer = setTimeout(() => c.kill('SIGKILL'), 150_000);
    const code = await new Promise<number | null>((r) => c.once('exit', (x) => r(x)));
    clearTimeout(timer);
    assert.is(code, 1, err);
    assert.match(err, new RegExp(`port ${port} .*CADRAN_ADMIN_PORT`), err);
    assert.not.match(err, /inattendue|at .*\.ts:/, err);
    assert.not.ok(statSync(join(other, 'first-start.txt'), { throwIfNoEntry: false }), 'no banner of a server that never ran');
  } finally {
    taken.close();
    rmSync(other, { recursive: true, force: true });
  }
});

test('first start where the file cannot be written: the password and token on standard error, never lost', async () => {
  const other = mkdtempSync(join(tmpdir(), 'cadran-first-'));
  mkdirSync(join(other, 'first-start.txt')); // a directory where the file should go
  try {
    const c = spawn(process.execPath, ['bin/cadran.js', 'serve'], {
      cwd: root,
      env: { PATH: process.env.PATH, CADRAN_BCRYPT_COST: '4', CADRAN_DATA_DIR: other, CADRAN_HTTP_HOST: '127.0.0.1', CADRAN_HTTP_PORT: '0', CADRAN_TFTP_HOST: '127.0.0.1', CADRAN_TFTP_PORT: '0', CADRAN_ADMIN_PORT: '0', CADRAN_SIP_HOST: '127.0.0.1', CADRAN_PHONE_WORKERS: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    c.stderr!.on('data', (d) => (err += d));
    const deadline = Date.now() + 150_000;
    while (!/jeton d'API : \S+/.test(err) && Date.now() < deadline && c.exitCode === null) await new Promise((r) => setTimeout(r, 100));
    c.kill('SIGTERM');
    await new Promise((r) => c.once('exit', r));
    assert.match(err, /impossible d'écrire .*first-start\.txt/, err);
    assert.match(err, /mot de passe : \S+/, err);
    assert.match(err, /jeton d'API : \S+/, err);
  } finally {
    rmSync(other, { recursive: true, force: true });
  }
});

test.run();
