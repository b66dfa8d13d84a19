// TFTP under attack and on a host with several addresses (issue 12, findings 5 and 13):
//   - caps per client address and in total; `timeout` above 10 s declined; a whole-transfer
//     deadline; unanswered (forged) transfers make room when the server is full;
//   - the reply comes from the address the request reached, also when listening on a wildcard.
// Floods are paced (a UDP burst overflows the kernel's receive buffer).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import dgram from 'node:dgram';
import { startTftpServer, listenAddresses, type TftpServer, type TftpTuning } from '../server/phone/tftp.ts';
import { tftpGet } from './helpers/tftp-client.ts';
import { OP, encodeAck, encodeRequest, parseError } from '../server/phone/tftp-packets.ts';
import type { PhoneFileRequest } from '../server/provision/types.ts';
import { FILES } from './tftp-fixtures.ts';

interface Logged {
  obj: Record<string, unknown>;
  msg?: string;
}

const servers: TftpServer[] = [];
test.after.each(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function server(tuning: TftpTuning = {}, host = '127.0.0.1', interfaceAddresses?: () => string[], rescanMs = 0) {
  const calls: PhoneFileRequest[] = [];
  const logs: Logged[] = [];
  const s = await startTftpServer({
    host,
    port: 0,
    tuning,
    rescanMs,
    ...(interfaceAddresses ? { interfaceAddresses } : {}),
    logger: { info: (obj, msg) => logs.push({ obj: obj as Record<string, unknown>, msg }), warn: (obj, msg) => logs.push({ obj: obj as Record<string, unknown>, msg }) },
    provider: async (req) => {
      calls.push(req);
      const body = FILES[req.file];
      return body ? { status: 200, body, contentType: 'application/octet-stream' } : { status: 404, reason: 'no such file' };
    },
  });
  servers.push(s);
  return { s, calls, logs };
}

/** A UDP socket on a given loopback address that records every datagram with its source. */
async function peer(address: string) {
  const sock = dgram.createSocket('udp4');
  const got: Array<{ msg: Buffer; from: string; port: number }> = [];
  sock.on('message', (msg, r) => got.push({ msg, from: r.address, port: r.port }));
  sock.on('error', () => {});
  await new Promise<void>((resolve) => sock.bind(0, address, resolve));
  return { sock, got, send: (b: Buffer, port: number, to = '127.0.0.1') => sock.send(b, port, to), close: () => sock.close() };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, limitMs: number, what: string): Promise<void> {
  const end = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await pause(20);
  }
}

test('520 never-acknowledged RRQs with timeout=255 from one address do not keep other phones out', async () => {
  const { s } = await server(); // production defaults: 512 slots, 32 per address, 1 s × 5 retries
  const flood = await Promise.all(Array.from({ length: 520 }, () => peer('127.0.0.30')));
  try {
    const rrq = encodeRequest(OP.RRQ, 'big.bin', 'octet', { timeout: 255 });
    for (let i = 0; i < flood.length; i++) {
      flood[i]!.send(rrq, s.port);
      if (i % 20 === 19) await pause(5);
    }
    await until(() => flood.every((p) => p.got.length > 0), 10_000, 'an answer to every flood request');
    const first = flood.map((p) => p.got[0]!.msg);
    const served = first.filter((m) => m.readUInt16BE(0) === OP.DATA);
    const busy = first.filter((m) => m.readUInt16BE(0) === OP.ERROR && /busy/.test(parseError(m).message));
    assert.is(served.length, 32, 'at most 32 transfers for one address');
    assert.is(busy.length, 520 - 32);
    assert.not.ok(first.some((m) => m.readUInt16BE(0) === OP.OACK), 'timeout=255 is not acknowledged (no OACK)');
    // Meanwhile a phone on another address is served at once.
    const r = await tftpGet({ host: '127.0.0.1', port: s.port, file: 'small.cfg', bindAddress: '127.0.0.31', retransmitMs: 1000, retries: 2 });
    assert.ok(r.data.equals(FILES['small.cfg']));
  } finally {
    for (const p of flood) p.close();
  }
});

test('a silent client is dropped after the bounded retransmissions, not after 255 s × retries', async () => {
  const { s, logs } = await server({ timeoutMs: 100, retries: 2 });
  const p = await peer('127.0.0.32');
  try {
    p.send(encodeRequest(OP.RRQ, 'small.cfg', 'octet', { timeout: 255 }), s.port);
    await until(() => logs.some((l) => l.obj.outcome === 'timeout'), 5000, 'the transfer to end');
    assert.is(p.got.length, 3, 'first send and 2 retransmissions, 100 ms apart');
  } finally {
    p.close();
  }
});

test('a client acknowledging too slowly is cut off by the whole-transfer deadline', async () => {
  const { s, logs } = await server({ transferDeadlineMs: 600, timeoutMs: 1000 });
  const p = await peer('127.0.0.33');
  try {
    p.send(encodeRequest(OP.RRQ, 'big.bin', 'octet'), s.port);
    // ACK each block 200 ms after it came: within the retransmission timeout, so only the deadline stops it.
    let acked = 0;
    const slow = setInterval(() => {
      const data = p.got.filter((g) => g.msg.readUInt16BE(0) === OP.DATA);
      const last = data.at(-1);
      if (last && last.msg.readUInt16BE(2) > acked) {
        acked = last.msg.readUInt16BE(2);
        p.send(encodeAck(acked), last.port);
      }
    }, 200);
    await until(() => logs.some((l) => l.obj.outcome === 'deadline'), 5000, 'the deadline');
    clearInterval(slow);
    await until(() => p.got.at(-1)!.msg.readUInt16BE(0) === OP.ERROR, 2000, 'the error packet');
    const end = p.got.at(-1)!.msg;
    assert.is(end.readUInt16BE(0), OP.ERROR);
    assert.match(parseError(end).message, /too long/);
    assert.ok(acked >= 1 && acked < 10, `blocks acknowledged: ${acked}`);
  } finally {
    p.close();
  }
});

test('forged requests from many addresses cannot hold every slot: unanswered transfers make room', async () => {
  const { s, logs } = await server({ maxTransfers: 16, timeoutMs: 1000, retries: 5, evictUnconfirmedAfterMs: 200 });
  const forged = await Promise.all(Array.from({ length: 16 }, (_, i) => peer(`127.0.4.${i + 1}`)));
  try {
    for (const p of forged) p.send(encodeRequest(OP.RRQ, 'big.bin', 'octet'), s.port);
    await until(() => forged.every((p) => p.got.length > 0), 5000, 'the forged transfers to start');
    await pause(250);
    // Every slot is held by a transfer nobody acknowledges (they would last 6 s); a phone still gets in.
    const r = await tftpGet({ host: '127.0.0.1', port: s.port, file: 'small.cfg', bindAddress: '127.0.0.34', retries: 1 });
    assert.ok(r.data.equals(FILES['small.cfg']));
    assert.ok(logs.some((l) => l.obj.outcome === 'aborted' && /never acknowledged/.test(String(l.obj.detail))), 'an unanswered transfer was dropped');
  } finally {
    for (const p of forged) p.close();
  }
});

test('listen addresses: a wildcard expands to the host addresses, lists are kept', () => {
  const ifaces = () => ['127.0.0.1', '192.0.2.2', '::1', '2001:db8::2'];
  assert.equal(listenAddresses('0.0.0.0', ifaces), { addresses: ['127.0.0.1', '192.0.2.2'], wildcard: true });
  assert.equal(listenAddresses('::', ifaces), { addresses: ifaces(), wildcard: true });
  assert.equal(listenAddresses('127.0.0.1, 127.0.0.20,[::1]', ifaces), { addresses: ['127.0.0.1', '127.0.0.20', '::1'], wildcard: false });
});

test('listening on 0.0.0.0 on a host with two addresses: each request is answered from the address it reached', async () => {
  // The host's addresses are given (a test cannot add an interface address); the server binds
  // one socket per address instead of 0.0.0.0.
  const { s, calls } = await server({}, '0.0.0.0', () => ['127.0.0.1', '127.0.0.20']);
  assert.equal(s.addresses().sort(), ['127.0.0.1', '127.0.0.20']);
  // tftpGet, like tftp-hpa, accepts answers only from the address it sent to.
  const r20 = await tftpGet({ host: '127.0.0.20', port: s.port, file: 'big.bin', options: { blksize: 1428 }, retries: 2 });
  assert.ok(r20.data.equals(FILES['big.bin']));
  const r1 = await tftpGet({ host: '127.0.0.1', port: s.port, file: 'small.cfg', retries: 2 });
  assert.ok(r1.data.equals(FILES['small.cfg']));
  assert.equal(calls.map((c) => c.localAddress), ['127.0.0.20', '127.0.0.1'], 'the provider learns the address each request reached');
  // Errors come from there too.
  const p = await peer('127.0.0.35');
  p.send(encodeRequest(OP.RRQ, 'missing.cfg', 'octet'), s.port, '127.0.0.20');
  await until(() => p.got.length > 0, 3000, 'the error');
  assert.is(p.got[0]!.from, '127.0.0.20');
  p.close();
});

test('a wildcard listener picks up an address added later and drops one removed', async () => {
  const addresses = ['127.0.0.1'];
  const { s } = await server({}, '0.0.0.0', () => [...addresses], 50);
  addresses.push('127.0.0.21');
  await until(() => s.addresses().includes('127.0.0.21'), 3000, 'the new address');
  const r = await tftpGet({ host: '127.0.0.21', port: s.port, file: 'small.cfg', retries: 2 });
  assert.ok(r.data.equals(FILES['small.cfg']));
  addresses.pop();
  await until(() => !s.addresses().includes('127.0.0.21'), 3000, 'the address to go');
});

test.run();
