// Poly VVX model table. Sources (see /work/shared/vendors/polycom.md):
// - line keys and expansion modules: wazo-platform/wazo-provd-plugins
//   plugins/wazo_polycom/common/common.py `_NB_FKEY` (VVX101/150/201 2, VVX250 4, VVX300/301/310/311/350 6,
//   VVX400/401/410/411/450/500/501 12, VVX600/601 16; `_EXPANSION = 3 * 40` added for the models that take
//   expansion modules) — polycom.md §5.
// - split firmware image part numbers (`<part>.sip.ld`): mjmunger/PolyPyTools test fixtures — polycom.md §1.
// - SIP accounts: cadran provisions one registration; the count below follows the line keys (a VVX can
//   give each line key its own registration, reg.x up to the line-key count per polycom.md §5 `lineKey.x.index`).
//   Not checked against each model's data sheet.
import type { ModelInfo } from '../types.ts';

export interface PolycomModel extends ModelInfo {
  /** Part number of the split firmware image, `<part>.sip.ld` (polycom.md §1). */
  firmwarePart: string;
}

const EM = { modules: 3, keysPerModule: 40 } as const;

function model(name: string, lineKeys: number, firmwarePart: string, expansion: boolean): PolycomModel {
  return {
    model: name,
    lineKeys,
    sipAccounts: lineKeys,
    ...(expansion ? { expansion: { ...EM } } : {}),
    firmwarePart,
  };
}

export const POLYCOM_MODELS: readonly PolycomModel[] = [
  model('VVX101', 2, '3111-40250-001', false),
  model('VVX150', 2, '3111-48810-001', false),
  model('VVX201', 2, '3111-40450-001', false),
  model('VVX250', 4, '3111-48820-001', false),
  model('VVX300', 6, '3111-46135-002', true),
  model('VVX301', 6, '3111-48300-001', true),
  model('VVX310', 6, '3111-46161-001', true),
  model('VVX311', 6, '3111-48350-001', true),
  model('VVX350', 6, '3111-48830-001', false),
  model('VVX400', 12, '3111-46157-002', true),
  model('VVX401', 12, '3111-48400-001', true),
  model('VVX410', 12, '3111-46162-001', true),
  model('VVX411', 12, '3111-48450-001', true),
  model('VVX450', 12, '3111-48840-001', true),
  model('VVX500', 12, '3111-44500-001', true),
  model('VVX501', 12, '3111-48500-001', true),
  model('VVX600', 16, '3111-44600-001', true),
  model('VVX601', 16, '3111-48600-001', true),
  model('VVX1500', 6, '2345-17960-001', false),
];

const BY_NAME = new Map(POLYCOM_MODELS.map((m) => [m.model, m]));

/** The model entry for `VVX450` (case and spaces/underscores ignored: `vvx_450` works too). */
export function findModel(name: string): PolycomModel | undefined {
  return BY_NAME.get(name.toUpperCase().replace(/[\s_-]/g, ''));
}

/**
 * Highest line-key position the phone can carry: its own keys plus every expansion module it accepts.
 * lineKey.x numbering runs on from the phone's keys onto the modules (polycom.md §5, Wazo adds
 * the 3×40 module keys to the same `_NB_FKEY` count).
 */
export function maxKeyPositions(m: ModelInfo): number {
  return m.lineKeys + (m.expansion ? m.expansion.modules * m.expansion.keysPerModule : 0);
}
