// Function keys → VVX flexible line-key assignment. Sources (polycom.md §5):
// - `lineKey.reassignment.enabled`, `lineKey.x.category` (Line | BLF | SpeedDial | Unassigned) and
//   `lineKey.x.index` (Line: registration; SpeedDial: the directory `sd` index; BLF: 0 = automatic,
//   the BLF keys take the attendant resource list in order) — [PC-AG] VVX EM addendum 4.1.6 p.37.
// - BLF through the statically configured attendant list `attendant.resourceList.x.*`, type `normal`:
//   pressing the key calls the user, or picks up its ringing call (one-touch directed call pickup,
//   Polycom Engineering Advisory 62475).
// - Speed dials: an entry of `<MAC>-directory.xml` with an `<sd>` index (polycom.md §8) and a
//   SpeedDial key pointing at it. Chosen over enhanced feature keys because it needs no macro
//   syntax (nothing to escape in a dial string) and the directory is served anyway.
import type { ModelInfo, RenderAccount, RenderKey } from '../types.ts';
import { cleanText } from '../common/escape.ts';
import { lineKeyAccount } from '../common/profile.ts';
import { maxKeyPositions } from './models.ts';
import { dialString, truncateUtf8 } from './text.ts';

export type LineKeyCategory = 'Line' | 'BLF' | 'SpeedDial' | 'Unassigned';

export interface KeyPlan {
  /** Empty when the user has no key: the phone keeps its default layout. */
  lineKeys: { position: number; category: LineKeyCategory; index: number }[];
  blf: { index: number; address: string; label: string }[];
  speedDials: { sd: number; number: string; label: string }[];
  /** Line keys of each registration (index 0 = reg.1), at least 1 each. */
  lineCounts: number[];
}

/** Directory `lb` limit, polycom.md §8. */
export const LABEL_BYTES = 40;

/** A line key shows the registration its value names (vendors/common/profile.ts), else reg.1. */
export function planKeys(keys: readonly RenderKey[], model: ModelInfo | undefined, accounts: readonly RenderAccount[] = []): KeyPlan {
  // Never more keys than the phone and its expansion modules have, whatever the store holds.
  const capacity = model ? maxKeyPositions(model) : 0;
  const byPosition = new Map<number, RenderKey>();
  for (const k of keys) {
    if (Number.isInteger(k.position) && k.position >= 1 && k.position <= capacity && !byPosition.has(k.position)) {
      byPosition.set(k.position, k);
    }
  }
  const regs = Math.max(1, accounts.length);
  const counts = new Array<number>(regs).fill(0);
  const plan: KeyPlan = { lineKeys: [], blf: [], speedDials: [], lineCounts: [] };
  if (byPosition.size === 0) return { ...plan, lineCounts: counts.map(() => 1) };
  const last = Math.max(...byPosition.keys(), Math.min(model?.lineKeys ?? 0, capacity));
  const sdByNumber = new Map<string, number>();
  for (let position = 1; position <= last; position++) {
    const k = byPosition.get(position);
    const value = k?.value === undefined ? '' : dialString(k.value);
    const label = k?.label === undefined ? '' : cleanText(k.label).trim();
    if (k?.type === 'line') {
      const reg = lineKeyAccount(k, accounts);
      plan.lineKeys.push({ position, category: 'Line', index: reg });
      counts[reg - 1]!++;
    } else if (k?.type === 'blf' && value) {
      plan.blf.push({ index: plan.blf.length + 1, address: value, label: label || value });
      plan.lineKeys.push({ position, category: 'BLF', index: 0 });
    } else if (k?.type === 'speeddial' && value) {
      // A directory `ct` must be unique (polycom.md §8): two keys to one number share one entry.
      let sd = sdByNumber.get(value);
      if (sd === undefined) {
        sd = plan.speedDials.length + 1;
        sdByNumber.set(value, sd);
        plan.speedDials.push({ sd, number: value, label: truncateUtf8(label || value, LABEL_BYTES) });
      }
      plan.lineKeys.push({ position, category: 'SpeedDial', index: sd });
    } else {
      plan.lineKeys.push({ position, category: 'Unassigned', index: 0 });
    }
  }
  plan.lineCounts = counts.map((c) => Math.max(1, c));
  return plan;
}
