// PostgreSQL for tests: every caller gets a fresh, empty database of its own.
//
// With CADRAN_TEST_DATABASE_URL (a superuser URL of a running cluster, as `.ci/run` exports) the
// databases are made there. Without it a throw-away cluster is started for this process:
// initdb + pg_ctl in a temporary directory, on a free loopback port (as the `postgres` user when
// running as root), and stopped when the process ends — even when it is killed: a small
// watchdog process stops the cluster once this process is gone.
// When neither is possible the call throws with what is missing: a test needing PostgreSQL then
// fails, it is never skipped.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import pg from 'pg';

export interface TestDatabase {
  /** URL of the new database (same superuser as the cluster URL). */
  url: string;
  name: string;
  drop(): Promise<void>;
}

const created = new Set<TestDatabase>();
let cluster: Promise<string> | null = null;
let counter = 0;

/** Where initdb and pg_ctl are: on PATH, else the newest /usr/lib/postgresql/<v>/bin (Debian). */
export function findPostgresBin(): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir;
  }
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const versions = readdirSync(base).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    for (const v of versions) {
      const dir = join(base, v, 'bin');
      if (existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir;
    }
  }
  return null;
}

async function freeTcpPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', resolve);
  });
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

export interface Cluster {
  /** Superuser URL (database `postgres`). */
  url: string;
  /** With `ssl`: the PEM of the CA that signed the server certificate (name `db.invalid` only). */
  caFile?: string;
}

/**
 * Start a throw-away cluster, stopped when this process ends. With `ssl`, the server also
 * accepts TLS, with a certificate for the name `db.invalid` signed by a CA made for it (tests
 * of the TLS modes: verify-full fails on 127.0.0.1, verify-ca passes).
 */
export async function startCluster(opts: { ssl?: boolean } = {}): Promise<Cluster> {
  const bin = findPostgresBin();
  if (!bin) {
    throw new Error(
      'PostgreSQL tests need a cluster: set CADRAN_TEST_DATABASE_URL to a superuser URL of a running one, or install the ' +
        'PostgreSQL server binaries (Debian package `postgresql`: initdb and pg_ctl) so a throw-away cluster can be started. Neither was found.',
    );
  }
  const asRoot = process.getuid?.() === 0;
  let uid: number | undefined;
  let gid: number | undefined;
  if (asRoot) {
    const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const g = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (id.status !== 0 || g.status !== 0) {
      throw new Error('running as root, the throw-away PostgreSQL cluster must run as the `postgres` user, which does not exist (install the Debian package `postgresql`)');
    }
    uid = Number(id.stdout.trim());
    gid = Number(g.stdout.trim());
  }
  const dir = mkdtempSync(join(tmpdir(), 'cadran-pg-'));
  const data = join(dir, 'data');
  if (uid !== undefined && gid !== undefined) {
    chownSync(dir, uid, gid);
    chmodSync(dir, 0o700);
  }
  const asPg = (cmd: string, args: string[]): [string, string[]] => (asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]);
  const sh = (cmd: string, args: string[], what: string) => {
    const [c, a] = asPg(join(bin, cmd), args);
    const r = spawnSync(c, a, { encoding: 'utf8', cwd: dir, timeout: 120_000 });
    if (r.status !== 0) {
      let log = '';
      try {
        log = readFileSync(join(dir, 'postgres.log'), 'utf8').slice(-2000);
      } catch {
        /* no log yet */
      }
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`${what} failed (${c} ${a.join(' ')}): ${r.error?.message ?? ''}${r.stderr ?? ''}${r.stdout ?? ''}${log}`);
    }
  };
  sh('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync', '--locale=C.UTF-8'], 'initdb of the throw-away PostgreSQL cluster');
  let sslOpts = '';
  let caFile: string | undefined;
  if (opts.ssl) {
    caFile = join(dir, 'ca.crt');
    const ssl = (args: string[]) => {
      const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`openssl ${args[0]} failed (the TLS tests need the openssl command): ${r.error?.message ?? ''}${r.stderr ?? ''}`);
    };
    writeFileSync(join(dir, 'san.ext'), 'subjectAltName=DNS:db.invalid\n');
    ssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=cadran test CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    ssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=db.invalid']);
    ssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'san.ext']);
    chmodSync(join(dir, 'server.key'), 0o600);
    if (uid !== undefined && gid !== undefined) for (const f of ['server.key', 'server.crt']) chownSync(join(dir, f), uid, gid);
    chmodSync(join(dir, 'ca.crt'), 0o644);
    sslOpts = ` -c ssl=on -c ssl_cert_file=${join(dir, 'server.crt')} -c ssl_key_file=${join(dir, 'server.key')}`;
  }
  // A port another process grabs between the probe and the start makes pg_ctl fail: try a few.
  let port = 0;
  for (let attempt = 1; ; attempt++) {
    port = await freeTcpPort();
    const opts = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300${sslOpts}`;
    try {
      sh('pg_ctl', ['-D', data, '-l', join(dir, 'postgres.log'), '-w', '-t', '60', '-o', opts, 'start'], 'starting the throw-away PostgreSQL cluster');
      break;
    } catch (e) {
      if (attempt >= 3 || !existsSync(dir)) throw e;
    }
  }
  // Stop the cluster when this process ends, however it ends (exit, signal, SIGKILL by the runner).
  const [stopCmd, stopArgs] = asPg(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
  const stopLine = [stopCmd, ...stopArgs].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const watchdog = spawn('sh', ['-c', `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; ${stopLine} >/dev/null 2>&1; rm -rf '${dir}'`], {
    detached: true,
    stdio: 'ignore',
  });
  watchdog.unref();
  process.once('exit', () => {
    spawnSync(stopCmd, stopArgs, { stdio: 'ignore', timeout: 30_000 });
    rmSync(dir, { recursive: true, force: true });
  });
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, ...(caFile ? { caFile } : {}) };
}

/** The superuser URL of the cluster tests use (started on first call when there is none). */
export function testClusterUrl(): Promise<string> {
  const env = process.env.CADRAN_TEST_DATABASE_URL;
  if (env) return Promise.resolve(env);
  cluster ??= startCluster().then((c) => c.url);
  return cluster;
}

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = '/' + encodeURIComponent(db);
  return u.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const url = await testClusterUrl();
  const c = new pg.Client({ connectionString: url });
  c.on('error', () => undefined);
  try {
    await c.connect();
  } catch (e) {
    throw new Error(`cannot connect to the test PostgreSQL cluster ${url.replace(/:[^:@/]*@/, ':***@')}: ${(e as Error).message}`, { cause: e });
  }
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

async function createDatabase(name: string, template: string): Promise<void> {
  await admin(async (c) => {
    if (template !== 'template0') {
      await c.query(`CREATE DATABASE "${name}" TEMPLATE "${template}" STRATEGY FILE_COPY`);
      return;
    }
    try {
      await c.query(`CREATE DATABASE "${name}" TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'fr-FR' LOCALE 'C.UTF-8' STRATEGY FILE_COPY`);
    } catch {
      await c.query(`CREATE DATABASE "${name}" TEMPLATE template0 ENCODING 'UTF8' STRATEGY FILE_COPY`);
    }
  });
}

let migratedTemplate: Promise<string> | null = null;

/** A database migrated to the latest schema, made once per process and copied (faster than migrating each time). */
function migratedTemplateName(): Promise<string> {
  migratedTemplate ??= (async () => {
    const name = `cadran_tpl_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    await createDatabase(name, 'template0');
    const { openPostgresStore } = await import('../../server/store/postgres/index.ts');
    const s = await openPostgresStore({ url: withDatabase(await testClusterUrl(), name), listen: false, poolSize: 1 });
    await s.close();
    created.add({ url: '', name, drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined) });
    return name;
  })();
  return migratedTemplate;
}

/**
 * A new database of its own: empty, or already `migrated` to the latest schema. FILE_COPY: twice
 * as fast as the default strategy here. It is made with a French ICU collation when the server
 * has ICU, so a query that sorts by the database's locale instead of cadran's byte order shows
 * up in tests.
 */
export async function createTestDatabase(opts: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const name = `cadran_t_${process.pid}_${++counter}_${Math.random().toString(36).slice(2, 8)}`;
  await createDatabase(name, opts.migrated ? await migratedTemplateName() : 'template0');
  const url = withDatabase(await testClusterUrl(), name);
  const db: TestDatabase = {
    url,
    name,
    drop: async () => {
      created.delete(db);
      await admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
  created.add(db);
  return db;
}

/** Drop every database this process made (call from the test file's `after`). */
export async function dropTestDatabases(): Promise<void> {
  for (const db of [...created]) await db.drop().catch(() => undefined);
  created.clear();
  migratedTemplate = null;
}

/** Run SQL as the cluster superuser on a given test database (setting up odd states in tests). */
export async function sqlOn<T extends pg.QueryResultRow = Record<string, unknown>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return (await c.query<T>(sql, params)).rows;
  } finally {
    await c.end().catch(() => undefined);
  }
}


// ---- the whole unit suite on PostgreSQL (CADRAN_TEST_ENGINE=postgres) ---------------------------

let prepared: { cluster: string; template: string } | null = null;

/** Start (or find) the cluster and the migrated template, so databases can then be made synchronously. */
export async function preparePostgres(): Promise<void> {
  if (prepared) return;
  prepared = { cluster: await testClusterUrl(), template: await migratedTemplateName() };
  // Databases made by createTestDatabaseSync are dropped when the process ends.
  process.once('exit', () => {
    if (syncMade.length === 0 || !prepared) return;
    const script = `const pg=require('pg');(async()=>{const c=new pg.Client({connectionString:process.argv[1]});await c.connect();` +
      `for(const n of JSON.parse(process.argv[2]))await c.query('DROP DATABASE IF EXISTS "'+n+'" WITH (FORCE)').catch(()=>{});await c.end()})()`;
    spawnSync(process.execPath, ['-e', script, prepared.cluster, JSON.stringify(syncMade)], { cwd: ROOT, stdio: 'ignore', timeout: 60_000 });
  });
}

const syncMade: string[] = [];
const ROOT = new URL('../..', import.meta.url).pathname;

/**
 * A new database at the latest schema, made synchronously (for code paths that build a config
 * synchronously, like testConfig()). preparePostgres() must have been awaited first.
 */
export function createTestDatabaseSync(): { url: string; name: string } {
  if (!prepared) throw new Error('createTestDatabaseSync: await preparePostgres() first');
  const name = `cadran_t_${process.pid}_${++counter}_${Math.random().toString(36).slice(2, 8)}`;
  const script = `const pg=require('pg');(async()=>{const c=new pg.Client({connectionString:process.argv[1]});await c.connect();` +
    `await c.query('CREATE DATABASE "'+process.argv[2]+'" TEMPLATE "'+process.argv[3]+'" STRATEGY FILE_COPY');await c.end()})()` +
    `.catch(e=>{console.error(e.message);process.exit(1)})`;
  const r = spawnSync(process.execPath, ['-e', script, prepared.cluster, name, prepared.template], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`cannot create the test database ${name}: ${r.stderr || r.error?.message}`);
  syncMade.push(name);
  return { url: withDatabase(prepared.cluster, name), name };
}
