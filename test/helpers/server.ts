// An in-process cadran for tests: temporary data dir, ports chosen by the OS, an operator token.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../server/config.ts';
import { createAppContext, startServer, type Feature, type Running } from '../../server/app.ts';
import { silentLogger, type Logger } from '../../server/log.ts';
import { createOperator } from '../../server/cli/operator.ts';
import type { AppContext } from '../../server/app-context.ts';
import { createTestDatabaseSync, preparePostgres } from './postgres.ts';

/**
 * The engine the test servers run on: `CADRAN_TEST_ENGINE=postgres` gives every data directory a
 * fresh PostgreSQL database of its own (named in the directory's cadran.json too, so `cadran`
 * commands a test spawns on that directory use it), so the whole suite can run on PostgreSQL.
 */
export const TEST_ENGINE = (() => {
  const e = process.env.CADRAN_TEST_ENGINE || 'sqlite';
  if (e !== 'sqlite' && e !== 'postgres') throw new Error(`CADRAN_TEST_ENGINE="${e}": use sqlite or postgres`);
  return e;
})();
if (TEST_ENGINE === 'postgres') await preparePostgres();

const databaseOfDir = new Map<string, string>();

/** On PostgreSQL: the database URL of this data directory (made on first use). */
function postgresFor(dataDir: string): string {
  let url = databaseOfDir.get(dataDir);
  if (!url) {
    url = createTestDatabaseSync().url;
    databaseOfDir.set(dataDir, url);
    const file = join(dataDir, 'cadran.json');
    if (!existsSync(file)) writeFileSync(file, JSON.stringify({ database: { url } }));
  }
  return url;
}

export interface ApiAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON answers
  body: any;
  headers: Headers;
}

export interface TestServer {
  app: AppContext;
  /** What startServer returned: phone listeners, resync runtime. */
  running: Running;
  dataDir: string;
  adminUrl: string;
  operatorToken: string;
  api(method: string, path: string, body?: unknown, token?: string | null, headers?: Record<string, string>): Promise<ApiAnswer>;
  close(): Promise<void>;
}

export function testConfig(dataDir: string, env: Record<string, string> = {}): Config {
  return loadConfig({
    ...(TEST_ENGINE === 'postgres' ? { CADRAN_DATABASE_URL: postgresFor(dataDir) } : {}),
    CADRAN_DATA_DIR: dataDir,
    CADRAN_ADMIN_PORT: '0',
    CADRAN_HTTP_PORT: '0',
    CADRAN_TFTP_PORT: '0',
    CADRAN_ADMIN_HOST: '127.0.0.1',
    CADRAN_HTTP_HOST: '127.0.0.1',
    CADRAN_TFTP_HOST: '127.0.0.1',
    CADRAN_SIP_HOST: '127.0.0.1',
    // Phones served in the test's own process unless a test asks for workers (the default is one
    // worker process per core).
    CADRAN_PHONE_WORKERS: '1',
    ...env,
  });
}

export async function startTestServer(opts: { features?: Feature[]; env?: Record<string, string>; log?: Logger } = {}): Promise<TestServer> {
  process.env.CADRAN_BCRYPT_COST ??= '4';
  const dataDir = mkdtempSync(join(tmpdir(), 'cadran-test-'));
  const app = await createAppContext(testConfig(dataDir, opts.env), opts.log ?? silentLogger);
  const { token } = await createOperator(app, 'ops');
  const running = await startServer(app, opts.features ?? []);
  const adminUrl = `${running.adminScheme}://127.0.0.1:${running.adminPort}`;
  const api: TestServer['api'] = async (method, path, body, tok, headers = {}) => {
    const h: Record<string, string> = { ...headers };
    const t = tok === undefined ? token : tok;
    if (t) h.authorization = `Bearer ${t}`;
    let payload: string | undefined;
    if (body !== undefined) {
      if (typeof body === 'string') payload = body;
      else {
        payload = JSON.stringify(body);
        h['content-type'] ??= 'application/json';
      }
    }
    const res = await fetch(`${adminUrl}/api/v1${path}`, { method, headers: h, ...(payload !== undefined ? { body: payload } : {}) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };
  return {
    app,
    running,
    dataDir,
    adminUrl,
    operatorToken: token,
    api,
    close: async () => {
      await running.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A tenant `acme` with an admin, two users, and a tenant `globex` with one user. Returns their tokens. */
export async function seedTwoTenants(s: TestServer) {
  const ok = async (p: Promise<ApiAnswer>) => {
    const r = await p;
    if (r.status >= 300) throw new Error(`seed failed: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  // Explicitly open (a tenant created without `security` adopts its phones before serving them;
  // test/adopt-before-serve.test.ts covers that default).
  await ok(s.api('POST', '/tenants', { id: 'acme', name: 'Acme SAS', sipDomain: 'sip.acme.example', security: {} }));
  await ok(s.api('POST', '/tenants', { id: 'globex', name: 'Globex', sipDomain: 'sip.globex.example', security: {} }));
  const users = [
    ['acme', '0100000001', 'Chloé Admin', 'admin'],
    ['acme', '0100000002', 'Alice Martin', 'user'],
    ['acme', '0100000003', 'Bob Durand', 'user'],
    ['globex', '0200000001', 'Gus Globex', 'admin'],
    ['globex', '0200000002', 'Gina Globex', 'user'],
  ] as const;
  const tokens: Record<string, string> = {};
  for (const [tenant, number, name, role] of users) {
    await ok(s.api('POST', `/tenants/${tenant}/users`, { number, name, role, password: `pw-${number}` }));
    const login = await ok(s.api('POST', '/sessions', { login: number, password: `pw-${number}` }, null));
    tokens[number] = login.token;
  }
  return tokens;
}
