// Digest answers against the published RFC examples (computed by the RFC authors, not by us).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { digestAuthorization, digestResponse, parseDigestChallenge } from '../server/sip/digest.ts';

test('RFC 2617 §3.5 example (MD5, qop=auth)', () => {
  const r = digestResponse({
    algorithm: 'MD5',
    username: 'Mufasa',
    realm: 'testrealm@host.com',
    password: 'Circle Of Life',
    method: 'GET',
    uri: '/dir/index.html',
    nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
    qop: 'auth',
    nc: '00000001',
    cnonce: '0a4f113b',
  });
  assert.is(r, '6629fae49393a05397450978507c4ef1');
});

const rfc7616 = {
  username: 'Mufasa',
  realm: 'http-auth@example.org',
  password: 'Circle of Life',
  method: 'GET',
  uri: '/dir/index.html',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  qop: 'auth' as const,
  nc: '00000001',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
};

test('RFC 7616 §3.9.1 example, MD5 and SHA-256', () => {
  assert.is(digestResponse({ ...rfc7616, algorithm: 'MD5' }), '8ca523f5e9506fed4657c9700eebdbec');
  assert.is(digestResponse({ ...rfc7616, algorithm: 'SHA-256' }), '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
});

test('challenge: defaults to MD5, qop list, unsupported algorithm or scheme refused', () => {
  assert.equal(parseDigestChallenge('Digest realm="r", nonce="n"'), { realm: 'r', nonce: 'n', opaque: undefined, algorithm: 'MD5', qop: [] });
  assert.equal(parseDigestChallenge('Digest realm="r", nonce="n", qop="auth-int, auth", opaque="o"')?.qop, ['auth-int', 'auth']);
  assert.is(parseDigestChallenge('Digest realm="r", nonce="n", algorithm=SHA-512-256'), null);
  assert.is(parseDigestChallenge('Basic realm="r"'), null);
  assert.is(parseDigestChallenge('Digest realm="r"'), null, 'no nonce');
});

test('Authorization header: qop=auth when offered, without qop otherwise, quotes escaped', () => {
  const cred = { username: 'u"1', password: 'p' };
  const withQop = digestAuthorization({ realm: 'r', nonce: 'n', algorithm: 'MD5', qop: ['auth'], opaque: 'o' }, cred, 'NOTIFY', 'sip:a@b', 'cn');
  assert.match(withQop, /^Digest username="u\\"1", realm="r", nonce="n", uri="sip:a@b", response="[0-9a-f]{32}", algorithm=MD5, opaque="o", qop=auth, nc=00000001, cnonce="cn"$/);
  const plain = digestAuthorization({ realm: 'r', nonce: 'n', algorithm: 'MD5', qop: [] }, cred, 'NOTIFY', 'sip:a@b', 'cn');
  assert.not.match(plain, /qop|cnonce|opaque/);
});

test.run();
