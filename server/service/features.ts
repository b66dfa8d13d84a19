// A user's line settings (issue 15): read and written by the user herself, an admin of her tenant
// or an operator (getUser enforces it; another tenant gets 404). A write merges the parts given
// onto the stored ones, checks the lists against every phone the user's line is on, and names the
// devices whose files change (their cached files are dropped, `?resync=true` resyncs them).
import { conflict, invalidAll, type ErrorDetail } from '../domain/errors.ts';
import {
  defaultFeatures, featureRuleProblems, featuresInput, mergeFeatures, type StoredFeatures, type UserFeatures,
} from '../domain/features.ts';
import { formatMac } from '../domain/mac.ts';
import { parseInput } from '../domain/schemas.ts';
import { findModel, vendorById } from '../../vendors/index.ts';
import type { Actor, Principal } from '../auth/principal.ts';
import type { Store } from '../store/types.ts';
import { devicesOfUsers, inTransaction, type ServiceDeps } from './context.ts';
import { getUser } from './users.ts';
import { recordAudit, type DeviceActor } from './audit.ts';

export interface FeaturesView extends UserFeatures {
  version: number;
  updatedAt: string | null;
}

const view = (f: StoredFeatures | undefined): FeaturesView => (f ? f : { ...defaultFeatures(), version: 0, updatedAt: null });

/** The settings as the audit trail keeps them (without version and time). */
export const featuresSnapshot = (f: UserFeatures): UserFeatures => ({
  dnd: { enabled: f.dnd.enabled, allowedCallers: [...f.dnd.allowedCallers] },
  forwardAlways: { enabled: f.forwardAlways.enabled, target: f.forwardAlways.target },
  rejectAnonymous: f.rejectAnonymous,
  blacklist: [...f.blacklist],
});

/** The stored settings, or the defaults (version 0) when never saved. */
export async function readFeatures(store: Store, number: string): Promise<FeaturesView> {
  return view(await store.features.get(number));
}

export async function getFeatures(deps: ServiceDeps, p: Principal, number: string): Promise<FeaturesView> {
  await getUser(deps, p, number);
  return readFeatures(deps.store, number);
}

/** Lists longer than a phone of this user takes (where the phone has such a list at all); `also`:
 *  a phone about to be given to the user (device import). */
export async function featureLimitProblems(store: Store, number: string, f: UserFeatures, also?: { model: string; mac: string }): Promise<ErrorDetail[]> {
  const out: ErrorDetail[] = [];
  const lists: Array<{ field: string; items: string[]; limit: 'allowedCallers' | 'blacklist' }> = [
    { field: 'dnd.allowedCallers', items: f.dnd.allowedCallers, limit: 'allowedCallers' },
    { field: 'blacklist', items: f.blacklist, limit: 'blacklist' },
  ];
  const phones: Array<{ vendor: string | undefined; model: string; mac: string }> = (await store.devices.list({ userNumber: number })).map((d) => ({ vendor: d.vendor, model: d.model, mac: d.mac }));
  if (also) phones.push({ vendor: findModel(also.model)?.vendor.id, model: also.model, mac: also.mac });
  for (const d of phones) {
    const support = d.vendor ? vendorById(d.vendor)?.features : undefined;
    if (!support) continue;
    for (const l of lists) {
      const max = support[l.limit];
      if (max > 0 && l.items.length > max && !out.some((o) => o.field === l.field)) {
        out.push({ field: l.field, key: 'validation.features_list_beyond_phone', params: { count: l.items.length, max, model: d.model, mac: formatMac(d.mac) } });
      }
    }
  }
  return out;
}

/** Write the merged settings; the devices whose files change are announced after the commit. */
export async function saveFeatures(
  deps: ServiceDeps,
  p: Actor,
  number: string,
  input: unknown,
  reason = `features of ${number} changed`,
): Promise<FeaturesView> {
  const parsed = parseInput(featuresInput, input);
  const { saved, macs } = await inTransaction(deps, async (d) => {
    const user = await getUser(d, p, number);
    const cur = await readFeatures(d.store, number);
    if (parsed.version !== undefined && parsed.version !== cur.version) {
      throw conflict('version', 'conflict.features_changed', { version: cur.version });
    }
    const next = mergeFeatures(cur, parsed);
    // A forward switched on at the phone may have no target cadran knows: checked when written here.
    const problems: ErrorDetail[] = parsed.forwardAlways ? featureRuleProblems(next).map((x) => ({ ...x })) : [];
    problems.push(...(await featureLimitProblems(d.store, number, next)));
    if (problems.length) throw invalidAll(problems);
    await d.store.features.set(number, next);
    await recordAudit(d.store, p, { action: 'features.update', tenantId: user.tenantId, userNumber: number, before: { features: featuresSnapshot(cur) }, after: { features: featuresSnapshot(next) } });
    return { saved: await readFeatures(d.store, number), macs: await devicesOfUsers(d.store, [number]) };
  });
  deps.changes.devicesChanged(macs, reason);
  return saved;
}

/** What a phone reports through its action URLs (vendors/types.ts FEATURE_EVENTS). */
export type PhoneFeatureEvent = 'dnd-on' | 'dnd-off' | 'forward-on' | 'forward-off';

/**
 * A toggle made on the phone itself, reported by the phone (already authenticated like its config
 * fetch): the stored settings of the phone's user follow, so that the cockpit and the next config
 * agree with the phone. A phone without a user changes nothing. Returns whether something changed.
 * A forward switched on at the phone keeps the stored target (the phone does not say it); without
 * one, the file leaves the phone's own target alone.
 */
export async function applyPhoneReport(
  deps: ServiceDeps,
  mac: string,
  event: PhoneFeatureEvent,
  from: { address: string } = { address: 'unknown' },
): Promise<{ changed: boolean; user: string | null }> {
  const r = await inTransaction(deps, async (d) => {
    const device = await d.store.devices.get(mac);
    if (!device?.userNumber) return { changed: false, user: null, macs: [] as string[] };
    const number = device.userNumber;
    const cur = await readFeatures(d.store, number);
    const next: UserFeatures = {
      dnd: { ...cur.dnd, allowedCallers: [...cur.dnd.allowedCallers] },
      forwardAlways: { ...cur.forwardAlways },
      rejectAnonymous: cur.rejectAnonymous,
      blacklist: [...cur.blacklist],
    };
    if (event === 'dnd-on' || event === 'dnd-off') next.dnd.enabled = event === 'dnd-on';
    else next.forwardAlways.enabled = event === 'forward-on';
    const same = next.dnd.enabled === cur.dnd.enabled && next.forwardAlways.enabled === cur.forwardAlways.enabled && cur.version > 0;
    if (same) return { changed: false, user: number, macs: [] as string[] };
    await d.store.features.set(number, next);
    // Who changed it: the phone itself (its user pressed the key), from the address it reported from.
    const actor: DeviceActor = { kind: 'device', mac, via: { channel: 'phone', address: from.address } };
    const user = await d.store.users.get(number);
    await recordAudit(d.store, actor, {
      action: 'features.phone_report', tenantId: user?.tenantId ?? device.tenantId, userNumber: number, mac,
      before: { features: featuresSnapshot(cur) }, after: { features: featuresSnapshot(next) }, summary: { event },
    });
    return { changed: true, user: number, macs: await devicesOfUsers(d.store, [number]) };
  });
  deps.changes.devicesChanged(r.macs, `features of ${r.user} changed on phone ${mac} (${event})`);
  return { changed: r.changed, user: r.user };
}
