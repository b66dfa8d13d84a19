// Snom desk-phone model table (firmware 10.x). Sources (see /work/shared/vendors/snom.md §4):
// - SIP identities: FusionPBX resources/templates/provision/snom/<MODEL>/{$mac}.xml stop their
//   `user_*` loop at 4 identities on D315, 6 on D717 and 12 on the others; snom.md §3 "up to 12 on D7xx/D3xx".
// - Function keys: no vendor table was retrievable (snom.md §4 "Treat counts as unverified"). The built-in
//   counts below come from FusionPBX's per-model `maxKeys` loop limits, which count 3 expansion modules of
//   18 keys (D785 77 → 24 + 3 × 18, D735 → 32, D385/D345 → 48, D765 → 16, D725 → 18, D375 → 12), i.e. the
//   SmartLabel keys over all pages (D785: 12 keys × 2 pages, D735: 8 × 4, D385: 12 × 4).
//   UNCERTAIN: D315 (FusionPBX limit 58 → 4 or 5 built-in; we take the 4 LED keys of the D3x5 design),
//   D717 (FusionPBX limit 57 looks copied from D715; we take 18 = 6 SmartLabel keys × 3 pages, not verified
//   against a data sheet), D865 (FusionPBX limit copied from D785; we take 40 SmartLabel keys, not verified).
//   A count that is too small only refuses keys at save time; a count too large would address keys the
//   phone does not have, so when in doubt the smaller number was kept.
// - Expansion modules: D3 module for the D3xx family, D7/D7C for D7xx/D8xx, up to 3 daisy-chained modules
//   of 18 keys each, numbered after the phone's own keys ([SN-MAN] D7/D7C manuals: "fkey idx depends on the
//   number of function keys on the phone, the number of expansion modules connected … and the position of
//   the module in the daisy chain"; FusionPBX limits above imply 3 × 18).
// - File set (all models): snom<MODEL>.htm, snom<MODEL>-<MAC>.htm, <MAC>.xml, <MAC>-phonebook.xml and
//   snom<MODEL>-firmware.xml — see files.ts.
import type { ModelInfo } from '../types.ts';

const MODULES_3X18 = { modules: 3, keysPerModule: 18 } as const;

// - Pages (keysPerPage): the SmartLabel models show a few keys at a time and page through the rest
//   (snom.md §4 "Key counts": the FusionPBX per-model limits over 3 modules of 18 give the built-in
//   counts; the SmartLabel pages as the table's notes below and the header of this file state them):
//   D785 12 keys × 2 pages, D735 8 × 4, D385 12 × 4. The other models' page layout was not found in
//   a source: they are drawn as one page (no keysPerPage).
function model(name: string, lineKeys: number, sipAccounts: number, notes?: string, keysPerPage?: number): ModelInfo {
  return { model: name, lineKeys, sipAccounts, ...(keysPerPage ? { keysPerPage } : {}), expansion: { ...MODULES_3X18 }, ...(notes ? { notes } : {}) };
}

export const SNOM_MODELS: readonly ModelInfo[] = [
  model('D315', 4, 4, 'key count unverified (FusionPBX limit suggests 4–5); D3 expansion modules'),
  model('D345', 48, 12, 'D3 expansion modules'),
  model('D375', 12, 12, 'D3 expansion modules'),
  model('D385', 48, 12, '12 SmartLabel keys × 4 pages; D3 expansion modules', 12),
  model('D717', 18, 6, 'key count unverified (6 SmartLabel keys × 3 pages assumed); D7 expansion modules'),
  model('D725', 18, 12, 'D7 expansion modules'),
  model('D735', 32, 12, '8 SmartLabel keys × 4 pages; D7 expansion modules', 8),
  model('D745', 32, 12, 'D7 expansion modules'),
  model('D765', 16, 12, 'D7 expansion modules'),
  model('D785', 24, 12, '12 SmartLabel keys × 2 pages; D7 expansion modules', 12),
  model('D865', 40, 12, 'key count unverified; D7 expansion modules'),
];

export function findSnomModel(name: string): ModelInfo | undefined {
  const wanted = name.toUpperCase();
  return SNOM_MODELS.find((m) => m.model === wanted);
}

/** Highest fkey position (1-based) the phone can address: its own keys plus every module it accepts. */
export function maxKeyPosition(m: ModelInfo): number {
  return m.lineKeys + (m.expansion ? m.expansion.modules * m.expansion.keysPerModule : 0);
}
