// Recognising a Snom phone's request: file name (files.ts), `?mac=` query (Wazo's HTTP identifier reads
// it, FusionPBX's `setting_server = …index.php?mac={mac}`) and User-Agent (snom.md §8):
//   Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 2010.12-00004-g9ba52f5 000413922D24 SXM:0 UXM:0)
//   Mozilla/4.0 (compatible; snom710-SIP 8.7.5.35 1.1.5-IFX-05.01.12 000413741767)
// Wazo's MAC regex takes any run of hex digits after the version; we take only a token of exactly 12 hex
// digits, so a truncated or odd field (`00041312343`) is never mistaken for a MAC.
import type { Identification, IdentifyRequest } from '../types.ts';
import { parseFileName, snomMac } from './files.ts';

/** OUIs 00:04:13 and 00:08:7B (snom.md §8, wazo dhcpd_update/snom.conf). */
export const SNOM_OUIS = ['000413', '00087b'];

const UA_RE = /\bsnom([A-Za-z0-9]{1,16})-SIP(?:[ /]([0-9]+(?:\.[0-9]+){0,5}))?/;

interface UaInfo {
  model: string;
  firmware?: string;
  mac?: string;
}

export function parseUserAgent(ua: string): UaInfo | null {
  const s = ua.slice(0, 512);
  const m = UA_RE.exec(s);
  if (!m) return null;
  const info: UaInfo = { model: m[1]!.toUpperCase() };
  if (m[2]) info.firmware = m[2];
  // Tokens after "snomXXX-SIP <fw>": the MAC is the one made of exactly 12 hex digits.
  const rest = s.slice(m.index + m[0].length).split(/[\s;()]+/);
  for (const tok of rest) {
    const mac = snomMac(tok);
    if (mac) {
      info.mac = mac;
      break;
    }
  }
  return info;
}

/** `?mac=` in the usual spellings (`000413123403`, `00:04:13:12:34:03`, `00-04-13-…`). */
function queryMac(query: Record<string, string> | undefined): string | null {
  const raw = query?.mac ?? query?.MAC;
  if (typeof raw !== 'string' || raw.length > 17) return null;
  const s = raw.trim();
  if (!/^[0-9a-f]{12}$|^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$/i.test(s)) return null;
  return snomMac(s.replace(/[:-]/g, ''));
}

export function identifySnom(req: IdentifyRequest): Identification | null {
  const file = parseFileName(req.file);
  const ua = req.userAgent ? parseUserAgent(req.userAgent) : null;
  const qmac = queryMac(req.query);
  const qmacIsSnom = qmac !== null && SNOM_OUIS.includes(qmac.slice(0, 6));
  if (!file && !ua && !qmacIsSnom) return null;

  const id: Identification = { vendor: 'snom' };
  // The file name says which phone's file this is; then the query, then the User-Agent.
  const fileMac = file && 'mac' in file ? file.mac : undefined;
  const mac = fileMac ?? qmac ?? ua?.mac;
  if (mac) id.mac = mac;
  const model = file && 'model' in file ? file.model : ua?.model;
  if (model) id.model = model;
  if (ua?.firmware) id.firmware = ua.firmware;
  return id;
}
