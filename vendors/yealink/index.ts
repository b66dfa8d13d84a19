// Yealink T3x / T4x / T5x desk phones (firmware V8x). Files served, in the order a phone fetches
// them (yealink.md §1, "old mechanism" after a 404 on `<mac>.boot` and `y000000000000.boot`):
//   y0000000000XX.cfg     the model's common file: neutral, identical for every phone of the model
//   <mac>.cfg             the phone's settings: account, keys, network, time, phonebook URL
//   <mac>-contacts.xml    the user's personal contacts (remote phonebook)
//   <mac>-blacklist.xml   the user's blacklist, as the phone's local contact file (features.ts)
import { YEALINK_FEATURES } from './features.ts';
import type { RenderContext, RenderedFile, TemplateSource, Vendor } from '../types.ts';
import { checkYealinkValues } from './checks.ts';
import { deviceFileData } from './config.ts';
import { blacklistFileName, deviceFileName, parseYealinkFile, phonebookFileName } from './files.ts';
import { identifyYealink, YEALINK_OUIS } from './identify.ts';
import { commonFileName, findYealinkModel, modelsForCode, YEALINK_MODELS } from './models.ts';
import { PHONEBOOK_MAX_CONTACTS, renderPhonebook } from './phonebook.ts';
import { renderBlacklist } from './features.ts';
import { phoneDirectory } from '../common/directory.ts';
import { applyParameters, yealinkParameters } from './parameters.ts';

const CFG_TYPE = 'text/plain; charset=utf-8';
const XML_TYPE = 'application/xml; charset=utf-8';

function file(contentType: string, body: string, sensitive: boolean): RenderedFile {
  return { contentType, body: Buffer.from(body, 'utf8'), sensitive };
}

function commonFile(code: string, templates: TemplateSource): string | null {
  const models = modelsForCode(code);
  if (models.length === 0) return null;
  return templates.render('yealink', 'common.cfg.hbs', { model: models.map((m) => m.model).join('/') });
}

/** `<mac>.cfg` as cadran computes it, before the operator's vendor parameters. */
function ownDeviceFile(ctx: RenderContext, templates: TemplateSource): string {
  return templates.render('yealink', 'mac.cfg.hbs', deviceFileData(ctx, findYealinkModel(ctx.device.model)));
}

/** The files whose keys a vendor parameter may replace: the model's common file and the MAC file. */
function ownFiles(ctx: RenderContext, templates: TemplateSource): string[] {
  const model = findYealinkModel(ctx.device.model);
  const common = model ? commonFile(model.commonCode, templates) : null;
  return [...(common !== null ? [common] : []), ownDeviceFile(ctx, templates)];
}

function render(name: string, ctx: RenderContext | null, templates: TemplateSource): RenderedFile | null {
  const f = parseYealinkFile(name);
  if (!f) return null;
  switch (f.kind) {
    case 'common': {
      const body = commonFile(f.code, templates);
      return body === null ? null : file(CFG_TYPE, body, false);
    }
    case 'device': {
      // A per-device file is only ever rendered from that very device's context.
      if (!ctx || ctx.device.mac.toLowerCase() !== f.mac) return null;
      const body = applyParameters(ownDeviceFile(ctx, templates), ctx);
      // Vendor parameters may hold secrets too: a file with any is never public.
      const sensitive = Boolean(
        ctx.user ||
          ctx.network.adminPassword ||
          ctx.network.phoneUserPassword ||
          ctx.provisioningAuth ||
          Object.keys(ctx.network.vendorParameters?.yealink ?? {}).length > 0,
      );
      return file(CFG_TYPE, body, sensitive);
    }
    case 'phonebook':
      if (!ctx || ctx.device.mac.toLowerCase() !== f.mac) return null;
      // Personal contacts are private to their user: never cached publicly. No user, no contacts.
      // The company directory (colleagues, shared contacts) beside them, a Menu per group.
      return file(XML_TYPE, renderPhonebook(phoneDirectory(ctx, PHONEBOOK_MAX_CONTACTS)), true);
    case 'blacklist':
      if (!ctx || ctx.device.mac.toLowerCase() !== f.mac) return null;
      // The user's blacklist is as private as the contacts. No user or no stored settings: empty.
      return file(XML_TYPE, renderBlacklist(ctx.user && ctx.features ? ctx.features.blacklist : []), true);
    default:
      // Boot files and `<mac>-local.cfg` are recognised (identify) but not served.
      return null;
  }
}

export const yealink: Vendor = {
  id: 'yealink',
  displayName: 'Yealink',
  models: [...YEALINK_MODELS],
  ouis: YEALINK_OUIS,
  identify: identifyYealink,
  bootFiles(mac: string, model: string): string[] {
    const m = findYealinkModel(model);
    return [...(m ? [commonFileName(m)] : []), deviceFileName(mac), phonebookFileName(mac), blacklistFileName(mac)];
  },
  render,
  features: YEALINK_FEATURES,
  checkValues: checkYealinkValues,
  parameters: yealinkParameters(ownFiles),
  // The common file sets `sip.notify_reboot_enable = 0`: the phone reboots only when the Event
  // header carries reboot=true (yealink.md §8, [YL-AG] T5/CP969 guide p.757).
  notifyEvent(reboot: boolean): string {
    return `check-sync;reboot=${reboot ? 'true' : 'false'}`;
  },
};
