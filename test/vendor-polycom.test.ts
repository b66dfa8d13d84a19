// Poly VVX vendor module: identification, file names, golden files, escaping of every field,
// directory rules (ct unique and non-empty, 40-byte names), key capacity, time zones.
// Regenerate the golden files with `UPDATE_GOLDEN=1 node test/run.js test/vendor-polycom.test.ts`
// after checking the diff by hand against /work/shared/vendors/polycom.md.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { polycom } from '../vendors/polycom/index.ts';
import { findModel, maxKeyPositions } from '../vendors/polycom/models.ts';
import { firmwareImagePath } from '../vendors/polycom/master.ts';
import { dialString, truncateUtf8, utf8Length } from '../vendors/polycom/text.ts';
import { HandlebarsTemplates, defaultShippedTemplatesDir } from '../vendors/common/templates.ts';
import { cleanText } from '../vendors/common/escape.ts';
import { actualTransitions } from '../vendors/common/timezone.ts';
import type { RenderContext, RenderKey } from '../vendors/types.ts';
import { realisticContext, usContext, withDirectory, withFeatures } from './fixtures/render-context.ts';
import { hostileStrings, injectEverywhere } from './fixtures/injection.ts';
import { findAll, parseXml, textOf, type XmlElement } from './fixtures/xml.ts';
import { updatingGolden } from './helpers/golden.ts';

const templates = new HandlebarsTemplates({ shippedDir: defaultShippedTemplatesDir() });
const MAC = '0004f2a1b2c3';
const goldenDir = fileURLToPath(new URL('./golden/polycom/', import.meta.url));

const base = (model = 'VVX450'): RenderContext => realisticContext('polycom', model, MAC);

function renderText(file: string, ctx: RenderContext | null): string {
  const r = polycom.render(file, ctx, templates);
  if (!r) throw new Error(`${file} not rendered`);
  return r.body.toString('utf8');
}

/** Every attribute of every element of the parameter file, refusing a name defined twice. */
function params(ctx: RenderContext): Record<string, string> {
  const root = parseXml(renderText(`${ctx.device.mac}-cadran.cfg`, ctx));
  const all: Record<string, string> = {};
  const walk = (el: XmlElement) => {
    for (const [k, v] of Object.entries(el.attrs)) {
      if (Object.hasOwn(all, k)) throw new Error(`parameter ${k} defined twice`);
      all[k] = v;
    }
    for (const c of el.children) if (typeof c !== 'string') walk(c);
  };
  walk(root);
  return all;
}

interface Item {
  fn: string;
  ct: string;
  sd?: string;
  lb: string;
}
function directory(ctx: RenderContext): Item[] {
  const root = parseXml(renderText(`${ctx.device.mac}-directory.xml`, ctx));
  assert.is(root.name, 'directory');
  return findAll(root, 'item').map((item) => {
    const get = (n: string) => {
      const els = findAll(item, n);
      return els.length ? textOf(els[0]!) : undefined;
    };
    return { fn: get('fn')!, ct: get('ct')!, lb: get('lb')!, ...(get('sd') !== undefined ? { sd: get('sd') } : {}) };
  });
}

// ---- models ---------------------------------------------------------------------------------

test('model table: the documented key counts and expansion modules', () => {
  const expect: [string, number, boolean][] = [
    ['VVX150', 2, false],
    ['VVX250', 4, false],
    ['VVX350', 6, false],
    ['VVX450', 12, true],
    ['VVX501', 12, true],
    ['VVX601', 16, true],
  ];
  for (const [name, keys, em] of expect) {
    const m = polycom.models.find((x) => x.model === name);
    assert.ok(m, name);
    assert.is(m!.lineKeys, keys, name);
    assert.equal(m!.expansion, em ? { modules: 3, keysPerModule: 40 } : undefined, name);
    assert.ok(m!.sipAccounts >= 1);
  }
  assert.is(findModel('vvx_450')?.model, 'VVX450');
  for (const m of polycom.models) assert.match(m.model, /^VVX[0-9]+$/);
});

// ---- identify, file names ---------------------------------------------------------------------

test('identify: User-Agent gives model and firmware', () => {
  const id = polycom.identify({
    file: '0004F2A1B2C3.cfg',
    userAgent: 'FileTransport PolycomVVX-VVX_450-UA/6.4.6.2736 Type/Application',
  });
  assert.equal(id, { vendor: 'polycom', mac: MAC, model: 'VVX450', firmware: '6.4.6.2736' });
  const boot = polycom.identify({ file: '000000000000.cfg', userAgent: 'FileTransport PolycomVVX-VVX_101-UA/5.4.3.1014 Type/Updater' });
  // The Updater's version is not the application's (polycom.md §10): no firmware from it, so the
  // fleet keeps the application version it knew and the firmware inventory is not fooled at boot.
  assert.equal(boot, { vendor: 'polycom', model: 'VVX101' });
});

test('identify: file names', () => {
  assert.equal(polycom.identify({ file: '000000000000.cfg' }), { vendor: 'polycom' });
  assert.equal(polycom.identify({ file: `${MAC}-directory.xml` }), { vendor: 'polycom', mac: MAC });
  assert.equal(polycom.identify({ file: '0004F2A1B2C3-cadran.cfg' }), { vendor: 'polycom', mac: MAC });
  assert.equal(polycom.identify({ file: `${MAC}-phone.cfg` }), { vendor: 'polycom', mac: MAC });
  assert.equal(polycom.identify({ file: '3111-48840-001.sip.ld' }), { vendor: 'polycom' });
  // <mac>.cfg alone is another vendor's name too: only a Polycom OUI claims it.
  assert.equal(polycom.identify({ file: '64167fa1b2c3.cfg' }), { vendor: 'polycom', mac: '64167fa1b2c3' });
  assert.is(polycom.identify({ file: '805ec0a1b2c3.cfg' }), null);
  assert.is(polycom.identify({ file: 'y000000000044.cfg', userAgent: 'Yealink SIP-T54W 96.86.0.100 80:5e:c0:a1:b2:c3' }), null);
  assert.is(polycom.identify({ file: '../../etc/passwd' }), null);
  assert.is(polycom.identify({ file: 'x', userAgent: 'FileTransport PolycomVVX-' + '_'.repeat(10000) }), null);
});

test('bootFiles in fetch order, every one renderable', () => {
  const files = polycom.bootFiles('0004F2A1B2C3', 'VVX450');
  assert.equal(files, [`${MAC}.cfg`, `${MAC}-cadran.cfg`, `${MAC}-directory.xml`]);
  for (const f of files) assert.ok(polycom.render(f, base(), templates), f);
});

test('notifyEvent: check-sync with or without reboot', () => {
  assert.is(polycom.notifyEvent(false), 'check-sync');
  assert.is(polycom.notifyEvent(true), 'check-sync');
});

// ---- unknown phone, wrong phone --------------------------------------------------------------

test('unknown phone: neutral default master, no per-device file', () => {
  const master = polycom.render('000000000000.cfg', null, templates)!;
  assert.is(master.sensitive, false);
  const root = parseXml(master.body.toString());
  assert.is(root.name, 'APPLICATION');
  assert.is(root.attrs.CONFIG_FILES, '[PHONE_MAC_ADDRESS]-cadran.cfg');
  // Same bytes whoever asks: no tenant data even when a context is at hand.
  assert.equal(polycom.render('000000000000.cfg', base(), templates)!.body, master.body);
  for (const f of polycom.bootFiles(MAC, 'VVX450')) assert.is(polycom.render(f, null, templates), null, f);
  // A context for another MAC never renders under this name.
  assert.is(polycom.render('0004f2000001-cadran.cfg', base(), templates), null);
  assert.is(polycom.render(`${MAC}-phone.cfg`, base(), templates), null);
  assert.is(polycom.render(`${MAC}.xml`, base(), templates), null);
});

test('upper-case file names render the same file', () => {
  assert.equal(
    polycom.render('0004F2A1B2C3-cadran.cfg', base(), templates)!.body,
    polycom.render(`${MAC}-cadran.cfg`, base(), templates)!.body,
  );
});

test('sensitivity: secrets and contacts are never public', () => {
  const ctx = base();
  assert.is(polycom.render(`${MAC}.cfg`, ctx, templates)!.sensitive, false);
  assert.is(polycom.render(`${MAC}-cadran.cfg`, ctx, templates)!.sensitive, true);
  assert.is(polycom.render(`${MAC}-directory.xml`, ctx, templates)!.sensitive, true);
  const bare = { ...ctx, network: {} };
  delete bare.user;
  assert.is(polycom.render(`${MAC}-cadran.cfg`, bare, templates)!.sensitive, false);
});

test('no user: no account and no secret', () => {
  const ctx = base();
  delete ctx.user;
  const p = params(ctx);
  assert.is(p['reg.1.address'], '');
  assert.is(p['reg.1.auth.password'], '');
  assert.is(p['msg.mwi.1.subscribe'], '');
  assert.not.ok(renderText(`${MAC}-cadran.cfg`, ctx).includes('Zx9!qT4'));
});

// ---- golden files -----------------------------------------------------------------------------

for (const [name, make] of [['fr', realisticContext], ['en-us', usContext]] as const) {
  test(`golden files for a ${name} VVX450`, () => {
    const ctx = withDirectory(withFeatures(make('polycom', 'VVX450', MAC)));
    const dir = join(goldenDir, name);
    const files = ['000000000000.cfg', ...polycom.bootFiles(MAC, 'VVX450')];
    if (updatingGolden()) mkdirSync(dir, { recursive: true });
    for (const f of files) {
      const body = renderText(f, ctx);
      const path = join(dir, f);
      if (updatingGolden()) writeFileSync(path, body);
      assert.ok(existsSync(path), `missing golden file ${path} (run with UPDATE_GOLDEN=1)`);
      assert.fixture(body, readFileSync(path, 'utf8'), f);
    }
  });
}

test('realistic parameter file parses back with every value', () => {
  const ctx = base();
  const p = params(ctx);
  const expect: Record<string, string> = {
    'reg.1.address': '0145678901',
    'reg.1.displayName': 'Chloé Dupont-Lefèvre',
    'reg.1.label': 'Chloé Dupont-Lefèvre',
    'reg.1.auth.userId': '0145678901',
    'reg.1.auth.password': 'Zx9!qT4#vR2$',
    'reg.1.server.1.address': 'sip.acme.example',
    'reg.1.server.1.port': '5060',
    'reg.1.server.1.transport': 'UDPOnly',
    'reg.1.outboundProxy.address': 'proxy.acme.example',
    'msg.mwi.1.subscribe': '0145678901',
    'msg.mwi.1.callBackMode': 'contact',
    'msg.mwi.1.callBack': '123',
    'reg.1.server.1.expires': '600',
    'reg.1.lineKeys': '2',
    'reg.2.address': '0145678999',
    'reg.2.auth.password': 'Rc7#pL2!mQ9x',
    'reg.2.lineKeys': '1',
    'msg.mwi.2.subscribe': '0145678999',
    'msg.mwi.2.callBack': '123',
    'reg.3.address': '',
    'reg.12.auth.password': '',
    'lineKey.2.category': 'Line',
    'lineKey.2.index': '2',
    'call.directedCallPickupString': '*8',
    'dialplan.impossibleMatchHandling': '0',
    'voice.codecPref.G711_A': '1',
    'voice.codecPref.G711_Mu': '2',
    'voice.codecPref.G722': '3',
    'voice.codecPref.G729_AB': '4',
    'tone.dtmf.rfc2833Control': '1',
    'voIpProt.SIP.dtmfViaSignaling.rfc2976': '0',
    'lcl.ml.lang': 'French_France',
    'lcl.datetime.time.24HourClock': '1',
    'lcl.datetime.date.format': 'D,dM',
    'device.prov.serverType': 'HTTP',
    'device.prov.serverName': 'prov.example.test:8080/p/Tok3n-acme-0123456789/',
    'device.prov.user': '',
    'device.auth.localUserPassword.set': '1',
    'device.auth.localUserPassword': 'Us3r-P@ss',
    'feature.callPark.enabled': '1',
    'lineKey.reassignment.enabled': '1',
    'lineKey.1.category': 'Line',
    'lineKey.4.category': 'BLF',
    'lineKey.9.category': 'SpeedDial',
    'lineKey.9.index': '1',
    'attendant.resourceList.1.address': '0145678902',
    'attendant.resourceList.1.label': 'Élodie Martin',
    'attendant.resourceList.1.type': 'normal',
    'device.set': '1',
    'device.net.vlanId': '20',
    'device.dns.serverAddress': '192.0.2.53',
    'device.dns.altSrvAddress': '192.0.2.54',
    'device.syslog.serverName': 'syslog.acme.example',
    'device.auth.localAdminPassword.set': '1',
    'device.auth.localAdminPassword': 'Adm1n-P@ss',
    'qos.ip.callControl.dscp': '26',
    'qos.ip.rtp.dscp': '46',
    'qos.ethernet.rtp.user_priority': '5',
    'tcpIpApp.sntp.address': 'ntp1.acme.example',
    'prov.polling.enabled': '1',
    'prov.polling.mode': 'rel',
    'prov.polling.period': '86400',
    'voIpProt.SIP.specialEvent.checkSync.alwaysReboot': '0',
  };
  for (const [k, v] of Object.entries(expect)) assert.is(p[k], v, k);
  const master = parseXml(renderText(`${MAC}.cfg`, ctx));
  assert.is(master.attrs.CONFIG_FILES, `${MAC}-cadran.cfg`);
  assert.is(master.attrs.APP_FILE_PATH, `${ctx.network.firmware!.VVX450}3111-48840-001.sip.ld`);
  assert.ok(p['dialplan.digitmap']!.startsWith('0[1-9]xxxxxxxx|'), 'French digit map');
  assert.is(master.attrs.CONTACTS_DIRECTORY, '');
  const tls = base();
  tls.tenant.sipTransport = 'tls';
  tls.tenant.sipPort = 5061;
  assert.is(params(tls)['reg.1.server.1.transport'], 'TLS');
  assert.is(params(tls)['reg.1.server.1.port'], '5061');
});

test('firmware: only the URL of the phone model; sip.ld (absent) otherwise', () => {
  const ctx = base('VVX601');
  ctx.network.firmware = { VVX450: 'http://fw/450.ld' };
  assert.is(parseXml(renderText(`${MAC}.cfg`, ctx)).attrs.APP_FILE_PATH, 'sip.ld');
  ctx.network.firmware = { vvx601: 'http://fw/601.ld' };
  assert.is(parseXml(renderText(`${MAC}.cfg`, ctx)).attrs.APP_FILE_PATH, 'http://fw/601.ld');
});

test('firmware: a directory gets the model image <part>.sip.ld, never the directory itself', () => {
  const cases: [string, string, string][] = [
    ['VVX450', 'http://fw/ucs/6.4.6/', 'http://fw/ucs/6.4.6/3111-48840-001.sip.ld'],
    ['VVX450', 'http://fw/ucs/6.4.6', 'http://fw/ucs/6.4.6/3111-48840-001.sip.ld'],
    ['VVX150', 'https://fw.example', 'https://fw.example/3111-48810-001.sip.ld'],
    ['VVX1500', 'tftp://fw/images/', 'tftp://fw/images/2345-17960-001.sip.ld'],
    ['VVX450', 'http://fw/ucs/sip.ld', 'http://fw/ucs/sip.ld'],
    ['VVX450', 'http://fw/get?model=450', 'http://fw/get?model=450'],
  ];
  for (const [model, url, want] of cases) {
    const ctx = base(model);
    ctx.network.firmware = { [model]: url };
    assert.is(parseXml(renderText(`${MAC}.cfg`, ctx)).attrs.APP_FILE_PATH, want, `${model} ${url}`);
  }
  for (const m of polycom.models) {
    const ctx = base(m.model);
    ctx.network.firmware = { [m.model]: 'http://fw/dir/' };
    assert.match(parseXml(renderText(`${MAC}.cfg`, ctx)).attrs.APP_FILE_PATH!, /^http:\/\/fw\/dir\/[0-9]{4}-[0-9]{5}-[0-9]{3}\.sip\.ld$/, m.model);
  }
  const odd = base();
  odd.network.firmware = { VVX450: 'http://fw/vvx450.zip' };
  assert.ok(polycom.checkValues!(odd).some((p) => p.code === 'vendor.firmware_not_image'));
});

// ---- escaping ---------------------------------------------------------------------------------

const baselineParams = params(base());
const baselineMaster = parseXml(renderText(`${MAC}.cfg`, base()));

test('injection: every hostile string in every field keeps the XML and the text', () => {
  for (const s of hostileStrings) {
    const ctx = injectEverywhere(base(), s);
    const label = JSON.stringify(s.slice(0, 40));
    const clean = cleanText(s);
    const p = params(ctx);
    for (const k of ['reg.1.displayName', 'reg.1.label', 'reg.1.auth.userId', 'reg.1.auth.password', 'msg.mwi.1.callBack']) {
      assert.is(p[k], clean, `${k} ${label}`);
    }
    if (clean.trim() !== '') {
      // Same parameters as the clean file: nothing added, nothing lost.
      assert.equal(Object.keys(p).sort(), Object.keys(baselineParams).sort(), label);
      for (const k of ['device.dns.serverAddress', 'device.dns.altSrvAddress', 'device.syslog.serverName', 'device.auth.localAdminPassword', 'tcpIpApp.sntp.address']) {
        assert.is(p[k], clean, `${k} ${label}`);
      }
      for (let i = 1; i <= 5; i++) {
        assert.is(p[`attendant.resourceList.${i}.address`], dialString(s), label);
        assert.is(p[`attendant.resourceList.${i}.label`], clean.trim(), label);
      }
    }
    for (const f of ['000000000000.cfg', `${MAC}.cfg`]) {
      const root = parseXml(renderText(f, ctx));
      assert.equal(Object.keys(root.attrs), Object.keys(baselineMaster.attrs), `${f} ${label}`);
    }
    const url = clean.trim();
    const image = url ? firmwareImagePath(url, '3111-48840-001') : '';
    const app = parseXml(renderText(`${MAC}.cfg`, ctx)).attrs.APP_FILE_PATH;
    assert.is(app, image && image.length <= 255 ? image : 'sip.ld', label);
    const items = directory(ctx);
    // All numbers are now the same string: one entry (the speed dial) unless it is empty.
    assert.is(items.length, dialString(s) ? 1 : 0, label);
    for (const it of items) {
      assert.is(it.ct, dialString(s), label);
      assert.is(it.sd, '1', label);
      assert.is(it.lb, truncateUtf8(clean.trim() || dialString(s), 40), label);
      assert.is(it.fn, truncateUtf8(s, 40), label);
    }
  }
});

test('injection: hostile names and labels with distinct numbers keep every entry', () => {
  const clean = directory(base());
  for (const s of hostileStrings) {
    const ctx = base();
    ctx.contacts = ctx.contacts.map((c) => ({ ...c, name: s }));
    ctx.keys = ctx.keys.map((k) => ({ ...k, label: s }));
    const items = directory(ctx);
    const label = JSON.stringify(s.slice(0, 40));
    assert.is(items.length, clean.length, label);
    assert.equal(items.map((i) => i.ct), clean.map((i) => i.ct), label);
    for (const it of items) {
      for (const v of [it.fn, it.lb]) {
        assert.ok(utf8Length(v) <= 40, `${label} ${v}`);
        assert.ok(!/[\u0000-\u001f]/.test(v), label);
      }
      if (it.sd === undefined) assert.is(it.fn, truncateUtf8(s, 40), label);
    }
  }
});

// ---- directory rules ----------------------------------------------------------------------------

test('directory: 40-byte names cut on a character boundary', () => {
  const names = ['é'.repeat(30), '日本語'.repeat(10), '👩🏽‍💻'.repeat(5), 'a' + 'é'.repeat(25), 'e\u0301'.repeat(20)];
  const ctx = base();
  ctx.keys = [];
  ctx.contacts = names.map((name, i) => ({ id: `n${i}`, name, work: `010000000${i}` }));
  const items = directory(ctx);
  assert.is(items.length, names.length);
  items.forEach((it, i) => {
    const name = names[i]!;
    for (const v of [it.fn, it.lb]) {
      assert.ok(utf8Length(v) <= 40, v);
      assert.ok(name.startsWith(v), `${v} is a prefix of ${name}`);
      assert.ok(utf8Length(v) > 40 - 12, `not cut too short: ${v}`);
      assert.not.ok(v.includes('\ufffd'));
    }
  });
  assert.is(items[0]!.fn, 'é'.repeat(20));
  // A combining accent stays with its letter, an emoji sequence is never split.
  assert.ok(items[4]!.fn.endsWith('e\u0301'));
  assert.is(items[2]!.fn, '👩🏽‍💻'.repeat(2));
});

test('directory: ct is never empty nor duplicated; speed dials share entries', () => {
  const ctx = base();
  ctx.keys = [
    { position: 1, type: 'line' },
    { position: 2, type: 'speeddial', value: '06 11 22 33 44', label: 'Amélie' },
    { position: 3, type: 'speeddial', value: '0611223344', label: 'Again' },
    { position: 4, type: 'speeddial', value: '0799999999' },
  ];
  ctx.contacts = [
    { id: 'a', name: 'Amélie Poulain', mobile: '0611223344' },
    { id: 'b', name: 'No number' },
    { id: 'c', name: 'Twin', work: '0145000000' },
    { id: 'd', name: 'Twin again', work: '01 45 00 00 00', home: '   ' },
  ];
  const items = directory(ctx);
  const cts = items.map((i) => i.ct);
  assert.equal(cts, ['0611223344', '0799999999', '0145000000']);
  assert.equal(items[0], { fn: 'Amélie Poulain', ct: '0611223344', sd: '1', lb: 'Amélie' });
  assert.equal(items[1], { fn: '0799999999', ct: '0799999999', sd: '2', lb: '0799999999' });
  const p = params(ctx);
  assert.is(p['lineKey.2.index'], '1');
  assert.is(p['lineKey.3.index'], '1');
  assert.is(p['lineKey.4.index'], '2');
  const problems = polycom.checkValues!(ctx).map((x) => x.field);
  assert.ok(problems.includes('contacts.b'), problems.join());
  assert.ok(problems.includes('contacts.d.work'), problems.join());
});

// ---- keys -----------------------------------------------------------------------------------

function overflowKeys(n: number): RenderKey[] {
  return Array.from({ length: n }, (_, i): RenderKey => {
    const position = i + 1;
    if (position % 3 === 0) return { position, type: 'blf', value: `01000${position}`, label: `B${position}` };
    if (position % 3 === 1) return { position, type: 'speeddial', value: `06000${position}`, label: `S${position}` };
    return { position, type: 'line' };
  });
}

test('key overflow: never a key beyond the model capacity', () => {
  for (const model of polycom.models) {
    const ctx = base(model.model);
    ctx.keys = overflowKeys(300);
    const capacity = maxKeyPositions(model);
    const p = params(ctx);
    const positions = Object.keys(p)
      .map((k) => /^lineKey\.([0-9]+)\.category$/.exec(k)?.[1])
      .filter((x): x is string => x !== undefined)
      .map(Number);
    assert.is(Math.max(...positions), capacity, model.model);
    assert.is(positions.length, capacity, model.model);
    const blf = Object.keys(p).filter((k) => /^attendant\.resourceList\.[0-9]+\.address$/.test(k));
    assert.is(blf.length, Math.floor(capacity / 3), model.model);
    const sd = directory(ctx).filter((i) => i.sd !== undefined);
    assert.is(sd.length, Math.ceil(capacity / 3), model.model);
    assert.ok(polycom.checkValues!(ctx).some((x) => x.field.endsWith('.position')), model.model);
  }
});

test('keys: unknown model gets no keys; no keys keeps the default layout', () => {
  const ctx = base();
  ctx.device.model = 'VVX9999';
  const p = params(ctx);
  assert.is(p['lineKey.reassignment.enabled'], '0');
  assert.ok(polycom.checkValues!(ctx).some((x) => x.field === 'device.model'));
  const none = base();
  none.keys = [];
  assert.is(params(none)['lineKey.reassignment.enabled'], '0');
  assert.is(params(none)['reg.1.lineKeys'], '1');
});

test('keys: gaps are unassigned, duplicates and bad positions ignored', () => {
  const ctx = base('VVX250');
  ctx.keys = [
    { position: 3, type: 'blf', value: '0145678902' },
    { position: 3, type: 'line' },
    { position: 0, type: 'line' },
    { position: 1.5, type: 'line' },
    { position: 1, type: 'line' },
  ];
  const p = params(ctx);
  assert.is(p['lineKey.1.category'], 'Line');
  assert.is(p['lineKey.2.category'], 'Unassigned');
  assert.is(p['lineKey.3.category'], 'BLF');
  assert.is(p['lineKey.4.category'], 'Unassigned');
  assert.is(p['lineKey.5.category'], undefined);
  assert.is(p['attendant.resourceList.1.label'], '0145678902');
});

// ---- time zones ---------------------------------------------------------------------------------

/** Problems other than the second NTP server a VVX cannot take (the fixture has two). */
const problemsBut = (ctx: RenderContext) => polycom.checkValues!(ctx).filter((p) => p.code !== 'vendor.ntp_servers_dropped');

interface PolycomDst {
  month: number;
  date: number;
  dayOfWeek: number;
  last: boolean;
  time: number;
}
function dstOf(p: Record<string, string>, which: 'start' | 'stop'): PolycomDst {
  const g = (k: string) => Number(p[`tcpIpApp.sntp.daylightSavings.${which}.${k}`]);
  return {
    month: g('month'),
    date: g('date'),
    dayOfWeek: g('dayOfWeek'),
    last: p[`tcpIpApp.sntp.daylightSavings.${which}.dayOfWeek.lastInMonth`] === '1',
    time: g('time'),
  };
}

/** The day a VVX applies the rule in `year` (timezones.md: 1 = Sunday; lastInMonth = last such
 *  day; else the first such day on or after `date`). */
function polycomDay(d: PolycomDst, year: number): number {
  const weekday = d.dayOfWeek - 1;
  if (d.last) {
    const lastDay = new Date(Date.UTC(year, d.month, 0)).getUTCDate();
    const wd = new Date(Date.UTC(year, d.month - 1, lastDay)).getUTCDay();
    return lastDay - ((wd - weekday + 7) % 7);
  }
  const wd = new Date(Date.UTC(year, d.month - 1, d.date)).getUTCDay();
  return d.date + ((weekday - wd + 7) % 7);
}

const ZONES: Record<string, { gmt: string; start?: PolycomDst; stop?: PolycomDst }> = {
  'Europe/Paris': {
    gmt: '3600',
    start: { month: 3, date: 25, dayOfWeek: 1, last: true, time: 2 },
    stop: { month: 10, date: 25, dayOfWeek: 1, last: true, time: 3 },
  },
  'America/New_York': {
    gmt: '-18000',
    start: { month: 3, date: 8, dayOfWeek: 1, last: false, time: 2 },
    stop: { month: 11, date: 1, dayOfWeek: 1, last: false, time: 2 },
  },
  'Australia/Sydney': {
    gmt: '36000',
    start: { month: 10, date: 1, dayOfWeek: 1, last: false, time: 2 },
    stop: { month: 4, date: 1, dayOfWeek: 1, last: false, time: 3 },
  },
  'Asia/Kolkata': { gmt: '19800' },
};

for (const [zone, e] of Object.entries(ZONES)) {
  test(`time zone ${zone}: offset and DST rule, right for every year`, () => {
    const ctx = base();
    ctx.network.timezone = zone;
    const p = params(ctx);
    assert.is(p['tcpIpApp.sntp.gmtOffset'], e.gmt);
    assert.is(p['tcpIpApp.sntp.gmtOffset.overrideDHCP'], '1');
    if (!e.start || !e.stop) {
      assert.is(p['tcpIpApp.sntp.daylightSavings.enable'], '0');
      assert.is(p['tcpIpApp.sntp.daylightSavings.start.month'], undefined);
      return;
    }
    assert.is(p['tcpIpApp.sntp.daylightSavings.enable'], '1');
    assert.is(p['tcpIpApp.sntp.daylightSavings.fixedDayEnable'], '0');
    const start = dstOf(p, 'start');
    const stop = dstOf(p, 'stop');
    assert.equal(start, e.start);
    assert.equal(stop, e.stop);
    // What the phone does with it matches the tz database, year after year (2027-10-31 in Paris).
    for (let year = 2025; year <= 2040; year++) {
      const actual = actualTransitions(zone, year);
      assert.is(actual.length, 2, `${zone} ${year}`);
      for (const a of actual) {
        const rule = a.toOffsetMinutes * 60 > Number(e.gmt) ? start : stop;
        assert.is(a.month, rule.month, `${zone} ${year}`);
        assert.is(a.day, polycomDay(rule, year), `${zone} ${year}`);
        assert.is(a.hour, rule.time, `${zone} ${year}`);
      }
    }
    assert.equal(problemsBut(ctx), []);
  });
}

test('time zone: half-hour summer time is reported', () => {
  const ctx = base();
  ctx.network.timezone = 'Australia/Lord_Howe';
  assert.ok(polycom.checkValues!(ctx).some((x) => x.field === 'network.timezone'));
  ctx.network.timezone = 'Mars/Olympus';
  assert.ok(polycom.checkValues!(ctx).some((x) => x.field === 'network.timezone'));
  assert.is(params(ctx)['tcpIpApp.sntp.gmtOffset'], undefined);
});

// ---- checks -------------------------------------------------------------------------------------

test('checkValues: realistic context has no problem but its second NTP server; limits reported', () => {
  assert.equal(
    polycom.checkValues!(base()).map((p) => [p.field, p.code]),
    [['network.ntpServers', 'vendor.ntp_servers_dropped']],
  );
  const ctx = base();
  ctx.network.resyncIntervalMinutes = 10;
  ctx.network.firmware = { VVX450: 'http://fw/' + 'x'.repeat(300) };
  ctx.user!.name = 'two\nlines';
  const fields = polycom.checkValues!(ctx).map((x) => x.field);
  assert.ok(fields.includes('network.resyncIntervalMinutes'));
  assert.ok(fields.includes('network.firmware.VVX450'));
  assert.ok(fields.includes('user.name'));
  assert.is(params(ctx)['prov.polling.period'], '3600');
  assert.is(parseXml(renderText(`${MAC}.cfg`, ctx)).attrs.APP_FILE_PATH, 'sip.ld');
});

test('blacklist: each number auto-rejected in the directory; a number a contact already holds is flagged on that entry, not listed twice', () => {
  const base = realisticContext('polycom', 'VVX450', '0004f2a1b2c3');
  const held = base.contacts.find((c) => c.mobile)!.mobile!;
  const ctx = withFeatures(base, { dnd: { enabled: false, allowedCallers: [] }, forwardAlways: { enabled: false, target: null }, rejectAnonymous: false, blacklist: [held, '0899000001'] });
  const xml = polycom.render('0004f2a1b2c3-directory.xml', ctx, templates)!.body.toString('utf8');
  const items = findAll(parseXml(xml), 'item');
  const byCt = (ct: string) => items.filter((i) => textOf(findAll(i, 'ct')[0]!) === dialString(ct));
  assert.is(byCt(held).length, 1, 'not listed twice');
  assert.is(textOf(findAll(byCt(held)[0]!, 'ar')[0]!), '1');
  assert.is(byCt('0899000001').length, 1);
  assert.is(textOf(findAll(byCt('0899000001')[0]!, 'ar')[0]!), '1');
  assert.is(textOf(findAll(byCt('0899000001')[0]!, 'ad')[0]!), '0', 'auto-divert would win over auto-reject');
  // Everyone else rings.
  const others = items.filter((i) => ![dialString(held), '0899000001'].includes(textOf(findAll(i, 'ct')[0]!)));
  assert.ok(others.length > 0 && others.every((i) => textOf(findAll(i, 'ar')[0]!) === '0'));
});

test.run();
