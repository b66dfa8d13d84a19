// `<MAC>-directory.xml`, the VVX local contact directory (polycom.md §8: item_list/item with fn, ln,
// ct, sd, lb…; [PC-AG] SIP 3.0.2 p.4-11, CX5500 guide p.81). Built with xmlbuilder2: the structure
// is data. Rules carried here:
// - `ct` must be neither empty nor duplicated: a contact without a number has no item, and a number
//   already listed (by an earlier contact or a speed dial) is not listed twice;
// - fn / ln / lb hold at most 40 bytes of UTF-8, cut on a character boundary;
// - `sd` (speed-dial index, 1–9999) only on the entries the speed-dial keys point at;
// - a contact with several numbers gets one entry per number (`ct` holds one number), the label of
//   each followed by the kind of number in the phone's language (`Hélène (bureau)`), since the VVX
//   directory has no number-type field (polycom.md §8 lists none);
// - the user's blacklist (issue 15): each number is an entry with `ar` (auto-reject) = 1 — "If set to
//   1, automatically rejects callers that match the directory entry" ([PC-AG] SIP 3.0.2 p.4-12,
//   CX5500 guide p.81 "Auto Reject"); a number already listed (a contact, a speed dial) is flagged
//   on that entry instead, since `ct` may not repeat. `ad` (auto-divert, which would win) stays 0.
import { create } from 'xmlbuilder2';
import type { RenderContact } from '../types.ts';
import type { KeyPlan } from './keys.ts';
import { LABEL_BYTES } from './keys.ts';
import { cleanText } from '../common/escape.ts';
import { dialString, forXmlBuilder, truncateUtf8, utf8Length } from './text.ts';

/**
 * Limits of the file. The phone keeps at most 200 KB of directory file (`dir.local.volatile.maxSize`
 * 1–200, "phones with more than 16 MB RAM support up to 200 Kbytes of directory file", SoundPoint
 * IP / SoundStation IP Administrator's Guide SIP 3.1, A-68, manualsdir.com mirror); an item here is
 * about 150 bytes, so cadran writes at most 1000 items (about 150 KB) from at most 1000 contacts —
 * a contact with several numbers takes one item per number, the last ones are left out past 1000.
 * The VVX local directory has no group field ([PC-AG] item elements): groups are not written.
 */
export const DIRECTORY_MAX_CONTACTS = 1000;
export const DIRECTORY_MAX_ITEMS = 1000;

interface Item {
  fn: string;
  ct: string;
  sd?: number;
  lb: string;
  /** A speed-dial entry that no contact has named yet. */
  speedDialOnly: boolean;
  /** Calls from this number are rejected (the user's blacklist). */
  reject?: boolean;
}

const NUMBER_KINDS = ['work', 'mobile', 'home'] as const;

/** The numbers of a contact the phone can dial, in a fixed order. */
export function contactNumbers(c: RenderContact): { kind: (typeof NUMBER_KINDS)[number]; ct: string }[] {
  const out: { kind: (typeof NUMBER_KINDS)[number]; ct: string }[] = [];
  for (const kind of NUMBER_KINDS) {
    const raw = c[kind];
    const ct = raw === undefined ? '' : dialString(raw);
    if (ct) out.push({ kind, ct });
  }
  return out;
}

export type NumberLabels = Record<(typeof NUMBER_KINDS)[number], string>;
const ENGLISH: NumberLabels = { work: 'work', mobile: 'mobile', home: 'home' };

/** The label of one number of a contact: the name, plus the kind (in the phone's language) when the
 *  contact has several, so that each of its entries can be told apart. */
function itemLabel(name: string, kind: (typeof NUMBER_KINDS)[number], several: boolean, labels: NumberLabels): string {
  if (!several) return truncateUtf8(name, LABEL_BYTES);
  const suffix = ` (${cleanText(labels[kind])})`;
  return truncateUtf8(name, LABEL_BYTES - utf8Length(suffix)) + suffix;
}

export function directoryItems(contacts: readonly RenderContact[], plan: KeyPlan, labels: NumberLabels = ENGLISH, blacklist: readonly string[] = []): Item[] {
  const items: Item[] = [];
  const byCt = new Map<string, Item>();
  for (const s of plan.speedDials) {
    const item: Item = { fn: s.label, ct: s.number, sd: s.sd, lb: s.label, speedDialOnly: true };
    items.push(item);
    byCt.set(s.number, item);
  }
  for (const c of contacts) {
    const numbers = contactNumbers(c);
    for (const { kind, ct } of numbers) {
      if (items.length >= DIRECTORY_MAX_ITEMS) break;
      const existing = byCt.get(ct);
      if (existing) {
        // The key keeps its label; the directory shows whose number it is.
        if (existing.speedDialOnly) {
          existing.fn = truncateUtf8(c.name, LABEL_BYTES);
          existing.speedDialOnly = false;
        }
        continue;
      }
      const item: Item = {
        fn: truncateUtf8(c.name, LABEL_BYTES),
        ct,
        lb: itemLabel(c.name, kind, numbers.length > 1, labels),
        speedDialOnly: false,
      };
      items.push(item);
      byCt.set(ct, item);
    }
  }
  for (const n of blacklist) {
    const ct = dialString(n);
    if (!ct) continue;
    const existing = byCt.get(ct);
    if (existing) {
      existing.reject = true;
      continue;
    }
    const item: Item = { fn: truncateUtf8(ct, LABEL_BYTES), ct, lb: truncateUtf8(ct, LABEL_BYTES), speedDialOnly: false, reject: true };
    items.push(item);
    byCt.set(ct, item);
  }
  return items;
}

export function renderDirectory(contacts: readonly RenderContact[], plan: KeyPlan, labels: NumberLabels = ENGLISH, blacklist: readonly string[] = []): string {
  const doc = create({ version: '1.0', encoding: 'UTF-8', standalone: true });
  const list = doc.ele('directory').ele('item_list');
  for (const it of directoryItems(contacts, plan, labels, blacklist)) {
    const item = list.ele('item');
    item.ele('fn').txt(forXmlBuilder(it.fn));
    item.ele('ct').txt(forXmlBuilder(it.ct));
    if (it.sd !== undefined) item.ele('sd').txt(String(it.sd));
    item.ele('lb').txt(forXmlBuilder(it.lb));
    // No auto-divert, no buddy watch / block (polycom.md §8 defaults written out); auto-reject for
    // the blacklist only.
    for (const flag of ['ad', 'ar', 'bw', 'bb']) item.ele(flag).txt(flag === 'ar' && it.reject ? '1' : '0');
  }
  return doc.end({ prettyPrint: true, wellFormed: true }) + '\n';
}
