import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parseXml, textOf } from './fixtures/xml.ts';
import {
  timezoneRule,
  transitionDate,
  actualTransitions,
  isValidTimezone,
  listTimezones,
  type DstTransition,
} from '../vendors/common/timezone.ts';
import { create } from 'xmlbuilder2';
import { cfgValue, cleanText, controlCharProblem, xmlAttr, xmlBuilderValue, xmlText } from '../vendors/common/escape.ts';
import { HandlebarsTemplates, defaultShippedTemplatesDir } from '../vendors/common/templates.ts';
import { hostileStrings, injectEverywhere } from './fixtures/injection.ts';
import { realisticContext } from './fixtures/render-context.ts';

// ---- time zones -------------------------------------------------------------------------------

const t = (month: number, week: DstTransition['week'], weekday: number, hour: number): DstTransition => ({
  month,
  week,
  weekday,
  hour,
  minute: 0,
});

const EXPECTED = {
  'Europe/Paris': { std: 60, start: t(3, 5, 0, 2), end: t(10, 5, 0, 3) },
  'America/New_York': { std: -300, start: t(3, 2, 0, 2), end: t(11, 1, 0, 2) },
  'Australia/Sydney': { std: 600, start: t(10, 1, 0, 2), end: t(4, 1, 0, 3) },
} as const;

for (const [zone, e] of Object.entries(EXPECTED)) {
  test(`timezone rule ${zone}`, () => {
    const r = timezoneRule(zone);
    assert.is(r.iana, zone);
    assert.is(r.standardOffsetMinutes, e.std);
    assert.ok(r.dst, 'has summer time');
    assert.equal(r.dst!.start, e.start);
    assert.equal(r.dst!.end, e.end);
    assert.is(r.dst!.saveMinutes, 60);
  });
  for (const year of [2026, 2027, 2031]) {
    test(`timezone rule ${zone} reproduces Intl's ${year} transitions`, () => {
      const r = timezoneRule(zone);
      const actual = actualTransitions(zone, year);
      assert.is(actual.length, 2);
      const start = actual.find((a) => a.toOffsetMinutes === e.std + 60)!;
      const end = actual.find((a) => a.toOffsetMinutes === e.std)!;
      assert.equal(transitionDate(r.dst!.start, year), { month: start.month, day: start.day });
      assert.equal(transitionDate(r.dst!.end, year), { month: end.month, day: end.day });
      assert.is(r.dst!.start.hour, start.hour);
      assert.is(r.dst!.end.hour, end.hour);
    });
  }
}

test('timezone: known dates (Paris 2027-10-31 is the last, not the 4th, Sunday)', () => {
  const paris = timezoneRule('Europe/Paris').dst!;
  assert.equal(transitionDate(paris.start, 2026), { month: 3, day: 29 });
  assert.equal(transitionDate(paris.end, 2026), { month: 10, day: 25 });
  assert.equal(transitionDate(paris.end, 2027), { month: 10, day: 31 });
  assert.equal(transitionDate(paris.start, 2031), { month: 3, day: 30 });
  assert.equal(transitionDate(paris.end, 2031), { month: 10, day: 26 });
  const ny = timezoneRule('America/New_York').dst!;
  assert.equal(transitionDate(ny.start, 2026), { month: 3, day: 8 });
  assert.equal(transitionDate(ny.end, 2026), { month: 11, day: 1 });
  assert.equal(transitionDate(ny.start, 2031), { month: 3, day: 9 });
  assert.equal(transitionDate(ny.end, 2031), { month: 11, day: 2 });
  const syd = timezoneRule('Australia/Sydney').dst!;
  assert.equal(transitionDate(syd.start, 2026), { month: 10, day: 4 });
  assert.equal(transitionDate(syd.end, 2026), { month: 4, day: 5 });
  assert.equal(transitionDate(syd.start, 2031), { month: 10, day: 5 });
  assert.equal(transitionDate(syd.end, 2031), { month: 4, day: 6 });
});

test('timezone: Kolkata is +5:30 without summer time', () => {
  const r = timezoneRule('Asia/Kolkata');
  assert.is(r.standardOffsetMinutes, 330);
  assert.is(r.dst, undefined);
  assert.is(actualTransitions('Asia/Kolkata', 2026).length, 0);
  assert.is(actualTransitions('Asia/Kolkata', 2031).length, 0);
});

test('timezone: validation', () => {
  assert.ok(isValidTimezone('Europe/Paris'));
  assert.ok(isValidTimezone('UTC'));
  assert.ok(isValidTimezone('America/Argentina/Buenos_Aires'));
  assert.not.ok(isValidTimezone('Europe/Pariss'));
  assert.not.ok(isValidTimezone('europe/paris'));
  assert.not.ok(isValidTimezone(''));
  assert.not.ok(isValidTimezone('../etc/passwd'));
  assert.throws(() => timezoneRule('Mars/Olympus'), /unknown time zone "Mars\/Olympus"/);
  assert.ok(listTimezones().includes('Asia/Kolkata'));
  const utc = timezoneRule('UTC');
  assert.is(utc.standardOffsetMinutes, 0);
  assert.is(utc.dst, undefined);
});

test('timezone: transitionDate week 5 vs 4', () => {
  // October 2027 has five Sundays (3, 10, 17, 24, 31).
  assert.equal(transitionDate(t(10, 4, 0, 3), 2027), { month: 10, day: 24 });
  assert.equal(transitionDate(t(10, 5, 0, 3), 2027), { month: 10, day: 31 });
  assert.equal(transitionDate(t(2, 5, 0, 3), 2028), { month: 2, day: 27 });
  assert.equal(transitionDate(t(3, 1, 6, 3), 2026), { month: 3, day: 7 });
});

// ---- escaping ---------------------------------------------------------------------------------

test('cfgValue: no value can end its line', () => {
  for (const s of hostileStrings) {
    const v = cfgValue(s);
    assert.not.match(v, /[\r\n\u0000-\u001f\u007f-\u009f\u2028\u2029]/, JSON.stringify(s));
  }
  assert.is(cfgValue('a\nb'), 'a b');
  assert.is(cfgValue(' x '), 'x');
  assert.is(cfgValue('Chloé 日本 = # ok'), 'Chloé 日本 = # ok');
  assert.is(cfgValue(46), '46');
  assert.is(cfgValue(true), '1');
  assert.throws(() => cfgValue(Number.NaN), /finite/);
});

test('controlCharProblem', () => {
  assert.is(controlCharProblem('Chloé Dupont'), null);
  assert.is(controlCharProblem('émoji 😀'), null);
  assert.ok(controlCharProblem('a\nb'));
  assert.ok(controlCharProblem('nul\u0000'));
  assert.ok(controlCharProblem('x\ud800'));
  // Twice in a row: the global regexps must not keep state between calls.
  assert.ok(controlCharProblem('a\tb'));
  assert.ok(controlCharProblem('a\tb'));
});

test('xmlText / xmlAttr round-trip through an XML parser', () => {
  for (const s of hostileStrings) {
    const xml = `<?xml version="1.0" encoding="UTF-8"?><r a="${xmlAttr(s)}" b='${xmlAttr(s)}'>${xmlText(s)}</r>`;
    const root = parseXml(xml);
    assert.is(root.attrs['a'], cleanText(s), JSON.stringify(s));
    assert.is(root.attrs['b'], cleanText(s));
    assert.is(textOf(root), cleanText(s));
    assert.not.ok(xmlText(s).includes(']]>'));
  }
});

// ---- templates --------------------------------------------------------------------------------

function tempDirs() {
  const root = mkdtempSync(join(tmpdir(), 'cadran-tpl-'));
  const shipped = join(root, 'shipped');
  const override = join(root, 'override');
  mkdirSync(join(shipped, 'acme'), { recursive: true });
  writeFileSync(join(shipped, 'acme', 'f.cfg.hbs'), 'shipped {{name}} & {{{name}}}\n');
  return { root, shipped, override };
}

test('xmlBuilderValue: xmlbuilder2 output parses back to the exact text', () => {
  for (const s of [...hostileStrings, '&amp; &lt; &#65; &#x41; &bogus;']) {
    const xml = create({ version: '1.0', encoding: 'UTF-8' })
      .ele('r', { a: xmlBuilderValue(s) })
      .txt(xmlBuilderValue(s))
      .end();
    const root = parseXml(xml);
    assert.is(root.attrs['a'], cleanText(s), JSON.stringify(s));
    assert.is(textOf(root), cleanText(s), JSON.stringify(s));
  }
});

test('strict test XML parser refuses malformed XML', () => {
  for (const bad of ['<a>&bogus;</a>', '<a><b></a>', '<a x="1" x="2"/>', '<a>&</a>', '<a x="<"/>', '<a>\u0000</a>', '<a/><b/>', '<a>]]></a>']) {
    assert.throws(() => parseXml(bad), undefined, bad);
  }
  assert.is(textOf(parseXml('<a>&amp;#x41; &#x41;&#233;</a>')), '&#x41; Aé');
});

test('templates: shipped template, noEscape', () => {
  const d = tempDirs();
  try {
    const tpl = new HandlebarsTemplates({ shippedDir: d.shipped, overrideDir: d.override });
    assert.is(tpl.render('acme', 'f.cfg.hbs', { name: '<a&"b>' }), 'shipped <a&"b> & <a&"b>\n');
    assert.is(tpl.generation(), 0);
  } finally {
    rmSync(d.root, { recursive: true, force: true });
  }
});

test('templates: override appears, changes, disappears → generation moves', async () => {
  const d = tempDirs();
  const wait = () => new Promise((r) => setTimeout(r, 1050));
  try {
    const tpl = new HandlebarsTemplates({ shippedDir: d.shipped, overrideDir: d.override });
    assert.is(tpl.render('acme', 'f.cfg.hbs', { name: 'x' }), 'shipped x & x\n');
    const g0 = tpl.generation();
    mkdirSync(join(d.override, 'acme'), { recursive: true });
    const file = join(d.override, 'acme', 'f.cfg.hbs');
    writeFileSync(file, 'override {{name}}\n');
    await wait();
    const g1 = tpl.generation();
    assert.ok(g1 > g0, 'generation increments when an override appears');
    assert.is(tpl.render('acme', 'f.cfg.hbs', { name: 'x' }), 'override x\n');
    assert.is(tpl.generation(), g1, 'stable while nothing changes');
    writeFileSync(file, 'override v2 {{name}}\n');
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    await wait();
    assert.is(tpl.render('acme', 'f.cfg.hbs', { name: 'x' }), 'override v2 x\n');
    const g2 = tpl.generation();
    assert.ok(g2 > g1, 'generation increments when the override changes');
    rmSync(file);
    await wait();
    assert.is(tpl.render('acme', 'f.cfg.hbs', { name: 'x' }), 'shipped x & x\n');
    assert.ok(tpl.generation() > g2, 'generation increments when the override disappears');
  } finally {
    rmSync(d.root, { recursive: true, force: true });
  }
});

test('templates: names are checked, missing and broken templates are clear errors', () => {
  const d = tempDirs();
  try {
    const tpl = new HandlebarsTemplates({ shippedDir: d.shipped, overrideDir: d.override });
    for (const [v, n] of [
      ['acme', '../f.cfg.hbs'],
      ['acme', 'a/b'],
      ['..', 'f.cfg.hbs'],
      ['ac/me', 'f'],
      ['acme', 'f..hbs'],
      ['acme', ''],
      ['Acme', 'f.cfg.hbs'],
    ]) {
      assert.throws(() => tpl.render(v!, n!, {}), /invalid template/);
    }
    assert.throws(() => tpl.render('acme', 'missing.hbs', {}), /template acme\/missing\.hbs not found/);
    mkdirSync(join(d.override, 'acme'), { recursive: true });
    writeFileSync(join(d.override, 'acme', 'bad.hbs'), 'x {{#if}} y');
    assert.throws(() => tpl.render('acme', 'bad.hbs', {}), /is invalid/);
  } finally {
    rmSync(d.root, { recursive: true, force: true });
  }
});

test('templates: default shipped dir is the repository templates/', () => {
  assert.match(defaultShippedTemplatesDir(), /templates\/?$/);
});

// ---- fixtures ---------------------------------------------------------------------------------

test('fixtures: realistic context and injection', () => {
  const ctx = realisticContext('yealink', 'T54W', '805ec0123401');
  assert.is(ctx.keys.filter((k) => k.type === 'line').length, 3);
  assert.is(ctx.keys.filter((k) => k.type === 'blf').length, 5);
  assert.is(ctx.keys.filter((k) => k.type === 'speeddial').length, 4);
  assert.is(ctx.contacts.length, 20);
  assert.ok(ctx.network.firmware!['T54W']);
  const bad = injectEverywhere(ctx, 'EVIL');
  assert.is(bad.user!.name, 'EVIL');
  assert.ok(bad.contacts.every((c) => c.name === 'EVIL'));
  assert.is(ctx.user!.name, 'Chloé Dupont-Lefèvre', 'original untouched');
});


// ---- firmware: one lookup for every vendor (vendors/common/firmware.ts, issue 16)
test('firmware: the resolved target wins over the map, for the device model only; each vendor writes it where it takes a URL', async () => {
  const { firmwareUrl, modelKey } = await import('../vendors/common/firmware.ts');
  const { vendorById } = await import('../vendors/index.ts');
  const templates = new HandlebarsTemplates({ shippedDir: defaultShippedTemplatesDir() });
  assert.is(modelKey('vvx_450'), 'VVX450');
  assert.is(modelKey('VVX 450'), 'VVX450');
  const cases = [
    { vendor: 'yealink', model: 'T54W', mac: '805ec0d57d72', file: '805ec0d57d72.cfg', url: 'http://fw.example/T54W-96.86.0.110.rom', expect: (u: string) => `static.firmware.url = ${u}` },
    { vendor: 'polycom', model: 'VVX450', mac: '0004f2a1b2c3', file: '0004f2a1b2c3.cfg', url: 'http://fw.example/vvx/3111-48840-001.sip.ld', expect: (u: string) => `APP_FILE_PATH="${u}"` },
    { vendor: 'snom', model: 'D785', mac: '000413922d24', file: 'snomD785-firmware.xml', url: 'http://fw.example/snomD785-10.1.54.13-SIP-r.bin', expect: (u: string) => `>${u}</firmware>` },
  ] as const;
  for (const c of cases) {
    const base = realisticContext(c.vendor, c.model, c.mac);
    const ctx = { ...base, firmware: { url: c.url, version: '1.2.3' } };
    assert.is(firmwareUrl(ctx), c.url, c.vendor);
    assert.is(firmwareUrl(ctx, 'T46S'), firmwareUrl(base, 'T46S'), `${c.vendor}: another model's file falls back to the map`);
    const out = vendorById(c.vendor)!.render(c.file, ctx, templates)!.body.toString('utf8');
    assert.match(out, c.expect(c.url), c.vendor);
    // Without a resolved target the profile's map is used, as before.
    const old = vendorById(c.vendor)!.render(c.file, base, templates);
    if (old) assert.not.match(old.body.toString('utf8'), c.url);
  }
});

test.run();
