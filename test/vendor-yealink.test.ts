import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { yealink } from '../vendors/yealink/index.ts';
import { YEALINK_MODELS } from '../vendors/yealink/models.ts';
import { HandlebarsTemplates, defaultShippedTemplatesDir } from '../vendors/common/templates.ts';
import { cleanText } from '../vendors/common/escape.ts';
import type { RenderContext } from '../vendors/types.ts';
import { realisticContext, usContext, withDirectory, withFeatures } from './fixtures/render-context.ts';
import { hostileStrings, injectEverywhere } from './fixtures/injection.ts';
import { parseXml, findAll, textOf } from './fixtures/xml.ts';
import { updatingGolden } from './helpers/golden.ts';

const templates = new HandlebarsTemplates({ shippedDir: defaultShippedTemplatesDir() });
const MAC = '805ec0123401';
const GOLDEN = fileURLToPath(new URL('./golden/yealink/', import.meta.url));

function render(file: string, ctx: RenderContext | null): string {
  const r = yealink.render(file, ctx, templates);
  assert.ok(r, `${file} renders`);
  return r!.body.toString('utf8');
}

/** key → value of a cfg file, checking its syntax on the way. */
function parseCfg(body: string): Map<string, string> {
  const lines = body.split('\n');
  assert.is(lines[0], '#!version:1.0.0.1');
  assert.not.ok(body.includes('\r'), 'no CR');
  const keys = new Map<string, string>();
  for (const line of lines) {
    assert.match(line, /^(#.*|[a-z0-9_.]+ = .*)?$/, `line ${JSON.stringify(line.slice(0, 80))}`);
    if (line === '' || line.startsWith('#')) continue;
    const i = line.indexOf(' = ');
    let k = line.slice(0, i);
    // One `login:password` line per login (yealink.md §5 admin password; Wazo writes two).
    if (k === 'static.security.user_password') k += `#${line.slice(i + 3).split(':', 1)[0]}`;
    assert.not.ok(keys.has(k), `duplicate key ${k}`);
    keys.set(k, line.slice(i + 3));
  }
  return keys;
}

// ---- models, names, identification ------------------------------------------------------------

test('model table holds the required models with sane counts', () => {
  for (const m of ['T31P', 'T33G', 'T43U', 'T46U', 'T48U', 'T53W', 'T54W', 'T57W']) {
    const info = yealink.models.find((x) => x.model === m);
    assert.ok(info, m);
    assert.ok(info!.lineKeys > 0 && info!.sipAccounts > 0);
  }
  assert.is(yealink.models.find((x) => x.model === 'T54W')!.lineKeys, 27);
  assert.equal(yealink.models.find((x) => x.model === 'T48U')!.expansion, { modules: 3, keysPerModule: 60 });
  assert.is(yealink.models.find((x) => x.model === 'T31P')!.expansion, undefined);
});

test('bootFiles: common file of the model, then the MAC file, the phonebook, the blacklist (local contact file)', () => {
  assert.equal(yealink.bootFiles(MAC, 'T54W'), ['y000000000096.cfg', '805ec0123401.cfg', '805ec0123401-contacts.xml', '805ec0123401-blacklist.xml']);
  assert.equal(yealink.bootFiles('805EC0123401', 'T46U')[0], 'y000000000108.cfg');
  assert.is(yealink.bootFiles(MAC, 'T43U')[0], 'y000000000107.cfg');
  assert.is(yealink.bootFiles(MAC, 'T31P')[0], 'y000000000123.cfg');
  assert.is(yealink.bootFiles(MAC, 'T33G')[0], 'y000000000124.cfg');
  assert.is(yealink.bootFiles(MAC, 'T48U')[0], 'y000000000109.cfg');
  assert.is(yealink.bootFiles(MAC, 'T53W')[0], 'y000000000095.cfg');
  assert.is(yealink.bootFiles(MAC, 'T57W')[0], 'y000000000097.cfg');
  for (const m of YEALINK_MODELS) {
    const ctx = realisticContext('yealink', m.model, MAC);
    for (const f of yealink.bootFiles(MAC, m.model)) assert.ok(yealink.render(f, ctx, templates), `${m.model} ${f}`);
  }
});

test('identify: User-Agent gives model, firmware and MAC', () => {
  assert.equal(yealink.identify({ file: 'y000000000096.cfg', userAgent: 'Yealink SIP-T54W 96.86.0.100 80:5e:c0:12:34:01' }), {
    vendor: 'yealink',
    mac: MAC,
    model: 'T54W',
    firmware: '96.86.0.100',
  });
  assert.equal(yealink.identify({ file: 'anything.rom', userAgent: 'Yealink SIP-T46S 66.86.0.15 80:5e:c0:d5:7d:72' }), {
    vendor: 'yealink',
    mac: '805ec0d57d72',
    model: 'T46S',
    firmware: '66.86.0.15',
  });
  assert.equal(yealink.identify({ file: 'x.cfg', userAgent: 'Yealink-T46G 28.71.0.81 28.1.0.128.0.0.0' }), {
    vendor: 'yealink',
    model: 'T46G',
    firmware: '28.71.0.81',
  });
});

test('identify: file names', () => {
  assert.equal(yealink.identify({ file: 'y000000000096.cfg' }), { vendor: 'yealink', model: 'T54W' });
  assert.equal(yealink.identify({ file: 'y000000000095.cfg' }), { vendor: 'yealink' }, 'shared code: no model');
  assert.equal(yealink.identify({ file: '805ec0123401.cfg' }), { vendor: 'yealink', mac: MAC });
  assert.equal(yealink.identify({ file: '805EC0123401.cfg' }), { vendor: 'yealink', mac: MAC });
  assert.equal(yealink.identify({ file: '001565abcdef-local.cfg' }), { vendor: 'yealink', mac: '001565abcdef' });
  assert.equal(yealink.identify({ file: '001565abcdef.boot' }), { vendor: 'yealink', mac: '001565abcdef' });
  assert.equal(yealink.identify({ file: 'y000000000000.boot' }), { vendor: 'yealink' });
  assert.equal(yealink.identify({ file: '0004f2aabbcc-contacts.xml' }), { vendor: 'yealink', mac: '0004f2aabbcc' });
  // Another vendor's MAC-named master file, or its default master, is not ours by name alone.
  assert.is(yealink.identify({ file: '0004f2aabbcc.cfg' }), null);
  assert.is(yealink.identify({ file: '000000000000.cfg' }), null);
  assert.is(yealink.identify({ file: 'snomD785.htm', userAgent: 'Mozilla/4.0 (compatible; snom D785 10.1.54.13)' }), null);
  assert.is(yealink.identify({ file: '../../etc/passwd' }), null);
  assert.is(yealink.identify({ file: 'y000000000096.cfg.bak' }), null);
});

test('notifyEvent', () => {
  assert.is(yealink.notifyEvent(true), 'check-sync;reboot=true');
  assert.is(yealink.notifyEvent(false), 'check-sync;reboot=false');
});

// ---- rendering --------------------------------------------------------------------------------

for (const [name, make] of [['fr', realisticContext], ['en-us', usContext]] as const) {
  test(`golden files for a ${name} T54W`, () => {
    const ctx = withDirectory(withFeatures(make('yealink', 'T54W', MAC)));
    const dir = join(GOLDEN, name);
    for (const f of yealink.bootFiles(MAC, 'T54W')) {
      const body = render(f, ctx);
      const path = join(dir, f);
      if (updatingGolden()) {
        mkdirSync(dir, { recursive: true });
        writeFileSync(path, body);
      }
      assert.fixture(body, readFileSync(path, 'utf8'));
    }
  });
}

test('MAC file: account, keys, network, phonebook', () => {
  const ctx = realisticContext('yealink', 'T54W', MAC);
  const cfg = parseCfg(render(`${MAC}.cfg`, ctx));
  const expect: Record<string, string> = {
    'account.1.enable': '1',
    'account.1.label': 'Chloé Dupont-Lefèvre',
    'account.1.display_name': 'Chloé Dupont-Lefèvre',
    'account.1.auth_name': '0145678901',
    'account.1.user_name': '0145678901',
    'account.1.password': 'Zx9!qT4#vR2$',
    'account.1.sip_server.1.address': 'sip.acme.example',
    'account.1.sip_server.1.port': '5060',
    'account.1.sip_server.1.transport_type': '0',
    'account.1.outbound_proxy_enable': '1',
    'account.1.outbound_proxy.1.address': 'proxy.acme.example',
    'account.1.subscribe_mwi': '1',
    'account.1.subscribe_mwi_to_vm': '0',
    'voice_mail.number.1': '123',
    'account.1.sip_server.1.expires': '600',
    'account.1.codec.pcma.enable': '1',
    'account.1.codec.pcma.priority': '1',
    'account.1.codec.pcmu.priority': '2',
    'account.1.codec.opus.enable': '0',
    'account.1.dtmf.type': '1',
    'account.2.enable': '1',
    'account.2.user_name': '0145678999',
    'account.2.auth_name': '0145678999',
    'account.2.password': 'Rc7#pL2!mQ9x',
    'account.2.label': 'Accueil ACME',
    'voice_mail.number.2': '123',
    'account.3.enable': '0',
    'account.3.password': '',
    'account.16.enable': '0',
    'linekey.2.type': '15',
    'linekey.2.line': '2',
    'features.pickup.direct_pickup_enable': '1',
    'features.pickup.direct_pickup_code': '*8',
    'dialplan.digitmap.enable': '1',
    'dialplan.digitmap.no_match_action': '2',
    'lang.gui': 'French',
    'lang.wui': 'French',
    'voice.tone.country': 'France',
    'local_time.time_format': '1',
    'local_time.date_format': '5',
    'static.auto_provision.server.url': 'http://prov.example.test:8080/p/Tok3n-acme-0123456789/',
    'static.security.user_password#user': 'user:Us3r-P@ss',
    'features.remote_phonebook.flash_time': '3600',
    'features.dnd.large_icon.enable': '1',
    'linekey.1.type': '15',
    'linekey.1.line': '1',
    'linekey.4.type': '16',
    'linekey.4.value': '0145678902',
    'linekey.4.label': 'Élodie Martin',
    'linekey.4.extension': '*8',
    'linekey.4.pickup_value': '*8',
    'linekey.9.type': '13',
    'linekey.9.value': '0612345678',
    'linekey.12.value': '+33491234567',
    'linekey.13.type': '0',
    'linekey.27.type': '0',
    'static.network.vlan.internet_port_enable': '1',
    'static.network.vlan.internet_port_vid': '20',
    'static.network.vlan.internet_port_priority': '5',
    'local_time.ntp_server1': 'ntp1.acme.example',
    'local_time.ntp_server2': 'ntp2.acme.example',
    'static.network.primary_dns': '192.0.2.53',
    'static.network.secondary_dns': '192.0.2.54',
    'static.syslog.server': 'syslog.acme.example',
    'static.network.qos.signaltos': '26',
    'static.network.qos.audiotos': '46',
    'static.security.user_password#admin': 'admin:Adm1n-P@ss',
    'static.auto_provision.repeat.enable': '1',
    'static.auto_provision.repeat.minutes': '1440',
    'static.firmware.url': 'http://fw.example.test/yealink/T54W-96.86.0.100.rom',
    'remote_phonebook.data.1.url': 'http://prov.example.test:8080/p/Tok3n-acme-0123456789/805ec0123401-contacts.xml',
    'features.remote_phonebook.enable': '1',
  };
  for (const [k, v] of Object.entries(expect)) assert.is(cfg.get(k), v, k);
  assert.not.ok(cfg.has('linekey.28.type'), 'no key beyond the model');
  assert.not.ok(cfg.has('account.17.enable'), 'no account beyond the model');
  assert.ok(cfg.get('dialplan.digitmap.string')!.startsWith('0[1-9]xxxxxxxx|'), 'French digit map');
  assert.not.ok([...cfg.keys()].some((k) => k.startsWith('expansion_module.')));
  assert.ok(yealink.render(`${MAC}.cfg`, ctx, templates)!.sensitive);
});

test('time zones: Paris, New York, Sydney, Kolkata', () => {
  const cases: [string, Record<string, string | undefined>][] = [
    ['Europe/Paris', { time_zone: '+1', time_zone_name: 'France(Paris)', summer_time: '1', dst_time_type: '1', start_time: '3/5/7/2', end_time: '10/5/7/3', offset_time: '60' }],
    ['America/New_York', { time_zone: '-5', time_zone_name: 'United States-Eastern Time', summer_time: '1', start_time: '3/2/7/2', end_time: '11/1/7/2', offset_time: '60' }],
    ['Australia/Sydney', { time_zone: '+10', time_zone_name: 'Australia(Sydney,Melbourne,Canberra)', summer_time: '1', start_time: '10/1/7/2', end_time: '4/1/7/3', offset_time: '60' }],
    ['Asia/Kolkata', { time_zone: '+5:30', time_zone_name: 'India(Calcutta)', summer_time: '0', start_time: undefined, end_time: undefined, dst_time_type: undefined }],
    // No entry of its own: a zone of the same offset and rule (the EU rule at +1).
    ['Europe/Zurich', { time_zone: '+1', time_zone_name: 'Germany(Berlin)', start_time: '3/5/7/2' }],
    ['Europe/Vienna', { time_zone: '+1', time_zone_name: 'Austria(Vienna)' }],
  ];
  for (const [zone, want] of cases) {
    const ctx = realisticContext('yealink', 'T46U', MAC);
    ctx.network.timezone = zone;
    const cfg = parseCfg(render(`${MAC}.cfg`, ctx));
    for (const [k, v] of Object.entries(want)) assert.is(cfg.get(`local_time.${k}`), v, `${zone} ${k}`);
  }
});

test('common file is neutral, with or without context; MAC files need their own context', () => {
  const ctx = realisticContext('yealink', 'T54W', MAC);
  const neutral = render('y000000000096.cfg', null);
  assert.is(render('y000000000096.cfg', ctx), neutral);
  for (const secret of ['Zx9!qT4', 'Adm1n', 'acme', '0145678901', 'Chloé']) assert.not.ok(neutral.includes(secret), secret);
  parseCfg(neutral);
  assert.is(yealink.render('y000000000096.cfg', null, templates)!.sensitive, false);
  assert.is(yealink.render(`${MAC}.cfg`, null, templates), null);
  assert.is(yealink.render(`${MAC}-contacts.xml`, null, templates), null);
  assert.is(yealink.render('805ec0999999.cfg', ctx, templates), null, 'another MAC');
  assert.is(yealink.render('y000000000999.cfg', null, templates), null, 'unknown model code');
  assert.is(yealink.render(`${MAC}.boot`, ctx, templates), null);
  assert.is(yealink.render(`${MAC}-local.cfg`, ctx, templates), null);
  assert.is(yealink.render('000000000000.cfg', null, templates), null);
});

test('no user: account disabled, secrets blank, keys reset, empty phonebook', () => {
  const ctx = realisticContext('yealink', 'T54W', MAC);
  delete ctx.user;
  const cfg = parseCfg(render(`${MAC}.cfg`, ctx));
  assert.is(cfg.get('account.1.enable'), '0');
  assert.is(cfg.get('account.1.password'), '');
  assert.is(cfg.get('account.1.user_name'), '');
  assert.is(cfg.get('linekey.4.type'), '0');
  const xml = parseXml(render(`${MAC}-contacts.xml`, ctx));
  assert.is(findAll(xml, 'Unit').length, 0);
});

test('removed keys are reset; expansion module keys', () => {
  const ctx = realisticContext('yealink', 'T48U', MAC);
  ctx.keys = [
    { position: 1, type: 'line' },
    { position: 30, type: 'blf', value: '0145678902', label: 'EXP un' },
    { position: 29 + 60 + 2, type: 'speeddial', value: '0612345678' },
  ];
  const cfg = parseCfg(render(`${MAC}.cfg`, ctx));
  assert.is(cfg.get('linekey.4.type'), '0');
  assert.is(cfg.get('linekey.29.type'), '0');
  assert.is(cfg.get('expansion_module.1.key.1.type'), '16');
  assert.is(cfg.get('expansion_module.1.key.1.value'), '0145678902');
  assert.is(cfg.get('expansion_module.1.key.2.type'), '0');
  assert.is(cfg.get('expansion_module.2.key.2.type'), '13');
  assert.is(cfg.get('expansion_module.2.key.2.label'), '0612345678', 'number as label by default');
  assert.is(cfg.get('expansion_module.2.key.60.type'), '0');
  assert.not.ok(cfg.has('expansion_module.3.key.1.type'), 'unused module untouched');
});

test('absent network fields write nothing; tls, no proxy, provisioning credentials', () => {
  const ctx = realisticContext('yealink', 'T33G', MAC);
  ctx.network = {};
  ctx.tenant.sipTransport = 'tls';
  ctx.tenant.sipPort = 5061;
  delete ctx.tenant.sipProxy;
  ctx.provisioningAuth = { username: 'prov', password: 's3cret' };
  const cfg = parseCfg(render(`${MAC}.cfg`, ctx));
  assert.is(cfg.get('account.1.sip_server.1.transport_type'), '2');
  assert.is(cfg.get('account.1.sip_server.1.port'), '5061');
  assert.is(cfg.get('account.1.outbound_proxy_enable'), '0');
  assert.is(cfg.get('remote_phonebook.data.1.username'), 'prov');
  assert.is(cfg.get('remote_phonebook.data.1.password'), 's3cret');
  assert.is(cfg.get('static.auto_provision.server.username'), 'prov');
  assert.is(cfg.get('static.auto_provision.server.password'), 's3cret');
  // The locale's and dial plan's defaults are written; no network field is.
  assert.is(cfg.get('lang.gui'), 'French');
  assert.is(cfg.get('local_time.time_format'), '1');
  for (const k of cfg.keys()) {
    if (/^local_time\.(time|date)_format$|^static\.auto_provision\.server\./.test(k)) continue;
    assert.not.ok(/^(static\.network|local_time|static\.syslog|static\.security|static\.firmware|static\.auto_provision)/.test(k), k);
  }
  assert.ok(cfg.has('linekey.12.type'));
  assert.not.ok(cfg.has('linekey.13.type'), 'T33G has 12 keys');
});

test('phonebook: groups, numbers, text parsed back exactly', () => {
  const ctx = realisticContext('yealink', 'T54W', MAC);
  const root = parseXml(render(`${MAC}-contacts.xml`, ctx));
  assert.is(root.name, 'YealinkIPPhoneBook');
  const units = findAll(root, 'Unit');
  assert.is(units.length, 20);
  const names = units.map((u) => u.attrs['Name']);
  for (const c of ctx.contacts) assert.ok(names.includes(c.name), c.name);
  const helene = units.find((u) => u.attrs['Name'] === 'Hélène Ségara')!;
  assert.equal(helene.attrs, { Name: 'Hélène Ségara', Phone1: '0491556677', Phone2: '0633445566', Phone3: '0491667788' });
  assert.equal(
    findAll(root, 'Menu').map((m) => m.attrs['Name']),
    // Contacts without a group are filed under the locale's "Personnel" (vendors/common/directory.ts).
    ['Amis', 'Travail', 'Famille', 'Personnel', 'Artisans'],
  );
  assert.is(textOf(findAll(root, 'Title')[0]!), 'Contacts');
});

// ---- hostile values ---------------------------------------------------------------------------

test('injection: no value adds a line or key, XML parses back with the text', () => {
  const base = realisticContext('yealink', 'T54W', MAC);
  const baseKeys = [...parseCfg(render(`${MAC}.cfg`, base)).keys()].sort();
  for (const s of hostileStrings) {
    const ctx = injectEverywhere(base, s);
    const label = JSON.stringify(s.slice(0, 40));
    const cfg = parseCfg(render(`${MAC}.cfg`, ctx));
    const keys = [...cfg.keys()].sort();
    if (cleanText(s).trim() === '') {
      // Blank admin and user passwords are left out on purpose; nothing else may change.
      assert.equal(keys, baseKeys.filter((k) => !k.startsWith('static.security.user_password')), label);
    } else {
      assert.equal(keys, baseKeys, label);
      assert.is(cfg.get('account.1.display_name'), cleanText(s).trim(), label);
      assert.is(cfg.get('linekey.4.label'), cleanText(s).trim(), label);
    }
    const root = parseXml(render(`${MAC}-contacts.xml`, ctx));
    const units = findAll(root, 'Unit');
    assert.is(units.length, 20, label);
    for (const u of units) {
      assert.is(u.attrs['Name'], cleanText(s), label);
    }
    const common = render('y000000000096.cfg', ctx);
    assert.is(common, render('y000000000096.cfg', null));
  }
});

test('checkValues reports control characters, bad admin passwords, sub-hour DST', () => {
  const ok = realisticContext('yealink', 'T54W', MAC);
  assert.equal(yealink.checkValues!(ok), []);
  const bad = injectEverywhere(ok, 'a\nb');
  const fields = yealink.checkValues!(bad).map((p) => p.field);
  for (const f of ['user.name', 'user.sipPassword', 'keys[4].label', 'contacts[0].name', 'network.syslogServer', 'network.adminPassword']) {
    assert.ok(fields.includes(f), f);
  }
  const colon = realisticContext('yealink', 'T54W', MAC);
  colon.network.adminPassword = 'a:b';
  assert.equal(yealink.checkValues!(colon).map((p) => p.field), ['network.adminPassword']);
  const chatham = realisticContext('yealink', 'T54W', MAC);
  chatham.network.timezone = 'Pacific/Chatham';
  assert.equal(yealink.checkValues!(chatham).map((p) => p.field), ['network.timezone']);
});

test('blacklist: a local contact file in the built-in group Blacklist, linked by local_contact.data.url once the settings are stored', () => {
  const base = realisticContext('yealink', 'T54W', MAC);
  const f = { dnd: { enabled: false, allowedCallers: [] }, forwardAlways: { enabled: false, target: null }, rejectAnonymous: false, blacklist: ['0899000001', '+41221234567'] };
  const ctx = withFeatures(base, f);
  const xml = yealink.render(`${MAC}-blacklist.xml`, ctx, templates)!;
  assert.ok(xml.sensitive, 'private to the user');
  const body = xml.body.toString('utf8');
  assert.match(body, '<root_contact>');
  for (const n of f.blacklist) assert.match(body, `<contact display_name="${n}" office_number="${n}" group_id_name="Blacklist"/>`);
  const cfg = yealink.render(`${MAC}.cfg`, ctx, templates)!.body.toString('utf8');
  assert.match(cfg, new RegExp(`^local_contact\\.data\\.url = .*/${MAC}-blacklist\\.xml$`, 'm'));
  // Never saved in cadran: the phone's own local directory is left alone, and the file is empty.
  const plain = withFeatures(base, null);
  assert.not.match(yealink.render(`${MAC}.cfg`, plain, templates)!.body.toString('utf8'), 'local_contact.data.url');
  assert.not.match(yealink.render(`${MAC}-blacklist.xml`, plain, templates)!.body.toString('utf8'), '<contact ');
  // Another phone's name is not this context's to render.
  assert.is(yealink.render('805ec0999999-blacklist.xml', ctx, templates), null);
});

test.run();
