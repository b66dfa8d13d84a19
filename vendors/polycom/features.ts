// A user's line settings in Poly (Polycom) VVX files (issue 15). Sources: Polycom UC Software
// Administrator's Guide, Do Not Disturb and Call Diversion parameters:
// - `feature.doNotDisturb.enable` only makes DND available; the DND state itself is the user's
//   (set on the phone, kept in its local override file): it cannot be provisioned.
// - `divert.fwd.x.enabled` "If 1, a Forward soft key displays … that you can use to enable
//   universal call forwarding"; `divert.x.contact` is the forward-to contact. The forward state
//   is the user's as well.
// - The phones have no action URL on DND / forward changes: they do not report a toggle.
// Priority callers, the blacklist and anonymous rejection are not written: the device's checks say so.
import type { FeatureSupport } from '../types.ts';

export const POLYCOM_FEATURES: FeatureSupport = {
  dnd: false,
  allowedCallers: 0,
  forwardAlways: false,
  rejectAnonymous: false,
  blacklist: 0,
  reportsToggles: false,
};
