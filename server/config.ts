// Configuration: environment variables (the SPEC contract), optionally completed by a JSON file
// (`CADRAN_CONFIG`, or `<data dir>/cadran.json` when present). Environment wins over the file.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);

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
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    phoneWorkers: z.number().int().min(1).max(64),
    sip: z
      .object({
        bindHost: z.string(),
        bindPort: port,
        ratePerTenant: z.number().positive(),
        globalRate: z.number().positive(),
      })
      .partial(),
    smtp: z.object({ host: z.string(), port, from: z.string(), secure: z.boolean() }).partial(),
    probe: z.object({ unknownPerMinute: z.number().int().positive(), blockSeconds: z.number().int().positive() }).partial(),
  })
  .partial()
  .strict();

export type FileConfig = z.infer<typeof fileSchema>;

export interface Config {
  dataDir: string;
  databaseFile: string;
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
  /** Processes serving phones (HTTP); more than one shares the port (cluster). */
  phoneWorkers: number;
  sip: { bindHost: string; bindPort: number; ratePerTenant: number; globalRate: number };
  smtp: { host: string | null; port: number; from: string; secure: boolean };
  probe: { unknownPerMinute: number; blockSeconds: number };
  /** Directory of operator template overrides: `<data dir>/templates/<vendor>/<name>`. */
  templateOverrideDir: string;
}

export class ConfigError extends Error {}

function envNumber(name: string, env: NodeJS.ProcessEnv): number | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError(`${name}="${v}" is not a port number (0–65535)`);
  return n;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
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
  return {
    dataDir,
    databaseFile: join(dataDir, 'cadran.sqlite'),
    httpHost: env.CADRAN_HTTP_HOST || f.httpHost || '0.0.0.0',
    httpPort: envNumber('CADRAN_HTTP_PORT', env) ?? f.httpPort ?? 8080,
    httpsPort: envNumber('CADRAN_HTTPS_PORT', env) ?? f.httpsPort ?? null,
    tlsCert: env.CADRAN_TLS_CERT || f.tlsCert || null,
    tlsKey: env.CADRAN_TLS_KEY || f.tlsKey || null,
    tftpHost: env.CADRAN_TFTP_HOST || f.tftpHost || '0.0.0.0',
    tftpPort: envNumber('CADRAN_TFTP_PORT', env) ?? f.tftpPort ?? 6969,
    adminHost: env.CADRAN_ADMIN_HOST || f.adminHost || '127.0.0.1',
    adminPort: envNumber('CADRAN_ADMIN_PORT', env) ?? f.adminPort ?? 8081,
    publicUrl: env.CADRAN_PUBLIC_URL || f.publicUrl || null,
    logLevel: env.CADRAN_LOG_LEVEL || f.logLevel || 'info',
    phoneWorkers: Number(env.CADRAN_PHONE_WORKERS || f.phoneWorkers || 1),
    sip: {
      bindHost: env.CADRAN_SIP_HOST || f.sip?.bindHost || '0.0.0.0',
      bindPort: envNumber('CADRAN_SIP_PORT', env) ?? f.sip?.bindPort ?? 0,
      ratePerTenant: Number(env.CADRAN_RESYNC_RATE || f.sip?.ratePerTenant || 20),
      globalRate: Number(env.CADRAN_RESYNC_GLOBAL_RATE || f.sip?.globalRate || 200),
    },
    smtp: {
      host: env.CADRAN_SMTP_HOST || f.smtp?.host || null,
      port: envNumber('CADRAN_SMTP_PORT', env) ?? f.smtp?.port ?? 25,
      from: env.CADRAN_SMTP_FROM || f.smtp?.from || 'cadran@localhost',
      secure: f.smtp?.secure ?? false,
    },
    probe: {
      unknownPerMinute: f.probe?.unknownPerMinute ?? 30,
      blockSeconds: f.probe?.blockSeconds ?? 600,
    },
    templateOverrideDir: join(dataDir, 'templates'),
  };
}
