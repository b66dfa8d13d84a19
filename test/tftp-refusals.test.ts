// TFTP listener: what it refuses, with which TFTP error, and that the provider never sees a bad name.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TftpRemoteError, tftpGet } from './helpers/tftp-client.ts';
import { OP, TFTP_ERR, encodeRequest, parseError } from '../server/phone/tftp-packets.ts';
import { FILES, nodeTftp, rawPeer, startFixture } from './tftp-fixtures.ts';
import type { Fixture } from './tftp-fixtures.ts';

let fx: Fixture;
test.before(async () => {
  fx = await startFixture();
});
test.after(() => fx.close());

async function refusal(file: string | Buffer, mode?: 'octet' | 'netascii'): Promise<TftpRemoteError> {
  try {
    await tftpGet({ host: '127.0.0.1', port: fx.port, file, mode, retries: 1 });
  } catch (err) {
    if (err instanceof TftpRemoteError) return err;
    throw err;
  }
  throw new Error(`${String(file)} was served`);
}

/** Sends one raw request and returns the error it gets back. */
async function rawRefusal(packet: Buffer): Promise<{ code: number; message: string }> {
  const peer = await rawPeer();
  try {
    peer.send(packet, fx.port);
    const answer = await peer.next();
    assert.ok(answer, 'no answer');
    assert.is(answer.msg.readUInt16BE(0), OP.ERROR);
    return parseError(answer.msg);
  } finally {
    peer.close();
  }
}

const traversal: Array<[string, string | Buffer]> = [
  ['parent directory', '../etc/passwd'],
  ['parent directory after a leading slash', '/../secret.cfg'],
  ['.. in the middle', 'a/../small.cfg'],
  ['bare ..', '..'],
  ['.. glued to a name', 'small.cfg..'],
  ['absolute path', '/etc/passwd'],
  ['two leading slashes', '//small.cfg'],
  ['sub-directory', 'configs/small.cfg'],
  ['backslash', '..\\..\\boot.ini'],
  ['backslash directory', 'configs\\small.cfg'],
  ['control byte', Buffer.from('small\x01.cfg', 'latin1')],
  ['DEL byte', Buffer.from('small.cfg\x7f', 'latin1')],
  ['UTF-8 bytes', Buffer.from('smäll.cfg', 'utf8')],
  ['latin-1 byte', Buffer.from([0x73, 0xe9, 0x2e, 0x63, 0x66, 0x67])],
  ['tab', 'small\t.cfg'],
];
for (const [label, name] of traversal) {
  test(`refused with error 2 (access violation): ${label}`, async () => {
    fx.calls.length = 0;
    const err = await refusal(name);
    assert.is(err.code, TFTP_ERR.ACCESS);
    assert.is(fx.calls.length, 0, 'the provider must not be asked');
  });
}

test('empty and overlong names get error 1 and never reach the provider', async () => {
  fx.calls.length = 0;
  assert.is((await refusal('')).code, TFTP_ERR.NOT_FOUND);
  assert.is((await refusal('/')).code, TFTP_ERR.NOT_FOUND);
  assert.is((await refusal('a'.repeat(300))).code, TFTP_ERR.NOT_FOUND);
  assert.is(fx.calls.length, 0);
});

test('a single leading slash is stripped: /small.cfg is small.cfg', async () => {
  fx.calls.length = 0;
  const r = await tftpGet({ host: '127.0.0.1', port: fx.port, file: '/small.cfg' });
  assert.ok(r.data.equals(FILES['small.cfg']));
  assert.is(fx.calls[0].file, 'small.cfg');
});

test('unknown file → error 1 with the provider reason', async () => {
  const err = await refusal('nothing-here.cfg');
  assert.is(err.code, TFTP_ERR.NOT_FOUND);
  assert.is(err.remoteMessage, 'no file named nothing-here.cfg');
});

for (const [file, status, reason] of [
  ['denied.cfg', 403, 'phone not licensed'],
  ['login.cfg', 401, 'credentials required'],
  ['busy.cfg', 429, 'too many requests from this phone'],
] as const) {
  test(`provider ${status} → error 2 (access violation) with its reason`, async () => {
    const err = await refusal(file);
    assert.is(err.code, TFTP_ERR.ACCESS);
    assert.is(err.remoteMessage, reason);
    const line = await fx.waitForLog((e) => e.obj.file === file);
    assert.is(line.obj.status, status);
  });
}

test('a failing provider → error 0, logged, and the server keeps serving', async () => {
  const err = await refusal('boom.cfg');
  assert.is(err.code, TFTP_ERR.UNDEFINED);
  assert.is(err.remoteMessage, 'internal server error');
  const line = await fx.waitForLog((e) => e.level === 'warn' && e.obj.file === 'boom.cfg');
  assert.is(line.obj.err, 'database is down');
  const r = await tftpGet({ host: '127.0.0.1', port: fx.port, file: 'small.cfg' });
  assert.ok(r.data.equals(FILES['small.cfg']));
});

test('write request → error 2 saying the server is read-only; nothing reaches the provider', async () => {
  fx.calls.length = 0;
  const e = await rawRefusal(encodeRequest(OP.WRQ, 'small.cfg', 'octet', { tsize: 10 }));
  assert.is(e.code, TFTP_ERR.ACCESS);
  assert.match(e.message, /read-only/);
  assert.is(fx.calls.length, 0);
});

test("write request from node-tftp's client is refused", async () => {
  const client = nodeTftp.createClient({ host: '127.0.0.1', port: fx.port, retries: 1 });
  const err = await new Promise<Error>((resolve, reject) => {
    const put = client.createPutStream('upload.cfg', { size: 4 });
    put.on('error', resolve).on('finish', () => reject(new Error('upload accepted')));
    put.end(Buffer.from('evil'));
  });
  assert.match(err.message, /read-only/);
});

test('mail mode and unknown modes → error 4', async () => {
  for (const mode of ['mail', 'binary']) {
    const e = await rawRefusal(encodeRequest(OP.RRQ, 'small.cfg', mode));
    assert.is(e.code, TFTP_ERR.ILLEGAL_OP);
    assert.match(e.message, /mode/);
  }
});

test('mode is case-insensitive (OCTET, NetAscii)', async () => {
  const peer = await rawPeer();
  try {
    peer.send(encodeRequest(OP.RRQ, 'small.cfg', 'OCTET'), fx.port);
    const answer = await peer.next();
    assert.ok(answer);
    assert.is(answer.msg.readUInt16BE(0), OP.DATA);
  } finally {
    peer.close();
  }
});

test('refusals are logged with the file, remote and reason', async () => {
  fx.logs.length = 0;
  await refusal('../x.cfg');
  const line = await fx.waitForLog((e) => e.msg === 'tftp request refused');
  assert.is(line.obj.file, '../x.cfg');
  assert.is(line.obj.tftpError, TFTP_ERR.ACCESS);
  assert.type(line.obj.reason, 'string');
  assert.match(String(line.obj.remote), /^127\.0\.0\.1:\d+$/);
});

test.run();
