// Configuration: environment variables (the SPEC contract), optionally completed by a JSON file
// (`CADRAN_CONFIG`, or `<data dir>/cadran.json` when present). Environment wins over the file.
import { existsSync, readFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import type { LocaleTag } from '../vendors/types.ts';
import { LOCALE_TAGS } from '../vendors/common/locale.ts';

const port = z.coerce.number().int().min(0).max(65535);
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** disable | require (encrypted, server not verified) | verify-ca | verify-full (chain and name checked). */
export const DATABASE_TLS_MODES = ['disable', 'require', 'verify-ca', 'verify-full'] as const;
export type DatabaseTlsMode = (typeof DATABASE_TLS_MODES)[number];
/** Most phone worker processes (the setting's upper bound). */
export const MAX_PHONE_WORKERS = 64;
// A bearer token for /metrics: long enough not to be guessed, printable, no spaces.
const metricsToken = z.string().regex(/^[\x21-\x7e]{16,256}$/, 'must be 16 to 256 printable characters without spaces');

const fileSchema = z
  .object({
    httpPort: port,
    httpHost: z.string(),
    httpsPort: port,
    tlsCert: z.string(),
    tlsKey: z.string(),
    tftpPort: port,
    tftpHost: z.string(),
    adminPort: port,
    adminHost: z.string(),
    publicUrl: z.url(),
    logLevel: z.enum(LOG_LEVELS),
    phoneWorkers: z.number().int().min(1).max(MAX_PHONE_WORKERS),
    metricsToken,
    sip: z
      .object({
        bindHost: z.string(),
        bindPort: port,
        ratePerTenant: z.number().positive().max(100_000),
        globalRate: z.number().positive().max(100_000),
        leaseSeconds: z.number().int().min(2).max(3600),
        maxQueued: z.number().int().min(1).max(10_000_000),
        maxQueuedPerTenant: z.number().int().min(1).max(10_000_000),
      })
      .partial(),
    unknownDevices: z.object({ maxEntries: z.number().int().min(100).max(1_000_000), retentionDays: z.number().int().min(1).max(3650) }).partial(),
    imports: z.object({ maxParallel: z.number().int().min(1).max(64) }).partial(),
    smtp: z.object({ host: z.string(), port, from: z.string(), secure: z.boolean() }).partial(),
    probe: z
      .object({
        unknownPerMinute: z.number().int().positive(),
        blockSeconds: z.number().int().positive(),
        // Sites whose phones may boot before their MACs are imported (one NAT address for many
        // phones): their unknown MACs never count. Failed authentications still do.
        trustedNetworks: z.array(z.string().refine(isAddressOrRange, 'is not an address or CIDR range (e.g. 192.0.2.0/24)')).max(1000),
      })
      .partial(),
    database: z
      .object({
        url: z.string().regex(/^postgres(ql)?:\/\/\S+$/i, 'is not a postgres:// URL'),
        poolSize: z.number().int().min(1).max(1000),
        tls: z.enum(DATABASE_TLS_MODES),
        caFile: z.string().min(1),
        statementTimeoutMs: z.number().int().min(0).max(86_400_000),
      })
      .partial()
      .strict(),
    /** The installation level of the phone profile, under every tenant's and device's (README);
     *  checked against the profile schema when the app starts (server/domain/profile.ts). */
    defaults: z.record(z.string(), z.unknown()),
    auditRetentionDays: z.number().int().min(1).max(36500),
    adminPublicUrl: z.string(),
    adminTlsCert: z.string(),
    adminTlsKey: z.string(),
    trustProxy: z.string(),
    sessionIdleMinutes: z.number().int().min(1).max(7 * 24 * 60),
    sessionMaxHours: z.number().int().min(1).max(24 * 90),
    tokenDays: z.number().int().min(1).max(3650),
  })
  .partial()
  .strict();

export type FileConfig = z.infer<typeof fileSchema>;

export interface Config {
  dataDir: string;
  /** The embedded SQLite database, used when no databaseUrl is set. */
  databaseFile: string;
  /**
   * SQLite: how long a write waits for another process holding the lock (`cadran import` beside
   * the server), retried on timers, before it fails as busy (CADRAN_SQLITE_BUSY_SECONDS, default 15).
   */
  sqliteBusySeconds: number;
  /** `CADRAN_DATABASE_URL`: a PostgreSQL database instead of the SQLite file. */
  databaseUrl: string | null;
  /** How PostgreSQL is used (ignored for SQLite; setting any of them without a URL is an error). */
  database: {
    /** Connections in the pool of each process (CADRAN_DATABASE_POOL_SIZE, default 10). */
    poolSize: number;
    /** CADRAN_DATABASE_TLS; null: `sslmode` of the URL, else disable on loopback and verify-full elsewhere. */
    tls: DatabaseTlsMode | null;
    /** CADRAN_DATABASE_CA_FILE: PEM of the CAs that may sign the server certificate. */
    caFile: string | null;
    /** CADRAN_DATABASE_STATEMENT_TIMEOUT_MS (default 30000; 0: none). */
    statementTimeoutMs: number;
  };
  httpHost: string;
  httpPort: number;
  httpsPort: number | null;
  tlsCert: string | null;
  tlsKey: string | null;
  tftpHost: string;
  tftpPort: number;
  adminHost: string;
  adminPort: number;
  /** Base URL phones use to reach cadran when it cannot be taken from the request (CLI render). */
  publicUrl: string | null;
  logLevel: string;
  /**
   * Processes serving phones (HTTP); more than one shares the port (cluster), 1 serves them in
   * the main process. Default: the number of cores.
   */
  phoneWorkers: number;
  /** Bearer token /metrics requires; null: served to whoever reaches the admin listener. */
  metricsToken: string | null;
  /**
   * Resync: NOTIFY rates, and how many may wait (in total, and per tenant: one tenant's flood
   * never refuses another tenant's resync). leaseSeconds: how long a node's claim on resync
   * targets holds unrenewed (a dead node's targets are taken over after it).
   */
  sip: {
    bindHost: string; bindPort: number; ratePerTenant: number; globalRate: number; leaseSeconds: number;
    maxQueued: number; maxQueuedPerTenant: number;
  };
  /** The unknown-phones list: at most this many entries, each kept this many days after it was last seen. */
  unknownDevices: { maxEntries: number; retentionDays: number };
  /** CSV imports running at once over the API and the cockpit (one per person at a time). */
  imports: { maxParallel: number };
  smtp: { host: string | null; port: number; from: string; secure: boolean };
  probe: { unknownPerMinute: number; blockSeconds: number; trustedNetworks: string[] };
  /** Directory of operator template overrides: `<data dir>/templates/<vendor>/<name>`. */
  templateOverrideDir: string;
  /**
   * The installation level of the phone profile as the config file writes it (`defaults`); checked
   * and completed by installationProfile (server/domain/profile.ts). Tenants and devices override it.
   */
  profileDefaults: Record<string, unknown>;
  /** `CADRAN_DEFAULT_LOCALE`: the installation's locale, over the file's `defaults.locale` (else fr-FR). */
  defaultLocale: LocaleTag | null;
  /** Audit entries older than this are purged (hourly). */
  auditRetentionDays: number;
  /**
   * Public URL of the cockpit (`CADRAN_ADMIN_PUBLIC_URL`), without a trailing slash: the only base
   * of links sent by e-mail. Without it, no mail is sent.
   */
  adminPublicUrl: string | null;
  /** PEM certificate and key files: the admin listener serves HTTPS instead of HTTP. */
  adminTls: { cert: string; key: string } | null;
  /** Express `trust proxy` (X-Forwarded-For / -Proto): addresses or CIDRs of the proxies, or false. */
  trustProxy: string[] | number | false;
  /** Logins (web or API) end after `idleMinutes` without use or `maxHours` after they began; API tokens after `tokenDays`. */
  sessions: { idleMinutes: number; maxHours: number; tokenDays: number };
  /** `CADRAN_SECRET_KEY`, split: base64 keys of the stored passwords (the first encrypts), or null for the key file. */
  secretKeys: string[] | null;
  /** `<data dir>/secret.key`, used when no CADRAN_SECRET_KEY is given (made at the first start). */
  secretKeyFile: string;
}

export class ConfigError extends Error {}

/** `192.0.2.7`, `192.0.2.0/24`, `2001:db8::/32`: an address, or one with a prefix length its family allows. */
function isAddressOrRange(v: string): boolean {
  const [addr = '', prefix, more] = v.trim().split('/');
  if (more !== undefined) return false;
  const bits = isIPv4(addr) ? 32 : isIPv6(addr) ? 128 : 0;
  if (!bits) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits);
}

/** How long audit entries are kept by default (CADRAN_AUDIT_RETENTION_DAYS). */
export const DEFAULT_AUDIT_RETENTION_DAYS = 365;

// Every environment variable is checked like the config file: a value that does not parse is an
// error naming the variable, never a NaN or a silent default.
const envInt = (min: number, max: number, what: string) =>
  z.string().trim().regex(/^\d+$/, `is not ${what}`).transform(Number).pipe(z.number().int().min(min, `is not ${what}`).max(max, `is not ${what}`));
const envRate = z
  .string()
  .trim()
  .regex(/^\d+(\.\d+)?$/, 'is not a number of NOTIFYs per second (e.g. 20)')
  .transform(Number)
  .pipe(z.number().positive('must be more than 0').max(100_000, 'is more than 100000 per second'));
const envText = z.string().trim().min(1).max(1024);

/** An http(s) URL without query or fragment, returned without its trailing slash. */
const baseUrl = z
  .string()
  .trim()
  .refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === 'http:' || u.protocol === 'https:') && !u.search && !u.hash && !u.username && !u.password;
    } catch {
      return false;
    }
  }, 'is not an http(s) URL without query (e.g. https://cadran.example.net)')
  .transform((v) => v.replace(/\/+$/, ''));

const KEYWORDS = ['loopback', 'linklocal', 'uniquelocal'];
/** Express `trust proxy`: `false`/`none`, a hop count, or keywords / addresses / CIDRs separated by commas. */
const trustProxy = z
  .string()
  .trim()
  .transform((v, ctx): string[] | number | false => {
    if (/^(false|none|no|0)$/i.test(v)) return false;
    if (/^\d{1,2}$/.test(v)) return Number(v);
    const parts = v.split(',').map((p) => p.trim()).filter(Boolean);
    for (const p of parts) {
      if (!KEYWORDS.includes(p) && !/^([0-9]{1,3}(\.[0-9]{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)(\/\d{1,3})?$/.test(p)) {
        ctx.addIssue({ code: 'custom', message: `is not a list of proxy addresses or CIDRs (or loopback, linklocal, uniquelocal, a hop count, none): "${p.slice(0, 40)}"` });
        return z.NEVER;
      }
    }
    if (parts.length === 0) return false;
    return parts;
  });

/** Base64 keys of 32 bytes, comma-separated; the value itself is never repeated in a message. */
const secretKeys = z
  .string()
  .trim()
  .transform((v, ctx) => {
    const keys = v.split(',').map((k) => k.trim()).filter(Boolean);
    for (const [i, k] of keys.entries()) {
      const bytes = /^[A-Za-z0-9+/_-]+={0,2}$/.test(k) ? Buffer.from(k, /[-_]/.test(k) ? 'base64url' : 'base64').length : 0;
      if (bytes !== 32) {
        ctx.addIssue({ code: 'custom', message: `key ${i + 1} is not 32 bytes in base64 (44 characters; \`cadran secrets new-key\` prints one)` });
        return z.NEVER;
      }
    }
    if (keys.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'holds no key' });
      return z.NEVER;
    }
    return keys;
  });

const minutes = (max: number, what: string) => envInt(1, max, what);
const envSchemas = {
  CADRAN_HTTP_PORT: envInt(0, 65535, 'a port number (0–65535)'),
  CADRAN_HTTPS_PORT: envInt(0, 65535, 'a port number (0–65535)'),
  CADRAN_TFTP_PORT: envInt(0, 65535, 'a port number (0–65535)'),
  CADRAN_ADMIN_PORT: envInt(0, 65535, 'a port number (0–65535)'),
  CADRAN_SIP_PORT: envInt(0, 65535, 'a port number (0–65535)'),
  CADRAN_SMTP_PORT: envInt(0, 65535, 'a port number (0–65535)'),
  CADRAN_PHONE_WORKERS: envInt(1, MAX_PHONE_WORKERS, `a number of processes from 1 to ${MAX_PHONE_WORKERS}`),
  CADRAN_METRICS_TOKEN: z.string().trim().pipe(metricsToken),
  CADRAN_AUDIT_RETENTION_DAYS: envInt(1, 36500, 'a number of days from 1 to 36500'),
  CADRAN_RESYNC_RATE: envRate,
  CADRAN_RESYNC_GLOBAL_RATE: envRate,
  CADRAN_RESYNC_LEASE_SECONDS: envInt(2, 3600, 'a number of seconds from 2 to 3600'),
  CADRAN_RESYNC_MAX_QUEUED: envInt(1, 10_000_000, 'a number of NOTIFYs (1–10000000)'),
  CADRAN_RESYNC_MAX_QUEUED_PER_TENANT: envInt(1, 10_000_000, 'a number of NOTIFYs (1–10000000)'),
  CADRAN_LOG_LEVEL: z.enum(LOG_LEVELS, `is not a log level (${LOG_LEVELS.join(', ')})`),
  CADRAN_PUBLIC_URL: z.url('is not a URL (e.g. http://prov.example.net/)'),
  CADRAN_DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\/\S+$/i, 'is not a postgres:// URL'),
  CADRAN_DATABASE_POOL_SIZE: envInt(1, 1000, 'a number of connections from 1 to 1000'),
  CADRAN_SQLITE_BUSY_SECONDS: envInt(1, 600, 'a number of seconds from 1 to 600'),
  CADRAN_DATABASE_TLS: z.enum(DATABASE_TLS_MODES, `is not a TLS mode (${DATABASE_TLS_MODES.join(', ')})`),
  CADRAN_DATABASE_CA_FILE: envText,
  CADRAN_DATABASE_STATEMENT_TIMEOUT_MS: envInt(0, 86_400_000, 'a number of milliseconds from 0 (no limit) to 86400000'),
  CADRAN_HTTP_HOST: envText,
  CADRAN_TFTP_HOST: envText,
  CADRAN_ADMIN_HOST: envText,
  CADRAN_SIP_HOST: envText,
  CADRAN_TLS_CERT: envText,
  CADRAN_TLS_KEY: envText,
  CADRAN_SMTP_HOST: envText,
  CADRAN_SMTP_FROM: envText,
  CADRAN_DEFAULT_LOCALE: z.enum(LOCALE_TAGS, `is not a locale (${LOCALE_TAGS.join(', ')})`),
  CADRAN_ADMIN_PUBLIC_URL: baseUrl,
  CADRAN_ADMIN_TLS_CERT: envText,
  CADRAN_ADMIN_TLS_KEY: envText,
  CADRAN_TRUST_PROXY: trustProxy,
  CADRAN_SESSION_IDLE_MINUTES: minutes(7 * 24 * 60, 'a number of minutes from 1 to 10080'),
  CADRAN_SESSION_MAX_HOURS: minutes(24 * 90, 'a number of hours from 1 to 2160'),
  CADRAN_TOKEN_DAYS: minutes(3650, 'a number of days from 1 to 3650'),
  CADRAN_SECRET_KEY: secretKeys,
} satisfies Record<string, z.ZodType<unknown, string>>;

type EnvName = keyof typeof envSchemas;
const SECRET_ENV = new Set<string>(['CADRAN_METRICS_TOKEN', 'CADRAN_SECRET_KEY']);
type EnvValues = { [K in EnvName]?: z.output<(typeof envSchemas)[K]> };

/** The CADRAN_* variables that are set (non-empty), parsed; the first bad one is a ConfigError. */
export function parseEnv(env: NodeJS.ProcessEnv): EnvValues {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(envSchemas) as EnvName[]) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const r = (envSchemas[name] as z.ZodType<unknown, string>).safeParse(raw);
    if (!r.success) {
      // A secret is not repeated in the message (it ends up in terminals and service logs).
      if (SECRET_ENV.has(name)) throw new ConfigError(`${name} (value not shown) ${r.error.issues[0]!.message}`);
      // A database URL may carry a password: never repeat it.
      const safe = name === 'CADRAN_DATABASE_URL' ? raw.replace(/^([^:]*:\/\/[^:/@]*:)[^@/]*@/, '$1***@') : raw;
      const shown = safe.length > 60 ? `${safe.slice(0, 60)}…` : safe;
      throw new ConfigError(`${name}="${shown}" ${r.error.issues[0]!.message}`);
    }
    out[name] = r.data;
  }
  return out as EnvValues;
}

/** What the defaults depend on besides the settings (tests give their own). */
export interface HostFacts {
  /** Cores this process may use (os.availableParallelism()). */
  cores: number;
}

/** Phone workers when nothing says: one per core, within the setting's bounds. */
export function defaultPhoneWorkers(host: HostFacts): number {
  return Math.max(1, Math.min(MAX_PHONE_WORKERS, Math.floor(host.cores) || 1));
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, host: HostFacts = { cores: availableParallelism() }): Config {
  const dataDir = resolve(env.CADRAN_DATA_DIR || './data');
  const file = env.CADRAN_CONFIG || join(dataDir, 'cadran.json');
  let f: FileConfig = {};
  if (existsSync(file)) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new ConfigError(`config file ${file} is not valid JSON: ${(e as Error).message}`);
    }
    const r = fileSchema.safeParse(raw);
    if (!r.success) {
      const i = r.error.issues[0]!;
      throw new ConfigError(`config file ${file}: ${i.path.join('.') || '(root)'}: ${i.message}`);
    }
    f = r.data;
  } else if (env.CADRAN_CONFIG) {
    throw new ConfigError(`config file ${file} (CADRAN_CONFIG) does not exist`);
  }
  const e = parseEnv(env);
  const databaseUrl = e.CADRAN_DATABASE_URL ?? f.database?.url ?? null;
  const database: Config['database'] = {
    poolSize: e.CADRAN_DATABASE_POOL_SIZE ?? f.database?.poolSize ?? 10,
    tls: e.CADRAN_DATABASE_TLS ?? f.database?.tls ?? null,
    caFile: e.CADRAN_DATABASE_CA_FILE ?? f.database?.caFile ?? null,
    statementTimeoutMs: e.CADRAN_DATABASE_STATEMENT_TIMEOUT_MS ?? f.database?.statementTimeoutMs ?? 30_000,
  };
  if (!databaseUrl) {
    // PostgreSQL settings without a PostgreSQL database: a forgotten URL would silently mean SQLite.
    const stray = (['CADRAN_DATABASE_POOL_SIZE', 'CADRAN_DATABASE_TLS', 'CADRAN_DATABASE_CA_FILE', 'CADRAN_DATABASE_STATEMENT_TIMEOUT_MS'] as const).find(
      (n) => e[n] !== undefined,
    );
    const strayFile = f.database && Object.keys(f.database).length > 0;
    if (stray || strayFile) {
      throw new ConfigError(`${stray ?? `config file ${file}: database`} is set but no PostgreSQL database is (CADRAN_DATABASE_URL); unset it to use the embedded SQLite file`);
    }
  }
  // The file is checked like the environment (same parsers, its key named).
  const fromFile = <T>(key: string, schema: z.ZodType<T, string>, v: string | undefined): T | undefined => {
    if (v === undefined) return undefined;
    const r = schema.safeParse(v);
    if (!r.success) throw new ConfigError(`config file ${file}: ${key}: ${r.error.issues[0]!.message}`);
    return r.data;
  };
  const adminPublicUrl = e.CADRAN_ADMIN_PUBLIC_URL ?? fromFile('adminPublicUrl', baseUrl, f.adminPublicUrl) ?? null;
  const adminTlsCert = e.CADRAN_ADMIN_TLS_CERT ?? f.adminTlsCert ?? null;
  const adminTlsKey = e.CADRAN_ADMIN_TLS_KEY ?? f.adminTlsKey ?? null;
  if (!!adminTlsCert !== !!adminTlsKey) {
    throw new ConfigError(`the admin listener's HTTPS needs both CADRAN_ADMIN_TLS_CERT and CADRAN_ADMIN_TLS_KEY (only ${adminTlsCert ? 'the certificate' : 'the key'} is set)`);
  }
  return {
    dataDir,
    databaseFile: join(dataDir, 'cadran.sqlite'),
    sqliteBusySeconds: e.CADRAN_SQLITE_BUSY_SECONDS ?? 15,
    databaseUrl,
    database,
    httpHost: e.CADRAN_HTTP_HOST ?? f.httpHost ?? '0.0.0.0',
    httpPort: e.CADRAN_HTTP_PORT ?? f.httpPort ?? 8080,
    httpsPort: e.CADRAN_HTTPS_PORT ?? f.httpsPort ?? null,
    tlsCert: e.CADRAN_TLS_CERT ?? f.tlsCert ?? null,
    tlsKey: e.CADRAN_TLS_KEY ?? f.tlsKey ?? null,
    tftpHost: e.CADRAN_TFTP_HOST ?? f.tftpHost ?? '0.0.0.0',
    tftpPort: e.CADRAN_TFTP_PORT ?? f.tftpPort ?? 6969,
    adminHost: e.CADRAN_ADMIN_HOST ?? f.adminHost ?? '127.0.0.1',
    adminPort: e.CADRAN_ADMIN_PORT ?? f.adminPort ?? 8081,
    publicUrl: e.CADRAN_PUBLIC_URL ?? f.publicUrl ?? null,
    logLevel: e.CADRAN_LOG_LEVEL ?? f.logLevel ?? 'info',
    phoneWorkers: e.CADRAN_PHONE_WORKERS ?? f.phoneWorkers ?? defaultPhoneWorkers(host),
    metricsToken: e.CADRAN_METRICS_TOKEN ?? f.metricsToken ?? null,
    sip: {
      bindHost: e.CADRAN_SIP_HOST ?? f.sip?.bindHost ?? '0.0.0.0',
      bindPort: e.CADRAN_SIP_PORT ?? f.sip?.bindPort ?? 0,
      ratePerTenant: e.CADRAN_RESYNC_RATE ?? f.sip?.ratePerTenant ?? 20,
      globalRate: e.CADRAN_RESYNC_GLOBAL_RATE ?? f.sip?.globalRate ?? 200,
      leaseSeconds: e.CADRAN_RESYNC_LEASE_SECONDS ?? f.sip?.leaseSeconds ?? 30,
      maxQueued: e.CADRAN_RESYNC_MAX_QUEUED ?? f.sip?.maxQueued ?? 100_000,
      maxQueuedPerTenant: e.CADRAN_RESYNC_MAX_QUEUED_PER_TENANT ?? f.sip?.maxQueuedPerTenant ?? 20_000,
    },
    unknownDevices: {
      maxEntries: f.unknownDevices?.maxEntries ?? 10_000,
      retentionDays: f.unknownDevices?.retentionDays ?? 30,
    },
    imports: { maxParallel: f.imports?.maxParallel ?? 2 },
    smtp: {
      host: e.CADRAN_SMTP_HOST ?? f.smtp?.host ?? null,
      port: e.CADRAN_SMTP_PORT ?? f.smtp?.port ?? 25,
      from: e.CADRAN_SMTP_FROM ?? f.smtp?.from ?? 'cadran@localhost',
      secure: f.smtp?.secure ?? false,
    },
    probe: {
      unknownPerMinute: f.probe?.unknownPerMinute ?? 30,
      blockSeconds: f.probe?.blockSeconds ?? 600,
      trustedNetworks: f.probe?.trustedNetworks ?? [],
    },
    templateOverrideDir: join(dataDir, 'templates'),
    profileDefaults: f.defaults ?? {},
    defaultLocale: e.CADRAN_DEFAULT_LOCALE ?? null,
    auditRetentionDays: e.CADRAN_AUDIT_RETENTION_DAYS ?? f.auditRetentionDays ?? DEFAULT_AUDIT_RETENTION_DAYS,
    adminPublicUrl,
    adminTls: adminTlsCert && adminTlsKey ? { cert: adminTlsCert, key: adminTlsKey } : null,
    trustProxy: e.CADRAN_TRUST_PROXY ?? fromFile('trustProxy', trustProxy, f.trustProxy) ?? false,
    sessions: {
      idleMinutes: e.CADRAN_SESSION_IDLE_MINUTES ?? f.sessionIdleMinutes ?? 60,
      maxHours: e.CADRAN_SESSION_MAX_HOURS ?? f.sessionMaxHours ?? 12,
      tokenDays: e.CADRAN_TOKEN_DAYS ?? f.tokenDays ?? 365,
    },
    secretKeys: e.CADRAN_SECRET_KEY ?? null,
    secretKeyFile: join(dataDir, 'secret.key'),
  };
}
