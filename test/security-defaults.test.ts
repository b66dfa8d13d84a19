// Issue 12, secure by default around the admin listener and the data directory: TLS on the admin
// listener and `Secure` cookies, forwarded headers believed only from named proxies, logs that
// never carry a secret, stored passwords that a copy of the database does not give away, the
// rotation command, and a full disk that says so instead of a bare 500.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { request as httpsRequest } from 'node:https';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { startTestServer, seedTwoTenants, testConfig, TEST_ENGINE } from './helpers/server.ts';
import { WebClient } from './helpers/web-client.ts';
import { phoneFeature, webFeature } from '../server/features.ts';
import { createLogger } from '../server/log.ts';
import { createAppContext } from '../server/app.ts';
import { silentLogger } from '../server/log.ts';
import { loadConfig, ConfigError } from '../server/config.ts';
import { StoreError } from '../server/store/errors.ts';
import { SESSION_COOKIE } from '../server/api/auth.ts';

const CADRAN = join(import.meta.dirname, '..', 'bin', 'cadran.js');
const work = mkdtempSync(join(tmpdir(), 'cadran-secdef-'));
test.after(() => rmSync(work, { recursive: true, force: true }));

const sessionCookie = (h: Headers) => h.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`)) ?? '';

/** A self-signed certificate for 127.0.0.1 (openssl, as the PostgreSQL TLS tests use). */
function certificate(): { cert: string; key: string } {
  const cert = join(work, 'admin.crt');
  const key = join(work, 'admin.key');
  if (!existsSync(cert)) {
    const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl failed (the admin TLS test needs the openssl command): ${r.stderr}`);
  }
  return { cert, key };
}

test('cookies are Secure when the public URL is https; X-Forwarded-Proto from an untrusted client is ignored', async () => {
  const plain = await startTestServer();
  const pub = await startTestServer({ env: { CADRAN_ADMIN_PUBLIC_URL: 'https://cockpit.operator.example' } });
  try {
    await plain.api('POST', '/tenants', { id: 'acme', name: 'Acme', sipDomain: 'sip.acme.example' });
    await plain.api('POST', '/tenants/acme/users', { number: '0100000001', name: 'A', role: 'admin', password: 'pw-0100000001' });
    await pub.api('POST', '/tenants', { id: 'acme', name: 'Acme', sipDomain: 'sip.acme.example' });
    await pub.api('POST', '/tenants/acme/users', { number: '0100000001', name: 'A', role: 'admin', password: 'pw-0100000001' });
    const body = { login: '0100000001', password: 'pw-0100000001' };
    const a = await plain.api('POST', '/sessions', body, null, { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9' });
    const cookie = sessionCookie(a.headers);
    assert.match(cookie, /HttpOnly/i);
    assert.match(cookie, /SameSite=Lax/i);
    assert.not.match(cookie, /Secure/i, 'plain HTTP and no trusted proxy: a forged X-Forwarded-Proto changes nothing');
    assert.is(a.headers.get('strict-transport-security'), null);
    assert.is(a.body.session.address, '127.0.0.1', 'a forged X-Forwarded-For is not the address recorded (nor the one throttled)');
    const b = await pub.api('POST', '/sessions', body, null);
    assert.match(sessionCookie(b.headers), /;\s*Secure/i, 'https public URL: the browser never sends it over plain HTTP');
  } finally {
    await plain.close();
    await pub.close();
  }
});

test('admin listener over TLS (CADRAN_ADMIN_TLS_CERT/KEY): HTTPS answers, a login gets a Secure cookie and HSTS; plain HTTP gets nothing', async () => {
  const { cert, key } = certificate();
  const s = await startTestServer({ env: { CADRAN_ADMIN_TLS_CERT: cert, CADRAN_ADMIN_TLS_KEY: key } });
  try {
    assert.ok(s.adminUrl.startsWith('https://'), s.adminUrl);
    const call = (path: string, method: string, headers: Record<string, string>, payload?: string) =>
      new Promise<{ status: number; headers: Record<string, string | string[] | undefined> }>((resolve, reject) => {
        const req = httpsRequest(`${s.adminUrl}${path}`, { method, ca: readFileSync(cert), headers }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
        });
        req.on('error', reject);
        req.end(payload);
      });
    assert.is((await call('/api/v1/tenants', 'GET', { authorization: `Bearer ${s.operatorToken}` })).status, 200, 'the API over HTTPS, certificate verified');
    const { createOperator } = await import('../server/cli/operator.ts');
    const { password } = await createOperator(s.app, 'tls-ops');
    const login = await call('/api/v1/sessions', 'POST', { 'content-type': 'application/json' }, JSON.stringify({ login: 'tls-ops', password }));
    assert.is(login.status, 201);
    assert.match(String(login.headers['set-cookie']), /;\s*Secure/i);
    assert.match(String(login.headers['strict-transport-security']), /max-age=\d+/);
    const plain = await fetch(s.adminUrl.replace('https:', 'http:') + '/api/v1/tenants').then((x) => x.status, () => 'refused');
    assert.is.not(plain, 200, 'no answer in clear on the TLS port');
  } finally {
    await s.close();
  }
  assert.throws(() => loadConfig({ CADRAN_DATA_DIR: work, CADRAN_ADMIN_TLS_CERT: cert }), (e: unknown) => e instanceof ConfigError && /needs both CADRAN_ADMIN_TLS_CERT and CADRAN_ADMIN_TLS_KEY/.test((e as Error).message));
  assert.throws(() => loadConfig({ CADRAN_DATA_DIR: work, CADRAN_ADMIN_PUBLIC_URL: 'javascript:alert(1)' }), (e: unknown) => e instanceof ConfigError && /CADRAN_ADMIN_PUBLIC_URL/.test((e as Error).message));
});

test('cadran operator create --password: the API\'s rule (8 to 200 printable characters); an empty or short one is refused, nothing created', async () => {
  const s = await startTestServer({ features: [] });
  try {
    const { createOperator } = await import('../server/cli/operator.ts');
    for (const bad of ['', 'short', 'é é', 'x'.repeat(201), 'line\nbreak!!']) {
      await createOperator(s.app, 'tech2', bad).then(
        () => assert.unreachable(`accepted ${JSON.stringify(bad)}`),
        (e: unknown) => assert.is((e as { key?: string }).key, 'cli.operator.weak_password'),
      );
      assert.is(await s.app.store.operators.get('tech2'), undefined);
    }
    assert.ok((await createOperator(s.app, 'tech2', 'Long-enough-1')).token);
  } finally {
    await s.close();
  }
});

/** A logger at `level` whose lines are kept in memory (`text()`). */
function capturedLog(level: string): { log: ReturnType<typeof createLogger>; text: () => string } {
  let text = '';
  const sink = new Writable({ write: (chunk, _enc, cb) => ((text += chunk.toString()), cb()) });
  const log = createLogger(level, { destination: sink as unknown as NonNullable<NonNullable<Parameters<typeof createLogger>[1]>['destination']> });
  return { log, text: () => text };
}

test('logs never carry passwords, tokens, cookies or the tenant URL token, even when an object holding them is logged', async () => {
  const captured = capturedLog('debug');
  const s = await startTestServer({ features: [webFeature], log: captured.log });
  try {
    const tokens = await seedTwoTenants(s);
    const secrets = ['Sip-Log-Secret-1', 'Prov-Log-Secret-2', 'Admin-Log-Secret-3', 'pw-0100000001', 'pw-0100000002', ...Object.values(tokens), s.operatorToken];
    await s.api('PATCH', '/users/0100000002', { sipPassword: 'Sip-Log-Secret-1' });
    await s.api('POST', '/devices', { mac: '805ec0000002', model: 'T54W', tenant: 'acme', user: '0100000002', provisioningUsername: 'u', provisioningPassword: 'Prov-Log-Secret-2' });
    await s.api('PUT', '/tenants/acme/network', { adminPassword: 'Admin-Log-Secret-3' });
    await s.api('POST', '/sessions', { login: '0100000001', password: 'a-wrong-password' }, null);
    const web = new WebClient(s.adminUrl);
    await web.login('0100000002', 'pw-0100000002');
    secrets.push(web.cookies.get(SESSION_COOKIE)!);
    // Code that logs a whole object by mistake: the redaction is the net under it.
    s.app.log.info({ password: 'Net-Secret-4', req: { headers: { authorization: 'Bearer Net-Secret-5', cookie: 'cadran_session=Net-Secret-6' } }, user: { sipPassword: 'Net-Secret-7' } }, 'careless');
    secrets.push('Net-Secret-4', 'Net-Secret-5', 'Net-Secret-6', 'Net-Secret-7');
    assert.match(captured.text(), /"login"|web login/, 'the log did record the logins');
    assert.match(captured.text(), /\[redacted\]/);
    for (const secret of secrets) assert.not.ok(captured.text().includes(secret), `the log holds ${secret.slice(0, 12)}…`);
  } finally {
    await s.close();
  }
});

test('phone request log lines carry only their fixed fields: no URL token, no credentials, whatever the request sends', async () => {
  const captured = capturedLog('info');
  const s = await startTestServer({ features: [phoneFeature], log: captured.log });
  try {
    await seedTwoTenants(s);
    const token = 'Url-Token-Log-Secret-8';
    const r = await s.api('PATCH', '/tenants/acme', { security: { urlToken: token, auth: { mode: 'basic', username: 'prov', password: 'Prov-Log-Secret-9' } } });
    assert.is(r.status, 200, JSON.stringify(r.body));
    assert.is((await s.api('POST', '/devices', { mac: '805ec0000003', model: 'T54W', tenant: 'acme', user: '0100000002' })).status, 201);
    const port = s.running.phone!.httpPort;
    const basic = `Basic ${Buffer.from('prov:Prov-Log-Secret-9').toString('base64')}`;
    const wrong = `Basic ${Buffer.from('prov:Wrong-Log-Secret-10').toString('base64')}`;
    for (const [path, authorization] of [
      [`/p/${token}/805ec0000003.cfg`, basic],
      [`/p/${token}/805ec0000003.cfg`, wrong],
      [`/p/${token}/805ec0000003.cfg?password=Query-Log-Secret-11`, basic],
      [`/p/${token}/nothing-here.bin`, basic],
    ] as const) {
      await fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization, cookie: 'cadran_session=Cookie-Log-Secret-12' } });
    }
    await fetch(`http://127.0.0.1:${port}/p/${token}/805ec0000003.cfg`, { method: 'POST', body: 'x', headers: { authorization: basic } });
    const lines = await (async () => {
      for (let i = 0; i < 100; i++) {
        const found = captured.text().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'phone request');
        if (found.length >= 5) return found;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`phone request lines not logged:\n${captured.text().slice(-2000)}`);
    })();
    const allowed = new Set(['level', 'time', 'pid', 'concern', 'msg', 'mac', 'vendor', 'model', 'file', 'detail', 'path', 'method', 'status', 'bytes', 'ms', 'ip', 'proto']);
    for (const l of lines) for (const k of Object.keys(l)) assert.ok(allowed.has(k), `field ${k} in a phone request line`);
    assert.equal(lines.map((l) => l.status).sort(), [200, 200, 401, 404, 405]);
    for (const secret of [token, 'Prov-Log-Secret-9', 'Wrong-Log-Secret-10', 'Query-Log-Secret-11', 'Cookie-Log-Secret-12', basic.slice(6), wrong.slice(6)]) {
      assert.not.ok(captured.text().includes(secret), `the log holds ${secret.slice(0, 12)}…`);
    }
  } finally {
    await s.close();
  }
});

test('a full disk: the API answers 507 with a message saying nothing was saved, the cockpit the same in French; no bare 500', async () => {
  const s = await startTestServer({ features: [webFeature] });
  try {
    await seedTwoTenants(s);
    const store = s.app.store as unknown as { transaction: unknown };
    const real = store.transaction;
    // What both engines raise when the disk is full (SQLITE_FULL / PostgreSQL 53100; store tests prove the mapping).
    store.transaction = async () => {
      throw new StoreError('full', 'database or disk is full (SQLITE_FULL)');
    };
    try {
      const r = await s.api('POST', '/tenants/acme/users', { number: '0100000009', name: 'Nine', password: 'pw-0100000009' });
      assert.is(r.status, 507);
      assert.is(r.body.error.code, 'storage_full');
      assert.is(r.body.error.key, 'api.storage_full');
      assert.match(r.body.error.message, /plus d'espace disque : rien n'a été enregistré/);
      assert.not.match(JSON.stringify(r.body), /SQLITE|stack|at /);
      const web = new WebClient(s.adminUrl);
      assert.is((await web.login('0100000001', 'pw-0100000001')).status, 303);
      assert.is((await web.get('/tenants/acme/users/0100000003')).status, 200);
      const form = await web.post('/tenants/acme/users/0100000003', { name: 'Bob D.', email: '', role: 'user' });
      assert.is(form.status, 507);
      assert.match(form.html, /plus d(&#x27;|')espace disque : rien n(&#x27;|')a été enregistré/);
    } finally {
      store.transaction = real;
    }
  } finally {
    await s.close();
  }
});

test('cadran secrets status / rotate: passwords re-encrypted under a new key, the old key leaves the file, the database bytes keep no plaintext', async () => {
  const dir = mkdtempSync(join(work, 'rotate-'));
  const app = await createAppContext(testConfig(dir), silentLogger);
  await app.store.tenants.insert({ id: 'acme', name: 'Acme', sipDomain: 'sip.acme.example', sipProxy: null, sipPort: 5060, sipTransport: 'udp', security: {} });
  await app.store.users.insert({ number: '0100000001', tenantId: 'acme', name: 'A', email: null, role: 'user', passwordHash: null, sipAuthName: 'a', sipPassword: 'Rotate-Sip-Secret', voicemailNumber: '123' });
  await app.store.close();
  const keyFile = join(dir, 'secret.key');
  assert.is(statSync(keyFile).mode & 0o777, 0o600, 'key file 0600');
  assert.is(statSync(dir).mode & 0o077, 0, 'data directory closed to others');
  if (TEST_ENGINE === 'sqlite') {
    for (const f of ['cadran.sqlite', 'cadran.sqlite-wal', 'cadran.sqlite-shm']) if (existsSync(join(dir, f))) assert.is(statSync(join(dir, f)).mode & 0o777, 0o600, f);
    assert.not.ok(readFileSync(join(dir, 'cadran.sqlite')).includes('Rotate-Sip-Secret'));
  }
  const before = readFileSync(keyFile, 'utf8');
  const run = (args: string[]) =>
    new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const child = spawn(process.execPath, [CADRAN, ...args], { env: { ...process.env, CADRAN_DATA_DIR: dir, CADRAN_LOG_LEVEL: 'silent', CADRAN_LANG: 'en' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      child.on('close', (code) => resolve({ code, out, err }));
    });
  const st = await run(['secrets', 'status', '--json']);
  assert.is(st.code, 0, st.err);
  const status = JSON.parse(st.out);
  const oldId = status.keys[0].id as string;
  assert.equal(status.census, { [oldId]: 1 });
  const rot = await run(['secrets', 'rotate']);
  assert.is(rot.code, 0, rot.err);
  assert.match(rot.out, /1 password\(s\) re-encrypted with key [0-9a-f]{8}/);
  assert.match(rot.out, new RegExp(`old key\\(s\\) ${oldId} removed from the key file`));
  assert.is.not(readFileSync(keyFile, 'utf8'), before);
  assert.is(statSync(keyFile).mode & 0o777, 0o600);
  const after = JSON.parse((await run(['secrets', 'status', '--json'])).out);
  assert.is.not(after.keys[0].id, oldId);
  assert.equal(after.keys.length, 1);
  assert.equal(after.census, { [after.keys[0].id]: 1 });
  const again = await createAppContext(testConfig(dir), silentLogger);
  assert.is((await again.store.users.get('0100000001'))!.sipPassword, 'Rotate-Sip-Secret', 'readable with the new key');
  await again.store.close();
  // The old key alone no longer opens it: start refuses, naming the key.
  writeFileSync(keyFile, before, { mode: 0o600 });
  const refused = await run(['secrets', 'status']);
  assert.is(refused.code, 1);
  assert.match(refused.out, /MISSING [0-9a-f]{8}/);
});

test.run();
