// SIP message text (RFC 3261 §7, §20): building the resync NOTIFY and parsing what comes back.
// Everything parsed here arrives from the network: parsers return null on anything malformed
// and never throw.

/** Compact header forms (RFC 3261 §7.3.3 and the IANA SIP header registry). */
const COMPACT: Record<string, string> = {
  a: 'accept-contact',
  b: 'referred-by',
  c: 'content-type',
  d: 'request-disposition',
  e: 'content-encoding',
  f: 'from',
  i: 'call-id',
  j: 'reject-contact',
  k: 'supported',
  l: 'content-length',
  m: 'contact',
  o: 'event',
  r: 'refer-to',
  s: 'subject',
  t: 'to',
  u: 'allow-events',
  v: 'via',
  x: 'session-expires',
  y: 'identity',
};

const MAX_DATAGRAM = 65_535;
const MAX_HEADERS = 128;
const TOKEN = /^[!%'*+\-.0-9A-Z^_`a-z|~]+$/;

interface ParsedBase {
  /** Header values by lower-case long name, in arrival order (one entry per header line). */
  headers: Map<string, string[]>;
  body: Buffer;
}
export interface SipRequest extends ParsedBase {
  kind: 'request';
  method: string;
  uri: string;
}
export interface SipResponse extends ParsedBase {
  kind: 'response';
  status: number;
  reason: string;
}
export type SipMessage = SipRequest | SipResponse;

/** First value of a header (long or compact name, any case), or undefined. */
export function header(msg: SipMessage, name: string): string | undefined {
  return msg.headers.get(canonicalName(name))?.[0];
}

function canonicalName(name: string): string {
  const lower = name.toLowerCase();
  return COMPACT[lower] ?? lower;
}

/** Parses one datagram; null when it is not a well-formed SIP/2.0 request or response. */
export function parseSipMessage(data: Buffer): SipMessage | null {
  try {
    return parseUnsafe(data);
  } catch {
    return null; // belt and braces: a parser bug must not reach the socket handler
  }
}

function parseUnsafe(data: Buffer): SipMessage | null {
  if (data.length === 0 || data.length > MAX_DATAGRAM) return null;
  let end = data.indexOf('\r\n\r\n');
  let sep = 4;
  if (end < 0) {
    end = data.indexOf('\n\n');
    sep = 2;
  }
  if (end < 0) return null;
  const lines = data.subarray(0, end).toString('utf8').split(/\r?\n/);
  const start = lines.shift() ?? '';
  const headers = new Map<string, string[]>();
  let last: { name: string; list: string[] } | null = null;
  let count = 0;
  for (const line of lines) {
    if (/^[ \t]/.test(line)) {
      // Header folding (§7.3.1): continuation of the previous header value.
      if (!last) return null;
      last.list[last.list.length - 1] += ' ' + line.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) return null;
    const rawName = line.slice(0, colon).trim();
    if (!TOKEN.test(rawName) || ++count > MAX_HEADERS) return null;
    const name = canonicalName(rawName);
    const list = headers.get(name) ?? [];
    list.push(line.slice(colon + 1).trim());
    headers.set(name, list);
    last = { name, list };
  }
  const body = data.subarray(end + sep);
  const res = /^SIP\/2\.0 ([1-6]\d\d)(?: ([^\x00-\x08\x0a-\x1f\x7f]*))?$/.exec(start);
  if (res) return { kind: 'response', status: Number(res[1]), reason: res[2] ?? '', headers, body };
  const req = /^([!%'*+\-.0-9A-Z^_`a-z|~]+) (\S+) SIP\/2\.0$/.exec(start);
  if (req) return { kind: 'request', method: req[1], uri: req[2], headers, body };
  return null;
}

/** Splits a header value at commas that are outside quotes and angle brackets. */
export function splitList(value: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  let angle = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (quoted && ch === '\\' && i + 1 < value.length) {
      cur += ch + value[++i];
      continue;
    }
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === '<') angle = true;
    else if (!quoted && ch === '>') angle = false;
    if (ch === ',' && !quoted && !angle) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/** `;name=value` parameters after the first `;` of a header value (names lower-cased). */
export function headerParams(value: string): Record<string, string> {
  const params: Record<string, string> = {};
  const parts = value.split(';').slice(1);
  for (const part of parts) {
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (name) params[name] = eq < 0 ? '' : part.slice(eq + 1).trim();
  }
  return params;
}

/** Branch of the topmost Via (the one our transaction layer inserted), if any. */
export function topViaBranch(msg: SipMessage): string | undefined {
  const first = msg.headers.get('via')?.[0];
  if (!first) return undefined;
  const top = splitList(first)[0] ?? '';
  return headerParams(top).branch || undefined;
}

/** CSeq number and method, or null when absent or malformed. */
export function parseCSeq(msg: SipMessage): { seq: number; method: string } | null {
  const m = /^(\d{1,10})\s+([!%'*+\-.0-9A-Z^_`a-z|~]+)$/.exec(header(msg, 'cseq') ?? '');
  return m ? { seq: Number(m[1]), method: m[2] } : null;
}

/**
 * Auth-params of a WWW-Authenticate / Proxy-Authenticate value (RFC 3261 §25.1 challenge):
 * `Digest realm="x", nonce="y", qop="auth"`. Names are lower-cased; quoted strings unescaped.
 */
export function parseChallenge(value: string): { scheme: string; params: Record<string, string> } | null {
  const m = /^\s*([!%'*+\-.0-9A-Z^_`a-z|~]+)\s+(.*)$/s.exec(value);
  if (!m) return null;
  const params: Record<string, string> = {};
  const rest = m[2];
  let i = 0;
  while (i < rest.length) {
    while (i < rest.length && /[\s,]/.test(rest[i])) i++;
    if (i >= rest.length) break;
    const nm = /^([!%'*+\-.0-9A-Z^_`a-z|~]+)\s*=\s*/.exec(rest.slice(i));
    if (!nm) return null;
    i += nm[0].length;
    let val = '';
    if (rest[i] === '"') {
      i++;
      let closed = false;
      while (i < rest.length) {
        const ch = rest[i++];
        if (ch === '\\' && i < rest.length) val += rest[i++];
        else if (ch === '"') {
          closed = true;
          break;
        } else val += ch;
      }
      if (!closed) return null;
    } else {
      const tok = /^[^\s,]*/.exec(rest.slice(i))?.[0] ?? '';
      val = tok;
      i += tok.length;
    }
    params[nm[1].toLowerCase()] = val;
  }
  return { scheme: m[1], params };
}

// --- building ---------------------------------------------------------------------------------

/** `host:port`, with brackets around an IPv6 literal. */
export function hostPort(host: string, port: number): string {
  return `${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
}

/** True for a `sip:` / `sips:` URI without whitespace, quotes, angle brackets or controls. */
export function isSipUri(uri: string): boolean {
  return /^sips?:[^\s<>"\x00-\x1f\x7f]+$/i.test(uri) && uri.length <= 1024;
}

/** Throws a message naming the field when a value would break the header it goes into. */
export function checkHeaderValue(field: string, value: string): void {
  if (!value || /[\x00-\x1f\x7f]/.test(value) || value.length > 1024) {
    throw new Error(`${field}: must be non-empty printable text on one line (got ${JSON.stringify(value.slice(0, 80))})`);
  }
}

export interface NotifyFields {
  requestUri: string;
  /** Our address as written in Via and Contact. */
  local: { host: string; port: number };
  branch: string;
  fromUri: string;
  fromTag: string;
  callId: string;
  cseq: number;
  /** Full Event header value, e.g. `check-sync;reboot=false` (from the vendor module). */
  event: string;
  /** Authorization (401) or Proxy-Authorization (407) answer to a challenge. */
  auth?: { header: 'Authorization' | 'Proxy-Authorization'; value: string };
}

/**
 * An out-of-dialog NOTIFY as Asterisk's res_pjsip_notify sends for check-sync: To = Request-URI
 * without tag, `Subscription-State: terminated` (RFC 6665 §4.1.3 requires the header in every
 * NOTIFY; "terminated" because no subscription exists), no body. `rport` (RFC 3581) lets a phone
 * behind NAT answer to the address the request came from.
 */
export function buildNotify(f: NotifyFields): Buffer {
  if (!isSipUri(f.requestUri)) throw new Error(`requestUri: not a sip: URI (${JSON.stringify(f.requestUri.slice(0, 80))})`);
  if (!isSipUri(f.fromUri)) throw new Error(`fromUri: not a sip: URI (${JSON.stringify(f.fromUri.slice(0, 80))})`);
  checkHeaderValue('event', f.event);
  const lines = [
    `NOTIFY ${f.requestUri} SIP/2.0`,
    `Via: SIP/2.0/UDP ${hostPort(f.local.host, f.local.port)};branch=${f.branch};rport`,
    'Max-Forwards: 70',
    `From: <${f.fromUri}>;tag=${f.fromTag}`,
    `To: <${f.requestUri}>`,
    `Call-ID: ${f.callId}`,
    `CSeq: ${f.cseq} NOTIFY`,
    `Contact: <sip:cadran@${hostPort(f.local.host, f.local.port)}>`,
    `Event: ${f.event}`,
    'Subscription-State: terminated',
  ];
  if (f.auth) {
    checkHeaderValue(f.auth.header, f.auth.value);
    lines.push(`${f.auth.header}: ${f.auth.value}`);
  }
  lines.push('Content-Length: 0', '', '');
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

/** A response to `req` (used by the loopback UAS of tests and the benchmark). */
export function buildResponse(req: SipRequest, status: number, reason: string, extra: string[] = [], toTag?: string): Buffer {
  const copy = (name: string) => (req.headers.get(name) ?? []).map((v) => `${name === 'call-id' ? 'Call-ID' : name === 'cseq' ? 'CSeq' : name[0].toUpperCase() + name.slice(1)}: ${v}`);
  const to = header(req, 'to') ?? '';
  const lines = [
    `SIP/2.0 ${status} ${reason}`,
    ...copy('via'),
    ...copy('from'),
    `To: ${toTag && !/;\s*tag=/i.test(to) ? `${to};tag=${toTag}` : to}`,
    ...copy('call-id'),
    ...copy('cseq'),
    ...extra,
    'Content-Length: 0',
    '',
    '',
  ];
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

/** The user part of a SIP URI with every character outside RFC 3261 `user` %-escaped. */
function escapeUser(user: string): string {
  return [...Buffer.from(user, 'utf8')]
    .map((b) => {
      const c = String.fromCharCode(b);
      return /[A-Za-z0-9\-_.!~*'()&=+$,;?/]/.test(c) ? c : '%' + b.toString(16).toUpperCase().padStart(2, '0');
    })
    .join('');
}

/** Request-URI of a NOTIFY sent straight to the phone: `sip:<auth name>@<ip>:<port>`. */
export function directRequestUri(authName: string | undefined, host: string, port = 5060): string {
  return `sip:${authName ? escapeUser(authName) + '@' : ''}${hostPort(host, port)}`;
}

/** Request-URI of a NOTIFY sent through the tenant's proxy / softswitch: `sip:<auth name>@<domain>`. */
export function proxyRequestUri(authName: string, domain: string): string {
  return `sip:${escapeUser(authName)}@${domain}`;
}
