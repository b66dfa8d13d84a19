// MAC addresses: accepted as `80:5E:C0:D5:7D:72`, `80-5e-c0-d5-7d-72`, `805ec0d57d72`, with spaces
// as printed on some phones' labels (`80 5E C0 D5 7D 72`) or in Cisco's dotted form
// (`805e.c0d5.7d72`), any case; stored and compared as 12 lower-case hex digits.
import { invalid } from './errors.ts';
import { shownValue } from './messages.ts';

const SPELLINGS = [
  /^[0-9a-f]{12}$/i,
  /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i,
  /^([0-9a-f]{2}-){5}[0-9a-f]{2}$/i,
  /^([0-9a-f]{2} ){5}[0-9a-f]{2}$/i,
  /^([0-9a-f]{4}\.){2}[0-9a-f]{4}$/i,
];

/** The normalized form, or null when `raw` is not a MAC in an accepted spelling. */
export function parseMac(raw: string): string | null {
  const s = raw.trim();
  if (!SPELLINGS.some((re) => re.test(s))) return null;
  const mac = s.replace(/[:\-. ]/g, '').toLowerCase();
  // All zeros / broadcast are placeholders, never a phone.
  if (mac === '000000000000' || mac === 'ffffffffffff') return null;
  return mac;
}

export function normalizeMac(raw: unknown, field = 'mac'): string {
  const mac = typeof raw === 'string' ? parseMac(raw) : null;
  if (!mac) {
    throw invalid(field, 'validation.mac', { value: shownValue(raw) });
  }
  return mac;
}

/** `805ec0d57d72` → `80:5e:c0:d5:7d:72` for people. */
export function formatMac(mac: string): string {
  return mac.match(/../g)!.join(':');
}

export const ouiOf = (mac: string): string => mac.slice(0, 6);
