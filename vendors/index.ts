// The registry of vendors. Adding a vendor means adding its folder and one line here; the core
// only ever talks to vendors through this registry and the interface in types.ts.
import type { Identification, IdentifyRequest, ModelInfo, Vendor } from './types.ts';
import { yealink } from './yealink/index.ts';
import { polycom } from './polycom/index.ts';
import { snom } from './snom/index.ts';

export const vendors: readonly Vendor[] = [yealink, polycom, snom];

export function vendorById(id: string): Vendor | undefined {
  return vendors.find((v) => v.id === id);
}

/** The vendor and model entry for a model name such as `T54W`, `VVX450`, `D785`. */
export function findModel(model: string): { vendor: Vendor; model: ModelInfo } | undefined {
  const wanted = model.toUpperCase();
  for (const vendor of vendors) {
    const m = vendor.models.find((x) => x.model === wanted);
    if (m) return { vendor, model: m };
  }
  return undefined;
}

/** The vendor whose OUI list holds this MAC's prefix (12 lower-case hex digits). */
export function vendorForMac(mac: string): Vendor | undefined {
  const oui = mac.slice(0, 6).toLowerCase();
  return vendors.find((v) => v.ouis.includes(oui));
}

/** The first vendor that recognises this phone request, with what it learnt from it. */
export function identifyRequest(req: IdentifyRequest): Identification | null {
  for (const v of vendors) {
    const id = v.identify(req);
    if (id) return id;
  }
  return null;
}

/** Key capacity of a device: the phone's own keys plus those of the expansion modules attached. */
export function keyCapacity(model: ModelInfo, expansionModules: number): number {
  const modules = Math.min(expansionModules, model.expansion?.modules ?? 0);
  return model.lineKeys + modules * (model.expansion?.keysPerModule ?? 0);
}
