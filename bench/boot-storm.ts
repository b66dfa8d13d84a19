// Boot storm: thousands of distinct provisioned phones (every vendor of the registry) fetching
// their full boot sequence over HTTP, one new connection per request like phones, on loopback —
// against `cadran serve` at its default settings (seeded through the store into a temporary data
// dir, logging one line per request to a file) and against nginx serving the very same bytes as
// static files, in the same run, with the same client.
//   node bin/tsx-run.js bench/boot-storm.ts
// Knobs: CADRAN_BENCH_PHONES (10000), CADRAN_BENCH_CONCURRENCY (128 connections),
// CADRAN_BENCH_ROUNDS (2 measured passes per server), CADRAN_BENCH_PASS_S (10 s per pass),
// CADRAN_BENCH_THREADS (wrk threads, 2), CADRAN_BENCH_WORKERS (unset: cadran's default),
// CADRAN_BENCH_SERVE_ENV (settings given to both cadran servers, e.g. "CADRAN_LOG_LEVEL=warn"),
// CADRAN_BENCH_BEFORE (another checkout, e.g. of main, measured in the same run as "before"),
// CADRAN_BENCH_BEFORE_ENV (settings of that "before" server only, e.g. this very tree with
// "CADRAN_PHONE_WORKERS=1 CADRAN_LOG_LEVEL=info"),
// CADRAN_BENCH_LIMIT_S (time limit of the cold pass, 120), CADRAN_BENCH_PROFILE (a directory:
// cadran's processes write V8 CPU profiles there; `node bin/tsx-run.js bench/cpuprofile.ts <file>`
// sums one up).
// First every phone fetches its files once on cold caches (a Node client, one raw
// `GET … Connection: close` per socket). The measured passes use wrk (bench/wrk.ts): the cheapest
// client there is, its own CPU and each server's CPU measured, so the ratio is not the client's.
// What bounds cadran on this shape (a profile of a phone worker during the storm): bench/README.md.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { closeSync, copyFileSync, existsSync, mkdtempSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../server/config.ts';
import { createAppContext } from '../server/app.ts';
import { createLogger } from '../server/log.ts';
import { renderDeviceFile } from '../server/provision/render.ts';
import type { AppContext } from '../server/app-context.ts';
import { vendors } from '../vendors/index.ts';
import { freePort, startStaticNginx, type StaticNginx } from './nginx.ts';
import { prepareWrk, runWrk, type WrkPass } from './wrk.ts';
import { freeUdpPort } from '../test/helpers/ports.ts';

export interface BootStormOptions {
  phones?: number;
  concurrency?: number;
  /** Phone worker processes of cadran. */
  workers?: number;
  /** Measured rounds per server (after one unmeasured cold pass of cadran). */
  rounds?: number;
  /** Upper bound of the cold pass. */
  passLimitMs?: number;
  /** Seconds of one measured (wrk) pass. */
  passSeconds?: number;
  /** Another checkout of cadran measured in the same run (`before`). */
  beforeTree?: string;
  print?: (line: string) => void;
}

export interface BootStormRow {
  server: string;
  requests: number;
  failed: number;
  seconds: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  mbPerSec: number;
}

export interface BootStormResult {
  phones: number;
  requestsPerPass: number;
  rows: BootStormRow[];
  /** cadran req/s ÷ nginx req/s (measured rounds). */
  ratio: number;
  cadranP99Ms: number;
  /** True when cadran reached ≥ 0.7× nginx with p99 < 50 ms and no error. */
  targetMet: boolean;
}

interface Fetch {
  request: Buffer;
  /** Body bytes expected: a shorter answer is a failure. */
  size: number;
}

const ROOT = 'http://127.0.0.1:8080/';
const self = fileURLToPath(import.meta.url);
const root = fileURLToPath(new URL('..', import.meta.url));
const TENANTS = 10;

const envNum = (name: string): number | undefined => {
  const v = process.env[name];
  return v === undefined || v === '' ? undefined : Number(v);
};

/** Phones, users, keys and contacts straight through the store (one transaction). */
export async function seed(app: AppContext, phones: number): Promise<Array<{ mac: string; files: string[] }>> {
  const out: Array<{ mac: string; files: string[] }> = [];
  await app.store.transaction(async (s) => {
    for (let t = 0; t < TENANTS; t++) {
      await s.tenants.insert({ id: `tenant-${t}`, name: `Tenant ${t}`, sipDomain: `sip${t}.bench.example`, sipProxy: null, sipPort: 5060, sipTransport: 'udp', security: {} });
      await s.network.setTenant(`tenant-${t}`, { timezone: 'Europe/Paris', ntpServers: ['ntp.bench.example'] });
    }
    for (let i = 0; i < phones; i++) {
      const tenantId = `tenant-${i % TENANTS}`;
      const number = `01${String(i).padStart(8, '0')}`;
      await s.users.insert({
        number, tenantId, name: `User ${i}`, email: null, role: 'user', passwordHash: null,
        sipAuthName: number, sipPassword: `secret-${i}-bench`, voicemailNumber: '123',
      });
    }
    for (let i = 0; i < phones; i++) {
      const number = `01${String(i).padStart(8, '0')}`;
      // A BLF on a colleague of the same tenant, a speed dial, two contacts.
      const colleague = i + TENANTS < phones ? `01${String(i + TENANTS).padStart(8, '0')}` : null;
      await s.keys.replace(number, [
        { position: 1, type: 'line', value: null, label: null },
        ...(colleague ? [{ position: 2, type: 'blf' as const, value: colleague, label: null }] : []),
        { position: 3, type: 'speeddial', value: '0612345678', label: 'Mobile' },
      ]);
      for (let c = 0; c < 2; c++) {
        await s.contacts.insert({ userNumber: number, name: `Contact ${c} of ${i}`, work: `01450000${String(c).padStart(2, '0')}`, mobile: null, home: null, group: null });
      }
      const vendor = vendors[i % vendors.length]!;
      const model = vendor.models[Math.floor(i / vendors.length) % vendor.models.length]!;
      const mac = vendor.ouis[0]! + (0x100000 + i).toString(16).slice(-6);
      await s.devices.insert({
        mac, tenantId: `tenant-${i % TENANTS}`, vendor: vendor.id, model: model.model, userNumber: number, label: null,
        expansionModules: 0, extraLines: [], provisioningUsername: null, provisioningPassword: null,
      });
      out.push({ mac, files: vendor.bootFiles(mac, model.model) });
    }
  });
  return out;
}

/** One request on a new connection; resolves with the latency, or -1 on failure. */
function fetchOnce(port: number, f: Fetch, timeoutMs: number): Promise<number> {
  return new Promise((resolveMs) => {
    const t0 = performance.now();
    const sock = connect(port, '127.0.0.1');
    let head: Buffer | null = null;
    let bytes = 0;
    let done = false;
    const end = (ok: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolveMs(ok ? performance.now() - t0 : -1);
    };
    const timer = setTimeout(() => end(false), timeoutMs);
    sock.setNoDelay(true);
    sock.on('connect', () => sock.write(f.request));
    sock.on('data', (d: Buffer) => {
      if (!head) head = d;
      bytes += d.length;
    });
    sock.on('error', () => end(false));
    sock.on('close', () => end(head !== null && head.subarray(0, 12).toString('latin1') === 'HTTP/1.1 200' && bytes > f.size));
  });
}

interface PassResult {
  latencies: number[];
  failed: number;
  seconds: number;
  bytes: number;
  complete: boolean;
}

/** Every phone fetches its files in order; `concurrency` phones at a time. */
export async function storm(port: number, phones: Fetch[][], concurrency: number, limitMs: number): Promise<PassResult> {
  const latencies: number[] = [];
  let failed = 0;
  let bytes = 0;
  let next = 0;
  const t0 = performance.now();
  const deadline = t0 + limitMs;
  let complete = true;
  const lane = async (): Promise<void> => {
    while (next < phones.length) {
      if (performance.now() > deadline) {
        complete = false;
        return;
      }
      const phone = phones[next++]!;
      for (const f of phone) {
        const ms = await fetchOnce(port, f, 10_000);
        if (ms < 0) failed++;
        else {
          latencies.push(ms);
          bytes += f.size;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return { latencies, failed, seconds: (performance.now() - t0) / 1000, bytes, complete };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function row(server: string, passes: PassResult[]): BootStormRow {
  const lat = passes.flatMap((p) => p.latencies).sort((a, b) => a - b);
  const seconds = passes.reduce((a, p) => a + p.seconds, 0);
  const requests = lat.length;
  const bytes = passes.reduce((a, p) => a + p.bytes, 0);
  return {
    server,
    requests,
    failed: passes.reduce((a, p) => a + p.failed, 0),
    seconds: Math.round(seconds * 100) / 100,
    reqPerSec: Math.round(requests / seconds),
    p50Ms: Math.round(percentile(lat, 50) * 100) / 100,
    p99Ms: Math.round(percentile(lat, 99) * 100) / 100,
    mbPerSec: Math.round((bytes / 1024 / 1024 / seconds) * 10) / 10,
  };
}

function benchConfig(dataDir: string, databaseUrl: string | null = null) {
  return loadConfig({
    ...(databaseUrl ? { CADRAN_DATABASE_URL: databaseUrl } : {}),
    CADRAN_DATA_DIR: dataDir,
    CADRAN_HTTP_HOST: '127.0.0.1',
    CADRAN_HTTP_PORT: '0',
    CADRAN_TFTP_HOST: '127.0.0.1',
    CADRAN_TFTP_PORT: '0',
    CADRAN_ADMIN_HOST: '127.0.0.1',
    CADRAN_ADMIN_PORT: '0',
    CADRAN_PUBLIC_URL: ROOT,
  });
}

/** CADRAN_BENCH_SERVE_ENV="CADRAN_LOG_LEVEL=warn CADRAN_PHONE_WORKERS=1": settings other than the defaults. */
function serveEnv(name = 'CADRAN_BENCH_SERVE_ENV'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of (process.env[name] ?? '').split(/[\s,]+/).filter(Boolean)) {
    const i = kv.indexOf('=');
    if (i <= 0 || !kv.startsWith('CADRAN_')) throw new Error(`${name}: "${kv}" is not CADRAN_NAME=value`);
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

interface ServeChild {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolveOk) => {
    const c = connect(port, '127.0.0.1');
    c.once('connect', () => {
      c.destroy();
      resolveOk(true);
    });
    c.once('error', () => resolveOk(false));
  });
}

/**
 * `cadran serve` of a source tree (this one, or an older checkout for the "before" row) exactly
 * as `npm start` runs it — every feature, default settings — except for addresses and ports on
 * the loopback and the data dir. Its logs (one line per phone request at the default level) go to
 * `logFile`, as they would go to a file or journald in production.
 */
/** bench/bare-node.js on a free port, serving `www` (the files nginx serves). */
async function startBareNode(www: string): Promise<ServeChild> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [fileURLToPath(new URL('./bare-node.js', import.meta.url)), www, String(port)], { stdio: 'ignore' });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + 30_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('bench/bare-node.js did not start');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, 500));
  return {
    port,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(t);
    },
  };
}

async function startCadranServe(tree: string, dataDir: string, logFile: string, workers: number | undefined, profileDir?: string, extraEnv: Record<string, string> = {}): Promise<ServeChild> {
  const [http, admin] = [await freePort(), await freePort()];
  const [tftp, sip] = [await freeUdpPort(), await freeUdpPort()];
  const out = openSync(logFile, 'a');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    CADRAN_DATA_DIR: dataDir,
    CADRAN_HTTP_HOST: '127.0.0.1',
    CADRAN_HTTP_PORT: String(http),
    CADRAN_TFTP_HOST: '127.0.0.1',
    CADRAN_TFTP_PORT: String(tftp),
    CADRAN_ADMIN_HOST: '127.0.0.1',
    CADRAN_ADMIN_PORT: String(admin),
    CADRAN_SIP_HOST: '127.0.0.1',
    CADRAN_SIP_PORT: String(sip),
    CADRAN_PUBLIC_URL: ROOT,
    ...(workers !== undefined ? { CADRAN_PHONE_WORKERS: String(workers) } : {}),
    ...serveEnv(),
    ...extraEnv,
  };
  // Profiling: the process (and the phone workers, which take the --cpu-prof flags of their
  // primary) write a V8 CPU profile each when they exit.
  const prof = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child: ChildProcess = spawn(process.execPath, [...prof, join(tree, 'bin', 'cadran.js'), 'serve'], { cwd: tree, env, stdio: ['ignore', out, out] });
  closeSync(out);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + 60_000;
  while (!(await accepts(http))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`cadran serve (${tree}) did not start: see the end of ${logFile}:\n${readFileSync(logFile, 'utf8').slice(-1500)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  // The port accepts once the first worker listens; give the others their start-up.
  await new Promise((r) => setTimeout(r, 1500));
  return {
    port: http,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}

interface StormRow {
  server: string;
  requests: number;
  errors: number;
  seconds: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Server CPU per request, ms (whole process tree). */
  serverCpuMs: number;
  /** wrk's CPU per request, ms. */
  clientCpuMs: number;
  detail: string;
}

function wrkRow(server: string, passes: WrkPass[]): StormRow {
  const requests = passes.reduce((a, p) => a + p.requests, 0);
  const seconds = passes.reduce((a, p) => a + p.seconds, 0);
  const round2 = (x: number) => Math.round(x * 100) / 100;
  return {
    server,
    requests,
    errors: passes.reduce((a, p) => a + p.errors, 0),
    seconds: round2(seconds),
    reqPerSec: Math.round(requests / seconds),
    // wrk gives percentiles per pass: the worst pass is reported.
    p50Ms: round2(Math.max(...passes.map((p) => p.p50Ms))),
    p99Ms: round2(Math.max(...passes.map((p) => p.p99Ms))),
    serverCpuMs: Math.round((passes.reduce((a, p) => a + p.serverCpuS, 0) / requests) * 1e6) / 1000,
    clientCpuMs: Math.round((passes.reduce((a, p) => a + p.clientCpuS, 0) / requests) * 1e6) / 1000,
    detail: passes.map((p) => p.errorDetail).join(' | '),
  };
}

function loadNote(): string {
  const [one, five] = loadavg();
  return `load average ${one!.toFixed(2)} (1 min), ${five!.toFixed(2)} (5 min) on ${availableParallelism()} cores`;
}

export async function runBootStorm(opts: BootStormOptions = {}): Promise<BootStormResult> {
  const phonesCount = opts.phones ?? envNum('CADRAN_BENCH_PHONES') ?? 10_000;
  const concurrency = opts.concurrency ?? envNum('CADRAN_BENCH_CONCURRENCY') ?? 128;
  // Default settings: no CADRAN_PHONE_WORKERS unless asked for.
  const workers = opts.workers ?? envNum('CADRAN_BENCH_WORKERS');
  const rounds = opts.rounds ?? envNum('CADRAN_BENCH_ROUNDS') ?? 2;
  const passSeconds = opts.passSeconds ?? envNum('CADRAN_BENCH_PASS_S') ?? 10;
  const threads = envNum('CADRAN_BENCH_THREADS') ?? Math.min(2, availableParallelism());
  const passLimitMs = opts.passLimitMs ?? (envNum('CADRAN_BENCH_LIMIT_S') ?? 120) * 1000;
  const beforeTree = opts.beforeTree ?? (process.env.CADRAN_BENCH_BEFORE || undefined);
  const print = opts.print ?? ((l: string) => console.log(l));

  const dir = mkdtempSync(join(tmpdir(), 'cadran-bootstorm-'));
  chmodSync(dir, 0o755); // nginx's workers (an unprivileged user under root) walk through it
  const dataDir = join(dir, 'data');
  const servers: ServeChild[] = [];
  let nginx: StaticNginx | null = null;
  try {
    const app = await createAppContext(benchConfig(dataDir), createLogger('warn'));
    const t0 = performance.now();
    const seeded = await seed(app, phonesCount);

    // The same bytes as static files for nginx; requests that render nothing are left out.
    const www = join(dir, 'nginx', 'www');
    mkdirSync(www, { recursive: true });
    const written = new Map<string, number>();
    const phones: Fetch[][] = [];
    const paths: string[] = [];
    let skipped = 0;
    for (const p of seeded) {
      const fetches: Fetch[] = [];
      for (const file of p.files) {
        let size = written.get(file);
        if (size === undefined) {
          const out = await renderDeviceFile(app, p.mac, file, ROOT);
          if (!out) {
            skipped++;
            continue;
          }
          writeFileSync(join(www, file), out.body);
          chmodSync(join(www, file), 0o644);
          size = out.body.length;
          written.set(file, size);
        }
        fetches.push({ request: Buffer.from(`GET /${file} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`, 'latin1'), size });
        paths.push(`/${file}`);
      }
      phones.push(fetches);
    }
    chmodSync(www, 0o755);
    await app.store.close();
    const wrkFiles = prepareWrk(dir, paths);
    const requestsPerPass = phones.reduce((a, p) => a + p.length, 0);
    print(
      `boot storm: ${phonesCount} phones (${vendors.map((v) => v.id).join(', ')}), ${requestsPerPass} boot-file requests, ` +
        `new connection per request${skipped ? ` (${skipped} boot files render nothing, left out)` : ''}; ` +
        `cadran serve at default settings${workers !== undefined ? ` except ${workers} phone workers` : ''}${process.env.CADRAN_BENCH_SERVE_ENV ? ` and ${process.env.CADRAN_BENCH_SERVE_ENV}` : ''}, logs to a file; ` +
        `seeded and rendered in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    print(`client: wrk, ${threads} threads, ${concurrency} connections, ${passSeconds} s per pass, ${rounds} passes per server (order alternates); ${loadNote()}`);

    const profileDir = process.env.CADRAN_BENCH_PROFILE ? resolve(process.env.CADRAN_BENCH_PROFILE) : undefined;
    const cadran = await startCadranServe(root, dataDir, join(dir, 'cadran.log'), workers, profileDir);
    servers.push(cadran);
    let before: ServeChild | null = null;
    if (beforeTree) {
      const beforeData = join(dir, 'data-before');
      mkdirSync(beforeData);
      // The database and the key of its sealed passwords.
      for (const f of ['cadran.sqlite', 'secret.key']) if (existsSync(join(dataDir, f))) copyFileSync(join(dataDir, f), join(beforeData, f));
      // CADRAN_BENCH_BEFORE_ENV: settings of the "before" server only (e.g. this very tree with
      // CADRAN_PHONE_WORKERS=1, to compare settings in one run).
      before = await startCadranServe(resolve(beforeTree), beforeData, join(dir, 'cadran-before.log'), workers, undefined, serveEnv('CADRAN_BENCH_BEFORE_ENV'));
      servers.push(before);
    }
    nginx = await startStaticNginx(join(dir, 'nginx'));
    // The node:http ceiling: the same files from memory, one process per core, nothing else.
    const bare = await startBareNode(www);
    servers.push(bare);

    // Both servers must answer the same bytes.
    for (const phone of phones.slice(0, 6)) {
      for (const f of phone) {
        const [a, b] = await Promise.all([rawBody(cadran.port, f.request), rawBody(nginx.port, f.request)]);
        if (!a.equals(b)) throw new Error(`cadran and nginx differ on ${f.request.toString('latin1').split(' ')[1]}: ${a.length} vs ${b.length} bytes: ${a.toString().slice(0, 200)} / ${b.toString().slice(0, 200)}`);
      }
    }

    // Every phone once, on cold caches (each its files in order), with the Node client.
    const cold = await storm(cadran.port, phones, concurrency, passLimitMs);
    if (before) await storm(before.port, phones, concurrency, passLimitMs);
    await storm(nginx.port, phones, concurrency, passLimitMs); // nginx warm-up (page cache, workers)

    await storm(bare.port, phones, concurrency, passLimitMs);

    type Name = 'cadran' | 'before' | 'nginx' | 'bare';
    const targets: Array<[Name, number, number]> = [
      ['nginx', nginx.port, nginx.pid],
      ['bare', bare.port, bare.pid],
      ['cadran', cadran.port, cadran.pid],
      ...(before ? [['before', before.port, before.pid] as [Name, number, number]] : []),
    ];
    const passes: Record<Name, WrkPass[]> = { cadran: [], before: [], nginx: [], bare: [] };
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? targets : [...targets].reverse();
      for (const [name, port, pid] of order) {
        const pass = await runWrk({ port, serverPid: pid, ...wrkFiles, threads, connections: concurrency, seconds: passSeconds });
        passes[name].push(pass);
        if (process.env.CADRAN_BENCH_VERBOSE) print(`  round ${r + 1} ${name}: ${Math.round(pass.reqPerSec)} req/s, p99 ${pass.p99Ms} ms, ${pass.errorDetail}`);
      }
    }
    const c = wrkRow('cadran (this tree)', passes.cadran);
    const n = wrkRow('nginx (static)', passes.nginx);
    const b = before ? wrkRow('cadran before', passes.before) : null;
    const bareRow = wrkRow('node:http bare (ceiling)', passes.bare);
    const coldRow = row('cadran (cold, node client)', [cold]);
    print('server                      requests  errors  seconds    req/s   p50 ms   p99 ms  server CPU ms/req  client CPU ms/req');
    const line = (x: StormRow | BootStormRow, cpu?: { s: number; c: number }) =>
      print(
        `${x.server.padEnd(26)} ${String(x.requests).padStart(9)} ${String('errors' in x ? x.errors : x.failed).padStart(7)} ${x.seconds.toFixed(2).padStart(8)} ${String(x.reqPerSec).padStart(8)} ${x.p50Ms.toFixed(2).padStart(8)} ${x.p99Ms.toFixed(2).padStart(8)} ${cpu ? cpu.s.toFixed(3).padStart(18) : '-'.padStart(18)} ${cpu ? cpu.c.toFixed(3).padStart(18) : '-'.padStart(18)}`,
      );
    line(coldRow);
    for (const x of [c, ...(b ? [b] : []), bareRow, n]) line(x, { s: x.serverCpuMs, c: x.clientCpuMs });
    const ratio = Math.round((c.reqPerSec / n.reqPerSec) * 100) / 100;
    const cpuRatio = Math.round((n.serverCpuMs / c.serverCpuMs) * 100) / 100;
    const targetMet = ratio >= 0.7 && c.p99Ms < 50 && c.errors === 0;
    print(
      `cadran / nginx = ${ratio}× req/s (server CPU per request: nginx / cadran = ${cpuRatio}×), cadran p99 ${c.p99Ms} ms, ${c.errors} errors — ` +
        `target ≥ 0.7×, p99 < 50 ms, no errors: ${targetMet ? 'met' : 'NOT met'}`,
    );
    const r2 = (x: number): number => Math.round(x * 100) / 100;
    print(
      `node:http bare (one process per core, files from memory, nothing else) = ${r2(bareRow.reqPerSec / n.reqPerSec)}× nginx: ` +
        `the ceiling of node:http on this shape; cadran reaches ${r2(c.reqPerSec / bareRow.reqPerSec)}× of it`,
    );
    if (b) print(`before: ${Math.round((b.reqPerSec / n.reqPerSec) * 100) / 100}× nginx, p99 ${b.p99Ms} ms, ${b.errors} errors (${beforeTree}${process.env.CADRAN_BENCH_BEFORE_ENV ? ` with ${process.env.CADRAN_BENCH_BEFORE_ENV}` : ''})`);
    if (c.errors || n.errors || (b && b.errors)) print(`errors: cadran ${c.detail}; nginx ${n.detail}${b ? `; before ${b.detail}` : ''}`);
    print(`after the run: ${loadNote()}`);
    const rows: BootStormRow[] = [coldRow, ...[c, ...(b ? [b] : []), n].map((x) => ({ server: x.server, requests: x.requests, failed: x.errors, seconds: x.seconds, reqPerSec: x.reqPerSec, p50Ms: x.p50Ms, p99Ms: x.p99Ms, mbPerSec: NaN }))];
    return { phones: phonesCount, requestsPerPass, rows, ratio, cadranP99Ms: c.p99Ms, targetMet };
  } finally {
    if (nginx) await nginx.stop();
    for (const s of servers) await s.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The storm against `cadran serve` alone on one engine (`databaseUrl`: PostgreSQL, null: the
 * SQLite file), for the engine comparison (bench/engines.ts): seeded through the store, one cold
 * pass, then `rounds` measured passes, with the storm client of this file.
 */
export async function runEngineStorm(opts: {
  databaseUrl: string | null;
  phones: number;
  concurrency: number;
  workers: number;
  rounds: number;
  passLimitMs: number;
}): Promise<{ cold: BootStormRow; warm: BootStormRow; complete: boolean; seedSeconds: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'cadran-enginestorm-'));
  const dataDir = join(dir, 'data');
  let cadran: ServeChild | null = null;
  try {
    const app = await createAppContext(benchConfig(dataDir, opts.databaseUrl), createLogger('warn'));
    const t0 = performance.now();
    const phones: Fetch[][] = [];
    let seedSeconds: number;
    try {
      const seeded = await seed(app, opts.phones);
      seedSeconds = (performance.now() - t0) / 1000;
      // Files that render nothing are left out, as in the nginx comparison; sizes are checked.
      const sizes = new Map<string, number>();
      for (const p of seeded) {
        const fetches: Fetch[] = [];
        for (const file of p.files) {
          let size = sizes.get(file);
          if (size === undefined) {
            const out = await renderDeviceFile(app, p.mac, file, ROOT);
            if (!out) continue;
            sizes.set(file, (size = out.body.length));
          }
          fetches.push({ request: Buffer.from(`GET /${file} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`, 'latin1'), size });
        }
        phones.push(fetches);
      }
    } finally {
      await app.store.close();
    }
    const tree = fileURLToPath(new URL('..', import.meta.url));
    cadran = await startCadranServe(tree, dataDir, join(dir, 'serve.log'), opts.workers, undefined, {
      CADRAN_LOG_LEVEL: 'warn',
      ...(opts.databaseUrl ? { CADRAN_DATABASE_URL: opts.databaseUrl } : {}),
    });
    const cold = await storm(cadran.port, phones, opts.concurrency, opts.passLimitMs);
    const passes: PassResult[] = [];
    for (let r = 0; r < opts.rounds; r++) passes.push(await storm(cadran.port, phones, opts.concurrency, opts.passLimitMs));
    return { cold: row('cold cache', [cold]), warm: row('warm', passes), complete: [cold, ...passes].every((p) => p.complete), seedSeconds };
  } finally {
    if (cadran) await cadran.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Body of one answer (for the same-bytes check). */
function rawBody(port: number, request: Buffer): Promise<Buffer> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    const sock = connect(port, '127.0.0.1', () => sock.write(request));
    sock.on('data', (d: Buffer) => chunks.push(d));
    sock.on('error', reject);
    sock.on('close', () => {
      const all = Buffer.concat(chunks);
      const sep = all.indexOf('\r\n\r\n');
      resolveBody(sep < 0 ? Buffer.alloc(0) : all.subarray(sep + 4));
    });
  });
}

const invokedDirectly = process.argv[1] !== undefined && self === resolve(process.argv[1]);
if (invokedDirectly) {
  await runBootStorm();
}
