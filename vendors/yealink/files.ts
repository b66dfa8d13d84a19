// File names of the Yealink boot sequence (yealink.md §1, [YL-AG] "Downloading Boot, Configuration
// and Resource Files"): `<mac>.boot`, then `y000000000000.boot`, else the common file
// `y0000000000XX.cfg` followed by `<mac>.cfg` (lower-case hex). cadran serves the latter pair
// (no boot file: a 404 on both boot files makes the phone use that sequence) plus the remote
// phonebook `<mac>-contacts.xml`, whose URL the MAC file gives, and the user's blacklist as a local
// contact file `<mac>-blacklist.xml` (features.ts; not `<mac>-contact.xml`, the name of the phone's own
// contact backup, [YL-AG] T54S p.253). `<mac>-local.cfg` (the phone's own
// UI changes, uploaded only when custom sync is on) and the boot files are recognised, not served.

export type YealinkFile =
  | { kind: 'common'; code: string }
  | { kind: 'device'; mac: string }
  | { kind: 'phonebook'; mac: string }
  | { kind: 'blacklist'; mac: string }
  | { kind: 'local'; mac: string }
  | { kind: 'macBoot'; mac: string }
  | { kind: 'commonBoot' };

export const PHONEBOOK_SUFFIX = '-contacts.xml';

const PATTERNS: [RegExp, (m: RegExpExecArray) => YealinkFile][] = [
  [/^y000000000(\d{3})\.cfg$/, (m) => ({ kind: 'common', code: m[1]! })],
  [/^y000000000000\.boot$/, () => ({ kind: 'commonBoot' })],
  [/^([0-9a-f]{12})\.cfg$/, (m) => ({ kind: 'device', mac: m[1]! })],
  [/^([0-9a-f]{12})-contacts\.xml$/, (m) => ({ kind: 'phonebook', mac: m[1]! })],
  [/^([0-9a-f]{12})-blacklist\.xml$/, (m) => ({ kind: 'blacklist', mac: m[1]! })],
  [/^([0-9a-f]{12})-local\.cfg$/, (m) => ({ kind: 'local', mac: m[1]! })],
  [/^([0-9a-f]{12})\.boot$/, (m) => ({ kind: 'macBoot', mac: m[1]! })],
];

/** What a requested name is, or null. Yealink phones ask for lower-case names; upper-case hex is
 *  accepted too (some TFTP servers and people type it), never mixed with other characters. */
export function parseYealinkFile(file: string): YealinkFile | null {
  if (file.length > 40) return null;
  const name = /^[0-9A-Fa-f]{12}[-.]/.test(file) ? file.slice(0, 12).toLowerCase() + file.slice(12) : file;
  for (const [re, make] of PATTERNS) {
    const m = re.exec(name);
    if (m) return make(m);
  }
  return null;
}

export const deviceFileName = (mac: string): string => `${mac.toLowerCase()}.cfg`;
export const phonebookFileName = (mac: string): string => `${mac.toLowerCase()}${PHONEBOOK_SUFFIX}`;
export const blacklistFileName = (mac: string): string => `${mac.toLowerCase()}-blacklist.xml`;
