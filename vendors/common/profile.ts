// What every vendor needs from a context beyond its own format: the profile with its defaults filled
// in (locale, digit map, codecs, registration lifetime), the accounts the phone registers, and which
// account a line key shows. Decided once here so that the three vendors agree.
import type { CodecName, FeatureCodes, RenderAccount, RenderContext, RenderKey } from '../types.ts';
import { cleanText } from './escape.ts';
import { REGION_DIGIT_MAPS, digitMapProblem, normalizeDigitMap } from './digitmap.ts';
import { DEFAULT_REGISTRATION_EXPIRY_SECONDS, defaultCodecs, isCodecName, localeInfo, type LocaleInfo } from './locale.ts';

export interface ResolvedProfile {
  locale: LocaleInfo;
  /** Normalized digit map: the profile's, or the region's when absent or unusable. */
  digitMap: string;
  /** Whether `digitMap` is the region's default (the profile had none or an invalid one). */
  digitMapIsDefault: boolean;
  /** Known codec names in the profile's order, without repeats; the locale's default when none. */
  codecs: CodecName[];
  registrationExpirySeconds: number;
  /** Feature codes cleaned of control characters; absent or blank codes are left out. */
  featureCodes: FeatureCodes;
}

/** Registration lifetime bounds (RFC 3261 §10.2.1.1 allows any; phones and registrars want sane ones). */
export const MIN_REGISTRATION_EXPIRY_SECONDS = 60;
export const MAX_REGISTRATION_EXPIRY_SECONDS = 86400;

export function resolveProfile(ctx: RenderContext): ResolvedProfile {
  const n = ctx.network;
  const locale = localeInfo(n.locale);
  const own = typeof n.digitMap === 'string' && digitMapProblem(n.digitMap) === null ? normalizeDigitMap(n.digitMap) : undefined;
  const codecs = [...new Set((n.codecs ?? []).filter(isCodecName))];
  const expiry = n.registrationExpirySeconds;
  const featureCodes: FeatureCodes = {};
  for (const k of ['directedPickup', 'groupPickup'] as const) {
    const v = n.featureCodes?.[k];
    if (typeof v === 'string' && cleanText(v).trim() !== '') featureCodes[k] = cleanText(v).trim();
  }
  return {
    locale,
    digitMap: own ?? REGION_DIGIT_MAPS[locale.region]!,
    digitMapIsDefault: own === undefined,
    codecs: codecs.length > 0 ? codecs : defaultCodecs(locale.tag),
    registrationExpirySeconds:
      typeof expiry === 'number' && Number.isInteger(expiry)
        ? Math.min(MAX_REGISTRATION_EXPIRY_SECONDS, Math.max(MIN_REGISTRATION_EXPIRY_SECONDS, expiry))
        : DEFAULT_REGISTRATION_EXPIRY_SECONDS,
    featureCodes,
  };
}

/**
 * The accounts the phone registers, account 1 first: the user, then the extra lines in order, a
 * number listed twice kept once, at most `max` (the model's SIP accounts). No user, no account.
 */
export function phoneAccounts(ctx: RenderContext, max: number): { accounts: RenderAccount[]; dropped: RenderAccount[] } {
  if (!ctx.user) return { accounts: [], dropped: [] };
  const seen = new Set<string>();
  const all: RenderAccount[] = [];
  for (const a of [ctx.user, ...(ctx.extraLines ?? [])]) {
    if (seen.has(a.number)) continue;
    seen.add(a.number);
    all.push(a);
  }
  const limit = Math.max(1, max);
  return { accounts: all.slice(0, limit), dropped: all.slice(limit) };
}

/** 1-based account a line key shows: the account whose number its value names, else account 1. */
export function lineKeyAccount(key: RenderKey, accounts: readonly RenderAccount[]): number {
  if (key.type !== 'line' || key.value === undefined) return 1;
  const want = cleanText(key.value).trim();
  const i = accounts.findIndex((a) => a.number === want);
  return i >= 0 ? i + 1 : 1;
}

/** `scheme`, `host[:port]` and path of the base URL (the provisioning server to pin). */
export function splitBaseUrl(baseUrl: string): { scheme: string; hostAndPath: string } {
  const m = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(baseUrl);
  if (!m) return { scheme: 'http', hostAndPath: baseUrl };
  return { scheme: m[1]!.toLowerCase(), hostAndPath: m[2]! };
}
