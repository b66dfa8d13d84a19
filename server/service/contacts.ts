import { contactInput, parseInput } from '../domain/schemas.ts';
import { invalid, notFound } from '../domain/errors.ts';
import type { Principal } from '../auth/principal.ts';
import type { Contact } from '../store/types.ts';
import { devicesOfUsers, type ServiceDeps } from './context.ts';
import { getUser } from './users.ts';

// Personal contacts are private to their user: only that user, an admin of their tenant and
// operators reach them (getUser enforces it); a BLF watcher never sees them.

export function listContacts(deps: ServiceDeps, p: Principal, number: string): Contact[] {
  getUser(deps, p, number);
  return deps.store.contacts.list(number);
}

function ownContact(deps: ServiceDeps, p: Principal, number: string, id: string | number): Contact {
  getUser(deps, p, number);
  const n = Number(id);
  const c = Number.isInteger(n) ? deps.store.contacts.get(n) : undefined;
  if (!c || c.userNumber !== number) throw notFound(`contact ${id}`);
  return c;
}

export function getContact(deps: ServiceDeps, p: Principal, number: string, id: string | number): Contact {
  return ownContact(deps, p, number, id);
}

const touched = (deps: ServiceDeps, number: string) =>
  deps.changes.devicesChanged(devicesOfUsers(deps.store, [number]), `contacts of ${number} changed`);

export function createContact(deps: ServiceDeps, p: Principal, number: string, input: unknown): Contact {
  getUser(deps, p, number);
  const c = parseInput(contactInput, input);
  const id = deps.store.contacts.insert({
    userNumber: number, name: c.name, work: c.work ?? null, mobile: c.mobile ?? null, home: c.home ?? null, group: c.group ?? null,
  });
  touched(deps, number);
  return deps.store.contacts.get(id)!;
}

export function updateContact(deps: ServiceDeps, p: Principal, number: string, id: string, input: unknown): Contact {
  const cur = ownContact(deps, p, number, id);
  if (input === null || typeof input !== 'object') throw invalid('(body)', 'expected a JSON object');
  // PATCH semantics: absent fields keep their value; the result is validated as a whole.
  const merged = { name: cur.name, work: cur.work, mobile: cur.mobile, home: cur.home, group: cur.group, ...(input as object) };
  const c = parseInput(contactInput, merged);
  deps.store.contacts.update(cur.id, { name: c.name, work: c.work ?? null, mobile: c.mobile ?? null, home: c.home ?? null, group: c.group ?? null });
  touched(deps, number);
  return deps.store.contacts.get(cur.id)!;
}

export function deleteContact(deps: ServiceDeps, p: Principal, number: string, id: string): void {
  const cur = ownContact(deps, p, number, id);
  deps.store.contacts.delete(cur.id);
  touched(deps, number);
}
