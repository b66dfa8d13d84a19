// Function keys → `linekey.N.*` and `expansion_module.X.key.Y.*` (yealink.md §4; [YL-AG] T5 guide
// "BLF Key Configuration"; [FPBX] app_config.php type list; Wazo uses the same codes):
//   type 15 = Line, 16 = BLF, 13 = Speed Dial, 0 = N/A (unassigned)
//   line = account index, 1-based on V8x ("1-Line 1 … 16-Line 16"): a line key shows the account its
//   value names (vendors/common/profile.ts), the other keys use account 1
//   extension / pickup_value = the platform's directed pickup code dialled before the BLF target when
//   it rings ([FPBX] t54w {$mac}.cfg l.972–974 write both; deployment.md §3). No code in the profile,
//   no pickup: the fields stay blank rather than guessing a code the platform may not have.
// Every key the phone has is written, unused ones as type 0 with blank fields, so that a key
// removed in cadran also disappears from the phone (a missing line would leave the old value).
// Expansion-module keys follow the phone's own keys (position lineKeys+1 = module 1 key 1) and are
// reset only on the modules that carry at least one key: resetting 3 × 60 unused keys on every
// phone would triple the file for nothing (a module whose last key is removed keeps it).
import type { RenderAccount, RenderKey } from '../types.ts';
import { cfgValue } from '../common/escape.ts';
import { lineKeyAccount } from '../common/profile.ts';
import type { YealinkModel } from './models.ts';

export interface KeyOptions {
  /** The platform's directed pickup code, '' when the profile has none. */
  pickupCode: string;
  accounts: readonly RenderAccount[];
}

const TYPE = { none: 0, line: 15, blf: 16, speeddial: 13 } as const;

export interface KeyLine {
  /** `linekey.4` or `expansion_module.1.key.5` */
  prefix: string;
  type: number;
  line: number;
  value: string;
  label: string;
  extension: string;
  pickupValue: string;
}

function keyLine(prefix: string, key: RenderKey | undefined, opts: KeyOptions): KeyLine {
  if (!key) return { prefix, type: TYPE.none, line: 1, value: '', label: '', extension: '', pickupValue: '' };
  const value = key.type === 'line' ? '' : cfgValue(key.value ?? '');
  const blf = key.type === 'blf';
  return {
    prefix,
    type: TYPE[key.type],
    line: lineKeyAccount(key, opts.accounts),
    value,
    // BLF and speed dial show their number when no label was given; a line key shows the
    // account label by itself.
    label: cfgValue(key.label ?? '') || value,
    extension: blf ? cfgValue(opts.pickupCode) : '',
    pickupValue: blf ? cfgValue(opts.pickupCode) : '',
  };
}

/** Key lines for the phone's keys, then those of the expansion modules in use. Keys past the
 *  model's capacity are dropped (the core refuses them at save time). */
export function planKeys(
  keys: RenderKey[],
  model: YealinkModel | undefined,
  opts: KeyOptions,
): { lineKeys: KeyLine[]; expansionKeys: KeyLine[] } {
  const byPos = new Map(keys.map((k) => [k.position, k]));
  const count = model?.lineKeys ?? Math.max(0, ...keys.map((k) => k.position));
  const lineKeys: KeyLine[] = [];
  for (let p = 1; p <= count; p++) lineKeys.push(keyLine(`linekey.${p}`, byPos.get(p), opts));
  const expansionKeys: KeyLine[] = [];
  const exp = model?.expansion;
  if (model && exp) {
    const usedModules = new Set<number>();
    for (const k of keys) {
      const i = k.position - model.lineKeys - 1;
      if (i >= 0 && i < exp.modules * exp.keysPerModule) usedModules.add(Math.floor(i / exp.keysPerModule) + 1);
    }
    for (const mod of [...usedModules].sort((a, b) => a - b)) {
      for (let y = 1; y <= exp.keysPerModule; y++) {
        const pos = model.lineKeys + (mod - 1) * exp.keysPerModule + y;
        expansionKeys.push(keyLine(`expansion_module.${mod}.key.${y}`, byPos.get(pos), opts));
      }
    }
  }
  return { lineKeys, expansionKeys };
}
