// The SQLite store: the shared store suite (test/helpers/store-suite.ts, the one every engine
// passes), then what is SQLite's own (migrations under user_version, pragmas, one connection
// serialising transactions, data_version polling).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { SqliteStore, openDatabase } from '../server/store/sqlite/store.ts';
import { migrations, schemaVersion } from '../server/store/sqlite/migrations/index.ts';
import { storeSuite } from './helpers/store-suite.ts';

const dir = mkdtempSync(join(tmpdir(), 'cadran-store-'));
let n = 0;
const fresh = () => new SqliteStore({ file: join(dir, `s${++n}.sqlite`) });

/** A statement on the file through a connection of its own (what another process would do). */
function onFile<T>(file: string, fn: (db: BetterSqlite3.Database) => T): T {
  const db = new BetterSqlite3(file);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

storeSuite({
  engine: 'sqlite',
  latestVersion: migrations[migrations.length - 1]!.version,
  feed: 'poll',
  newDatabase: async () => {
    const file = join(dir, `suite${++n}.sqlite`);
    return {
      open: async () => new SqliteStore({ file, pollMs: 100 }),
      schemaVersion: async () => onFile(file, (db) => db.pragma('user_version', { simple: true }) as number),
      markNewer: async (v) => onFile(file, (db) => void db.pragma(`user_version = ${v}`)),
    };
  },
});

const latest = migrations[migrations.length - 1]!.version;
const sqlite = suite('sqlite store');
sqlite.after(() => rmSync(dir, { recursive: true, force: true }));

sqlite('a database made by schema version 1 is upgraded in place, data kept', async () => {
  const file = join(dir, 'v1.sqlite');
  const old = openDatabase({ file, migrateTo: 1 });
  assert.is(schemaVersion(old), 1);
  const at = new Date().toISOString();
  old.prepare(`INSERT INTO tenants (id, name, sip_domain, created_at, updated_at) VALUES ('acme', 'Acme', 'sip.acme.example', ?, ?)`).run(at, at);
  old.prepare(`INSERT INTO users (number, tenant_id, name, role, sip_auth_name, sip_password, created_at, updated_at)
               VALUES ('0100000001', 'acme', 'Chloé', 'admin', '0100000001', 'secret-secret', ?, ?)`).run(at, at);
  old.prepare(`INSERT INTO devices (mac, tenant_id, vendor, model, user_number, created_at, updated_at)
               VALUES ('805ec0123401', 'acme', 'yealink', 'T54W', '0100000001', ?, ?)`).run(at, at);
  old.close();

  const store = new SqliteStore({ file });
  assert.is(store.pragma('user_version'), latest);
  const u = (await store.users.get('0100000001'))!;
  assert.is(u.name, 'Chloé');
  assert.is(u.voicemailNumber, '123', 'column added by v2 with its default');
  assert.is((await store.devices.get('805ec0123401'))!.expansionModules, 0);
  assert.equal((await store.devices.get('805ec0123401'))!.extraLines, [], 'column added by v5 with its default');
  assert.equal(await store.unknownDevices.list(), []);
  await store.close();
  // Opening again applies nothing more.
  const again = new SqliteStore({ file });
  assert.is(again.pragma('user_version'), latest);
  await again.close();
});

sqlite('a resync job written by the version-2 schema (scope as text columns) reads back with its scope', async () => {
  const file = join(dir, 'v2-jobs.sqlite');
  const old = openDatabase({ file, migrateTo: 4 });
  const at = new Date().toISOString();
  old.prepare(`INSERT INTO resync_jobs (id, scope, scope_id, tenant_id, reboot, requested_by, state, created_at, updated_at)
               VALUES ('j1', 'user', '0100000001', 'acme', 1, 'cli', 'running', ?, ?)`).run(at, at);
  old.close();
  const store = new SqliteStore({ file });
  const j = (await store.resync.getJob('j1'))!.job;
  assert.equal([j.scope, j.reboot, j.requestedBy], [{ kind: 'user', id: '0100000001' }, true, 'cli']);
  await store.close();
});

sqlite('WAL mode, foreign keys and a short synchronous busy timeout (longer waits are retried on timers) are on', async () => {
  const store = fresh();
  assert.is(store.pragma('journal_mode'), 'wal');
  assert.is(store.pragma('foreign_keys'), 1);
  assert.is(store.pragma('busy_timeout'), 25);
  await store.close();
});

sqlite('the outer store used inside its own transaction throws at once instead of waiting forever', async () => {
  const store = fresh();
  let caught: unknown;
  await store.transaction(async () => {
    try {
      await store.tenants.list();
    } catch (e) {
      caught = e;
    }
  });
  assert.match(String(caught), /inside its own transaction/);
  let nested: unknown;
  await store
    .transaction(async () => {
      await store.transaction(async () => undefined);
    })
    .catch((e: unknown) => (nested = e));
  assert.match(String(nested), /tx.transaction/);
  await store.close();
});

sqlite('a transaction store cannot be used once its transaction ended', async () => {
  const store = fresh();
  let kept: typeof store | undefined;
  await store.transaction(async (tx) => {
    kept = tx as typeof store;
  });
  let err: unknown;
  await kept!.tenants.list().catch((e: unknown) => (err = e));
  assert.match(String(err), /transaction already finished/);
  await store.close();
});

sqlite('commits by another connection are reported as external changes ("*"); its own are not', async () => {
  const file = join(dir, 'external.sqlite');
  const store = new SqliteStore({ file, pollMs: 50 });
  const seen: string[] = [];
  const off = store.onExternalChange((c) => seen.push(`${c.macs}`));
  await store.tenants.insert({ id: 'acme', name: 'Acme', sipDomain: 'sip.acme.example', sipProxy: null, sipPort: 5060, sipTransport: 'udp', security: {} });
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(seen, [], 'own commits are not external');
  const other = new SqliteStore({ file });
  await other.tenants.insert({ id: 'globex', name: 'Globex', sipDomain: 'sip.globex.example', sipProxy: null, sipPort: 5060, sipTransport: 'udp', security: {} });
  await other.close();
  const deadline = Date.now() + 5000;
  while (seen.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(seen, ['*']);
  off();
  await store.close();
});

sqlite.run();
