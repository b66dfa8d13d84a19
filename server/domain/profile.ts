// The phone profile's pure rules: what a stored level holds, and the installation level (config
// file `defaults`, `CADRAN_DEFAULT_LOCALE`) every tenant and device profile sits on.
import type { NetworkProfile } from '../../vendors/types.ts';
import { DEFAULT_LOCALE } from '../../vendors/common/locale.ts';
import { ConfigError, type Config } from '../config.ts';
import { networkProfile } from './schemas.ts';

/** Drop unset (null / undefined) fields, at the top and inside `featureCodes`: stored profiles only
 *  hold what was set. */
export function compactProfile(p: Record<string, unknown>): NetworkProfile {
  const out = Object.fromEntries(Object.entries(p).filter(([, v]) => v !== null && v !== undefined)) as NetworkProfile;
  if (out.featureCodes) {
    const codes = Object.fromEntries(Object.entries(out.featureCodes).filter(([, v]) => v !== null && v !== undefined));
    if (Object.keys(codes).length > 0) out.featureCodes = codes;
    else delete out.featureCodes;
  }
  if (out.firmwareTargets && out.firmwareTargets.length === 0) delete out.firmwareTargets;
  return out;
}

/**
 * The installation level of the profile: the config file's `defaults`, checked like a tenant's
 * profile (a bad one stops the start with a one-line ConfigError naming the field), always with a
 * locale — `CADRAN_DEFAULT_LOCALE`, else the file's, else fr-FR.
 */
export function installationProfile(config: Pick<Config, 'profileDefaults' | 'defaultLocale'>): NetworkProfile {
  const r = networkProfile.safeParse(config.profileDefaults);
  if (!r.success) {
    const i = r.error.issues[0]!;
    const field = ['defaults', ...i.path.map(String)].join('.');
    const message = i.code === 'unrecognized_keys' ? `unknown field(s): ${i.keys.join(', ')}` : i.message;
    throw new ConfigError(`config file: ${field}: ${message}`);
  }
  const p = compactProfile(r.data);
  return { ...p, locale: config.defaultLocale ?? p.locale ?? DEFAULT_LOCALE };
}
