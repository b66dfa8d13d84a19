// Shared by the phone-side test files: a cadran with the phone feature and seeded phones of the
// three vendors, and a raw HTTP client (no path normalisation, new connection per request, any
// loopback source address).
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, seedTwoTenants, type TestServer } from './helpers/server.ts';
import { phoneFeature } from '../server/features.ts';
import type { Feature } from '../server/app.ts';
import { renderDeviceFile } from '../server/provision/render.ts';

export const PHONES = {
  yealink: { mac: '805ec0000001', model: 'T54W', tenant: 'acme', user: '0100000002', ua: 'Yealink SIP-T54W 96.86.0.100 80:5e:c0:00:00:01' },
  polycom: { mac: '0004f2000002', model: 'VVX450', tenant: 'acme', user: '0100000003', ua: 'FileTransport PolycomVVX-VVX_450-UA/6.4.6.2736 Type/Application' },
  snom: { mac: '000413000003', model: 'D785', tenant: 'globex', user: '0200000002', ua: 'Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 2010.12-00004-g9ba52f5 000413000003 SXM:0 UXM:0)' },
} as const;

export interface PhoneServer {
  s: TestServer;
  httpPort: number;
  httpsPort: number | null;
  tftpPort: number;
  /** SIP passwords of every seeded user: none may appear in an answer to an unknown phone. */
  secrets: string[];
  close(): Promise<void>;
}

/** A config file for settings that have no environment variable (probe limits). */
export function configFile(content: object): string {
  const dir = mkdtempSync(join(tmpdir(), 'cadran-cfg-'));
  const file = join(dir, 'cadran.json');
  writeFileSync(file, JSON.stringify(content));
  return file;
}

/** `extra`: more features beside the phone listeners (imports…). */
export async function startPhoneServer(env: Record<string, string> = {}, extra: Feature[] = []): Promise<PhoneServer> {
  const s = await startTestServer({ features: [phoneFeature, ...extra], env: { CADRAN_LOG_LEVEL: 'silent', ...env } });
  await seedTwoTenants(s);
  for (const p of Object.values(PHONES)) {
    const r = await s.api('POST', '/devices', { mac: p.mac, model: p.model, tenant: p.tenant, user: p.user });
    if (r.status !== 201) throw new Error(`seeding ${p.mac}: ${r.status} ${JSON.stringify(r.body)}`);
  }
  const secrets: string[] = [];
  for (const n of ['0100000001', '0100000002', '0100000003', '0200000001', '0200000002']) {
    secrets.push((await s.api('GET', `/users/${n}`)).body.sipPassword);
  }
  const l = s.running.phone!;
  return { s, httpPort: l.httpPort, httpsPort: l.httpsPort, tftpPort: l.tftpPort, secrets, close: () => s.close() };
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface GetOptions {
  headers?: Record<string, string>;
  /** Source address on the loopback (127.0.0.2 …) to act as another client. */
  from?: string;
  /** Server address (default 127.0.0.1). */
  host?: string;
  method?: string;
  https?: boolean;
}

/** One request on a fresh connection; `path` is sent exactly as given. */
export function get(port: number, path: string, o: GetOptions = {}): Promise<Answer> {
  const make = o.https ? httpsRequest : request;
  return new Promise((resolve, reject) => {
    const req = make(
      {
        host: o.host ?? '127.0.0.1',
        port,
        path,
        method: o.method ?? 'GET',
        agent: false,
        headers: { connection: 'close', ...o.headers },
        ...(o.from ? { localAddress: o.from } : {}),
        ...(o.https ? { rejectUnauthorized: false } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** What `cadran render` gives for this file, with the same URL root as the request. */
export async function rendered(ps: PhoneServer, mac: string, file: string, root = `http://127.0.0.1:${ps.httpPort}/`): Promise<Buffer> {
  const out = await renderDeviceFile(ps.s.app, mac, file, root);
  if (!out) throw new Error(`${file} does not render for ${mac}`);
  return out.body;
}

/** Poll until `check` holds (the activity flush runs every second); bounded. */
// The limit only bounds a failure (a pass returns as soon as the check holds): generous, so a loaded
// machine does not fail a test whose condition is merely late.
export async function eventually<T>(probe: () => Promise<T>, check: (v: T) => boolean, limitMs = 15_000): Promise<T> {
  const until = Date.now() + limitMs;
  for (;;) {
    const v = await probe();
    if (check(v) || Date.now() > until) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function containsAny(body: Buffer, secrets: string[]): string | null {
  const text = body.toString('utf8');
  return secrets.find((s) => text.includes(s)) ?? null;
}
