// Interop: sipp (Debian package sip-tester) plays the phone; cadran's resync engine sends the
// check-sync NOTIFYs over loopback UDP with real RFC 3261 timers. Scenarios: test/interop/sipp/.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { vendors } from '../../vendors/index.ts';
import { MemoryResyncStore } from '../helpers/memory-resync-store.ts';
import { ResyncEngine } from '../../server/resync/engine.ts';
import type { NewResyncJob } from '../../server/resync/engine.ts';
import { SipClient } from '../../server/sip/transaction.ts';
import { openUdpTransport } from '../../server/sip/transport.ts';
import type { SipTransport } from '../../server/sip/transport.ts';
import { freeUdpPort } from '../helpers/ports.ts';

const scenarios = fileURLToPath(new URL('./sipp/', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'cadran-sipp-'));
let transport: SipTransport;
let client: SipClient;

test.before(async () => {
  const v = spawnSync('sipp', ['-v'], { encoding: 'utf8' });
  if (v.error) throw new Error(`sipp is not installed (Debian package sip-tester): ${v.error.message}`);
  transport = await openUdpTransport({ bindHost: '127.0.0.1' });
  client = new SipClient({ transport });
});
test.after(async () => {
  client.close();
  await transport.close();
  rmSync(work, { recursive: true, force: true });
});

interface Sipp {
  port: number;
  /** sipp's exit code (0: every call of the scenario succeeded) and its log lines. */
  done: Promise<{ code: number | null; log: string }>;
}

/** Starts sipp as UAS for `calls` calls; bounded by sipp's own -timeout. */
async function startSipp(scenario: string, calls: number, extra: string[] = []): Promise<Sipp> {
  const port = await freeUdpPort();
  const log = join(work, `${scenario}-${port}.log`);
  const args = ['-sf', join(scenarios, scenario), '-i', '127.0.0.1', '-p', String(port), '-m', String(calls)];
  args.push('-nostdin', '-timeout', '40s', '-trace_logs', '-log_file', log, ...extra);
  const child = spawn('sipp', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; log: string }>((resolve) => {
    child.on('close', (code) => {
      let text = stderr;
      try {
        text += readFileSync(log, 'utf8');
      } catch {
        // no log written
      }
      resolve({ code, log: text });
    });
  });
  return { port, done };
}

async function runJob(port: number, targets: Array<{ event: string; password?: string }>) {
  const store = new MemoryResyncStore();
  const engine = new ResyncEngine({ store, sender: client, ratePerTenant: 20 });
  const job: NewResyncJob = {
    tenantId: 'acme',
    scope: { kind: 'tenant', id: 'acme' },
    targets: targets.map((t, i) => ({
      deviceMac: `805ec0d57d${(0x70 + i).toString(16)}`,
      event: t.event,
      target: { host: '127.0.0.1', port },
      requestUri: `sip:0145678901@127.0.0.1:${port}`,
      fromDomain: 'voip.example.net',
      credentials: t.password ? { username: '0145678901', password: t.password } : undefined,
    })),
  };
  const { jobId } = await engine.submit(job);
  await engine.whenIdle();
  await engine.close();
  return (await store.getJob(jobId))?.targets ?? [];
}

test('sipp as the phone answers every vendor check-sync NOTIFY with 200 (headers checked by sipp)', async () => {
  const events = vendors.flatMap((v) => [v.notifyEvent(false), v.notifyEvent(true)]);
  const sipp = await startSipp('notify-200.xml', events.length);
  const targets = await runJob(sipp.port, events.map((event) => ({ event })));
  const { code, log } = await sipp.done;
  assert.equal(
    targets.map((t) => [t.state, t.code]),
    events.map(() => ['answered', 200]),
  );
  assert.is(code, 0, `sipp exit ${code}:\n${log}`);
  for (const e of events) assert.ok(log.includes(`Event  ${e},`), `sipp saw Event ${e}`);
});

for (const [label, qop] of [
  ['qop=auth', ', qop="auth"'],
  ['no qop (RFC 2069)', ''],
] as const) {
  test(`sipp challenges with 401 (${label}): the retry's digest passes sipp's verifyauth`, async () => {
    const sipp = await startSipp('notify-401-200.xml', 1, ['-key', 'qop', qop]);
    const [t] = await runJob(sipp.port, [{ event: 'check-sync', password: 's3cr3t' }]);
    const { code, log } = await sipp.done;
    assert.equal([t.state, t.code], ['answered', 200], log);
    assert.is(code, 0, `sipp exit ${code}:\n${log}`);
    assert.match(log, /digest valid true/);
  });
}

test('wrong password: sipp refuses the digest with 403, the device is failed 403', async () => {
  const sipp = await startSipp('notify-401-200.xml', 1, ['-key', 'qop', ', qop="auth"']);
  const [t] = await runJob(sipp.port, [{ event: 'check-sync', password: 'wrong' }]);
  const { log } = await sipp.done;
  assert.equal([t.state, t.code, t.reason], ['failed', 403, 'Forbidden']);
  assert.match(log, /digest valid false/);
});

test.run();
