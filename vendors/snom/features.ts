// A user's line settings in Snom files (issue 15). Sources: wiki.snom.com / service.snom.com
// settings pages.
// - DND: `dnd_mode` on/off ("DND Mode on/off"; contact type "VIP" overrides the DND mode —
//   Snom user manual, Deny List / DND sections).
// - Priority callers: phone-book entries of contact type `vip`; blacklist: contact type `deny`
//   ("The numbers to be denied are … marked with contact type deny").
// - Permanent forward: `redirect_event` = all | busy | none | time ("Always: All calls are diverted
//   to the number specified in Number Redirect"), `redirect_number`.
// - Action URLs: `action_dnd_on_url`, `action_dnd_off_url`, `action_redirection_on_url`,
//   `action_redirection_off_url` (Action URL Settings page).
// cadran does not write the VIP/deny phone-book entries nor anonymous rejection yet (its setting
// name is not in the sources at hand): the device's checks say so.
import type { FeatureSupport } from '../types.ts';

export const SNOM_FEATURES: FeatureSupport = {
  dnd: true,
  allowedCallers: 0,
  forwardAlways: true,
  rejectAnonymous: false,
  blacklist: 0,
  reportsToggles: true,
};
