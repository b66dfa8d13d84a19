// How cadran connects to PostgreSQL: the URL (`postgres://user:password@host:port/database`),
// the pool size, TLS and the statement timeout, turned into node-postgres settings.
//
// The URL is parsed here rather than by the driver so that TLS means what libpq says it means:
// node-postgres treats `sslmode=require` as verify-full and lets URL parameters override explicit
// settings. Precedence: the explicit `tls` setting (CADRAN_DATABASE_TLS), else `sslmode` in the
// URL, else `disable` for a loopback host or a Unix socket and `verify-full` for any other host
// (SIP passwords and provisioning credentials must not cross a network in clear by default).
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ClientConfig, PoolConfig } from 'pg';
import type { ConnectionOptions } from 'node:tls';

export const TLS_MODES = ['disable', 'require', 'verify-ca', 'verify-full'] as const;
export type PgTlsMode = (typeof TLS_MODES)[number];

export interface PostgresOptions {
  /** `postgres://` or `postgresql://` URL; `?sslmode=`, `?sslrootcert=`, `?sslcert=`, `?sslkey=`, `?host=/socket/dir` understood. */
  url: string;
  /** Connections in the pool (CADRAN_DATABASE_POOL_SIZE, default 10). */
  poolSize?: number;
  /** disable | require (encrypted, server not verified) | verify-ca | verify-full (CADRAN_DATABASE_TLS). */
  tls?: PgTlsMode;
  /** PEM file of the CAs that may sign the server's certificate (CADRAN_DATABASE_CA_FILE). */
  caFile?: string;
  /** A statement running longer is cancelled (CADRAN_DATABASE_STATEMENT_TIMEOUT_MS, default 30000; 0: none). */
  statementTimeoutMs?: number;
  /** Shown in pg_stat_activity (default `cadran`). */
  applicationName?: string;
  /** Give up connecting after this long (default 10000 ms). */
  connectTimeoutMs?: number;
  /** LISTEN for changes made by other nodes (default true; a one-shot CLI command can turn it off). */
  listen?: boolean;
}

export class PostgresConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PostgresConfigError';
  }
}

export const DEFAULT_POOL_SIZE = 10;
export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;

const URL_PARAMS = new Set(['sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'host', 'port', 'application_name', 'connect_timeout']);
const SSLMODES: Record<string, PgTlsMode> = {
  disable: 'disable',
  // libpq's allow/prefer fall back to clear text; node-postgres cannot, so they mean "encrypt".
  allow: 'require',
  prefer: 'require',
  require: 'require',
  'verify-ca': 'verify-ca',
  'verify-full': 'verify-full',
};

export interface ParsedUrl {
  host: string;
  port: number;
  user: string | undefined;
  password: string | undefined;
  database: string;
  params: Map<string, string>;
}

export function isPostgresUrl(s: string): boolean {
  return /^postgres(ql)?:\/\//i.test(s);
}

/** The URL's parts; a clear error naming what is wrong (never the password). */
export function parsePostgresUrl(url: string): ParsedUrl {
  if (!isPostgresUrl(url)) throw new PostgresConfigError(`database URL must start with postgres:// or postgresql:// (got "${redactUrl(url)}")`);
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new PostgresConfigError(`database URL "${redactUrl(url)}" is not a valid URL`);
  }
  const params = new Map<string, string>();
  for (const [k, v] of u.searchParams) {
    if (!URL_PARAMS.has(k)) {
      throw new PostgresConfigError(`database URL parameter "${k}" is not supported (supported: ${[...URL_PARAMS].join(', ')})`);
    }
    params.set(k, v);
  }
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!database) throw new PostgresConfigError(`database URL "${redactUrl(url)}" names no database (postgres://user@host:5432/DATABASE)`);
  if (database.includes('/')) throw new PostgresConfigError(`database URL "${redactUrl(url)}": database name may not contain "/"`);
  const hostname = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const host = params.get('host') || decodeURIComponent(hostname) || 'localhost';
  const portText = params.get('port') || u.port || '5432';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new PostgresConfigError(`database URL: port "${portText}" is not a port number (1–65535)`);
  return {
    host,
    port,
    user: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    database,
    params,
  };
}

/** The URL with its password replaced by `***`, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@?#]*:)[^@/?#]*@/i, '$1***@');
}

function isLoopbackOrSocket(host: string): boolean {
  return host.startsWith('/') || host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function readPem(what: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new PostgresConfigError(`${what} ${file} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** The TLS mode in force and the node `tls` options for it (false: clear text). */
export function tlsSettings(p: ParsedUrl, opts: Pick<PostgresOptions, 'tls' | 'caFile'>): { mode: PgTlsMode; ssl: false | ConnectionOptions } {
  let mode: PgTlsMode;
  if (opts.tls !== undefined) {
    if (!TLS_MODES.includes(opts.tls)) throw new PostgresConfigError(`database TLS mode "${opts.tls}" is not one of ${TLS_MODES.join(', ')}`);
    mode = opts.tls;
  } else if (p.params.has('sslmode')) {
    const m = SSLMODES[p.params.get('sslmode')!];
    if (!m) throw new PostgresConfigError(`database URL: sslmode "${p.params.get('sslmode')}" is not one of ${Object.keys(SSLMODES).join(', ')}`);
    mode = m;
  } else {
    mode = isLoopbackOrSocket(p.host) ? 'disable' : 'verify-full';
  }
  if (mode === 'disable') return { mode, ssl: false };
  const ssl: ConnectionOptions = {};
  const caFile = opts.caFile || p.params.get('sslrootcert');
  if (caFile) ssl.ca = readPem('database CA file', caFile);
  if (p.params.has('sslcert')) ssl.cert = readPem('database client certificate', p.params.get('sslcert')!);
  if (p.params.has('sslkey')) ssl.key = readPem('database client key', p.params.get('sslkey')!);
  if (mode === 'require') ssl.rejectUnauthorized = false;
  else {
    ssl.rejectUnauthorized = true;
    // verify-ca: the chain must lead to a trusted CA, the name is not checked (libpq's meaning).
    if (mode === 'verify-ca') ssl.checkServerIdentity = () => undefined;
    // SNI carries names only (RFC 6066); node still checks an IP address against the certificate.
    else if (!p.host.startsWith('/') && !isIP(p.host)) ssl.servername = p.host;
  }
  return { mode, ssl };
}

function positiveInt(name: string, v: number | undefined, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < min || v > max) throw new PostgresConfigError(`${name} must be an integer from ${min} to ${max} (got ${v})`);
  return v;
}

/** Settings of one connection (the pool's and the LISTEN connection's). */
export function clientConfig(opts: PostgresOptions): ClientConfig & { tlsMode: PgTlsMode } {
  const p = parsePostgresUrl(opts.url);
  const { mode, ssl } = tlsSettings(p, opts);
  const statementTimeout = positiveInt('statement timeout (ms)', opts.statementTimeoutMs, DEFAULT_STATEMENT_TIMEOUT_MS, 0, 86_400_000);
  const connectTimeout = positiveInt('connect timeout (ms)', opts.connectTimeoutMs ?? (p.params.has('connect_timeout') ? Number(p.params.get('connect_timeout')) * 1000 : undefined), 10_000, 1, 600_000);
  const cfg: ClientConfig & { tlsMode: PgTlsMode } = {
    host: p.host,
    port: p.port,
    database: p.database,
    ssl,
    application_name: opts.applicationName ?? p.params.get('application_name') ?? 'cadran',
    connectionTimeoutMillis: connectTimeout,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    tlsMode: mode,
  };
  if (p.user !== undefined) cfg.user = p.user;
  if (p.password !== undefined) cfg.password = p.password;
  if (statementTimeout > 0) cfg.statement_timeout = statementTimeout;
  return cfg;
}

export function poolConfig(opts: PostgresOptions): PoolConfig & { tlsMode: PgTlsMode } {
  const size = positiveInt('database pool size', opts.poolSize, DEFAULT_POOL_SIZE, 1, 1000);
  return { ...clientConfig(opts), max: size, idleTimeoutMillis: 30_000 };
}
