// A user's line settings in Yealink files (issue 15). Sources, [YL-AG] = Yealink Administrator's
// Guide for SIP-T2/T4/T5 Series IP Phones (Call Features chapter; the same keys in the T5/CP guide):
// - DND per account, custom mode: `features.dnd_mode = 1` ("1-Custom, you can configure DND feature
//   for each or all accounts"), `account.X.dnd.enable` 0/1 (<MAC>.cfg).
// - Priority callers: `features.dnd.emergency_enable` 0/1 and `features.dnd.emergency_authorized_number`
//   ("Multiple numbers are separated by commas", "String within 511 characters"). A phone-wide list:
//   cadran writes the phone user's list in the per-device file.
// - Always forward per account, custom mode: `features.fwd_mode = 1`, `account.X.always_fwd.enable`
//   0/1 and `account.X.always_fwd.target` (T4X Auto Provisioning Guide, "account.X.always_fwd.target:
//   the target number the phone forwards all incoming calls to for account X").
// - Anonymous rejection: `account.X.reject_anonymous_call` 0/1 ("configurable on a per-line basis";
//   the caller gets 433 Anonymity Disallowed).
// - Action URLs: `action_url.dnd_on`, `action_url.dnd_off`, `action_url.always_fwd_on`,
//   `action_url.always_fwd_off` ("URL within 511 characters", Action URL section).
// The blacklist lives in the phone's local contact file (group "Blacklist", [YL-AG] Local Directory),
// which cadran does not write: the device's checks say so (vendor.features_blacklist_unsupported).
import type { FeatureEvent, FeatureSupport, RenderContext } from '../types.ts';
import { cfgValue } from '../common/escape.ts';

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

const ACTION_KEYS: Record<FeatureEvent, string> = {
  'dnd-on': 'action_url.dnd_on',
  'dnd-off': 'action_url.dnd_off',
  'forward-on': 'action_url.always_fwd_on',
  'forward-off': 'action_url.always_fwd_off',
};
/** "URL within 511 characters". */
const MAX_ACTION_URL = 511;

export interface FeatureLine {
  name: string;
  value: string;
}

/** `key = value` lines of the device file for the user's account (account 1), in file order;
 *  none when the user's settings were never saved in cadran (the phone keeps its own). */
export function yealinkFeatureLines(ctx: RenderContext): FeatureLine[] {
  if (!ctx.user) return [];
  const lines: Array<[string, string]> = [];
  const f = ctx.features;
  if (f) lines.push(...settingLines(f));
  if (ctx.eventsUrl) {
    for (const [event, key] of Object.entries(ACTION_KEYS)) {
      const url = cfgValue(withCredentials(ctx.eventsUrl + event, ctx.provisioningAuth));
      if (url.length <= MAX_ACTION_URL) lines.push([key, url]);
    }
  }
  return lines.map(([name, value]) => ({ name, value }));
}

/** The phone presents its provisioning credentials in the URL (user-info), as for its
 *  provisioning server URL; without credentials the URL is as given. */
function withCredentials(url: string, auth: RenderContext['provisioningAuth']): string {
  if (!auth) return url;
  try {
    const u = new URL(url);
    u.username = auth.username;
    u.password = auth.password;
    return u.toString();
  } catch {
    return url;
  }
}

function settingLines(f: NonNullable<RenderContext['features']>): Array<[string, string]> {
  const allowed = f.dnd.allowedCallers.slice(0, YEALINK_FEATURES.allowedCallers).map(cfgValue);
  const target = f.forwardAlways.target ? cfgValue(f.forwardAlways.target) : '';
  const lines: Array<[string, string]> = [
    ['features.dnd_mode', '1'],
    ['account.1.dnd.enable', f.dnd.enabled ? '1' : '0'],
    ['features.dnd.emergency_enable', allowed.length > 0 ? '1' : '0'],
    ['features.dnd.emergency_authorized_number', allowed.join(',')],
    ['features.fwd_mode', '1'],
    ['account.1.always_fwd.enable', f.forwardAlways.enabled ? '1' : '0'],
    // A forward switched on at the phone with a target cadran does not know keeps the phone's.
    ...(target ? [['account.1.always_fwd.target', target] as [string, string]] : []),
    ['account.1.reject_anonymous_call', f.rejectAnonymous ? '1' : '0'],
  ];
  return lines;
}
