// The user's personal contacts as the phone's local directory, classic `<tbook>` format
// (service.snom.com "<tbook>,<phone-book> tag"; wiki.snom.com Setting Files/XML/Directory):
//   <tbook e="2" complete="true"><item context="active" type="none" index="0"><name/><number/></item>…</tbook>
// - complete="true" (8.2.x+): the book replaces the phone's whole directory, so a contact deleted in cadran
//   disappears from the phone (the only way to delete entries by provisioning);
// - e="2": numeric escapes may exceed 255 (full Unicode);
// - one <item> per number: the classic item carries a single <number>. `index` is unique per item
//   (used since 8.2.20 to update a given slot). `type="none"` is the neutral category; the contact's
//   group goes in the optional <group> child. Same shape as FusionPBX's D785 template (name + number).
// Built as data with xmlbuilder2; values go through cleanText first so that no control character
// reaches the file. xmlbuilder2 4 escapes < and > but leaves every `&` that looks like an entity
// reference (constants.js `nonEntityAmpersandRegex = /&(?![A-Za-z]+;|#\d+;)/`), so a name holding
// `&amp;` or `&bogus;` would lose text or break the XML: `&` is escaped here, which that writer then
// keeps as is (`&amp;` is an entity reference to it).
import { create } from 'xmlbuilder2';
import type { RenderContact } from '../types.ts';
import { cleanText } from '../common/escape.ts';

const NUMBER_FIELDS = ['work', 'mobile', 'home'] as const;

const bookText = (v: string): string => cleanText(v).replace(/&/g, '&amp;');

export function phonebookXml(contacts: readonly RenderContact[]): string {
  const doc = create({ version: '1.0', encoding: 'utf-8' });
  const book = doc.ele('tbook', { e: '2', complete: 'true' });
  let index = 0;
  for (const c of contacts) {
    for (const field of NUMBER_FIELDS) {
      const number = c[field];
      if (number === undefined) continue;
      const item = book.ele('item', { context: 'active', type: 'none', index: String(index++) });
      item.ele('name').txt(bookText(c.name));
      item.ele('number').txt(bookText(number));
      if (c.group !== undefined) item.ele('group').txt(bookText(c.group));
    }
  }
  return doc.end({ prettyPrint: true, headless: false }) + '\n';
}
