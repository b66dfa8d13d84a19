// A user's line settings in Poly (Polycom) VVX files (issue 15). Sources: Polycom UC Software
// Administrator's Guide, Do Not Disturb and Call Diversion parameters:
// - `feature.doNotDisturb.enable` only makes DND available; the DND state itself is the user's
//   (set on the phone, kept in its local override file): it cannot be provisioned.
// - `divert.fwd.x.enabled` "If 1, a Forward soft key displays … that you can use to enable
//   universal call forwarding"; `divert.x.contact` is the forward-to contact. The forward state
//   is the user's as well.
//   (`feature.doNotDisturb.enable` "1 (default) - Enable Do Not Disturb", Poly Trio / UC Software
//   admin guide "Do Not Disturb Parameters", documents.polycom.com r-ucs-ag-do-not-disturb-parameters;
//   `call.donotdisturb.perReg` only chooses per-line or phone-wide DND.) No parameter in these guides
//   sets DND on or off: the device's checks say so.
// - `divert.x.contact` is "the forward-to contact used for all automatic call diversion features"
//   and busy / no-answer diversion default to enabled ([PC-AG] SIP 2.2 A-91 `divert.busy.x.enabled`
//   default 1): writing the forward target there would also forward busy and unanswered calls, so
//   cadran does not.
// - Blacklist: the directory's per-entry auto-reject (`ar`), written by directory.ts.
// - No priority callers during DND and no anonymous-call rejection parameter in the guides searched
//   (SIP 2.2 / 3.0.2 / 3.1, UC Software 5.x, CX5500, Trio 5.9): the device's checks say so.
import type { FeatureSupport } from '../types.ts';
import { MAX_FEATURE_LIST } from '../common/checks.ts';

export const POLYCOM_FEATURES: FeatureSupport = {
  dnd: false,
  allowedCallers: 0,
  forwardAlways: false,
  rejectAnonymous: false,
  // The directory holds the contacts as well; cadran's own list limit applies.
  blacklist: MAX_FEATURE_LIST,
  reportsToggles: false,
};
