// MAC import, batched path: a chunk's devices are read in one statement and its rows written in
// two (devices.getMany / insertMany / updateMany). The report, the rows, the undo journal and the
// fall-back to line-by-line writes must be those of the line-by-line path.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { importDevices } from '../server/imports/devices.ts';
import { DEFAULT_CHUNK } from '../server/imports/common.ts';
import { StoreError } from '../server/store/errors.ts';
import type { Store } from '../server/store/types.ts';
import type { Actor } from '../server/auth/principal.ts';
import { OPERATOR, deviceCount, source, startImportWorld, type ImportWorld } from './fixtures/csv/setup.ts';
import { keysByLine } from './helpers/i18n.ts';

let w: ImportWorld;
const run = (csv: string, opts: Parameters<typeof importDevices>[3] = {}, p: Actor = OPERATOR) => importDevices(w.s.app, p, source(csv), opts);
const macOf = (i: number) => `805ec0d${i.toString(16).padStart(5, '0')}`;

const bulk = suite('large files (batched reads and writes)');
bulk.before.each(async () => {
  w = await startImportWorld();
});
bulk.after.each(async () => {
  await w.s.close();
});

/** The store seen by an import, with its devices methods changed by `patch` (in transactions too). */
function patched(store: Store, patch: (d: Store['devices'], tx: Store) => Partial<Store['devices']>): Store {
  const wrap = (s: Store): Store =>
    new Proxy(s, {
      get(target, prop, receiver) {
        if (prop === 'transaction') return <T>(fn: (tx: Store) => Promise<T>) => target.transaction((tx) => fn(wrap(tx)));
        if (prop === 'devices') return { ...target.devices, ...patch(target.devices, target) };
        return Reflect.get(target, prop, receiver);
      },
    });
  return wrap(store);
}

/** devices.insert / insertMany refusing one MAC, as a database constraint would. */
const refusing = (store: Store, mac: string): Store =>
  patched(store, (d) => {
    const refuse = () => Promise.reject(new StoreError('constraint', `refused ${mac}`));
    return {
      insert: (x) => (x.mac === mac ? refuse() : d.insert(x)),
      insertMany: (xs) => (xs.some((x) => x.mac === mac) ? refuse() : d.insertMany(xs)),
    };
  });

/** Counts the device statements an import runs. */
function counting(store: Store): { store: Store; calls: Record<string, number> } {
  const calls: Record<string, number> = {};
  const count = <A extends unknown[], R>(name: string, f: (...a: A) => Promise<R>) => (...a: A): Promise<R> => {
    calls[name] = (calls[name] ?? 0) + 1;
    return f(...a);
  };
  return {
    calls,
    store: patched(store, (d) => ({
      get: count('get', d.get), update: count('update', d.update), insert: count('insert', d.insert),
      getMany: count('getMany', d.getMany), insertMany: count('insertMany', d.insertMany), updateMany: count('updateMany', d.updateMany),
    })),
  };
}

bulk('2.5 chunks: created, updated, unchanged and refused lines, each on its own report line, in a statement or two per chunk', async () => {
  const n = Math.floor(DEFAULT_CHUNK * 2.5);
  const first = ['mac;model;tenant;user;label', ...Array.from({ length: n }, (_, i) => `${macOf(i)};T54W;acme;${i % 2 ? '0100000002' : ''};Poste ${i}`)];
  const c1 = counting(w.s.app.store);
  const r1 = await importDevices({ ...w.s.app, store: c1.store }, OPERATOR, source(first.join('\n')));
  assert.equal([r1.created, r1.rejected, r1.applied], [n, 0, true]);
  assert.equal(c1.calls, { getMany: 3, insertMany: 3, updateMany: 3 }, 'one read and two writes per chunk, nothing per line');
  const d7 = (await w.s.app.store.devices.get(macOf(7)))!;
  assert.equal([d7.tenantId, d7.userNumber, d7.label, d7.model, d7.version], ['acme', '0100000002', 'Poste 7', 'T54W', 1]);
  assert.ok(d7.provisioningUsername && d7.provisioningPassword, 'a new device gets credentials of its own');
  // Again: every 3rd label changes, every 500th line names an unknown user, the rest is the same.
  const again = ['mac;model;tenant;user;label', ...Array.from({ length: n }, (_, i) =>
    `${macOf(i)};T54W;acme;${i % 500 === 1 ? '0199999999' : i % 2 ? '0100000002' : ''};Poste ${i}${i % 3 === 0 ? ' bis' : ''}`)];
  w.changes.length = 0;
  const r2 = await run(again.join('\n'), { mode: 'skip-invalid' });
  const lines = keysByLine(r2);
  for (let i = 0; i < n; i++) {
    const want = i % 500 === 1 ? 'rejected: validation.user_not_in_tenant' : i % 3 === 0 ? 'updated' : 'unchanged';
    assert.is(lines[i + 2], want, `line ${i + 2}`);
  }
  const updated = Array.from({ length: n }, (_, i) => i).filter((i) => i % 3 === 0 && i % 500 !== 1).length;
  assert.equal([r2.rejected, r2.updated, r2.applied], [Math.ceil(n / 500), updated, true]);
  const d3 = (await w.s.app.store.devices.get(macOf(3)))!;
  assert.equal([d3.label, d3.version], ['Poste 3 bis', 2]);
  assert.is((await w.s.app.store.devices.get(macOf(4)))!.label, 'Poste 4');
  assert.is((await w.s.app.store.devices.get(macOf(1)))!.userNumber, '0100000002', 'refused line left as it was');
  assert.ok(w.changes.some((c) => c.macs === '*' || c.macs.includes(macOf(3))), 'the caches hear of the rows written');
  // All or nothing: one refused line in the last chunk, and the earlier chunks are put back.
  const r3 = await run(again.join('\n').replace(/ bis/g, ' ter'));
  assert.is(r3.applied, false);
  const back = (await w.s.app.store.devices.get(macOf(3)))!;
  assert.is(back.label, 'Poste 3 bis', 'put back by the undo journal');
});

bulk('a chunk the database refuses is written line by line: only the refused line is rejected', async () => {
  const n = DEFAULT_CHUNK + 10;
  const csv = ['mac;model;tenant', ...Array.from({ length: n }, (_, i) => `${macOf(i)};T54W;acme`)].join('\n');
  const r = await importDevices({ ...w.s.app, store: refusing(w.s.app.store, macOf(42)) }, OPERATOR, source(csv), { mode: 'skip-invalid' });
  const lines = keysByLine(r);
  assert.is(lines[44], 'rejected: import_line.db_constraint');
  assert.is(lines[43], 'created');
  assert.equal([r.created, r.rejected, r.applied], [n - 1, 1, true]);
  assert.is(await deviceCount(w), n - 1);
  assert.is(await w.s.app.store.devices.get(macOf(42)), undefined);
  // All or nothing: the same refusal puts everything back, the first chunk too.
  const csv2 = ['mac;model;tenant', ...Array.from({ length: n }, (_, i) => `${macOf(5000 + i)};T54W;acme`)].join('\n');
  const r2 = await importDevices({ ...w.s.app, store: refusing(w.s.app.store, macOf(5000 + DEFAULT_CHUNK + 3)) }, OPERATOR, source(csv2));
  assert.equal([keysByLine(r2)[DEFAULT_CHUNK + 5], r2.applied], ['rejected: import_line.db_constraint', false]);
  assert.is(await w.s.app.store.devices.get(macOf(5000)), undefined);
  assert.is(await deviceCount(w), n - 1);
});

bulk('a device changed after its line was decided is refused as stale, on its own line; the others are written', async () => {
  const n = 30;
  await run(['mac;model;tenant', ...Array.from({ length: n }, (_, i) => `${macOf(i)};T54W;acme`)].join('\n'));
  // Somebody edits device 7 between the chunk's read and its write (inside the import's transaction).
  const racing = patched(w.s.app.store, (d) => ({
    updateMany: async (xs) => {
      const row = xs.find((x) => x.mac === macOf(7));
      if (row) await d.update(row.mac, { ...row, label: 'edited meanwhile' });
      return d.updateMany(xs);
    },
  }));
  const csv = ['mac;model;tenant;label', ...Array.from({ length: n }, (_, i) => `${macOf(i)};T54W;acme;Bureau ${i}`)].join('\n');
  const r = await importDevices({ ...w.s.app, store: racing }, OPERATOR, source(csv), { mode: 'skip-invalid' });
  const lines = keysByLine(r);
  assert.is(lines[9], 'rejected: stale.device');
  assert.equal([r.updated, r.rejected, r.applied], [n - 1, 1, true]);
  assert.is((await w.s.app.store.devices.get(macOf(7)))!.label, 'edited meanwhile', 'the other edit is not overwritten');
  assert.is((await w.s.app.store.devices.get(macOf(8)))!.label, 'Bureau 8');
});

bulk.run();
