// SIP NOTIFY benchmark: a tenant-wide resync of COUNT phones paced at RATE NOTIFY/s through the
// resync engine, to a loopback UAS answering 200 OK that runs in its own process.
//   node bin/tsx-run.js bench/sip-notify.ts [--count 10000] [--rate 500] [--limit-s 60]
//   env: CADRAN_BENCH_SIP_COUNT, CADRAN_BENCH_SIP_RATE, CADRAN_BENCH_SIP_LIMIT_S (quick runs)
// Prints target vs achieved send rate (goal: within ±5 %), answered / timed out, RSS, duration.
// Bounded: the run stops at the time limit whatever the state (reported as incomplete).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLoopbackUas } from '../test/helpers/loopback-uas.ts';
import { MemoryResyncStore } from '../test/helpers/memory-resync-store.ts';
import { ResyncEngine } from '../server/resync/engine.ts';
import { SipClient } from '../server/sip/transaction.ts';
import { openUdpTransport } from '../server/sip/transport.ts';

export interface SipBenchOptions {
  count?: number;
  /** Target NOTIFYs per second (per-tenant rate and global cap alike). */
  rate?: number;
  /** Hard stop for the whole run. */
  timeLimitMs?: number;
  print?: (line: string) => void;
}

export interface SipBenchResult {
  count: number;
  targetRate: number;
  achievedRate: number;
  /** achievedRate / targetRate. */
  ratio: number;
  /** True when the ratio is within ±5 %. */
  rateOk: boolean;
  sent: number;
  answered: number;
  timedOut: number;
  failed: number;
  /** False when the time limit stopped the run. */
  complete: boolean;
  seconds: number;
  rssBeforeMb: number;
  rssAfterMb: number;
}

const mb = (n: number) => Math.round((n / 1024 / 1024) * 10) / 10;

/** The UAS child: this same file with --uas; prints its port on the first stdout line. */
async function startUasChild(): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--uas'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error('the loopback UAS did not start within 20 s')), 20_000);
    child.once('error', rej);
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', (l) => {
      clearTimeout(timer);
      res(l);
    });
  });
  return { port: Number(line), child };
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((res) => {
    if (child.exitCode !== null || child.signalCode !== null) return res();
    child.once('exit', () => res());
    child.stdin?.end(); // the child exits when its stdin closes
  });
}

export async function runSipBench(opts: SipBenchOptions = {}): Promise<SipBenchResult> {
  const count = opts.count ?? Number(process.env.CADRAN_BENCH_SIP_COUNT ?? 10_000);
  const rate = opts.rate ?? Number(process.env.CADRAN_BENCH_SIP_RATE ?? 500);
  const limitMs = opts.timeLimitMs ?? Number(process.env.CADRAN_BENCH_SIP_LIMIT_S ?? 60) * 1000;
  const print = opts.print ?? ((l: string) => console.log(l));
  if (!(count > 0 && rate > 0 && limitMs > 0)) throw new Error('count, rate and time limit must be positive numbers');

  const uas = await startUasChild();
  const transport = await openUdpTransport({ bindHost: '127.0.0.1' });
  const client = new SipClient({ transport });
  const store = new MemoryResyncStore();
  const sendTimes: number[] = [];
  const tally = { answered: 0, timeout: 0, failed: 0 };
  const engine = new ResyncEngine({
    store,
    sender: client,
    ratePerTenant: rate,
    globalRate: rate,
    maxQueued: count,
    onChange: (c) => {
      if (c.state === 'sent') sendTimes.push(performance.now());
      else if (c.state === 'answered') tally.answered++;
      else if (c.state === 'timeout') tally.timeout++;
      else if (c.state === 'failed') tally.failed++;
    },
  });
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const start = performance.now();
  let complete = false;
  try {
    await engine.submit({
      tenantId: 'bench',
      scope: { kind: 'tenant', id: 'bench' },
      targets: Array.from({ length: count }, (_, i) => ({
        deviceMac: i.toString(16).padStart(12, '0'),
        event: 'check-sync;reboot=false',
        target: { host: '127.0.0.1', port: uas.port },
        requestUri: `sip:${1_000_000_000 + i}@127.0.0.1:${uas.port}`,
        fromDomain: 'bench.invalid',
      })),
    });
    let timer: NodeJS.Timeout | undefined;
    complete = await Promise.race([
      engine.whenIdle().then(() => true),
      new Promise<boolean>((res) => (timer = setTimeout(() => res(false), limitMs))),
    ]);
    clearTimeout(timer);
  } finally {
    await engine.close();
    client.close();
    await transport.close();
    await stopChild(uas.child);
  }
  const seconds = (performance.now() - start) / 1000;
  const rssAfter = process.memoryUsage().rss;
  const span = sendTimes.length > 1 ? (sendTimes[sendTimes.length - 1] - sendTimes[0]) / 1000 : 0;
  // n sends paced at r/s span (n - 1) / r seconds: the first one goes at once.
  const achievedRate = span > 0 ? (sendTimes.length - 1) / span : 0;
  const ratio = achievedRate / rate;
  const result: SipBenchResult = {
    count,
    targetRate: rate,
    achievedRate,
    ratio,
    rateOk: Math.abs(ratio - 1) <= 0.05,
    sent: sendTimes.length,
    answered: tally.answered,
    timedOut: tally.timeout,
    failed: tally.failed,
    complete,
    seconds,
    rssBeforeMb: mb(rssBefore),
    rssAfterMb: mb(rssAfter),
  };
  print(`SIP NOTIFY: ${count} phones of one tenant, paced at ${rate}/s, loopback UAS answering 200 (separate process)`);
  print('target/s  achieved/s  ratio   sent    answered  timeout  failed  RSS before MB  RSS after MB  seconds');
  print(
    [
      String(rate).padStart(8),
      achievedRate.toFixed(1).padStart(11),
      ratio.toFixed(3).padStart(6),
      String(result.sent).padStart(7),
      String(result.answered).padStart(10),
      String(result.timedOut).padStart(8),
      String(result.failed).padStart(7),
      String(result.rssBeforeMb).padStart(14),
      String(result.rssAfterMb).padStart(13),
      seconds.toFixed(1).padStart(8),
    ].join(' '),
  );
  print(`rate within ±5 %: ${result.rateOk ? 'yes' : 'NO'}${complete ? '' : `; stopped at the ${limitMs / 1000} s limit before the end`}`);
  return result;
}

/** Child mode: answer every request 200 OK until stdin closes. */
async function serveUas(): Promise<void> {
  const uas = await startLoopbackUas({ host: '127.0.0.1' });
  process.stdout.write(`${uas.port}\n`);
  process.stdin.resume();
  process.stdin.once('end', () => void uas.close().then(() => process.exit(0)));
}

const invokedDirectly = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1]);
if (invokedDirectly) {
  const args = process.argv.slice(2);
  const num = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : undefined;
  };
  if (args[0] === '--uas') {
    await serveUas();
  } else {
    const limit = num('--limit-s');
    const r = await runSipBench({ count: num('--count'), rate: num('--rate'), timeLimitMs: limit === undefined ? undefined : limit * 1000 });
    process.exitCode = r.complete && r.rateOk ? 0 : 1;
  }
}
