// PostgreSQL beside SQLite: the HTTP boot storm (cadran with its phone workers, warm and cold
// cache) and the 100,000-line MAC import, on each engine in the same run, with the ratio
// PostgreSQL ÷ SQLite. The PostgreSQL server is CADRAN_BENCH_DATABASE_URL /
// CADRAN_TEST_DATABASE_URL (a superuser URL: a fresh database is made per measure) or a
// throw-away local cluster (Debian `postgresql` binaries), on loopback.
//   node bin/tsx-run.js bench/engines.ts
// The section runs everything once per engine: `npm run bench` gives it at least 1200 s.
// Knobs: CADRAN_BENCH_PHONES (2000 here), CADRAN_BENCH_CONCURRENCY (64), CADRAN_BENCH_WORKERS
// (max(2, cores)), CADRAN_BENCH_ROUNDS (2), CADRAN_BENCH_LIMIT_S (120 per pass),
// CADRAN_BENCH_IMPORT_LINES (100000).
import { availableParallelism, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runEngineStorm } from './boot-storm.ts';
import { runImportBench } from './import.ts';
import { createTestDatabase, dropTestDatabases } from '../test/helpers/postgres.ts';

const envNum = (name: string): number | undefined => {
  const v = process.env[name];
  return v === undefined || v === '' ? undefined : Number(v);
};

const loadNote = (): string => `load average ${loadavg()[0]!.toFixed(2)} on ${availableParallelism()} cores`;

export interface EngineBenchResult {
  storm: Array<{ engine: string; coldReqPerSec: number; reqPerSec: number; p50Ms: number; p99Ms: number; failed: number }>;
  import: Array<{ engine: string; scenario: string; seconds: number; cpuSeconds: number; linesPerSec: number }>;
}

export async function runEngineBench(opts: { print?: (line: string) => void } = {}): Promise<EngineBenchResult> {
  const print = opts.print ?? ((l: string) => console.log(l));
  if (process.env.CADRAN_BENCH_DATABASE_URL) process.env.CADRAN_TEST_DATABASE_URL ??= process.env.CADRAN_BENCH_DATABASE_URL;
  const phones = envNum('CADRAN_BENCH_PHONES') ?? 2000;
  const concurrency = envNum('CADRAN_BENCH_CONCURRENCY') ?? 64;
  const workers = envNum('CADRAN_BENCH_WORKERS') ?? Math.max(2, availableParallelism());
  const rounds = envNum('CADRAN_BENCH_ROUNDS') ?? 2;
  const passLimitMs = (envNum('CADRAN_BENCH_LIMIT_S') ?? 120) * 1000;
  const lines = envNum('CADRAN_BENCH_IMPORT_LINES') ?? 100_000;
  const result: EngineBenchResult = { storm: [], import: [] };
  try {
    print(`boot storm per engine: ${phones} phones, concurrency ${concurrency}, ${workers} phone workers, ${rounds} measured rounds after a cold pass`);
    print('engine       cold req/s   req/s   p50 ms   p99 ms  failed');
    for (const engine of ['sqlite', 'postgres'] as const) {
      const databaseUrl = engine === 'postgres' ? (await createTestDatabase()).url : null;
      const r = await runEngineStorm({ databaseUrl, phones, concurrency, workers, rounds, passLimitMs });
      const row = { engine, coldReqPerSec: r.cold.reqPerSec, reqPerSec: r.warm.reqPerSec, p50Ms: r.warm.p50Ms, p99Ms: r.warm.p99Ms, failed: r.cold.failed + r.warm.failed };
      result.storm.push(row);
      print(
        `${engine.padEnd(10)} ${String(row.coldReqPerSec).padStart(11)} ${String(row.reqPerSec).padStart(7)} ${row.p50Ms.toFixed(2).padStart(8)} ${row.p99Ms.toFixed(2).padStart(8)} ${String(row.failed).padStart(7)}` +
          `${r.complete ? '' : '  (a pass hit its time limit)'}`,
      );
    }
    const [s, p] = result.storm;
    print(`postgres / sqlite: warm ${(p!.reqPerSec / s!.reqPerSec).toFixed(2)}×, cold ${(p!.coldReqPerSec / s!.coldReqPerSec).toFixed(2)}×`);

    print('');
    print(`MAC import per engine: ${lines} lines`);
    for (const engine of ['sqlite', 'postgres'] as const) {
      const databaseUrl = engine === 'postgres' ? (await createTestDatabase()).url : undefined;
      const r = await runImportBench({ lines, skipApi: true, print: (l) => print(`  [${engine}] ${l.trim()}`), ...(databaseUrl ? { databaseUrl } : {}) });
      for (const x of r.rows) result.import.push({ engine, scenario: x.scenario, seconds: x.seconds, cpuSeconds: x.cpuSeconds, linesPerSec: x.linesPerSec });
    }
    print(`scenario                  sqlite s  postgres s   postgres / sqlite (time)   CPU of cadran's process: sqlite s  postgres s  (${loadNote()})`);
    for (const scenario of [...new Set(result.import.map((x) => x.scenario))]) {
      const a = result.import.find((x) => x.engine === 'sqlite' && x.scenario === scenario)!;
      const b = result.import.find((x) => x.engine === 'postgres' && x.scenario === scenario)!;
      print(
        `${scenario.padEnd(24)} ${a.seconds.toFixed(2).padStart(9)} ${b.seconds.toFixed(2).padStart(11)}   ${`${(b.seconds / a.seconds).toFixed(2)}×`.padStart(24)}` +
          `   ${a.cpuSeconds.toFixed(2).padStart(33)} ${b.cpuSeconds.toFixed(2).padStart(11)}`,
      );
    }
    return result;
  } finally {
    await dropTestDatabases().catch(() => undefined);
  }
}

const invokedDirectly = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1]);
if (invokedDirectly) {
  await runEngineBench();
  process.exit(0);
}
