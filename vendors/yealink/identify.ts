// Recognising a Yealink phone's request (yealink.md §9): the User-Agent
// `Yealink SIP-T54W 96.86.0.100 80:5e:c0:12:34:01` (model, firmware, MAC; variants without `SIP-`
// for DECT bases, `SIP VP-T49G`, old `Yealink-T46G 28.71.0.81 …` without MAC — Wazo's parser in
// [WAZO] common.py / v83/common.py), and the file name.
import type { Identification, IdentifyRequest } from '../types.ts';
import { parseYealinkFile } from './files.ts';
import { findYealinkModel, modelsForCode } from './models.ts';

/** Yealink OUIs (yealink.md §9, Wazo `KNOWN_MAC_PREFIXES`). */
export const YEALINK_OUIS = [
  '001565',
  'e434d7',
  '805ec0',
  '805e0c',
  '249ad8',
  '3497d7',
  '44dbd2',
  '644f56',
  'b061a9',
  'c4fc22',
  'ec1da9',
  'f01653',
];

const UA = /^yealink[\s-]+(?:sip[\s-]+)?(?:vp-)?([a-z0-9]{2,20})[\s-]+([0-9][0-9.]{0,30})(?:\s+([0-9a-f]{2}(?::[0-9a-f]{2}){5}))?(?:\s|$)/i;

export function parseUserAgent(ua: string | undefined): { model: string; firmware: string; mac?: string } | null {
  if (!ua || ua.length > 512) return null;
  const m = UA.exec(ua.trim());
  if (!m) return null;
  const raw = m[1]!.toUpperCase();
  return {
    model: findYealinkModel(raw)?.model ?? raw,
    firmware: m[2]!,
    ...(m[3] ? { mac: m[3].replace(/:/g, '').toLowerCase() } : {}),
  };
}

export function identifyYealink(req: IdentifyRequest): Identification | null {
  const ua = parseUserAgent(req.userAgent);
  const file = parseYealinkFile(req.file);
  const fileMac = file && 'mac' in file ? file.mac : undefined;
  // `<12 hex>.cfg` is also another vendor's master file name: by name alone it is ours only
  // when the MAC is in a Yealink range. The other names are Yealink's own.
  const claimed =
    ua !== null ||
    (file !== null && (file.kind !== 'device' || YEALINK_OUIS.includes(fileMac!.slice(0, 6))));
  if (!claimed) return null;
  const id: Identification = { vendor: 'yealink' };
  const mac = fileMac ?? ua?.mac;
  if (mac) id.mac = mac;
  if (ua) {
    id.model = ua.model;
    id.firmware = ua.firmware;
  } else if (file?.kind === 'common') {
    const models = modelsForCode(file.code);
    // A code shared by several models (095 = T53/T53W, 123 = T31/T31G/T31P) names none of them.
    if (models.length === 1) id.model = models[0]!.model;
  }
  return id;
}
