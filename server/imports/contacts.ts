// Personal contacts import: a user's own directory (or, for an admin, a user of their tenant),
// from a CSV made in a spreadsheet or exported from a mail client. Same two passes as the MAC
// import. A contact is identified by its name (case and accents ignored) and its numbers, so
// importing the same file twice never doubles an entry.
import { DomainError, notFound } from '../domain/errors.ts';
import { normalizePhoneNumber } from '../domain/numbers.ts';
import { contactInput, parseInput } from '../domain/schemas.ts';
import type { Principal } from '../auth/principal.ts';
import { getUser } from '../service/users.ts';
import { devicesOfUsers, type ServiceDeps } from '../service/context.ts';
import type { Contact } from '../store/types.ts';
import { readCsv, type CsvReadOptions } from './csv.ts';
import { cell, extraCellsProblem, mapColumns, type ColumnSpec } from './columns.ts';
import { ReportBuilder, type ImportMode, type ImportOptions, type ImportReport } from './report.ts';
import { applyInOneTransaction, reasonOf, type ImportProgress, type Outcome } from './common.ts';

type ContactColumn = 'name' | 'first' | 'last' | 'work' | 'mobile' | 'home' | 'group';

/** Accepted header spellings, compared with `headerKey` (no case, accents, spaces). */
export const CONTACT_COLUMNS: ColumnSpec<ContactColumn> = {
  name: ['name', 'fullname', 'displayname', 'nomcomplet', 'contact', 'nometprenom', 'prenometnom', 'nomprenom', 'prenomnom'],
  first: ['firstname', 'prenom', 'givenname'],
  last: ['lastname', 'nom', 'surname', 'familyname', 'nomdefamille'],
  work: ['work', 'travail', 'bureau', 'office', 'business', 'businessphone', 'workphone', 'telephonetravail', 'telephonebureau', 'telbureau', 'teltravail', 'pro', 'professionnel', 'number', 'numero', 'telephone', 'tel', 'phone'],
  mobile: ['mobile', 'portable', 'cell', 'cellphone', 'mobilephone', 'gsm', 'telephonemobile', 'telephoneportable', 'telportable', 'telmobile'],
  home: ['home', 'domicile', 'maison', 'homephone', 'perso', 'personnel', 'telephonedomicile', 'teldomicile'],
  group: ['group', 'groupe', 'groups', 'groupes', 'category', 'categorie', 'categories'],
};

/** A personal directory larger than this is refused line by line (phones page through them). */
export const MAX_CONTACTS_PER_USER = 10_000;

export interface ContactImportOptions extends ImportOptions, Pick<CsvReadOptions, 'maxBytes' | 'charset'> {
  onProgress?: (p: ImportProgress) => void;
}

interface Candidate {
  line: number;
  key: string;
  name: string;
  work: string | null;
  mobile: string | null;
  home: string | null;
  group: string | null;
}

/** Same person for the directory: name without case/accents/extra spaces, and the same numbers. */
export function contactKey(c: { name: string; work: string | null; mobile: string | null; home: string | null }): string {
  const name = c.name.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/\s+/g, ' ').trim();
  return `${name}|${c.work ?? ''}|${c.mobile ?? ''}|${c.home ?? ''}`;
}

export async function importContacts(
  deps: ServiceDeps,
  p: Principal,
  number: string,
  input: AsyncIterable<Buffer | string>,
  opts: ContactImportOptions = {},
): Promise<ImportReport> {
  const user = await getUser(deps, p, number); // the user themself, an admin of their tenant, or an operator
  const mode: ImportMode = opts.mode ?? 'all-or-nothing';
  const dryRun = opts.dryRun ?? false;
  const report = new ReportBuilder(opts.maxRejectedDetail);

  const candidates: Candidate[] = [];
  const seen = new Map<string, Candidate | number>();
  let map: ReturnType<typeof mapColumns<ContactColumn>> | undefined;
  const rows = readCsv(input, { maxBytes: opts.maxBytes, charset: opts.charset, onBytes: (bytes) => opts.onProgress?.({ phase: 'read', bytes }) });
  for await (const batch of rows) for (const { line, fields } of batch) {
    if (!map) {
      map = mapColumns(fields, CONTACT_COLUMNS, 'a contacts import');
      const i = map.index;
      if (i.name === undefined && i.first === undefined && i.last === undefined) {
        throw new DomainError('validation_failed', 'line 1: the header has no name column ("name", or "first name"/"last name", "prénom"/"nom")', [{ field: 'name', line: 1, message: 'missing column' }]);
      }
      if (i.work === undefined && i.mobile === undefined && i.home === undefined) {
        throw new DomainError('validation_failed', 'line 1: the header has no number column ("work"/"bureau", "mobile"/"portable", "home"/"domicile")', [{ field: 'work', line: 1, message: 'missing column' }]);
      }
      if (map.ignored.length) report.warnings.push(`ignored columns: ${map.ignored.join(', ')}`);
      continue;
    }
    const get = (k: ContactColumn) => cell(fields, map!, k);
    const name = get('name') ?? [get('first'), get('last')].filter(Boolean).join(' ');
    const shownName = name.slice(0, 80);
    const reject = (reason: string) => report.add({ line, name: shownName, status: 'rejected', reason });
    const extra = extraCellsProblem(fields, map.width);
    if (extra) {
      reject(extra);
      continue;
    }
    const numbers: Partial<Record<'work' | 'mobile' | 'home', string>> = {};
    let bad: string | null = null;
    for (const k of ['work', 'mobile', 'home'] as const) {
      const raw = get(k);
      if (!raw) continue;
      const n = normalizePhoneNumber(raw);
      if (n === null) {
        bad ??= `${k}: "${raw.slice(0, 40)}" is not a phone number`;
        continue;
      }
      numbers[k] = n;
    }
    if (bad) {
      reject(bad);
      continue;
    }
    const group = get('group');
    let c: Candidate;
    try {
      // The same rules as the API's contact input (text without control characters, lengths, a number).
      const v = parseInput(contactInput, { name, ...numbers, ...(group ? { group } : {}) });
      const fields_ = { name: v.name, work: v.work ?? null, mobile: v.mobile ?? null, home: v.home ?? null };
      c = { line, key: contactKey(fields_), ...fields_, group: v.group ?? null };
    } catch (e) {
      reject(name ? reasonOf(e) : 'name: empty (give a name, or a first and last name)');
      continue;
    }
    const first = seen.get(c.key);
    if (first !== undefined) {
      const firstLine = typeof first === 'number' ? first : first.line;
      const sameGroup = typeof first !== 'number' && (c.group === null || c.group === first.group);
      if (sameGroup) report.add({ line, name: c.name, status: 'unchanged', reason: `same contact as line ${firstLine} (counted once)` });
      else reject(`same contact as line ${firstLine} but in another group`);
      continue;
    }
    seen.set(c.key, c);
    candidates.push(c);
  }
  if (!map) throw new DomainError('validation_failed', 'the file is empty: expected a header line (name;work;mobile;home;group) and data lines', [{ field: 'file', message: 'empty' }]);
  if (report.counts.rejected + report.counts.unchanged + candidates.length === 0) {
    throw new DomainError('validation_failed', 'the file has a header but no data line: nothing to import', [{ field: 'file', line: 2, message: 'no data' }]);
  }

  const { store } = deps;
  const existing = new Map<string, Contact>();
  let count = 0;
  let wrote = false;
  type Row = Omit<Contact, 'id' | 'userNumber' | 'createdAt' | 'updatedAt'> & { id?: number };
  const decide = async (c: Candidate): Promise<Outcome<Row>> => {
    const cur = existing.get(c.key);
    if (cur) {
      const group = c.group ?? cur.group;
      if (cur.name === c.name && cur.group === group) return 'unchanged';
      return { status: 'updated', row: { id: cur.id, name: c.name, work: cur.work, mobile: cur.mobile, home: cur.home, group } };
    }
    if (count >= MAX_CONTACTS_PER_USER) return { reason: `the directory is full (at most ${MAX_CONTACTS_PER_USER} contacts per user)` };
    count++;
    return { status: 'created', row: { name: c.name, work: c.work, mobile: c.mobile, home: c.home, group: c.group } };
  };
  const applied = await applyInOneTransaction(store, candidates, {
    mode, dryRun, report, key: 'name', label: (c) => c.name, decide, onProgress: opts.onProgress,
    // Read the directory inside the transaction, so nothing can slip in between.
    before: async (tx) => {
      if (!(await tx.users.get(user.number))) throw notFound(`user ${user.number}`);
      const list = await tx.contacts.list(user.number);
      for (const c of list) if (!existing.has(contactKey(c))) existing.set(contactKey(c), c);
      count = list.length;
    },
    write: async (_c, { id, ...row }, _status, tx) => {
      if (id !== undefined) await tx.contacts.update(id, row);
      else await tx.contacts.insert({ userNumber: user.number, ...row });
      wrote = true;
    },
  });
  // After the commit: the user's phones fetch the new directory on their next request.
  if (applied && wrote) deps.changes.devicesChanged(await devicesOfUsers(store, [user.number]), `contacts of ${user.number} imported`);
  return report.finish({ dryRun, mode, applied, what: 'contacts' });
}
