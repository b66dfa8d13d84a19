// Provisioning security checks of the phone listeners: IP/CIDR allowlists and HTTP
// authentication (Basic, RFC 7617; Digest, RFC 7616 in the MD5 + qop=auth form desk phones
// implement, RFC 2069 responses without qop accepted too). Everything parsed here comes from the
// network: bounded lengths, no throwing on garbage.
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { digestResponse } from '../sip/digest.ts';

/** `::ffff:192.0.2.1` (an IPv4 client on a dual-stack socket) → `192.0.2.1`. */
export function normalizeIp(address: string): string {
  if (address.startsWith('::ffff:')) {
    const v4 = address.slice(7);
    if (isIPv4(v4)) return v4;
  }
  return address;
}

/** A tenant allowlist (`192.0.2.0/24`, `2001:db8::/32`, bare addresses) as a matcher. */
export function compileAllowlist(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const raw of entries) {
    const [addr = '', prefix] = raw.trim().split('/');
    const type = isIPv4(addr) ? 'ipv4' : isIPv6(addr) ? 'ipv6' : null;
    if (!type) continue; // the API validated the shape; an unparsable entry allows nobody
    if (prefix === undefined) list.addAddress(addr, type);
    else {
      const bits = Number(prefix);
      const max = type === 'ipv4' ? 32 : 128;
      if (Number.isInteger(bits) && bits >= 0 && bits <= max) list.addSubnet(addr, bits, type);
    }
  }
  return list;
}

export function allowed(list: BlockList, ip: string): boolean {
  const type = isIPv4(ip) ? 'ipv4' : isIPv6(ip) ? 'ipv6' : null;
  return type !== null && list.check(ip, type);
}

/** Constant-time string comparison (lengths are not secret). */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface Credentials {
  username: string;
  password: string;
}

export const DIGEST_REALM = 'cadran';
/** How long a nonce is accepted; an older one gets `stale=true` and the phone retries at once. */
export const NONCE_TTL_SECONDS = 300;


/**
 * Stateless nonces: expiry time + HMAC of it under a secret shared by every phone worker, so a
 * nonce handed out by one process is checked by another without shared state.
 */
export class NonceIssuer {
  constructor(private readonly secret: Buffer) {}

  issue(nowMs = Date.now()): string {
    const expires = Math.floor(nowMs / 1000) + NONCE_TTL_SECONDS;
    return `${expires.toString(36)}.${this.#mac(expires)}`;
  }

  /** 'ok', 'stale' (well-formed, ours, expired) or 'invalid'. */
  check(nonce: string, nowMs = Date.now()): 'ok' | 'stale' | 'invalid' {
    const dot = nonce.indexOf('.');
    if (dot < 1 || dot > 12 || nonce.length > 64) return 'invalid';
    const expires = parseInt(nonce.slice(0, dot), 36);
    if (!Number.isSafeInteger(expires) || expires.toString(36) !== nonce.slice(0, dot)) return 'invalid';
    if (!sameSecret(nonce.slice(dot + 1), this.#mac(expires))) return 'invalid';
    return expires * 1000 < nowMs ? 'stale' : 'ok';
  }

  #mac(expires: number): string {
    return createHmac('sha256', this.secret).update(String(expires)).digest('base64url').slice(0, 32);
  }
}

/** `WWW-Authenticate` value asking for `mode`. */
export function challenge(mode: 'basic' | 'digest', nonces: NonceIssuer, stale = false): string {
  if (mode === 'basic') return `Basic realm="${DIGEST_REALM}", charset="UTF-8"`;
  return `Digest realm="${DIGEST_REALM}", qop="auth", algorithm=MD5, nonce="${nonces.issue()}"${stale ? ', stale=true' : ''}`;
}

/** Parameters of a `Digest a=b, c="d"` header; null when it is not one or is malformed. */
export function parseDigest(header: string): Record<string, string> | null {
  if (header.length > 4096 || !/^digest\s/i.test(header)) return null;
  const out: Record<string, string> = {};
  const re = /\s*([A-Za-z0-9_-]{1,32})\s*=\s*(?:"((?:[^"\\]|\\.){0,1024})"|([^\s,"]{0,1024}))\s*(?:,|$)/y;
  re.lastIndex = 6;
  let count = 0;
  while (re.lastIndex < header.length) {
    const m = re.exec(header);
    if (!m || ++count > 20) return null;
    out[m[1]!.toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]!;
  }
  return out;
}

export type AuthOutcome = 'ok' | 'missing' | 'wrong' | 'stale';

/**
 * Check an `Authorization` header against the expected credentials. `missing` means the client
 * sent nothing usable (the normal first step of Digest), `wrong` a real failure.
 */
export function checkAuthorization(
  mode: 'basic' | 'digest',
  header: string | undefined,
  expected: Credentials,
  request: { method: string; uri: string },
  nonces: NonceIssuer,
): AuthOutcome {
  if (!header) return 'missing';
  if (mode === 'basic') {
    const m = /^basic\s+([A-Za-z0-9+/=]{1,1024})\s*$/i.exec(header);
    if (!m) return /^basic\s/i.test(header) ? 'wrong' : 'missing';
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return 'wrong';
    const okUser = sameSecret(decoded.slice(0, colon), expected.username);
    const okPass = sameSecret(decoded.slice(colon + 1), expected.password);
    return okUser && okPass ? 'ok' : 'wrong';
  }
  const p = parseDigest(header);
  if (!p) return /^digest\s/i.test(header) ? 'wrong' : 'missing';
  const { username, realm, nonce, uri, response, qop, nc, cnonce } = p;
  if (!username || !realm || !nonce || !uri || !response) return 'wrong';
  if (p.algorithm && p.algorithm.toUpperCase() !== 'MD5') return 'wrong';
  if (realm !== DIGEST_REALM || !sameSecret(username, expected.username)) return 'wrong';
  // The digest covers `uri`: it must be the resource asked for (some clients drop the query).
  const path = request.uri.split('?')[0];
  if (uri !== request.uri && uri !== path) return 'wrong';
  const state = nonces.check(nonce);
  if (state === 'invalid') return 'wrong';
  if (qop !== undefined && !(qop === 'auth' && nc && cnonce)) return 'wrong';
  // Same RFC 2617 computation as the SIP side answering a proxy's challenge.
  const want = digestResponse({
    algorithm: 'MD5', username: expected.username, realm: DIGEST_REALM, password: expected.password,
    method: request.method, uri, nonce, ...(qop ? { qop, nc, cnonce } : {}),
  });
  if (!sameSecret(response.toLowerCase(), want)) return 'wrong';
  return state === 'stale' ? 'stale' : 'ok';
}
