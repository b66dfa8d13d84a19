// The user's personal contacts as the phone's local directory, in the `version="2.0"` format of the
// 10.1 firmware (snom.md §6; service.snom.com "Local Directory", mirrored at
// service-test.snom.com pageId=234339325: `<tbook complete="true" e="2" version="2.0"><contact fav=…
// vip=… blocked=…><first_name/>…<group/><numbers><number no="…" type="business|extension|fixed|home|
// sip|mobile" outgoing_id="0"/></numbers></contact></tbook>`). Unlike the classic `<item>` format,
// which carries one number per item and so showed a contact with three numbers as three identical
// names (deployment.md §8), a contact is listed once with each of its numbers typed:
//   work → business, mobile → mobile, home → home.
// - complete="true": the book replaces the phone's whole directory, so a contact deleted in cadran
//   disappears from the phone (the only way to delete entries by provisioning);
// - e="2": numeric escapes may exceed 255 (full Unicode);
// - the licence-style single name goes in <first_name>; the contact's group in <group>; outgoing_id 0
//   = the active identity. A contact without any number is left out (nothing to dial).
// - the user's line settings (issue 15) ride on the same book: a priority caller is a contact with
//   vip="true" ("contact type 'VIP' overrides the DND mode, i.e., a call from a number you have
//   defined as contact type 'VIP' will be put through to your phone even when DND is active", snom
//   320 / 190 manuals; D712 manual "Do not disturb mode": "Exception: Phone numbers on your
//   directory's VIP list"), a blacklisted number a contact with blocked="true" (the deny list:
//   "The numbers to be denied are listed as contact type 'deny'", snom 320 manual "Deny List"; the
//   2.0 format's `blocked` attribute, snom.md §6). A personal contact holding such a number is
//   flagged itself (the phone matches a caller against its book, and an unflagged entry for the same
//   number would win); a number no contact holds gets an entry of its own, named by the number.
//   Flags are per contact: a contact with one blacklisted number is blocked on all its numbers.
// Built as data with vendors/common/xml.ts (xmlbuilder2's bytes, written without its DOM: a book
// of 1,000 contacts cost 48 ms there, loaded machine); values go through cleanText first so that
// no control character reaches the file. Like xmlbuilder2, that writer escapes < and > but leaves every `&` that looks
// like an entity reference, so a name holding `&amp;` or `&bogus;` would lose text or break the
// XML: `&` is escaped here, which the writer then keeps as is (`&amp;` is an entity reference).
import type { RenderContact, RenderContext } from '../types.ts';
import { cleanText } from '../common/escape.ts';
import { fitDirectory, perContact, type DirectoryFit } from '../common/directory.ts';
import { writtenAt, xmlDocument, type XmlElement, type XmlWritten } from '../common/xml.ts';
import { SNOM_FEATURES } from './features.ts';

const NUMBER_TYPES = [
  ['work', 'business'],
  ['mobile', 'mobile'],
  ['home', 'home'],
] as const;

/**
 * Contacts written at most: the phone's built-in directory "can hold 1000 entries" (Snom D765/760
 * User Manual, "Directory", manualzz mirror; the same figure in the D315/D305 User Manual p.37).
 * The local directory is searchable on the phone (type letters in the directory).
 */
export const PHONEBOOK_MAX_CONTACTS = 1000;

const bookText = (v: string): string => cleanText(v).replace(/&/g, '&amp;');

/** Numbers the book flags: priority callers (through DND) and the blacklist. */
export interface BookLists {
  vip: readonly string[];
  blocked: readonly string[];
}

/** The line settings the phone book carries: none without a user or stored settings. */
export function bookLists(ctx: RenderContext): BookLists {
  const f = ctx.user ? ctx.features : undefined;
  if (!f) return { vip: [], blocked: [] };
  return { vip: f.dnd.allowedCallers.slice(0, SNOM_FEATURES.allowedCallers), blocked: f.blacklist.slice(0, SNOM_FEATURES.blacklist) };
}

const bookNumbers = (c: RenderContact): string[] =>
  NUMBER_TYPES.filter(([field]) => c[field] !== undefined && cleanText(c[field]!).trim() !== '').map(([field]) => cleanText(c[field]!).trim());

/** A contact's numbers as the book compares them, and its entry when nothing flags it (written once per company contact). */
interface BookEntry {
  nos: string[];
  plain: XmlWritten | null;
}
const entries = new WeakMap<RenderContact, BookEntry>();

function contactElement(c: RenderContact, attrs: Record<string, string>): XmlElement {
  const numbers = NUMBER_TYPES.filter(([field]) => c[field] !== undefined && cleanText(c[field]!).trim() !== '');
  return {
    name: 'contact',
    attrs,
    children: [
      { name: 'first_name', text: bookText(c.name) },
      ...(c.group !== undefined ? [{ name: 'group', text: bookText(c.group) }] : []),
      { name: 'numbers', children: numbers.map(([field, type]) => ({ name: 'number', attrs: { no: bookText(c[field]!), type, outgoing_id: '0' } })) },
    ],
  };
}

const UNFLAGGED = { fav: 'false', vip: 'false', blocked: 'false' } as const;

const bookEntry = (c: RenderContact): BookEntry =>
  perContact(entries, c, () => {
    const nos = bookNumbers(c);
    return { nos, plain: nos.length ? writtenAt(contactElement(c, UNFLAGGED), 1) : null };
  });

/**
 * The contacts the book holds within PHONEBOOK_MAX_CONTACTS entries (vendors/common/directory.ts
 * ranks them): a flagged number (priority caller, blacklist) that no kept contact holds takes an
 * entry of its own, so those entries are counted first; a contact without a number takes none.
 */
export function snomDirectory(ctx: RenderContext): DirectoryFit {
  const lists = bookLists(ctx);
  const flagged = new Set([...lists.vip, ...lists.blocked].map((n) => cleanText(n).trim()).filter(Boolean));
  const covered = new Set<string>();
  let written = 0;
  const accept = (c: RenderContact): boolean => {
    const { nos } = bookEntry(c);
    if (nos.length === 0) return true;
    const fresh = new Set(nos.filter((n) => flagged.has(n) && !covered.has(n)));
    if (written + 1 + (flagged.size - covered.size - fresh.size) > PHONEBOOK_MAX_CONTACTS) return false;
    written++;
    for (const n of fresh) covered.add(n);
    return true;
  };
  return fitDirectory(ctx, PHONEBOOK_MAX_CONTACTS, { accept });
}

export function phonebookXml(contacts: readonly RenderContact[], lists: BookLists = { vip: [], blocked: [] }): string {
  const written: Array<XmlElement | XmlWritten> = [];
  const vip = new Set(lists.vip.map((n) => cleanText(n).trim()).filter(Boolean));
  const blocked = new Set(lists.blocked.map((n) => cleanText(n).trim()).filter(Boolean));
  const listed = new Set<string>();
  const flags = (nos: string[]) => ({
    fav: 'false',
    vip: nos.some((n) => vip.has(n)) ? 'true' : 'false',
    blocked: nos.some((n) => blocked.has(n)) ? 'true' : 'false',
  });
  for (const c of contacts) {
    const { nos, plain } = bookEntry(c);
    if (!plain) continue;
    for (const n of nos) listed.add(n);
    const f = flags(nos);
    written.push(f.vip === 'false' && f.blocked === 'false' ? plain : contactElement(c, f));
  }
  for (const n of new Set([...vip, ...blocked])) {
    if (listed.has(n)) continue;
    written.push({
      name: 'contact',
      attrs: flags([n]),
      children: [
        { name: 'first_name', text: bookText(n) },
        { name: 'numbers', children: [{ name: 'number', attrs: { no: bookText(n), type: 'fixed', outgoing_id: '0' } }] },
      ],
    });
  }
  const book: XmlElement = { name: 'tbook', attrs: { e: '2', version: '2.0', complete: 'true' }, children: written };
  return xmlDocument(book, { encoding: 'utf-8' }) + '\n';
}
