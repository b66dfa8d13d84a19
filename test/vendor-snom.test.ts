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
import { SNOM_ZONES, snomTime } from '../vendors/snom/timezone.ts';
import { HandlebarsTemplates, defaultShippedTemplatesDir } from '../vendors/common/templates.ts';
import { cleanText } from '../vendors/common/escape.ts';
import { timezoneRule } from '../vendors/common/timezone.ts';
import type { RenderContext, RenderKey } from '../vendors/types.ts';
import { realisticContext, usContext, withDirectory, withFeatures } from './fixtures/render-context.ts';
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
function setting(doc: XmlElement, name: string, idx?: string): XmlElement {
  const found = findAll(doc, name).filter((e) => idx === undefined || e.attrs.idx === idx);
  assert.is(found.length, 1, `exactly one <${name}>${idx !== undefined ? ` idx=${idx}` : ''}`);
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
    [
      'http://prov.example.test:8080/p/Tok3n-acme-0123456789/000413123403.xml',
      'http://prov.example.test:8080/p/Tok3n-acme-0123456789/000413123403-phonebook.xml',
    ],
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

for (const [name, make] of [['fr', realisticContext], ['en-us', usContext]] as const) {
  test(`golden files for a ${name} D785`, () => {
    const update = updatingGolden();
    const dir = join(GOLDEN_DIR, name);
    if (update) mkdirSync(dir, { recursive: true });
    const c = (): RenderContext => withDirectory(withFeatures(make('snom', 'D785', MAC)));
    const unassigned = c();
    delete unassigned.user;
    unassigned.keys = [];
    const cases: [string, string][] = [
      ...allFiles().map((f): [string, string] => [f, renderText(f, c())]),
      ['unassigned-000413123403.xml', renderText('000413123403.xml', unassigned)],
      ['unknown-snomD785.htm', renderText('snomD785.htm', null)],
    ];
    for (const [file, body] of cases) {
      const path = join(dir, file);
      if (update) writeFileSync(path, body);
      assert.ok(existsSync(path), `golden file ${file} missing (run with UPDATE_GOLDEN=1)`);
      assert.fixture(body, readFileSync(path, 'utf8'));
    }
  });
}

test('realistic settings: account, network profile and keys as snom.md describes them', () => {
  const doc = parseXml(renderText('000413123403.xml', ctx()));
  const ps = setting(doc, 'phone-settings');
  assert.is(ps.attrs.e, '2');
  for (const el of children(ps)) assert.is(el.attrs.perm, 'R', el.name);
  const v = (name: string, idx?: string): string => textOf(setting(doc, name, idx));
  assert.is(v('user_host', '1'), 'sip.acme.example');
  assert.is(v('user_outbound', '1'), 'proxy.acme.example:5060;transport=udp');
  assert.is(v('user_name', '1'), '0145678901');
  assert.is(v('user_pname', '1'), '0145678901');
  assert.is(v('user_pass', '1'), 'Zx9!qT4#vR2$');
  assert.is(v('user_realname', '1'), 'Chloé Dupont-Lefèvre');
  // MWI subscription at the account's own address; the message key dials the voicemail number.
  assert.is(v('user_mailbox', '1'), '0145678901');
  assert.is(v('dkey_retrieve'), 'speed 123');
  // The vendor parameter user_expiry[1] replaces cadran's 600 for identity 1 only.
  assert.is(v('user_expiry', '1'), '300');
  assert.is(v('user_expiry', '2'), '600');
  assert.is(v('codec_priority_list', '1'), 'pcma,pcmu,g722,g729,telephone-event');
  assert.is(v('user_dtmf_info', '1'), 'off');
  assert.match(v('user_dp_str', '1'), /^!\^\(0\[1-9\]\[0-9\]\{8\}\)\$!sip:\\1@\\d!d /);
  assert.is(v('user_name', '2'), '0145678999');
  assert.is(v('user_pass', '2'), 'Rc7#pL2!mQ9x');
  assert.is(v('user_mailbox', '2'), '0145678999');
  assert.is(v('user_active', '3'), 'off');
  assert.is(v('user_pass', '12'), '');
  assert.is(findAll(doc, 'user_active').length, 12, 'every identity of a D785, no more');
  assert.is(v('language'), 'Francais');
  assert.is(v('web_language'), 'Francais');
  assert.is(v('tone_scheme'), 'FRA');
  assert.is(v('time_24_format'), 'on');
  assert.is(v('date_us_format'), 'off');
  assert.is(v('ntp_server'), 'ntp1.acme.example ntp2.acme.example');
  assert.is(v('webserver_user_password'), 'Us3r-P@ss');
  assert.is(v('call_waiting'), 'visual', 'vendor parameter cadran does not write');
  assert.is(v('setting_server'), 'http://prov.example.test:8080/p/Tok3n-acme-0123456789/snomD785-000413123403.htm');
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
  assert.is(v('firmware_status'), 'http://prov.example.test:8080/p/Tok3n-acme-0123456789/snomD785-firmware.xml?mac=000413123403');
  const fkeys = findAll(doc, 'fkey');
  assert.is(fkeys[0]!.attrs.idx, '0');
  assert.is(textOf(fkeys[0]!), 'line');
  assert.is(fkeys[0]!.attrs.label, 'Chloé');
  assert.is(fkeys[1]!.attrs.context, '2', 'the second line key shows the reception line');
  assert.is(fkeys[1]!.attrs.label, 'Accueil ACME');
  assert.is(textOf(fkeys[3]!), 'blf sip:0145678902@sip.acme.example|*8');
  assert.is(textOf(fkeys[8]!), 'speed 0612345678');
  assert.is(fkeys[8]!.attrs.label, 'Portable Chloé');
  const fw = parseXml(renderText('snomD785-firmware.xml', ctx()));
  assert.is(textOf(setting(fw, 'firmware')), 'http://fw.example.test/snom/d785-6.4.0.rom');
});

test('unassigned device: account cleared, no secret', () => {
  const c = ctx();
  delete c.user;
  delete c.network.adminPassword;
  delete c.network.phoneUserPassword;
  // Vendor parameters may hold secrets: a file that has any is never public.
  assert.is(snom.render('000413123403.xml', c, templates)!.sensitive, true);
  delete c.network.vendorParameters;
  const r = snom.render('000413123403.xml', c, templates)!;
  assert.is(r.sensitive, false);
  const doc = parseXml(r.body.toString());
  for (const idx of ['1', '2', '12']) {
    assert.is(textOf(setting(doc, 'user_active', idx)), 'off');
    assert.is(textOf(setting(doc, 'user_pass', idx)), '');
  }
  assert.not.ok(r.body.toString().includes('Zx9'));
  assert.not.ok(r.body.toString().includes('Rc7#'));
  assert.is(findAll(parseXml(renderText('000413123403-phonebook.xml', c)), 'contact').length, 0);
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
  assert.equal(snom.checkValues!(usContext('snom', 'D785', MAC)), []);
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

test('DST strings and codes for Paris, New York, Sydney and Kolkata', () => {
  assert.equal(snomTime('Europe/Paris'), { code: 'FRA+1', utcOffsetSeconds: 3600, dst: '3600 03.05.07 02:00:00 10.05.07 03:00:00' });
  assert.equal(snomTime('America/New_York'), {
    code: 'USA-5',
    utcOffsetSeconds: -18000,
    dst: '3600 03.02.07 02:00:00 11.01.07 02:00:00',
  });
  // Snom's own list names Sydney under AUS+10 (southern hemisphere: summer starts in October).
  assert.equal(snomTime('Australia/Sydney'), { code: 'AUS+10', utcOffsetSeconds: 36000, dst: '3600 10.01.07 02:00:00 04.01.07 03:00:00' });
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

test('time zone codes: other zones by offset and rule', () => {
  const cases: [string, string][] = [
    ['Australia/Melbourne', 'AUS+10'],
    ['Australia/Hobart', 'AUS3+10'],
    ['Australia/Brisbane', 'AUS2+10'],
    ['Australia/Adelaide', 'AUS+9.5'],
    ['Europe/Zurich', 'CHE+1'],
    ['Europe/Brussels', 'BEL+1'],
    ['Europe/London', 'GBR-0'],
    ['Europe/Lisbon', 'PRT-0'],
    ['America/Los_Angeles', 'USA-8'],
    ['America/Phoenix', 'USA2-7'],
    ['America/Toronto', 'CAN-5'],
    // No entry of their own: a code of the same offset and the same rule.
    ['Europe/Andorra', 'GER+1'],
    ['America/Indiana/Knox', 'USA-6'],
    ['Pacific/Auckland', 'NZL+12'],
  ];
  for (const [zone, code] of cases) assert.is(snomTime(zone).code, code, zone);
  // Nothing at +5:45 in Snom's list: the nearest code, reported, with the exact offset beside it.
  const k = snomTime('Asia/Kathmandu');
  assert.ok(k.code === 'IND+5.5' || k.code === 'KAZ+6', k.code);
  assert.is(k.utcOffsetSeconds, 20700);
  assert.ok(k.approximation);
  const c = ctx();
  c.network.timezone = 'Asia/Kathmandu';
  assert.ok(snom.checkValues!(c).some((p) => p.code === 'vendor.timezone_approximate'));
});

test('time zone code list: offsets agree with the codes, codes are unique', () => {
  const seen = new Set<string>();
  for (const e of SNOM_ZONES) {
    const m = /^[A-Z]{3}\d?([+-])(\d+(?:\.\d+)?)$/.exec(e.value);
    assert.ok(m, e.value);
    const minutes = (m[1] === '-' ? -1 : 1) * Math.round(Number(m[2]) * 60);
    assert.is(minutes === 0 ? 0 : minutes, e.offsetMinutes, e.value);
    assert.not.ok(seen.has(e.value), `duplicate ${e.value}`);
    seen.add(e.value);
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
    for (const [f, doc] of docs) {
      // Blank numbers leave their contacts out of the phone book (checked below).
      if (f.endsWith('-phonebook.xml') && want.trim() === '') continue;
      assert.equal(shape(doc), shape(baseDocs.get(f)!), `${f} shape with ${label}`);
    }

    const settings = docs.get('000413123403.xml')!;
    for (const name of ['user_realname', 'user_idle_text', 'user_pname', 'user_pass']) {
      for (const idx of ['1', '2']) assert.is(textOf(setting(settings, name, idx)), want, `${name}[${idx}] with ${label}`);
    }
    for (const name of ['dns_server1', 'dns_server2', 'syslog_server', 'admin_mode_password', 'http_pass', 'webserver_user_password']) {
      assert.is(textOf(setting(settings, name)), want, `${name} with ${label}`);
    }
    assert.is(textOf(setting(settings, 'ntp_server')), `${want} ${want}`, `ntp_server with ${label}`);
    assert.is(textOf(setting(settings, 'dkey_retrieve')), `speed ${want}`, `dkey_retrieve with ${label}`);
    const pickup = want.trim();
    const fkeys = findAll(settings, 'fkey');
    for (const k of c.keys) {
      const el = fkeys[k.position - 1]!;
      assert.is(el.attrs.label, want, `fkey label with ${label}`);
      const expected =
        k.type === 'line' ? 'line' : k.type === 'blf' ? `blf sip:${want}@sip.acme.example${pickup ? `|${pickup}` : ''}` : `speed ${want}`;
      assert.is(textOf(el), expected, `fkey value with ${label}`);
    }
    const book = docs.get('000413123403-phonebook.xml')!;
    const contacts = findAll(book, 'contact');
    // A contact whose every number is blank has nothing to dial: left out.
    assert.is(contacts.length, want.trim() === '' ? 0 : base.contacts.length, `contacts with ${label}`);
    for (const contact of contacts) {
      assert.is(textOf(setting(contact, 'first_name')), want, `contact name with ${label}`);
      for (const n of findAll(contact, 'number')) assert.is(n.attrs.no, want, `contact number with ${label}`);
    }
    // A contact without a group of its own is filed under the locale's "Personnel" (vendors/common/directory.ts).
    for (const g of findAll(book, 'group')) if (textOf(g) !== 'Personnel') assert.is(textOf(g), want, `contact group with ${label}`);
    assert.is(textOf(setting(docs.get('snomD785-firmware.xml')!, 'firmware')), want, `firmware URL with ${label}`);
  }
});

test('phone book: one contact per person, every number typed (version 2.0)', () => {
  const book = parseXml(renderText('000413123403-phonebook.xml', ctx()));
  assert.is(book.attrs.version, '2.0');
  assert.is(book.attrs.complete, 'true');
  const contacts = findAll(book, 'contact');
  assert.is(contacts.length, 20);
  const helene = contacts.find((c) => textOf(setting(c, 'first_name')) === 'Hélène Ségara')!;
  assert.equal(
    findAll(helene, 'number').map((n) => [n.attrs.no, n.attrs.type]),
    [['0491556677', 'business'], ['0633445566', 'mobile'], ['0491667788', 'home']],
  );
  assert.is(textOf(setting(helene, 'group')), 'Famille');
});

test('phone book: priority callers are VIP contacts, the blacklist blocked ones; a contact holding such a number is flagged itself', () => {
  const base = realisticContext('snom', 'D785', '000413123403');
  const c = base.contacts.find((x) => x.mobile)!;
  const ctx = withFeatures(base, { dnd: { enabled: true, allowedCallers: [c.mobile!, '0611111111'] }, forwardAlways: { enabled: false, target: null }, rejectAnonymous: false, blacklist: ['0899000001'] });
  const xml = snom.render('000413123403-phonebook.xml', ctx, templates)!.body.toString('utf8');
  const contacts = [...xml.matchAll(/<contact fav="false" vip="(\w+)" blocked="(\w+)">([\s\S]*?)<\/contact>/g)].map((m) => ({ vip: m[1], blocked: m[2], body: m[3]! }));
  const holding = (n: string) => contacts.filter((x) => x.body.includes(`no="${n}"`));
  assert.is(holding(c.mobile!).length, 1, 'the contact, not a second entry');
  assert.is(holding(c.mobile!)[0]!.vip, 'true');
  assert.equal(holding('0611111111').map((x) => [x.vip, x.blocked]), [['true', 'false']]);
  assert.equal(holding('0899000001').map((x) => [x.vip, x.blocked]), [['false', 'true']]);
  // Never saved in cadran: nothing flagged.
  const plain = snom.render('000413123403-phonebook.xml', withFeatures(base, null), templates)!.body.toString('utf8');
  assert.not.match(plain, 'vip="true"');
  assert.not.match(plain, 'blocked="true"');
});

test.run();
