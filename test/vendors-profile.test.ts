// The profile tables every vendor shares (vendors/common/): locales, digit maps (grammar, matcher,
// the default map of each region against real numbers of its numbering plan, Snom translation),
// default codecs, resolved defaults, accounts of a phone.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  CODEC_NAMES,
  DEFAULT_LOCALE,
  LOCALES,
  LOCALE_TAGS,
  defaultCodecs,
  isLocaleTag,
  localeInfo,
} from '../vendors/common/locale.ts';
import {
  REGION_DIGIT_MAPS,
  digitMapProblem,
  matchDigitMap,
  normalizeDigitMap,
  parseDigitMap,
  snomDialPlan,
  type DialOutcome,
} from '../vendors/common/digitmap.ts';
import { lineKeyAccount, phoneAccounts, resolveProfile, splitBaseUrl } from '../vendors/common/profile.ts';
import { realisticContext } from './fixtures/render-context.ts';

// ---- locales ----------------------------------------------------------------------------------

/** Yealink `voice.tone.country` values (Yealink SIP-T5 admin guide p.597). */
const YEALINK_TONES = [
  'Custom', 'Australia', 'Austria', 'Brazil', 'Belgium', 'Chile', 'China', 'Czech', 'Czech ETSI', 'Denmark', 'Finland',
  'France', 'Germany', 'Great Britain', 'Greece', 'Hungary', 'Lithuania', 'India', 'Italy', 'Japan', 'Mexico',
  'New Zealand', 'Netherlands', 'Norway', 'Portugal', 'Spain', 'Switzerland', 'Sweden', 'Russia', 'United States',
];
/** Snom `tone_scheme` values (NethVoice Snom option list). */
const SNOM_TONES = ['AUS', 'AUT', 'CHN', 'DNK', 'FRA', 'GER', 'GBR', 'IND', 'ITA', 'JPN', 'MEX', 'NLD', 'NOR', 'NZL', 'ESP', 'SWE', 'SWI', 'USA'];

test('locales: the nine required tags, each vendor value from its list', () => {
  assert.equal(LOCALE_TAGS.sort(), ['de-DE', 'en-GB', 'en-US', 'es-ES', 'fr-BE', 'fr-CH', 'fr-FR', 'it-IT', 'nl-NL']);
  for (const tag of LOCALE_TAGS) {
    const l = LOCALES[tag];
    assert.is(l.tag, tag);
    assert.is(l.region, tag.slice(3));
    assert.ok(YEALINK_TONES.includes(l.yealink.tone), `${tag} Yealink tone ${l.yealink.tone}`);
    assert.ok(SNOM_TONES.includes(l.snom.toneScheme), `${tag} Snom tone ${l.snom.toneScheme}`);
    assert.match(l.polycom.lang, /^[A-Z][a-z]+_[A-Z][A-Za-z_]+$/, tag);
    for (const v of [l.yealink.gui, l.yealink.wui, l.snom.language, l.snom.webLanguage]) assert.match(v, /^[A-Za-z()]+$/, `${tag} ${v}`);
    for (const v of Object.values(l.numberLabels)) assert.ok(v.length > 0 && v.length < 12, `${tag} ${v}`);
    assert.ok(REGION_DIGIT_MAPS[l.region], `${tag} has a digit map`);
  }
  assert.is(LOCALES['fr-FR'].yealink.gui, 'French');
  assert.is(LOCALES['fr-FR'].snom.language, 'Francais');
  assert.is(LOCALES['fr-FR'].polycom.lang, 'French_France');
  assert.is(LOCALES['fr-CH'].snom.toneScheme, 'SWI');
  assert.is(LOCALES['fr-BE'].yealink.tone, 'Belgium');
  assert.is(LOCALES['en-US'].clock24, false);
  assert.is(LOCALES['en-US'].dateOrder, 'MDY');
  for (const tag of LOCALE_TAGS) if (tag !== 'en-US') assert.ok(LOCALES[tag].clock24 && LOCALES[tag].dateOrder === 'DMY', tag);
});

test('locales: default fr-FR, unknown tags fall back to it', () => {
  assert.is(DEFAULT_LOCALE, 'fr-FR');
  assert.is(localeInfo(undefined).tag, 'fr-FR');
  assert.is(localeInfo('xx-YY').tag, 'fr-FR');
  assert.is(localeInfo('de-DE').tag, 'de-DE');
  assert.ok(isLocaleTag('nl-NL'));
  assert.not.ok(isLocaleTag('fr'));
  assert.not.ok(isLocaleTag('FR-fr'));
  assert.not.ok(isLocaleTag('__proto__'));
});

test('codecs: A-law first in A-law regions, μ-law first for en-US, telephone-event always', () => {
  for (const tag of LOCALE_TAGS) {
    const c = defaultCodecs(tag);
    assert.is(c[0], tag === 'en-US' ? 'PCMU' : 'PCMA', tag);
    assert.ok(c.includes('telephone-event'), tag);
    assert.ok(c.every((x) => CODEC_NAMES.includes(x)), tag);
  }
});

// ---- digit maps -------------------------------------------------------------------------------

test('digit map grammar: RFC 3435 subset accepted, everything else refused with a position', () => {
  for (const ok of ['x', '0T', '[2-9]11', '[*#][*#x].T', '+x.T', '0[1-9]xxxxxxxx|00x.T', ' 1 | 2 ', '[13579]', 'x.T']) {
    assert.is(digitMapProblem(ok), null, ok);
  }
  for (const bad of ['', '|', 'x||y', 'x|', 'T', '.x', 'x..', 'xT1', '[9-2]', '[]', '[a]', 'abc', '<1:2>x', 'x!', 'x,y', '(x)', 'x\ny', 'x\r', 'x'.repeat(2049)]) {
    const p = digitMapProblem(bad);
    assert.ok(p, JSON.stringify(bad));
  }
  assert.match(digitMapProblem('12a')!, /character 3/);
  assert.is(normalizeDigitMap(' [2-9]11 | 0T '), '[2-9]11|0T');
  const alts = parseDigitMap('[1-3]x.|2T');
  assert.equal(alts[0]!.positions, [{ chars: '123', repeat: false }, { chars: '0123456789', repeat: true }]);
  assert.is(alts[1]!.timer, true);
});

test('digit map matcher: RFC 3435 semantics (a whole alternative without T dials at once)', () => {
  const map = '[2-9]11|0T|011x.T|[2-9]xx[2-9]xxxxxx';
  const cases: [string, DialOutcome][] = [
    ['9', 'incomplete'],
    ['911', 'dial'],
    ['0', 'dial-after-timer'],
    ['01', 'incomplete'],
    ['011', 'dial-after-timer'],
    ['01144', 'dial-after-timer'],
    ['2125550100', 'dial'],
    ['212555010', 'incomplete'],
    ['21255501001', 'impossible'],
    ['1', 'impossible'],
    ['*', 'impossible'],
  ];
  for (const [dialled, want] of cases) assert.is(matchDigitMap(map, dialled), want, dialled);
});

/**
 * Real numbers of each region's numbering plan: `dial` ones must dial at once when complete,
 * `timer` ones when the user stops; in both cases no shorter prefix may dial (it would cut the
 * number). Sources: the regulators' plans cited in vendors/common/digitmap.ts.
 */
const SAMPLES: Record<string, { dial: string[]; timer: string[] }> = {
  FR: {
    dial: ['0145678901', '0612345678', '0800123456', '0262123456', '0590123456', '0970123456', '15', '17', '18', '112', '114', '115', '119', '116000', '118712', '1014', '3949', '3631'],
    timer: ['0033145678901', '0041441234567', '+33145678901', '*80145678902', '#31#'],
  },
  BE: {
    dial: ['022345678', '032345678', '043123456', '0470123456', '0456123456', '080012345', '090012345', '100', '101', '112', '116000', '1207'],
    timer: ['0033145678901', '+3222345678'],
  },
  CH: {
    dial: ['0441234567', '0791234567', '0800123456', '112', '117', '118', '144', '143', '145', '147', '1414', '1415', '1811', '116000'],
    timer: ['0033145678901', '+41441234567'],
  },
  GB: {
    dial: ['02079460000', '01632960001', '07700900123', '08001111111', '999', '112', '101', '105', '111', '123', '118500', '116123'],
    timer: ['0033145678901', '+442079460000'],
  },
  US: {
    dial: ['2125550100', '12125550100', '8005550100', '18005550100', '911', '411', '211', '611'],
    timer: ['0', '01144207946000', '+12125550100', '*97'],
  },
  DE: {
    dial: ['110', '112', '115', '116117', '11833'],
    timer: ['03012345678', '015112345678', '0891234567', '0800123456', '0033145678901', '+493012345678'],
  },
  ES: {
    dial: ['912345678', '612345678', '712345678', '900123456', '112', '016', '091', '061', '11822', '116000'],
    timer: ['0033145678901', '+34912345678'],
  },
  IT: {
    dial: ['3471234567', '800123456', '803123456', '112', '113', '115', '118', '1500', '1254', '116000'],
    timer: ['0612345678', '0212345678', '055123456', '899123456', '0033145678901', '+390612345678'],
  },
  NL: {
    dial: ['0201234567', '0612345678', '0851234567', '0881234567', '112', '144', '1888', '116123'],
    timer: ['08001234', '08001234567', '09001234567', '0033145678901', '+31201234567'],
  },
};

for (const [region, { dial, timer }] of Object.entries(SAMPLES)) {
  test(`region ${region}: every sample number dials, none is cut short`, () => {
    const map = REGION_DIGIT_MAPS[region]!;
    assert.is(digitMapProblem(map), null);
    const alts = parseDigitMap(map);
    for (const [numbers, want] of [[dial, 'dial'], [timer, 'dial-after-timer']] as const) {
      for (const n of numbers) {
        assert.is(matchDigitMap(alts, n), want, `${region} ${n}`);
        for (let i = 1; i < n.length; i++) assert.is.not(matchDigitMap(alts, n.slice(0, i)), 'dial', `${region} ${n} cut at ${n.slice(0, i)}`);
      }
    }
  });
}

test('region maps fit the oldest Poly limit (512 bytes, 20 segments)', () => {
  for (const [region, map] of Object.entries(REGION_DIGIT_MAPS)) {
    assert.ok(Buffer.byteLength(map) <= 512, region);
    assert.ok(map.split('|').length <= 20, region);
  }
});

test('the French map dials a Paris number off-hook where the North-American one cut it', () => {
  const northAmerican = '[2-9]11|0T|011xxx.T|[0-1][2-9]xxxxxxxxx|[2-9]xxxxxxxxx|[2-9]xxxT|**x.T|+x.T|00x.T';
  // 0-1-4: no rule can match any more, so the phone sends "014" and the call fails.
  assert.is(matchDigitMap(northAmerican, '014'), 'impossible');
  assert.is(matchDigitMap(REGION_DIGIT_MAPS.FR!, '0145678901'), 'dial');
});

test('Snom dial plan: one dial-now entry per alternative without T, same numbers', () => {
  const plan = snomDialPlan('0[1-9]xxxxxxxx|112|+x.T|[*#]x|11[2459]');
  assert.is(plan, '!^(0[1-9][0-9]{8})$!sip:\\1@\\d!d !^(112)$!sip:\\1@\\d!d !^([*#][0-9])$!sip:\\1@\\d!d !^(11[2459])$!sip:\\1@\\d!d');
  for (const [region, { dial }] of Object.entries(SAMPLES)) {
    const entries = snomDialPlan(REGION_DIGIT_MAPS[region]!).split(' ').filter(Boolean);
    const res = entries.map((e) => new RegExp(e.split('!')[1]!));
    for (const n of dial) assert.ok(res.some((re) => re.test(n)), `${region} ${n}`);
    assert.not.ok(res.some((re) => re.test('0033145678901')), `${region}: international waits`);
  }
  assert.is(snomDialPlan('+1x'), '!^(\\+1[0-9])$!sip:\\1@\\d!d');
});

// ---- resolved profile, accounts ---------------------------------------------------------------

test('resolveProfile: defaults from the locale, own values kept, bad ones replaced', () => {
  const ctx = realisticContext('yealink', 'T54W', '805ec0123401');
  ctx.network = {};
  let p = resolveProfile(ctx);
  assert.is(p.locale.tag, 'fr-FR');
  assert.is(p.digitMap, REGION_DIGIT_MAPS.FR);
  assert.ok(p.digitMapIsDefault);
  assert.equal(p.codecs, ['PCMA', 'PCMU', 'G722', 'G729', 'telephone-event']);
  assert.is(p.registrationExpirySeconds, 3600);
  assert.equal(p.featureCodes, {});
  ctx.network = {
    locale: 'en-US',
    digitMap: ' 1xx | 2T ',
    codecs: ['G722', 'G722', 'BOGUS' as never, 'PCMA'],
    registrationExpirySeconds: 5,
    featureCodes: { directedPickup: ' *8 ', groupPickup: '   ' },
  };
  p = resolveProfile(ctx);
  assert.is(p.digitMap, '1xx|2T');
  assert.equal(p.codecs, ['G722', 'PCMA']);
  assert.is(p.registrationExpirySeconds, 60);
  assert.equal(p.featureCodes, { directedPickup: '*8' });
  ctx.network = { locale: 'de-DE', digitMap: 'x\ny', registrationExpirySeconds: 1e9 };
  p = resolveProfile(ctx);
  assert.is(p.digitMap, REGION_DIGIT_MAPS.DE);
  assert.is(p.registrationExpirySeconds, 86400);
  assert.equal(p.codecs[0], 'PCMA');
});

test('accounts: user first, extra lines in order, duplicates once, model limit, line keys name their account', () => {
  const ctx = realisticContext('yealink', 'T54W', '805ec0123401');
  const extra = (n: string) => ({ number: n, name: n, sipAuthName: n, sipPassword: 'pw', voicemailNumber: '123' });
  ctx.extraLines = [extra('0100000002'), extra('0145678901'), extra('0100000003'), extra('0100000002')];
  const { accounts, dropped } = phoneAccounts(ctx, 2);
  assert.equal(accounts.map((a) => a.number), ['0145678901', '0100000002']);
  assert.equal(dropped.map((a) => a.number), ['0100000003']);
  assert.is(lineKeyAccount({ position: 1, type: 'line', value: '0100000002' }, accounts), 2);
  assert.is(lineKeyAccount({ position: 1, type: 'line', value: '0999999999' }, accounts), 1);
  assert.is(lineKeyAccount({ position: 1, type: 'line' }, accounts), 1);
  assert.is(lineKeyAccount({ position: 1, type: 'blf', value: '0100000002' }, accounts), 1);
  delete ctx.user;
  assert.equal(phoneAccounts(ctx, 16), { accounts: [], dropped: [] });
});

test('splitBaseUrl', () => {
  assert.equal(splitBaseUrl('https://prov.example/p/tok/'), { scheme: 'https', hostAndPath: 'prov.example/p/tok/' });
  assert.equal(splitBaseUrl('HTTP://[2001:db8::1]:8080/'), { scheme: 'http', hostAndPath: '[2001:db8::1]:8080/' });
});

test.run();
