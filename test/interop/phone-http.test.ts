// Real clients against cadran's phone listeners: curl over HTTP (Basic, --digest), HTTPS with a
// certificate made by openssl, curl's tftp://, Debian's tftp-hpa client and atftp. Every file
// fetched is compared byte for byte with what `cadran render <mac> <file>` prints.
// Debian packages: curl, tftp-hpa, atftp, openssl.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { vendorById } from '../../vendors/index.ts';
import { PHONES, startPhoneServer, type PhoneServer } from '../phone-fixtures.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const PUBLIC_URL = 'http://provisioning.example.test/';
let ps: PhoneServer;
let work: string;

interface Run {
  code: number;
  stdout: Buffer;
  stderr: string;
}

function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: 'buffer', timeout: 30_000, env: { ...process.env, ...env }, cwd: root, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 127) : 0;
      resolve({ code, stdout, stderr: stderr.toString() });
    });
  });
}

/** `cadran render <mac> <file>` on the test server's data dir. */
async function cliRender(mac: string, file: string): Promise<Buffer> {
  const r = await run(process.execPath, ['bin/cadran.js', 'render', mac, file], { CADRAN_DATA_DIR: ps.s.dataDir, CADRAN_PUBLIC_URL: PUBLIC_URL, CADRAN_LOG_LEVEL: 'silent' });
  assert.is(r.code, 0, `cadran render ${mac} ${file}: ${r.stderr}`);
  assert.ok(r.stdout.length > 0);
  return r.stdout;
}

test.before(async () => {
  work = mkdtempSync(join(tmpdir(), 'cadran-interop-phone-'));
  const cert = join(work, 'cert.pem');
  const key = join(work, 'key.pem');
  const ssl = await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost']);
  if (ssl.code !== 0) throw new Error(`openssl (Debian package openssl) failed: ${ssl.stderr}`);
  ps = await startPhoneServer({ CADRAN_PUBLIC_URL: PUBLIC_URL, CADRAN_HTTPS_PORT: '0', CADRAN_TLS_CERT: cert, CADRAN_TLS_KEY: key });
});
test.after(async () => {
  await ps?.close();
  rmSync(work, { recursive: true, force: true });
});

test('curl over HTTP: every boot file of every vendor equals cadran render', async () => {
  for (const [vendor, p] of Object.entries(PHONES)) {
    const files = vendorById(vendor)!.bootFiles(p.mac, p.model);
    assert.ok(files.length >= 2);
    for (const file of files) {
      const r = await run('curl', ['-sS', '--fail', '-A', p.ua, `http://127.0.0.1:${ps.httpPort}/${file}`]);
      assert.is(r.code, 0, `curl ${file}: ${r.stderr}`);
      assert.ok(r.stdout.equals(await cliRender(p.mac, file)), `${vendor} ${file}`);
    }
  }
});

test('curl: 304 with If-None-Match and If-Modified-Since; path traversal refused (--path-as-is)', async () => {
  const url = `http://127.0.0.1:${ps.httpPort}/${PHONES.yealink.mac}.cfg`;
  const head = await run('curl', ['-sS', '-D', '-', '-o', '/dev/null', url]);
  const etag = /^etag: (.+?)\r?$/im.exec(head.stdout.toString())![1]!;
  const lm = /^last-modified: (.+?)\r?$/im.exec(head.stdout.toString())![1]!;
  const inm = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-H', `If-None-Match: ${etag}`, url]);
  assert.is(inm.stdout.toString(), '304');
  const ims = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-H', `If-Modified-Since: ${lm}`, url]);
  assert.is(ims.stdout.toString(), '304');
  const trav = await run('curl', ['-sS', '--path-as-is', '-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${ps.httpPort}/../../etc/passwd`]);
  assert.is(trav.stdout.toString(), '400');
});

test('curl --digest and -u (Basic) against tenant credentials', async () => {
  const r1 = await ps.s.api('PATCH', '/tenants/acme', { security: { auth: { mode: 'digest', username: 'acme-prov', password: 'acme-secret-1' } } });
  assert.is(r1.status, 200);
  const file = `${PHONES.yealink.mac}.cfg`;
  const url = `http://127.0.0.1:${ps.httpPort}/${file}`;
  const none = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', url]);
  assert.is(none.stdout.toString(), '401');
  const wrong = await run('curl', ['-sS', '--digest', '-u', 'acme-prov:not-the-one', '-o', '/dev/null', '-w', '%{http_code}', url]);
  assert.is(wrong.stdout.toString(), '401');
  const ok = await run('curl', ['-sS', '--fail', '--digest', '-u', 'acme-prov:acme-secret-1', url]);
  assert.is(ok.code, 0, ok.stderr);
  assert.ok(ok.stdout.equals(await cliRender(PHONES.yealink.mac, file)));
  await ps.s.api('PATCH', '/tenants/acme', { security: { auth: { mode: 'basic', username: 'acme-prov', password: 'acme-secret-1' } } });
  const basic = await run('curl', ['-sS', '--fail', '-u', 'acme-prov:acme-secret-1', url]);
  assert.is(basic.code, 0, basic.stderr);
  assert.ok(basic.stdout.equals(await cliRender(PHONES.yealink.mac, file)));
  // PATCH merges field by field (issue 12); PUT replaces: back to an open tenant.
  await ps.s.api('PUT', '/tenants/acme/security', {});
});

test('HTTPS with the configured certificate', async () => {
  assert.ok(ps.httpsPort, 'HTTPS listener started');
  const file = `${PHONES.polycom.mac}-cadran.cfg`;
  const r = await run('curl', ['-sS', '--fail', '-k', `https://127.0.0.1:${ps.httpsPort}/${file}`]);
  assert.is(r.code, 0, r.stderr);
  assert.ok(r.stdout.equals(await cliRender(PHONES.polycom.mac, file)));
});

test("TFTP: curl tftp://, tftp-hpa and atftp fetch the same bytes as cadran render", async () => {
  const p = PHONES.snom;
  const file = `${p.mac.toUpperCase()}.xml`;
  const want = await cliRender(p.mac, file);
  const viaCurl = await run('curl', ['-sS', '--fail', `tftp://127.0.0.1:${ps.tftpPort}/${file}`]);
  assert.is(viaCurl.code, 0, viaCurl.stderr);
  assert.ok(viaCurl.stdout.equals(want), 'curl tftp://');

  const hpaOut = join(work, 'hpa.xml');
  const hpa = await run('tftp', ['-m', 'binary', '127.0.0.1', String(ps.tftpPort), '-c', 'get', file, hpaOut]);
  assert.is(hpa.code, 0, `tftp-hpa: ${hpa.stderr}${hpa.stdout}`);
  assert.ok(readFileSync(hpaOut).equals(want), 'tftp-hpa');

  const atftpOut = join(work, 'atftp.xml');
  const at = await run('atftp', ['--get', '-r', file, '-l', atftpOut, '127.0.0.1', String(ps.tftpPort)]);
  assert.is(at.code, 0, `atftp: ${at.stderr}`);
  assert.ok(readFileSync(atftpOut).equals(want), 'atftp');

  // A yealink file too, with blksize negotiation through atftp's option.
  const y = PHONES.yealink;
  const yOut = join(work, 'y.cfg');
  const at2 = await run('atftp', ['--option', 'blksize 1428', '--get', '-r', `${y.mac}.cfg`, '-l', yOut, '127.0.0.1', String(ps.tftpPort)]);
  assert.is(at2.code, 0, at2.stderr);
  assert.ok(readFileSync(yOut).equals(await cliRender(y.mac, `${y.mac}.cfg`)));
});

test('TFTP refuses a tenant that requires credentials; unknown MAC: file not found', async () => {
  await ps.s.api('PATCH', '/tenants/globex', { security: { urlToken: 'globexToken-0123456789abcdef' } });
  const file = `${PHONES.snom.mac.toUpperCase()}.xml`;
  const refused = await run('curl', ['-sS', `tftp://127.0.0.1:${ps.tftpPort}/${file}`]);
  assert.is.not(refused.code, 0);
  const unknown = await run('curl', ['-sS', `tftp://127.0.0.1:${ps.tftpPort}/000413fedcba.xml`]);
  assert.is.not(unknown.code, 0);
  await ps.s.api('PUT', '/tenants/globex/security', {});
});

test.run();
