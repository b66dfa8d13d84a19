// Personal contacts import: a user's own directory (or, for an admin, a user of their tenant),
// from a CSV made in a spreadsheet or exported from a mail client. Same two passes as the MAC
// import. A contact is identified by its name (case and accents ignored) and its numbers, so
// importing the same file twice never doubles an entry.
import { invalidFile, notFound } from '../domain/errors.ts';
import { listParam, shownValue } from '../domain/messages.ts';
import { normalizePhoneNumber } from '../domain/numbers.ts';
import { contactInput, parseInput } from '../domain/schemas.ts';
import type { Actor } from '../auth/principal.ts';
import { contactsOwner } from '../service/contacts.ts';
import { devicesOfUsers } from '../service/context.ts';
import type { Contact, Store } from '../store/types.ts';
import { requireTenantAdmin } from '../auth/principal.ts';
import { getTenant } from '../service/tenants.ts';
import { tenantDevices } from '../service/directory.ts';
import { readCsv, type CsvReadOptions } from './csv.ts';
import { cell, extraCellsProblem, mapColumns, type ColumnSpec } from './columns.ts';
import { ReportBuilder, type ImportMode, type ImportOptions, type ImportReport, type LineReason } from './report.ts';
import { applyInOneTransaction, ImportTrail, reasonOf, type ImportDeps, type ImportProgress, type Outcome, counted } from './common.ts';

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

/** Where an import writes: a user's personal contacts, or a tenant's shared contacts. */
interface ContactBook {
  tenantId: string;
  userNumber: string | null;
  action: string;
  /** Throws when the book is gone (checked inside the transaction). */
  check(tx: Store): Promise<void>;
  list(tx: Store): Promise<Contact[]>;
  insert(tx: Store, row: Omit<Contact, 'id' | 'userNumber' | 'createdAt' | 'updatedAt'>): Promise<void>;
  update(tx: Store, id: number, row: Omit<Contact, 'id' | 'userNumber' | 'createdAt' | 'updatedAt'>): Promise<void>;
  /** After the commit: the phones whose files changed. */
  devices(store: Store): Promise<string[]>;
}

export async function importContacts(
  deps: ImportDeps,
  p: Actor,
  number: string,
  input: AsyncIterable<Buffer | string>,
  opts: ContactImportOptions = {},
): Promise<ImportReport> {
  const user = await contactsOwner(deps, p, number); // the user herself only (and the CLI): contacts are private
  return importIntoBook(deps, p, {
    tenantId: user.tenantId,
    userNumber: user.number,
    action: 'contacts.import',
    check: async (tx) => {
      if (!(await tx.users.get(user.number))) throw notFound('not_found.user', { number: user.number });
    },
    list: (tx) => tx.contacts.list(user.number),
    insert: (tx, row) => tx.contacts.insert({ userNumber: user.number, ...row }).then(() => undefined),
    update: (tx, id, row) => tx.contacts.update(id, row),
    devices: (store) => devicesOfUsers(store, [user.number]),
  }, input, opts);
}

/** The shared contacts of a tenant (company directory): its admins and operators import them. */
export async function importSharedContacts(
  deps: ImportDeps,
  p: Actor,
  tenantId: string,
  input: AsyncIterable<Buffer | string>,
  opts: ContactImportOptions = {},
): Promise<ImportReport> {
  await getTenant(deps, p, tenantId);
  requireTenantAdmin(p, tenantId);
  return importIntoBook(deps, p, {
    tenantId,
    userNumber: null,
    action: 'shared_contacts.import',
    check: async (tx) => {
      if (!(await tx.tenants.get(tenantId))) throw notFound('not_found.tenant', { id: tenantId });
    },
    list: async (tx) => (await tx.sharedContacts.list(tenantId)).map((c) => ({ ...c, userNumber: '' })),
    insert: (tx, row) => tx.sharedContacts.insert({ tenantId, ...row }).then(() => undefined),
    update: (tx, id, row) => tx.sharedContacts.update(id, row),
    devices: (store) => tenantDevices(store, tenantId),
  }, input, opts);
}

async function importIntoBook(
  deps: ImportDeps,
  p: Actor,
  book: ContactBook,
  input: AsyncIterable<Buffer | string>,
  opts: ContactImportOptions,
): Promise<ImportReport> {
  const mode: ImportMode = opts.mode ?? 'all-or-nothing';
  const dryRun = opts.dryRun ?? false;
  const report = new ReportBuilder(opts.maxRejectedDetail);

  const candidates: Candidate[] = [];
  const seen = new Map<string, Candidate | number>();
  let map: ReturnType<typeof mapColumns<ContactColumn>> | undefined;
  const rows = readCsv(input, { maxBytes: opts.maxBytes, charset: opts.charset, onBytes: (bytes) => opts.onProgress?.({ phase: 'read', bytes }) });
  for await (const batch of rows) for (const { line, fields } of batch) {
    if (!map) {
      map = mapColumns(fields, CONTACT_COLUMNS);
      const i = map.index;
      if (i.name === undefined && i.first === undefined && i.last === undefined) throw invalidFile('csv.no_name_column', undefined, 1, 'name');
      if (i.work === undefined && i.mobile === undefined && i.home === undefined) throw invalidFile('csv.no_number_column', undefined, 1, 'work');
      if (map.ignored.length) report.warnings.push({ key: 'import.warning.ignored_columns', params: { columns: listParam(map.ignored, 50) } });
      continue;
    }
    const get = (k: ContactColumn) => cell(fields, map!, k);
    const name = get('name') ?? [get('first'), get('last')].filter(Boolean).join(' ');
    const shownName = name.slice(0, 80);
    const reject = (reason: LineReason) => report.add({ line, name: shownName, status: 'rejected', reason });
    const extra = extraCellsProblem(fields, map.width);
    if (extra) {
      reject(extra);
      continue;
    }
    const numbers: Partial<Record<'work' | 'mobile' | 'home', string>> = {};
    let bad: LineReason | null = null;
    for (const k of ['work', 'mobile', 'home'] as const) {
      const raw = get(k);
      if (!raw) continue;
      const n = normalizePhoneNumber(raw);
      if (n === null) {
        bad ??= { key: 'import_line.not_a_number', params: { value: shownValue(raw) }, field: k };
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
      reject(name ? reasonOf(e) : { key: 'import_line.name_empty', field: 'name' });
      continue;
    }
    const first = seen.get(c.key);
    if (first !== undefined) {
      const firstLine = typeof first === 'number' ? first : first.line;
      const sameGroup = typeof first !== 'number' && (c.group === null || c.group === first.group);
      if (sameGroup) report.add({ line, name: c.name, status: 'unchanged', reason: { key: 'import_line.same_contact', params: { line: firstLine } } });
      else reject({ key: 'import_line.same_contact_other_group', params: { line: firstLine }, field: 'group' });
      continue;
    }
    seen.set(c.key, c);
    candidates.push(c);
  }
  if (!map) throw invalidFile('csv.empty_contacts');
  if (report.counts.rejected + report.counts.unchanged + candidates.length === 0) throw invalidFile('csv.no_data', undefined, 2);

  const { store } = deps;
  const existing = new Map<string, Contact>();
  let count = 0;
  let wrote = false;
  const trail = new ImportTrail();
  const byId = new Map<number, Contact>();
  type Row = Omit<Contact, 'id' | 'userNumber' | 'createdAt' | 'updatedAt'> & { id?: number };
  const decide = async (c: Candidate): Promise<Outcome<Row>> => {
    const cur = existing.get(c.key);
    if (cur) {
      const group = c.group ?? cur.group;
      if (cur.name === c.name && cur.group === group) return 'unchanged';
      return { status: 'updated', row: { id: cur.id, name: c.name, work: cur.work, mobile: cur.mobile, home: cur.home, group } };
    }
    if (count >= MAX_CONTACTS_PER_USER) return { reason: { key: 'import_line.directory_full', params: { max: MAX_CONTACTS_PER_USER } } };
    count++;
    return { status: 'created', row: { name: c.name, work: c.work, mobile: c.mobile, home: c.home, group: c.group } };
  };
  const applied = await applyInOneTransaction(store, candidates, {
    mode, dryRun, report, key: 'name', label: (c) => c.name, decide, onProgress: opts.onProgress,
    // Read the directory inside the transaction, so nothing can slip in between.
    before: async (tx) => {
      await book.check(tx);
      const list = await book.list(tx);
      // Stored numbers keyed as the file's are (the API keeps `+33145678901`, a file line gives
      // `0145678901` after normalising): the same contact in another notation is not a new one.
      const norm = (v: string | null) => (v === null ? null : (normalizePhoneNumber(v) ?? v));
      for (const c of list) {
        const key = contactKey({ name: c.name, work: norm(c.work), mobile: norm(c.mobile), home: norm(c.home) });
        if (!existing.has(key)) existing.set(key, c);
      }
      for (const c of list) byId.set(c.id, c);
      count = list.length;
    },
    write: async (c, { id, ...row }, status, tx) => {
      const before = id !== undefined ? byId.get(id) : undefined;
      if (id !== undefined) await book.update(tx, id, row);
      else await book.insert(tx, row);
      wrote = true;
      const shown = (x: typeof row) => ({ name: x.name, work: x.work, mobile: x.mobile, home: x.home, group: x.group });
      trail.add(book.tenantId, { line: c.line, name: c.name, status }, before && shown(before), before && shown(row));
    },
    beforeCommit: (tx) => trail.record(tx, p, book.action, report, { mode, tenantId: book.tenantId, ...(book.userNumber ? { userNumber: book.userNumber } : {}) }),
  });
  // After the commit: the phones fetch the new directory on their next request.
  if (applied && wrote) deps.changes.devicesChanged(await book.devices(store), `contacts of ${book.userNumber ?? book.tenantId} imported`);
  return counted(deps, 'contacts', report.finish({ dryRun, mode, applied, what: 'contacts' }));
}
