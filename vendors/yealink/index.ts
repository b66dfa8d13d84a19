// Yealink T3x / T4x / T5x desk phones (firmware V8x). Files served, in the order a phone fetches
// them (yealink.md §1, "old mechanism" after a 404 on `<mac>.boot` and `y000000000000.boot`):
//   y0000000000XX.cfg     the model's common file: neutral, identical for every phone of the model
//   <mac>.cfg             the phone's settings: account, keys, network, time, phonebook URL
//   <mac>-contacts.xml    the user's personal contacts (remote phonebook)
import type { RenderContext, RenderedFile, TemplateSource, Vendor } from '../types.ts';
import { checkYealinkValues } from './checks.ts';
import { deviceFileData } from './config.ts';
import { deviceFileName, parseYealinkFile, phonebookFileName } from './files.ts';
import { identifyYealink, YEALINK_OUIS } from './identify.ts';
import { commonFileName, findYealinkModel, modelsForCode, YEALINK_MODELS } from './models.ts';
import { renderPhonebook } from './phonebook.ts';

const CFG_TYPE = 'text/plain; charset=utf-8';
const XML_TYPE = 'application/xml; charset=utf-8';

function file(contentType: string, body: string, sensitive: boolean): RenderedFile {
  return { contentType, body: Buffer.from(body, 'utf8'), sensitive };
}

function render(name: string, ctx: RenderContext | null, templates: TemplateSource): RenderedFile | null {
  const f = parseYealinkFile(name);
  if (!f) return null;
  switch (f.kind) {
    case 'common': {
      const models = modelsForCode(f.code);
      if (models.length === 0) return null;
      const model = models.map((m) => m.model).join('/');
      return file(CFG_TYPE, templates.render('yealink', 'common.cfg.hbs', { model }), false);
    }
    case 'device': {
      // A per-device file is only ever rendered from that very device's context.
      if (!ctx || ctx.device.mac.toLowerCase() !== f.mac) return null;
      const data = deviceFileData(ctx, findYealinkModel(ctx.device.model));
      const sensitive = Boolean(ctx.user || ctx.network.adminPassword || ctx.provisioningAuth);
      return file(CFG_TYPE, templates.render('yealink', 'mac.cfg.hbs', data), sensitive);
    }
    case 'phonebook':
      if (!ctx || ctx.device.mac.toLowerCase() !== f.mac) return null;
      // Personal contacts are private to their user: never cached publicly. No user, no contacts.
      return file(XML_TYPE, renderPhonebook(ctx.user ? ctx.contacts : []), true);
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
    return [...(m ? [commonFileName(m)] : []), deviceFileName(mac), phonebookFileName(mac)];
  },
  render,
  checkValues: checkYealinkValues,
  // The common file sets `sip.notify_reboot_enable = 0`: the phone reboots only when the Event
  // header carries reboot=true (yealink.md §8, [YL-AG] T5/CP969 guide p.757).
  notifyEvent(reboot: boolean): string {
    return `check-sync;reboot=${reboot ? 'true' : 'false'}`;
  },
};
