// Poly VVX (UC Software 5.x / 6.x). Files served, in the order a phone fetches them (polycom.md §2):
//   <mac>.cfg            per-phone master: firmware for the model, CONFIG_FILES = <mac>-cadran.cfg
//   000000000000.cfg     default master, only when <mac>.cfg is missing: neutral, same for every phone
//   <mac>-cadran.cfg     the phone's parameters (templates/polycom/phone.cfg.hbs)
//   <mac>-directory.xml  the user's contacts and the speed-dial entries of the keys
// Everything else a VVX asks for (override and log uploads, licences, firmware images, the
// directory seed) is not served.
import { POLYCOM_FEATURES } from './features.ts';
import type { RenderContext, RenderedFile, TemplateSource, Vendor } from '../types.ts';
import { checkPolycomValues } from './checks.ts';
import { directoryBlacklist, polycomDirectory, renderDirectory } from './directory.ts';
import { directoryName, paramsName, parseFileName, phoneMasterName } from './files.ts';
import { identifyPolycom, POLYCOM_OUIS } from './identify.ts';
import { planKeys, type KeyPlan } from './keys.ts';
import { renderDefaultMaster, renderPhoneMaster } from './master.ts';
import { findModel, POLYCOM_MODELS } from './models.ts';
import { paramsData, polycomAccounts } from './params.ts';
import { applyParameters, polycomParameters } from './parameters.ts';
import { resolveProfile } from '../common/profile.ts';
import { firmwareUrl } from '../common/firmware.ts';

const CONTENT_TYPE = 'application/xml; charset=utf-8';

function xml(body: string, sensitive: boolean): RenderedFile {
  return { contentType: CONTENT_TYPE, body: Buffer.from(body, 'utf8'), sensitive };
}

/** `<mac>-cadran.cfg` as cadran computes it, before the operator's vendor parameters. */
function ownParams(ctx: RenderContext, templates: TemplateSource): string {
  const model = findModel(ctx.device.model);
  return templates.render('polycom', 'phone.cfg.hbs', paramsData(ctx, planKeys(ctx.keys, model, polycomAccounts(ctx).accounts)));
}

/** `<MAC>-directory.xml`: the contacts that fit beside the speed dials and the blacklist. */
function directoryFile(ctx: RenderContext, plan: KeyPlan): string {
  const blacklist = directoryBlacklist(ctx);
  return renderDirectory(polycomDirectory(ctx, plan, blacklist).contacts, plan, resolveProfile(ctx).locale.numberLabels, blacklist);
}

function render(file: string, ctx: RenderContext | null, templates: TemplateSource): RenderedFile | null {
  const f = parseFileName(file);
  if (!f || f.kind === 'vvxOnly') return null;
  if (f.kind === 'defaultMaster') return xml(renderDefaultMaster(), false);
  // A per-device file is only ever rendered from that very device's context.
  if (!ctx || ctx.device.mac.toLowerCase() !== f.mac) return null;
  const model = findModel(ctx.device.model);
  switch (f.kind) {
    case 'phoneMaster':
      return xml(renderPhoneMaster(f.mac, firmwareUrl(ctx, model?.model ?? ctx.device.model), model?.firmwarePart), false);
    case 'params': {
      const body = applyParameters(ownParams(ctx, templates), ctx);
      const sensitive = Boolean(
        ctx.user ||
          ctx.network.adminPassword ||
          ctx.network.phoneUserPassword ||
          ctx.provisioningAuth ||
          Object.keys(ctx.network.vendorParameters?.polycom ?? {}).length > 0,
      );
      return xml(body, sensitive);
    }
    case 'directory':
      // Personal contacts are private to their user: never cached publicly.
      return xml(
        directoryFile(ctx, planKeys(ctx.keys, model, polycomAccounts(ctx).accounts)),
        true,
      );
  }
}

export const polycom: Vendor = {
  id: 'polycom',
  displayName: 'Poly VVX',
  models: [...POLYCOM_MODELS],
  ouis: POLYCOM_OUIS,
  identify: identifyPolycom,
  bootFiles(mac: string, _model: string): string[] {
    const m = mac.toLowerCase();
    return [phoneMasterName(m), paramsName(m), directoryName(m)];
  },
  render,
  features: POLYCOM_FEATURES,
  checkValues: checkPolycomValues,
  parameters: polycomParameters((ctx, templates) => [ownParams(ctx, templates)]),
  // With checkSync.alwaysReboot="0" (set in every parameter file) a check-sync makes the phone
  // fetch its files and restart only when they changed, which is what both a plain resync and a
  // "reboot" resync need after a change; VVX has no separate reboot event (polycom.md §9).
  notifyEvent(_reboot: boolean): string {
    return 'check-sync';
  },
};
