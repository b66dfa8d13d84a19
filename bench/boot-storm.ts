// Boot storm: thousands of distinct provisioned phones (every vendor of the registry) fetching
// their full boot sequence over HTTP, one new connection per request like phones, with bounded
// concurrency, on loopback — against cadran (phone workers, seeded through the store into a
// temporary data dir) and against nginx serving the very same bytes as static files, in the
// same run, with the same client.
//   node bin/tsx-run.js bench/boot-storm.ts
// Knobs: CADRAN_BENCH_PHONES (10000), CADRAN_BENCH_CONCURRENCY (128), CADRAN_BENCH_WORKERS
// (max(2, cores)), CADRAN_BENCH_ROUNDS (2 measured rounds per server), CADRAN_BENCH_LIMIT_S (time
// limit of one pass, 120).
// The client writes a raw `GET … Connection: close` on a fresh socket and reads to the end: the
// cheapest correct client, so that it costs as little CPU as possible to both servers.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { connect } from 'node:net';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../server/config.ts';
import { createAppContext, startServer } from '../server/app.ts';
import { createLogger } from '../server/log.ts';
import { phoneFeature } from '../server/features.ts';
import { renderDeviceFile } from '../server/provision/render.ts';
import type { AppContext } from '../server/app-context.ts';
import { vendors } from '../vendors/index.ts';
import { startStaticNginx, type StaticNginx } from './nginx.ts';

export interface BootStormOptions {
  phones?: number;
  concurrency?: number;
  /** Phone worker processes of cadran. */
  workers?: number;
  /** Measured rounds per server (after one unmeasured cold pass of cadran). */
  rounds?: number;
  /** Upper bound of one pass. */
  passLimitMs?: number;
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
  /** True when cadran reached ≥ 0.7× nginx with p99 < 50 ms. */
  targetMet: boolean;
}

interface Fetch {
  request: Buffer;
  /** Body bytes expected: a shorter answer is a failure. */
  size: number;
}

const ROOT = 'http://127.0.0.1:8080/';
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

function benchConfig(dataDir: string, workers: number) {
  return loadConfig({
    CADRAN_DATA_DIR: dataDir,
    CADRAN_HTTP_HOST: '127.0.0.1',
    CADRAN_HTTP_PORT: '0',
    CADRAN_TFTP_HOST: '127.0.0.1',
    CADRAN_TFTP_PORT: '0',
    CADRAN_ADMIN_HOST: '127.0.0.1',
    CADRAN_ADMIN_PORT: '0',
    CADRAN_PUBLIC_URL: ROOT,
    CADRAN_PHONE_WORKERS: String(workers),
  });
}

const self = fileURLToPath(import.meta.url);
const tsxRun = fileURLToPath(new URL('../bin/tsx-run.js', import.meta.url));

/**
 * cadran in its own process tree (primary + phone workers), as in production, so the load
 * client shares no event loop with it; the child prints its phone port on its first line.
 */
async function startCadranChild(dataDir: string, workers: number): Promise<{ port: number; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, [tsxRun, self, '--serve', dataDir, String(workers)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const port = await new Promise<number>((resolvePort, reject) => {
    const t = setTimeout(() => reject(new Error('cadran did not start within 60 s')), 60_000);
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(t);
      const port = Number(JSON.parse(line).port);
      if (port > 0) resolvePort(port);
      else reject(new Error(`cadran: ${line}`));
    });
    child.once('exit', (code) => reject(new Error(`cadran exited (code ${code})`)));
  });
  return {
    port,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** The `--serve` child: open the seeded data dir and serve phones until SIGTERM. */
async function serveChild(dataDir: string, workers: number): Promise<void> {
  // Phone request lines are info: like nginx's access_log off, the storm runs without them.
  const app = await createAppContext(benchConfig(dataDir, workers), createLogger('warn'));
  const running = await startServer(app, [phoneFeature]);
  process.stdout.write(`${JSON.stringify({ port: running.phone!.httpPort })}\n`);
  process.once('SIGTERM', () => void running.close().then(() => process.exit(0)));
}

export async function runBootStorm(opts: BootStormOptions = {}): Promise<BootStormResult> {
  const phonesCount = opts.phones ?? envNum('CADRAN_BENCH_PHONES') ?? 10_000;
  const concurrency = opts.concurrency ?? envNum('CADRAN_BENCH_CONCURRENCY') ?? 128;
  const workers = opts.workers ?? envNum('CADRAN_BENCH_WORKERS') ?? Math.max(2, availableParallelism());
  const rounds = opts.rounds ?? envNum('CADRAN_BENCH_ROUNDS') ?? 2;
  const passLimitMs = opts.passLimitMs ?? (envNum('CADRAN_BENCH_LIMIT_S') ?? 120) * 1000;
  const print = opts.print ?? ((l: string) => console.log(l));

  const dir = mkdtempSync(join(tmpdir(), 'cadran-bootstorm-'));
  chmodSync(dir, 0o755); // nginx's workers (an unprivileged user under root) walk through it
  const dataDir = join(dir, 'data');
  let cadran: { port: number; stop(): Promise<void> } | null = null;
  let nginx: StaticNginx | null = null;
  try {
    const app = await createAppContext(benchConfig(dataDir, workers), createLogger('warn'));
    const t0 = performance.now();
    const seeded = await seed(app, phonesCount);

    // The same bytes as static files for nginx; requests that render nothing are left out.
    const www = join(dir, 'nginx', 'www');
    mkdirSync(www, { recursive: true });
    const written = new Map<string, number>();
    const phones: Fetch[][] = [];
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
      }
      phones.push(fetches);
    }
    chmodSync(www, 0o755);
    await app.store.close();
    const requestsPerPass = phones.reduce((a, p) => a + p.length, 0);
    print(
      `boot storm: ${phonesCount} phones (${vendors.map((v) => v.id).join(', ')}), ${requestsPerPass} requests per pass` +
        `${skipped ? ` (${skipped} boot files render nothing, left out)` : ''}, concurrency ${concurrency}, new connection per request; ` +
        `cadran with ${workers} phone workers; seeded and rendered in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );

    cadran = await startCadranChild(dataDir, workers);
    const cadranPort = cadran.port;
    nginx = await startStaticNginx(join(dir, 'nginx'));

    // Both servers must answer the same bytes.
    for (const phone of phones.slice(0, 6)) {
      for (const f of phone) {
        const [a, b] = await Promise.all([rawBody(cadranPort, f.request), rawBody(nginx.port, f.request)]);
        if (!a.equals(b)) throw new Error(`cadran and nginx differ on ${f.request.toString("latin1").split(" ")[1]}: ${a.length} vs ${b.length} bytes: ${a.toString().slice(0, 200)} / ${b.toString().slice(0, 200)}`);
      }
    }

    const cold = await storm(cadranPort, phones, concurrency, passLimitMs);
    const passes: Record<'cadran' | 'nginx', PassResult[]> = { cadran: [], nginx: [] };
    await storm(nginx.port, phones, concurrency, passLimitMs); // nginx warm-up (page cache, workers)
    for (let r = 0; r < rounds; r++) {
      const order: Array<['cadran' | 'nginx', number]> = r % 2 === 0 ? [['nginx', nginx.port], ['cadran', cadranPort]] : [['cadran', cadranPort], ['nginx', nginx.port]];
      for (const [name, port] of order) {
        const pass = await storm(port, phones, concurrency, passLimitMs);
        passes[name].push(pass);
        if (process.env.CADRAN_BENCH_VERBOSE) print(`  round ${r + 1} ${name}: ${Math.round(pass.latencies.length / pass.seconds)} req/s`);
      }
    }
    const rows = [row('cadran (cold cache)', [cold]), row('cadran', passes.cadran), row('nginx (static)', passes.nginx)];
    const c = rows[1]!;
    const n = rows[2]!;
    const ratio = Math.round((c.reqPerSec / n.reqPerSec) * 100) / 100;
    print('server                 requests  failed  seconds    req/s   p50 ms   p99 ms    MB/s');
    for (const x of rows) {
      print(
        `${x.server.padEnd(21)} ${String(x.requests).padStart(9)} ${String(x.failed).padStart(7)} ${x.seconds.toFixed(2).padStart(8)} ${String(x.reqPerSec).padStart(8)} ${x.p50Ms.toFixed(2).padStart(8)} ${x.p99Ms.toFixed(2).padStart(8)} ${x.mbPerSec.toFixed(1).padStart(7)}`,
      );
    }
    const incomplete = [cold, ...passes.cadran, ...passes.nginx].some((p) => !p.complete);
    const targetMet = ratio >= 0.7 && c.p99Ms < 50;
    print(`cadran / nginx = ${ratio}×, cadran p99 ${c.p99Ms} ms — target ≥ 0.7× and p99 < 50 ms: ${targetMet ? 'met' : 'NOT met'}${incomplete ? ' (a pass hit its time limit)' : ''}`);
    return { phones: phonesCount, requestsPerPass, rows, ratio, cadranP99Ms: c.p99Ms, targetMet };
  } finally {
    if (nginx) await nginx.stop();
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
  if (process.argv[2] === '--serve') await serveChild(process.argv[3]!, Number(process.argv[4]));
  else await runBootStorm();
}
