// The TFTP listener against real third-party clients: curl, tftp-hpa (Debian package tftp-hpa)
// and atftp, each fetching real files compared byte for byte, with the options each one sends.
// Needs: apt-get install -y curl tftp-hpa atftp. A missing client fails the test.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FILES, startFixture } from '../tftp-fixtures.ts';
import type { Fixture, LogEntry } from '../tftp-fixtures.ts';

let fx: Fixture;
let dir: string;
let n = 0;

test.before(async () => {
  fx = await startFixture();
  dir = mkdtempSync(join(tmpdir(), 'cadran-tftp-interop-'));
});
test.after(async () => {
  await fx.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number;
  output: string;
}

/** Runs a client (bounded to 60 s); a client that is not installed throws, so the test fails. */
function run(cmd: string, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') {
        return reject(new Error(`${cmd} is not installed (apt-get install -y curl tftp-hpa atftp)`));
      }
      if (err && err.killed) return reject(new Error(`${cmd} ${args.join(' ')} did not finish in 60 s`));
      const code = err ? Number((err as NodeJS.ErrnoException).code ?? 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

const out = (): string => join(dir, `out-${++n}`);
const url = (file: string): string => `tftp://127.0.0.1:${fx.port}/${file}`;

/** The server's log line for the request that fetched `file` most recently. */
async function served(file: string, since: number): Promise<Record<string, unknown>> {
  const line: LogEntry = await fx.waitForLog((e) => fx.logs.indexOf(e) >= since && e.obj.file === file && e.msg === 'tftp request');
  return line.obj;
}

function sameBytes(path: string, file: string): void {
  const got = readFileSync(path);
  assert.ok(got.equals(FILES[file]), `${file}: got ${got.length} bytes, expected ${FILES[file].length}, contents differ`);
}

// ---- curl (sends tsize and timeout, and blksize when asked) ----

test('curl fetches big.bin with --tftp-blksize 1428 (blksize, tsize, timeout negotiated)', async () => {
  const since = fx.logs.length;
  const path = out();
  const r = await run('curl', ['-sS', '--tftp-blksize', '1428', '-o', path, url('big.bin')]);
  assert.is(r.code, 0, r.output);
  sameBytes(path, 'big.bin');
  const line = await served('big.bin', since);
  assert.is(line.outcome, 'complete');
  assert.is(line.blksize, 1428);
  const options = line.options as Record<string, number>;
  assert.is(options.tsize, FILES['big.bin'].length);
  assert.type(options.timeout, 'number');
});

test('curl fetches exact512.bin, empty.cfg and small.cfg with default options', async () => {
  for (const file of ['exact512.bin', 'empty.cfg', 'small.cfg']) {
    const path = out();
    const r = await run('curl', ['-sS', '-o', path, url(file)]);
    assert.is(r.code, 0, r.output);
    sameBytes(path, file);
  }
});

test('curl --tftp-no-options gets plain 512-byte blocks', async () => {
  const since = fx.logs.length;
  const path = out();
  const r = await run('curl', ['-sS', '--tftp-no-options', '-o', path, url('big.bin')]);
  assert.is(r.code, 0, r.output);
  sameBytes(path, 'big.bin');
  const line = await served('big.bin', since);
  assert.is(line.blksize, 512);
  assert.is(line.options, null);
});

test('curl: unknown file → exit 68 (TFTP file not found)', async () => {
  const r = await run('curl', ['-sS', '-o', out(), url('nothing.cfg')]);
  assert.is(r.code, 68, r.output);
});

test('curl: traversal and refused files → exit 69 (TFTP access violation)', async () => {
  for (const file of ['../etc/passwd', 'denied.cfg', 'sub/small.cfg']) {
    const r = await run('curl', ['-sS', '--path-as-is', '-o', out(), url(file)]);
    assert.is(r.code, 69, `${file}: ${r.output}`);
  }
});

// ---- tftp-hpa client (no options: RFC 1350 lock-step, 512-byte blocks) ----

test('tftp-hpa fetches big.bin, exact512.bin and empty.cfg in binary mode', async () => {
  for (const file of ['big.bin', 'exact512.bin', 'empty.cfg']) {
    const path = out();
    const r = await run('tftp', ['-m', 'binary', '127.0.0.1', String(fx.port), '-c', 'get', file, path]);
    assert.not.match(r.output, /error/i, r.output);
    sameBytes(path, file);
  }
});

test('tftp-hpa fetches text.cfg in ascii mode (netascii, converted back by the client)', async () => {
  const path = out();
  const r = await run('tftp', ['-m', 'ascii', '127.0.0.1', String(fx.port), '-c', 'get', 'text.cfg', path]);
  assert.not.match(r.output, /error/i, r.output);
  sameBytes(path, 'text.cfg');
});

test('tftp-hpa shows the refusal: error 1 for an unknown file, error 2 for traversal and writes', async () => {
  const missing = await run('tftp', ['127.0.0.1', String(fx.port), '-c', 'get', 'nothing.cfg', out()]);
  assert.match(missing.output, /Error code 1/);
  const traversal = await run('tftp', ['127.0.0.1', String(fx.port), '-c', 'get', '../../etc/passwd', out()]);
  assert.match(traversal.output, /Error code 2/);
  const put = await run('tftp', ['127.0.0.1', String(fx.port), '-c', 'put', '/etc/hostname', 'hostname']);
  assert.match(put.output, /Error code 2: .*read-only/);
});

// ---- atftp (sends blksize, tsize and windowsize when asked) ----

test('atftp fetches big.bin with blksize 1428 and windowsize 4', async () => {
  const since = fx.logs.length;
  const path = out();
  const r = await run('atftp', ['--get', '-r', 'big.bin', '-l', path, '--option', 'blksize 1428', '--option', 'windowsize 4', '127.0.0.1', String(fx.port)]);
  assert.is(r.code, 0, r.output);
  sameBytes(path, 'big.bin');
  const line = await served('big.bin', since);
  assert.is(line.outcome, 'complete');
  assert.is(line.blksize, 1428);
  assert.is(line.windowsize, 4);
});

test('atftp fetches big.bin with tsize and blksize 1428', async () => {
  const since = fx.logs.length;
  const path = out();
  const r = await run('atftp', ['--get', '-r', 'big.bin', '-l', path, '--option', 'tsize', '--option', 'blksize 1428', '127.0.0.1', String(fx.port)]);
  assert.is(r.code, 0, r.output);
  sameBytes(path, 'big.bin');
  const line = await served('big.bin', since);
  assert.is((line.options as Record<string, number>).tsize, FILES['big.bin'].length);
});

test('atftp fetches exact512.bin and small.cfg without options', async () => {
  for (const file of ['exact512.bin', 'small.cfg']) {
    const path = out();
    const r = await run('atftp', ['--get', '-r', file, '-l', path, '127.0.0.1', String(fx.port)]);
    assert.is(r.code, 0, r.output);
    sameBytes(path, file);
  }
});

test('atftp: unknown file fails with the server message', async () => {
  const r = await run('atftp', ['--get', '-r', 'nothing.cfg', '-l', out(), '127.0.0.1', String(fx.port)]);
  assert.is.not(r.code, 0);
  assert.match(r.output, /no file named nothing\.cfg/);
});

test.run();
