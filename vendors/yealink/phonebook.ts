// The user's personal contacts as a Yealink remote phonebook (yealink.md §6, format B):
//   <YealinkIPPhoneBook><Title>…</Title>
//     <Menu Name="group"><Unit Name="…" Phone1="work" Phone2="mobile" Phone3="home"/></Menu>
//   </YealinkIPPhoneBook>
// Format B keeps the contact groups (a Menu each) and up to three numbers per contact, which is
// exactly what a cadran contact holds. Contacts without a group go in a Menu named after the
// Title. Groups appear in the order of their first contact (the core sends contacts sorted).
// Written by vendors/common/xml.ts (xmlbuilder2's bytes without its DOM, which made a book of
// 1,000 contacts cost 16 ms on a loaded machine) from xmlBuilderValue values (the writer, like
// xmlbuilder2, passes control characters through and leaves `&name;` unescaped, see
// vendors/common/escape.ts).
import type { RenderContact } from '../types.ts';
import { cleanText, xmlBuilderValue } from '../common/escape.ts';
import { writtenAt, xmlDocument, type XmlElement, type XmlWritten } from '../common/xml.ts';
import { perContact } from '../common/directory.ts';

export const PHONEBOOK_TITLE = 'Contacts';

/**
 * Contacts written at most. Yealink admin guide (SIP-T2/T19 E2/T4/T5/CP860, "Local Directory",
 * p.342, manualarchiveguide.com mirror): "The local directory can store up to 1000 contacts and 48
 * groups". cadran keeps the remote phonebook within that size. Searching is the phone's own over
 * the book it loaded (no server-side search URL is written; the exact remote-book limit was not
 * found in the vendor documents searched).
 */
export const PHONEBOOK_MAX_CONTACTS = 1000;

/** A contact's `<Unit>` (in its Menu, two levels down), written once per company contact. */
const units = new WeakMap<RenderContact, XmlWritten>();
const unitOf = (c: RenderContact): XmlWritten =>
  perContact(units, c, () => {
    const attrs: Record<string, string> = { Name: xmlBuilderValue(c.name) };
    if (c.work !== undefined) attrs['Phone1'] = xmlBuilderValue(c.work);
    if (c.mobile !== undefined) attrs['Phone2'] = xmlBuilderValue(c.mobile);
    if (c.home !== undefined) attrs['Phone3'] = xmlBuilderValue(c.home);
    return writtenAt({ name: 'Unit', attrs }, 2);
  });

export function renderPhonebook(contacts: RenderContact[]): string {
  const groups = new Map<string, RenderContact[]>();
  for (const c of contacts) {
    const g = c.group !== undefined && cleanText(c.group).trim() !== '' ? cleanText(c.group) : PHONEBOOK_TITLE;
    let list = groups.get(g);
    if (!list) groups.set(g, (list = []));
    list.push(c);
  }
  const menus: XmlElement[] = [];
  for (const [group, list] of groups) {
    menus.push({ name: 'Menu', attrs: { Name: xmlBuilderValue(group) }, children: list.map(unitOf) });
  }
  const root: XmlElement = { name: 'YealinkIPPhoneBook', children: [{ name: 'Title', text: PHONEBOOK_TITLE }, ...menus] };
  return xmlDocument(root, { encoding: 'UTF-8' }) + '\n';
}
