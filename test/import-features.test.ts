// Device import columns for a user's line settings (issue 15, bulk set-up): French headers, yes/no
// and number-list cells, validated like the API (line and column named), merged onto what is
// stored, written in the import's one transaction, and the phones' cached files named.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { importDevices } from '../server/imports/devices.ts';
import { OPERATOR, source, startImportWorld, type ImportWorld } from './fixtures/csv/setup.ts';
import type { DeviceChange } from '../server/service/changes.ts';

let w: ImportWorld;
const run = (csv: string, opts: Parameters<typeof importDevices>[3] = {}) => importDevices(w.s.app, OPERATOR, source(csv), opts);
const features = (n: string) => w.s.app.store.features.get(n);

test.before(async () => {
  w = await startImportWorld();
});
test.after(async () => w.s.close());

test('French columns set the line settings of the phone\'s user; numbers normalised', async () => {
  const seen: DeviceChange[] = [];
  const off = w.s.app.changes.onChange((c) => seen.push(c));
  const csv =
    'mac;modèle;parc;utilisateur;renvoi;NPD;appelants prioritaires;liste noire;rejeter appels anonymes\r\n' +
    '80:5E:C0:AA:00:01;T54W;acme;0100000002;+33 6 98 76 54 32;oui;06 12 34 56 78 | +41 22 123 45 67;0899123456,0899654321;oui\r\n';
  const r = await run(csv);
  off();
  assert.is(r.rejected, 0, JSON.stringify(r.lines));
  assert.is(r.created, 1);
  const f = await features('0100000002');
  assert.ok(f);
  assert.equal(f!.forwardAlways, { enabled: true, target: '0698765432' });
  assert.equal(f!.dnd, { enabled: true, allowedCallers: ['0612345678', '+41221234567'] });
  assert.equal(f!.blacklist, ['0899123456', '0899654321']);
  assert.is(f!.rejectAnonymous, true);
  assert.ok(seen.some((c) => c.macs !== '*' && c.macs.includes('805ec0aa0001')));
  // The same file again changes nothing; a line with only `npd = non` changes only DND.
  const again = await run(csv);
  assert.is(again.unchanged, 1);
  assert.is((await features('0100000002'))!.version, f!.version);
  const r2 = await run('mac;npd\r\n80:5E:C0:AA:00:01;non\r\n');
  assert.is(r2.updated, 1, JSON.stringify(r2.lines));
  const f2 = await features('0100000002');
  assert.is(f2!.dnd.enabled, false);
  assert.equal(f2!.blacklist, f!.blacklist);
});

test('refusals name the line and the column; all-or-nothing writes nothing', async () => {
  const before = await features('0100000002');
  const r = await run(
    'mac;model;tenant;user;renvoi;npd;liste noire\r\n' +
      '80:5E:C0:AA:00:02;T54W;acme;0100000003;chez moi;;\r\n' +
      '80:5E:C0:AA:00:03;T54W;acme;0100000002;;peut-être;\r\n' +
      '80:5E:C0:AA:00:04;T54W;acme;;;oui;\r\n' +
      '80:5E:C0:AA:00:05;T54W;acme;0100000002;;;abc\r\n',
  );
  const byLine = new Map(r.lines.filter((l) => l.status === 'rejected').map((l) => [l.line, l.reason]));
  assert.equal(byLine.get(2), { key: 'validation.feature_number', field: 'forward' });
  assert.is(byLine.get(3)?.key, 'import_line.yes_no');
  assert.is(byLine.get(3)?.field, 'dnd');
  assert.equal(byLine.get(4), { key: 'import_line.features_need_user', field: 'user' });
  assert.is(byLine.get(5)?.field, 'blacklist');
  assert.equal(await features('0100000002'), before);
  assert.is(await w.s.app.store.devices.get('805ec0aa0002'), undefined);
});

test('two phones giving one user different line settings are refused; a setting left empty on one line does not disagree', async () => {
  const before = await features('0100000003');
  const r = await run(
    'mac;model;tenant;user;renvoi;npd\r\n' +
      '80:5E:C0:AA:00:11;T54W;acme;0100000003;0612345678;oui\r\n' +
      '80:5E:C0:AA:00:12;T54W;acme;0100000003;0698765432;oui\r\n' +
      '80:5E:C0:AA:00:13;T54W;acme;0100000003;;oui\r\n',
  );
  const byLine = new Map(r.lines.filter((l) => l.status === 'rejected').map((l) => [l.line, l.reason]));
  assert.equal(byLine.get(2), { key: 'import_line.user_settings_conflict', params: { user: '0100000003', lines: '3' }, field: 'user' });
  assert.equal(byLine.get(3), { key: 'import_line.user_settings_conflict', params: { user: '0100000003', lines: '2' }, field: 'user' });
  assert.is(byLine.has(4), false, 'line 4 sets only DND, as the others do');
  assert.equal(await features('0100000003'), before);
  assert.is(await w.s.app.store.devices.get('805ec0aa0013'), undefined, 'all or nothing');
});

test('a list longer than the phone keeps is refused on its line', async () => {
  const many = Array.from({ length: 31 }, (_, i) => `06000000${String(i).padStart(2, '0')}`).join('|');
  const r = await run(`mac;model;tenant;user;appelants prioritaires\r\n80:5E:C0:AA:00:06;T54W;acme;0100000003;${many}\r\n`);
  const l = r.lines.find((x) => x.status === 'rejected');
  assert.ok(l, JSON.stringify(r));
  assert.is(l!.reason?.key, 'validation.features_list_beyond_phone');
  assert.is(l!.reason?.field, 'vip');
});

test.run();
