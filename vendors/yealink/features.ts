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
// - Blacklist: the phone's local directory has a built-in group "Blacklist" whose callers are
//   rejected; a local contact file gives each contact its group (`<root_contact><contact
//   display_name office_number … group_id_name/>`; group_id_name "Built-in group: All Contacts,
//   Blacklist"; "The contact name cannot be blank or duplicated", [YL-AG] Local Directory, T2/T4/T5/
//   CP920 guide p.320, T21P E2 guide p.234) and `local_contact.data.url` is where the phone downloads
//   it during auto provisioning ([YL-AG] T54S p.253 Directory; Yealink's own common.cfg template,
//   section Contact). "The existing local contacts on the IP phones will be overridden by the
//   downloaded local contacts" (same section): once the user's line settings are stored in cadran,
//   the phone's local directory is cadran's blacklist file (personal contacts go to the remote
//   phonebook). The directory holds 1000 contacts: cadran's own list limit applies. The file has
//   only the contact list (the built-in group needs no <root_group>), so it is one well-formed
//   XML document.
import { create } from 'xmlbuilder2';
import type { FeatureEvent, FeatureSupport, RenderContext } from '../types.ts';
import { cfgValue, cleanText, xmlBuilderValue } from '../common/escape.ts';
import { MAX_FEATURE_LIST } from '../common/checks.ts';
import { blacklistFileName } from './files.ts';

/** The authorized-number list is one string of at most 511 characters: 30 numbers of up to 16
 *  characters and their commas fit whatever the numbers. */
export const YEALINK_FEATURES: FeatureSupport = {
  dnd: true,
  allowedCallers: 30,
  forwardAlways: true,
  rejectAnonymous: true,
  blacklist: MAX_FEATURE_LIST,
  reportsToggles: true,
};

/** The user's blacklist as a Yealink local contact file (group "Blacklist"), named by the number. */
export function renderBlacklist(numbers: readonly string[]): string {
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele('root_contact');
  for (const n of [...new Set(numbers.map((x) => cleanText(x).trim()).filter(Boolean))].slice(0, YEALINK_FEATURES.blacklist)) {
    root.ele('contact', { display_name: xmlBuilderValue(n), office_number: xmlBuilderValue(n), group_id_name: 'Blacklist' });
  }
  return root.end({ prettyPrint: true }) + '\n';
}

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
  if (f) {
    lines.push(...settingLines(f));
    lines.push(['local_contact.data.url', cfgValue(withCredentials(ctx.baseUrl + blacklistFileName(ctx.device.mac), ctx.provisioningAuth))]);
  }
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
