// Byte-limited text for the VVX contact directory: fn, ln and lb hold at most 40 bytes of UTF-8
// (polycom.md §8). Cutting happens between user-perceived characters (grapheme clusters), so
// neither a UTF-8 sequence, a surrogate pair, an accent or an emoji sequence is ever split.
import { cleanText } from '../common/escape.ts';

const encoder = new TextEncoder();
const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

export const utf8Length = (s: string): number => encoder.encode(s).length;

/** `s` (cleaned of control characters) cut to at most `maxBytes` bytes of UTF-8, on a character boundary. */
export function truncateUtf8(s: string, maxBytes: number): string {
  const clean = cleanText(s);
  if (utf8Length(clean) <= maxBytes) return clean;
  let out = '';
  let used = 0;
  for (const { segment } of segmenter.segment(clean)) {
    const n = utf8Length(segment);
    if (used + n > maxBytes) break;
    out += segment;
    used += n;
  }
  return out;
}

const PHONE_NUMBER = /^[+0-9*#][0-9 .\-()/*#]*$/;

/**
 * What the phone dials for a stored number: the text cleaned of control characters and trimmed;
 * a plain phone number also loses its visual separators (`+33 6 12-34.56 78` → `+33612345678`),
 * because the VVX dials a directory `ct` exactly as written. Anything else (a SIP URI, letters)
 * is kept as typed.
 */
export function dialString(v: string): string {
  const clean = cleanText(v).trim();
  return PHONE_NUMBER.test(clean) ? clean.replace(/[ .\-()/]/g, '') : clean;
}

/**
 * A value for xmlbuilder2 (`txt()` or an attribute). xmlbuilder2 4 leaves an `&` that already looks
 * like an entity (`&amp;`, `&bogus;`, `&#65;`) unescaped (constants.js `nonEntityAmpersandRegex`),
 * so the text `&amp;` would read back as `&`, and `&bogus;` would make the file invalid. Escaping
 * every `&` first leaves only `&amp;` sequences, which it then writes as they are.
 */
export function forXmlBuilder(v: string): string {
  return cleanText(v).replace(/&/g, '&amp;');
}
