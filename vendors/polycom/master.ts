// Master configuration files: one `APPLICATION` element whose attributes name the other files
// (polycom.md §1, [PC-AG] SIP 3.x "Master Configuration Files"). APP_FILE_PATH is the firmware
// image (≤255 characters), CONFIG_FILES the parameter files, first definition wins, so the
// per-phone file comes first; CONTACTS_DIRECTORY empty = next to the master file, where cadran
// serves `<MAC>-directory.xml`. `[PHONE_MAC_ADDRESS]` is expanded by the phone (polycom.md §1).
import { create } from 'xmlbuilder2';
import { cleanText } from '../common/escape.ts';
import { forXmlBuilder } from './text.ts';
import { PARAMS_SUFFIX } from './files.ts';

/** What a VVX fetches when no firmware URL is set: cadran answers 404, the phone keeps its software. */
export const NO_FIRMWARE = 'sip.ld';
export const MAX_APP_FILE_PATH = 255;

function application(appFilePath: string, configFiles: string): string {
  const doc = create({ version: '1.0', encoding: 'UTF-8', standalone: true });
  doc.ele('APPLICATION', {
    APP_FILE_PATH: forXmlBuilder(appFilePath),
    CONFIG_FILES: forXmlBuilder(configFiles),
    MISC_FILES: '',
    LOG_FILE_DIRECTORY: '',
    OVERRIDES_DIRECTORY: '',
    CONTACTS_DIRECTORY: '',
    LICENSE_DIRECTORY: '',
  });
  return doc.end({ prettyPrint: true, wellFormed: true }) + '\n';
}

/** `000000000000.cfg`: the same for every phone, no tenant data, no secret. It still names the
 *  phone's own parameter file, so a phone pointed straight at this file gets its settings once claimed. */
export function renderDefaultMaster(): string {
  return application(NO_FIRMWARE, `[PHONE_MAC_ADDRESS]${PARAMS_SUFFIX}`);
}

/**
 * APP_FILE_PATH for a firmware location (polycom.md §1: APP_FILE_PATH is the firmware image, e.g.
 * `sip.ld`, per model `<part>.sip.ld`; deployment.md §8: a directory URL copied as is is not an image
 * the phone can load):
 * - an image (`….ld`), or a download URL with a query: as given;
 * - a directory (trailing `/`, a bare host, or a last path segment without a letter extension such as
 *   `6.4.6`): the model's split image
 *   `<part>.sip.ld` in it, or the combined image `sip.ld` when the model has no part number;
 * - any other file: as given (checkValues reports that it is not a `.ld` image).
 */
export function firmwareImagePath(location: string, firmwarePart: string | undefined): string {
  const url = cleanText(location).trim();
  if (isImageLocation(url) || /[?#]/.test(url)) return url;
  const lastSegment = url.replace(/\/+$/, '').split('/').pop() ?? '';
  // A file name ends in an extension of letters (`.rom`, `.zip`); `6.4.6` is a version directory.
  const isDirectory = url.endsWith('/') || !/\.[A-Za-z][A-Za-z0-9]{0,4}$/.test(lastSegment) || /^[a-z][a-z0-9+.-]*:\/\/[^/]*$/i.test(url);
  if (!isDirectory) return url;
  const image = firmwarePart ? `${firmwarePart}.${NO_FIRMWARE}` : NO_FIRMWARE;
  return url.endsWith('/') ? `${url}${image}` : `${url}/${image}`;
}

export function isImageLocation(url: string): boolean {
  return /\.ld$/i.test(url.trim());
}

/** `<mac>.cfg`: the phone's own parameter file and, when one is set for its model, its firmware. */
export function renderPhoneMaster(mac: string, firmwareUrl: string | undefined, firmwarePart?: string): string {
  const url = cleanText(firmwareUrl ?? '').trim();
  const image = url ? firmwareImagePath(url, firmwarePart) : '';
  // A path the phone would refuse is left out (checkValues reports it) rather than cut.
  return application(image && image.length <= MAX_APP_FILE_PATH ? image : NO_FIRMWARE, `${mac}${PARAMS_SUFFIX}`);
}
