// The shared store suite on PostgreSQL (a fresh database per test; see test/helpers/postgres.ts),
// plus what only this engine has: TLS and pool settings, the change feed's reconnection.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { KeyRing } from '../server/store/secrets.ts';
import { storeSuite, until, type SuiteDatabase } from './helpers/store-suite.ts';
import { createTestDatabase, dropTestDatabases, sqlOn, startCluster, type Cluster } from './helpers/postgres.ts';
import { openPostgresStore, latestPgVersion, MIGRATION_LOCK_KEY, type PostgresStore } from '../server/store/postgres/index.ts';
import { clientConfig, poolConfig, parsePostgresUrl, redactUrl, PostgresConfigError } from '../server/store/postgres/options.ts';
import { StoreError } from '../server/store/errors.ts';
import type { Store, StoreChange } from '../server/store/types.ts';

async function newDatabase(migrated = false): Promise<SuiteDatabase> {
  const db = await createTestDatabase({ migrated });
  // One key per database, as an installation has: reopening reads what was sealed before.
  const keys = KeyRing.of(randomBytes(32));
  return {
    open: () => openPostgresStore({ url: db.url, poolSize: 4, keys }),
    rawText: async () => {
      const tables = await sqlOn<{ t: string }>(db.url, `SELECT tablename AS t FROM pg_tables WHERE schemaname = current_schema()`);
      const parts: string[] = [];
      for (const { t } of tables) parts.push(JSON.stringify(await sqlOn(db.url, `SELECT * FROM "${t}"`)));
      return parts.join('\n');
    },
    schemaVersion: async () => {
      const r = await sqlOn<{ v: number | null }>(db.url, `SELECT CASE WHEN to_regclass('schema_migrations') IS NULL THEN 0 ELSE (SELECT max(version) FROM schema_migrations) END AS v`);
      return r[0]?.v ?? 0;
    },
    markNewer: async (v) => {
      await sqlOn(db.url, `INSERT INTO schema_migrations (version, name) VALUES ($1, 'from a newer cadran')`, [v]);
    },
  };
}

storeSuite({
  engine: 'postgres',
  latestVersion: latestPgVersion(),
  newDatabase: () => newDatabase(),
  newMigratedDatabase: () => newDatabase(true),
  feed: 'notify',
  cleanup: dropTestDatabases,
});

// ---- PostgreSQL only ---------------------------------------------------------------------------
const only = suite('postgres engine');
const opened: Store[] = [];
const track = <S extends Store>(s: S): S => (opened.push(s), s);
only.after.each(async () => {
  for (const s of opened.splice(0)) await s.close().catch(() => undefined);
});
only.after(() => dropTestDatabases());

const tenant = (id: string) => ({ id, name: id, sipDomain: `sip.${id}`, sipProxy: null, sipPort: 5060, sipTransport: 'udp' as const, security: {} });

function throwsConfig(fn: () => unknown, re: RegExp): void {
  try {
    fn();
  } catch (e) {
    assert.instance(e, PostgresConfigError);
    assert.match((e as Error).message, re);
    assert.not.match((e as Error).message, /s3cret/, 'the password never appears in a message');
    return;
  }
  assert.unreachable(`expected a configuration error matching ${re}`);
}

only('settings: URL, TLS precedence, pool size, timeouts; clear errors that never show the password', () => {
  const p = parsePostgresUrl('postgresql://cad%40ran:s3cret%2F@db.example.org:6432/prov?application_name=node1');
  assert.equal([p.user, p.password, p.host, p.port, p.database], ['cad@ran', 's3cret/', 'db.example.org', 6432, 'prov']);
  assert.is(redactUrl('postgres://u:s3cret@h/db'), 'postgres://u:***@h/db');
  assert.is(parsePostgresUrl('postgres://u@[::1]:5433/db').host, '::1');
  assert.is(parsePostgresUrl('postgres:///db?host=/run/postgresql').host, '/run/postgresql');

  const remote = clientConfig({ url: 'postgres://u:s3cret@db.example.org/prov' });
  assert.is(remote.tlsMode, 'verify-full', 'a remote server is verified by default');
  assert.equal(remote.ssl, { rejectUnauthorized: true, servername: 'db.example.org' });
  assert.is(remote.statement_timeout, 30_000);
  assert.is(remote.application_name, 'cadran');
  assert.is(clientConfig({ url: 'postgres://u@127.0.0.1/prov' }).ssl, false, 'loopback: clear text by default');
  assert.is(clientConfig({ url: 'postgres://u@localhost/prov' }).tlsMode, 'disable');
  assert.is(clientConfig({ url: 'postgres://u@db/prov?sslmode=disable' }).ssl, false);
  assert.equal(clientConfig({ url: 'postgres://u@db/prov?sslmode=require' }).ssl, { rejectUnauthorized: false }, 'require: encrypted, not verified (libpq meaning)');
  assert.is(clientConfig({ url: 'postgres://u@db/prov?sslmode=prefer' }).tlsMode, 'require');
  assert.is(clientConfig({ url: 'postgres://u@db/prov?sslmode=require', tls: 'verify-full' }).tlsMode, 'verify-full', 'the setting wins over the URL');
  assert.is(clientConfig({ url: 'postgres://u@127.0.0.1/prov', tls: 'require' }).tlsMode, 'require');
  const vca = clientConfig({ url: 'postgres://u@db/prov', tls: 'verify-ca' }).ssl as { rejectUnauthorized: boolean; checkServerIdentity: () => unknown };
  assert.is(vca.rejectUnauthorized, true);
  assert.is(vca.checkServerIdentity(), undefined, 'verify-ca does not check the name');
  assert.is(clientConfig({ url: 'postgres://u@h/db', statementTimeoutMs: 0 }).statement_timeout, undefined, '0: no timeout');
  assert.is(poolConfig({ url: 'postgres://u@h/db' }).max, 10);
  assert.is(poolConfig({ url: 'postgres://u@h/db', poolSize: 3 }).max, 3);

  throwsConfig(() => clientConfig({ url: 'mysql://u:s3cret@h/db' }), /must start with postgres:\/\//);
  throwsConfig(() => clientConfig({ url: 'postgres://u:s3cret@h/' }), /names no database/);
  throwsConfig(() => clientConfig({ url: 'postgres://u:s3cret@h:99999/db' }), /not a valid URL|port/);
  throwsConfig(() => clientConfig({ url: 'postgres://u:s3cret@h/db?sslmode=maybe' }), /sslmode "maybe"/);
  throwsConfig(() => clientConfig({ url: 'postgres://u:s3cret@h/db?sslmod=require' }), /parameter "sslmod" is not supported/);
  throwsConfig(() => clientConfig({ url: 'postgres://u:s3cret@h/db', tls: 'on' as never }), /TLS mode "on"/);
  throwsConfig(() => clientConfig({ url: 'postgres://u:s3cret@h/db', tls: 'verify-full', caFile: '/nonexistent/ca.pem' }), /CA file \/nonexistent\/ca.pem cannot be read: ENOENT/);
  throwsConfig(() => poolConfig({ url: 'postgres://u:s3cret@h/db', poolSize: 0 }), /pool size must be an integer from 1/);
  throwsConfig(() => clientConfig({ url: 'postgres://u:s3cret@h/db', statementTimeoutMs: -1 }), /statement timeout/);
});

/** Whether each connection of this application name uses TLS (as the server sees it). */
async function sslOf(adminUrl: string, app: string): Promise<boolean[]> {
  const rows = await sqlOn<{ ssl: boolean }>(adminUrl, 'SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name LIKE $1', [`${app}%`]);
  return rows.map((r) => r.ssl);
}

async function openFails(opts: Parameters<typeof openPostgresStore>[0]): Promise<string> {
  try {
    track(await openPostgresStore(opts));
  } catch (e) {
    return (e as Error).message;
  }
  assert.unreachable('expected opening to fail');
  return '';
}

let tlsCluster: Promise<Cluster> | null = null;

only('TLS: disable, require, verify-ca and verify-full against a server with a certificate for another name', async () => {
  tlsCluster ??= startCluster({ ssl: true });
  const c = await tlsCluster;
  const ca = c.caFile!;
  const url = c.url;
  track(await openPostgresStore({ url, tls: 'disable', applicationName: 'cad-plain' }));
  assert.equal([...new Set(await sslOf(url, 'cad-plain'))], [false]);
  track(await openPostgresStore({ url, tls: 'require', applicationName: 'cad-req' }));
  assert.equal([...new Set(await sslOf(url, 'cad-req'))], [true], 'pool and listener connections are encrypted');
  const s = track(await openPostgresStore({ url, tls: 'verify-ca', caFile: ca, applicationName: 'cad-vca' }));
  await s.settings.set('k', 1);
  assert.equal([...new Set(await sslOf(url, 'cad-vca'))], [true]);
  track(await openPostgresStore({ url: `${url}?sslmode=verify-ca&sslrootcert=${encodeURIComponent(ca)}`, applicationName: 'cad-url' }));
  assert.equal([...new Set(await sslOf(url, 'cad-url'))], [true], 'sslmode and sslrootcert in the URL');
  // The certificate names db.invalid, not 127.0.0.1: verify-full must refuse.
  const wrongName = await openFails({ url, tls: 'verify-full', caFile: ca });
  assert.match(wrongName, /cannot connect to PostgreSQL postgres@127\.0\.0\.1:\d+\/postgres/);
  assert.match(wrongName, /Hostname\/IP does not match|altnames/);
  // Without the CA nothing verifies.
  const unknownCa = await openFails({ url, tls: 'verify-full' });
  assert.match(unknownCa, /certificate/);
  assert.match(unknownCa, /CADRAN_DATABASE_CA_FILE/);
});

only('TLS: a server without TLS gets a message saying how to connect in clear', async () => {
  const db = await createTestDatabase({ migrated: true });
  const msg = await openFails({ url: db.url, tls: 'require' });
  assert.match(msg, /does not support SSL/);
  assert.match(msg, /CADRAN_DATABASE_TLS=disable/);
});

only('a server that does not answer: the message names it, without the password', async () => {
  const srv = await import('node:net').then((net) => net.createServer());
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  const msg = await openFails({ url: `postgres://cadran:s3cret@127.0.0.1:${port}/prov`, connectTimeoutMs: 2000 });
  assert.match(msg, new RegExp(`cannot connect to PostgreSQL cadran@127\\.0\\.0\\.1:${port}/prov: connect ECONNREFUSED`));
  assert.not.match(msg, /s3cret/);
});

only('pool size: never more connections than set', async () => {
  const db = await createTestDatabase({ migrated: true });
  const s = track(await openPostgresStore({ url: db.url, poolSize: 2, applicationName: 'cad-pool' }));
  let inside = 0;
  let most = 0;
  await Promise.all(
    [1, 2, 3, 4, 5].map((i) =>
      s.transaction(async (tx) => {
        inside++;
        most = Math.max(most, inside);
        await tx.settings.set(`k${i}`, i);
        await new Promise((r) => setTimeout(r, 50));
        inside--;
      }),
    ),
  );
  assert.is(most, 2);
  const rows = await sqlOn<{ n: string }>(db.url, `SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'cad-pool'`);
  assert.ok(Number(rows[0]!.n) <= 2, `${rows[0]!.n} pool connections`);
});

only('a pool kept busy: a call that cannot get a connection in time fails as busy, naming the setting', async () => {
  const db = await createTestDatabase({ migrated: true });
  const s = track(await openPostgresStore({ url: db.url, poolSize: 1, connectTimeoutMs: 300 }));
  let err: unknown;
  await s.transaction(async (tx) => {
    await tx.settings.set('k', 1);
    try {
      await s.settings.get('k');
    } catch (e) {
      err = e;
    }
  });
  assert.instance(err, StoreError);
  assert.is((err as StoreError).code, 'busy');
  assert.match((err as Error).message, /all 1 pooled connections stayed in use \(CADRAN_DATABASE_POOL_SIZE/);
  assert.is(await s.settings.get('k'), 1, 'works again once the connection is free');
});

only('statement timeout: a statement stuck behind a lock fails as busy; the transaction still commits', async () => {
  const db = await createTestDatabase({ migrated: true });
  const s = track(await openPostgresStore({ url: db.url, statementTimeoutMs: 300 }));
  await s.tenants.insert(tenant('acme'));
  let err: unknown;
  await s.transaction(async (tx) => {
    await tx.tenants.update('acme', { ...tenant('acme'), name: 'in tx' });
    try {
      await s.tenants.update('acme', { ...tenant('acme'), name: 'outside' });
    } catch (e) {
      err = e;
    }
  });
  assert.instance(err, StoreError);
  assert.is((err as StoreError).code, 'busy');
  assert.match((err as Error).message, /statement timeout/);
  assert.is((await s.tenants.get('acme'))!.name, 'in tx');
});

only('a read that fails inside a transaction aborts it: the commit says so instead of pretending', async () => {
  const db = await createTestDatabase({ migrated: true });
  const s = track(await openPostgresStore({ url: db.url, statementTimeoutMs: 300 }));
  await s.tenants.insert(tenant('acme'));
  const locker = new pg.Client({ connectionString: db.url });
  await locker.connect();
  let readError: unknown;
  let commitError: unknown;
  try {
    await s.transaction(async (tx) => {
      await tx.tenants.insert(tenant('beta'));
      await locker.query('BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE');
      try {
        await tx.users.list();
      } catch (e) {
        readError = e;
      }
      await locker.query('COMMIT');
    });
  } catch (e) {
    commitError = e;
  } finally {
    await locker.end();
  }
  assert.is((readError as StoreError).code, 'busy');
  assert.instance(commitError, StoreError);
  assert.match((commitError as Error).message, /rolled back/);
  assert.is(await s.tenants.get('beta'), undefined);
});

only('the store bound to a transaction cannot be used once it ended', async () => {
  const db = await createTestDatabase({ migrated: true });
  const s = track(await openPostgresStore({ url: db.url }));
  let leaked: Store | undefined;
  await s.transaction(async (tx) => {
    leaked = tx;
  });
  let err: unknown;
  try {
    await leaked!.tenants.list();
  } catch (e) {
    err = e;
  }
  assert.match((err as Error).message, /transaction has ended/);
});

only('migrations run under the advisory lock: a start waits while another node migrates', async () => {
  const db = await createTestDatabase();
  const holder = new pg.Client({ connectionString: db.url });
  await holder.connect();
  await holder.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
  let done = false;
  const opening = openPostgresStore({ url: db.url }).then((s) => {
    done = true;
    return track(s);
  });
  await new Promise((r) => setTimeout(r, 500));
  assert.is(done, false, 'waits for the lock');
  assert.equal(await sqlOn(db.url, `SELECT to_regclass('tenants') AS t`), [{ t: null }], 'nothing migrated meanwhile');
  await holder.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
  await holder.end();
  const s = await opening;
  await s.tenants.insert(tenant('acme'));
});

only('migration 007 on a version-4 database: plaintext passwords sealed, operator tokens kept (a year), login tokens and sessions dropped; a missing key refuses to open', async () => {
  const db = await createTestDatabase();
  const { pgMigrations } = await import('../server/store/postgres/migrations/index.ts');
  await (await openPostgresStore({ url: db.url, listen: false, migrations: pgMigrations.filter((m) => m.version <= 4) })).close();
  const at = new Date().toISOString();
  await sqlOn(db.url, `INSERT INTO tenants (id, name, sip_domain, security, created_at, updated_at) VALUES ('acme', 'Acme', 'sip.acme.example', $1, $2, $2)`,
    [JSON.stringify({ auth: { mode: 'basic', username: 'prov', password: 'Plain-Tenant-Auth-1' } }), at]);
  await sqlOn(db.url, `INSERT INTO users (number, tenant_id, name, role, sip_auth_name, sip_password, voicemail_number, created_at, updated_at)
    VALUES ('0100000001', 'acme', 'Chloé', 'admin', '0100000001', 'Plain-Sip-Pass-1', '123', $1, $1)`, [at]);
  await sqlOn(db.url, `INSERT INTO devices (mac, tenant_id, vendor, model, user_number, provisioning_username, provisioning_password, created_at, updated_at)
    VALUES ('805ec0123401', 'acme', 'yealink', 'T54W', '0100000001', 'p', 'Plain-Prov-Pass-1', $1, $1)`, [at]);
  await sqlOn(db.url, `INSERT INTO tenant_network (tenant_id, profile) VALUES ('acme', $1)`, [JSON.stringify({ vlanId: 20, adminPassword: 'Plain-Admin-Pass-1' })]);
  await sqlOn(db.url, `INSERT INTO operators (login, created_at) VALUES ('ops', $1)`, [at]);
  await sqlOn(db.url, `INSERT INTO api_tokens (id, token_hash, principal_kind, principal_id, label, created_at) VALUES ('t1', 'h1', 'operator', 'ops', 'created by cadran operator create', $1), ('t2', 'h2', 'user', '0100000001', 'login', $1)`, [at]);
  await sqlOn(db.url, `INSERT INTO sessions (id_hash, principal_kind, principal_id, csrf_token, expires_at) VALUES ('s1', 'operator', 'ops', 'c', $1)`, [at]);

  const keys = KeyRing.of(randomBytes(32));
  const s = track(await openPostgresStore({ url: db.url, listen: false, keys }));
  assert.is((await s.users.get('0100000001'))!.sipPassword, 'Plain-Sip-Pass-1');
  assert.is((await s.devices.get('805ec0123401'))!.provisioningPassword, 'Plain-Prov-Pass-1');
  assert.equal(await s.network.getTenant('acme'), { vlanId: 20, adminPassword: 'Plain-Admin-Pass-1' });
  assert.is((await s.tenants.get('acme'))!.security.auth!.password, 'Plain-Tenant-Auth-1');
  assert.equal(await s.secrets.census(), { [keys.currentId]: 4 }, 'nothing left in plaintext');
  const creds = await s.credentials.list();
  assert.equal(creds.map((c) => [c.id, c.kind]), [['t1', 'token']], 'the operator token stays, the login token and the session go');
  const days = (Date.parse(creds[0]!.expiresAt) - Date.now()) / 86_400_000;
  assert.ok(days > 364 && days < 366, `expires a year from the upgrade (${days} days)`);
  const raw = JSON.stringify(await sqlOn(db.url, `SELECT (SELECT json_agg(u) FROM users u) AS u, (SELECT json_agg(d) FROM devices d) AS d, (SELECT json_agg(t) FROM tenants t) AS t, (SELECT json_agg(n) FROM tenant_network n) AS n`));
  for (const p of ['Plain-Sip-Pass-1', 'Plain-Prov-Pass-1', 'Plain-Admin-Pass-1', 'Plain-Tenant-Auth-1']) assert.not.ok(raw.includes(p), p);
  await s.close();
  opened.splice(opened.indexOf(s), 1);

  let err: unknown;
  try {
    track(await openPostgresStore({ url: db.url, listen: false, keys: KeyRing.of(randomBytes(32)) }));
  } catch (e) {
    err = e;
  }
  assert.instance(err, StoreError);
  assert.match((err as Error).message, new RegExp(`encrypted with key ${keys.currentId} that`));
});

only('migrations that landed out of order: a database without 008 (made by main: 4, 5, 7, 9) gets it at its next start, once', async () => {
  const db = await createTestDatabase();
  const { pgMigrations } = await import('../server/store/postgres/migrations/index.ts');
  const keys = KeyRing.of(randomBytes(32));
  await (await openPostgresStore({ url: db.url, listen: false, keys, migrations: pgMigrations.filter((m) => [4, 5, 7, 9].includes(m.version)) })).close();
  assert.equal((await sqlOn(db.url, 'SELECT version FROM schema_migrations ORDER BY version')).map((r) => Number(r.version)), [4, 5, 7, 9]);
  const s = track(await openPostgresStore({ url: db.url, listen: false, keys }));
  await s.tenants.insert(tenant('acme'));
  assert.is((await s.tenants.get('acme'))!.version, 1, 'row versions');
  assert.equal(await s.importRuns.list(), [], 'the import journal');
  assert.equal(await s.templateOverrides.list(), [], '006 (multi-node) too');
  assert.equal(
    (await sqlOn(db.url, 'SELECT version FROM schema_migrations ORDER BY version')).map((r) => Number(r.version)),
    pgMigrations.map((m) => m.version),
    'every migration once',
  );
  await s.close();
  opened.splice(opened.indexOf(s), 1);
});

only('change feed: comes back after its connection is cut, says everything changed, then delivers again', async () => {
  const db = await createTestDatabase({ migrated: true });
  const a = track(await openPostgresStore({ url: db.url }));
  const b = track(await openPostgresStore({ url: db.url, applicationName: 'cad-b' }));
  const seen: StoreChange[] = [];
  b.onExternalChange((c) => seen.push(c));
  const pid = (b as PostgresStore).listenerPid;
  assert.ok(pid);
  await sqlOn(db.url, 'SELECT pg_terminate_backend($1)', [pid]);
  await until('the reconnection notice', () => seen.find((c) => c.macs === '*' && /reconnected/.test(c.reason)), 10_000);
  assert.is.not((b as PostgresStore).listenerPid, pid);
  await a.publishChange({ macs: ['805ec0000001'], reason: 'after the cut' });
  await until('a change after the reconnection', () => seen.find((c) => c.reason === 'after the cut'));
});

only('change feed: a payload that is not ours is taken as "everything changed"', async () => {
  const db = await createTestDatabase({ migrated: true });
  const b = track(await openPostgresStore({ url: db.url }));
  const seen: StoreChange[] = [];
  b.onExternalChange((c) => seen.push(c));
  await sqlOn(db.url, `SELECT pg_notify('cadran_changes', 'not json')`);
  await sqlOn(db.url, `SELECT pg_notify('cadran_changes', '{"m":["../etc/passwd"],"r":"x"}')`);
  await sqlOn(db.url, `SELECT pg_notify('cadran_changes', '{"m":["805ec0000001"],"r":"ok"}')`);
  await until('three changes', () => (seen.length >= 3 ? true : undefined));
  assert.equal(seen.map((c) => c.macs), ['*', '*', ['805ec0000001']]);
});

only('connections the server kills are replaced: the store keeps working', async () => {
  const db = await createTestDatabase({ migrated: true });
  const s = track(await openPostgresStore({ url: db.url, applicationName: 'cad-kill' }));
  await s.tenants.insert(tenant('acme'));
  await Promise.all([s.tenants.list(), s.tenants.list(), s.tenants.list()]);
  await sqlOn(db.url, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'cad-kill%'`);
  const errors: unknown[] = [];
  const t = await until('the store answering again', async () => {
    try {
      return await s.tenants.get('acme');
    } catch (e) {
      errors.push(e);
      return undefined;
    }
  }, 10_000);
  assert.is(t.id, 'acme');
  for (const e of errors) assert.is((e as StoreError).code, 'unavailable', String(e));
  await s.tenants.update('acme', { ...tenant('acme'), name: 'still writing' });
  assert.is((await s.tenants.get('acme'))!.name, 'still writing');
});

only.run();
