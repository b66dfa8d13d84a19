// The file names a Snom phone asks for, after the Wazo layout (snom.md §1; wazo-provd-plugins
// plugins/wazo_snom/common/common.py `_dev_specific_filenames`, common_v10/templates/common/
// snom-model.htm.tpl.btpl, other/base.htm.tpl): relative to `setting_server`, the phone fetches
//   snom<MODEL>.htm             per-model <setting-files> container
//   snom<MODEL>-<MAC>.htm       per-device <setting-files> container
// and then the files those list:
//   <MAC>.xml                   <settings>: <phone-settings> + <functionKeys>
//   <MAC>-phonebook.xml         <tbook complete="true">, the user's contacts — a directory file "as an
//                               individual XML file whose URL is listed inside <setting-files>"
//                               (service.snom.com "<tbook>,<phone-book> tag"); kept apart so that the
//                               settings file stays a template and the book is built as data.
//   snom<MODEL>-firmware.xml    <firmware-settings>, fetched only through `firmware_status` ("must not be
//                               specified in any container setting file", service.snom.com Firmware page).
// MAC in upper-case hex (Wazo `format_mac(..., uppercase=True)`, sensitive-file regex `^[0-9A-F]{12}\.xml`);
// requests are matched in any case (TFTP clients and proxies may fold case).

export type SnomFile =
  | { kind: 'model-list'; model: string }
  | { kind: 'device-list'; model: string; mac: string }
  | { kind: 'settings'; mac: string }
  | { kind: 'phonebook'; mac: string }
  | { kind: 'firmware'; model: string };

const MODEL = '([A-Za-z0-9]{1,16})';
const MAC = '([0-9A-Fa-f]{12})';
const PATTERNS: [RegExp, (m: RegExpMatchArray) => SnomFile | null][] = [
  [new RegExp(`^snom${MODEL}\\.htm$`, 'i'), (m) => ({ kind: 'model-list', model: m[1]!.toUpperCase() })],
  [
    new RegExp(`^snom${MODEL}-${MAC}\\.htm$`, 'i'),
    (m) => withMac(m[2]!, (mac) => ({ kind: 'device-list', model: m[1]!.toUpperCase(), mac })),
  ],
  [new RegExp(`^${MAC}\\.xml$`, 'i'), (m) => withMac(m[1]!, (mac) => ({ kind: 'settings', mac }))],
  [new RegExp(`^${MAC}-phonebook\\.xml$`, 'i'), (m) => withMac(m[1]!, (mac) => ({ kind: 'phonebook', mac }))],
  [new RegExp(`^snom${MODEL}-firmware\\.xml$`, 'i'), (m) => ({ kind: 'firmware', model: m[1]!.toUpperCase() })],
];

function withMac(raw: string, f: (mac: string) => SnomFile): SnomFile | null {
  const mac = snomMac(raw);
  return mac ? f(mac) : null;
}

/** 12 hex digits (any case, no separators) → lower-case MAC; placeholders (all 0 / all F) are not phones. */
export function snomMac(raw: string): string | null {
  if (!/^[0-9a-f]{12}$/i.test(raw)) return null;
  const mac = raw.toLowerCase();
  return mac === '000000000000' || mac === 'ffffffffffff' ? null : mac;
}

/** What a requested file name is, or null when it is not a Snom file name. */
export function parseFileName(name: string): SnomFile | null {
  if (name.length > 64) return null;
  for (const [re, build] of PATTERNS) {
    const m = name.match(re);
    if (m) return build(m);
  }
  return null;
}

const upperMac = (mac: string): string => mac.toUpperCase();

export const fileNames = {
  modelList: (model: string): string => `snom${model.toUpperCase()}.htm`,
  deviceList: (model: string, mac: string): string => `snom${model.toUpperCase()}-${upperMac(mac)}.htm`,
  settings: (mac: string): string => `${upperMac(mac)}.xml`,
  phonebook: (mac: string): string => `${upperMac(mac)}-phonebook.xml`,
  firmware: (model: string): string => `snom${model.toUpperCase()}-firmware.xml`,
};

/** Boot order: the two containers, then the files the per-device container lists. The firmware file is
 *  not listed: the phone asks for it only when `firmware_status` points to it (a firmware URL is set). */
export function bootFileNames(mac: string, model: string): string[] {
  return [fileNames.modelList(model), fileNames.deviceList(model, mac), fileNames.settings(mac), fileNames.phonebook(mac)];
}
