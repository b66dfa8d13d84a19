// The firmware image a phone is given, one lookup for every vendor. Where each vendor takes it
// (facts cited next to each vendor's own table):
//   Yealink  `static.firmware.url` in <mac>.cfg (yealink.md §7: `static.firmware.url =
//            http://…/T46S(T48S,T42S,T41S)-66.86.0.15.rom`; the phone compares and upgrades when it
//            differs from the running image)
//   Poly     `APP_FILE_PATH` of the per-phone master <mac>.cfg (polycom.md §1: the firmware image,
//            `sip.ld` or `<part>.sip.ld`, ≤ 255 characters)
//   Snom     `firmware_status` → snom<MODEL>-firmware.xml → `<firmware-settings><firmware>URL`
//            (snom.md §1, service.snom.com "Firmware": the file is reached only through firmware_status)
// The core resolves which target applies to a device (installation, tenant, group, device levels)
// and hands it in `ctx.firmware`; `network.firmware` (model → URL, no version) is the older form,
// still honoured when no resolved target is given.
import type { NetworkProfile, RenderContext } from '../types.ts';

/** `VVX 450`, `vvx_450`, `VVX-450` → `VVX450`: how model names are compared everywhere. */
export function modelKey(model: string): string {
  return model.toUpperCase().replace(/[\s_-]+/g, '');
}

/** The URL of a `model → URL` map for this model, whatever the case or spacing of the key (as written: each vendor
 *  decides what a blank one means — Poly's master falls back to `sip.ld`). */
export function firmwareInMap(map: NetworkProfile['firmware'], model: string): string | undefined {
  if (!map) return undefined;
  const want = modelKey(model);
  for (const [name, url] of Object.entries(map)) {
    if (modelKey(name) === want) return url;
  }
  return undefined;
}

/**
 * The firmware URL for `model` (default: the device's own). The resolved target applies to the
 * device's model only: a file named for another model (Snom `snom<MODEL>-firmware.xml`) falls
 * back to the profile's map.
 */
export function firmwareUrl(ctx: RenderContext, model: string = ctx.device.model): string | undefined {
  if (ctx.firmware && modelKey(model) === modelKey(ctx.device.model)) return ctx.firmware.url;
  return firmwareInMap(ctx.network.firmware, model);
}
