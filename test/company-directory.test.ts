// The company directory kept per tenant by the phone service (server/provision/company.ts): read
// once for all of a tenant's phones, French order, read again after any change that names one of
// the tenant's phones or a phone it cannot place; a read that fails or overlaps a change is not kept.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CompanyDirectories, readCompanyDirectory, tenantsOf } from '../server/provision/company.ts';
import type { Store } from '../server/store/types.ts';

interface Row {
  number: string;
  name: string;
  tenantId: string;
  directoryHidden: boolean;
}

/** Just what the directory reads, counting the reads; `gate` holds a read until released. */
function fakeStore(rows: Row[]) {
  const calls = { users: 0, shared: 0 };
  let gate: Promise<void> | null = null;
  let fail = false;
  const store = {
    users: {
      directory: async (tenantId: string) => {
        calls.users++;
        // What the database holds when the read starts (a snapshot), answered when the gate opens.
        const snapshot = rows.filter((r) => r.tenantId === tenantId && !r.directoryHidden).map((r) => ({ number: r.number, name: r.name }));
        if (gate) await gate;
        if (fail) throw new Error('database gone');
        return snapshot;
      },
    },
    sharedContacts: {
      list: async (tenantId: string) => {
        calls.shared++;
        return tenantId === 'acme' ? [{ id: 7, name: 'Standard', work: '0145000000', mobile: null, home: null, group: null }] : [];
      },
    },
  } as unknown as Store;
  return {
    store,
    calls,
    hold(): () => void {
      let release!: () => void;
      gate = new Promise((r) => (release = r));
      return () => {
        gate = null;
        release();
      };
    },
    failing(v: boolean) {
      fail = v;
    },
  };
}

const ROWS: Row[] = [
  { number: '0100000003', name: 'Eric', tenantId: 'acme', directoryHidden: false },
  { number: '0100000002', name: 'Émilie', tenantId: 'acme', directoryHidden: false },
  { number: '0100000001', name: 'Emile', tenantId: 'acme', directoryHidden: false },
  { number: '0100000004', name: 'Caché', tenantId: 'acme', directoryHidden: true },
  { number: '0200000001', name: 'Gus', tenantId: 'globex', directoryHidden: false },
];

const test = suite('company directory kept per tenant');

test('read: visible licences in French order, no secret, shared contacts frozen', async () => {
  const f = fakeStore(ROWS);
  const d = await readCompanyDirectory(f.store, 'acme');
  assert.equal(d.colleagues, [
    { id: 'u0100000001', name: 'Emile', work: '0100000001' },
    { id: 'u0100000002', name: 'Émilie', work: '0100000002' },
    { id: 'u0100000003', name: 'Eric', work: '0100000003' },
  ]);
  assert.equal(d.shared, [{ id: 's7', name: 'Standard', work: '0145000000' }]);
  assert.not.ok(JSON.stringify(d).includes('sealed'), 'no SIP password is kept');
  assert.ok(Object.isFrozen(d.shared) && Object.isFrozen(d.shared[0]) && Object.isFrozen(d.colleagues[0]), 'every phone gets the same objects: nobody may change them');
});

test('one read per tenant, shared by concurrent renders; tenants apart', async () => {
  const f = fakeStore(ROWS);
  const c = new CompanyDirectories(f.store);
  const release = f.hold();
  const storm = Promise.all(Array.from({ length: 50 }, () => c.get('acme')));
  release();
  const all = await storm;
  assert.is(f.calls.users, 1);
  assert.ok(all.every((d) => d === all[0]));
  assert.is((await c.get('acme')).colleagues.length, 3);
  assert.is((await c.get('globex')).colleagues[0]!.name, 'Gus');
  assert.is(f.calls.users, 2);
});

test('a change read again: that tenant only, or every tenant', async () => {
  const rows = ROWS.map((r) => ({ ...r }));
  const f = fakeStore(rows);
  const c = new CompanyDirectories(f.store);
  await c.get('acme');
  await c.get('globex');
  rows[0]!.name = 'Éric Renommé';
  c.invalidate(['globex']);
  assert.is((await c.get('acme')).colleagues[2]!.name, 'Eric', 'acme kept: the change named globex');
  c.invalidate(['acme']);
  assert.is((await c.get('acme')).colleagues[2]!.name, 'Éric Renommé');
  const reads = f.calls.users;
  c.invalidate('*');
  await c.get('acme');
  await c.get('globex');
  assert.is(f.calls.users, reads + 2);
});

test('a read under way when a change comes is not kept; a failed read is not kept', async () => {
  const rows = ROWS.map((r) => ({ ...r }));
  const f = fakeStore(rows);
  const c = new CompanyDirectories(f.store);
  const release = f.hold();
  const early = c.get('acme');
  rows[1]!.directoryHidden = true;
  c.invalidate(['acme']);
  release();
  assert.is((await early).colleagues.length, 3, 'the render that asked before the change gets what it read');
  assert.is((await c.get('acme')).colleagues.length, 2, 'the next one reads again');
  c.invalidate('*');
  f.failing(true);
  await c.get('acme').then(
    () => assert.unreachable('the read failed'),
    (e: Error) => assert.is(e.message, 'database gone'),
  );
  f.failing(false);
  assert.is((await c.get('acme')).colleagues.length, 2);
});

test('bounded: at most 256 tenants kept, the least recently read go first', async () => {
  const rows: Row[] = Array.from({ length: 300 }, (_, i) => ({ number: `01${String(i).padStart(8, '0')}`, name: `N${i}`, tenantId: `t${i}`, directoryHidden: false }));
  const f = fakeStore(rows);
  const c = new CompanyDirectories(f.store);
  for (let i = 0; i < 300; i++) {
    await c.get(`t${i}`);
    await c.get('t0'); // read often: stays
  }
  const reads = f.calls.users;
  await c.get('t0');
  await c.get('t299');
  assert.is(f.calls.users, reads, 't0 and the latest are kept');
  await c.get('t1');
  assert.is(f.calls.users, reads + 1, 't1 was pushed out');
});

test('tenantsOf: the tenants of the phones named; every tenant when one is unknown', () => {
  const known: Record<string, string> = { '001565000001': 'acme', '001565000002': 'acme', '0004f2000001': 'globex' };
  const of = (mac: string) => known[mac];
  assert.equal([...(tenantsOf(['001565000001', '001565000002'], of) as Set<string>)], ['acme']);
  assert.equal([...(tenantsOf(['001565000001', '0004f2000001'], of) as Set<string>)], ['acme', 'globex']);
  assert.is(tenantsOf(['001565000001', '0004f2999999'], of), '*');
  assert.is(tenantsOf('*', of), '*');
  assert.equal([...(tenantsOf([], of) as Set<string>)], []);
});

test.run();
