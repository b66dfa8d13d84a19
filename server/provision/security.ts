// Provisioning security checks of the phone listeners: IP/CIDR allowlists and HTTP
// authentication (Basic, RFC 7617; Digest, RFC 7616 in the MD5 + qop=auth form desk phones
// implement, RFC 2069 responses without qop accepted too). Everything parsed here comes from the
// network: bounded lengths, no throwing on garbage.
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
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


/** Nonces whose use is tracked at once; past this the oldest are forgotten. */
const MAX_TRACKED_NONCES = 100_000;
/** nonce-counts remembered per nonce; past this only a count above all seen ones is accepted. */
const MAX_COUNTS_PER_NONCE = 256;

interface NonceUse {
  expires: number;
  /** Highest nc seen and the recent ones (a client may send requests in parallel, out of order). */
  max: number;
  counts: Set<number>;
  /** Used without qop (RFC 2069): such a nonce is good for one request only. */
  bare: boolean;
}

/**
 * Stateless nonces: expiry time + HMAC of it under a secret shared by every phone worker, so a
 * nonce handed out by one process is checked by another without shared state.
 *
 * Replay (issue 12): a captured Authorization header must not fetch the file again. Each process
 * remembers, per nonce, the nonce-counts (RFC 7616 §3.4: `nc` grows with each request on a
 * nonce) it accepted; the same `nc` again — or a second use of a nonce without qop — is answered
 * like an expired nonce (401, stale=true, a fresh nonce), so a real phone just retries while a
 * replayed header gets nothing. The tracking is per process: with N phone workers a replayed
 * header could be accepted once by each of them at most, within the nonce's 300 s; sharing it
 * would put an IPC round trip on every authenticated fetch.
 */
export class NonceIssuer {
  readonly #uses = new Map<string, NonceUse>();
  #lastSweep = 0;

  constructor(private readonly secret: Buffer) {}

  issue(nowMs = Date.now()): string {
    const expires = Math.floor(nowMs / 1000) + NONCE_TTL_SECONDS;
    // A random part: two phones challenged in the same second get different nonces, so one's
    // first use (nc=1) is never taken for a replay of the other's.
    const salt = randomBytes(9).toString('base64url');
    return `${expires.toString(36)}.${salt}.${this.#mac(expires, salt)}`;
  }

  /** 'ok', 'stale' (well-formed, ours, expired) or 'invalid'. */
  check(nonce: string, nowMs = Date.now()): 'ok' | 'stale' | 'invalid' {
    if (nonce.length > 64) return 'invalid';
    const parts = nonce.split('.');
    if (parts.length !== 3) return 'invalid';
    const [exp, salt, mac] = parts as [string, string, string];
    if (exp.length < 1 || exp.length > 12 || !/^[A-Za-z0-9_-]{12}$/.test(salt)) return 'invalid';
    const expires = parseInt(exp, 36);
    if (!Number.isSafeInteger(expires) || expires.toString(36) !== exp) return 'invalid';
    if (!sameSecret(mac, this.#mac(expires, salt))) return 'invalid';
    return expires * 1000 < nowMs ? 'stale' : 'ok';
  }

  /**
   * Record a verified use of `nonce` with nonce-count `nc` (undefined: a response without qop).
   * False when that use was seen before: a replay.
   */
  fresh(nonce: string, nc: string | undefined, nowMs = Date.now()): boolean {
    this.#sweep(nowMs);
    const dot = nonce.indexOf('.');
    const expires = parseInt(nonce.slice(0, dot), 36) * 1000;
    let use = this.#uses.get(nonce);
    if (nc === undefined) {
      if (use) return false;
      this.#track(nonce, { expires, max: 0, counts: new Set(), bare: true });
      return true;
    }
    const n = parseInt(nc, 16);
    if (!/^[0-9a-fA-F]{1,8}$/.test(nc) || n < 1) return false;
    if (!use) this.#track(nonce, (use = { expires, max: 0, counts: new Set(), bare: false }));
    if (use.bare || use.counts.has(n)) return false;
    if (use.counts.size >= MAX_COUNTS_PER_NONCE) {
      if (n <= use.max) return false;
      use.counts.clear();
    }
    use.counts.add(n);
    use.max = Math.max(use.max, n);
    return true;
  }

  #track(nonce: string, use: NonceUse): void {
    this.#uses.set(nonce, use);
    if (this.#uses.size > MAX_TRACKED_NONCES) {
      const oldest = this.#uses.keys().next().value;
      if (oldest !== undefined) this.#uses.delete(oldest);
    }
  }

  /** Forget expired nonces (their use is refused as stale anyway), at most every 10 s. */
  #sweep(nowMs: number): void {
    if (nowMs - this.#lastSweep < 10_000) return;
    this.#lastSweep = nowMs;
    for (const [nonce, use] of this.#uses) if (use.expires < nowMs) this.#uses.delete(nonce);
  }

  #mac(expires: number, salt: string): string {
    return createHmac('sha256', this.secret).update(`${expires}.${salt}`).digest('base64url').slice(0, 32);
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

/** The user name an Authorization header presents (Basic or Digest), or null; nothing is verified. */
export function presentedUsername(header: string | undefined): string | null {
  if (!header) return null;
  const b = /^basic\s+([A-Za-z0-9+/=]{1,1024})\s*$/i.exec(header);
  if (b) {
    const decoded = Buffer.from(b[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon < 0 ? null : decoded.slice(0, colon);
  }
  return parseDigest(header)?.username ?? null;
}

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
  if (state === 'stale') return 'stale';
  // Right credentials, but this exact use of the nonce was seen: a replay gets a fresh nonce.
  return nonces.fresh(nonce, qop ? nc : undefined) ? 'ok' : 'stale';
}
