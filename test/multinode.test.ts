// Two cadran nodes on one PostgreSQL database (issue 11): node A is a spawned `cadran serve`
// (so it can be killed -9), node B runs in this process; they listen on different loopback
// addresses (127.0.0.2 and 127.0.0.3). What one node does, the other sees: API tokens, changes
// (B serves A's change within 3 s), Digest nonces, probe blocks, resync jobs (each phone gets
// one NOTIFY whatever node sends it), and when A dies, B keeps serving and writing and takes
// A's leased resync targets over once the leases expire.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../server/config.ts';
import { createAppContext, startServer, type Running } from '../server/app.ts';
import { silentLogger } from '../server/log.ts';
import { createOperator } from '../server/cli/operator.ts';
import { phoneFeature, resyncFeature } from '../server/features.ts';
import { header, type SipRequest } from '../server/sip/message.ts';
import { createTestDatabase, dropTestDatabases, sqlOn, type TestDatabase } from './helpers/postgres.ts';
import { startLoopbackUas, type LoopbackUas } from './helpers/loopback-uas.ts';
import { get } from './phone-fixtures.ts';

const CADRAN = fileURLToPath(new URL('../bin/cadran.js', import.meta.url));
const A_HOST = '127.0.0.2';
const B_HOST = '127.0.0.3';
const PROBER = '127.0.0.9';

const dirs: string[] = [];
let db: TestDatabase;
let a: { child: ChildProcess; adminPort: number; httpPort: number; log: string[] } | null = null;
let b: Running;
let token: string;
const uases: LoopbackUas[] = [];

/** The installation's key: every node is given the same one (README: several nodes). */
const SECRET_KEY = randomBytes(32).toString('base64');

/** Settings both nodes share (a config file per node, same content). */
function nodeEnv(host: string, dir: string): Record<string, string> {
  const cfg = join(dir, 'cadran.json');
  writeFileSync(cfg, JSON.stringify({ probe: { unknownPerMinute: 4, blockSeconds: 120 } }));
  return {
    CADRAN_DATABASE_URL: db.url,
    CADRAN_DATA_DIR: dir,
    CADRAN_CONFIG: cfg,
    CADRAN_ADMIN_HOST: host,
    CADRAN_HTTP_HOST: host,
    CADRAN_TFTP_HOST: host,
    CADRAN_SIP_HOST: host,
    CADRAN_ADMIN_PORT: '0',
    CADRAN_HTTP_PORT: '0',
    CADRAN_TFTP_PORT: '0',
    CADRAN_RESYNC_RATE: '4',
    CADRAN_RESYNC_LEASE_SECONDS: '3',
    CADRAN_PHONE_WORKERS: '1',
    CADRAN_BCRYPT_COST: '4',
    CADRAN_SECRET_KEY: SECRET_KEY,
  };
}

async function startA(): Promise<NonNullable<typeof a>> {
  const dir = mkdtempSync(join(tmpdir(), 'cadran-node-a-'));
  dirs.push(dir);
  const base = { ...process.env };
  for (const k of Object.keys(base)) if (k.startsWith('CADRAN_')) delete base[k];
  const child = spawn(process.execPath, [CADRAN, 'serve'], {
    env: { ...base, ...nodeEnv(A_HOST, dir), CADRAN_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  let adminPort = 0;
  let httpPort = 0;
  let buf = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node A did not start within 60 s:\n${log.join('\n')}`)), 60_000);
    child.stderr!.on('data', (d) => log.push(String(d)));
    child.on('exit', (code) => reject(new Error(`node A exited (${code}) before listening:\n${log.join('\n')}`)));
    child.stdout!.on('data', (d) => {
      buf += String(d);
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        log.push(line);
        try {
          const j = JSON.parse(line) as { msg?: string; port?: number };
          if (j.msg === 'phone HTTP listening') httpPort = j.port!;
          if (j.msg === 'admin API and web UI listening') adminPort = j.port!;
        } catch {
          /* not a log line */
        }
        if (adminPort && httpPort) {
          clearTimeout(timer);
          resolve();
        }
      }
    });
  });
  child.removeAllListeners('exit');
  return { child, adminPort, httpPort, log };
}

async function api(node: 'a' | 'b', method: string, path: string, body?: unknown, tok: string | null = token) {
  const host = node === 'a' ? A_HOST : B_HOST;
  const port = node === 'a' ? a!.adminPort : b.adminPort;
  const res = await fetch(`http://${host}:${port}/api/v1${path}`, {
    method,
    headers: { ...(tok ? { authorization: `Bearer ${tok}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON answers
  let parsed: any = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* keep the text */
  }
  return { status: res.status, body: parsed };
}

async function ok(p: ReturnType<typeof api>) {
  const r = await p;
  if (r.status >= 300) throw new Error(`${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** Waits for `check` to hold, polling every 25 ms, failing after `ms`. */
async function until<T>(what: string, probe: () => Promise<T> | T, check: (v: T) => boolean, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (check(v)) return v;
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what} (last: ${JSON.stringify(v)?.slice(0, 300)})`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const mac = (tenant: number, i: number) => `805ec${tenant}${i.toString(16).padStart(6, '0')}`;
const userOf = (tenant: number, i: number) => `0${tenant}${String(i).padStart(8, '0')}`;

/** A tenant whose NOTIFYs go to `uas` (as its outbound proxy), with `n` users and phones. */
async function tenantWithPhones(t: number, n: number, uas: LoopbackUas | null): Promise<void> {
  await ok(api('a', 'POST', '/tenants', {
    id: `t${t}`, name: `Tenant ${t}`, sipDomain: `sip.t${t}.example`, ...(uas ? { sipProxy: uas.host, sipPort: uas.port } : {}),
    // Explicitly open (a lab): a tenant created without security adopts its phones before serving
    // them (issue 12), which is not what this test is about.
    security: { auth: { mode: 'none' } },
  }));
  for (let i = 1; i <= n; i++) {
    await ok(api(i % 2 ? 'a' : 'b', 'POST', `/tenants/t${t}/users`, { number: userOf(t, i), name: `User ${t}-${i}`, role: i === 1 ? 'admin' : 'user', password: `pw-${userOf(t, i)}` }));
    await ok(api(i % 2 ? 'b' : 'a', 'POST', '/devices', { mac: mac(t, i), model: 'T54W', tenant: `t${t}`, user: userOf(t, i) }));
  }
}

/** NOTIFYs a UAS received, by auth name (the Request-URI user) and by sending node (Via host). */
function received(uas: LoopbackUas): { byUser: Map<string, number>; byNode: Map<string, number> } {
  const byUser = new Map<string, number>();
  const byNode = new Map<string, number>();
  for (const { req } of uas.requests) {
    const user = /^sip:([^@]+)@/.exec(req.uri)?.[1] ?? '?';
    byUser.set(user, (byUser.get(user) ?? 0) + 1);
    const via = /SIP\/2\.0\/UDP\s+([^:;\s]+)/i.exec(header(req as SipRequest, 'via') ?? '')?.[1] ?? '?';
    byNode.set(via, (byNode.get(via) ?? 0) + 1);
  }
  return { byUser, byNode };
}

test.before(async () => {
  db = await createTestDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'cadran-node-b-'));
  dirs.push(dir);
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CADRAN_'))) as Record<string, string>;
  process.env.CADRAN_BCRYPT_COST = '4';
  const app = await createAppContext(loadConfig({ ...base, ...nodeEnv(B_HOST, dir), CADRAN_LOG_LEVEL: 'silent' }), silentLogger);
  token = (await createOperator(app, 'ops')).token;
  b = await startServer(app, [phoneFeature, resyncFeature]);
  a = await startA();
});

test.after(async () => {
  if (a && a.child.exitCode === null) a.child.kill('SIGKILL');
  await b?.close();
  for (const u of uases) await u.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  await dropTestDatabases();
});

test('a token made on A works on B; a change through A is served by B within 3 s', async () => {
  await tenantWithPhones(1, 2, null);
  const login = await ok(api('a', 'POST', '/sessions', { login: userOf(1, 1), password: `pw-${userOf(1, 1)}` }, null));
  const onB = await api('b', 'GET', '/tenants/t1', undefined, login.token);
  assert.is(onB.status, 200, JSON.stringify(onB.body));
  assert.is(onB.body.id, 't1');
  // B renders the phone once (cached), then A changes the user's name.
  const path = `/${mac(1, 2)}.cfg`;
  const first = await get(b.phone!.httpPort, path, { host: B_HOST });
  assert.is(first.status, 200);
  assert.ok(first.body.toString().includes('User 1-2'));
  await ok(api('a', 'PATCH', `/users/${userOf(1, 2)}`, { name: 'Renamed On A' }));
  const t0 = Date.now();
  await until('B serves the new name', () => get(b.phone!.httpPort, path, { host: B_HOST }), (r) => r.body.toString().includes('Renamed On A'), 3000);
  assert.ok(Date.now() - t0 <= 3000);
  // And the other way: a write on B is served by A.
  await ok(api('b', 'PATCH', `/users/${userOf(1, 2)}`, { name: 'Renamed On B' }));
  await until('A serves the name set on B', () => get(a!.httpPort, path, { host: A_HOST }), (r) => r.body.toString().includes('Renamed On B'), 3000);
});

test('a template override stored through A is used by B within 3 s', async () => {
  const source = '#!version:1.0.0.1\n## shared override {{mac}}\n';
  await ok(api('a', 'PUT', '/templates/yealink/mac.cfg.hbs', { source }));
  await until('B renders the override', () => get(b.phone!.httpPort, `/${mac(1, 1)}.cfg`, { host: B_HOST }), (r) => r.body.toString().includes('## shared override'), 3000);
  assert.is((await api('b', 'DELETE', '/templates/yealink/mac.cfg.hbs')).status, 204);
  await until('A is back to the shipped template', () => get(a!.httpPort, `/${mac(1, 1)}.cfg`, { host: A_HOST }), (r) => !r.body.toString().includes('## shared override'), 3000);
});

test('a Digest challenge from A is answered on B (one nonce secret for the installation)', async () => {
  await ok(api('a', 'PATCH', '/tenants/t1', { security: { auth: { mode: 'digest', username: 't1-prov', password: 't1-secret-1' } } }));
  const path = `/${mac(1, 1)}.cfg`;
  const ch = await until('A challenges', () => get(a!.httpPort, path, { host: A_HOST }), (r) => r.status === 401, 3000);
  const params = Object.fromEntries([...String(ch.headers['www-authenticate']).matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  const md5 = (s: string) => createHash('md5').update(s).digest('hex');
  const cnonce = randomBytes(8).toString('hex');
  const response = md5(`${md5(`t1-prov:${params.realm}:t1-secret-1`)}:${params.nonce}:00000001:${cnonce}:auth:${md5(`GET:${path}`)}`);
  const authorization = `Digest username="t1-prov", realm="${params.realm}", nonce="${params.nonce}", uri="${path}", algorithm=MD5, qop=auth, nc=00000001, cnonce="${cnonce}", response="${response}"`;
  const onB = await get(b.phone!.httpPort, path, { host: B_HOST, headers: { authorization } });
  assert.is(onB.status, 200);
  assert.is((await get(b.phone!.httpPort, path, { host: B_HOST, headers: { authorization } })).status, 401, 'the same nc again on B: a replay');
  await ok(api('a', 'PATCH', '/tenants/t1', { security: { auth: { mode: 'none' } } }));
});

test('a client blocked by A for probing is refused by B within a few seconds', async () => {
  for (let i = 0; i < 6; i++) await get(a!.httpPort, `/0015650000${i.toString().padStart(2, '0')}.cfg`, { host: A_HOST, from: PROBER });
  assert.is((await get(a!.httpPort, `/${mac(1, 1)}.cfg`, { host: A_HOST, from: PROBER })).status, 429, 'blocked on A');
  assert.is((await get(b.phone!.httpPort, `/${mac(1, 1)}.cfg`, { host: B_HOST })).status, 200, 'another client is served');
  await until('B refuses the prober', () => get(b.phone!.httpPort, `/${mac(1, 1)}.cfg`, { host: B_HOST, from: PROBER }), (r) => r.status === 429, 5000);
});

test('a tenant resync through A reaches each phone exactly once, sent by both nodes', async () => {
  const uas = await startLoopbackUas({ record: true });
  uases.push(uas);
  const n = 16;
  await tenantWithPhones(2, n, uas);
  const job = await ok(api('a', 'POST', '/tenants/t2/resync'));
  assert.is(job.queued, n);
  const done = await until('the job to finish', () => api('b', 'GET', `/resync-jobs/${job.jobId}`), (r) => r.body?.finished === true, 30_000);
  assert.is(done.body.counts.answered, n, JSON.stringify(done.body.counts));
  const { byUser, byNode } = received(uas);
  assert.is(byUser.size, n);
  for (const [user, count] of byUser) assert.is(count, 1, `${user} got ${count} NOTIFYs`);
  assert.is(uas.count, n);
  assert.ok((byNode.get(A_HOST) ?? 0) > 0 && (byNode.get(B_HOST) ?? 0) > 0, `both nodes sent: ${JSON.stringify([...byNode])}`);
});

test('A killed -9: B keeps serving and writing, and takes the targets A had leased over', async () => {
  const uas = await startLoopbackUas({ record: true });
  uases.push(uas);
  const n = 24;
  await tenantWithPhones(3, n, uas);
  const job = await ok(api('a', 'POST', '/tenants/t3/resync'));
  // A has sent some and holds leases on more when it dies.
  await until('A to send a first NOTIFY', () => received(uas).byNode.get(A_HOST) ?? 0, (c) => c >= 1, 10_000);
  const leasedByA = await sqlOn<{ mac: string; lease_owner: string }>(
    db.url,
    `SELECT mac, lease_owner FROM resync_targets WHERE job_id = $1 AND state = 'queued' AND lease_owner IS NOT NULL AND lease_owner <> $2`,
    [job.jobId, b.resync!.engine.owner],
  );
  a!.child.kill('SIGKILL');
  await new Promise<void>((r) => (a!.child.exitCode !== null || a!.child.signalCode !== null ? r() : a!.child.once('exit', () => r())));
  assert.ok(leasedByA.length > 0, 'A held leased targets not sent yet');

  // B serves and writes without A.
  const created = await api('b', 'POST', '/devices', { mac: '805ec4000001', model: 'T54W', tenant: 't1', user: userOf(1, 2) });
  assert.is(created.status, 201, JSON.stringify(created.body));
  assert.is((await get(b.phone!.httpPort, '/805ec4000001.cfg', { host: B_HOST })).status, 200);

  // Every phone is reached: A's leased targets by B once their leases (3 s) ran out.
  const done = await until('the job to finish on B', () => api('b', 'GET', `/resync-jobs/${job.jobId}`), (r) => r.body?.finished === true, 60_000);
  assert.is(done.body.counts.answered, n, JSON.stringify(done.body.counts));
  const owners = await sqlOn<{ mac: string; lease_owner: string }>(db.url, `SELECT mac, lease_owner FROM resync_targets WHERE job_id = $1 AND mac = ANY($2::text[])`, [
    job.jobId,
    leasedByA.map((t) => t.mac),
  ]);
  assert.ok(owners.every((o) => o.lease_owner === b.resync!.engine.owner), 'taken over by B');
  const { byUser } = received(uas);
  assert.is(byUser.size, n, 'every phone got a NOTIFY');
  const twice = [...byUser.values()].filter((c) => c > 1).length;
  // A NOTIFY A sent just before dying, whose answer it could not record, is sent again by B.
  assert.ok(twice <= 1, `${twice} phones got more than one NOTIFY`);
});

test.run();
