// Yealink desk phones cadran provisions, with their documented capacities.
// Sources (shared/vendors/yealink.md):
// - lineKeys: Yealink's own template comment in `{$mac}.cfg` ([YL-TPL], §4 "Line-key counts per
//   model": T48U/T57W/T48S 1–29; T53W/T54W/T54S/T46S/T46U 1–27; T42S/T41S 1–15; T52S/T43U 1–21)
//   cross-checked with Wazo `_NB_LINEKEY` ([WAZO] v86/common.py: T33G 12, T31 2, T53/T53W 21,
//   T58W 27).
// - sipAccounts: [YL-TPL] comment, Wazo `_NB_SIP_ACCOUNTS` agrees (§3 "Max X per model": 16 for
//   T5xW/T54S/T48S/T46S/T46U/T48U, 12 for T52S/T42S/T43U/T53/T53W, 6 for T41S). T31P/T31G (2) and
//   T33G (4) are not in those tables: they come from the Yealink T31P/T33G datasheets.
// - expansion: [YL-TPL] comment and Wazo `_expmod_by_model` (§4 "Expansion modules": T5xW/T54S/
//   T52S/T43U/T46U/T48U up to 3 × 60 keys (EXP50/EXP43), T48S/T46S up to 6 × 40 (EXP40)).
// - commonCode: the `y0000000000XX.cfg` code (§1 table: FusionPBX directory listing and Wazo
//   COMMON_FILES agree).
//
// Where the two line-key sources disagree we take the smaller count, on purpose: a key refused
// at save time is a visible, explained error, while a key configured beyond what the phone has is
// silently ignored by the phone. So:
// - T43U = 15: Wazo's per-model table says 15, Yealink's grouped template comment says 21
//   (yealink.md "Disagreements"). Wazo's table is per model, the comment lumps models together.
// - T53/T53W = 21: Wazo says 21; the same grouped comment lists T53W among the 27-key models.
import type { ModelInfo } from '../types.ts';

export interface YealinkModel extends ModelInfo {
  /** Three-digit code of the model's common file `y000000000<code>.cfg`. */
  commonCode: string;
}

const EXP50 = { modules: 3, keysPerModule: 60 } as const;
const EXP40 = { modules: 6, keysPerModule: 40 } as const;

export const YEALINK_MODELS: readonly YealinkModel[] = [
  { model: 'T31P', lineKeys: 2, sipAccounts: 2, commonCode: '123', notes: 'T3x firmware 124.x' },
  { model: 'T31G', lineKeys: 2, sipAccounts: 2, commonCode: '123', notes: 'T3x firmware 124.x' },
  { model: 'T33G', lineKeys: 12, sipAccounts: 4, commonCode: '124', notes: 'T3x firmware 124.x' },
  { model: 'T41S', lineKeys: 15, sipAccounts: 6, commonCode: '068', notes: 'T4xS firmware 66.x' },
  { model: 'T42S', lineKeys: 15, sipAccounts: 12, commonCode: '067', notes: 'T4xS firmware 66.x' },
  { model: 'T46S', lineKeys: 27, sipAccounts: 16, expansion: EXP40, commonCode: '066', notes: 'T4xS firmware 66.x' },
  { model: 'T48S', lineKeys: 29, sipAccounts: 16, expansion: EXP40, commonCode: '065', notes: 'T4xS firmware 66.x' },
  {
    model: 'T43U',
    lineKeys: 15,
    sipAccounts: 12,
    expansion: EXP50,
    commonCode: '107',
    notes: 'T4xU firmware 108.x; 15 line keys per Wazo (the Yealink template comment says 21)',
  },
  { model: 'T46U', lineKeys: 27, sipAccounts: 16, expansion: EXP50, commonCode: '108', notes: 'T4xU firmware 108.x' },
  { model: 'T48U', lineKeys: 29, sipAccounts: 16, expansion: EXP50, commonCode: '109', notes: 'T4xU firmware 108.x' },
  { model: 'T52S', lineKeys: 21, sipAccounts: 12, expansion: EXP50, commonCode: '074' },
  { model: 'T54S', lineKeys: 27, sipAccounts: 16, expansion: EXP50, commonCode: '070' },
  { model: 'T53', lineKeys: 21, sipAccounts: 12, expansion: EXP50, commonCode: '095', notes: 'T5xW firmware 96.x' },
  { model: 'T53W', lineKeys: 21, sipAccounts: 12, expansion: EXP50, commonCode: '095', notes: 'T5xW firmware 96.x' },
  { model: 'T54W', lineKeys: 27, sipAccounts: 16, expansion: EXP50, commonCode: '096', notes: 'T5xW firmware 96.x' },
  { model: 'T57W', lineKeys: 29, sipAccounts: 16, expansion: EXP50, commonCode: '097', notes: 'T5xW firmware 96.x' },
  { model: 'T58W', lineKeys: 27, sipAccounts: 16, expansion: EXP50, commonCode: '150' },
];

const BY_NAME = new Map(YEALINK_MODELS.map((m) => [m.model, m]));

/** `T54W`, `t54w`, `SIP-T54W`, `T54 W` → the model entry. */
export function findYealinkModel(name: string): YealinkModel | undefined {
  const n = name.toUpperCase().replace(/\s+/g, '').replace(/^SIP-?/, '');
  return BY_NAME.get(n);
}

/** The models sharing the common file of this code (several for 095, 123). */
export function modelsForCode(code: string): YealinkModel[] {
  return YEALINK_MODELS.filter((m) => m.commonCode === code);
}

export function commonFileName(model: YealinkModel): string {
  return `y000000000${model.commonCode}.cfg`;
}
