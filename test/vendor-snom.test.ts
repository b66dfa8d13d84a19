// Snom vendor module: identification, file set, rendering (golden files), escaping of hostile
// values, function-key limits and time zones. Regenerate golden files with UPDATE_GOLDEN=1 after
// checking the output by hand against /work/shared/vendors/snom.md.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { snom } from '../vendors/snom/index.ts';
import { SNOM_MODELS, findSnomModel, maxKeyPosition } from '../vendors/snom/models.ts';
import { SNOM_TIMEZONE_CODES, snomTime } from '../vendors/snom/timezone.ts';
import { HandlebarsTemplates, defaultShippedTemplatesDir } from '../vendors/common/templates.ts';
import { cleanText } from '../vendors/common/escape.ts';
import { timezoneRule } from '../vendors/common/timezone.ts';
import type { RenderContext, RenderKey } from '../vendors/types.ts';
import { realisticContext } from './fixtures/render-context.ts';
import { hostileStrings, injectEverywhere } from './fixtures/injection.ts';
import { parseXml, findAll, textOf, type XmlElement } from './fixtures/xml.ts';
import { updatingGolden } from './helpers/golden.ts';

const templates = new HandlebarsTemplates({ shippedDir: defaultShippedTemplatesDir() });
const MAC = '000413123403';
const ctx = (): RenderContext => realisticContext('snom', 'D785', MAC);
const GOLDEN_DIR = fileURLToPath(new URL('./golden/snom/', import.meta.url));

function renderText(file: string, c: RenderContext | null): string {
  const r = snom.render(file, c, templates);
  assert.ok(r, `${file} should render`);
  return r.body.toString('utf8');
}

/** Every file a provisioned D785 with a firmware URL is served. */
const allFiles = (mac = MAC, model = 'D785'): string[] => [...snom.bootFiles(mac, model), `snom${model}-firmware.xml`];

const children = (el: XmlElement): XmlElement[] => el.children.filter((c): c is XmlElement => typeof c !== 'string');
function setting(doc: XmlElement, name: string): XmlElement {
  const found = findAll(doc, name);
  assert.is(found.length, 1, `exactly one <${name}>`);
  return found[0]!;
}

// ---------------------------------------------------------------- identification

test('identify: per-model and per-device file names, any case, MAC upper-cased in names', () => {
  assert.equal(snom.identify({ file: 'snomD785.htm' }), { vendor: 'snom', model: 'D785' });
  assert.equal(snom.identify({ file: 'snomD785-000413123403.htm' }), { vendor: 'snom', mac: MAC, model: 'D785' });
  assert.equal(snom.identify({ file: 'snomd785-00041312abcd.htm' }), { vendor: 'snom', mac: '00041312abcd', model: 'D785' });
  assert.equal(snom.identify({ file: '00041312ABCD.xml' }), { vendor: 'snom', mac: '00041312abcd' });
  assert.equal(snom.identify({ file: '00041312abcd-phonebook.xml' }), { vendor: 'snom', mac: '00041312abcd' });
  assert.equal(snom.identify({ file: 'snomD385-firmware.xml' }), { vendor: 'snom', model: 'D385' });
});

test('identify: User-Agent gives model, firmware and a MAC only when it is 12 hex digits', () => {
  const full = snom.identify({
    file: 'snomD785.htm',
    userAgent: 'Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 2010.12-00004-g9ba52f5 000413922D24 SXM:0 UXM:0)',
  });
  assert.equal(full, { vendor: 'snom', mac: '000413922d24', model: 'D785', firmware: '10.1.33.33' });
  // The field in this User-Agent has 11 digits: not a MAC.
  const truncated = snom.identify({
    file: 'snomD785.htm',
    userAgent: 'Mozilla/4.0 (compatible; snomD785-SIP 10.1.159.12 2.2 00041312343 3)',
  });
  assert.equal(truncated, { vendor: 'snom', model: 'D785', firmware: '10.1.159.12' });
  const odd = snom.identify({ file: 'x', userAgent: 'Mozilla/4.0 (compatible; snomD735-SIP 10.1.2.3 0004131234567 000413zz3403)' });
  assert.equal(odd, { vendor: 'snom', model: 'D735', firmware: '10.1.2.3' });
  const old = snom.identify({ file: 'x', userAgent: 'Mozilla/4.0 (compatible; snom710-SIP 8.7.5.35 1.1.5-IFX-05.01.12 000413741767)' });
  assert.equal(old, { vendor: 'snom', mac: '000413741767', model: '710', firmware: '8.7.5.35' });
});

test('identify: ?mac= query, file name first; nothing for other phones', () => {
  assert.equal(snom.identify({ file: 'snom.php', query: { mac: '000413123403' } }), { vendor: 'snom', mac: MAC });
  assert.equal(snom.identify({ file: 'index.php', query: { mac: '00:04:13:12:34:03' } }), { vendor: 'snom', mac: MAC });
  // A MAC of another vendor in the query alone does not point to Snom.
  assert.is(snom.identify({ file: 'index.php', query: { mac: '805ec0123401' } }), null);
  assert.equal(
    snom.identify({ file: '000413123403.xml', query: { mac: '000413999999' } }),
    { vendor: 'snom', mac: MAC },
  );
  assert.is(snom.identify({ file: '805ec0123401.cfg', userAgent: 'Yealink SIP-T54W 96.86.0.100 80:5e:c0:12:34:01' }), null);
  assert.is(snom.identify({ file: '000000000000.cfg' }), null);
  assert.is(snom.identify({ file: 'snomD785-0004131234.htm' }), null);
  assert.is(snom.identify({ file: '../000413123403.xml' }), null);
  assert.is(snom.identify({ file: '000000000000.xml' }), null);
});

test('bootFiles: containers first, then the per-device files, all renderable', () => {
  assert.equal(snom.bootFiles(MAC, 'D785'), [
    'snomD785.htm',
    'snomD785-000413123403.htm',
    '000413123403.xml',
    '000413123403-phonebook.xml',
  ]);
  for (const f of snom.bootFiles(MAC, 'D785')) assert.ok(snom.render(f, ctx(), templates), f);
});

test('setting-files lists carry absolute URLs under baseUrl', () => {
  const list = parseXml(renderText('snomD785-000413123403.htm', ctx()));
  assert.is(list.name, 'setting-files');
  assert.equal(
    findAll(list, 'file').map((f) => f.attrs.url),
    ['http://prov.example.test:8080/000413123403.xml', 'http://prov.example.test:8080/000413123403-phonebook.xml'],
  );
});

test('unknown phone (ctx null): neutral per-model file, no per-device file', () => {
  const body = renderText('snomD785.htm', null);
  const doc = parseXml(body);
  assert.is(doc.name, 'setting-files');
  assert.is(children(doc).length, 0);
  for (const secret of ['acme', 'Zx9', 'Adm1n', 'prov.example']) assert.not.ok(body.includes(secret), secret);
  assert.is(snom.render('snomD785.htm', null, templates)!.sensitive, false);
  for (const f of ['snomD785-000413123403.htm', '000413123403.xml', '000413123403-phonebook.xml', 'snomD785-firmware.xml']) {
    assert.is(snom.render(f, null, templates), null, f);
  }
  // Files of another phone are not rendered from this phone's context.
  assert.is(snom.render('000413999999.xml', ctx(), templates), null);
  assert.is(snom.render('y000000000000.cfg', ctx(), templates), null);
});

test('sensitive flags: settings (password) and phonebook (private) are, containers are not', () => {
  const c = ctx();
  assert.is(snom.render('000413123403.xml', c, templates)!.sensitive, true);
  assert.is(snom.render('000413123403-phonebook.xml', c, templates)!.sensitive, true);
  assert.is(snom.render('snomD785-000413123403.htm', c, templates)!.sensitive, false);
  assert.is(snom.render('snomD785-firmware.xml', c, templates)!.sensitive, false);
});

test('notifyEvent: check-sync with the reboot flag', () => {
  assert.is(snom.notifyEvent(false), 'check-sync;reboot=false');
  assert.is(snom.notifyEvent(true), 'check-sync;reboot=true');
});

// ---------------------------------------------------------------- models

test('model table: required models with key counts, accounts and expansion modules', () => {
  for (const m of ['D315', 'D385', 'D717', 'D735', 'D785', 'D865']) {
    const info = findSnomModel(m);
    assert.ok(info, m);
    assert.ok(info.lineKeys > 0 && info.sipAccounts > 0 && info.sipAccounts <= 12, m);
  }
  assert.is(findSnomModel('D785')!.lineKeys, 24);
  assert.is(maxKeyPosition(findSnomModel('D785')!), 24 + 3 * 18);
  assert.ok(SNOM_MODELS.every((m) => /^[A-Z0-9]+$/.test(m.model)));
  assert.equal(snom.ouis, ['000413', '00087b']);
});

// ---------------------------------------------------------------- golden files

test('golden files for a realistic D785', () => {
  const update = updatingGolden();
  if (update) mkdirSync(GOLDEN_DIR, { recursive: true });
  const unassigned = ctx();
  delete unassigned.user;
  unassigned.keys = [];
  const cases: [string, string][] = [
    ...allFiles().map((f): [string, string] => [f, renderText(f, ctx())]),
    ['unassigned-000413123403.xml', renderText('000413123403.xml', unassigned)],
    ['unknown-snomD785.htm', renderText('snomD785.htm', null)],
  ];
  for (const [name, body] of cases) {
    const path = join(GOLDEN_DIR, name);
    if (update) writeFileSync(path, body);
    assert.ok(existsSync(path), `golden file ${name} missing (run with UPDATE_GOLDEN=1)`);
    assert.fixture(body, readFileSync(path, 'utf8'));
  }
});

test('realistic settings: account, network profile and keys as snom.md describes them', () => {
  const doc = parseXml(renderText('000413123403.xml', ctx()));
  const ps = setting(doc, 'phone-settings');
  assert.is(ps.attrs.e, '2');
  for (const el of children(ps)) assert.is(el.attrs.perm, 'R', el.name);
  const v = (name: string): string => textOf(setting(doc, name));
  assert.is(v('user_host'), 'sip.acme.example');
  assert.is(v('user_outbound'), 'proxy.acme.example:5060;transport=udp');
  assert.is(v('user_name'), '0145678901');
  assert.is(v('user_pname'), '0145678901');
  assert.is(v('user_pass'), 'Zx9!qT4#vR2$');
  assert.is(v('user_realname'), 'Chloé Dupont-Lefèvre');
  assert.is(v('user_mailbox'), '123');
  assert.is(setting(doc, 'user_name').attrs.idx, '1');
  assert.is(v('vlan_id'), '20');
  assert.is(v('vlan_qos'), '5');
  assert.is(v('codec_tos'), '184');
  assert.is(v('signaling_tos'), '104');
  assert.is(v('timezone'), 'FRA+1');
  assert.is(v('dst'), '3600 03.05.07 02:00:00 10.05.07 03:00:00');
  assert.is(v('dns_server1'), '192.0.2.53');
  assert.is(v('dns_server2'), '192.0.2.54');
  assert.is(v('admin_mode_password'), 'Adm1n-P@ss');
  assert.is(v('settings_refresh_timer'), '86400');
  assert.is(v('firmware_status'), 'http://prov.example.test:8080/snomD785-firmware.xml');
  const fkeys = findAll(doc, 'fkey');
  assert.is(fkeys[0]!.attrs.idx, '0');
  assert.is(textOf(fkeys[0]!), 'line');
  assert.is(fkeys[0]!.attrs.label, 'Chloé');
  assert.is(textOf(fkeys[3]!), 'blf sip:0145678902@sip.acme.example|**');
  assert.is(textOf(fkeys[8]!), 'speed 0612345678');
  assert.is(fkeys[8]!.attrs.label, 'Portable Chloé');
  const fw = parseXml(renderText('snomD785-firmware.xml', ctx()));
  assert.is(textOf(setting(fw, 'firmware')), 'http://fw.example.test/snom/d785-6.4.0.rom');
});

test('unassigned device: account cleared, no secret', () => {
  const c = ctx();
  delete c.user;
  delete c.network.adminPassword;
  const r = snom.render('000413123403.xml', c, templates)!;
  assert.is(r.sensitive, false);
  const doc = parseXml(r.body.toString());
  assert.is(textOf(setting(doc, 'user_active')), 'off');
  assert.is(textOf(setting(doc, 'user_pass')), '');
  assert.not.ok(r.body.toString().includes('Zx9'));
  assert.is(findAll(parseXml(renderText('000413123403-phonebook.xml', c)), 'item').length, 0);
});

test('no firmware URL for the model: no firmware_status and no firmware file', () => {
  const c = ctx();
  c.network.firmware = { D735: 'http://fw.example.test/d735.bin' };
  assert.is(findAll(parseXml(renderText('000413123403.xml', c)), 'firmware_status').length, 0);
  assert.is(snom.render('snomD785-firmware.xml', c, templates), null);
});

// ---------------------------------------------------------------- function keys

test('function keys: 0-based idx, never beyond the model, one per addressable position', () => {
  for (const model of ['D315', 'D385', 'D717', 'D735', 'D785', 'D865']) {
    const info = findSnomModel(model)!;
    const max = maxKeyPosition(info);
    const c = realisticContext('snom', model, MAC);
    const extra: RenderKey[] = [0, -1, max, max + 1, max + 5, 2.5].map((position) => ({
      position,
      type: 'speeddial',
      value: `0600${position}`,
    }));
    c.keys = [...c.keys, ...extra];
    const fkeys = findAll(parseXml(renderText('000413123403.xml', c)), 'fkey');
    assert.is(fkeys.length, max, model);
    assert.equal(fkeys.map((k) => Number(k.attrs.idx)), Array.from({ length: max }, (_, i) => i), model);
    assert.is(textOf(fkeys[max - 1]!), `speed 0600${max}`, model);
    assert.ok(fkeys.every((k) => !textOf(k).includes(`0600${max + 1}`)), model);
  }
});

test('checkValues: keys beyond the model, unknown zone, characters an fkey cannot carry', () => {
  assert.equal(snom.checkValues!(ctx()), []);
  const c = ctx();
  c.keys.push({ position: 79, type: 'speeddial', value: '06 12|34' });
  c.network.timezone = 'Mars/Olympus';
  c.contacts[0]!.name = 'a\nb';
  const fields = snom.checkValues!(c).map((p) => p.field);
  assert.ok(fields.includes(`keys[${c.keys.length - 1}].position`));
  assert.ok(fields.includes(`keys[${c.keys.length - 1}].value`));
  assert.ok(fields.includes('network.timezone'));
  assert.ok(fields.includes('contacts[0].name'));
  // A bad zone from old data does not break the file: time settings are left out.
  assert.is(findAll(parseXml(renderText('000413123403.xml', c)), 'timezone').length, 0);
});

// ---------------------------------------------------------------- time zones

test('DST strings for Paris, New York, Sydney and Kolkata', () => {
  assert.equal(snomTime('Europe/Paris'), { code: 'FRA+1', utcOffsetSeconds: 3600, dst: '3600 03.05.07 02:00:00 10.05.07 03:00:00' });
  assert.equal(snomTime('America/New_York'), {
    code: 'USA-5',
    utcOffsetSeconds: -18000,
    dst: '3600 03.02.07 02:00:00 11.01.07 02:00:00',
  });
  // No Snom code known: the explicit offset and rule carry the zone (southern hemisphere: starts in October).
  assert.equal(snomTime('Australia/Sydney'), { code: '', utcOffsetSeconds: 36000, dst: '3600 10.01.07 02:00:00 04.01.07 03:00:00' });
  assert.equal(snomTime('Asia/Kolkata'), { code: 'IND+5.5', utcOffsetSeconds: 19800, dst: '' });
  for (const zone of ['America/New_York', 'Australia/Sydney', 'Asia/Kolkata']) {
    const c = ctx();
    c.network.timezone = zone;
    const doc = parseXml(renderText('000413123403.xml', c));
    const t = snomTime(zone);
    assert.is(textOf(setting(doc, 'timezone')), t.code, zone);
    assert.is(textOf(setting(doc, 'utc_offset')), String(t.utcOffsetSeconds), zone);
    assert.is(textOf(setting(doc, 'dst')), t.dst, zone);
  }
});

test('time zone code table agrees with the tz database standard offsets', () => {
  for (const [iana, code] of Object.entries(SNOM_TIMEZONE_CODES)) {
    const m = /^[A-Z]{3}\d?([+-])(\d+(?:\.\d+)?)$/.exec(code);
    assert.ok(m, code);
    const minutes = (m[1] === '-' ? -1 : 1) * Math.round(Number(m[2]) * 60);
    assert.is(minutes === 0 ? 0 : minutes, timezoneRule(iana).standardOffsetMinutes, `${iana} ${code}`);
  }
});

// ---------------------------------------------------------------- hostile values

test('hostile strings in every field: XML parses back with the exact text, nothing added', () => {
  const base = ctx();
  const baseDocs = new Map(allFiles().map((f) => [f, parseXml(renderText(f, base))]));
  const shape = (doc: XmlElement): string[] =>
    [doc, ...children(doc).flatMap((c) => [c, ...children(c).flatMap((g) => [g, ...children(g)])])].map((e) => e.name);
  for (const s of hostileStrings) {
    const c = injectEverywhere(base, s);
    const want = cleanText(s);
    const label = JSON.stringify(s.slice(0, 40));
    const docs = new Map(allFiles().map((f) => [f, parseXml(renderText(f, c))]));
    for (const [f, doc] of docs) assert.equal(shape(doc), shape(baseDocs.get(f)!), `${f} shape with ${label}`);

    const settings = docs.get('000413123403.xml')!;
    for (const name of [
      'user_realname', 'user_idle_text', 'user_pname', 'user_pass', 'user_mailbox', 'ntp_server',
      'dns_server1', 'dns_server2', 'syslog_server', 'admin_mode_password', 'http_pass',
    ]) {
      assert.is(textOf(setting(settings, name)), want, `${name} with ${label}`);
    }
    const fkeys = findAll(settings, 'fkey');
    for (const k of c.keys) {
      const el = fkeys[k.position - 1]!;
      assert.is(el.attrs.label, want, `fkey label with ${label}`);
      const expected = k.type === 'line' ? 'line' : k.type === 'blf' ? `blf sip:${want}@sip.acme.example|**` : `speed ${want}`;
      assert.is(textOf(el), expected, `fkey value with ${label}`);
    }
    const book = docs.get('000413123403-phonebook.xml')!;
    for (const item of findAll(book, 'item')) {
      assert.is(textOf(setting(item, 'name')), want, `contact name with ${label}`);
      assert.is(textOf(setting(item, 'number')), want, `contact number with ${label}`);
    }
    for (const g of findAll(book, 'group')) assert.is(textOf(g), want, `contact group with ${label}`);
    assert.is(textOf(setting(docs.get('snomD785-firmware.xml')!, 'firmware')), want, `firmware URL with ${label}`);
  }
});

test.run();
