// The SQLite store: the shared store suite (test/helpers/store-suite.ts, the one every engine
// passes), then what is SQLite's own (migrations under user_version, pragmas, one connection
// serialising transactions, data_version polling).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { SqliteStore, openDatabase } from '../server/store/sqlite/store.ts';
import { KeyRing, SecretBox, keyIdOf, writeKeyFile } from '../server/store/secrets.ts';
import { SIP_PASSWORD } from '../server/store/secret-sites.ts';
import { StoreError } from '../server/store/errors.ts';
import { migrate, migrations, schemaVersion } from '../server/store/sqlite/migrations/index.ts';
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
      rawText: async () => onFile(file, (db) => {
        const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all() as string[];
        return tables.map((t) => JSON.stringify(db.prepare(`SELECT * FROM "${t}"`).all())).join('\n');
      }),
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

// ---- secrets at rest, file modes, a full disk (issue 12) --------------------------------------

const mode = (f: string) => statSync(f).mode & 0o777;
/** Every byte SQLite keeps for this database: the file, its write-ahead log, its shared memory. */
const fileBytes = (file: string) =>
  Buffer.concat([file, `${file}-wal`, `${file}-shm`].filter((f) => existsSync(f)).map((f) => readFileSync(f))).toString('latin1');

sqlite('a version-4 database: plaintext passwords sealed at start, operator tokens kept (a year), login tokens and old sessions dropped', async () => {
  const file = join(dir, 'v4-secrets.sqlite');
  const old = openDatabase({ file, migrateTo: 4 });
  const at = new Date().toISOString();
  old.prepare(`INSERT INTO tenants (id, name, sip_domain, security, created_at, updated_at) VALUES ('acme', 'Acme', 'sip.acme.example', ?, ?, ?)`)
    .run(JSON.stringify({ auth: { mode: 'basic', username: 'prov', password: 'Plain-Tenant-Auth-1' } }), at, at);
  old.prepare(`INSERT INTO users (number, tenant_id, name, role, sip_auth_name, sip_password, created_at, updated_at)
               VALUES ('0100000001', 'acme', 'Chloé', 'admin', '0100000001', 'Plain-Sip-Pass-1', ?, ?)`).run(at, at);
  old.prepare(`INSERT INTO devices (mac, tenant_id, vendor, model, user_number, provisioning_username, provisioning_password, created_at, updated_at)
               VALUES ('805ec0123401', 'acme', 'yealink', 'T54W', '0100000001', 'p', 'Plain-Prov-Pass-1', ?, ?)`).run(at, at);
  old.prepare(`INSERT INTO tenant_network (tenant_id, profile) VALUES ('acme', ?)`).run(JSON.stringify({ vlanId: 20, adminPassword: 'Plain-Admin-Pass-1' }));
  old.prepare(`INSERT INTO device_network (mac, profile) VALUES ('805ec0123401', ?)`).run(JSON.stringify({ adminPassword: 'Plain-Admin-Pass-2' }));
  old.prepare(`INSERT INTO operators (login, created_at) VALUES ('ops', ?)`).run(at);
  old.prepare(`INSERT INTO api_tokens (id, token_hash, principal_kind, principal_id, label, created_at) VALUES ('t1', 'h1', 'operator', 'ops', 'created by cadran operator create', ?)`).run(at);
  old.prepare(`INSERT INTO api_tokens (id, token_hash, principal_kind, principal_id, label, created_at) VALUES ('t2', 'h2', 'user', '0100000001', 'login', ?)`).run(at);
  old.prepare(`INSERT INTO sessions (id_hash, principal_kind, principal_id, csrf_token, expires_at) VALUES ('s1', 'operator', 'ops', 'c', ?)`).run(at);
  old.close();
  assert.ok(fileBytes(file).includes('Plain-Sip-Pass-1'), 'the old file holds it in plaintext');

  const store = new SqliteStore({ file });
  assert.is(store.pragma('user_version'), latest);
  assert.is((await store.users.get('0100000001'))!.sipPassword, 'Plain-Sip-Pass-1');
  assert.is((await store.devices.get('805ec0123401'))!.provisioningPassword, 'Plain-Prov-Pass-1');
  assert.equal(await store.network.getTenant('acme'), { vlanId: 20, adminPassword: 'Plain-Admin-Pass-1' });
  assert.equal(await store.network.getDevice('805ec0123401'), { adminPassword: 'Plain-Admin-Pass-2' });
  assert.is((await store.tenants.get('acme'))!.security.auth!.password, 'Plain-Tenant-Auth-1');
  const census = await store.secrets.census();
  assert.equal(Object.keys(census).length, 1);
  assert.is(census.plaintext, undefined, 'nothing left in plaintext');
  const creds = await store.credentials.list();
  assert.equal(creds.map((c) => [c.id, c.kind, c.label]), [['t1', 'token', 'created by cadran operator create']], 'the operator token stays, the login token goes');
  const days = (Date.parse(creds[0]!.expiresAt) - Date.now()) / 86_400_000;
  assert.ok(days > 364 && days < 366, `expires a year from the upgrade (${days} days)`);
  await store.close();
  // The rewrite zeroed the bytes it freed (secure_delete): no copy is left in the file.
  const bytes = fileBytes(file);
  for (const p of ['Plain-Sip-Pass-1', 'Plain-Prov-Pass-1', 'Plain-Admin-Pass-1', 'Plain-Admin-Pass-2', 'Plain-Tenant-Auth-1']) assert.not.ok(bytes.includes(p), p);
});

sqlite('migrations that landed out of order: a database at 9 without 008 (made by main) or without 007 (made by a branch) gets the missing one at its next start', async () => {
  const keys = KeyRing.of(randomBytes(32));
  const box = new SecretBox(keys);
  // As main made it: 1–5, 7, 9.
  const mainFile = join(dir, 'gap-008.sqlite');
  const a = new BetterSqlite3(mainFile);
  migrate(a, { box }, undefined, migrations.filter((m) => [1, 2, 3, 4, 5, 7, 9].includes(m.version)));
  assert.is(schemaVersion(a), 9);
  a.close();
  const sa = new SqliteStore({ file: mainFile, keys });
  await sa.tenants.insert({ id: 'acme', name: 'Acme', sipDomain: 'sip.acme.example', sipProxy: null, sipPort: 5060, sipTransport: 'udp', security: {} });
  assert.is((await sa.tenants.get('acme'))!.version, 1, '008 applied: row versions');
  assert.equal(await sa.importRuns.list(), [], '008 applied: the import journal');
  assert.equal(await sa.templateOverrides.list(), [], '006 applied: template overrides (multi-node)');
  assert.is(sa.pragma('user_version'), latest);
  await sa.close();
  // As the branch made it: 1–5, 8, 9, with a password still in plaintext.
  const branchFile = join(dir, 'gap-007.sqlite');
  const b = new BetterSqlite3(branchFile);
  migrate(b, { box }, undefined, migrations.filter((m) => [1, 2, 3, 4, 5, 8, 9].includes(m.version)));
  const at = new Date().toISOString();
  b.prepare(`INSERT INTO tenants (id, name, sip_domain, security, created_at, updated_at) VALUES ('acme', 'Acme', 'sip.acme.example', '{}', ?, ?)`).run(at, at);
  b.prepare(`INSERT INTO users (number, tenant_id, name, role, sip_auth_name, sip_password, created_at, updated_at)
             VALUES ('0100000001', 'acme', 'Chloé', 'admin', '0100000001', 'Gap-Plain-Sip-1', ?, ?)`).run(at, at);
  b.close();
  const sb = new SqliteStore({ file: branchFile, keys });
  assert.equal(await sb.credentials.list(), [], '007 applied: sessions table');
  assert.is((await sb.users.get('0100000001'))!.sipPassword, 'Gap-Plain-Sip-1');
  assert.equal(Object.keys(await sb.secrets.census()), [keys.currentId], '007 applied: the plaintext password sealed');
  await sb.close();
  // Nothing is applied twice.
  const again = new BetterSqlite3(branchFile);
  assert.equal(migrate(again, { box }), []);
  again.close();
  // As issue 16's directory branch made it: 1–5, 7, 9, 11 (version 11, without 006, 008, 010).
  const dirFile = join(dir, 'gap-011.sqlite');
  const c = new BetterSqlite3(dirFile);
  migrate(c, { box }, undefined, migrations.filter((m) => [1, 2, 3, 4, 5, 7, 9, 11].includes(m.version)));
  assert.is(schemaVersion(c), 11);
  c.prepare(`INSERT INTO tenants (id, name, sip_domain, security, created_at, updated_at) VALUES ('acme', 'Acme', 'sip.acme.example', '{}', ?, ?)`).run(at, at);
  const tpl = Number(c.prepare(`INSERT INTO key_templates (tenant_id, name, created_at, updated_at) VALUES ('acme', 'Accueil', ?, ?)`).run(at, at).lastInsertRowid);
  c.prepare(`INSERT INTO users (number, tenant_id, name, role, sip_auth_name, sip_password, directory_hidden, key_template, created_at, updated_at)
             VALUES ('0100000001', 'acme', 'Chloé', 'admin', '0100000001', ?, 1, ?, ?, ?)`).run(box.seal('Gap-Sip-11', SIP_PASSWORD), tpl, at, at);
  c.prepare(`INSERT INTO tenant_contacts (tenant_id, name, work, created_at, updated_at) VALUES ('acme', 'Standard', '0102030400', ?, ?)`).run(at, at);
  c.close();
  const sc = new SqliteStore({ file: dirFile, keys });
  const u = (await sc.users.get('0100000001'))!;
  assert.equal([u.version, u.keysVersion, u.directoryHidden, u.keyTemplate, u.sipPassword], [1, 1, true, tpl, 'Gap-Sip-11'], '008 applied; the directory settings kept');
  assert.is((await sc.sharedContacts.list('acme'))[0]!.version, 1);
  assert.is(await sc.features.get('0100000001'), undefined, '010 applied: line settings');
  assert.equal(await sc.templateOverrides.list(), [], '006 applied');
  assert.is(sc.pragma('user_version'), latest);
  await sc.close();
  // As issue 16's firmware branch made it: 1–5, 7, 9, 12 (a device group, no row versions yet).
  const fwFile = join(dir, 'gap-012.sqlite');
  const f = new BetterSqlite3(fwFile);
  migrate(f, { box }, undefined, migrations.filter((m) => [1, 2, 3, 4, 5, 7, 9, 12].includes(m.version)));
  assert.is(schemaVersion(f), 12);
  f.prepare(`INSERT INTO tenants (id, name, sip_domain, security, created_at, updated_at) VALUES ('acme', 'Acme', 'sip.acme.example', '{}', ?, ?)`).run(at, at);
  f.prepare(`INSERT INTO devices (mac, tenant_id, vendor, model, device_group, created_at, updated_at) VALUES ('805ec0000012', 'acme', 'yealink', 'T54W', 'pilote', ?, ?)`).run(at, at);
  f.close();
  const sf = new SqliteStore({ file: fwFile, keys });
  const d = (await sf.devices.get('805ec0000012'))!;
  assert.equal([d.group, d.version], ['pilote', 1], '008 applied after 012; the group kept');
  assert.equal(await sf.sharedContacts.list('acme'), [], '011 applied');
  assert.is(sf.pragma('user_version'), latest);
  await sf.close();
  const twice = new BetterSqlite3(fwFile);
  assert.equal(migrate(twice, { box }), [], 'nothing applied twice');
  twice.close();
});

sqlite('passwords written by the store never reach the database file bytes (file, WAL, shared memory)', async () => {
  const file = join(dir, 'bytes.sqlite');
  const store = new SqliteStore({ file });
  await store.tenants.insert({ id: 'acme', name: 'Acme', sipDomain: 'sip.acme.example', sipProxy: null, sipPort: 5060, sipTransport: 'udp',
    security: { auth: { mode: 'digest', username: 'prov', password: 'Bytes-Tenant-Secret' } } });
  await store.users.insert({ number: '0100000001', tenantId: 'acme', name: 'A', email: null, role: 'user', passwordHash: null, sipAuthName: 'a',
    sipPassword: 'Bytes-Sip-Secret', voicemailNumber: '123' });
  await store.devices.insert({ mac: '805ec0123401', tenantId: 'acme', vendor: 'yealink', model: 'T54W', userNumber: '0100000001', label: null,
    expansionModules: 0, extraLines: [], provisioningUsername: 'u', provisioningPassword: 'Bytes-Prov-Secret' });
  await store.network.setTenant('acme', { adminPassword: 'Bytes-Admin-Secret' });
  await store.users.update('0100000001', { name: 'A', email: null, role: 'user', passwordHash: null, sipAuthName: 'a', sipPassword: 'Bytes-Sip-Secret-2', voicemailNumber: '123' });
  const bytes = fileBytes(file);
  for (const p of ['Bytes-Tenant-Secret', 'Bytes-Sip-Secret', 'Bytes-Prov-Secret', 'Bytes-Admin-Secret']) assert.not.ok(bytes.includes(p), p);
  assert.ok(bytes.includes('enc:1:'), 'the sealed values are there');
  await store.close();
});

sqlite('the data directory is created 0700, the database, its WAL and SHM and the key file 0600; loose modes are tightened', async () => {
  const data = join(dir, 'fresh-data', 'nested');
  const file = join(data, 'cadran.sqlite');
  const store = new SqliteStore({ file });
  await store.tenants.insert({ id: 'acme', name: 'Acme', sipDomain: 'sip.acme.example', sipProxy: null, sipPort: 5060, sipTransport: 'udp', security: {} });
  assert.is(mode(data), 0o700, 'data directory');
  for (const f of [file, `${file}-wal`, `${file}-shm`, join(data, 'secret.key')]) assert.is(mode(f), 0o600, f);
  await store.close();
  chmodSync(file, 0o644);
  chmodSync(join(data, 'secret.key'), 0o644);
  const again = new SqliteStore({ file });
  await again.tenants.list();
  assert.is(mode(file), 0o600, 'tightened at the next start');
  assert.is(mode(join(data, 'secret.key')), 0o600);
  for (const f of [`${file}-wal`, `${file}-shm`]) if (existsSync(f)) assert.is(mode(f), 0o600, f);
  await again.close();
});

sqlite('a store with a key that is not the one of its passwords refuses to open, naming the key; the right key opens it', async () => {
  const file = join(dir, 'keys.sqlite');
  const k1 = randomBytes(32);
  const store = new SqliteStore({ file, keys: KeyRing.of(k1) });
  await store.tenants.insert({ id: 'acme', name: 'Acme', sipDomain: 'sip.acme.example', sipProxy: null, sipPort: 5060, sipTransport: 'udp', security: {} });
  await store.users.insert({ number: '0100000001', tenantId: 'acme', name: 'A', email: null, role: 'user', passwordHash: null, sipAuthName: 'a', sipPassword: 'k1-secret', voicemailNumber: '123' });
  await store.close();
  let err: unknown;
  try {
    new SqliteStore({ file, keys: KeyRing.of(randomBytes(32)) });
  } catch (e) {
    err = e;
  }
  assert.instance(err, StoreError);
  assert.is((err as StoreError).code, 'unavailable');
  assert.match((err as Error).message, new RegExp(`encrypted with key ${keyIdOf(k1)}`));
  // Both keys (a rotation under way): opens, reads, and re-encrypts under the first.
  const k2 = randomBytes(32);
  const both = new SqliteStore({ file, keys: KeyRing.of(k2, k1) });
  assert.is((await both.users.get('0100000001'))!.sipPassword, 'k1-secret');
  assert.equal(await both.secrets.census(), { [keyIdOf(k1)]: 1 });
  assert.is(await both.secrets.reencrypt(), 1);
  assert.equal(await both.secrets.census(), { [keyIdOf(k2)]: 1 });
  await both.close();
  const onlyNew = new SqliteStore({ file, keys: KeyRing.of(k2) });
  assert.is((await onlyNew.users.get('0100000001'))!.sipPassword, 'k1-secret');
  await onlyNew.close();
});

sqlite('a key file changed by another process (a rotation) is picked up: new writes use its first key, its ids are read', async () => {
  const data = join(dir, 'rotating');
  const file = join(data, 'cadran.sqlite');
  const store = new SqliteStore({ file });
  await store.tenants.insert({ id: 'acme', name: 'Acme', sipDomain: 'sip.acme.example', sipProxy: null, sipPort: 5060, sipTransport: 'udp', security: {} });
  const ring = KeyRing.load({ envKeys: null, file: join(data, 'secret.key') });
  const oldId = ring.currentId;
  const k2 = randomBytes(32);
  writeKeyFile(join(data, 'secret.key'), [k2, ...ring.keys()]);
  // A value sealed by the other process with the new key reads at once (unknown id → file read again).
  const other = new SecretBox(KeyRing.of(k2));
  onFile(file, (db) => {
    const at = new Date().toISOString();
    db.prepare(`INSERT INTO users (number, tenant_id, name, role, sip_auth_name, sip_password, created_at, updated_at) VALUES ('0100000002', 'acme', 'B', 'user', 'b', ?, ?, ?)`)
      .run(other.seal('sealed-elsewhere', 'users.sip_password'), at, at);
  });
  assert.is((await store.users.get('0100000002'))!.sipPassword, 'sealed-elsewhere');
  // Within a couple of seconds this process seals with the new key too.
  const deadline = Date.now() + 6000;
  let census: Record<string, number> = {};
  for (let i = 0; Date.now() < deadline; i++) {
    await store.users.insert({ number: `01000001${String(i).padStart(2, '0')}`, tenantId: 'acme', name: 'C', email: null, role: 'user', passwordHash: null, sipAuthName: `c${i}`, sipPassword: 'x-secret', voicemailNumber: '123' });
    census = await store.secrets.census();
    if ((census[keyIdOf(k2)] ?? 0) > 1) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.ok((census[keyIdOf(k2)] ?? 0) > 1, `new writes sealed with the new key (census ${JSON.stringify(census)}, old ${oldId})`);
  await store.close();
});

sqlite('a full disk (SQLITE_FULL) is StoreError "full", and the transaction leaves nothing half-written', async () => {
  const file = join(dir, 'full.sqlite');
  const setup = new SqliteStore({ file });
  await setup.tenants.insert({ id: 'acme', name: 'Acme', sipDomain: 'sip.acme.example', sipProxy: null, sipPort: 5060, sipTransport: 'udp', security: {} });
  await setup.close();
  const pages = onFile(file, (db) => db.pragma('page_count', { simple: true }) as number);
  const store = new SqliteStore({ file, maxPageCount: pages + 2 });
  let err: unknown;
  try {
    await store.transaction(async (tx) => {
      for (let i = 0; i < 2000; i++) {
        await tx.users.insert({ number: `01${String(i).padStart(8, '0')}`, tenantId: 'acme', name: 'x'.repeat(60), email: null, role: 'user', passwordHash: null,
          sipAuthName: `a${i}`, sipPassword: 'pw-pw-pw-pw', voicemailNumber: '123' });
      }
    });
  } catch (e) {
    err = e;
  }
  assert.instance(err, StoreError);
  assert.is((err as StoreError).code, 'full');
  assert.equal(await store.users.list(), [], 'nothing of the transaction was kept');
  await store.close();
});

sqlite.run();
