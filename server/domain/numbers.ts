// User numbers (the login) and dialable phone numbers.
import { z } from 'zod';

/** A licence number: exactly 10 digits, e.g. `0145678901`. */
export const userNumber = z.string().trim().regex(/^\d{10}$/, 'validation.user_number');

/** A dialable number: digits, optionally a leading `+`, and `*`/`#` for service codes; separators removed. */
export const dialable = z
  .string()
  .trim()
  .transform((v) => v.replace(/[\s.\-()/]/g, ''))
  .pipe(z.string().regex(/^\+?[0-9*#]{2,32}$/, 'validation.phone_number'));

/**
 * Normalise a French-style number for a phone book: `+33 1 45 67 89 01`, `01.45.67.89.01`,
 * `0033145678901` → `0145678901`; other international numbers keep their `+`. Returns null when
 * the value is not a phone number.
 */
export function normalizePhoneNumber(raw: string, countryPrefix = '33'): string | null {
  let v = raw.trim().replace(/[\s.\-()/\u00a0]/g, '');
  if (v.startsWith('00')) v = '+' + v.slice(2);
  if (v.startsWith(`+${countryPrefix}`)) v = '0' + v.slice(countryPrefix.length + 1).replace(/^0/, '');
  if (!/^\+?[0-9*#]{2,32}$/.test(v)) return null;
  return v;
}
