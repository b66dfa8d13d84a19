// A user's line settings the phones carry (issue 15): Ne Pas Déranger with priority callers,
// permanent forward, anonymous-call rejection and a blacklist. Numbers are normalised like
// contacts (`+33 1 45…` → `0145…`, other international numbers keep their `+`); a write names
// each offending field by a catalogue key.
import { z } from 'zod';
import { normalizePhoneNumber } from './numbers.ts';

export interface UserFeatures {
  dnd: { enabled: boolean; allowedCallers: string[] };
  forwardAlways: { enabled: boolean; target: string | null };
  rejectAnonymous: boolean;
  blacklist: string[];
}

/** Stored features: the settings plus a version that grows on every write (concurrent edits). */
export interface StoredFeatures extends UserFeatures {
  version: number;
  updatedAt: string | null;
}

/** Longest list cadran keeps, whatever the phone; each vendor's own limit is checked against the
 *  user's phones (server/service/features.ts) and reported by the vendor's checks. */
export const MAX_FEATURE_LIST = 100;

export const defaultFeatures = (): UserFeatures => ({
  dnd: { enabled: false, allowedCallers: [] },
  forwardAlways: { enabled: false, target: null },
  rejectAnonymous: false,
  blacklist: [],
});

/** A caller or forward number: digits (a leading `+` allowed), separators dropped, French
 *  international forms made national. No `*` or `#`: a phone compares it with a caller's number. */
export const featureNumber = z
  .string()
  .transform((v, ctx) => {
    const n = normalizePhoneNumber(v);
    if (n === null || !/^\+?[0-9]{2,32}$/.test(n)) {
      ctx.addIssue({ code: 'custom', message: 'validation.feature_number' });
      return z.NEVER;
    }
    return n;
  });

const numberList = z
  .array(featureNumber)
  .max(MAX_FEATURE_LIST)
  // The same number twice is one entry (as typed in two forms: `+33…` and `0…`).
  .transform((a) => [...new Set(a)]);

/** Input of PUT /users/{n}/features: every part optional (absent parts keep their stored value). */
export const featuresInput = z
  .object({
    dnd: z.object({ enabled: z.boolean().optional(), allowedCallers: numberList.optional() }).strict().optional(),
    forwardAlways: z.object({ enabled: z.boolean().optional(), target: featureNumber.nullable().optional() }).strict().optional(),
    rejectAnonymous: z.boolean().optional(),
    blacklist: numberList.optional(),
    /** The version the writer read: a write based on an older one is refused (409), not merged. */
    version: z.number().int().min(0).optional(),
  })
  .strict();
export type FeaturesInput = z.infer<typeof featuresInput>;

/** Apply a parsed input onto the current settings. */
export function mergeFeatures(cur: UserFeatures, input: FeaturesInput): UserFeatures {
  return {
    dnd: {
      enabled: input.dnd?.enabled ?? cur.dnd.enabled,
      allowedCallers: input.dnd?.allowedCallers ?? cur.dnd.allowedCallers,
    },
    forwardAlways: {
      enabled: input.forwardAlways?.enabled ?? cur.forwardAlways.enabled,
      target: input.forwardAlways?.target !== undefined ? input.forwardAlways.target : cur.forwardAlways.target,
    },
    rejectAnonymous: input.rejectAnonymous ?? cur.rejectAnonymous,
    blacklist: input.blacklist ?? cur.blacklist,
  };
}

/** Rules across fields: a forward that is on needs a target. Returns [field, key] pairs. */
export function featureRuleProblems(f: UserFeatures): Array<{ field: string; key: string }> {
  const out: Array<{ field: string; key: string }> = [];
  if (f.forwardAlways.enabled && !f.forwardAlways.target) out.push({ field: 'forwardAlways.target', key: 'validation.forward_needs_target' });
  return out;
}
