// The shared store test suite: every engine behind `Store` (SQLite, PostgreSQL) must pass it.
// An engine's test file calls `storeSuite(name, open)` with a function that opens an empty,
// migrated store, then `.run()`s the suite it gets back.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { StoreError } from '../server/store/errors.ts';
import type { Store, User } from '../server/store/types.ts';
import type { ResyncJob, ResyncTarget } from '../server/domain/resync.ts';

export interface OpenedStore {
  store: Store;
  /** Close the store and throw its data away. */
  close(): Promise<void>;
}

const tenant = (id: string) => ({ id, name: `Tenant ${id}`, sipDomain: `sip.${id}.example`, sipProxy: null, sipPort: 5060, sipTransport: 'udp' as const, security: {} });
const user = (number: string, tenantId = 'acme'): Omit<User, 'createdAt' | 'updatedAt'> => ({
  number, tenantId, name: `User ${number}`, email: null, role: 'user', passwordHash: null,
  sipAuthName: `auth${number}`, sipPassword: `pw-${number}`, voicemailNumber: '123',
});
const device = (mac: string, userNumber: string | null = null, tenantId = 'acme') => ({
  mac, tenantId, vendor: 'yealink', model: 'T54W', userNumber, label: null, expansionModules: 0, provisioningUsername: null, provisioningPassword: null,
});

async function refusedWith(p: Promise<unknown>, code: StoreError['code']): Promise<void> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, StoreError, `expected a StoreError, got ${String(e)}`);
    assert.is((e as StoreError).code, code);
    return;
  }
  assert.unreachable('expected the store to refuse');
}

export function storeSuite(name: string, open: () => Promise<OpenedStore>) {
  const t = suite<{ opened?: OpenedStore; store: Store }>(`store contract: ${name}`, {} as { store: Store });
  t.before.each(async (ctx) => {
    ctx.opened = await open();
    ctx.store = ctx.opened.store;
    await ctx.store.tenants.insert(tenant('acme'));
  });
  t.after.each(async (ctx) => {
    await ctx.opened?.close();
  });

  t('tenants, users and devices: insert, read back, update, list in order, delete', async ({ store }) => {
    await store.tenants.insert({ ...tenant('globex'), sipProxy: 'sbc.globex.example', security: { urlToken: 'tok' } });
    const g = (await store.tenants.get('globex'))!;
    assert.is(g.sipProxy, 'sbc.globex.example');
    assert.equal(g.security, { urlToken: 'tok' });
    assert.ok(g.createdAt && g.updatedAt);
    await store.tenants.update('globex', { ...g, name: 'Globex SA', security: {} });
    assert.is((await store.tenants.get('globex'))!.name, 'Globex SA');
    assert.equal((await store.tenants.list()).map((x) => x.id), ['acme', 'globex']);

    await store.users.insert(user('0100000002'));
    await store.users.insert(user('0100000001'));
    await store.users.insert(user('0200000001', 'globex'));
    assert.equal((await store.users.list('acme')).map((u) => u.number), ['0100000001', '0100000002']);
    assert.is((await store.users.list()).length, 3);
    const u = (await store.users.get('0100000001'))!;
    await store.users.update(u.number, { ...u, name: 'Chloé', email: 'c@acme.example', role: 'admin', passwordHash: 'h' });
    const u2 = (await store.users.get('0100000001'))!;
    assert.equal([u2.name, u2.email, u2.role, u2.passwordHash, u2.tenantId], ['Chloé', 'c@acme.example', 'admin', 'h', 'acme']);

    await store.devices.insert(device('805ec0000002', '0100000001'));
    await store.devices.insert(device('805ec0000001'));
    await store.devices.insert(device('805ec0000003', null, 'globex'));
    assert.equal((await store.devices.list()).map((d) => d.mac), ['805ec0000001', '805ec0000002', '805ec0000003']);
    assert.equal((await store.devices.list({ tenantId: 'acme' })).map((d) => d.mac), ['805ec0000001', '805ec0000002']);
    assert.equal((await store.devices.list({ userNumber: '0100000001' })).map((d) => d.mac), ['805ec0000002']);
    const d = (await store.devices.get('805ec0000001'))!;
    await store.devices.update(d.mac, { ...d, label: 'Accueil', expansionModules: 2, userNumber: '0100000002' });
    const d2 = (await store.devices.get('805ec0000001'))!;
    assert.equal([d2.label, d2.expansionModules, d2.userNumber], ['Accueil', 2, '0100000002']);
    assert.is(await store.devices.delete('805ec0000001'), true);
    assert.is(await store.devices.delete('805ec0000001'), false);
    assert.is(await store.devices.get('805ec0000001'), undefined);
  });

  t('a duplicate key or a missing reference is a StoreError with code constraint', async ({ store }) => {
    await refusedWith(store.tenants.insert(tenant('acme')), 'constraint');
    await refusedWith(store.users.insert(user('0100000001', 'nope')), 'constraint');
    await store.users.insert(user('0100000001'));
    await refusedWith(store.users.insert(user('0100000001')), 'constraint');
    await refusedWith(store.devices.insert(device('805ec0000001', '0999999999')), 'constraint');
  });

  t('keys: replace the whole list, BLF watchers', async ({ store }) => {
    await store.users.insert(user('0100000001'));
    await store.users.insert(user('0100000002'));
    await store.keys.replace('0100000001', [
      { position: 2, type: 'blf', value: '0100000002', label: null },
      { position: 1, type: 'line', value: null, label: null },
    ]);
    assert.equal((await store.keys.list('0100000001')).map((k) => k.position), [1, 2]);
    assert.equal(await store.keys.watchersOf('0100000002'), ['0100000001']);
    await store.keys.replace('0100000001', [{ position: 3, type: 'speeddial', value: '0612345678', label: 'Mobile' }]);
    assert.equal(await store.keys.list('0100000001'), [{ position: 3, type: 'speeddial', value: '0612345678', label: 'Mobile' }]);
    assert.equal(await store.keys.watchersOf('0100000002'), []);
  });

  t('network profiles: empty until set, replaced as a whole', async ({ store }) => {
    await store.devices.insert(device('805ec0000001'));
    assert.equal(await store.network.getTenant('acme'), {});
    assert.equal(await store.network.getDevice('805ec0000001'), {});
    await store.network.setTenant('acme', { vlanId: 20, ntpServers: ['ntp.example'] });
    await store.network.setTenant('acme', { vlanId: 30 });
    await store.network.setDevice('805ec0000001', { firmware: { T54W: 'fw.rom' } });
    assert.equal(await store.network.getTenant('acme'), { vlanId: 30 });
    assert.equal(await store.network.getDevice('805ec0000001'), { firmware: { T54W: 'fw.rom' } });
  });

  t('contacts: ids, order by name, update, delete', async ({ store }) => {
    await store.users.insert(user('0100000001'));
    const b = await store.contacts.insert({ userNumber: '0100000001', name: 'bernard', work: '0102030405', mobile: null, home: null, group: null });
    const a = await store.contacts.insert({ userNumber: '0100000001', name: 'Alice', work: null, mobile: '0612345678', home: null, group: 'Amis' });
    assert.ok(Number.isInteger(a) && Number.isInteger(b) && a !== b);
    assert.equal((await store.contacts.list('0100000001')).map((c) => c.name), ['Alice', 'bernard']);
    await store.contacts.update(b, { name: 'Bernard', work: null, mobile: null, home: '0147000000', group: null });
    const c = (await store.contacts.get(b))!;
    assert.equal([c.name, c.home, c.userNumber], ['Bernard', '0147000000', '0100000001']);
    assert.is(await store.contacts.delete(a), true);
    assert.is(await store.contacts.get(a), undefined);
  });

  t('deleting a tenant cascades to its users, devices, keys and contacts; deleting a user frees its phones', async ({ store }) => {
    await store.users.insert(user('0100000001'));
    await store.users.insert(user('0100000002'));
    await store.devices.insert(device('805ec0000001', '0100000002'));
    await store.users.delete('0100000002');
    assert.is((await store.devices.get('805ec0000001'))!.userNumber, null);
    await store.contacts.insert({ userNumber: '0100000001', name: 'C', work: '0102030405', mobile: null, home: null, group: null });
    await store.keys.replace('0100000001', [{ position: 1, type: 'line', value: null, label: null }]);
    assert.is(await store.tenants.delete('acme'), true);
    assert.is(await store.users.get('0100000001'), undefined);
    assert.is(await store.devices.get('805ec0000001'), undefined);
    assert.equal(await store.contacts.list('0100000001'), []);
    assert.equal(await store.keys.list('0100000001'), []);
  });

  t('transaction: commits together, or not at all when fn throws (nested transactions too)', async ({ store }) => {
    const out = await store.transaction(async (tx) => {
      await tx.users.insert(user('0100000001'));
      await tx.keys.replace('0100000001', [{ position: 1, type: 'line', value: null, label: null }]);
      return 'done';
    });
    assert.is(out, 'done');
    assert.ok(await store.users.get('0100000001'));
    try {
      await store.transaction(async (tx) => {
        await tx.users.insert(user('0100000002'));
        await tx.keys.replace('0100000002', [{ position: 1, type: 'line', value: null, label: null }]);
        await tx.users.insert(user('0100000002')); // duplicate: fails half-way
      });
      assert.unreachable('the duplicate must fail');
    } catch (e) {
      assert.instance(e, StoreError);
    }
    assert.is(await store.users.get('0100000002'), undefined);
    assert.equal(await store.keys.list('0100000002'), []);
    // An error of fn's own rolls back too, and is rethrown as it is.
    const boom = new Error('boom');
    try {
      await store.transaction(async (tx) => {
        await tx.users.insert(user('0100000003'));
        throw boom;
      });
    } catch (e) {
      assert.is(e, boom);
    }
    assert.is(await store.users.get('0100000003'), undefined);
    // A nested transaction that fails undoes only its part; the outer one can go on.
    await store.transaction(async (tx) => {
      await tx.users.insert(user('0100000004'));
      try {
        await tx.transaction(async (inner) => {
          await inner.users.insert(user('0100000005'));
          throw new Error('inner');
        });
      } catch {
        /* expected */
      }
      await tx.users.insert(user('0100000006'));
    });
    assert.ok(await store.users.get('0100000004'));
    assert.is(await store.users.get('0100000005'), undefined);
    assert.ok(await store.users.get('0100000006'));
  });

  t('transaction: outer calls made meanwhile see the state before or after it, never half of it', async ({ store }) => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let inserted!: () => void;
    const firstDone = new Promise<void>((r) => (inserted = r));
    const tx = store.transaction(async (s) => {
      await s.users.insert(user('0100000001'));
      inserted();
      await gate;
      await s.users.insert(user('0100000002'));
    });
    await firstDone;
    const seen = store.users.list('acme').then((l) => l.map((u) => u.number));
    release();
    await tx;
    const numbers = await seen;
    assert.ok(numbers.length === 0 || numbers.length === 2, `saw ${numbers.join(',')}`);
    // Two transactions asked at once both commit, one after the other.
    await Promise.all([
      store.transaction(async (s) => s.users.insert(user('0100000003'))),
      store.transaction(async (s) => s.users.insert(user('0100000004'))),
    ]);
    assert.is((await store.users.list('acme')).length, 4);
  });

  t('sightings: latest kept per device, unknown MACs ignored; unknown devices add up', async ({ store }) => {
    await store.devices.insert(device('805ec0000001'));
    const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
    await store.sightings.record([
      { mac: '805ec0000001', at: at(1), ip: '192.0.2.10', userAgent: 'UA', firmware: '1.0', file: 'a.cfg', protocol: 'http' },
      { mac: '805ec0ffffff', at: at(1), ip: '192.0.2.11', userAgent: null, firmware: null, file: 'x.cfg', protocol: 'tftp' },
    ]);
    await store.sightings.record([{ mac: '805ec0000001', at: at(2), ip: '192.0.2.12', userAgent: 'UA2', firmware: null, file: 'b.cfg', protocol: 'https' }]);
    const s = (await store.sightings.get('805ec0000001'))!;
    assert.equal([s.at, s.ip, s.firmware, s.file, s.protocol], [at(2), '192.0.2.12', '1.0', 'b.cfg', 'https'], 'firmware kept when not sent again');
    assert.is(await store.sightings.get('805ec0ffffff'), undefined);

    await store.unknownDevices.record([{ mac: '0004f2000001', vendor: 'polycom', model: null, ip: '192.0.2.20', userAgent: 'P', lastSeen: at(3), hits: 2 }]);
    await store.unknownDevices.record([{ mac: '0004f2000001', vendor: null, model: 'VVX450', ip: '192.0.2.21', userAgent: null, lastSeen: at(4), hits: 3 }]);
    await store.unknownDevices.record([{ mac: '805ec0000001', vendor: 'yealink', model: null, ip: '192.0.2.22', userAgent: null, lastSeen: at(5), hits: 1 }]);
    const list = await store.unknownDevices.list();
    assert.equal(list.map((u) => u.mac), ['0004f2000001'], 'a provisioned MAC is not listed as unknown');
    assert.equal([list[0]!.vendor, list[0]!.model, list[0]!.ip, list[0]!.userAgent, list[0]!.firstSeen, list[0]!.lastSeen, list[0]!.count], ['polycom', 'VVX450', '192.0.2.21', 'P', at(3), at(4), 5]);
    assert.is(await store.unknownDevices.delete('0004f2000001'), true);
    assert.equal(await store.unknownDevices.list(), []);
  });

  t('operators, tokens, sessions, settings', async ({ store }) => {
    assert.is(await store.operators.count(), 0);
    await store.operators.insert({ login: 'admin', passwordHash: 'h' });
    assert.is(await store.operators.count(), 1);
    assert.is((await store.operators.get('admin'))!.passwordHash, 'h');
    await refusedWith(store.operators.insert({ login: 'admin', passwordHash: null }), 'constraint');

    await store.tokens.insert({ id: 't1', tokenHash: 'hash1', principalKind: 'operator', principalId: 'admin', label: 'cli', createdAt: new Date().toISOString() });
    assert.equal((await store.tokens.findByHash('hash1'))!.principalId, 'admin');
    assert.is(await store.tokens.findByHash('nope'), undefined);
    assert.is(await store.tokens.delete('t1'), true);
    assert.is(await store.tokens.findByHash('hash1'), undefined);

    const s = { principalKind: 'operator' as const, principalId: 'admin', csrfToken: 'csrf', expiresAt: '2026-01-01T12:00:00.000Z' };
    await store.sessions.insert('old', { ...s, expiresAt: '2026-01-01T00:00:00.000Z' });
    await store.sessions.insert('new', s);
    assert.equal(await store.sessions.get('new'), s);
    await store.sessions.purgeExpired('2026-01-01T06:00:00.000Z');
    assert.is(await store.sessions.get('old'), undefined);
    await store.sessions.delete('new');
    assert.is(await store.sessions.get('new'), undefined);

    assert.is(await store.settings.get('x'), undefined);
    await store.settings.set('x', { a: [1, 2] });
    await store.settings.set('x', { a: [3] });
    assert.equal(await store.settings.get('x'), { a: [3] });
  });

  t('password resets: one link per minute, peek, claim once, revoke all', async ({ store }) => {
    await store.users.insert(user('0100000001'));
    const iso = (m: number) => new Date(Date.UTC(2026, 0, 1, 10, m)).toISOString();
    const issue = (hash: string, m: number) =>
      store.passwordResets.issue({ tokenHash: hash, userNumber: '0100000001', createdAt: iso(m), expiresAt: iso(m + 60), notBefore: iso(m - 1) });
    assert.is(await issue('h1', 0), true);
    assert.is(await issue('h2', 0), false, 'a second link right away is refused');
    assert.is(await issue('h3', 2), true, 'a minute later it is issued');
    assert.is(await store.passwordResets.peek('h1', iso(30)), '0100000001');
    assert.is(await store.passwordResets.peek('h1', iso(61)), undefined, 'expired');
    assert.is(await store.passwordResets.peek('h2', iso(1)), undefined, 'never stored');
    const [a, b] = await Promise.all([store.passwordResets.claim('h1', iso(5)), store.passwordResets.claim('h1', iso(5))]);
    assert.equal([a, b].filter(Boolean), ['0100000001'], 'two claims of one link: only one wins');
    assert.is(await store.passwordResets.peek('h1', iso(6)), undefined, 'used');
    await store.passwordResets.revokeAll('0100000001', iso(7));
    assert.is(await store.passwordResets.claim('h3', iso(8)), undefined, 'revoked with the others');
  });

  const job = (jobId: string, createdAt: number, over: Partial<ResyncJob> = {}): ResyncJob => ({
    jobId, tenantId: 'acme', scope: { kind: 'tenant', id: 'acme' }, reboot: false, requestedBy: 'operator:admin', createdAt, ...over,
  });
  const target = (jobId: string, mac: string, userNumber?: string): ResyncTarget => ({
    jobId, deviceMac: mac, tenantId: 'acme', event: 'check-sync', target: { host: '192.0.2.10', port: 5060 },
    requestUri: `sip:x@192.0.2.10:5060`, fromDomain: 'sip.acme.example', ...(userNumber ? { userNumber, credentials: { username: 'ignored', password: 'ignored' } } : {}),
  });

  t('resync jobs: created with scope, reboot and requester; unsendable targets failed; states and times', async ({ store }) => {
    await store.users.insert(user('0100000001'));
    const t0 = Date.UTC(2026, 0, 1, 10);
    await store.resync.createJob(
      job('j1', t0, { scope: { kind: 'user', id: '0100000001' }, reboot: true, requestedBy: 'admin:0100000009' }),
      [target('j1', '805ec0000001', '0100000001'), target('j1', '805ec0000002')],
      [{ deviceMac: '805ec0000003', tenantId: 'acme', reason: 'never seen' }],
    );
    const got = (await store.resync.getJob('j1'))!;
    assert.equal(got.job, job('j1', t0, { scope: { kind: 'user', id: '0100000001' }, reboot: true, requestedBy: 'admin:0100000009' }));
    assert.equal(got.targets.map((x) => [x.deviceMac, x.state, x.reason ?? null]), [
      ['805ec0000001', 'queued', null], ['805ec0000002', 'queued', null], ['805ec0000003', 'failed', 'never seen'],
    ]);
    assert.ok(got.targets.every((x) => !('credentials' in x)), 'no password in the records');
    assert.is(got.targets[0]!.userNumber, '0100000001');
    assert.equal(got.targets[0]!.target, { host: '192.0.2.10', port: 5060 });

    await store.resync.setTargetState('j1', '805ec0000001', 'sent', { at: t0 + 1000 });
    await store.resync.setTargetState('j1', '805ec0000001', 'answered', { at: t0 + 1500, code: 200, reason: 'OK' });
    await store.resync.setTargetState('j1', '805ec0000001', 'fetched', { at: t0 + 3000 });
    await store.resync.setTargetState('j1', 'ffffffffffff', 'sent', { at: t0 }); // unknown pair: ignored
    const r = (await store.resync.getJob('j1'))!.targets[0]!;
    assert.equal([r.state, r.code, r.reason, r.sentAt, r.fetchedAt, r.updatedAt], ['fetched', 200, 'OK', t0 + 1000, t0 + 3000, t0 + 3000]);
    assert.is(await store.resync.getJob('nope'), null);
  });

  t('resync jobs: pending targets join the line credentials back; fetch correlation; cancel', async ({ store }) => {
    await store.users.insert(user('0100000001'));
    const t0 = Date.UTC(2026, 0, 1, 10);
    await store.resync.createJob(job('j1', t0), [target('j1', '805ec0000001', '0100000001'), target('j1', '805ec0000002')], []);
    await store.resync.createJob(job('j2', t0 + 10), [target('j2', '805ec0000003')], []);
    await store.resync.setTargetState('j1', '805ec0000002', 'sent', { at: t0 + 100 });
    let pending = await store.resync.pendingTargets();
    assert.equal(pending.map((p) => `${p.jobId} ${p.deviceMac}`), ['j1 805ec0000001', 'j1 805ec0000002', 'j2 805ec0000003']);
    assert.equal(pending[0]!.credentials, { username: 'auth0100000001', password: 'pw-0100000001' }, "the line's current password");
    assert.is(pending[1]!.credentials, undefined);
    // The line's password changes: recovery uses the new one.
    const u = (await store.users.get('0100000001'))!;
    await store.users.update(u.number, { ...u, sipPassword: 'new-password' });
    assert.is((await store.resync.pendingTargets())[0]!.credentials!.password, 'new-password');

    assert.equal(await store.resync.awaitingFetch('805ec0000002', t0), [{ jobId: 'j1', state: 'sent' }]);
    assert.equal(await store.resync.awaitingFetch('805ec0000002', t0 + 101), [], 'sent before the window');
    await store.resync.setTargetState('j1', '805ec0000002', 'answered', { at: t0 + 200, code: 200 });
    assert.equal(await store.resync.awaitingFetch('805ec0000002', t0), [{ jobId: 'j1', state: 'answered', code: 200 }]);

    assert.equal((await store.resync.cancelJob('j2', t0 + 500)).sort(), ['805ec0000003']);
    assert.equal(await store.resync.cancelJob('nope', t0), []);
    const j2 = (await store.resync.getJob('j2'))!;
    assert.is(j2.job.cancelledAt, t0 + 500);
    assert.is(j2.targets[0]!.state, 'cancelled');
    pending = await store.resync.pendingTargets();
    assert.equal(pending.map((p) => p.jobId), ['j1'], 'cancelled jobs are not recovered');
  });

  t('resync jobs: list newest first, by tenant and requester, bounded', async ({ store }) => {
    await store.tenants.insert(tenant('globex'));
    const t0 = Date.UTC(2026, 0, 1, 10);
    await store.resync.createJob(job('a', t0), [target('a', '805ec0000001')], []);
    await store.resync.createJob(job('b', t0 + 1, { requestedBy: 'user:0100000002' }), [target('b', '805ec0000002')], [{ deviceMac: '805ec0000009', tenantId: 'acme', reason: 'x' }]);
    await store.resync.createJob(job('c', t0 + 2, { tenantId: 'globex' }), [{ ...target('c', '000413000001'), tenantId: 'globex' }], []);
    assert.equal((await store.resync.listJobs()).map((j) => j.jobId), ['c', 'b', 'a']);
    assert.equal((await store.resync.listJobs({ tenantId: 'acme' })).map((j) => j.jobId), ['b', 'a']);
    assert.equal((await store.resync.listJobs({ requestedBy: 'user:0100000002' })).map((j) => j.jobId), ['b']);
    assert.equal((await store.resync.listJobs({ limit: 1 })).map((j) => j.jobId), ['c']);
    const b = (await store.resync.listJobs({ tenantId: 'acme', limit: 1 }))[0]!;
    assert.equal([b.total, b.counts.queued, b.counts.failed, b.finished], [2, 1, 1, false]);
  });

  t('onExternalChange hands back an unsubscribe; publishChange resolves', async ({ store }) => {
    const off = store.onExternalChange(() => {});
    assert.type(off, 'function');
    off();
    await store.publishChange({ macs: ['805ec0000001'], reason: 'test' });
    assert.ok(store.engine === 'sqlite' || store.engine === 'postgres');
  });

  return t;
}
