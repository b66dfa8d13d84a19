// The user's personal contacts as a Yealink remote phonebook (yealink.md §6, format B):
//   <YealinkIPPhoneBook><Title>…</Title>
//     <Menu Name="group"><Unit Name="…" Phone1="work" Phone2="mobile" Phone3="home"/></Menu>
//   </YealinkIPPhoneBook>
// Format B keeps the contact groups (a Menu each) and up to three numbers per contact, which is
// exactly what a cadran contact holds. Contacts without a group go in a Menu named after the
// Title. Groups appear in the order of their first contact (the core sends contacts sorted).
// Built with xmlbuilder2 from xmlBuilderValue values (xmlbuilder2 passes control characters
// through and leaves `&name;` unescaped, see vendors/common/escape.ts).
import { create } from 'xmlbuilder2';
import type { RenderContact } from '../types.ts';
import { cleanText, xmlBuilderValue } from '../common/escape.ts';

export const PHONEBOOK_TITLE = 'Contacts';

/**
 * Contacts written at most. Yealink admin guide (SIP-T2/T19 E2/T4/T5/CP860, "Local Directory",
 * p.342, manualarchiveguide.com mirror): "The local directory can store up to 1000 contacts and 48
 * groups". cadran keeps the remote phonebook within that size. Searching is the phone's own over
 * the book it loaded (no server-side search URL is written; the exact remote-book limit was not
 * found in the vendor documents searched).
 */
export const PHONEBOOK_MAX_CONTACTS = 1000;

export function renderPhonebook(contacts: RenderContact[]): string {
  const groups = new Map<string, RenderContact[]>();
  for (const c of contacts) {
    const g = c.group !== undefined && cleanText(c.group).trim() !== '' ? cleanText(c.group) : PHONEBOOK_TITLE;
    let list = groups.get(g);
    if (!list) groups.set(g, (list = []));
    list.push(c);
  }
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele('YealinkIPPhoneBook');
  root.ele('Title').txt(PHONEBOOK_TITLE);
  for (const [group, list] of groups) {
    const menu = root.ele('Menu', { Name: xmlBuilderValue(group) });
    for (const c of list) {
      const attrs: Record<string, string> = { Name: xmlBuilderValue(c.name) };
      if (c.work !== undefined) attrs['Phone1'] = xmlBuilderValue(c.work);
      if (c.mobile !== undefined) attrs['Phone2'] = xmlBuilderValue(c.mobile);
      if (c.home !== undefined) attrs['Phone3'] = xmlBuilderValue(c.home);
      menu.ele('Unit', attrs);
    }
  }
  return root.end({ prettyPrint: true }) + '\n';
}
