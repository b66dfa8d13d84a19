// `cadran resync` as a person runs it: a data directory seeded through the services, a loopback
// UAS as the tenant's proxy, the command in its own process.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testConfig } from './helpers/server.ts';
import { createAppContext } from '../server/app.ts';
import { silentLogger } from '../server/log.ts';
import { SYSTEM } from '../server/auth/principal.ts';
import { createTenant } from '../server/service/tenants.ts';
import { createUser } from '../server/service/users.ts';
import { createDevice } from '../server/service/devices.ts';
import { startLoopbackUas, type LoopbackUas, type UasAnswer } from './helpers/loopback-uas.ts';
import { header } from '../server/sip/message.ts';
import { NEVER_SEEN } from '../server/resync/service.ts';
import { vendorById } from '../vendors/index.ts';

const root = new URL('..', import.meta.url).pathname;
let dir: string;
let uas: LoopbackUas;
let answer: () => UasAnswer[] = () => [{ status: 200, reason: 'OK' }];

/** Run the CLI in English (CADRAN_LANG=en); `french` runs it as a server's LANG=C would: in French. */
function cadran(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run({ CADRAN_LANG: 'en' }, args);
}
const french = (...args: string[]) => run({ LANG: 'C.UTF-8' }, args);

function run(lang: Record<string, string>, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, CADRAN_DATA_DIR: dir, CADRAN_SIP_HOST: '127.0.0.1', CADRAN_LOG_LEVEL: 'silent' };
  for (const k of ['CADRAN_LANG', 'LC_ALL', 'LC_MESSAGES', 'LANG']) delete env[k];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/cadran.js', ...args],
      { cwd: root, env: { ...env, ...lang }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

test.before(async () => {
  process.env.CADRAN_BCRYPT_COST ??= '4';
  dir = mkdtempSync(join(tmpdir(), 'cadran-resync-cli-'));
  uas = await startLoopbackUas({ record: true, answer: () => answer() });
  const app = await createAppContext(testConfig(dir), silentLogger);
  try {
    await createTenant(app, SYSTEM, { id: 'acme', name: 'Acme', sipDomain: 'sip.acme.example', sipProxy: '127.0.0.1', sipPort: uas.port });
    await createTenant(app, SYSTEM, { id: 'initech', name: 'Initech', sipDomain: 'sip.initech.example' });
    await createUser(app, SYSTEM, 'acme', { number: '0100000002', name: 'Alice', role: 'user', sipAuthName: 'alice' });
    await createUser(app, SYSTEM, 'acme', { number: '0100000003', name: 'Bob', role: 'user', sipAuthName: 'bob' });
    await createUser(app, SYSTEM, 'initech', { number: '0300000001', name: 'Ian', role: 'user' });
    await createDevice(app, SYSTEM, { mac: '805ec0000001', model: 'T54W', tenant: 'acme', user: '0100000002' });
    await createDevice(app, SYSTEM, { mac: '0004f2000002', model: 'VVX450', tenant: 'acme', user: '0100000003' });
    await createDevice(app, SYSTEM, { mac: '805ec0000009', model: 'T54W', tenant: 'initech', user: '0300000001' });
  } finally {
    await app.store.close();
  }
});

test.after(async () => {
  await uas.close();
  rmSync(dir, { recursive: true, force: true });
});

test('cadran resync <mac>: NOTIFY through the proxy, table, exit 0', async () => {
  const r = await cadran('resync', '80:5E:C0:00:00:01');
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /MAC\s+STATE\s+CODE\s+REASON/);
  assert.match(r.stdout, /80:5e:c0:00:00:01\s+Accepted\s+200\n/);
  assert.match(r.stdout, /^resync job \S+ \(phone 80:5e:c0:00:00:01\): 1 phone\(s\)\n/);
  const req = uas.requests.at(-1)!.req;
  assert.is(header(req, 'event'), vendorById('yealink')!.notifyEvent(false));
  assert.is(req.kind === 'request' && req.uri, 'sip:alice@sip.acme.example');
});

test('cadran resync --tenant --reboot: every phone, the reboot event, the job kept in the database', async () => {
  const before = uas.requests.length;
  const r = await cadran('resync', '--tenant', 'acme', '--reboot', '--json');
  assert.is(r.code, 0, r.stderr);
  const job = JSON.parse(r.stdout);
  assert.is(job.total, 2);
  assert.is(job.reboot, true);
  const events = uas.requests.slice(before).map((x) => header(x.req, 'event')).sort();
  assert.equal(events, [vendorById('polycom')!.notifyEvent(true), vendorById('yealink')!.notifyEvent(true)].sort());
  const app = await createAppContext(testConfig(dir), silentLogger);
  try {
    assert.is((await app.resync.job(SYSTEM, job.id)).counts.answered, 2);
  } finally {
    await app.store.close();
  }
});

test('a refusal, a phone never seen, bad arguments: one-line reason, exit 1', async () => {
  answer = () => [{ status: 486, reason: 'Busy Here' }];
  try {
    const busy = await cadran('resync', '--user', '0100000003');
    assert.is(busy.code, 1);
    assert.match(busy.stdout, /00:04:f2:00:00:02\s+Refused\s+486\s+phone busy \(486\)/);
    assert.is(busy.stderr.trim(), 'cadran: 1 of 1 phone(s) did not accept the NOTIFY (00:04:f2:00:00:02: Refused 486, phone busy (486))');
    const json = JSON.parse((await cadran('resync', '--user', '0100000003', '--json')).stdout);
    assert.equal([json.devices[0].reasonKey, json.devices[0].reasonParams, json.devices[0].sipReason], ['resync.sip.busy', { code: 486 }, 'Busy Here']);
    const fr = await french('resync', '--user', '0100000003');
    assert.match(fr.stdout, /^resynchronisation \S+ \(téléphones de la licence 0100000003\) : 1 téléphone\(s\)\nMAC\s+ÉTAT\s+CODE\s+RAISON\n/);
    assert.match(fr.stdout, /00:04:f2:00:00:02\s+Refusé\s+486\s+téléphone occupé \(486\)/);
    // How many phones ended each way, after the table.
    assert.match(fr.stdout, /\nRésumé :\n  1 × Refusé · 486 · téléphone occupé \(486\)\n$/);
    assert.is(fr.stderr.trim(), "cadran: 1 téléphone(s) sur 1 n'ont pas accepté la notification (00:04:f2:00:00:02 : Refusé 486, téléphone occupé (486))");
  } finally {
    answer = () => [{ status: 200, reason: 'OK' }];
  }
  const never = await cadran('resync', '805ec0000009');
  assert.is(never.code, 1);
  assert.is(NEVER_SEEN, 'never_seen');
  // Nothing was sent, nothing refused it: "Never seen", not "Refused" (newcomer review of 1 Dec).
  assert.match(never.stdout, /80:5e:c0:00:00:09\s+Never seen\s+-\s+never seen: the phone has never asked for its configuration/);
  assert.not.match(never.stdout, /Refused/);
  assert.match(never.stderr, /^cadran: 1 of 1 phone\(s\) did not accept the NOTIFY \(80:5e:c0:00:00:09: Never seen, never seen/);
  for (const args of [['resync'], ['resync', '805ec0000001', '--tenant', 'acme'], ['resync', 'nonsense'], ['resync', '--tenant', 'nope'], ['resync', '805ec0000001', '--wait', 'x']]) {
    const bad = await cadran(...args);
    assert.is(bad.code, 1, args.join(' '));
    assert.is(bad.stderr.trim().split('\n').length, 1, `one line for ${args.join(' ')}: ${bad.stderr}`);
    assert.match(bad.stderr, /^cadran: /);
  }
});

test.run();
