// Firmware rollout, the pure rules: which target a device gets, and where a phone stands against it.
//
// Targets live in the phone profile's levels (`firmwareTargets`: model, URL, version, optional
// group): the installation (config file `defaults`), the tenant and the device. For a device of
// model M carrying group label G, the most specific level that names M wins, and inside a level a
// target scoped to G beats the unscoped one:
//   device → tenant (group G) → tenant → installation (group G) → installation
// At each level the older `firmware` map (model → URL, no version) stands after that level's
// targets, so a profile written before rollouts existed keeps serving the same image.
// A rollout: set the tenant's target for M scoped to `pilot`, watch the pilot phones report the
// version, then widen it — set the unscoped target and drop the pilot one.
import type { FirmwareTarget, NetworkProfile } from '../../vendors/types.ts';
import { firmwareInMap, modelKey } from '../../vendors/common/firmware.ts';

export type FirmwareLevel = 'device' | 'tenant' | 'installation';

export interface ResolvedFirmware {
  url: string;
  /** Null for a URL from the older `firmware` map: no version to compare the phones with. */
  version: string | null;
  level: FirmwareLevel;
  /** The group the target was scoped to, null for an unscoped one. */
  group: string | null;
}

export interface FirmwareLevels {
  installation: NetworkProfile;
  tenant: NetworkProfile;
  device: NetworkProfile;
}

const sameGroup = (a: string | null | undefined, b: string | null | undefined) =>
  (a ?? '').toLocaleLowerCase('fr') === (b ?? '').toLocaleLowerCase('fr');

function pick(p: NetworkProfile, level: FirmwareLevel, model: string, group: string | null): ResolvedFirmware | null {
  const mine = (p.firmwareTargets ?? []).filter((t) => modelKey(t.model) === modelKey(model));
  const scoped = group ? mine.find((t) => t.group !== undefined && sameGroup(t.group, group)) : undefined;
  const plain = mine.find((t) => t.group === undefined);
  // A device's own target has no group (the device is the scope).
  const hit = level === 'device' ? mine[0] : (scoped ?? plain);
  if (hit) return { url: hit.url, version: hit.version, level, group: level === 'device' ? null : (hit.group ?? null) };
  const legacy = firmwareInMap(p.firmware, model);
  return legacy !== undefined ? { url: legacy, version: null, level, group: null } : null;
}

/** The target of a device of `model` carrying `group` (null: none applies, the phone keeps its software). */
export function resolveFirmware(levels: FirmwareLevels, model: string, group: string | null): ResolvedFirmware | null {
  return pick(levels.device, 'device', model, group) ?? pick(levels.tenant, 'tenant', model, group) ?? pick(levels.installation, 'installation', model, group);
}

/**
 * Where a phone stands: `on-target` (it reported the target's version), `behind` (it reported
 * another version), `never-seen` (it never reported a version), `no-target` (nothing is set for
 * it), `untracked` (a URL without a version is set: cadran cannot tell).
 */
export type FirmwareStanding = 'on-target' | 'behind' | 'never-seen' | 'no-target' | 'untracked';

export function firmwareStanding(target: ResolvedFirmware | null, reported: string | null | undefined): FirmwareStanding {
  if (!target) return 'no-target';
  if (target.version === null) return 'untracked';
  if (!reported) return 'never-seen';
  return reported.trim() === target.version ? 'on-target' : 'behind';
}

/** Insert or replace the target of (model, group) in a level's list; returns the new list. */
export function putTarget(list: readonly FirmwareTarget[] | undefined, t: FirmwareTarget): FirmwareTarget[] {
  const out = (list ?? []).filter((x) => !(modelKey(x.model) === modelKey(t.model) && sameGroup(x.group, t.group)));
  out.push(t);
  return out.sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : (a.group ?? '').localeCompare(b.group ?? '')));
}

/** Remove the target of (model, group); `removed` tells whether there was one. */
export function dropTarget(list: readonly FirmwareTarget[] | undefined, model: string, group: string | null): { list: FirmwareTarget[]; removed: boolean } {
  const before = list ?? [];
  const out = before.filter((x) => !(modelKey(x.model) === modelKey(model) && sameGroup(x.group, group)));
  return { list: out, removed: out.length !== before.length };
}
