// Client transactions over real loopback UDP with a manual clock: RFC 3261 §17.1.2 timers,
// final outcomes, the one retry after a 401/407 (digest checked independently), hostile input.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import dgram from 'node:dgram';
import { ManualClock } from './helpers/manual-clock.ts';
import { startLoopbackUas } from './helpers/loopback-uas.ts';
import type { LoopbackUas, UasAnswer } from './helpers/loopback-uas.ts';
import { buildResponse, header, parseChallenge } from '../server/sip/message.ts';
import type { SipRequest } from '../server/sip/message.ts';
import { SipClient } from '../server/sip/transaction.ts';
import type { NotifyRequest, SipOutcome } from '../server/sip/transaction.ts';
import { openUdpTransport } from '../server/sip/transport.ts';
import type { SipTransport } from '../server/sip/transport.ts';

interface Rig {
  clock: ManualClock;
  phone: LoopbackUas;
  client: SipClient;
  local: { host: string; port: number };
  /** Fake-clock time of every datagram the client handed to the socket. */
  sends: number[];
  /** Resolves after the client handled the next datagram it received. */
  nextArrival(): Promise<void>;
  req(extra?: Partial<NotifyRequest>): NotifyRequest;
  close(): Promise<void>;
}

const open: Rig[] = [];

async function rig(answer: (req: SipRequest, n: number) => UasAnswer[]): Promise<Rig> {
  const clock = new ManualClock();
  let n = 0;
  const phone = await startLoopbackUas({ record: true, answer: (req) => answer(req, ++n) });
  const real = await openUdpTransport({ bindHost: '127.0.0.1' });
  const sends: number[] = [];
  const arrivals: Array<() => void> = [];
  // A spy around the real socket: records send times on the fake clock.
  const transport: SipTransport = {
    local: real.local,
    send: (d, h, p) => {
      sends.push(clock.now());
      return real.send(d, h, p);
    },
    resolve: (h) => real.resolve!(h),
    onMessage: (h) =>
      real.onMessage((d, f) => {
        h(d, f);
        arrivals.shift()?.();
      }),
    close: () => real.close(),
  };
  const client = new SipClient({ transport, timers: clock });
  const r: Rig = {
    clock,
    phone,
    client,
    local: real.local,
    sends,
    nextArrival: () => new Promise<void>((resolve) => arrivals.push(resolve)),
    req: (extra = {}) => ({
      dest: { host: phone.host, port: phone.port },
      requestUri: `sip:0145678901@${phone.host}:${phone.port}`,
      fromDomain: 'voip.example.net',
      event: 'check-sync;reboot=false',
      ...extra,
    }),
    close: async () => {
      client.close();
      await real.close();
      await phone.close();
    },
  };
  open.push(r);
  return r;
}

test.after.each(async () => {
  for (const r of open.splice(0)) await r.close();
});

/** Runs every timer up to `until` (or until none is left). */
function runTimers(clock: ManualClock, until = Infinity): void {
  for (let at = clock.nextAt(); at !== null && at <= until; at = clock.nextAt()) clock.advanceTo(at);
}

async function received(phone: LoopbackUas, count: number): Promise<void> {
  while (phone.count < count) await phone.next();
}

const silent = () => [];

test('unanswered NOTIFY: retransmitted at 0, 0.5, 1.5, 3.5, 7.5 s then every 4 s, Timer F at 32 s', async () => {
  const r = await rig(silent);
  const outcome = r.client.notify(r.req());
  await r.phone.next();
  runTimers(r.clock);
  assert.equal(await outcome, { timeout: true });
  assert.is(r.clock.now(), 32_000);
  assert.equal(r.sends, [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
  const gaps = r.sends.slice(1).map((t, i) => t - r.sends[i]);
  assert.equal(gaps, [500, 1000, 2000, 4000, 4000, 4000, 4000, 4000, 4000, 4000]);
  await received(r.phone, 11);
  const raws = new Set(r.phone.requests.map((x) => x.raw.toString()));
  assert.is(raws.size, 1, 'a retransmission is the same request, byte for byte (same branch)');
  assert.is(r.clock.pending, 0, 'no timer left');
  assert.is(r.client.inFlight, 0);
});

test('a provisional 100 switches retransmissions to T2 (4 s)', async () => {
  const r = await rig((_req, n) => (n === 1 ? [{ status: 100, reason: 'Trying' }] : []));
  const arrived = r.nextArrival();
  const outcome = r.client.notify(r.req());
  await arrived;
  runTimers(r.clock);
  assert.equal(await outcome, { timeout: true });
  assert.equal(r.sends, [0, 500, 4500, 8500, 12500, 16500, 20500, 24500, 28500]);
});

test('200 OK: answered, timers stopped', async () => {
  const r = await rig(() => [{ status: 200, reason: 'OK' }]);
  assert.equal(await r.client.notify(r.req()), { status: 200, reason: 'OK' });
  assert.is(r.clock.pending, 0);
  assert.equal(r.sends, [0]);
});

test('200 after one lost request: the retransmission gets it', async () => {
  const r = await rig((_req, n) => (n === 1 ? [] : [{ status: 200, reason: 'OK' }]));
  const outcome = r.client.notify(r.req());
  await r.phone.next();
  const arrived = r.nextArrival();
  r.clock.advance(500);
  await arrived;
  assert.equal(await outcome, { status: 200, reason: 'OK' });
  assert.equal(r.sends, [0, 500]);
});

test('481 is a final failure, reported with its reason', async () => {
  const r = await rig(() => [{ status: 481, reason: 'Subscription does not exist' }]);
  assert.equal(await r.client.notify(r.req()), { status: 481, reason: 'Subscription does not exist' });
});

/** Independent digest: H(H(user:realm:pass):nonce[:nc:cnonce:qop]:H(method:uri)). */
function md5(s: string): string {
  return createHash('md5').update(s).digest('hex');
}

test('401 with qop=auth: answered once with the right digest, new CSeq, same call', async () => {
  const challenge = 'Digest realm="cadran-test", nonce="8f3a0c", qop="auth", opaque="op4", algorithm=MD5';
  const r = await rig((req, n) => {
    if (n === 1) return [{ status: 401, reason: 'Unauthorized', headers: [`WWW-Authenticate: ${challenge}`] }];
    const a = parseChallenge(header(req, 'authorization') ?? '')?.params ?? {};
    const expected = md5(`${md5('0145678901:cadran-test:s3cr3t')}:8f3a0c:${a.nc}:${a.cnonce}:auth:${md5(`NOTIFY:${a.uri}`)}`);
    const ok = a.response === expected && a.username === '0145678901' && a.opaque === 'op4' && a.qop === 'auth' && a.uri === req.uri;
    return [ok ? { status: 200, reason: 'OK' } : { status: 403, reason: 'Bad digest' }];
  });
  const outcome = await r.client.notify(r.req({ credentials: { username: '0145678901', password: 's3cr3t' } }));
  assert.equal(outcome, { status: 200, reason: 'OK' });
  const [first, second] = r.phone.requests.map((x) => x.req);
  assert.is(header(first, 'cseq'), '1 NOTIFY');
  assert.is(header(second, 'cseq'), '2 NOTIFY');
  assert.is(header(second, 'call-id'), header(first, 'call-id'));
  assert.is(header(second, 'from'), header(first, 'from'));
  assert.is.not(header(second, 'via'), header(first, 'via'), 'a new transaction has a new branch');
  assert.match(header(second, 'via') ?? '', /;branch=z9hG4bK[0-9a-f]+;rport$/);
});

test('407 without qop: Proxy-Authorization with the RFC 2069-style digest', async () => {
  const r = await rig((req, n) => {
    if (n === 1) return [{ status: 407, reason: 'Proxy Authentication Required', headers: ['Proxy-Authenticate: Digest realm="proxy", nonce="nn"'] }];
    const a = parseChallenge(header(req, 'proxy-authorization') ?? '')?.params ?? {};
    const expected = md5(`${md5('alice:proxy:pw')}:nn:${md5(`NOTIFY:${req.uri}`)}`);
    return [a.response === expected && a.qop === undefined ? { status: 202, reason: 'Accepted' } : { status: 403, reason: 'Bad digest' }];
  });
  assert.equal(await r.client.notify(r.req({ credentials: { username: 'alice', password: 'pw' } })), { status: 202, reason: 'Accepted' });
});

test('a second 401 is final (one retry only); no credentials means no retry', async () => {
  const deny = (): UasAnswer[] => [{ status: 401, reason: 'Unauthorized', headers: ['WWW-Authenticate: Digest realm="r", nonce="n"'] }];
  const r = await rig(deny);
  assert.equal(await r.client.notify(r.req({ credentials: { username: 'u', password: 'wrong' } })), { status: 401, reason: 'Unauthorized' });
  assert.is(r.phone.count, 2);
  const r2 = await rig(deny);
  assert.equal(await r2.client.notify(r2.req()), { status: 401, reason: 'Unauthorized' });
  assert.is(r2.phone.count, 1);
});

test('garbage, foreign branches and other methods are ignored; the real answer counts', async () => {
  let request: SipRequest | undefined;
  const r = await rig((req) => {
    request = req;
    return [];
  });
  const outcome = r.client.notify(r.req());
  await r.phone.next();
  const sock = dgram.createSocket('udp4');
  const send = (b: Buffer | string) => new Promise<void>((resolve) => sock.send(b, r.local.port, '127.0.0.1', () => resolve()));
  const req = request as SipRequest;
  const forged = (via: string, cseq: string, status: number): Buffer => {
    const copy: SipRequest = { ...req, headers: new Map(req.headers) };
    copy.headers.set('via', [via]);
    copy.headers.set('cseq', [cseq]);
    return buildResponse(copy, status, 'Forged');
  };
  await send('\u0000\u00ff garbage');
  await send('SIP/2.0 200 OK\r\n\r\n');
  await send(forged('SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKnotours', '1 NOTIFY', 500));
  await send(forged(header(req, 'via') ?? '', '1 INVITE', 500));
  await send(Buffer.alloc(2000, 0x20));
  const arrived = r.nextArrival();
  await send(buildResponse(req, 200, 'OK'));
  await arrived;
  assert.equal(await outcome, { status: 200, reason: 'OK' });
  sock.close();
});

test('a forged 401 from another address is ignored: no Digest over the SIP password is sent', async () => {
  let request: SipRequest | undefined;
  const r = await rig((req) => {
    request = req;
    return [];
  });
  const outcome = r.client.notify(r.req({ credentials: { username: '0145678901', password: 's3cr3t' } }));
  await r.phone.next();
  const req = request as SipRequest;
  // The attacker saw (or guessed) the branch, and answers from an address of its own.
  const attacker = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => attacker.bind(0, '127.0.0.66', resolve));
  const sendFrom = (sock: dgram.Socket, b: Buffer) => new Promise<void>((resolve) => sock.send(b, r.local.port, '127.0.0.1', () => resolve()));
  let arrived = r.nextArrival();
  await sendFrom(attacker, buildResponse(req, 401, 'Unauthorized', ['WWW-Authenticate: Digest realm="evil", nonce="chosen", qop="auth"']));
  await arrived;
  arrived = r.nextArrival();
  await sendFrom(attacker, buildResponse(req, 200, 'OK'));
  await arrived;
  assert.equal(r.sends, [0], 'nothing sent after the forged answers');
  assert.is(r.phone.count, 1, 'the phone got one request, without Authorization');
  assert.is(header(req, 'authorization'), undefined);
  assert.is(r.client.inFlight, 1, 'the transaction still waits for its destination');
  // The real answer, from the address the NOTIFY went to, counts.
  const phoneSide = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => phoneSide.bind(0, '127.0.0.1', resolve));
  arrived = r.nextArrival();
  await sendFrom(phoneSide, buildResponse(req, 200, 'OK'));
  await arrived;
  assert.equal(await outcome, { status: 200, reason: 'OK' });
  attacker.close();
  phoneSide.close();
});

test('a destination given by name is resolved once; its answer counts', async () => {
  const r = await rig(() => [{ status: 200, reason: 'OK' }]);
  assert.equal(await r.client.notify(r.req({ dest: { host: 'localhost', port: r.phone.port } })), { status: 200, reason: 'OK' });
  const unknown = (await r.client.notify(r.req({ dest: { host: 'no-such-host.invalid', port: 5060 } }))) as { status: number; reason: string };
  assert.is(unknown.status, 503);
  assert.match(unknown.reason, /cannot resolve no-such-host\.invalid/);
});

test('send failure ends the transaction as a local 503', async () => {
  const r = await rig(silent);
  const outcome = (await r.client.notify(r.req({ dest: { host: '127.0.0.1', port: 0 } }))) as SipOutcome & { status: number; reason: string };
  assert.is(outcome.status, 503);
  assert.match(outcome.reason, /transport error to 127\.0\.0\.1:0/);
});

test('close() rejects pending transactions', async () => {
  const r = await rig(silent);
  const outcome = r.client.notify(r.req());
  r.client.close();
  const err = await outcome.then(
    () => null,
    (e: unknown) => e,
  );
  assert.instance(err, Error);
  assert.match(String(err), /closed/);
  assert.is(r.clock.pending, 0);
});

test.run();
