// TFTP listener: hostile or broken datagrams, vanishing clients and floods never take it down.
// Every case ends by checking that a normal download still works.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TftpRemoteError, tftpGet } from './helpers/tftp-client.ts';
import { OP, TFTP_ERR, encodeAck, encodeRequest, parseError } from '../server/phone/tftp-packets.ts';
import { FILES, rawPeer, startFixture } from './tftp-fixtures.ts';
import type { Fixture } from './tftp-fixtures.ts';

let fx: Fixture;
// Short retransmission settings so abandoned transfers are given up quickly.
test.before(async () => {
  fx = await startFixture({ timeoutMs: 50, retries: 2, maxTransfers: 16 });
});
test.after(() => fx.close());

async function stillServes(): Promise<void> {
  const r = await tftpGet({ host: '127.0.0.1', port: fx.port, file: 'big.bin', options: { blksize: 1468, windowsize: 8 } });
  assert.ok(r.data.equals(FILES['big.bin']), 'the server no longer serves files correctly');
}

const u16 = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff]);
const rrq = (rest: string): Buffer => Buffer.concat([u16(OP.RRQ), Buffer.from(rest, 'latin1')]);

// [label, datagram, TFTP error code expected back, or null for silence]
const garbage: Array<[string, Buffer, number | null]> = [
  ['empty datagram', Buffer.alloc(0), null],
  ['one byte', Buffer.from([1]), null],
  ['opcode only', u16(OP.RRQ), TFTP_ERR.ILLEGAL_OP],
  ['three bytes', Buffer.from([0, 1, 0x61]), TFTP_ERR.ILLEGAL_OP],
  ['unknown opcode 0', Buffer.from([0, 0, 0, 0]), TFTP_ERR.ILLEGAL_OP],
  ['unknown opcode 99', Buffer.concat([u16(99), Buffer.from('x\0octet\0')]), TFTP_ERR.ILLEGAL_OP],
  ['opcode 65535', Buffer.from([0xff, 0xff, 1, 2, 3]), TFTP_ERR.ILLEGAL_OP],
  ['DATA on the request port', Buffer.concat([u16(OP.DATA), u16(1), Buffer.from('abc')]), TFTP_ERR.UNKNOWN_TID],
  ['ACK on the request port', encodeAck(1), TFTP_ERR.UNKNOWN_TID],
  ['OACK on the request port', Buffer.concat([u16(OP.OACK), Buffer.from('blksize\x001024\0')]), TFTP_ERR.UNKNOWN_TID],
  ['ERROR on the request port (never answered)', Buffer.concat([u16(OP.ERROR), u16(0), Buffer.from('x\0')]), null],
  ['RRQ without NUL after the name', rrq('small.cfg'), TFTP_ERR.ILLEGAL_OP],
  ['RRQ without mode', rrq('small.cfg\0'), TFTP_ERR.ILLEGAL_OP],
  ['RRQ with unterminated mode', rrq('small.cfg\0oct'), TFTP_ERR.ILLEGAL_OP],
  ['RRQ with option name but no value', rrq('small.cfg\0octet\0blksize\0'), TFTP_ERR.ILLEGAL_OP],
  ['RRQ with unterminated option value', rrq('small.cfg\0octet\0blksize\x001024'), TFTP_ERR.ILLEGAL_OP],
  ['RRQ with a 5000-byte name', rrq('a'.repeat(5000) + '\0octet\0'), TFTP_ERR.ILLEGAL_OP],
  ['RRQ with a 60000-byte datagram of junk', Buffer.concat([u16(OP.RRQ), Buffer.alloc(60000, 0x41)]), TFTP_ERR.ILLEGAL_OP],
  ['RRQ with 100 options', rrq('small.cfg\0octet\0' + Array.from({ length: 100 }, (_, i) => `o${i}\x001\0`).join('')), TFTP_ERR.ILLEGAL_OP],
  ['WRQ with no name', Buffer.concat([u16(OP.WRQ), Buffer.from('\0octet\0')]), TFTP_ERR.ACCESS],
];
for (const [label, packet, expected] of garbage) {
  test(`survives: ${label}`, async () => {
    const peer = await rawPeer();
    try {
      peer.send(packet, fx.port);
      if (expected !== null) {
        const answer = await peer.next();
        assert.ok(answer, 'expected an error answer');
        assert.is(answer.msg.readUInt16BE(0), OP.ERROR);
        assert.is(parseError(answer.msg).code, expected);
      }
    } finally {
      peer.close();
    }
    await stillServes();
  });
}

test('huge and odd option values are ignored, the file is still served', async () => {
  const options = {
    blksize: '99999999999999999999999',
    windowsize: '-4',
    timeout: '1e3',
    tsize: '0x10',
    rollover: 'x'.repeat(400),
  };
  const r = await tftpGet({ host: '127.0.0.1', port: fx.port, file: 'small.cfg', options });
  assert.is(r.oack, null);
  assert.ok(r.data.equals(FILES['small.cfg']));
  await stillServes();
});

test('garbage on a transfer port from the client does not stop the transfer', async () => {
  const peer = await rawPeer();
  try {
    peer.send(encodeRequest(OP.RRQ, 'exact512.bin', 'octet'), fx.port);
    const first = await peer.next();
    assert.ok(first);
    assert.is(first.msg.readUInt16BE(0), OP.DATA);
    const tid = first.port;
    for (const junk of [Buffer.alloc(0), Buffer.from([4]), Buffer.from([0, 4, 0]), Buffer.from([0, 9, 0, 1]), encodeAck(999), encodeRequest(OP.RRQ, 'x', 'octet')]) {
      peer.send(junk, tid);
    }
    peer.send(encodeAck(1), tid);
    // Retransmissions of block 1 may come first; wait for block 2.
    let block2 = null;
    for (let i = 0; i < 10 && !block2; i++) {
      const m = await peer.next();
      if (m && m.msg.readUInt16BE(0) === OP.DATA && m.msg.readUInt16BE(2) === 2) block2 = m;
    }
    assert.ok(block2, 'block 2 never came');
    assert.is(block2.msg.length, 4);
    peer.send(encodeAck(2), tid);
  } finally {
    peer.close();
  }
  const line = await fx.waitForLog((e) => e.obj.remote === `127.0.0.1:${peer.port}`);
  assert.is(line.obj.outcome, 'complete');
  await stillServes();
});

test('a stranger writing to a transfer port cannot disturb it', async () => {
  const phone = await rawPeer();
  const stranger = await rawPeer();
  try {
    fx.logs.length = 0;
    phone.send(encodeRequest(OP.RRQ, 'exact512.bin', 'octet'), fx.port);
    const first = await phone.next();
    assert.ok(first);
    stranger.send(Buffer.concat([u16(OP.ERROR), u16(0), Buffer.from('go away\0')]), first.port);
    stranger.send(encodeAck(1), first.port);
    stranger.send(Buffer.from([1]), first.port);
    phone.send(encodeAck(1), first.port);
    let last = null;
    for (let i = 0; i < 10 && !last; i++) {
      const m = await phone.next();
      if (m && m.msg.readUInt16BE(2) === 2) last = m;
    }
    assert.ok(last);
    phone.send(encodeAck(2), first.port);
    const line = await fx.waitForLog((e) => e.obj.remote === `127.0.0.1:${phone.port}`);
    assert.is(line.obj.outcome, 'complete');
  } finally {
    phone.close();
    stranger.close();
  }
});

test('a client vanishing mid-transfer is given up and its slot freed', async () => {
  fx.logs.length = 0;
  const peers = await Promise.all(Array.from({ length: 16 }, () => rawPeer()));
  // 16 = maxTransfers: every slot taken by a client that will vanish.
  for (const p of peers) p.send(encodeRequest(OP.RRQ, 'big.bin', 'octet', { blksize: 1024 }), fx.port);
  for (const p of peers) assert.ok(await p.next(), 'no OACK');
  for (const p of peers) p.close();
  const ended = () => fx.logs.filter((l) => l.obj.file === 'big.bin' && l.msg === 'tftp request');
  await fx.waitForLog(() => ended().length >= 16);
  const ends = ended().map((l) => l.obj.outcome);
  assert.ok(ends.every((o) => o === 'timeout' || o === 'socket-error'), JSON.stringify(ends));
  await stillServes();
});

test('a client that stops acknowledging half-way is given up', async () => {
  fx.logs.length = 0;
  const peer = await rawPeer();
  try {
    peer.send(encodeRequest(OP.RRQ, 'big.bin', 'octet'), fx.port);
    const first = await peer.next();
    assert.ok(first);
    peer.send(encodeAck(1), first.port);
    // then silence, socket left open: only retransmission timeouts can end it
    const line = await fx.waitForLog((e) => e.obj.remote === `127.0.0.1:${peer.port}`);
    assert.is(line.obj.outcome, 'timeout');
    assert.is(line.obj.bytes, 512);
  } finally {
    peer.close();
  }
  await stillServes();
});

test('a client error packet ends its transfer', async () => {
  fx.logs.length = 0;
  const peer = await rawPeer();
  try {
    peer.send(encodeRequest(OP.RRQ, 'big.bin', 'octet'), fx.port);
    const first = await peer.next();
    assert.ok(first);
    peer.send(Buffer.concat([u16(OP.ERROR), u16(0), Buffer.from('user cancelled\0')]), first.port);
    const line = await fx.waitForLog((e) => e.obj.remote === `127.0.0.1:${peer.port}`);
    assert.is(line.obj.outcome, 'client-error');
  } finally {
    peer.close();
  }
});

test('a repeated request from the same client port is served once', async () => {
  fx.calls.length = 0;
  const peer = await rawPeer();
  try {
    const req = encodeRequest(OP.RRQ, 'small.cfg', 'octet');
    peer.send(req, fx.port);
    peer.send(req, fx.port);
    peer.send(req, fx.port);
    const first = await peer.next();
    assert.ok(first);
    peer.send(encodeAck(1), first.port);
    await fx.waitForLog((e) => e.obj.remote === `127.0.0.1:${peer.port}`);
    assert.is(fx.calls.length, 1);
  } finally {
    peer.close();
  }
});

test('more requests than transfer slots: the extra ones get "server busy"', async () => {
  const peers = await Promise.all(Array.from({ length: 20 }, () => rawPeer()));
  try {
    for (const p of peers) p.send(encodeRequest(OP.RRQ, 'big.bin', 'octet'), fx.port);
    const answers = await Promise.all(peers.map((p) => p.next()));
    const busy = answers.filter((a) => a && a.msg.readUInt16BE(0) === OP.ERROR && /busy/.test(parseError(a.msg).message));
    assert.ok(busy.length >= 4, `${busy.length} busy answers`);
  } finally {
    for (const p of peers) p.close();
  }
  // The abandoned transfers time out; then the server serves again.
  for (let i = 0; ; i++) {
    try {
      await stillServes();
      break;
    } catch (err) {
      if (!(err instanceof TftpRemoteError) || i > 100) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
});

test('1000 rapid mixed datagrams, then a normal download', async () => {
  fx.logs.length = 0;
  const peers = await Promise.all(Array.from({ length: 10 }, () => rawPeer()));
  try {
    const kinds = [
      encodeRequest(OP.RRQ, 'small.cfg', 'octet'),
      encodeRequest(OP.RRQ, 'missing.cfg', 'octet'),
      encodeRequest(OP.RRQ, '../../etc/shadow', 'octet'),
      encodeRequest(OP.WRQ, 'small.cfg', 'octet'),
      Buffer.from([0, 1, 0x41]),
      Buffer.from([0x13, 0x37, 0, 0, 0]),
      encodeAck(7),
      Buffer.from([9]),
    ];
    for (let i = 0; i < 1000; i++) peers[i % peers.length].send(kinds[i % kinds.length], fx.port);
    // Let the answers and the abandoned transfers drain (bounded by the 50 ms x 2 retries).
    // small.cfg goes to every other peer: 5 client ports, one transfer each at a time.
    await fx.waitForLog(() => fx.logs.filter((l) => l.obj.file === 'small.cfg' && l.obj.outcome).length >= 5);
  } finally {
    for (const p of peers) p.close();
  }
  await stillServes();
});

test.run();
