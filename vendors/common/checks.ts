// Checks of the phone profile every vendor makes the same way, from what the vendor can represent
// (its capabilities). Each problem carries a stable code the edges translate (`vendor.…`,
// `vendor_parameter.…`) and an English message for logs.
import type { CodecName, FeatureCodes, FeatureSupport, RenderContext, ValueProblem, VendorParameterProblem } from '../types.ts';
import { controlCharProblem } from './escape.ts';
import { digitMapProblem } from './digitmap.ts';
import { isCodecName, isLocaleTag } from './locale.ts';
import { MAX_VENDOR_PARAMETERS } from './parameters.ts';
import { phoneAccounts } from './profile.ts';

export interface VendorCapabilities {
  vendor: string;
  /** SIP accounts of the device's model (0 when the model is unknown). */
  maxAccounts: number;
  codecs: readonly CodecName[];
  featureCodes: readonly (keyof FeatureCodes)[];
  /** NTP servers the files carry. */
  ntpServers: number;
  checkParameter(name: string, value: string): VendorParameterProblem | null;
}

export function problem(field: string, code: string, message: string, params?: Record<string, string | number>): ValueProblem {
  return { field, code, message, ...(params ? { params } : {}) };
}

export function profileProblems(ctx: RenderContext, caps: VendorCapabilities): ValueProblem[] {
  const out: ValueProblem[] = [];
  const n = ctx.network;
  const text = (field: string, v: unknown) => {
    if (typeof v !== 'string') return;
    const p = controlCharProblem(v);
    if (p) out.push(problem(field, 'vendor.control_character', `${field} ${p}`, { field }));
  };

  if (n.locale !== undefined && !isLocaleTag(n.locale)) {
    out.push(problem('network.locale', 'vendor.locale_unknown', `unknown locale "${n.locale}": the default locale is used`, { locale: String(n.locale) }));
  }
  if (n.digitMap !== undefined) {
    const why = digitMapProblem(n.digitMap);
    if (why) out.push(problem('network.digitMap', 'vendor.digit_map_invalid', `the digit map is not valid (${why}): the region's default is used`, { reason: why }));
  }
  for (const c of n.codecs ?? []) {
    if (!isCodecName(c)) {
      out.push(problem('network.codecs', 'vendor.codec_unknown', `unknown codec "${String(c)}"`, { codec: String(c) }));
    } else if (!caps.codecs.includes(c)) {
      out.push(problem('network.codecs', 'vendor.codec_unsupported', `${caps.vendor} phones cannot offer ${c}: it is left out`, { codec: c, vendor: caps.vendor }));
    }
  }
  for (const [k, v] of Object.entries(n.featureCodes ?? {})) {
    text(`network.featureCodes.${k}`, v);
    if (v && !caps.featureCodes.includes(k as keyof FeatureCodes)) {
      out.push(problem(`network.featureCodes.${k}`, 'vendor.feature_unsupported', `${caps.vendor} phones have no place for the ${k} code`, { feature: k, vendor: caps.vendor }));
    }
  }
  if (ctx.user && ctx.keys.some((k) => k.type === 'blf') && !n.featureCodes?.directedPickup?.trim()) {
    out.push(problem('network.featureCodes.directedPickup', 'vendor.pickup_code_missing', 'BLF keys cannot pick up a ringing colleague: the platform\'s directed pickup code is not set'));
  }
  text('network.digitMap', n.digitMap);
  text('network.phoneUserPassword', n.phoneUserPassword);
  if (n.ntpServers && n.ntpServers.length > caps.ntpServers) {
    out.push(problem('network.ntpServers', 'vendor.ntp_servers_dropped', `the phone takes ${caps.ntpServers} NTP server(s); the others are ignored`, { max: caps.ntpServers }));
  }
  if (ctx.user && caps.maxAccounts > 0) {
    const { dropped } = phoneAccounts(ctx, caps.maxAccounts);
    if (dropped.length > 0) {
      out.push(
        problem('extraLines', 'vendor.accounts_exceeded', `a ${ctx.device.model} registers ${caps.maxAccounts} account(s): ${dropped.map((a) => a.number).join(', ')} left out`, {
          max: caps.maxAccounts,
          dropped: dropped.map((a) => a.number).join(', '),
        }),
      );
    }
  }
  (ctx.extraLines ?? []).forEach((a, i) => {
    text(`extraLines[${i}].name`, a.name);
    text(`extraLines[${i}].sipAuthName`, a.sipAuthName);
    text(`extraLines[${i}].sipPassword`, a.sipPassword);
    text(`extraLines[${i}].voicemailNumber`, a.voicemailNumber);
  });
  const params = n.vendorParameters?.[caps.vendor];
  if (params && typeof params === 'object') {
    const entries = Object.entries(params);
    if (entries.length > MAX_VENDOR_PARAMETERS) {
      out.push(problem(`network.vendorParameters.${caps.vendor}`, 'vendor_parameter.too_many', `more than ${MAX_VENDOR_PARAMETERS} parameters`, { max: MAX_VENDOR_PARAMETERS }));
    }
    for (const [name, value] of entries) {
      const p = caps.checkParameter(name, value);
      if (p) out.push(problem(`network.vendorParameters.${caps.vendor}`, p.code, `${p.message}: it is not written`, { vendor: p.vendor, name: p.name }));
    }
  }
  return out;
}

/**
 * What a vendor's phones cannot carry of the user's line settings (issue 15): each setting in use
 * that the vendor has no place for, and lists longer than the phone keeps. Nothing is silently
 * dropped: the device's checks and its cockpit page say it.
 */
/** cadran's own longest number list (server/domain/features.ts MAX_FEATURE_LIST; a test checks they
 *  agree): the limit of a vendor whose phones document none lower. */
export const MAX_FEATURE_LIST = 100;

export function featureProblems(ctx: RenderContext, vendor: string, s: FeatureSupport): ValueProblem[] {
  const f = ctx.features;
  if (!ctx.user || !f) return [];
  const out: ValueProblem[] = [];
  if (f.dnd.enabled && !s.dnd) {
    out.push(problem('features.dnd.enabled', 'vendor.features_dnd_unsupported', `${vendor} phones cannot be set to Do Not Disturb by their files: the user sets it on the phone`, { vendor }));
  }
  if ((f.forwardAlways.enabled || f.forwardAlways.target) && !s.forwardAlways) {
    out.push(problem('features.forwardAlways', 'vendor.features_forward_unsupported', `${vendor} phones cannot be set to forward all calls by their files: the user sets it on the phone`, { vendor }));
  }
  if (f.rejectAnonymous && !s.rejectAnonymous) {
    out.push(problem('features.rejectAnonymous', 'vendor.features_reject_anonymous_unsupported', `${vendor} phones do not get anonymous-call rejection from cadran`, { vendor }));
  }
  const lists: Array<[string, string[], number, string]> = [
    ['features.dnd.allowedCallers', f.dnd.allowedCallers, s.allowedCallers, 'vendor.features_allowed_callers_unsupported'],
    ['features.blacklist', f.blacklist, s.blacklist, 'vendor.features_blacklist_unsupported'],
  ];
  for (const [field, items, max, unsupported] of lists) {
    if (items.length === 0) continue;
    if (max === 0) out.push(problem(field, unsupported, `${vendor} phones do not get this list from cadran (${items.length} number(s))`, { vendor, count: items.length }));
    else if (items.length > max) {
      out.push(problem(field, 'vendor.features_list_truncated', `the phone keeps ${max} numbers of this list: ${items.length - max} left out`, { field, max, count: items.length }));
    }
  }
  return out;
}
