// File names a VVX asks for, and how cadran names the files it lists in the master file.
// Sources: polycom.md §1 (master lookup `<MAC>.cfg` then `000000000000.cfg`, MAC upper or lower case),
// §2 (boot order; Wazo `_PATH_REGEX` names: `-phone.cfg`, `-license.cfg`, `-directory.xml`, logs).

/** The default master file every VVX falls back to (12 zeros). */
export const DEFAULT_MASTER = '000000000000.cfg';
/** Suffix of the per-phone parameter file cadran lists in CONFIG_FILES. */
export const PARAMS_SUFFIX = '-cadran.cfg';
/** Suffix of the contact directory (polycom.md §8). */
export const DIRECTORY_SUFFIX = '-directory.xml';

export type PolycomFile =
  | { kind: 'defaultMaster' }
  | { kind: 'phoneMaster'; mac: string }
  | { kind: 'params'; mac: string }
  | { kind: 'directory'; mac: string }
  /** A name only a VVX asks for, that cadran does not serve (uploads, licences, firmware, seed directory). */
  | { kind: 'vvxOnly'; mac?: string };

const MAC = '([0-9a-fA-F]{12})';
const SERVED: ReadonlyArray<[RegExp, 'phoneMaster' | 'params' | 'directory']> = [
  [new RegExp(`^${MAC}\\.cfg$`), 'phoneMaster'],
  [new RegExp(`^${MAC}${PARAMS_SUFFIX.replace('.', '\\.')}$`), 'params'],
  [new RegExp(`^${MAC}${DIRECTORY_SUFFIX.replace('.', '\\.')}$`), 'directory'],
];
// Files the phone fetches or uploads but cadran does not render (polycom.md §2).
const VVX_ONLY = new RegExp(`^${MAC}-(phone|web|license)\\.cfg$|^${MAC}-(boot|app)\\.log$`);
const VVX_ONLY_COMMON = /^(000000000000-license\.cfg|000000000000-directory\.xml|sip\.ld|[0-9]{4}-[0-9]{5}-[0-9]{3}\.sip\.ld)$/;

export function parseFileName(file: string): PolycomFile | null {
  if (file === DEFAULT_MASTER) return { kind: 'defaultMaster' };
  for (const [re, kind] of SERVED) {
    const m = re.exec(file);
    // 000000000000 is the default-file prefix, never a phone.
    if (m && m[1] !== '000000000000') return { kind, mac: m[1].toLowerCase() };
  }
  const other = VVX_ONLY.exec(file);
  if (other) return { kind: 'vvxOnly', mac: (other[1] ?? other[3]).toLowerCase() };
  if (VVX_ONLY_COMMON.test(file)) return { kind: 'vvxOnly' };
  return null;
}

export const phoneMasterName = (mac: string): string => `${mac}.cfg`;
export const paramsName = (mac: string): string => `${mac}${PARAMS_SUFFIX}`;
export const directoryName = (mac: string): string => `${mac}${DIRECTORY_SUFFIX}`;
