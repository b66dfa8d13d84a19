// Login storm: does a burst of password checks stall phone provisioning? (issue 12, finding 1:
// 200 parallel logins froze phone HTTP for 24 s while bcrypt ran on the event loop.)
// cadran runs in its own process with the default single phone process, so phone HTTP shares the
// event loop with the admin API. A phone client fetches its file over and over (new connection
// per request, `CADRAN_BENCH_LOGIN_FETCH_CONCURRENCY` at a time), first idle, then while 200
// logins arrive at once from 20 loopback addresses (10 unknown logins each, so every one is
// really compared — bcrypt at the default cost 10). Same run, same client: the table compares the
// phone fetch latencies of both phases.
//   node bin/tsx-run.js bench/login-storm.ts
// Knobs: CADRAN_BENCH_LOGINS (200), CADRAN_BENCH_LOGIN_IDLE_S (5).
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { connect } from 'node:net';
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../server/config.ts';
import { createAppContext, startServer } from '../server/app.ts';
import { createLogger } from '../server/log.ts';
import { phoneFeature } from '../server/features.ts';
import { hashPassword } from '../server/auth/passwords.ts';

export interface LoginStormRow {
  phase: string;
  fetches: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface LoginStormResult {
  rows: LoginStormRow[];
  /** p99 of phone fetches during the storm ÷ p99 idle. */
  p99Ratio: number;
  loginSeconds: number;
}

const envNum = (name: string): number | undefined => {
  const v = process.env[name];
  return v === undefined || v === '' ? undefined : Number(v);
};

const MAC = '805ec0777701';

function benchConfig(dataDir: string) {
  return loadConfig({
    CADRAN_DATA_DIR: dataDir,
    CADRAN_HTTP_HOST: '127.0.0.1',
    CADRAN_HTTP_PORT: '0',
    CADRAN_TFTP_HOST: '127.0.0.1',
    CADRAN_TFTP_PORT: '0',
    CADRAN_ADMIN_HOST: '127.0.0.1',
    CADRAN_ADMIN_PORT: '0',
    CADRAN_PHONE_WORKERS: '1',
  });
}

async function seed(dataDir: string): Promise<void> {
  const app = await createAppContext(benchConfig(dataDir), createLogger('warn'));
  const passwordHash = await hashPassword('the-real-password');
  await app.store.transaction(async (s) => {
    await s.tenants.insert({ id: 'bench', name: 'Bench', sipDomain: 'sip.bench.example', sipProxy: null, sipPort: 5060, sipTransport: 'udp', security: {} });
    await s.users.insert({
      number: '0100000001', tenantId: 'bench', name: 'Bench User', email: null, role: 'user', passwordHash,
      sipAuthName: '0100000001', sipPassword: 'sip-secret-bench', voicemailNumber: '123',
    });
    await s.devices.insert({
      mac: MAC, tenantId: 'bench', vendor: 'yealink', model: 'T54W', userNumber: '0100000001', label: null,
      expansionModules: 0, extraLines: [], provisioningUsername: null, provisioningPassword: null,
    });
  });
  await app.store.close();
}

const self = fileURLToPath(import.meta.url);
const tsxRun = fileURLToPath(new URL('../bin/tsx-run.js', import.meta.url));

async function startCadranChild(dataDir: string): Promise<{ phonePort: number; adminPort: number; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, [tsxRun, self, '--serve', dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const ports = await new Promise<{ phonePort: number; adminPort: number }>((resolvePorts, reject) => {
    const t = setTimeout(() => reject(new Error('cadran did not start within 60 s')), 60_000);
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(t);
      resolvePorts(JSON.parse(line) as { phonePort: number; adminPort: number });
    });
    child.once('exit', (code) => reject(new Error(`cadran exited (code ${code})`)));
  });
  return {
    ...ports,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}

async function serveChild(dataDir: string): Promise<void> {
  const app = await createAppContext(benchConfig(dataDir), createLogger('warn'));
  const running = await startServer(app, [phoneFeature]);
  process.stdout.write(`${JSON.stringify({ phonePort: running.phone!.httpPort, adminPort: running.adminPort })}\n`);
  process.once('SIGTERM', () => void running.close().then(() => process.exit(0)));
}

/** One phone fetch on a new connection: latency in ms, or -1. */
function fetchOnce(port: number, timeoutMs = 30_000): Promise<number> {
  return new Promise((done) => {
    const t0 = performance.now();
    const sock = connect(port, '127.0.0.1');
    let head = '';
    let finished = false;
    const end = (ok: boolean): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      sock.destroy();
      done(ok ? performance.now() - t0 : -1);
    };
    const timer = setTimeout(() => end(false), timeoutMs);
    sock.on('connect', () => sock.write(`GET /${MAC}.cfg HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: Yealink SIP-T54W 96.86.0.100\r\nConnection: close\r\n\r\n`));
    sock.on('data', (d: Buffer) => {
      if (head.length < 12) head += d.toString('latin1');
    });
    sock.on('error', () => end(false));
    sock.on('close', () => end(head.startsWith('HTTP/1.1 200')));
  });
}

function login(adminPort: number, name: string, from: string): Promise<number> {
  const payload = JSON.stringify({ login: name, password: 'not-the-password' });
  return new Promise((done) => {
    const req = request(
      {
        host: '127.0.0.1', port: adminPort, path: '/api/v1/sessions', method: 'POST', localAddress: from, agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), connection: 'close' },
      },
      (res) => {
        res.resume();
        res.on('end', () => done(res.statusCode ?? 0));
      },
    );
    req.setTimeout(120_000, () => req.destroy());
    req.on('error', () => done(-1));
    req.end(payload);
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * Phone fetches, `lanes` at a time with a pause of PAUSE_MS between two fetches of a lane (phones,
 * not a flood: the client must not take the CPU the hashing threads need), until `stop()` says
 * so (bounded by `limitMs`).
 */
const PAUSE_MS = 5;
async function fetchLoop(port: number, lanes: number, stop: () => boolean, limitMs: number): Promise<{ lat: number[]; failed: number }> {
  const lat: number[] = [];
  let failed = 0;
  const until = performance.now() + limitMs;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (!stop() && performance.now() < until) {
        const ms = await fetchOnce(port);
        if (ms < 0) failed++;
        else lat.push(ms);
        await new Promise((r) => setTimeout(r, PAUSE_MS));
      }
    }),
  );
  return { lat: lat.sort((a, b) => a - b), failed };
}

function row(phase: string, r: { lat: number[]; failed: number }): LoginStormRow {
  const round = (x: number): number => Math.round(x * 100) / 100;
  return { phase, fetches: r.lat.length, failed: r.failed, p50Ms: round(percentile(r.lat, 50)), p99Ms: round(percentile(r.lat, 99)), maxMs: round(r.lat.at(-1) ?? NaN) };
}

export async function runLoginStorm(opts: { print?: (line: string) => void } = {}): Promise<LoginStormResult> {
  const print = opts.print ?? ((l: string) => console.log(l));
  const logins = envNum('CADRAN_BENCH_LOGINS') ?? 200;
  const idleMs = (envNum('CADRAN_BENCH_LOGIN_IDLE_S') ?? 5) * 1000;
  const lanes = envNum('CADRAN_BENCH_LOGIN_FETCH_CONCURRENCY') ?? 4;
  const dir = mkdtempSync(join(tmpdir(), 'cadran-loginstorm-'));
  let cadran: Awaited<ReturnType<typeof startCadranChild>> | null = null;
  try {
    await seed(dir);
    cadran = await startCadranChild(dir);
    const { phonePort, adminPort } = cadran;
    if ((await fetchOnce(phonePort)) < 0) throw new Error('the phone file is not served');
    const timed = (ms: number) => {
      const t0 = performance.now();
      return fetchLoop(phonePort, lanes, () => performance.now() - t0 > ms, ms + 1000);
    };
    await timed(1000); // warm-up: caches, JIT
    // Idle is measured half before and half after the storm, so a change in the machine's load
    // during the run weighs on both phases alike.
    const idleBefore = await timed(idleMs / 2);
    let done = false;
    const started = performance.now();
    const storm = Promise.all(
      Array.from({ length: logins }, (_, i) => login(adminPort, `storm-${i}`, `127.0.3.${1 + (i % 20)}`)),
    ).finally(() => (done = true));
    const during = await fetchLoop(phonePort, lanes, () => done, 240_000);
    const statuses = await storm;
    const loginSeconds = Math.round((performance.now() - started) / 10) / 100;
    const idleAfter = await timed(idleMs / 2);
    const idle = { lat: [...idleBefore.lat, ...idleAfter.lat].sort((a, b) => a - b), failed: idleBefore.failed + idleAfter.failed };
    const rows = [row('idle', idle), row(`during ${logins} logins`, during)];
    print(`login storm: ${logins} parallel logins (20 addresses × ${logins / 20}, bcrypt cost 10, hashing in worker threads) against one cadran process; phone fetches: ${lanes} lanes, a new connection each, ${PAUSE_MS} ms apart`);
    print('phone fetches          fetches  failed   p50 ms   p99 ms   max ms');
    for (const r of rows) {
      print(`${r.phase.padEnd(21)} ${String(r.fetches).padStart(8)} ${String(r.failed).padStart(7)} ${r.p50Ms.toFixed(2).padStart(8)} ${r.p99Ms.toFixed(2).padStart(8)} ${r.maxMs.toFixed(2).padStart(8)}`);
    }
    const counts = new Map<number, number>();
    for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
    const p99Ratio = Math.round((rows[1]!.p99Ms / rows[0]!.p99Ms) * 10) / 10;
    print(`logins answered in ${loginSeconds} s (${[...counts].map(([s, n]) => `${n}× ${s}`).join(', ')}); phone p99 during / idle = ${p99Ratio}×`);
    return { rows, p99Ratio, loginSeconds };
  } finally {
    if (cadran) await cadran.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const invokedDirectly = process.argv[1] !== undefined && self === resolve(process.argv[1]);
if (invokedDirectly) {
  if (process.argv[2] === '--serve') await serveChild(process.argv[3]!);
  else {
    await runLoginStorm();
    process.exit(0);
  }
}
