// Personal contacts import: a user's own directory, from a CSV made in a spreadsheet or exported
// from a mail client. Same two passes as the MAC import. A contact is identified by its name (case
// and accents ignored) and its numbers, so importing the same file twice never doubles an entry.
//
// An admin of the user's tenant or an operator may import INTO the book (seeding it from an old
// PBX) without reading it (issue 17, SPEC "a tenant admin may manage them"): a deposit. Each valid
// line is then `added` — created, or already in the book and left as it is (never updated: editing
// is the user's) — and neither the report nor the audit entry says which: "unchanged: already
// there" would make the import an oracle on a private book. Lines are still checked, and lines of
// the file repeating each other are still reported (that is the file, not the book). What a deposit
// can tell about the book: only that it is full (10,000 contacts), when it is.
import { invalidFile, notFound, stale } from '../domain/errors.ts';
import { listParam, message, shownValue } from '../domain/messages.ts';
import { normalizePhoneNumber } from '../domain/numbers.ts';
import { contactInput, parseInput } from '../domain/schemas.ts';
import type { Actor } from '../auth/principal.ts';
import { contactsDepositTarget } from '../service/contacts.ts';
import { devicesOfUsers } from '../service/context.ts';
import { MAX_CONTACTS_PER_USER } from '../service/contacts.ts';
import type { Contact, Store, UndoEntry } from '../store/types.ts';
import { requireTenantAdmin } from '../auth/principal.ts';
import { getTenant } from '../service/tenants.ts';
import { tenantDevices } from '../service/directory.ts';
import { readCsv, type CsvReadOptions } from './csv.ts';
import { cell, extraCellsProblem, mapColumns, type ColumnSpec } from './columns.ts';
import { ReportBuilder, type ImportMode, type ImportOptions, type ImportReport, type LineReason } from './report.ts';
import { applyInChunks, ImportTrail, reasonOf, type ImportDeps, type ImportProgress, type Outcome, counted } from './common.ts';

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

export { MAX_CONTACTS_PER_USER };

/**
 * Data lines read at most: past them the rest of the file is not read (a directory holds 10,000
 * contacts; a bigger file is a mistake or an attack, and must not cost memory or time).
 */
export const MAX_CONTACT_LINES = 5 * MAX_CONTACTS_PER_USER;

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
  /** An import by someone who does not read the book: lines are `added`, existing ones left alone. */
  deposit: boolean;
  tenantId: string;
  userNumber: string | null;
  action: string;
  /** Throws when the book is gone (checked inside the transaction). */
  check(tx: Store): Promise<void>;
  list(tx: Store): Promise<Contact[]>;
  /** Returns the new row's id. */
  insert(tx: Store, row: Omit<Contact, 'id' | 'userNumber' | 'createdAt' | 'updatedAt' | 'version'>): Promise<number>;
  /** Only at `ifVersion`; false when another write got there first. */
  update(tx: Store, id: number, row: Omit<Contact, 'id' | 'userNumber' | 'createdAt' | 'updatedAt' | 'version'>, ifVersion: number): Promise<boolean>;
  /** How the undo journal names a row of this book (store.importRuns). */
  undoKey(id: number): string;
  /** The row as the undo journal keeps it (its own store record). */
  undoBefore(c: Contact): UndoEntry['before'];
  /** After the commit: the phones whose files changed. */
  devices(store: Store): Promise<string[]>;
}

/** An import into the contact book of `owner` (a user's number, or a tenant's id). */
type BookImport = (deps: ImportDeps, p: Actor, owner: string, input: AsyncIterable<Buffer | string>, opts?: ContactImportOptions) => Promise<ImportReport>;

export const importContacts: BookImport = async (deps, p, number, input, opts = {}) => {
  // The user herself (and the CLI) imports into her book; her tenant's admins and operators deposit.
  const { user, owner } = await contactsDepositTarget(deps, p, number);
  return importIntoBook(deps, p, {
    deposit: !owner,
    tenantId: user.tenantId,
    userNumber: user.number,
    action: 'contacts.import',
    check: async (tx) => {
      if (!(await tx.users.get(user.number))) throw notFound('not_found.user', { number: user.number });
      await contactsDepositTarget({ ...deps, store: tx }, p, user.number);
    },
    list: (tx) => tx.contacts.list(user.number),
    insert: (tx, row) => tx.contacts.insert({ userNumber: user.number, ...row }),
    update: (tx, id, row, ifVersion) => tx.contacts.update(id, row, ifVersion),
    undoKey: (id) => String(id),
    undoBefore: (c) => c,
    devices: (store) => devicesOfUsers(store, [user.number]),
  }, input, opts);
};

/** The shared contacts of a tenant (company directory): its admins and operators import them. */
export const importSharedContacts: BookImport = async (deps, p, tenantId, input, opts = {}) => {
  await getTenant(deps, p, tenantId);
  requireTenantAdmin(p, tenantId);
  return importIntoBook(deps, p, {
    deposit: false,
    tenantId,
    userNumber: null,
    action: 'shared_contacts.import',
    check: async (tx) => {
      if (!(await tx.tenants.get(tenantId))) throw notFound('not_found.tenant', { id: tenantId });
    },
    list: async (tx) => (await tx.sharedContacts.list(tenantId)).map(({ tenantId: _t, ...c }) => ({ ...c, userNumber: '' })),
    insert: (tx, row) => tx.sharedContacts.insert({ tenantId, ...row }),
    update: (tx, id, row, ifVersion) => tx.sharedContacts.update(id, row, ifVersion),
    // A shared contact in the journal: its id with an `s` (store/types.ts UndoEntry).
    undoKey: (id) => `s${id}`,
    undoBefore: ({ userNumber: _u, ...c }) => ({ ...c, tenantId }),
    devices: (store) => tenantDevices(store, tenantId),
  }, input, opts);
};

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

  // The directory as it is now: which lines are new contacts (they take room) and which update one.
  const known = new Set<string>();
  const normalized = (v: string | null) => (v === null ? null : (normalizePhoneNumber(v) ?? v));
  for (const c of await book.list(deps.store)) known.add(contactKey({ name: c.name, work: normalized(c.work), mobile: normalized(c.mobile), home: normalized(c.home) }));
  let room = Math.max(0, MAX_CONTACTS_PER_USER - known.size);

  const candidates: Candidate[] = [];
  const seen = new Map<string, Candidate | number>();
  let map: ReturnType<typeof mapColumns<ContactColumn>> | undefined;
  let dataLines = 0;
  /** Set when the rest of the file is not read: why, and from which line. */
  let stopped: { line: number; reason: LineReason } | null = null;
  const rows = readCsv(input, { maxBytes: opts.maxBytes, charset: opts.charset, onBytes: (bytes) => opts.onProgress?.({ phase: 'read', bytes }) });
  reading: for await (const batch of rows) for (const { line, fields } of batch) {
    if (!map) {
      map = mapColumns(fields, CONTACT_COLUMNS);
      const i = map.index;
      if (i.name === undefined && i.first === undefined && i.last === undefined) throw invalidFile('csv.no_name_column', undefined, 1, 'name');
      if (i.work === undefined && i.mobile === undefined && i.home === undefined) throw invalidFile('csv.no_number_column', undefined, 1, 'work');
      if (map.ignored.length) report.warnings.push({ key: 'import.warning.ignored_columns', params: { columns: listParam(map.ignored, 50) } });
      continue;
    }
    if (++dataLines > MAX_CONTACT_LINES) {
      stopped = { line, reason: { key: 'import_line.too_many_contact_lines', params: { lines: MAX_CONTACT_LINES, max: MAX_CONTACTS_PER_USER } } };
      break reading;
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
    if (!known.has(c.key)) {
      // A new contact takes room in the directory: at the cap, stop reading (bounded memory).
      if (room === 0) {
        stopped = { line, reason: { key: 'import_line.directory_full_stopped', params: { max: MAX_CONTACTS_PER_USER } } };
        break reading;
      }
      room--;
    }
    seen.set(c.key, c);
    candidates.push(c);
  }
  if (stopped) report.add({ line: stopped.line, status: 'rejected', reason: stopped.reason });

  if (!map) throw invalidFile('csv.empty_contacts');
  if (report.counts.rejected + report.counts.unchanged + candidates.length === 0) throw invalidFile('csv.no_data', undefined, 2);

  const { store } = deps;
  const existing = new Map<string, Contact>();
  let count = 0;
  type Write = { id?: number; before: Contact | null; row: Omit<Contact, 'id' | 'userNumber' | 'createdAt' | 'updatedAt' | 'version'> };
  const decide = async (c: Candidate): Promise<Outcome<Write>> => {
    const cur = existing.get(c.key);
    // A deposit never updates a contact, and says nothing of the ones already there.
    if (cur && book.deposit) return { status: 'added', row: null };
    if (cur) {
      const group = c.group ?? cur.group;
      if (cur.name === c.name && cur.group === group) return 'unchanged';
      return { status: 'updated', row: { id: cur.id, before: cur, row: { name: c.name, work: cur.work, mobile: cur.mobile, home: cur.home, group } } };
    }
    if (count >= MAX_CONTACTS_PER_USER) return { reason: { key: 'import_line.directory_full', params: { max: MAX_CONTACTS_PER_USER } } };
    count++;
    return { status: book.deposit ? 'added' : 'created', row: { before: null, row: { name: c.name, work: c.work, mobile: c.mobile, home: c.home, group: c.group } } };
  };
  let wrote = false;
  const trail = new ImportTrail();
  const applied = await applyInChunks(store, candidates, {
    mode, dryRun, report, key: 'name', label: (c) => c.name, decide, onProgress: opts.onProgress, kind: 'contacts',
    // At most 10,000 lines: one transaction, the directory read inside it so nothing slips in between.
    chunk: Infinity,
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
      count = list.length;
    },
    write: async (c, w, status, tx: Store): Promise<UndoEntry> => {
      wrote = true;
      const shown = (x: Write['row']) => ({ name: x.name, work: x.work, mobile: x.mobile, home: x.home, group: x.group });
      if (w.id !== undefined) {
        if (!(await book.update(tx, w.id, w.row, w.before!.version))) throw stale(message('stale.contact', { id: w.id }));
        trail.add(book.tenantId, { line: c.line, name: c.name, status }, shown(w.before!), shown(w.row));
        return { entity: 'contact', key: book.undoKey(w.id), before: book.undoBefore(w.before!), afterVersion: w.before!.version + 1 };
      }
      const id = await book.insert(tx, w.row);
      // A deposit's entry lists no line: which lines were written would tell which were there.
      if (!book.deposit) trail.add(book.tenantId, { line: c.line, name: c.name, status }, undefined, undefined);
      return { entity: 'contact', key: book.undoKey(id), before: null, afterVersion: 1 };
    },
    beforeCommit: (tx) => trail.record(tx, p, book.action, report, { mode, tenantId: book.tenantId, ...(book.userNumber ? { userNumber: book.userNumber } : {}) }),
  });
  // After the commit: the phones fetch the new directory on their next request.
  if (applied && wrote) deps.changes.devicesChanged(await book.devices(store), `contacts of ${book.userNumber ?? book.tenantId} imported`);
  return counted(deps, 'contacts', report.finish({ dryRun, mode, applied, what: book.deposit ? 'deposit' : 'contacts' }));
}
