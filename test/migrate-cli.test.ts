// `cadran migrate --from sqlite:<file> --to postgres://…`: a whole installation (every table,
// tokens, sessions and resync jobs included) is copied in one transaction, reads back the same
// through the Store on PostgreSQL, a logged-in operator's token keeps working, a non-empty target
// is refused unless --force, and a copy that fails half-way writes nothing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { SqliteStore, openDatabase } from '../server/store/sqlite/store.ts';
import { latestPgVersion, openPostgresStore } from '../server/store/postgres/index.ts';
import { KeyRing } from '../server/store/secrets.ts';

/** Without the installation's key, PostgreSQL refuses to open, naming the key (never a wrong password later). */
async function assertOpenRefused(url: string): Promise<void> {
  let err: unknown;
  try {
    await (await openPostgresStore({ url, listen: false })).close();
  } catch (e) {
    err = e;
  }
  assert.match(String((err as Error | undefined)?.message), /passwords encrypted with key [0-9a-f]{8} that keys given in code does not hold/);
}
import { AuthService } from '../server/auth/service.ts';
import type { Store } from '../server/store/types.ts';
import { createTestDatabase, dropTestDatabases, sqlOn } from './helpers/postgres.ts';

const CADRAN = fileURLToPath(new URL('../bin/cadran.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'cadran-migrate-'));
test.after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await dropTestDatabases();
});

function cadran(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const base = { ...process.env };
  for (const k of Object.keys(base)) if (k.startsWith('CADRAN_DATABASE_')) delete base[k];
  const child = spawn(process.execPath, [CADRAN, ...args], { env: { ...base, CADRAN_LANG: 'en', CADRAN_DATA_DIR: dir, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  return new Promise((resolve) => child.on('close', (code) => (clearTimeout(timer), resolve({ code, stdout, stderr }))));
}

const MACS = Array.from({ length: 1500 }, (_, i) => `805ec1${i.toString(16).padStart(6, '0')}`);

/** An installation using every table, as a running cadran would leave it. */
async function installation(file: string): Promise<{ token: string; session: string; deletedContact: number }> {
  const s = new SqliteStore({ file });
  const auth = new AuthService(s);
  try {
    await s.tenants.insert({ id: 'acme', name: 'Acme SAS', sipDomain: 'sip.acme.example', sipProxy: 'sbc.acme.example', sipPort: 5080, sipTransport: 'tls', security: { urlToken: 'tok', httpsOnly: true } as never });
    await s.tenants.insert({ id: 'globex', name: 'Globex', sipDomain: 'sip.globex.example', sipProxy: null, sipPort: 5060, sipTransport: 'udp', security: {} });
    for (const [n, t] of [['0100000001', 'acme'], ['0100000002', 'acme'], ['0200000001', 'globex']] as const) {
      await s.users.insert({ number: n, tenantId: t, name: `Élodie ${n}`, email: `${n}@example.org`, role: n.endsWith('1') ? 'admin' : 'user', passwordHash: '$2b$04$hash', sipAuthName: `a${n}`, sipPassword: `pw-${n}`, voicemailNumber: '*98' });
    }
    await s.transaction(async (tx) => {
      for (const [i, mac] of MACS.entries()) {
        await tx.devices.insert({ mac, tenantId: 'acme', vendor: 'yealink', model: 'T54W', userNumber: i === 0 ? '0100000001' : null, label: i % 2 ? `Poste ${i}` : null, expansionModules: i % 3, extraLines: i === 0 ? ['0100000002'] : [], provisioningUsername: null, provisioningPassword: null, group: i === 1 ? 'pilote' : null });
      }
    });
    await s.keys.replace('0100000002', [{ position: 1, type: 'line', value: null, label: null }, { position: 2, type: 'blf', value: '0100000001', label: 'Élodie' }]);
    await s.network.setTenant('acme', { vlan: { id: 10, priority: 5 } } as never);
    await s.network.setDevice(MACS[0]!, { vlan: { id: 20 } } as never);
    const gone = await s.contacts.insert({ userNumber: '0100000002', name: 'temporaire', work: null, mobile: null, home: null, group: null });
    await s.contacts.insert({ userNumber: '0100000002', name: 'Zoé', work: '0102030405', mobile: null, home: null, group: 'Famille' });
    await s.contacts.insert({ userNumber: '0100000002', name: 'arthur', work: null, mobile: '0601020304', home: null, group: null });
    await s.contacts.delete(gone);
    await s.operators.insert({ login: 'ops', passwordHash: '$2b$04$ops' });
    const { token } = await auth.issueToken('operator', 'ops', 'ci');
    const { sessionId } = await auth.openSession({ kind: 'user', number: '0100000001', tenantId: 'acme', role: 'admin' });
    await s.settings.set('digestSecret', { hex: 'abcd' });
    await s.sightings.record([{ mac: MACS[0]!, at: '2030-01-01T10:00:00.000Z', ip: '10.0.0.5', userAgent: 'Yealink SIP-T54W 96.86.0.100', firmware: '96.86.0.100', file: `${MACS[0]}.cfg`, protocol: 'https', model: 'T54W' }]);
    await s.sightings.recordFiles([
      { mac: MACS[0]!, file: `${MACS[0]}.cfg`, etag: '"abc"', root: 'https://prov.example/', at: '2030-01-01T10:00:00.000Z' },
      { mac: MACS[0]!, file: 'y000000000108.cfg', etag: '"def"', root: 'https://prov.example/', at: '2030-01-01T10:00:01.000Z' },
    ]);
    const entry = { at: '2030-01-01T10:00:00.000Z', principal: 'operator:ops', channel: 'api' as const, address: '10.0.0.1', action: 'device.update', tenantId: 'acme', userNumber: null, mac: MACS[0]!, targetId: null };
    await s.audit.append({ ...entry, before: { label: null }, after: { label: 'Accueil' }, changes: [{ field: 'label', before: null, after: 'Accueil' }], summary: null });
    await s.audit.append({ ...entry, action: 'devices.import', channel: 'cli', address: 'cli', mac: null, before: null, after: null, changes: [], summary: { created: 1500, lines: ['Élodie'] } });
    await s.unknownDevices.record([{ mac: '000b82123456', vendor: 'polycom', model: null, ip: '10.0.0.9', userAgent: 'PolycomVVX', lastSeen: '2030-01-01T10:00:00.000Z', hits: 3 }]);
    // Version 8: row versions, an enrolment window and an enrolled device, an assigned unknown
    // phone, an import run with its undo journal.
    await s.unknownDevices.assign('000b82123456', 'globex');
    const d1 = (await s.devices.get(MACS[1]!))!;
    const { mac: _m, createdAt: _c, updatedAt: _u, version: _v, enrolUntil: _e, enrolledAt: _a, enrolledIp: _i, ...row1 } = d1;
    await s.devices.update(MACS[1]!, { ...row1, provisioningUsername: 'cadran-x', provisioningPassword: 'p' }, 1);
    await s.devices.openEnrolment(MACS[1]!, '2030-01-02T10:00:00.000Z');
    await s.devices.openEnrolment(MACS[2]!, '2030-01-02T10:00:00.000Z');
    await s.devices.claimEnrolment(MACS[2]!, '2030-01-01T10:00:00.000Z', '10.0.0.7');
    await s.importRuns.begin({ id: 'run-1', kind: 'devices', owner: 'elsewhere:1', startedAt: '2030-01-01T10:00:00.000Z' });
    await s.importRuns.journal('run-1', [{ entity: 'device', key: MACS[1]!, before: d1, afterVersion: 2 }]);
    const t0 = Date.UTC(2030, 0, 1);
    for (const [k, jobId] of ['j-old', 'j-new'].entries()) {
      await s.resync.createJob(
        { jobId, tenantId: 'acme', scope: { kind: 'tenant', id: 'acme' }, reboot: k === 1, requestedBy: 'operator:ops', createdAt: t0 },
        [{ jobId, deviceMac: MACS[0]!, tenantId: 'acme', event: 'check-sync', target: { host: '10.0.0.5', port: 5060 }, requestUri: `sip:a0100000001@10.0.0.5:5060`, fromDomain: 'sip.acme.example', userNumber: '0100000001' }],
        [{ deviceMac: MACS[1]!, tenantId: 'acme', reason: 'never_seen' }],
      );
    }
    await s.resync.setTargetState('j-old', MACS[0]!, 'sent', { at: t0 + 1000 });
    // Multi-node tables (migration 006): a lease, a node, a probe block, a template override.
    await s.resync.claimTargets('node-a', { now: t0 + 2000, until: t0 + 32_000, limit: 1, perTenant: 1 });
    await s.nodes.heartbeat('node-a', t0, 6000);
    await s.probeBlocks.add('192.0.2.66', Date.UTC(2099, 0, 1));
    await s.templateOverrides.put({ vendor: 'yealink', name: 'mac.cfg.hbs', source: '#!version:1.0.0.1\n# Élodie {{x}}\n', updatedAt: '2030-01-01T00:00:00.000Z' });
    await s.features.set('0100000002', { dnd: { enabled: true, allowedCallers: ['0601020304', '+41221234567'] }, forwardAlways: { enabled: false, target: '0102030405' }, rejectAnonymous: true, blacklist: ['0899123456'] });
    // Version 11 (issue 16): shared contacts (one deleted: ids continue after it), a key template
    // a licence uses, a licence hidden from the company directory.
    const sharedGone = await s.sharedContacts.insert({ tenantId: 'acme', name: 'temporaire', work: '0102030400', mobile: null, home: null, group: null });
    await s.sharedContacts.insert({ tenantId: 'acme', name: 'Standard & accueil', work: '0102030401', mobile: null, home: null, group: null });
    await s.sharedContacts.insert({ tenantId: 'acme', name: 'Plomberie Dubois', work: null, mobile: '0611223344', home: null, group: 'Fournisseurs' });
    await s.sharedContacts.delete(sharedGone);
    const tpl = await s.keyTemplates.insert({ tenantId: 'acme', name: 'Accueil', family: 'yealink', keys: [{ position: 3, type: 'speeddial', value: '0102030401', label: 'Standard' }] });
    const { number: _n2, tenantId: _t2, createdAt: _c2, updatedAt: _u2, version: _v2, keysVersion: _k2, ...u2 } = (await s.users.get('0100000002'))!;
    await s.users.update('0100000002', { ...u2, keyTemplate: tpl, directoryHidden: true });
    await s.passwordResets.issue({ tokenHash: 'reset-hash', userNumber: '0100000002', createdAt: '2030-01-01T10:00:00.000Z', expiresAt: '2030-01-01T11:00:00.000Z', notBefore: '2030-01-01T09:59:00.000Z' });
    return { token, session: sessionId, deletedContact: gone };
  } finally {
    await s.close();
  }
}

/** Everything the Store can tell about an installation, to compare the two engines. */
async function snapshot(s: Store) {
  const users = await s.users.list();
  const devices = await s.devices.list();
  const out: Record<string, unknown> = {
    tenants: await s.tenants.list(),
    users,
    devices,
    keys: await Promise.all(users.map((u) => s.keys.list(u.number))),
    watchers: await s.keys.watchersOf('0100000001'),
    tenantNetwork: await s.network.getTenant('acme'),
    deviceNetwork: await s.network.getDevice(MACS[0]!),
    contacts: await s.contacts.list('0100000002'),
    operator: await s.operators.get('ops'),
    operators: await s.operators.count(),
    setting: await s.settings.get('digestSecret'),
    sighting: await s.sightings.get(MACS[0]!),
    unknown: await s.unknownDevices.list(),
    jobs: await s.resync.listJobs(),
    jobOld: await s.resync.getJob('j-old'),
    pending: await s.resync.pendingTargets(),
    reset: await s.passwordResets.peek('reset-hash', '2030-01-01T10:30:00.000Z'),
    importRuns: await s.importRuns.list(),
    files: await s.sightings.files({}),
    audit: await s.audit.list({ limit: 100 }),
    templates: await s.templateOverrides.list(),
    blocks: await s.probeBlocks.active(Date.UTC(2030, 0, 1)),
    leaseHeld: await s.resync.claimTargets('node-b', { now: Date.UTC(2030, 0, 1) + 3000, until: Date.UTC(2030, 0, 1) + 40_000, limit: 10, perTenant: 10 }),
    features: await s.features.get('0100000002'),
    sharedContacts: await s.sharedContacts.list('acme'),
    keyTemplates: await s.keyTemplates.list('acme'),
  };
  return out;
}

test('a whole installation is copied and reads back the same; its tokens and sessions still work', async () => {
  const file = join(dir, 'full.sqlite');
  const { token, session, deletedContact } = await installation(file);
  const db = await createTestDatabase();
  const r = await cadran(['migrate', '--from', `sqlite:${file}`, '--to', db.url]);
  assert.is(r.code, 0, r.stderr);
  // 2 tenants, 3 users, the devices, 2 keys, 2 network profiles, 2 contacts, 1 operator, token,
  // session, setting, sighting and unknown phone, 2 jobs with 4 targets, 1 reset link, 2 fetched
  // files, 2 audit entries, a node, a probe block, a template override, 1 user's features, 1 import
  // run with 1 undo entry.
  assert.match(r.stdout, new RegExp(`copied ${MACS.length + 37} rows from .*full\\.sqlite to PostgreSQL postgres@127\\.0\\.0\\.1:\\d+/${db.name} \\(schema version ${latestPgVersion()}\\); row counts verified`));
  assert.match(r.stdout, /device_files\s+2\n/);
  assert.match(r.stdout, /audit_log\s+2\n/);
  assert.match(r.stdout, /template_overrides\s+1\n/);
  assert.match(r.stdout, /probe_blocks\s+1\n/);
  assert.match(r.stdout, new RegExp(`devices\\s+${MACS.length}\\n`));
  assert.match(r.stdout, /auth_sessions\s+2\n/, 'the operator token and the session');
  assert.match(r.stdout, /resync_targets\s+4\n/);
  assert.match(r.stdout, /user_features\s+1\n/);
  assert.match(r.stdout, /tenant_contacts\s+2\n/);
  assert.match(r.stdout, /key_templates\s+1\n/);

  const sqlite = new SqliteStore({ file });
  // The passwords are copied sealed: PostgreSQL opens them with the installation's key.
  const keys = KeyRing.load({ envKeys: null, file: join(dirname(file), 'secret.key') });
  await assertOpenRefused(db.url);
  const pg = await openPostgresStore({ url: db.url, keys });
  try {
    assert.equal(await snapshot(pg), await snapshot(sqlite), 'the same answers from both engines');
    // The interrupted import copied with its journal is undone on PostgreSQL as it would have been on SQLite.
    assert.is((await pg.importRuns.undo('run-1')).skipped, 0);
    assert.is((await pg.devices.get(MACS[1]!))!.provisioningUsername, null);
    const auth = new AuthService(pg);
    assert.equal((await auth.fromToken(token))?.principal, { kind: 'operator', login: 'ops' }, 'the API token works on PostgreSQL');
    assert.is((await auth.fromSession(session))?.principal.kind, 'user', 'the web session survives');
    const next = await pg.contacts.insert({ userNumber: '0100000002', name: 'new', work: null, mobile: null, home: null, group: null });
    assert.ok(next > deletedContact + 2, 'contact ids continue after every id SQLite gave');
    const audited = await pg.audit.append({ at: '2030-01-02T00:00:00.000Z', principal: 'operator:ops', channel: 'api', address: '10.0.0.1', action: 'tenant.update', tenantId: 'acme', userNumber: null, mac: null, targetId: null, before: null, after: null, changes: [], summary: null });
    assert.ok(audited > Math.max(...(await sqlite.audit.list({ limit: 10 })).map((e) => e.id)), 'audit ids continue after SQLite\'s (the paging cursor)');
    // Insertion order of jobs with the same time is kept: newest (last created) first.
    assert.equal((await pg.resync.listJobs()).map((j) => j.jobId), ['j-new', 'j-old']);
  } finally {
    await sqlite.close();
    await pg.close();
  }

  // Again into the same database: refused, nothing touched; --force replaces.
  const again = await cadran(['migrate', '--from', `sqlite:${file}`, '--to', db.url]);
  assert.is(again.code, 1);
  assert.match(again.stderr, /^cadran: the PostgreSQL database postgres@127\.0\.0\.1:\d+\/\S+ already holds data \(tenants, key_templates, users, devices/);
  assert.match(again.stderr, /add --force/);
  await sqlOn(db.url, `INSERT INTO operators (login, password_hash, created_at) VALUES ('extra', NULL, '2030-01-01T00:00:00.000Z')`);
  const forced = await cadran(['migrate', '--from', `sqlite:${file}`, '--to', db.url, '--force', '--json']);
  assert.is(forced.code, 0, forced.stderr);
  const report = JSON.parse(forced.stdout);
  assert.is(report.tables.find((t: { table: string }) => t.table === 'operators').rows, 1);
  assert.equal(await sqlOn(db.url, `SELECT login FROM operators ORDER BY login`), [{ login: 'ops' }], 'what the target held is replaced');
});

test('a copy that fails half-way writes nothing, and says which table', async () => {
  const file = join(dir, 'broken.sqlite');
  await installation(file);
  // A value PostgreSQL refuses, in a table copied after the big ones.
  const raw = new BetterSqlite3(file);
  raw.prepare(`INSERT INTO settings (key, value) VALUES ('broken', '{not json')`).run();
  raw.close();
  const db = await createTestDatabase();
  const r = await cadran(['migrate', '--from', `sqlite:${file}`, '--to', db.url]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /^cadran: copy failed at table settings, nothing was written to PostgreSQL: .*json/i);
  assert.equal(await sqlOn(db.url, 'SELECT (SELECT count(*) FROM tenants) + (SELECT count(*) FROM devices) AS n'), [{ n: '0' }]);
});

test('bad arguments and old files are refused with one clear line', async () => {
  const db = await createTestDatabase();
  const notSqlite = await cadran(['migrate', '--from', join(dir, 'x.sqlite'), '--to', db.url]);
  assert.equal([notSqlite.code, notSqlite.stderr], [1, `cadran: --from: expected sqlite:<file> (got "${join(dir, 'x.sqlite')}")\n`]);
  const missing = await cadran(['migrate', '--from', `sqlite:${join(dir, 'nowhere.sqlite')}`, '--to', db.url]);
  assert.equal([missing.code, missing.stderr], [1, `cadran: SQLite database ${join(dir, 'nowhere.sqlite')} does not exist\n`]);
  // In French unless CADRAN_LANG says otherwise, like every message of the CLI.
  const fr = await cadran(['migrate', '--from', `sqlite:${join(dir, 'nowhere.sqlite')}`, '--to', db.url], { CADRAN_LANG: 'fr' });
  assert.equal([fr.code, fr.stderr], [1, `cadran: copie impossible : la base SQLite ${join(dir, 'nowhere.sqlite')} n'existe pas\n`]);
  const badUrl = await cadran(['migrate', '--from', `sqlite:${join(dir, 'full.sqlite')}`, '--to', 'mysql://x/y']);
  assert.equal([badUrl.code, badUrl.stderr], [1, 'cadran: --to: expected a postgres:// URL\n']);
  const old = join(dir, 'v2.sqlite');
  openDatabase({ file: old, migrateTo: 2 }).close();
  const v2 = await cadran(['migrate', '--from', `sqlite:${old}`, '--to', db.url]);
  assert.is(v2.code, 1);
  assert.match(v2.stderr, new RegExp(`schema version 2, this cadran copies version ${latestPgVersion()}: start cadran once on it`));
  const down = await cadran(['migrate', '--from', `sqlite:${join(dir, 'full.sqlite')}`, '--to', 'postgres://cadran:s3cret@127.0.0.1:1/prov']);
  assert.is(down.code, 1);
  assert.match(down.stderr, /cannot connect to PostgreSQL cadran@127\.0\.0\.1:1\/prov/);
  assert.not.match(down.stderr, /s3cret/);
});

test.run();
