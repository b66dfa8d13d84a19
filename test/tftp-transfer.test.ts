// TFTP listener: files arrive byte for byte, options are negotiated as the RFCs say, one log line
// per request.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tftpGet } from './helpers/tftp-client.ts';
import { OP, encodeAck, encodeRequest } from '../server/phone/tftp-packets.ts';
import { FILES, nodeTftpGet, pattern, rawPeer, startFixture } from './tftp-fixtures.ts';
import type { Fixture } from './tftp-fixtures.ts';

const ROLLOVER = pattern(65536 * 8 + 100, 9); // more than 65535 blocks of 8 bytes
let fx: Fixture;
const get = (file: string, options?: Record<string, string | number>, mode?: 'octet' | 'netascii') =>
  tftpGet({ host: '127.0.0.1', port: fx.port, file, options, mode });

test.before(async () => {
  fx = await startFixture({}, { 'rollover.bin': ROLLOVER });
});
test.after(() => fx.close());

const optionSets: Array<[string, Record<string, number>]> = [
  ['no options (RFC 1350, 512-byte blocks)', {}],
  ['blksize 1428 + tsize', { blksize: 1428, tsize: 0 }],
  ['blksize 1468 + windowsize 4', { blksize: 1468, windowsize: 4 }],
  ['blksize 512 + windowsize 16', { blksize: 512, windowsize: 16 }],
];
for (const name of ['small.cfg', 'exact512.bin', 'empty.cfg', 'big.bin']) {
  for (const [label, options] of optionSets) {
    test(`${name} with ${label} arrives byte for byte`, async () => {
      const r = await get(name, options);
      assert.ok(r.data.equals(FILES[name]), `${name}: ${r.data.length} bytes received, ${FILES[name].length} expected`);
    });
  }
  test(`${name} with node-tftp's client arrives byte for byte`, async () => {
    const data = await nodeTftpGet(fx.port, name);
    assert.ok(data.equals(FILES[name]));
  });
}

test('big.bin with node-tftp client, blksize 512 and windowsize 1', async () => {
  const data = await nodeTftpGet(fx.port, 'big.bin', { blockSize: 512, windowSize: 1 });
  assert.ok(data.equals(FILES['big.bin']));
});

test('block numbers roll over to 0 after 65535 (tftp-hpa convention)', async () => {
  const r = await get('rollover.bin', { blksize: 8, windowsize: 32 });
  assert.ok(r.data.equals(ROLLOVER));
});

test('a file of exactly one block ends with an empty DATA block', async () => {
  const peer = await rawPeer();
  try {
    peer.send(encodeRequest(OP.RRQ, 'exact512.bin', 'octet'), fx.port);
    const first = await peer.next();
    assert.ok(first);
    assert.is(first.msg.readUInt16BE(0), OP.DATA);
    assert.is(first.msg.readUInt16BE(2), 1);
    assert.is(first.msg.length, 4 + 512);
    peer.send(encodeAck(1), first.port);
    const last = await peer.next();
    assert.ok(last);
    assert.is(last.msg.readUInt16BE(2), 2);
    assert.is(last.msg.length, 4);
    peer.send(encodeAck(2), first.port);
  } finally {
    peer.close();
  }
});

test('the transfer comes from a new port (a fresh transfer ID), not the request port', async () => {
  const r = await get('small.cfg');
  assert.is.not(r.serverPort, fx.port);
});

test('OACK grants blksize, tsize (the real size), timeout and windowsize', async () => {
  const r = await get('big.bin', { blksize: 1428, tsize: 0, timeout: 3, windowsize: 4 });
  assert.equal(r.oack, { blksize: '1428', tsize: String(FILES['big.bin'].length), timeout: '3', windowsize: '4' });
  assert.ok(r.data.equals(FILES['big.bin']));
});

test('tsize is not acknowledged for an empty file (curl refuses "tsize 0")', async () => {
  const r = await get('empty.cfg', { tsize: 0, blksize: 1024 });
  assert.equal(r.oack, { blksize: '1024' });
  assert.is(r.data.length, 0);
});

test('option names are case-insensitive', async () => {
  const r = await get('small.cfg', { BLKSIZE: 1024, TSize: 0 });
  assert.equal(r.oack, { blksize: '1024', tsize: String(FILES['small.cfg'].length) });
});

test('too large blksize and windowsize are lowered, not refused', async () => {
  const r = await get('small.cfg', { blksize: 70000, windowsize: 5000 });
  assert.equal(r.oack, { blksize: '65464', windowsize: '64' });
  assert.ok(r.data.equals(FILES['small.cfg']));
});

test('invalid option values and unknown options are left out of the OACK', async () => {
  const r = await get('small.cfg', { blksize: 4, timeout: 300, windowsize: 0, tsize: 'x', colour: 'blue', multicast: '' });
  // Nothing acceptable was asked: plain RFC 1350 answer, DATA straight away.
  assert.is(r.oack, null);
  assert.ok(r.data.equals(FILES['small.cfg']));
  const r2 = await get('small.cfg', { timeout: 0, blksize: 600, rollover: 0 });
  assert.equal(r2.oack, { blksize: '600' });
});

test('timeout alone is acknowledged, up to 10 s; a longer one is left out of the OACK', async () => {
  const r = await get('small.cfg', { timeout: 10 });
  assert.equal(r.oack, { timeout: '10' });
  const long = await get('small.cfg', { timeout: 255 });
  assert.is(long.oack, null, 'timeout=255 is declined: the default retransmission timeout applies');
  const both = await get('small.cfg', { timeout: 11, blksize: 1024 });
  assert.equal(both.oack, { blksize: '1024' });
});

test('netascii mode turns LF into CR LF and CR into CR NUL', async () => {
  const r = await get('text.cfg', { tsize: 0 }, 'netascii');
  const expected = Buffer.from('line one\r\nline two\r\0\r\nend\r\n', 'latin1');
  assert.ok(r.data.equals(expected), JSON.stringify(r.data.toString('latin1')));
  assert.is(r.oack?.tsize, String(expected.length));
});

test('the provider gets the file name, the remote and local addresses and the protocol', async () => {
  fx.calls.length = 0;
  await get('small.cfg');
  assert.equal(fx.calls, [{ file: 'small.cfg', remoteAddress: '127.0.0.1', localAddress: '127.0.0.1', protocol: 'tftp' }]);
});

test('one log line per request with file, remote, status, bytes and duration', async () => {
  fx.logs.length = 0;
  const r = await get('big.bin', { blksize: 1468 });
  const entry = await fx.waitForLog((e) => e.msg === 'tftp request' && e.obj.file === 'big.bin');
  assert.is(entry.obj.status, 200);
  assert.is(entry.obj.bytes, FILES['big.bin'].length);
  assert.is(entry.obj.outcome, 'complete');
  assert.is(entry.obj.remote, `127.0.0.1:${(entry.obj.remote as string).split(':')[1]}`);
  assert.type(entry.obj.durationMs, 'number');
  assert.ok(r.data.length > 0);
  assert.is(fx.logs.filter((e) => e.msg?.startsWith('tftp request') && e.obj.file === 'big.bin').length, 1);
});

test.run();
