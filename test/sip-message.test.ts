// SIP text: the NOTIFY cadran sends (exact header set, per vendor event) and the parsing of
// whatever comes back from the network (compact forms, folding, challenges, garbage).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { vendors } from '../vendors/index.ts';
import {
  buildNotify,
  directRequestUri,
  header,
  parseCSeq,
  parseChallenge,
  parseSipMessage,
  proxyRequestUri,
  topViaBranch,
} from '../server/sip/message.ts';
import type { NotifyFields } from '../server/sip/message.ts';

const base: NotifyFields = {
  requestUri: 'sip:0145678901@192.0.2.10:5060',
  local: { host: '127.0.0.1', port: 5070 },
  branch: 'z9hG4bKabc123',
  fromUri: 'sip:cadran@voip.example.net',
  fromTag: 'f00d',
  callId: 'c4ll@cadran',
  cseq: 1,
  event: 'check-sync',
};

/** Header lines of a message, as [name, value] in order. */
function lines(buf: Buffer): { start: string; headers: Array<[string, string]>; tail: string } {
  const text = buf.toString('utf8');
  const [head, tail] = text.split('\r\n\r\n');
  const [start, ...rest] = head.split('\r\n');
  return { start, headers: rest.map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]), tail };
}

for (const vendor of vendors) {
  for (const reboot of [false, true]) {
    test(`${vendor.id} NOTIFY (reboot=${reboot}) carries exactly the RFC 3261/6665 header set`, () => {
      const event = vendor.notifyEvent(reboot);
      const msg = lines(buildNotify({ ...base, event }));
      assert.is(msg.start, 'NOTIFY sip:0145678901@192.0.2.10:5060 SIP/2.0');
      assert.equal(msg.headers, [
        ['Via', 'SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKabc123;rport'],
        ['Max-Forwards', '70'],
        ['From', '<sip:cadran@voip.example.net>;tag=f00d'],
        ['To', '<sip:0145678901@192.0.2.10:5060>'],
        ['Call-ID', 'c4ll@cadran'],
        ['CSeq', '1 NOTIFY'],
        ['Contact', '<sip:cadran@127.0.0.1:5070>'],
        ['Event', event],
        ['Subscription-State', 'terminated'],
        ['Content-Length', '0'],
      ]);
      assert.is(msg.tail, '', 'no body');
      assert.ok(/^check-sync(;reboot=(true|false))?$/.test(event), event);
    });
  }
}

test('vendor events: reboot flag where the vendor reads one', () => {
  const byId = Object.fromEntries(vendors.map((v) => [v.id, v]));
  assert.is(byId.yealink?.notifyEvent(true), 'check-sync;reboot=true');
  assert.is(byId.snom?.notifyEvent(false), 'check-sync;reboot=false');
  assert.is(byId.polycom?.notifyEvent(true), 'check-sync');
});

test('NOTIFY with credentials answer and IPv6 local address', () => {
  const msg = lines(
    buildNotify({ ...base, local: { host: '::1', port: 5070 }, cseq: 2, auth: { header: 'Proxy-Authorization', value: 'Digest username="a"' } }),
  );
  const map = new Map(msg.headers);
  assert.is(map.get('Via'), 'SIP/2.0/UDP [::1]:5070;branch=z9hG4bKabc123;rport');
  assert.is(map.get('CSeq'), '2 NOTIFY');
  assert.is(map.get('Proxy-Authorization'), 'Digest username="a"');
  assert.is(msg.headers[msg.headers.length - 1][0], 'Content-Length');
});

test('header injection through the event or URIs is refused with the field name', () => {
  assert.throws(() => buildNotify({ ...base, event: 'check-sync\r\nX-Evil: 1' }), /event/);
  assert.throws(() => buildNotify({ ...base, requestUri: 'sip:a@b SIP/2.0\r\n' }), /requestUri/);
  assert.throws(() => buildNotify({ ...base, fromUri: 'http://x' }), /fromUri/);
});

test('request URIs: direct to the phone, through the proxy, user part escaped', () => {
  assert.is(directRequestUri('0145678901', '192.0.2.10'), 'sip:0145678901@192.0.2.10:5060');
  assert.is(directRequestUri(undefined, '2001:db8::1', 5062), 'sip:[2001:db8::1]:5062');
  assert.is(proxyRequestUri('0145678901', 'voip.example.net'), 'sip:0145678901@voip.example.net');
  assert.is(proxyRequestUri('a b@c', 'd.example'), 'sip:a%20b%40c@d.example');
});

test('response parsing: status line, compact headers, folding, several Via', () => {
  const raw = [
    'SIP/2.0 200 OK',
    'v: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKtop;rport=5070;received=127.0.0.1, SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKold',
    'Via: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKthird',
    'f: <sip:cadran@x>;tag=1',
    't: <sip:u@x>;tag=2',
    'i: abc@cadran',
    'CSeq: 7',
    '   NOTIFY',
    'l: 0',
    '',
    '',
  ].join('\r\n');
  const msg = parseSipMessage(Buffer.from(raw));
  assert.ok(msg && msg.kind === 'response');
  if (msg?.kind !== 'response') return;
  assert.is(msg.status, 200);
  assert.is(msg.reason, 'OK');
  assert.is(topViaBranch(msg), 'z9hG4bKtop');
  assert.equal(parseCSeq(msg), { seq: 7, method: 'NOTIFY' });
  assert.is(header(msg, 'Call-ID'), 'abc@cadran');
  assert.is(header(msg, 'content-length'), '0');
});

test('bare LF line ends and a request start line are understood', () => {
  const msg = parseSipMessage(Buffer.from('OPTIONS sip:cadran@127.0.0.1 SIP/2.0\nCall-ID: x\nCSeq: 1 OPTIONS\n\n'));
  assert.ok(msg && msg.kind === 'request' && msg.method === 'OPTIONS');
});

test('garbage is null, never an exception', () => {
  const samples = [
    '',
    'SIP/2.0 200 OK', // no blank line
    'SIP/2.0 99 Low\r\n\r\n',
    'SIP/2.0 700 High\r\n\r\n',
    'HTTP/1.1 200 OK\r\n\r\n',
    'SIP/2.0 200 OK\r\n no-header-before-fold\r\n\r\n',
    'SIP/2.0 200 OK\r\nBad Header Name: x\r\n\r\n',
    'SIP/2.0 200 OK\r\n' + 'X-A: 1\r\n'.repeat(200) + '\r\n',
    '\u0000\u0001\u0002\r\n\r\n',
  ];
  for (const s of samples) assert.is(parseSipMessage(Buffer.from(s)), null, JSON.stringify(s.slice(0, 40)));
  for (let i = 0; i < 2000; i++) {
    const junk = randomBytes(1 + (i % 300));
    const prefixed = Buffer.concat([Buffer.from('SIP/2.0 200 OK\r\nVia: '), junk, Buffer.from('\r\n\r\n')]);
    for (const b of [junk, prefixed]) {
      const m = parseSipMessage(b);
      if (m) topViaBranch(m), parseCSeq(m);
    }
  }
  assert.is(parseSipMessage(Buffer.alloc(70_000, 0x41)), null);
});

test('challenge parsing: quoted strings with commas and escapes, tokens, bad input', () => {
  const c = parseChallenge('Digest realm="a, \\"b\\"", nonce="n1",qop="auth,auth-int", algorithm=MD5, stale=FALSE');
  assert.equal(c, { scheme: 'Digest', params: { realm: 'a, "b"', nonce: 'n1', qop: 'auth,auth-int', algorithm: 'MD5', stale: 'FALSE' } });
  assert.is(parseChallenge('Digest realm="unterminated'), null);
  assert.is(parseChallenge('Digest =x'), null);
  assert.is(parseChallenge(''), null);
});

test.run();
