// Recognising a VVX request. Sources: polycom.md §10 (User-Agent
// `FileTransport PolycomVVX-VVX_450-UA/6.4.6.2736 Type/Application`, Wazo regex
// `^FileTransport Polycom\w+-(\w*?)-UA/([\d.]+)`, model = capture without `_`), §2 (OUIs from Wazo's
// dhcpd_update/polycom.conf: 00:04:f2, 64:16:7f, 48:25:67).
import type { IdentifyRequest, Identification } from '../types.ts';
import { parseFileName } from './files.ts';

export const POLYCOM_OUIS = ['0004f2', '64167f', '482567'];

// Bounded quantifiers: the header comes from the network.
const UA_RE = /^FileTransport Polycom[A-Za-z0-9]{1,40}-([A-Za-z0-9_]{1,40}?)-UA\/([0-9][0-9.]{0,39})/;

/**
 * Model and software version. A request marked `Type/Updater` comes from the BootROM / Updater
 * (polycom.md §10: "the version in early requests is the BootROM/Updater version, later ones the
 * SIP application version"): its version is not the firmware cadran rolls out, so none is taken —
 * the fleet keeps the application version it knew, and the firmware inventory is not fooled at boot.
 */
export function parseUserAgent(ua: string): { model: string; firmware?: string } | null {
  const m = UA_RE.exec(ua);
  if (!m) return null;
  const model = m[1]!.replace(/_/g, '').toUpperCase();
  if (/\sType\/Updater\b/.test(ua)) return { model };
  return { model, firmware: m[2]! };
}

export function identifyPolycom(req: IdentifyRequest): Identification | null {
  const fromUa = req.userAgent ? parseUserAgent(req.userAgent.slice(0, 512)) : null;
  const file = parseFileName(req.file);
  // 000000000000 is the prefix of the files every VVX shares (`000000000000-license.cfg`), never a phone.
  const named = file && 'mac' in file ? file.mac : undefined;
  const mac = named === '000000000000' ? undefined : named;
  // `<mac>.cfg` is also another vendor's name: without a VVX User-Agent, only a Polycom OUI claims it.
  const claimedByName =
    file !== null && (file.kind !== 'phoneMaster' || POLYCOM_OUIS.includes(file.mac.slice(0, 6)));
  if (!fromUa && !claimedByName) return null;
  const id: Identification = { vendor: 'polycom' };
  if (mac) id.mac = mac;
  if (fromUa) {
    id.model = fromUa.model;
    if (fromUa.firmware) id.firmware = fromUa.firmware;
  }
  return id;
}
