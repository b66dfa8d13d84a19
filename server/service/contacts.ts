import { message } from '../domain/messages.ts';
import { contactInput, parseInput } from '../domain/schemas.ts';
import { conflict, DomainError, forbidden, invalid, notFound, stale } from '../domain/errors.ts';
import { isOperator, type Actor, type Principal } from '../auth/principal.ts';
import type { Contact, User } from '../store/types.ts';
import { checkVersion, devicesOfUsers, inTransaction, RETRY, versionedWrite, type ServiceDeps, type WriteOptions } from './context.ts';
import { getUser } from './users.ts';
import { recordAudit } from './audit.ts';

// Personal contacts are private to their user (issue 17; the user guide says only she reads them):
// admins manage licences, not address books, and operators do not read them either. Reading,
// exporting, editing and deleting are the user's own (`contactsOwner`): another tenant's licence
// is not found (404); a colleague's, or anyone's for an admin or an operator, is forbidden (403).
// ADDING is wider (SPEC: "a tenant admin may manage them", e.g. seeding from an old PBX): the
// tenant's admins and operators may add contacts (one, or a CSV import) to a user's address book
// (`contactsDepositTarget`), without ever reading it — the answer to an add shows only what was
// sent, an import by someone else does not say which lines were already there (imports/contacts.ts),
// and the audit trail masks every contact's contents for every reader (domain/audit.ts). A plain
// user adding to a colleague's book is refused (403). The CLI (system) stays able to do anything
// for a user, as the person who runs the server.

/** The user whose contacts `p` may read and write: only herself (and the CLI). */
export async function contactsOwner(deps: ServiceDeps, p: Principal, number: string): Promise<User> {
  const u = await getUser(deps, p, number);
  if (isContactsOwner(p, u.number)) return u;
  throw forbidden('forbidden.contacts_owner_only');
}

/** True when `p` reads the contacts of `number`: the user herself, or the CLI. */
export const isContactsOwner = (p: Principal, number: string): boolean => p.kind === 'system' || (p.kind === 'user' && p.number === number);

/**
 * The user to whose address book `p` may ADD contacts: herself, an admin of her tenant, an
 * operator (and the CLI). `owner` says whether `p` also reads the book. Another tenant's licence:
 * 404; a colleague without the admin role: 403.
 */
export async function contactsDepositTarget(deps: ServiceDeps, p: Principal, number: string): Promise<{ user: User; owner: boolean }> {
  const found = await deps.store.users.get(number);
  // A colleague is told why (not the generic "own licence only"); another tenant still gets 404.
  if (found && p.kind === 'user' && p.tenantId === found.tenantId && p.role !== 'admin' && p.number !== found.number) throw forbidden('forbidden.contacts_add');
  const u = await getUser(deps, p, number);
  if (isContactsOwner(p, u.number)) return { user: u, owner: true };
  if (isOperator(p) || (p.kind === 'user' && p.role === 'admin' && p.tenantId === u.tenantId)) return { user: u, owner: false };
  throw forbidden('forbidden.contacts_add');
}

/** A personal directory holds at most this many contacts, whatever the path (API, cockpit, CSV). */
export const MAX_CONTACTS_PER_USER = 10_000;

export const directoryFull = (number: string): DomainError => conflict('name', 'conflict.directory_full', { number, max: MAX_CONTACTS_PER_USER });

export async function listContacts(deps: ServiceDeps, p: Principal, number: string): Promise<Contact[]> {
  await contactsOwner(deps, p, number);
  return deps.store.contacts.list(number);
}

async function ownContact(deps: ServiceDeps, p: Principal, number: string, id: string | number): Promise<Contact> {
  await contactsOwner(deps, p, number);
  const n = Number(id);
  const c = Number.isInteger(n) ? await deps.store.contacts.get(n) : undefined;
  if (!c || c.userNumber !== number) throw notFound('not_found.contact', { id: id });
  return c;
}

export function getContact(deps: ServiceDeps, p: Principal, number: string, id: string | number): Promise<Contact> {
  return ownContact(deps, p, number, id);
}

const tenantOf = async (d: ServiceDeps, number: string): Promise<string | null> => (await d.store.users.get(number))?.tenantId ?? null;

async function touched(deps: ServiceDeps, number: string): Promise<void> {
  deps.changes.devicesChanged(await devicesOfUsers(deps.store, [number]), `contacts of ${number} changed`);
}

/**
 * Add one contact: the user herself, an admin of her tenant or an operator (who do not read the
 * book: the edges answer them with what they sent only, `depositView`).
 */
export async function createContact(deps: ServiceDeps, p: Actor, number: string, input: unknown): Promise<Contact> {
  await contactsDepositTarget(deps, p, number);
  const c = parseInput(contactInput, input);
  const created = await inTransaction(deps, async (d) => {
    const { user } = await contactsDepositTarget(d, p, number);
    if ((await d.store.contacts.count(number)) >= MAX_CONTACTS_PER_USER) throw directoryFull(number);
    const id = await d.store.contacts.insert({
      userNumber: number, name: c.name, work: c.work ?? null, mobile: c.mobile ?? null, home: c.home ?? null, group: c.group ?? null,
    });
    const row = (await d.store.contacts.get(id))!;
    await recordAudit(d.store, p, { action: 'contact.create', tenantId: user.tenantId, userNumber: number, targetId: id, after: row });
    return row;
  });
  await touched(deps, number);
  return created;
}

export async function updateContact(deps: ServiceDeps, p: Actor, number: string, id: string, input: unknown, opts: WriteOptions = {}): Promise<Contact> {
  const updated = await versionedWrite(deps, message('stale.contact', { id }), opts, async (d) => {
    const cur = await ownContact(d, p, number, id);
    checkVersion(opts, cur.version, message('stale.contact', { id }));
    if (input === null || typeof input !== 'object') throw invalid('(body)', 'validation.type_object');
    // PATCH semantics: absent fields keep their value; the result is validated as a whole.
    const merged = { name: cur.name, work: cur.work, mobile: cur.mobile, home: cur.home, group: cur.group, ...(input as object) };
    const c = parseInput(contactInput, merged);
    const ok = await d.store.contacts.update(cur.id, { name: c.name, work: c.work ?? null, mobile: c.mobile ?? null, home: c.home ?? null, group: c.group ?? null }, cur.version);
    if (!ok) return RETRY;
    const row = (await d.store.contacts.get(cur.id))!;
    await recordAudit(d.store, p, { action: 'contact.update', tenantId: await tenantOf(d, number), userNumber: number, targetId: cur.id, before: cur, after: row });
    return row;
  });
  await touched(deps, number);
  return updated;
}

export async function deleteContact(deps: ServiceDeps, p: Actor, number: string, id: string, opts: WriteOptions = {}): Promise<void> {
  await inTransaction(deps, async (d) => {
    const cur = await ownContact(d, p, number, id);
    checkVersion(opts, cur.version, message('stale.contact', { id }));
    if (!(await d.store.contacts.delete(cur.id, cur.version))) throw stale(message('stale.contact', { id }));
    await recordAudit(d.store, p, { action: 'contact.delete', tenantId: await tenantOf(d, number), userNumber: number, targetId: cur.id, before: cur });
  });
  await touched(deps, number);
}
