// A user's line settings in Snom files (issue 15). Sources: wiki.snom.com and service.snom.com
// settings pages, Snom D7xx / 3xx user manuals.
// - DND: `dnd_mode` on/off ("DND Mode on/off … incoming calls will no longer come through to the
//   phone"; contact type "VIP" overrides the DND mode).
// - Permanent forward: `redirect_event` = all | busy | none | time ("Always: All calls are diverted
//   to the number specified in Number Redirect"; default none) and `redirect_number`.
// - Both are written perm="RW" (snom.md §2 XML flags: the user may change them on the phone; the
//   next provisioning writes cadran's value, which the phone's reports keep up to date).
// - Action URLs: `action_dnd_on_url`, `action_dnd_off_url`, `action_redirection_on_url`,
//   `action_redirection_off_url` (Web Interface V8 "Action URL Settings": "DND on/off",
//   "Redirection on/off" events; HTTP GET). perm="R".
// - Priority callers and the blacklist: flags on the local phone book's contacts (vip / blocked),
//   which cadran writes as `<MAC>-phonebook.xml` — phonebook.ts, with its sources. No per-list limit
//   is documented: cadran's own applies.
// Not written: anonymous rejection. The D712/710 user manual documents it on the phone ("Reject
// anonymous calls", Settings > Call Features > Incoming Calls) and its web interface ("Preferences >
// Privacy Settings > Reject incoming anonymous calls"), but no provisioning setting name was found in
// the sources at hand (snom.md, wazo-provd-plugins, FusionPBX templates): the device's checks say so.
import type { FeatureEvent, FeatureSupport, RenderContext } from '../types.ts';
import { xmlText } from '../common/escape.ts';
import { MAX_FEATURE_LIST } from '../common/checks.ts';

export const SNOM_FEATURES: FeatureSupport = {
  dnd: true,
  allowedCallers: MAX_FEATURE_LIST,
  forwardAlways: true,
  rejectAnonymous: false,
  blacklist: MAX_FEATURE_LIST,
  reportsToggles: true,
};

const ACTION_SETTINGS: Record<FeatureEvent, string> = {
  'dnd-on': 'action_dnd_on_url',
  'dnd-off': 'action_dnd_off_url',
  'forward-on': 'action_redirection_on_url',
  'forward-off': 'action_redirection_off_url',
};

export interface SnomFeatureSetting {
  name: string;
  perm: 'R' | 'RW';
  /** XML-escaped. */
  value: string;
}

/** `<name perm="…">value</name>` settings of the user's line settings, in file order. */
export function snomFeatureSettings(ctx: RenderContext): SnomFeatureSetting[] {
  if (!ctx.user) return [];
  const out: SnomFeatureSetting[] = [];
  const f = ctx.features;
  if (f) {
    out.push({ name: 'dnd_mode', perm: 'RW', value: f.dnd.enabled ? 'on' : 'off' });
    out.push({ name: 'redirect_event', perm: 'RW', value: f.forwardAlways.enabled ? 'all' : 'none' });
    // A forward switched on at the phone with a target cadran does not know keeps the phone's.
    if (f.forwardAlways.target) out.push({ name: 'redirect_number', perm: 'RW', value: xmlText(f.forwardAlways.target) });
  }
  if (ctx.eventsUrl) {
    for (const [event, name] of Object.entries(ACTION_SETTINGS)) out.push({ name, perm: 'R', value: xmlText(ctx.eventsUrl + event) });
  }
  return out;
}
