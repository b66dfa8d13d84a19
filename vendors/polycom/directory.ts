// `<MAC>-directory.xml`, the VVX local contact directory (polycom.md §8: item_list/item with fn, ln,
// ct, sd, lb…; [PC-AG] SIP 3.0.2 p.4-11, CX5500 guide p.81). The structure is data, written by
// vendors/common/xml.ts (xmlbuilder2's bytes without its DOM: why is said there).
// Rules carried here:
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
import { writtenAt, xmlDocument, type XmlElement, type XmlWritten } from '../common/xml.ts';
import type { RenderContact, RenderContext } from '../types.ts';
import type { KeyPlan } from './keys.ts';
import { LABEL_BYTES, planKeys } from './keys.ts';
import { fitDirectory, perContact, type DirectoryFit } from '../common/directory.ts';
import { POLYCOM_FEATURES } from './features.ts';
import { findModel } from './models.ts';
import { polycomAccounts } from './params.ts';
import { cleanText } from '../common/escape.ts';
import { dialString, forXmlBuilder, truncateUtf8, utf8Length } from './text.ts';

/**
 * Limits of the file. The phone keeps at most 200 KB of directory file (`dir.local.volatile.maxSize`
 * 1–200, "phones with more than 16 MB RAM support up to 200 Kbytes of directory file", SoundPoint
 * IP / SoundStation IP Administrator's Guide SIP 3.1, A-68, manualsdir.com mirror); an item here is
 * about 150 bytes, so cadran writes at most 1000 items (about 150 KB) — speed dials, blacklisted
 * numbers and contacts together (a contact with several numbers takes one item per number;
 * polycomDirectory() decides which contacts fit, the device's checks say how many were left out).
 * The VVX local directory has no group field ([PC-AG] item elements): groups are not written.
 */
export const DIRECTORY_MAX_ITEMS = 1000;

/** The user's blacklist as the directory carries it (none without a user or stored settings). */
export const directoryBlacklist = (ctx: RenderContext): string[] => (ctx.user ? (ctx.features?.blacklist ?? []).slice(0, POLYCOM_FEATURES.blacklist) : []);

/** The speed dials the directory must carry (the keys point at their `sd` index). */
export const directoryKeyPlan = (ctx: RenderContext): KeyPlan => planKeys(ctx.keys, findModel(ctx.device.model), polycomAccounts(ctx).accounts);

/**
 * The contacts the directory holds within DIRECTORY_MAX_ITEMS items (vendors/common/directory.ts
 * ranks them, the user's own first): the speed dials and the blacklisted numbers no kept contact
 * holds take items of their own and are counted first; a contact takes one item per number not
 * listed yet.
 */
export function polycomDirectory(ctx: RenderContext, plan: KeyPlan = directoryKeyPlan(ctx), blacklist: readonly string[] = directoryBlacklist(ctx)): DirectoryFit {
  const listed = new Set(plan.speedDials.map((s) => s.number));
  const rejected = new Set(blacklist.map(dialString).filter(Boolean));
  let items = plan.speedDials.length;
  const accept = (c: RenderContact): boolean => {
    const fresh = new Set(numbersOf(c).map((n) => n.ct).filter((ct) => !listed.has(ct)));
    let own = 0;
    for (const n of rejected) if (!listed.has(n) && !fresh.has(n)) own++;
    if (items + fresh.size + own > DIRECTORY_MAX_ITEMS) return false;
    items += fresh.size;
    for (const ct of fresh) listed.add(ct);
    return true;
  };
  return fitDirectory(ctx, DIRECTORY_MAX_ITEMS, { personalFirst: true, accept });
}

interface Item {
  fn: string;
  ct: string;
  sd?: number;
  lb: string;
  /** A speed-dial entry that no contact has named yet. */
  speedDialOnly: boolean;
  /** Calls from this number are rejected (the user's blacklist). */
  reject?: boolean;
  /** The item as written, while nothing changed it since (kept per company contact). */
  written?: XmlWritten;
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

/** contactNumbers, once per company contact (vendors/common/directory.ts perContact). */
const numbersKept = new WeakMap<RenderContact, ReturnType<typeof contactNumbers>>();
const numbersOf = (c: RenderContact) => perContact(numbersKept, c, contactNumbers);

export type NumberLabels = Record<(typeof NUMBER_KINDS)[number], string>;
const ENGLISH: NumberLabels = { work: 'work', mobile: 'mobile', home: 'home' };

/** The label of one number of a contact: the name, plus the kind (in the phone's language) when the
 *  contact has several, so that each of its entries can be told apart. */
function itemLabel(name: string, kind: (typeof NUMBER_KINDS)[number], several: boolean, labels: NumberLabels): string {
  if (!several) return truncateUtf8(name, LABEL_BYTES);
  const suffix = ` (${cleanText(labels[kind])})`;
  return truncateUtf8(name, LABEL_BYTES - utf8Length(suffix)) + suffix;
}

/** A contact's item for one of its numbers; for a company contact, kept with its written form. */
const itemsKept = new WeakMap<RenderContact, { labels: NumberLabels; byKind: Map<string, Item> }>();
function contactItem(c: RenderContact, kind: (typeof NUMBER_KINDS)[number], ct: string, several: boolean, labels: NumberLabels): Item {
  const make = (): Item => ({ fn: truncateUtf8(c.name, LABEL_BYTES), ct, lb: itemLabel(c.name, kind, several, labels), speedDialOnly: false });
  if (!Object.isFrozen(c)) return make();
  let kept = itemsKept.get(c);
  if (!kept || kept.labels !== labels) itemsKept.set(c, (kept = { labels, byKind: new Map() }));
  let item = kept.byKind.get(kind);
  if (!item) {
    item = make();
    item.written = writtenAt(itemElement(item), 2);
    kept.byKind.set(kind, item);
  }
  // A copy: the caller may flag it (blacklist), which drops the written form.
  return { ...item };
}

function itemElement(it: Item): XmlElement {
  return {
    name: 'item',
    children: [
      { name: 'fn', text: forXmlBuilder(it.fn) },
      { name: 'ct', text: forXmlBuilder(it.ct) },
      ...(it.sd !== undefined ? [{ name: 'sd', text: String(it.sd) }] : []),
      { name: 'lb', text: forXmlBuilder(it.lb) },
      // No auto-divert, no buddy watch / block (polycom.md §8 defaults written out); auto-reject
      // for the blacklist only.
      ...['ad', 'ar', 'bw', 'bb'].map((flag) => ({ name: flag, text: flag === 'ar' && it.reject ? '1' : '0' })),
    ],
  };
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
    const numbers = numbersOf(c);
    for (const { kind, ct } of numbers) {
      if (items.length >= DIRECTORY_MAX_ITEMS) break;
      const existing = byCt.get(ct);
      if (existing) {
        // The key keeps its label; the directory shows whose number it is.
        if (existing.speedDialOnly) {
          existing.fn = truncateUtf8(c.name, LABEL_BYTES);
          existing.speedDialOnly = false;
          delete existing.written;
        }
        continue;
      }
      const item = contactItem(c, kind, ct, numbers.length > 1, labels);
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
      delete existing.written;
      continue;
    }
    // polycomDirectory() keeps room for these; never more items than the phone takes.
    if (items.length >= DIRECTORY_MAX_ITEMS) break;
    const item: Item = { fn: truncateUtf8(ct, LABEL_BYTES), ct, lb: truncateUtf8(ct, LABEL_BYTES), speedDialOnly: false, reject: true };
    items.push(item);
    byCt.set(ct, item);
  }
  return items;
}

export function renderDirectory(contacts: readonly RenderContact[], plan: KeyPlan, labels: NumberLabels = ENGLISH, blacklist: readonly string[] = []): string {
  const items = directoryItems(contacts, plan, labels, blacklist).map((it) => it.written ?? itemElement(it));
  return xmlDocument({ name: 'directory', children: [{ name: 'item_list', children: items }] }, { encoding: 'UTF-8', standalone: true }) + '\n';
}
