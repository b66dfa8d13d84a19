// A user's line settings in Yealink files (issue 15). Sources, [YL-AG] = Yealink Administrator's
// Guide for SIP-T2/T4/T5 Series IP Phones (Call Features chapter):
// - DND per account, custom mode: `features.dnd_mode = 1` (common file, "1-Custom, you can configure
//   DND feature for each or all accounts"), `account.X.dnd.enable` 0/1 (<MAC>.cfg).
// - Priority callers: `features.dnd.emergency_enable` 0/1 and `features.dnd.emergency_authorized_number`,
//   "Multiple numbers are separated by commas", "String within 511 characters" (<y0000000000xx>.cfg;
//   a phone-wide list: cadran writes the phone user's list in the per-device file).
// - Always forward per account, custom mode: `features.fwd_mode = 1`, `account.X.always_fwd.enable`
//   0/1 and `account.X.always_fwd.target` (<MAC>.cfg).
// - Anonymous rejection: `account.X.reject_anonymous_call` 0/1 (<MAC>.cfg, "Anonymous call
//   rejection is configurable on a per-line basis").
// - Action URLs: `action_url.dnd_on`, `action_url.dnd_off`, `action_url.always_fwd_on`,
//   `action_url.always_fwd_off`, "URL within 511 characters" (Action URL section).
// The blacklist lives in the phone's local contact file (group "Blacklist"), which cadran does not
// write: the device's checks say so.
import type { FeatureSupport, RenderContext } from '../types.ts';

/** The authorized-number list is one string of at most 511 characters: 30 numbers of up to 16
 *  characters and their commas fit whatever the numbers. */
export const YEALINK_FEATURES: FeatureSupport = {
  dnd: true,
  allowedCallers: 30,
  forwardAlways: true,
  rejectAnonymous: true,
  blacklist: 0,
  reportsToggles: true,
};

/** `key = value` lines of the device file for the user's account (account 1), in file order. */
export function yealinkFeatureLines(ctx: RenderContext): Array<[string, string]> {
  const f = ctx.features;
  if (!ctx.user || !f) return [];
  const allowed = f.dnd.allowedCallers.slice(0, YEALINK_FEATURES.allowedCallers);
  const out: Array<[string, string]> = [
    // [YL-AG] features.dnd_mode / features.fwd_mode: 1 = custom (per account).
    ['features.dnd_mode', '1'],
    ['features.fwd_mode', '1'],
    ['account.1.dnd.enable', f.dnd.enabled ? '1' : '0'],
    ['features.dnd.emergency_enable', allowed.length > 0 ? '1' : '0'],
    ['features.dnd.emergency_authorized_number', allowed.join(',')],
    ['account.1.always_fwd.enable', f.forwardAlways.enabled && f.forwardAlways.target ? '1' : '0'],
    ['account.1.always_fwd.target', f.forwardAlways.target ?? ''],
    ['account.1.reject_anonymous_call', f.rejectAnonymous ? '1' : '0'],
  ];
  return out;
}
