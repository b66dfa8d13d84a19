// TFTP on a host with several addresses (issue 12, finding 13; issue 13 "links reach the
// server"): real clients — curl's tftp://, Debian's tftp-hpa and atftp — fetch a phone's file from
// 127.0.0.20 while cadran also listens on 127.0.0.1. Before, the answer came from 127.0.0.1 and
// tftp-hpa stalled; and the file linked to http://localhost:<port>/. Now the answer comes from the
// address asked and the links point there, with the HTTP port (no public URL set).
// Debian packages: curl, tftp-hpa, atftp.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTftpServer, type TftpServer } from '../../server/phone/tftp.ts';
import { PHONES, get, startPhoneServer, type PhoneServer } from '../phone-fixtures.ts';

let ps: PhoneServer;
let work: string;

interface Run {
  code: number;
  stdout: Buffer;
  stderr: string;
}

function run(cmd: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: 'buffer', timeout: 30_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 127) : 0;
      resolve({ code, stdout, stderr: stderr.toString() });
    });
  });
}

test.before(async () => {
  work = mkdtempSync(join(tmpdir(), 'cadran-interop-tftp-addr-'));
  ps = await startPhoneServer({ CADRAN_TFTP_HOST: '127.0.0.1,127.0.0.20' });
});
test.after(async () => {
  await ps?.close();
  rmSync(work, { recursive: true, force: true });
});

const Y = PHONES.yealink;
const S = PHONES.snom;

test('curl tftp://127.0.0.20: same bytes as HTTP asked under that address, links to http://127.0.0.20:<http port>/', async () => {
  const file = `${Y.mac}.cfg`;
  const r = await run('curl', ['-sS', '--fail', '--max-time', '20', `tftp://127.0.0.20:${ps.tftpPort}/${file}`]);
  assert.is(r.code, 0, r.stderr);
  const text = r.stdout.toString();
  assert.ok(text.includes(`http://127.0.0.20:${ps.httpPort}/${Y.mac}-contacts.xml`), text.split('\n').filter((l) => l.includes('http')).join('\n'));
  assert.not.ok(text.includes('localhost'));
  const http = await get(ps.httpPort, `/${file}`, { headers: { host: `127.0.0.20:${ps.httpPort}` } });
  assert.ok(http.body.equals(r.stdout), 'TFTP and HTTP give the same bytes');
});

test('tftp-hpa and atftp fetch from 127.0.0.20 (they accept answers only from the address asked)', async () => {
  const file = `${S.mac.toUpperCase()}.xml`;
  const viaCurl = await run('curl', ['-sS', '--fail', '--max-time', '20', `tftp://127.0.0.20:${ps.tftpPort}/${file}`]);
  assert.is(viaCurl.code, 0, viaCurl.stderr);
  assert.ok(viaCurl.stdout.toString().includes(`http://127.0.0.20:${ps.httpPort}/`));

  const hpaOut = join(work, 'hpa.xml');
  const hpa = await run('tftp', ['-m', 'binary', '127.0.0.20', String(ps.tftpPort), '-c', 'get', file, hpaOut]);
  assert.is(hpa.code, 0, `tftp-hpa: ${hpa.stderr}${hpa.stdout}`);
  assert.ok(readFileSync(hpaOut).equals(viaCurl.stdout), 'tftp-hpa');

  const atOut = join(work, 'atftp.xml');
  const at = await run('atftp', ['--option', 'blksize 1428', '--get', '-r', file, '-l', atOut, '127.0.0.20', String(ps.tftpPort)]);
  assert.is(at.code, 0, `atftp: ${at.stderr}`);
  assert.ok(readFileSync(atOut).equals(viaCurl.stdout), 'atftp');
});

test('a wildcard listener on a two-address host: tftp-hpa is answered from 127.0.0.20', async () => {
  // The host's addresses are given: a test cannot add an interface address.
  const body = Buffer.from('#!version:1.0.0.1\n');
  let server: TftpServer | null = null;
  try {
    server = await startTftpServer({
      host: '0.0.0.0',
      port: 0,
      rescanMs: 0,
      interfaceAddresses: () => ['127.0.0.1', '127.0.0.20'],
      provider: async (req) => ({ status: 200, body: Buffer.concat([body, Buffer.from(`# asked at ${req.localAddress}\n`)]), contentType: 'text/plain' }),
    });
    const out = join(work, 'wild.cfg');
    const hpa = await run('tftp', ['-m', 'binary', '127.0.0.20', String(server.port), '-c', 'get', 'any.cfg', out]);
    assert.is(hpa.code, 0, `tftp-hpa: ${hpa.stderr}${hpa.stdout}`);
    assert.ok(readFileSync(out).toString().endsWith('# asked at 127.0.0.20\n'));
  } finally {
    await server?.close();
  }
});

test.run();
