// HTTP Digest answers to SIP 401/407 challenges (RFC 3261 §22.4, RFC 2617 §3.2.2, RFC 7616 §3.4).
// MD5 is what desk phones and softswitches use; SHA-256 (RFC 8760) costs nothing extra here.
import { createHash } from 'node:crypto';
import { parseChallenge } from './message.ts';

export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque?: string;
  /** Upper-case, e.g. MD5, MD5-SESS, SHA-256. */
  algorithm: string;
  /** qop options offered by the server (empty: RFC 2069 compatibility, no qop). */
  qop: string[];
}

export interface DigestCredentials {
  username: string;
  password: string;
}

const HASHES: Record<string, string> = { MD5: 'md5', 'SHA-256': 'sha256' };

function hashOf(algorithm: string): string | undefined {
  return HASHES[algorithm.replace(/-SESS$/, '')];
}

/** A usable Digest challenge from a WWW-/Proxy-Authenticate value, or null. */
export function parseDigestChallenge(value: string): DigestChallenge | null {
  const c = parseChallenge(value);
  if (!c || c.scheme.toLowerCase() !== 'digest') return null;
  const { realm, nonce, opaque } = c.params;
  if (realm === undefined || !nonce) return null;
  const algorithm = (c.params.algorithm || 'MD5').toUpperCase();
  if (!hashOf(algorithm)) return null;
  const qop = (c.params.qop ?? '').split(',').map((q) => q.trim().toLowerCase()).filter(Boolean);
  return { realm, nonce, opaque, algorithm, qop };
}

export interface DigestInput {
  algorithm: string;
  username: string;
  realm: string;
  password: string;
  method: string;
  uri: string;
  nonce: string;
  /** Present together with nc and cnonce when the server offered qop. */
  qop?: 'auth' | 'auth-int';
  nc?: string;
  cnonce?: string;
  /** Message body, for qop=auth-int (our NOTIFY has none). */
  body?: string;
}

/** The `response` value: H(HA1:nonce[:nc:cnonce:qop]:HA2). */
export function digestResponse(d: DigestInput): string {
  const name = hashOf(d.algorithm.toUpperCase());
  if (!name) throw new Error(`digest algorithm ${d.algorithm} is not supported`);
  const h = (s: string) => createHash(name).update(s, 'utf8').digest('hex');
  let ha1 = h(`${d.username}:${d.realm}:${d.password}`);
  if (/-SESS$/i.test(d.algorithm)) ha1 = h(`${ha1}:${d.nonce}:${d.cnonce ?? ''}`);
  const ha2 = d.qop === 'auth-int' ? h(`${d.method}:${d.uri}:${h(d.body ?? '')}`) : h(`${d.method}:${d.uri}`);
  return d.qop ? h(`${ha1}:${d.nonce}:${d.nc}:${d.cnonce}:${d.qop}:${ha2}`) : h(`${ha1}:${d.nonce}:${ha2}`);
}

function quote(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => '\\' + c)}"`;
}

/** Authorization / Proxy-Authorization header value answering `ch` (first use of its nonce). */
export function digestAuthorization(ch: DigestChallenge, cred: DigestCredentials, method: string, uri: string, cnonce: string): string {
  const qop = ch.qop.includes('auth') ? 'auth' : ch.qop.includes('auth-int') ? 'auth-int' : undefined;
  const nc = '00000001';
  const response = digestResponse({ ...cred, algorithm: ch.algorithm, realm: ch.realm, method, uri, nonce: ch.nonce, qop, nc, cnonce });
  const parts = [
    `username=${quote(cred.username)}`,
    `realm=${quote(ch.realm)}`,
    `nonce=${quote(ch.nonce)}`,
    `uri=${quote(uri)}`,
    `response=${quote(response)}`,
    `algorithm=${ch.algorithm}`,
  ];
  if (ch.opaque !== undefined) parts.push(`opaque=${quote(ch.opaque)}`);
  if (qop) parts.push(`qop=${qop}`, `nc=${nc}`, `cnonce=${quote(cnonce)}`);
  return `Digest ${parts.join(', ')}`;
}
