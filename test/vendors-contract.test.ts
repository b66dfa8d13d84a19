// What every vendor must do with the phone profile, checked the same way on the three: every model
// of every table renders; accounts 2…n; MWI at the user's own address; the platform's pickup code
// and no vendor constant; the provisioning server pinned with the tenant's token and credentials;
// locale, codecs, registration expiry, second NTP server, digit map, user password; every IANA zone
// gets a valid vendor code or name; and vendor parameters: one module shape, the injection corpus
// refused with stable codes naming the parameter, what passes written escaped, overrides without
// duplicates, shadows listed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { vendors } from '../vendors/index.ts';
import type { RenderContext, Vendor } from '../vendors/types.ts';
import { HandlebarsTemplates, defaultShippedTemplatesDir } from '../vendors/common/templates.ts';
import { cfgValue } from '../vendors/common/escape.ts';
import { LOCALES, LOCALE_TAGS } from '../vendors/common/locale.ts';
import { listTimezones, timezoneRule } from '../vendors/common/timezone.ts';
import { snomDialPlan } from '../vendors/common/digitmap.ts';
import { YEALINK_ZONES } from '../vendors/yealink/timezone.ts';
import { SNOM_ZONES } from '../vendors/snom/timezone.ts';
import * as yealinkParams from '../vendors/yealink/parameters.ts';
import * as polycomParams from '../vendors/polycom/parameters.ts';
import * as snomParams from '../vendors/snom/parameters.ts';
import { realisticContext, usContext, withFeatures } from './fixtures/render-context.ts';
import { MAX_FEATURE_LIST } from '../server/domain/features.ts';
import { MAX_FEATURE_LIST as VENDOR_MAX } from '../vendors/common/checks.ts';
import { FEATURE_EVENTS, type FeatureSupport } from '../vendors/types.ts';
import { readFileSync } from 'node:fs';
import {
  hostileParameterNames,
  hostileParameterValues,
  markupParameterValues,
  safeParameterValues,
} from './fixtures/injection.ts';
import { parseXml, findAll, textOf, type XmlElement } from './fixtures/xml.ts';

const templates = new HandlebarsTemplates({ shippedDir: defaultShippedTemplatesDir() });
type VendorId = 'yealink' | 'polycom' | 'snom';

/** Every setting of a phone's main file as name → values (a name written twice shows twice). */
type Settings = Map<string, string[]>;

function add(m: Settings, k: string, v: string): void {
  m.set(k, [...(m.get(k) ?? []), v]);
}

function parseCfg(body: string): Settings {
  const lines = body.split('\n');
  assert.is(lines[0], '#!version:1.0.0.1');
  const out: Settings = new Map();
  for (const line of lines) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-z0-9_.]+) = (.*)$/.exec(line);
    assert.ok(m, `cfg line ${JSON.stringify(line.slice(0, 80))}`);
    add(out, m![1]!, m![2]!);
  }
  return out;
}

function parsePolycom(body: string): Settings {
  const out: Settings = new Map();
  const walk = (el: XmlElement) => {
    for (const [k, v] of Object.entries(el.attrs)) add(out, k, v);
    for (const c of el.children) if (typeof c !== 'string') walk(c);
  };
  walk(parseXml(body));
  return out;
}

function parseSnom(body: string): Settings {
  const out: Settings = new Map();
  const doc = parseXml(body);
  for (const group of ['phone-settings', 'functionKeys']) {
    for (const parent of findAll(doc, group)) {
      for (const el of parent.children) {
        if (typeof el === 'string') continue;
        add(out, el.attrs.idx !== undefined ? `${el.name}[${el.attrs.idx}]` : el.name, textOf(el));
      }
    }
  }
  return out;
}

interface VendorCase {
  vendor: Vendor;
  model: string;
  mac: string;
  file: (mac: string) => string;
  parse: (body: string) => Settings;
  /** A parameter cadran does not write, and one it computes (with the value cadran gives it in fr-FR). */
  newName: string;
  computed: [string, string];
}

const CASES: Record<VendorId, VendorCase> = {
  yealink: {
    vendor: vendors.find((v) => v.id === 'yealink')!,
    model: 'T54W',
    mac: '805ec0123401',
    file: (mac) => `${mac}.cfg`,
    parse: parseCfg,
    newName: 'features.dnd.enable',
    computed: ['lang.gui', 'French'],
  },
  polycom: {
    vendor: vendors.find((v) => v.id === 'polycom')!,
    model: 'VVX450',
    mac: '0004f2a1b2c3',
    file: (mac) => `${mac}-cadran.cfg`,
    parse: parsePolycom,
    newName: 'feature.doNotDisturb.enable',
    computed: ['lcl.ml.lang', 'French_France'],
  },
  snom: {
    vendor: vendors.find((v) => v.id === 'snom')!,
    model: 'D785',
    mac: '000413123403',
    file: (mac) => `${mac.toUpperCase()}.xml`,
    parse: parseSnom,
    newName: 'dnd_mode',
    computed: ['language', 'Francais'],
  },
};

const IDS = Object.keys(CASES) as VendorId[];

function ctxOf(id: VendorId, model?: string): RenderContext {
  const c = CASES[id];
  return realisticContext(id, model ?? c.model, c.mac);
}

function settings(id: VendorId, ctx: RenderContext): Settings {
  const c = CASES[id];
  const r = c.vendor.render(c.file(ctx.device.mac), ctx, templates);
  assert.ok(r, `${id} renders`);
  return c.parse(r!.body.toString('utf8'));
}

function one(s: Settings, k: string): string | undefined {
  const v = s.get(k);
  if (v === undefined) return undefined;
  assert.is(v.length, 1, `${k} written once`);
  return v[0];
}

// ---- models, accounts ---------------------------------------------------------------------------

test('every model of every vendor renders its boot files for both tenants', () => {
  for (const id of IDS) {
    const { vendor, mac } = CASES[id];
    for (const m of vendor.models) {
      for (const make of [realisticContext, usContext]) {
        const ctx = make(id, m.model, mac);
        for (const f of vendor.bootFiles(mac, m.model)) {
          const r = vendor.render(f, ctx, templates);
          assert.ok(r, `${id} ${m.model} ${f}`);
          const body = r!.body.toString('utf8');
          if (body.startsWith('<?xml')) parseXml(body);
          else parseCfg(body);
        }
      }
    }
  }
});

test('accounts: user then extra lines, never more than the model registers, the rest cleared', () => {
  const userKey: Record<VendorId, (i: number) => string> = {
    yealink: (i) => `account.${i}.user_name`,
    polycom: (i) => `reg.${i}.address`,
    snom: (i) => `user_name[${i}]`,
  };
  for (const id of IDS) {
    for (const m of CASES[id].vendor.models) {
      const ctx = ctxOf(id, m.model);
      ctx.extraLines = Array.from({ length: 20 }, (_, i) => ({
        number: `01000000${String(i).padStart(2, '0')}`,
        name: `Ligne ${i}`,
        sipAuthName: `a${i}`,
        sipPassword: `Secret-${i}`,
        voicemailNumber: '123',
      }));
      const s = settings(id, ctx);
      const max = m.sipAccounts;
      assert.is(one(s, userKey[id](1)), '0145678901', `${id} ${m.model}`);
      if (max >= 2) assert.is(one(s, userKey[id](2)), '0100000000', `${id} ${m.model}`);
      assert.is(one(s, userKey[id](max)), max === 1 ? '0145678901' : `01000000${String(max - 2).padStart(2, '0')}`, `${id} ${m.model} ${max}`);
      assert.is(s.get(userKey[id](max + 1)), undefined, `${id} ${m.model}: nothing beyond ${max}`);
      assert.ok(
        CASES[id].vendor.checkValues!(ctx).some((p) => p.code === 'vendor.accounts_exceeded' && p.field === 'extraLines'),
        `${id} ${m.model} reports the lines left out`,
      );
      // Unassigned: every account cleared, no secret of any line left.
      delete ctx.user;
      const body = CASES[id].vendor.render(CASES[id].file(ctx.device.mac), ctx, templates)!.body.toString('utf8');
      assert.not.ok(body.includes('Secret-0'), `${id} ${m.model}`);
      assert.not.ok(body.includes('Zx9!qT4'), `${id} ${m.model}`);
    }
  }
});

// ---- MWI, pickup, provisioning server ------------------------------------------------------------

test('MWI: subscribed at the user\'s own address; the message key dials the voicemail number', () => {
  const y = settings('yealink', ctxOf('yealink'));
  assert.is(one(y, 'account.1.subscribe_mwi'), '1');
  assert.is(one(y, 'account.1.subscribe_mwi_to_vm'), '0');
  assert.is(one(y, 'voice_mail.number.1'), '123');
  const p = settings('polycom', ctxOf('polycom'));
  assert.is(one(p, 'msg.mwi.1.subscribe'), '0145678901');
  assert.is(one(p, 'msg.mwi.1.callBackMode'), 'contact');
  assert.is(one(p, 'msg.mwi.1.callBack'), '123');
  assert.is(one(p, 'msg.mwi.2.subscribe'), '0145678999');
  const s = settings('snom', ctxOf('snom'));
  assert.is(one(s, 'user_mailbox[1]'), '0145678901');
  assert.is(one(s, 'user_mailbox[2]'), '0145678999');
  assert.is(one(s, 'dkey_retrieve'), 'speed 123');
});

test('pickup: the platform\'s code on every vendor; none set, no code anywhere and a reported problem', () => {
  for (const code of ['*97', '**']) {
    const c = (id: VendorId) => {
      const ctx = ctxOf(id);
      ctx.network.featureCodes = { directedPickup: code };
      return settings(id, ctx);
    };
    const y = c('yealink');
    assert.is(one(y, 'linekey.4.pickup_value'), code);
    assert.is(one(y, 'linekey.4.extension'), code);
    assert.is(one(y, 'features.pickup.direct_pickup_code'), code);
    assert.is(one(c('polycom'), 'call.directedCallPickupString'), code);
    assert.is(one(c('snom'), 'fkey[3]'), `blf sip:0145678902@sip.acme.example|${code}`);
  }
  for (const id of IDS) {
    const ctx = ctxOf(id);
    delete ctx.network.featureCodes;
    const body = CASES[id].vendor.render(CASES[id].file(ctx.device.mac), ctx, templates)!.body.toString('utf8');
    assert.not.ok(/\*8|\*\*/.test(body.replace(/\[\*#\]\[\*#x\]/g, '')), `${id}: no pickup constant`);
    assert.ok(CASES[id].vendor.checkValues!(ctx).some((p) => p.code === 'vendor.pickup_code_missing'), id);
  }
  assert.is(one(settings('snom', (() => { const x = ctxOf('snom'); delete x.network.featureCodes; return x; })()), 'fkey[3]'), 'blf sip:0145678902@sip.acme.example');
  const g = ctxOf('yealink');
  g.network.featureCodes = { directedPickup: '*8', groupPickup: '*8#' };
  assert.is(one(settings('yealink', g), 'features.pickup.group_pickup_code'), '*8#');
  const pg = ctxOf('polycom');
  pg.network.featureCodes = { directedPickup: '*8', groupPickup: '*8#' };
  assert.ok(CASES.polycom.vendor.checkValues!(pg).some((p) => p.code === 'vendor.feature_unsupported'));
});

test('provisioning server pinned with the URL token and the credentials', () => {
  const make = (id: VendorId) => {
    const ctx = ctxOf(id);
    ctx.baseUrl = 'https://prov.example.test/p/Tok3n-acme-0123456789/';
    ctx.provisioningAuth = { username: 'acme-phones', password: 'S3cret-prov' };
    return settings(id, ctx);
  };
  const y = make('yealink');
  assert.is(one(y, 'static.auto_provision.server.url'), 'https://prov.example.test/p/Tok3n-acme-0123456789/');
  assert.is(one(y, 'static.auto_provision.server.username'), 'acme-phones');
  assert.is(one(y, 'static.auto_provision.server.password'), 'S3cret-prov');
  const p = make('polycom');
  assert.is(one(p, 'device.prov.serverType'), 'HTTPS');
  assert.is(one(p, 'device.prov.serverName'), 'prov.example.test/p/Tok3n-acme-0123456789/');
  assert.is(one(p, 'device.prov.user'), 'acme-phones');
  assert.is(one(p, 'device.prov.password'), 'S3cret-prov');
  for (const k of ['device.prov.serverType.set', 'device.prov.serverName.set', 'device.prov.user.set', 'device.prov.password.set', 'device.set']) {
    assert.is(one(p, k), '1', k);
  }
  const s = make('snom');
  assert.is(one(s, 'setting_server'), 'https://prov.example.test/p/Tok3n-acme-0123456789/snomD785-000413123403.htm');
  assert.is(one(s, 'http_client_user'), 'acme-phones');
  assert.is(one(s, 'http_client_pass'), 'S3cret-prov');
  // What setting_server names is a file the phone is served.
  assert.ok(CASES.snom.vendor.render('snomD785-000413123403.htm', ctxOf('snom'), templates));
});

// ---- locale, codecs, expiry, NTP, digit map, user password ---------------------------------------

test('locale: language, tones and clock of every locale on every vendor', () => {
  for (const tag of LOCALE_TAGS) {
    const l = LOCALES[tag];
    const c = (id: VendorId) => {
      const ctx = ctxOf(id);
      ctx.network.locale = tag;
      delete ctx.network.vendorParameters;
      return settings(id, ctx);
    };
    const y = c('yealink');
    assert.is(one(y, 'lang.gui'), l.yealink.gui, tag);
    assert.is(one(y, 'lang.wui'), l.yealink.wui, tag);
    assert.is(one(y, 'voice.tone.country'), l.yealink.tone, tag);
    assert.is(one(y, 'local_time.time_format'), l.clock24 ? '1' : '0', tag);
    assert.is(one(y, 'local_time.date_format'), l.dateOrder === 'DMY' ? '3' : '4', tag);
    const p = c('polycom');
    assert.is(one(p, 'lcl.ml.lang'), l.polycom.lang, tag);
    assert.is(one(p, 'lcl.datetime.time.24HourClock'), l.clock24 ? '1' : '0', tag);
    assert.is(one(p, 'lcl.datetime.date.format'), l.dateOrder === 'DMY' ? 'D,dM' : 'D,Md', tag);
    const s = c('snom');
    assert.is(one(s, 'language'), l.snom.language, tag);
    assert.is(one(s, 'web_language'), l.snom.webLanguage, tag);
    assert.is(one(s, 'tone_scheme'), l.snom.toneScheme, tag);
    assert.is(one(s, 'time_24_format'), l.clock24 ? 'on' : 'off', tag);
    assert.is(one(s, 'date_us_format'), l.dateOrder === 'MDY' ? 'on' : 'off', tag);
  }
});

test('codecs in order, registration expiry, DTMF follows telephone-event', () => {
  const c = (id: VendorId) => {
    const ctx = ctxOf(id);
    ctx.network.codecs = ['G722', 'PCMA'];
    ctx.network.registrationExpirySeconds = 900;
    delete ctx.network.vendorParameters;
    return settings(id, ctx);
  };
  const y = c('yealink');
  assert.is(one(y, 'account.1.codec.g722.priority'), '1');
  assert.is(one(y, 'account.1.codec.pcma.priority'), '2');
  assert.is(one(y, 'account.1.codec.pcmu.enable'), '0');
  assert.is(one(y, 'account.1.dtmf.type'), '2');
  assert.is(one(y, 'account.1.sip_server.1.expires'), '900');
  assert.is(one(y, 'account.2.sip_server.1.expires'), '900');
  const p = c('polycom');
  assert.is(one(p, 'voice.codecPref.G722'), '1');
  assert.is(one(p, 'voice.codecPref.G711_A'), '2');
  assert.is(one(p, 'voice.codecPref.G711_Mu'), '0');
  assert.is(one(p, 'voice.codecPref.G729_AB'), '0');
  assert.is(one(p, 'tone.dtmf.rfc2833Control'), '0');
  assert.is(one(p, 'voIpProt.SIP.dtmfViaSignaling.rfc2976'), '1');
  assert.is(one(p, 'reg.1.server.1.expires'), '900');
  const s = c('snom');
  assert.is(one(s, 'codec_priority_list[1]'), 'g722,pcma');
  assert.is(one(s, 'user_dtmf_info[1]'), 'sip_info_only');
  assert.is(one(s, 'user_expiry[1]'), '900');
  assert.is(one(s, 'user_expiry[2]'), '900');
  // A-law first by default in France, μ-law in the USA.
  assert.is(one(settings('yealink', ctxOf('yealink')), 'account.1.codec.pcma.priority'), '1');
  assert.is(one(settings('snom', usContext('snom', 'D785', CASES.snom.mac)), 'codec_priority_list[1]'), 'pcmu,pcma,g722,g729,telephone-event');
  // Opus: Yealink offers it, the others report it.
  for (const id of IDS) {
    const ctx = ctxOf(id);
    ctx.network.codecs = ['OPUS', 'PCMA'];
    const reported = CASES[id].vendor.checkValues!(ctx).some((x) => x.code === 'vendor.codec_unsupported');
    assert.is(reported, id !== 'yealink', id);
  }
  const opus = ctxOf('yealink');
  opus.network.codecs = ['OPUS', 'PCMA'];
  assert.is(one(settings('yealink', opus), 'account.1.codec.opus.priority'), '1');
});

test('NTP: the second server on Yealink and Snom, reported on Poly', () => {
  assert.is(one(settings('yealink', ctxOf('yealink')), 'local_time.ntp_server2'), 'ntp2.acme.example');
  assert.is(one(settings('snom', ctxOf('snom')), 'ntp_server'), 'ntp1.acme.example ntp2.acme.example');
  assert.ok(CASES.polycom.vendor.checkValues!(ctxOf('polycom')).some((p) => p.code === 'vendor.ntp_servers_dropped'));
  for (const id of ['yealink', 'snom'] as const) {
    assert.not.ok(CASES[id].vendor.checkValues!(ctxOf(id)).some((p) => p.code === 'vendor.ntp_servers_dropped'), id);
  }
});

test('digit map: the profile\'s own map on every vendor; an invalid one is reported and replaced', () => {
  const map = '0[1-9]xxxxxxxx|1[5-8]|00x.T';
  const c = (id: VendorId, m: string) => {
    const ctx = ctxOf(id);
    ctx.network.digitMap = m;
    return settings(id, ctx);
  };
  assert.is(one(c('yealink', map), 'dialplan.digitmap.string'), map);
  assert.is(one(c('polycom', map), 'dialplan.digitmap'), map);
  assert.is(one(c('snom', map), 'user_dp_str[1]'), snomDialPlan(map));
  for (const id of IDS) {
    const ctx = ctxOf(id);
    ctx.network.digitMap = '0145<bad>';
    assert.ok(CASES[id].vendor.checkValues!(ctx).some((p) => p.code === 'vendor.digit_map_invalid'), id);
  }
  assert.match(one(c('polycom', 'x\nz'), 'dialplan.digitmap')!, /^0\[1-9\]xxxxxxxx\|/);
});

test('user-level password on every vendor', () => {
  const y = settings('yealink', ctxOf('yealink'));
  assert.ok(y.get('static.security.user_password')!.includes('user:Us3r-P@ss'));
  assert.ok(y.get('static.security.user_password')!.includes('admin:Adm1n-P@ss'));
  assert.is(one(settings('polycom', ctxOf('polycom')), 'device.auth.localUserPassword'), 'Us3r-P@ss');
  assert.is(one(settings('snom', ctxOf('snom')), 'webserver_user_password'), 'Us3r-P@ss');
  const bad = ctxOf('yealink');
  bad.network.phoneUserPassword = 'has:colon';
  assert.ok(CASES.yealink.vendor.checkValues!(bad).some((p) => p.field === 'network.phoneUserPassword'));
});

// ---- time zones ---------------------------------------------------------------------------------

test('every IANA zone gets a valid zone on every vendor (Sydney on Snom = AUS+10)', () => {
  const zones = [...new Set([...listTimezones(), ...Intl.supportedValuesOf('timeZone')])];
  assert.ok(zones.length > 400);
  const yealinkNames = new Set(YEALINK_ZONES.map((z) => z.value));
  const snomCodes = new Set(SNOM_ZONES.map((z) => z.value));
  for (const zone of zones) {
    const std = timezoneRule(zone).standardOffsetMinutes;
    for (const id of IDS) {
      const ctx = ctxOf(id);
      ctx.network.timezone = zone;
      delete ctx.network.vendorParameters;
      const s = settings(id, ctx);
      if (id === 'yealink') {
        const name = one(s, 'local_time.time_zone_name');
        assert.ok(name && yealinkNames.has(name), `${zone} Yealink name ${name}`);
        assert.match(one(s, 'local_time.time_zone')!, /^(0|[+-]\d{1,2}(:\d{2})?)$/, zone);
      } else if (id === 'snom') {
        const code = one(s, 'timezone');
        assert.ok(code && snomCodes.has(code), `${zone} Snom code ${code}`);
        assert.is(one(s, 'utc_offset'), String(std * 60), zone);
      } else {
        assert.is(one(s, 'tcpIpApp.sntp.gmtOffset'), String(std * 60), zone);
      }
    }
  }
  const sydney = ctxOf('snom');
  sydney.network.timezone = 'Australia/Sydney';
  assert.is(one(settings('snom', sydney), 'timezone'), 'AUS+10');
});

// ---- vendor parameters ----------------------------------------------------------------------------

const PARAMETER_MODULES = { yealink: yealinkParams, polycom: polycomParams, snom: snomParams } as const;

test('vendor parameters: one module shape per vendor (parameters.ts)', () => {
  for (const id of IDS) {
    const mod = PARAMETER_MODULES[id];
    assert.is(mod.VENDOR, id);
    for (const fn of ['checkParameter', 'applyParameters', 'shadowedParameters'] as const) assert.type(mod[fn], 'function', `${id} ${fn}`);
    assert.is(CASES[id].vendor.parameters.check, mod.checkParameter, id);
    assert.type(CASES[id].vendor.parameters.shadows, 'function');
  }
});

test('vendor parameters: every hostile name and value is refused with a stable code naming it', () => {
  for (const id of IDS) {
    const check = CASES[id].vendor.parameters.check;
    for (const name of hostileParameterNames) {
      const p = check(name, '1');
      assert.ok(p, `${id} name ${JSON.stringify(name)}`);
      assert.is(p!.code, 'vendor_parameter.name_invalid', `${id} ${JSON.stringify(name)}`);
      assert.is(p!.vendor, id);
      assert.is(p!.name, name.length > 100 ? `${name.slice(0, 100)}…` : name);
      assert.not.ok(/[\n\r]/.test(p!.message), 'a message stays on one line');
    }
    for (const value of hostileParameterValues) {
      const p = check(CASES[id].newName, value);
      assert.ok(p, `${id} value ${JSON.stringify(value.slice(0, 30))}`);
      assert.is(p!.code, 'vendor_parameter.value_invalid');
      assert.is(p!.name, CASES[id].newName);
    }
    for (const value of markupParameterValues) {
      const p = check(CASES[id].newName, value);
      if (id === 'yealink') assert.is(p, null, `Yealink: ${value} is plain text in a cfg line`);
      else assert.is(p?.code, 'vendor_parameter.value_invalid', `${id} ${value}`);
    }
    for (const value of safeParameterValues) assert.is(check(CASES[id].newName, value), null, `${id} ${value}`);
  }
});

test('vendor parameters: what passes is written once and escaped, reads back exactly', () => {
  for (const id of IDS) {
    const c = CASES[id];
    const values = [...safeParameterValues, ...(id === 'yealink' ? markupParameterValues : [])];
    for (const value of values) {
      const ctx = ctxOf(id);
      ctx.network.vendorParameters = { [id]: { [c.newName]: value } };
      const s = settings(id, ctx);
      const want = id === 'yealink' ? cfgValue(value) : value;
      assert.is(one(s, c.newName), want, `${id} ${JSON.stringify(value)}`);
    }
  }
});

test('vendor parameters: they replace cadran\'s value (one value in the file) and are listed as shadows', () => {
  for (const id of IDS) {
    const c = CASES[id];
    const [name, computedValue] = c.computed;
    const plain = ctxOf(id);
    delete plain.network.vendorParameters;
    assert.is(one(settings(id, plain), name), computedValue, `${id} computes ${name}`);
    assert.equal(c.vendor.parameters.shadows(plain, templates), [], id);
    const ctx = ctxOf(id);
    ctx.network.vendorParameters = { [id]: { [name]: 'Operator value', [c.newName]: '1' } };
    const s = settings(id, ctx);
    assert.is(one(s, name), 'Operator value', `${id} ${name}`);
    assert.is(one(s, c.newName), '1', id);
    assert.equal(c.vendor.parameters.shadows(ctx, templates), [name], id);
    // Another vendor's parameters are not this one's.
    const other = ctxOf(id);
    other.network.vendorParameters = { [IDS.find((x) => x !== id)!]: { [name]: 'x' } };
    assert.is(one(settings(id, other), name), computedValue, id);
  }
  // Indexed Snom settings replace their own index only; Yealink passwords their own login.
  const sn = ctxOf('snom');
  sn.network.vendorParameters = { snom: { 'user_expiry[2]': '120', 'fkey[4]': 'speed 123' } };
  const s = settings('snom', sn);
  assert.is(one(s, 'user_expiry[1]'), '600');
  assert.is(one(s, 'user_expiry[2]'), '120');
  assert.is(one(s, 'fkey[4]'), 'speed 123');
  assert.equal(CASES.snom.vendor.parameters.shadows(sn, templates), ['fkey[4]', 'user_expiry[2]']);
  const ye = ctxOf('yealink');
  ye.network.vendorParameters = { yealink: { 'static.security.user_password': 'user:0ther' } };
  assert.equal(settings('yealink', ye).get('static.security.user_password')!.sort(), ['admin:Adm1n-P@ss', 'user:0ther']);
  // Yealink: a key of the common file (fetched first) counts as computed too.
  ye.network.vendorParameters = { yealink: { 'sip.notify_reboot_enable': '1' } };
  assert.equal(CASES.yealink.vendor.parameters.shadows(ye, templates), ['sip.notify_reboot_enable']);
});

test('vendor parameters stored before the checker (old data): never written, reported by name', () => {
  for (const id of IDS) {
    const c = CASES[id];
    const clean = ctxOf(id);
    delete clean.network.vendorParameters;
    const cleanBody = c.vendor.render(c.file(clean.device.mac), clean, templates)!.body.toString('utf8');
    for (const [name, value] of [
      ...hostileParameterNames.map((n): [string, string] => [n, '1']),
      ...hostileParameterValues.map((v): [string, string] => [c.newName, v]),
    ]) {
      const ctx = ctxOf(id);
      ctx.network.vendorParameters = { [id]: { [name]: value } };
      const body = c.vendor.render(c.file(ctx.device.mac), ctx, templates)!.body.toString('utf8');
      assert.is(body, cleanBody, `${id} ${JSON.stringify(name)} = ${JSON.stringify(value.slice(0, 20))}`);
      const problem = c.vendor.checkValues!(ctx).find((p) => p.code?.startsWith('vendor_parameter.'));
      assert.ok(problem, `${id} reports ${JSON.stringify(name)}`);
      assert.is(problem!.params?.vendor, id);
    }
  }
});

test('vendor parameters make a file private; a file without them keeps its sensitivity', () => {
  for (const id of IDS) {
    const c = CASES[id];
    const ctx = ctxOf(id);
    delete ctx.user;
    delete ctx.network.adminPassword;
    delete ctx.network.phoneUserPassword;
    delete ctx.network.vendorParameters;
    assert.is(c.vendor.render(c.file(ctx.device.mac), ctx, templates)!.sensitive, false, id);
    ctx.network.vendorParameters = { [id]: { [c.newName]: '1' } };
    assert.is(c.vendor.render(c.file(ctx.device.mac), ctx, templates)!.sensitive, true, id);
  }
});

test('every problem a vendor reports carries a stable code the edges translate', () => {
  for (const id of IDS) {
    const ctx = ctxOf(id);
    ctx.user!.name = 'a\nb';
    ctx.keys.push({ position: 999, type: 'speeddial', value: '06 12|34' });
    ctx.contacts.push({ id: 'x', name: 'none' }, { id: 'y', name: 'dup', work: '0611223344' });
    ctx.network.timezone = 'Mars/Olympus';
    ctx.network.adminPassword = 'a:b';
    ctx.network.dnsServers = ['a', 'b', 'c'];
    ctx.network.ntpServers = ['a', 'b', 'c', 'd'];
    ctx.network.dscpSip = 99;
    ctx.network.resyncIntervalMinutes = 5;
    ctx.network.codecs = ['OPUS', 'BOGUS' as never];
    ctx.network.locale = 'xx-XX' as never;
    ctx.network.digitMap = '<x>';
    ctx.network.featureCodes = { groupPickup: '*8#' };
    ctx.network.vendorParameters = { [id]: { 'bad name': '1' } };
    ctx.device.model = 'NOPE1';
    const problems = CASES[id].vendor.checkValues!(ctx);
    assert.ok(problems.length >= 8, `${id} ${problems.length}`);
    for (const p of problems) assert.match(p.code ?? '', /^vendor(_parameter)?\.[a-z_]+$/, `${id} ${p.field}: ${p.message}`);
  }
});

// ---- the user's line settings (issue 15) --------------------------------------------------------

const catalogue = (lang: string): Record<string, string> =>
  JSON.parse(readFileSync(new URL(`../server/i18n/${lang}.json`, import.meta.url), 'utf8')) as Record<string, string>;

/** What each setting in use that a vendor cannot carry is reported as. */
const UNSUPPORTED: Array<[keyof FeatureSupport, string]> = [
  ['dnd', 'vendor.features_dnd_unsupported'],
  ['forwardAlways', 'vendor.features_forward_unsupported'],
  ['rejectAnonymous', 'vendor.features_reject_anonymous_unsupported'],
  ['allowedCallers', 'vendor.features_allowed_callers_unsupported'],
  ['blacklist', 'vendor.features_blacklist_unsupported'],
];

test('features: every vendor declares what its phones carry (features.ts), limits are whole numbers', () => {
  for (const id of IDS) {
    const f = CASES[id].vendor.features;
    for (const k of ['dnd', 'forwardAlways', 'rejectAnonymous', 'reportsToggles'] as const) assert.type(f[k], 'boolean', `${id} ${k}`);
    for (const k of ['allowedCallers', 'blacklist'] as const) assert.ok(Number.isInteger(f[k]) && f[k] >= 0, `${id} ${k}`);
  }
});

test('features: never saved in cadran, nothing of them is written (the phone keeps its own)', () => {
  for (const id of IDS) {
    const plain = ctxOf(id);
    const c = CASES[id];
    const a = c.vendor.render(c.file(plain.device.mac), plain, templates)!.body.toString('utf8');
    const b = c.vendor.render(c.file(plain.device.mac), withFeatures(plain, null), templates)!.body.toString('utf8');
    // Only the action URLs (reports) may differ: no DND or forward value.
    for (const word of ['dnd_mode', 'dnd.enable', 'always_fwd.enable', 'always_fwd.target', 'redirect_event', 'redirect_number', 'reject_anonymous']) {
      assert.is(b.includes(word), a.includes(word), `${id}: ${word}`);
    }
  }
});

test('features: every model renders them; what a vendor cannot carry is reported with a catalogued code (fr, en), never silently', () => {
  const fr = catalogue('fr');
  const en = catalogue('en');
  for (const id of IDS) {
    const c = CASES[id];
    for (const m of c.vendor.models) {
      const ctx = withFeatures(realisticContext(id, m.model, c.mac));
      const r = c.vendor.render(c.file(c.mac), ctx, templates);
      assert.ok(r, `${id} ${m.model} renders`);
      const codes = c.vendor.checkValues!(ctx).map((p) => p.code);
      for (const [what, code] of UNSUPPORTED) {
        const can = c.vendor.features[what];
        assert.is(codes.includes(code), can === false || can === 0, `${id} ${m.model}: ${code}`);
      }
    }
    for (const [, code] of UNSUPPORTED) {
      assert.ok(fr[`check.${code}`] && en[`check.${code}`], `catalogue check.${code}`);
    }
  }
  assert.ok(fr['check.vendor.features_list_truncated'] && en['check.vendor.features_list_truncated']);
});

test('features: DND and forward states reach the file where the vendor carries them, both ways', () => {
  for (const id of IDS) {
    const c = CASES[id];
    if (!c.vendor.features.dnd) continue;
    const base = ctxOf(id);
    const on = settings(id, withFeatures(base, { dnd: { enabled: true, allowedCallers: [] }, forwardAlways: { enabled: true, target: '0698765432' }, rejectAnonymous: false, blacklist: [] }));
    const off = settings(id, withFeatures(base, { dnd: { enabled: false, allowedCallers: [] }, forwardAlways: { enabled: false, target: '0698765432' }, rejectAnonymous: false, blacklist: [] }));
    const differ = [...on.keys()].filter((k) => JSON.stringify(on.get(k)) !== JSON.stringify(off.get(k)));
    assert.ok(differ.length >= 2, `${id}: DND and forward change the file (${differ.join(', ')})`);
    assert.ok([...on.values()].flat().includes('0698765432'), `${id}: forward target written`);
  }
});

test('features: a list longer than the phone keeps is cut at the limit and reported', () => {
  for (const id of IDS) {
    const c = CASES[id];
    const max = c.vendor.features.allowedCallers;
    if (max === 0) continue;
    const many = Array.from({ length: max + 3 }, (_, i) => `06${String(10000000 + i)}`);
    const ctx = withFeatures(ctxOf(id), { dnd: { enabled: true, allowedCallers: many }, forwardAlways: { enabled: false, target: null }, rejectAnonymous: false, blacklist: [] });
    // Wherever the vendor writes the list (the settings file, a phone book): every file of the phone.
    const body = c.vendor.bootFiles(c.mac, ctx.device.model).map((f) => c.vendor.render(f, ctx, templates)?.body.toString('utf8') ?? '').join('\n');
    assert.ok(body.includes(many[max - 1]!), `${id}: the ${max}th number is written`);
    assert.not.ok(body.includes(many[max]!), `${id}: the ${max + 1}th is not`);
    const p = c.vendor.checkValues!(ctx).find((x) => x.code === 'vendor.features_list_truncated');
    assert.ok(p, id);
    assert.equal(p!.params, { field: 'features.dnd.allowedCallers', max, count: max + 3 });
  }
});

test('features: priority callers and the blacklist reach one of the phone\'s files wherever the vendor carries them, and only for its user', () => {
  const vip = ['0611111111', '+41221234567'];
  const black = ['0899000001', '0899000002'];
  for (const id of IDS) {
    const c = CASES[id];
    const ctx = withFeatures(ctxOf(id), { dnd: { enabled: true, allowedCallers: vip }, forwardAlways: { enabled: false, target: null }, rejectAnonymous: false, blacklist: black });
    const all = (x: RenderContext) => c.vendor.bootFiles(c.mac, x.device.model).map((f) => c.vendor.render(f, x, templates)?.body.toString('utf8') ?? '').join('\n');
    const body = all(ctx);
    for (const n of black) assert.is(body.includes(n), c.vendor.features.blacklist > 0, `${id}: blacklisted ${n}`);
    for (const n of vip) assert.is(body.includes(n), c.vendor.features.allowedCallers > 0, `${id}: priority caller ${n}`);
    const { user: _u, ...noUser } = ctx;
    const bare = all(noUser as RenderContext);
    for (const n of [...black, ...vip]) assert.not.ok(bare.includes(n), `${id}: no user, no list (${n})`);
  }
});

test('features: the vendors\' list limit is cadran\'s own at most', () => {
  for (const id of IDS) {
    const f = CASES[id].vendor.features;
    assert.ok(f.blacklist <= MAX_FEATURE_LIST && f.allowedCallers <= MAX_FEATURE_LIST, id);
  }
  assert.is(VENDOR_MAX, MAX_FEATURE_LIST);
});

test('features: phones that report toggles get one action URL per event under the events URL; the others none', () => {
  for (const id of IDS) {
    const c = CASES[id];
    const ctx = withFeatures(ctxOf(id));
    const body = c.vendor.render(c.file(c.mac), ctx, templates)!.body.toString('utf8');
    for (const ev of FEATURE_EVENTS) {
      assert.is(body.includes(`/events/${c.mac}/${ev}`), c.vendor.features.reportsToggles, `${id} ${ev}`);
    }
    // Without a user nothing is reported (no account, no line settings).
    const { user: _u, ...noUser } = ctx;
    const bare = c.vendor.render(c.file(c.mac), noUser as RenderContext, templates)!.body.toString('utf8');
    assert.not.ok(bare.includes('/events/'), `${id}: no user, no action URL`);
  }
});

test.run();
