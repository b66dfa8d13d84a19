// The phone path's building blocks on their own: path grammar, rendered-file cache, probe guard,
// allowlists, Digest parsing and nonces, activity batching.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parsePhonePath, parseQuery, identifyPhone } from '../server/provision/resolve.ts';
import { RenderCache, TEMPLATE_RECHECK_MS, type SharedRender } from '../server/provision/cache.ts';
import { ChangeSequence } from '../server/phone/workers.ts';
import { Guard } from '../server/provision/guard.ts';
import { ActivityRecorder, type ActivityBatch } from '../server/provision/activity.ts';
import { NonceIssuer, allowed, checkAuthorization, compileAllowlist, normalizeIp, parseDigest } from '../server/provision/security.ts';

test('phone paths: bare names and /p/<token>/<name>, nothing else', () => {
  assert.equal(parsePhonePath('/805ec0000001.cfg'), { ok: true, file: '805ec0000001.cfg', token: null });
  assert.equal(parsePhonePath('/p/abcdefghijklmnop/y000000000108.cfg'), { ok: true, file: 'y000000000108.cfg', token: 'abcdefghijklmnop' });
  assert.equal(parsePhonePath('/snomD785%2D000413000003.htm'), { ok: true, file: 'snomD785-000413000003.htm', token: null });
  for (const p of ['/../x', '/%2e%2e/x', '/%2E%2E%2Fx', '/a%2fb', '/..%5cx', '/p/tok/../x', '/%00x', '/x%']) {
    const r = parsePhonePath(p);
    assert.is(r.ok, false, p);
    if (!r.ok) assert.is(r.status, 400, p);
  }
  for (const p of ['/', '/a/b', '/etc/passwd', '//x', '/p/tok', '/q/tok/x']) assert.is(parsePhonePath(p).ok, false, p);
  assert.is(parsePhonePath('x').ok, false);
});

test('query: first value of each name, bounded', () => {
  assert.equal(parseQuery('mac=000413000003&mac=x&a=1'), { mac: '000413000003', a: '1' });
  assert.is(parseQuery(''), undefined);
  assert.is(parseQuery('a'.repeat(3000)), undefined);
});

test('identification: vendor modules, then a MAC in the name, then the OUI', () => {
  assert.is(identifyPhone('805ec0000001.cfg', undefined, undefined).vendor, 'yealink');
  const ua = identifyPhone('y000000000108.cfg', 'Yealink SIP-T54W 96.86.0.100 80:5e:c0:00:00:01', undefined);
  assert.equal([ua.vendor, ua.mac, ua.firmware], ['yealink', '805ec0000001', '96.86.0.100']);
  // Outside every known OUI: the MAC is still taken from the name.
  const other = identifyPhone('aabbcc000001.cfg', undefined, undefined);
  assert.is(other.mac, 'aabbcc000001');
  assert.is(identifyPhone('favicon.ico', 'curl/8', undefined).mac, null);
  assert.is(identifyPhone('000000000000.cfg', undefined, undefined).mac, null, 'placeholder MAC is no phone');
  // Shared and boot files of every vendor carry twelve hex digits that are no phone.
  for (const f of ['y000000000123.cfg', 'y000000000096.cfg', 'y000000000000.boot', '000000000000-license.cfg', '000000000000-directory.xml', 'snomD785.htm', 'snomD785-firmware.xml']) {
    const id = identifyPhone(f, undefined, undefined);
    assert.is(id.mac, null, f);
    assert.ok(id.vendor, `${f} is a vendor's file`);
  }
});

test('cache: renders once, invalidates per MAC and all, keeps validators for equal bytes', async () => {
  let renders = 0;
  let content = 'one';
  const render = () => {
    renders++;
    return { contentType: 'text/plain', body: Buffer.from(content), sensitive: false };
  };
  const c = new RenderCache();
  const a = (await c.get('k1', 'm1', render))!;
  const hit = c.get('k1', 'm1', render);
  assert.not.instance(hit, Promise, 'a hit is answered at once');
  assert.is(hit, a);
  assert.is(renders, 1);
  c.invalidate(['m2']);
  await c.get('k1', 'm1', render);
  assert.is(renders, 1, 'another MAC changed');
  c.invalidate(['m1']);
  assert.is(c.peek('k1'), undefined, 'stale: no hit');
  const same = (await c.get('k1', 'm1', render))!;
  assert.is(renders, 2);
  assert.is(same.etag, a.etag);
  assert.is(same.lastModified, a.lastModified, 'same bytes: same Last-Modified');
  content = 'two';
  c.invalidate('*');
  const changed = (await c.get('k1', 'm1', render))!;
  assert.is.not(changed.etag, a.etag);
  assert.is(await c.get('k2', null, () => null), null);
  assert.is(c.size, 1, 'nothing cached for a file that does not render');
});

test('cache: concurrent misses share one render; a render overtaken by an invalidation is not kept as fresh', async () => {
  const c = new RenderCache();
  let renders = 0;
  let release!: () => void;
  const slow = () => {
    renders++;
    return new Promise<{ contentType: string; body: Buffer; sensitive: boolean }>((resolve) => {
      release = () => resolve({ contentType: 'text/plain', body: Buffer.from(`v${renders}`), sensitive: false });
    });
  };
  const first = c.get('k', 'm', slow);
  const second = c.get('k', 'm', slow);
  await new Promise((r) => setImmediate(r));
  assert.is(renders, 1, 'one render for both requests');
  c.invalidate(['m']); // the device changed while its file was rendering
  release();
  assert.is((await first)!.body.toString(), 'v1');
  assert.is((await second)!.body.toString(), 'v1');
  assert.is(c.peek('k'), undefined, 'not a fresh hit: the next request renders again');
  const again = c.get('k', 'm', slow);
  await new Promise((r) => setImmediate(r));
  release();
  assert.is((await again)!.body.toString(), 'v2');
  assert.is(c.peek('k')!.body.toString(), 'v2');
});

test('cache: a template generation change drops everything; the byte bound holds', async () => {
  let gen = 0;
  let renders = 0;
  const c = new RenderCache({ generation: () => gen, maxBytes: 10 });
  const render = () => {
    renders++;
    return { contentType: 'text/plain', body: Buffer.from('123456'), sensitive: true };
  };
  await c.get('a', 'm', render);
  await c.get('a', 'm', render);
  gen++;
  await c.get('a', 'm', render);
  assert.is(renders, 2);
  await c.get('b', 'm', render);
  assert.is(c.size, 1, 'over the byte bound: the least recently used went');
});

test('cache: 210,000 distinct URL roots (Host headers) for one file keep 4 entries; real roots stay', async () => {
  let renders = 0;
  const c = new RenderCache();
  const render = () => {
    renders++;
    return { contentType: 'text/plain', body: Buffer.alloc(2000, 0x61), sensitive: false };
  };
  const group = '@yealink\ny000000000000.cfg';
  // The phones' own root, used again and again.
  for (let i = 0; i < 10; i++) await c.get(`${group}\nhttp://prov.example/`, null, render, group);
  for (let i = 0; i < 210_000; i++) {
    const root = `http://h${i}.attacker.example/`;
    await c.get(`${group}\n${root}`, null, render, group);
  }
  assert.ok(c.size <= 4, `entries: ${c.size}`);
  assert.ok(c.bytes < 20_000, `bytes: ${c.bytes}`);
  const before = renders;
  await c.get(`${group}\nhttp://prov.example/`, null, render, group);
  assert.is(renders, before, "the phones' root is still cached");
});

test('cache: the number of entries is bounded as well as the bytes (keys count)', async () => {
  const c = new RenderCache({ maxEntries: 1000 });
  const render = () => ({ contentType: 'text/plain', body: Buffer.from('x'), sensitive: false });
  for (let i = 0; i < 50_000; i++) await c.get(`${'k'.repeat(200)}${i}`, `m${i % 500}`, render);
  assert.is(c.size, 1000);
  const small = new RenderCache({ maxBytes: 100_000 });
  for (let i = 0; i < 10_000; i++) await small.get(`${'k'.repeat(1000)}${i}`, null, render);
  assert.ok(small.bytes <= 100_000, `keys are charged: ${small.bytes}`);
  assert.ok(small.size < 100, String(small.size));
});

test('cache sharing: a fresh render is offered with the change sequence it started under; another cache adopts it', async () => {
  const offers: SharedRender[] = [];
  let seq = 7;
  const a = new RenderCache({ share: (f) => offers.push(f), seq: () => seq });
  const render = () => ({ contentType: 'text/plain', body: Buffer.from('bytes of m1'), sensitive: true });
  const t0 = Date.now();
  const made = (await a.get('k1', 'm1', render, 'g1'))!;
  assert.is(offers.length, 1);
  const o = offers[0]!;
  assert.equal([o.key, o.group, o.mac, o.seq, o.etag, o.lastModified, o.sensitive], ['k1', 'g1', 'm1', 7, made.etag, made.lastModified, true]);
  assert.ok(o.startedAt >= t0 && o.startedAt <= Date.now());
  a.get('k1', 'm1', render);
  assert.is(offers.length, 1, 'a hit offers nothing');
  // A render overtaken by an invalidation is not offered.
  let release!: () => void;
  const slow = () => new Promise<{ contentType: string; body: Buffer; sensitive: boolean }>((r) => (release = () => r({ contentType: 'text/plain', body: Buffer.from('x'), sensitive: false })));
  seq = 8;
  const pending = a.get('k2', 'm2', slow);
  await new Promise((r) => setImmediate(r));
  a.invalidate(['m2']);
  release();
  await pending;
  assert.is(offers.length, 1, 'stale render not offered');

  let renders = 0;
  const b = new RenderCache();
  assert.ok(b.adopt(o));
  const got = b.get('k1', 'm1', () => (renders++, null));
  assert.not.instance(got, Promise, 'adopted: answered at once');
  assert.ok((got as { body: Buffer }).body.equals(Buffer.from('bytes of m1')));
  assert.is((got as { etag: string }).etag, made.etag, 'same validators in every worker');
  assert.is(renders, 0);
  assert.not.ok(b.adopt({ ...o, body: Buffer.from('other') }), 'a fresh entry is kept');
  b.invalidate(['m1']);
  assert.ok(b.adopt(o), 'a stale entry is replaced');
});

test('cache sharing: an offer rendered before a template change seen here is refused', async () => {
  let gen = 0;
  const b = new RenderCache({ generation: () => gen });
  const offer = (startedAt: number): SharedRender => ({
    key: 'k', group: 'k', mac: null, body: Buffer.from('old template'), contentType: 'text/plain', sensitive: false,
    etag: '"x"', lastModified: 0, seq: 0, startedAt,
  });
  assert.ok(b.adopt(offer(Date.now())));
  gen++;
  const seenAt = Date.now();
  assert.is(b.peek('k'), undefined, 'the template change drops everything');
  assert.not.ok(b.adopt(offer(seenAt - 1)), 'rendered before the change was seen');
  assert.not.ok(b.adopt(offer(seenAt + TEMPLATE_RECHECK_MS - 1)), 'may predate it in its process');
  assert.ok(b.adopt(offer(seenAt + TEMPLATE_RECHECK_MS + 1)));
});

test('change sequence: an offer is current unless a later change named its device, all devices, or was forgotten', () => {
  const s = new ChangeSequence();
  assert.ok(s.currentFor('m1', 0));
  const one = s.next(['m1']);
  assert.is(one, 1);
  assert.not.ok(s.currentFor('m1', 0), 'm1 changed after the render started');
  assert.ok(s.currentFor('m1', 1));
  assert.ok(s.currentFor('m2', 0), 'another device');
  assert.ok(s.currentFor(null, 0), 'neutral files follow only "all"');
  s.next('*');
  assert.not.ok(s.currentFor('m2', 1));
  assert.not.ok(s.currentFor(null, 1));
  assert.ok(s.currentFor('m2', 2));
  // Past the remembered changes, older offers are refused (a lost share, never a stale file).
  s.next(Array.from({ length: 60_000 }, (_, i) => `x${i}`));
  assert.not.ok(s.currentFor('m2', 2));
  assert.ok(s.currentFor('m2', 3));
});

test('guard: distinct unknown MACs slow then block; repeats do not count; blocks expire', () => {
  const blocks: string[] = [];
  const g = new Guard({ unknownPerMinute: 4, blockSeconds: 10, onBlock: (ip) => blocks.push(ip) });
  const t = 1_000_000;
  for (let i = 0; i < 10; i++) g.strike('10.0.0.1', 'unknown', 'same', t);
  assert.equal(g.check('10.0.0.1', t), { blocked: false, delayMs: 0, spoofable: false });
  for (let i = 0; i < 3; i++) g.strike('10.0.0.2', 'unknown', `m${i}`, t);
  const slowed = g.check('10.0.0.2', t);
  assert.ok(!slowed.blocked && slowed.delayMs > 0, JSON.stringify(slowed));
  g.strike('10.0.0.2', 'unknown', 'm3', t);
  g.strike('10.0.0.2', 'unknown', 'm4', t);
  const v = g.check('10.0.0.2', t + 1000);
  assert.ok(v.blocked);
  if (v.blocked) assert.is(v.retryAfterSeconds, 9);
  assert.equal(blocks, ['10.0.0.2']);
  assert.equal(g.check('10.0.0.3', t), { blocked: false, delayMs: 0, spoofable: false }, 'other addresses untouched');
  assert.not.ok(g.check('10.0.0.2', t + 11_000).blocked, 'block over');
  for (let i = 0; i < 5; i++) g.strike('10.0.0.4', 'auth', '', t);
  assert.ok(g.check('10.0.0.4', t).blocked, 'failed authentications block too');
  g.block('10.0.0.5', t + 5000, t);
  assert.ok(g.check('10.0.0.5', t).blocked, 'a relayed block applies');
});

test('guard: a trusted network (a site behind one NAT address) is never blocked for unknown MACs; failed authentications still count', () => {
  const g = new Guard({ unknownPerMinute: 4, blockSeconds: 10, trustedNetworks: ['192.0.2.0/24', '2001:db8::/32'] });
  const t = 1_000_000;
  for (const ip of ['192.0.2.17', '::ffff:192.0.2.18', '2001:db8::5']) {
    for (let i = 0; i < 100; i++) g.strike(ip, 'unknown', `805ec0aa${String(i).padStart(4, '0')}`, t);
    assert.equal(g.check(ip, t), { blocked: false, delayMs: 0, spoofable: false }, ip);
  }
  for (let i = 0; i < 5; i++) g.strike('192.0.2.17', 'auth', '', t);
  assert.ok(g.check('192.0.2.17', t).blocked, 'guessing passwords is blocked anywhere');
  for (let i = 0; i < 5; i++) g.strike('192.0.2.40', 'unknown', `token:guess${i}`, t);
  assert.ok(g.check('192.0.2.40', t).blocked, 'guessing URL tokens too');
  for (let i = 0; i < 5; i++) g.strike('192.0.2.41', 'unknown', `file:scan${i}.cfg`, t);
  assert.ok(g.check('192.0.2.41', t).blocked, 'and scanning file names');
  for (let i = 0; i < 5; i++) g.strike('198.51.100.1', 'unknown', `m${i}`, t);
  assert.ok(g.check('198.51.100.1', t).blocked, 'other addresses as before');
});

test('guard: UDP (forgeable) evidence never blocks HTTP, is marked spoofable for TFTP, and is not relayed', () => {
  const blocks: string[] = [];
  const g = new Guard({ unknownPerMinute: 4, blockSeconds: 10, onBlock: (ip) => blocks.push(ip) });
  const t = 1_000_000;
  for (let i = 0; i < 6; i++) g.strike('10.0.1.1', 'unknown', `m${i}`, t, true);
  assert.equal(g.check('10.0.1.1', t), { blocked: false, delayMs: 0, spoofable: false }, 'HTTP from that address is untouched');
  assert.equal(g.check('10.0.1.1', t, true), { blocked: true, retryAfterSeconds: 10, spoofable: true });
  assert.equal(blocks, [], 'a UDP block is not relayed to the HTTP workers');
  // Evidence over TCP still blocks both.
  for (let i = 0; i < 6; i++) g.strike('10.0.1.2', 'unknown', `m${i}`, t);
  assert.equal(g.check('10.0.1.2', t, true), { blocked: true, retryAfterSeconds: 10, spoofable: false });
  assert.equal(blocks, ['10.0.1.2']);
  // A slow-down from UDP evidence is marked spoofable too.
  for (let i = 0; i < 3; i++) g.strike('10.0.1.3', 'unknown', `m${i}`, t, true);
  const v = g.check('10.0.1.3', t, true);
  assert.ok(!v.blocked && v.delayMs > 0 && v.spoofable, JSON.stringify(v));
});

test('allowlist: v4, v6, CIDR, IPv4-mapped clients', () => {
  const l = compileAllowlist(['192.0.2.0/24', '2001:db8::/32', '198.51.100.7', 'garbage', '10.0.0.0/99']);
  assert.ok(allowed(l, '192.0.2.200'));
  assert.not.ok(allowed(l, '192.0.3.1'));
  assert.ok(allowed(l, '2001:db8:1::5'));
  assert.not.ok(allowed(l, '2001:db9::1'));
  assert.ok(allowed(l, '198.51.100.7'));
  assert.not.ok(allowed(l, '10.0.0.1'));
  assert.ok(allowed(l, normalizeIp('::ffff:192.0.2.9')));
  assert.not.ok(allowed(l, 'not-an-ip'));
});

test('digest: header parsing is bounded and strict', () => {
  assert.equal(parseDigest('Digest username="a", realm="r", nc=00000001, uri="/x?y=1"'), { username: 'a', realm: 'r', nc: '00000001', uri: '/x?y=1' });
  assert.equal(parseDigest('Digest username="a\\"b"'), { username: 'a"b' });
  assert.is(parseDigest('Basic abc'), null);
  assert.is(parseDigest(`Digest ${'a=b, '.repeat(30)}`), null);
  assert.is(parseDigest('Digest username="a'), null);
  assert.is(parseDigest(`Digest x="${'a'.repeat(5000)}"`), null);
});

test('nonces: own, fresh ones pass; forged fail; expired are stale', () => {
  const n = new NonceIssuer(Buffer.from('k'.repeat(32)));
  const other = new NonceIssuer(Buffer.from('z'.repeat(32)));
  const t = Date.now();
  const nonce = n.issue(t);
  assert.is(n.check(nonce, t), 'ok');
  assert.is(other.check(nonce, t), 'invalid');
  assert.is(n.check(nonce, t + 3600_000), 'stale');
  assert.is(n.check('zz.' + nonce.split('.').slice(1).join('.'), t), 'invalid');
  assert.is.not(n.issue(t), nonce, 'two nonces of the same second differ');
  assert.is(n.check('garbage', t), 'invalid');
  const r = checkAuthorization('digest', 'Digest username="u", realm="cadran", nonce="x.y", uri="/a", response="0"', { username: 'u', password: 'p' }, { method: 'GET', uri: '/a' }, n);
  assert.is(r, 'wrong');
  assert.is(checkAuthorization('basic', undefined, { username: 'u', password: 'p' }, { method: 'GET', uri: '/a' }, n), 'missing');
});

test('activity: one entry per MAC until the flush, hits add up, a failing sink loses nothing else', async () => {
  const batches: ActivityBatch[] = [];
  const errors: unknown[] = [];
  let fail = true;
  const rec = new ActivityRecorder(
    (b) => {
      if (fail) throw new Error('disk full');
      batches.push(b);
    },
    (e) => errors.push(e),
  );
  const s = (file: string) => ({ mac: 'm1', at: 'now', ip: '1', userAgent: null, firmware: null, file, protocol: 'http' });
  rec.sighting(s('a'));
  await rec.flush();
  assert.is(errors.length, 1);
  fail = false;
  rec.sighting(s('a'));
  rec.sighting(s('b'));
  rec.unknown({ mac: 'u1', vendor: 'v', model: null, ip: '1', userAgent: 'ua', lastSeen: 't1' });
  rec.unknown({ mac: 'u1', vendor: null, model: 'M', ip: '2', userAgent: null, lastSeen: 't2' });
  await rec.stop();
  assert.is(batches.length, 1);
  assert.equal(batches[0]!.sightings.map((x) => x.file), ['b']);
  assert.equal(batches[0]!.unknown, [{ mac: 'u1', vendor: 'v', model: 'M', ip: '2', userAgent: 'ua', lastSeen: 't2', hits: 2 }]);
  await rec.flush();
  assert.is(batches.length, 1, 'nothing pending: no empty batch');
});

test.run();
