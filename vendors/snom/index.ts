// Snom desk phones (D3xx / D7xx / D8xx, firmware 10.x): the one object the core sees.
// Facts and their sources: /work/shared/vendors/snom.md, cited in each module here.
import { SNOM_FEATURES } from './features.ts';
import type { RenderContext, RenderedFile, TemplateSource, Vendor } from '../types.ts';
import { xmlAttr, xmlText } from '../common/escape.ts';
import { SNOM_MODELS } from './models.ts';
import { SNOM_OUIS, identifySnom } from './identify.ts';
import { bootFileNames, fileNames, parseFileName } from './files.ts';
import { settingsData } from './settings.ts';
import { firmwareUrl } from '../common/firmware.ts';
import { bookLists, phonebookXml, snomDirectory } from './phonebook.ts';
import { checkSnomValues } from './checks.ts';
import { applyParameters, snomParameters } from './parameters.ts';

const VENDOR = 'snom';
const XML = 'application/xml; charset=utf-8';

function xmlFile(text: string, sensitive: boolean): RenderedFile {
  return { contentType: XML, body: Buffer.from(text, 'utf8'), sensitive };
}

/** A per-device file asked under another device's MAC is not this device's to render. */
const sameMac = (ctx: RenderContext, mac: string): boolean => ctx.device.mac.toLowerCase() === mac;

/** `<MAC>.xml` as cadran computes it, before the operator's vendor parameters. */
function ownSettings(ctx: RenderContext, templates: TemplateSource): string {
  return templates.render(VENDOR, 'settings.xml.hbs', settingsData(ctx));
}

function render(file: string, ctx: RenderContext | null, templates: TemplateSource): RenderedFile | null {
  const f = parseFileName(file);
  if (!f) return null;
  switch (f.kind) {
    case 'model-list':
      // Shared by every phone of the model, whoever asks: neutral, lists nothing (the phone goes on
      // to snom<MODEL>-<MAC>.htm by itself, Wazo layout).
      return xmlFile(
        templates.render(VENDOR, 'setting-files.xml.hbs', {
          comment: `general setting files of the ${f.model}: none, every setting is per device`,
          files: [],
        }),
        false,
      );
    case 'device-list': {
      if (!ctx || !sameMac(ctx, f.mac)) return null;
      const names = [fileNames.settings(f.mac), fileNames.phonebook(f.mac)];
      return xmlFile(
        templates.render(VENDOR, 'setting-files.xml.hbs', {
          comment: 'setting files of this phone',
          files: names.map((n) => ({ url: xmlAttr(ctx.baseUrl + n) })),
        }),
        false,
      );
    }
    case 'settings': {
      if (!ctx || !sameMac(ctx, f.mac)) return null;
      const sensitive =
        ctx.user !== undefined ||
        ctx.network.adminPassword !== undefined ||
        ctx.network.phoneUserPassword !== undefined ||
        ctx.provisioningAuth !== undefined ||
        Object.keys(ctx.network.vendorParameters?.snom ?? {}).length > 0;
      return xmlFile(applyParameters(ownSettings(ctx, templates), ctx), sensitive);
    }
    case 'phonebook':
      if (!ctx || !sameMac(ctx, f.mac)) return null;
      // Personal contacts are private to their user: never cached publicly either. The company
      // directory (colleagues, shared contacts) beside them, each contact with its <group>; the
      // user's priority callers and blacklist flag the entries holding their numbers.
      return xmlFile(phonebookXml(snomDirectory(ctx).contacts, bookLists(ctx)), true);
    case 'firmware': {
      if (!ctx) return null;
      const url = firmwareUrl(ctx, f.model);
      if (url === undefined) return null;
      return xmlFile(templates.render(VENDOR, 'firmware.xml.hbs', { firmwareUrl: xmlText(url) }), false);
    }
  }
}

export const snom: Vendor = {
  id: VENDOR,
  displayName: 'Snom',
  models: [...SNOM_MODELS],
  ouis: [...SNOM_OUIS],
  identify: identifySnom,
  bootFiles: bootFileNames,
  render,
  features: SNOM_FEATURES,
  checkValues: checkSnomValues,
  parameters: snomParameters((ctx, templates) => [ownSettings(ctx, templates)]),
  // Asterisk pjsip_notify.conf.sample [snom-check-cfg] / [snom-reboot]; Wazo synchronize() (snom.md §7).
  notifyEvent: (reboot: boolean): string => `check-sync;reboot=${reboot ? 'true' : 'false'}`,
};
