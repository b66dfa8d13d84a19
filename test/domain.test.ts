import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseMac, normalizeMac, formatMac } from '../server/domain/mac.ts';
import { normalizePhoneNumber } from '../server/domain/numbers.ts';
import { textProblem } from '../server/domain/text.ts';
import { DomainError } from '../server/domain/errors.ts';
import { mergeProfiles } from '../server/service/network.ts';

test('MAC spellings normalise to one form', () => {
  for (const s of ['80:5E:C0:D5:7D:72', '80-5e-c0-d5-7d-72', '805ec0d57d72', ' 805EC0D57D72 ', '80 5E C0 D5 7D 72', '805e.c0d5.7d72']) {
    assert.is(parseMac(s), '805ec0d57d72', s);
  }
  assert.is(formatMac('805ec0d57d72'), '80:5e:c0:d5:7d:72');
});

test('bad MACs are refused with the field named', () => {
  for (const s of ['805ec0d57d7', '805ec0d57d7g', '80:5e:c0-d5:7d:72', '80:5e:c0:d5:7d:72:00', '', '000000000000', 'ff:ff:ff:ff:ff:ff', '80 5e c0:d5 7d 72', '80  5e c0 d5 7d 72', '805ec0.d57d72', '80.5e.c0.d5.7d.72']) {
    assert.is(parseMac(s), null, s);
  }
  try {
    normalizeMac('nope', 'mac');
    assert.unreachable();
  } catch (e) {
    assert.instance(e, DomainError);
    assert.equal((e as DomainError).code, 'validation_failed');
    assert.equal((e as DomainError).details, [{ field: 'mac', key: 'validation.mac', params: { value: 'nope' } }]);
  }
});

test('phone numbers are normalised for phone books', () => {
  assert.is(normalizePhoneNumber('+33 6 12 34 56 78'), '0612345678');
  assert.is(normalizePhoneNumber('06.12.34.56.78'), '0612345678');
  assert.is(normalizePhoneNumber('0033 1 45 67 89 01'), '0145678901');
  assert.is(normalizePhoneNumber('+1 (212) 555-0100'), '+12125550100');
  assert.is(normalizePhoneNumber('hello'), null);
});

test('text with control characters is refused, non-Latin text is fine', () => {
  assert.is(textProblem('a\nb'), 'validation.control_characters');
  assert.is(textProblem('a\u0000b'), 'validation.control_characters');
  assert.is(textProblem('a\u2028b'), 'validation.control_characters');
  assert.is(textProblem('a\ud800b'), 'validation.not_unicode');
  assert.is(textProblem('Zoë Ωμέγα 山田 <&"=#>'), null);
});

test('device network overrides win field by field', () => {
  const merged = mergeProfiles(
    { vlanId: 20, ntpServers: ['a'], timezone: 'Europe/Paris', firmware: { T54W: 'http://x/a.rom', D785: 'http://x/d.bin' } },
    { vlanId: 30, firmware: { T54W: 'http://x/b.rom' } },
  );
  assert.equal(merged, { vlanId: 30, ntpServers: ['a'], timezone: 'Europe/Paris', firmware: { T54W: 'http://x/b.rom', D785: 'http://x/d.bin' } });
});

test.run();
