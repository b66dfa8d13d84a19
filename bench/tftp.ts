// TFTP benchmark: N parallel downloads of the same file from cadran's TFTP listener and from
// Debian's tftpd-hpa (`in.tftpd`), in the same run, on loopback, with the same client.
//   node bin/tsx-run.js bench/tftp.ts [--transfers 64] [--size-mb 5] [--blksize 1468] [--windowsize 8] [--rounds 3]
// Each server runs in its own process; the client (server/phone/tftp-client.ts) runs here, so
// both servers see the same client cost. Two scenarios:
//   lock-step  blksize + tsize only: both servers do exactly the same protocol work;
//   windowed   windowsize also requested (RFC 7440): tftpd-hpa 5.2 ignores it, cadran grants it.
// Every transfer checks its bytes; every phase is bounded in time.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTftpServer } from '../server/phone/tftp.ts';
import { tftpGet } from '../test/helpers/tftp-client.ts';
import { freeUdpPort } from '../test/helpers/ports.ts';

export interface TftpBenchOptions {
  transfers?: number;
  sizeBytes?: number;
  blksize?: number;
  /** Window requested in the "windowed" scenario. */
  windowsize?: number;
  /** Rounds per scenario; servers alternate who goes first, to even out background noise. */
  rounds?: number;
  /** Upper bound for one round against one server. */
  timeLimitMs?: number;
  print?: (line: string) => void;
}

export interface TftpBenchRow {
  scenario: string;
  server: 'cadran' | 'tftpd-hpa';
  /** Transfers over all rounds. */
  transfers: number;
  failed: number;
  /** Wall-clock seconds over all rounds. */
  seconds: number;
  mbPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

export interface TftpBenchResult {
  rows: TftpBenchRow[];
  /** cadran MB/s divided by tftpd-hpa MB/s, per scenario. */
  ratios: Record<string, number>;
}

const FILE = 'bench.bin';
const root = fileURLToPath(new URL('..', import.meta.url));

/** Deterministic, non-repeating-looking content, generated the same way in every process. */
export function benchContent(size: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  let x = 0x9e3779b9;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

/** Waits until `port` serves FILE (a server may take a moment to bind), bounded. */
async function waitReady(port: number, limitMs: number): Promise<void> {
  const end = Date.now() + limitMs;
  for (;;) {
    try {
      await tftpGet({ host: '127.0.0.1', port, file: FILE, options: { blksize: 65464 }, retransmitMs: 200, retries: 2 });
      return;
    } catch (err) {
      if (Date.now() > end) throw new Error(`server on port ${port} not ready: ${String(err)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

interface RunningServer {
  port: number;
  stop(): Promise<void>;
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

async function startCadranChild(size: number): Promise<RunningServer> {
  const port = await freeUdpPort();
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve', String(port), String(size)], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  await waitReady(port, 20_000);
  return { port, stop: () => stopChild(child) };
}

async function startTftpdHpa(content: Buffer): Promise<RunningServer> {
  const dir = mkdtempSync(join(tmpdir(), 'cadran-bench-tftpd-'));
  writeFileSync(join(dir, FILE), content);
  // in.tftpd drops to user nobody and only serves world-readable files.
  chmodSync(dir, 0o755);
  chmodSync(join(dir, FILE), 0o644);
  const port = await freeUdpPort();
  let child: ChildProcess;
  try {
    child = spawn('in.tftpd', ['-L', '-a', `127.0.0.1:${port}`, '-s', dir], { stdio: ['ignore', 'inherit', 'inherit'] });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (err) => reject(new Error(`cannot run in.tftpd (apt-get install tftpd-hpa): ${err.message}`))),
  );
  await Promise.race([waitReady(port, 10_000), spawnError]);
  return {
    port,
    stop: async () => {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function loadOne(
  port: number,
  content: Buffer,
  transfers: number,
  options: Record<string, number>,
  timeLimitMs: number,
): Promise<{ seconds: number; durations: number[]; failed: number }> {
  const durations: number[] = [];
  let failed = 0;
  const t0 = performance.now();
  // Each transfer from its own loopback address, as phones are: cadran caps transfers per client
  // address (32), which one shared source address would hit.
  const one = async (_: unknown, i: number): Promise<void> => {
    const t = performance.now();
    try {
      const r = await tftpGet({ host: '127.0.0.1', port, file: FILE, options, retransmitMs: 500, retries: 6, bindAddress: `127.0.5.${1 + (i % 250)}` });
      if (!r.data.equals(content)) throw new Error('content differs');
      durations.push(performance.now() - t);
    } catch {
      failed++;
    }
  };
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeLimitMs)));
  const all = Promise.all(Array.from({ length: transfers }, one));
  const outcome = await Promise.race([all, limit]);
  clearTimeout(timer);
  if (outcome === 'timeout') failed = transfers - durations.length;
  return { seconds: (performance.now() - t0) / 1000, durations, failed };
}

export async function runTftpBench(opts: TftpBenchOptions = {}): Promise<TftpBenchResult> {
  const transfers = opts.transfers ?? 64;
  const size = opts.sizeBytes ?? 5 * 1024 * 1024;
  const blksize = opts.blksize ?? 1468;
  const windowsize = opts.windowsize ?? 8;
  const rounds = opts.rounds ?? 3;
  const timeLimitMs = opts.timeLimitMs ?? 120_000;
  const print = opts.print ?? ((l: string) => console.log(l));
  const content = benchContent(size);
  const scenarios: Array<[string, Record<string, number>]> = [
    ['lock-step', { blksize, tsize: 0 }],
    ['windowed', { blksize, tsize: 0, windowsize }],
  ];
  const rows: TftpBenchRow[] = [];
  const servers: Array<[TftpBenchRow['server'], RunningServer]> = [];
  try {
    servers.push(['cadran', await startCadranChild(size)]);
    servers.push(['tftpd-hpa', await startTftpdHpa(content)]);
    for (const [scenario, options] of scenarios) {
      const acc = new Map(servers.map(([name]) => [name, { seconds: 0, failed: 0, durations: [] as number[] }]));
      for (let round = 0; round < rounds; round++) {
        const order = round % 2 === 0 ? servers : [...servers].reverse();
        for (const [name, srv] of order) {
          const r = await loadOne(srv.port, content, transfers, options, timeLimitMs);
          const a = acc.get(name)!; // every server has an entry
          a.seconds += r.seconds;
          a.failed += r.failed;
          a.durations.push(...r.durations);
        }
      }
      for (const [name, a] of acc) {
        const total = transfers * rounds;
        a.durations.sort((x, y) => x - y);
        rows.push({
          scenario,
          server: name,
          transfers: total,
          failed: a.failed,
          seconds: a.seconds,
          mbPerSec: ((total - a.failed) * size) / (1024 * 1024) / a.seconds,
          p50Ms: percentile(a.durations, 50),
          p99Ms: percentile(a.durations, 99),
        });
      }
    }
  } finally {
    for (const [, srv] of servers) await srv.stop();
  }
  const ratios: Record<string, number> = {};
  for (const [scenario] of scenarios) {
    const c = rows.find((r) => r.scenario === scenario && r.server === 'cadran');
    const h = rows.find((r) => r.scenario === scenario && r.server === 'tftpd-hpa');
    if (c && h) ratios[scenario] = c.mbPerSec / h.mbPerSec;
  }
  print(`TFTP: ${transfers} parallel transfers of ${(size / 1024 / 1024).toFixed(1)} MB, blksize ${blksize}, loopback, ${rounds} rounds per server`);
  print('scenario    server      transfers  failed   total s    MB/s   p50 ms   p99 ms');
  for (const r of rows) {
    print(
      `${r.scenario.padEnd(11)} ${r.server.padEnd(11)} ${String(r.transfers).padStart(9)} ${String(r.failed).padStart(7)} ` +
        `${r.seconds.toFixed(2).padStart(9)} ${r.mbPerSec.toFixed(1).padStart(7)} ${r.p50Ms.toFixed(0).padStart(8)} ${r.p99Ms.toFixed(0).padStart(8)}`,
    );
  }
  for (const [scenario, ratio] of Object.entries(ratios)) {
    print(`ratio cadran/tftpd-hpa (${scenario}${scenario === 'windowed' ? `, windowsize ${windowsize}` : ''}): ${ratio.toFixed(2)}x`);
  }
  return { rows, ratios };
}

/** Child mode: serve the bench content on 127.0.0.1:<port> until killed. */
async function serve(port: number, size: number): Promise<void> {
  const content = benchContent(size);
  const srv = await startTftpServer({
    host: '127.0.0.1',
    port,
    provider: async (req) => (req.file === FILE ? { status: 200, body: content, contentType: 'application/octet-stream' } : { status: 404, reason: 'not found' }),
  });
  process.once('SIGTERM', () => void srv.close().then(() => process.exit(0)));
}

function argNumber(args: string[], name: string): number | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : undefined;
}

const invokedDirectly = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1]);
if (invokedDirectly) {
  const args = process.argv.slice(2);
  if (args[0] === '--serve') {
    await serve(Number(args[1]), Number(args[2]));
  } else {
    const sizeMb = argNumber(args, '--size-mb');
    await runTftpBench({
      transfers: argNumber(args, '--transfers'),
      sizeBytes: sizeMb === undefined ? undefined : Math.round(sizeMb * 1024 * 1024),
      blksize: argNumber(args, '--blksize'),
      windowsize: argNumber(args, '--windowsize'),
      rounds: argNumber(args, '--rounds'),
    });
  }
}
