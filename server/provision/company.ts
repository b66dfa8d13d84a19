// A tenant's company directory (its licences not hidden from it, sorted by name; the contacts it
// shares), read once and kept for every phone of the tenant until a change names one of them.
//
// Every phone's directory file carries its whole tenant's directory (the user's own licence left
// out, server/provision/context.ts). Read per file, that was a listing of every licence of the
// tenant (each SIP password unsealed) and a French sort for each of the phone's files: in a boot
// storm of 10 tenants of 1,000 licences, most of the render time. The phone service keeps one
// `CompanyDirectories` and clears it from the same invalidations as its rendered-file cache.
import type { RenderContact } from '../../vendors/types.ts';
import type { Store } from '../store/types.ts';

export interface CompanyDirectory {
  /**
   * Licences shown in the directory, by name (French order) then number, as vendors get them
   * (`id` u<number>, the number as `work`). Frozen and the same objects for every phone of the
   * tenant until the directory changes: vendors keep what they write for each of them
   * (vendors/common/directory.ts `perContact`).
   */
  colleagues: readonly RenderContact[];
  shared: readonly RenderContact[];
}

/** The `id` of a licence in the company directory. */
export const colleagueId = (number: string): string => `u${number}`;

/** French alphabetical order ("Émilie" between "Emile" and "Eric"); one collator for every sort. */
const french = new Intl.Collator('fr');

/** A stored contact (personal or shared) as vendors get it: the fields it has, under `id`. */
export function renderContact(
  id: string,
  c: { name: string; work: string | null; mobile: string | null; home: string | null; group: string | null },
): RenderContact {
  return {
    id,
    name: c.name,
    ...(c.work ? { work: c.work } : {}),
    ...(c.mobile ? { mobile: c.mobile } : {}),
    ...(c.home ? { home: c.home } : {}),
    ...(c.group ? { group: c.group } : {}),
  };
}

/** The directory of a tenant as stored now. */
export async function readCompanyDirectory(store: Store, tenantId: string): Promise<CompanyDirectory> {
  // Names and numbers only: no licence's SIP password is opened for the directory.
  const licences = (await store.users.directory(tenantId)).sort((a, b) => french.compare(a.name, b.name) || (a.number < b.number ? -1 : a.number > b.number ? 1 : 0));
  // Frozen: every phone of the tenant gets these same objects.
  const shared = (await store.sharedContacts.list(tenantId)).map((c) => Object.freeze(renderContact(`s${c.id}`, c)));
  const colleagues = licences.map((u): RenderContact => Object.freeze({ id: colleagueId(u.number), name: u.name, work: u.number }));
  return { colleagues: Object.freeze(colleagues), shared: Object.freeze(shared) };
}

/** Tenants' directories kept at most (the least recently read go first). */
const KEPT_TENANTS = 256;

export class CompanyDirectories {
  /** A read under way is shared: a storm of one tenant's phones reads its directory once. */
  readonly #byTenant = new Map<string, Promise<CompanyDirectory>>();

  constructor(private readonly store: Store) {}

  get(tenantId: string): Promise<CompanyDirectory> {
    const kept = this.#byTenant.get(tenantId);
    if (kept) {
      this.#byTenant.delete(tenantId);
      this.#byTenant.set(tenantId, kept);
      return kept;
    }
    const p = readCompanyDirectory(this.store, tenantId);
    // Kept from the start of the read: a change committed while it runs clears it (and a read
    // that fails is not kept).
    this.#byTenant.set(tenantId, p);
    p.catch(() => {
      if (this.#byTenant.get(tenantId) === p) this.#byTenant.delete(tenantId);
    });
    while (this.#byTenant.size > KEPT_TENANTS) this.#byTenant.delete(this.#byTenant.keys().next().value!);
    return p;
  }

  /** Forget these tenants' directories; `'*'`: every tenant's. */
  invalidate(tenants: Iterable<string> | '*'): void {
    if (tenants === '*') this.#byTenant.clear();
    else for (const t of tenants) this.#byTenant.delete(t);
  }
}

/**
 * The tenants whose directories a change naming these phones may have touched: the tenant of each
 * phone `tenantOf` knows; every tenant (`'*'`) as soon as one is unknown, since it could be of any.
 * (A change to a tenant's directory names all of its phones: server/service/users.ts, directory.ts.)
 */
export function tenantsOf(macs: readonly string[] | '*', tenantOf: (mac: string) => string | undefined): Set<string> | '*' {
  if (macs === '*') return '*';
  const tenants = new Set<string>();
  for (const mac of macs) {
    const t = tenantOf(mac);
    if (t === undefined) return '*';
    tenants.add(t);
  }
  return tenants;
}
