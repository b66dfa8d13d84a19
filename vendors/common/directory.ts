// The phone directory every vendor writes: the user's personal contacts and the company directory
// (colleagues, shared contacts), each in a group named in the phone's language
// (vendors/common/locale.ts `directoryGroups`: "Collègues", "Entreprise", "Personnel" in French).
// - Groups in this order: colleagues, company, personal. A shared or personal contact that has its
//   own group keeps it; without one it goes in "Entreprise" or "Personnel".
// - Size: the file a phone loads must never hold more than its vendor's limit (cited in each vendor's
//   file). Entries the vendor writes besides contacts (the blacklist and priority callers a Snom
//   book flags, the blacklist and speed dials of a VVX directory) come first: they change how calls
//   are handled. Contacts are then kept in this order until the next one would not fit: the user's
//   own contacts (what she typed herself is never pushed out by a company directory), then
//   colleagues, then shared contacts, each in its stored order. The first contact that does not fit
//   ends the list: nothing of a lower rank is kept while one of a higher rank is left out, so the
//   result does not depend on the sizes of the contacts. `fitDirectory` says how many of each were
//   left out; every vendor's checks report it (`vendor.directory_truncated`, GET /devices/{mac}/checks).
// - Nothing without a user: an unassigned phone has no directory.
// - `personalFirst`: for a format where an earlier entry hides a later one with the same number
//   (the VVX `ct` must not repeat), the user's own contacts come first and win.
import type { RenderContact, RenderContext, ValueProblem } from '../types.ts';
import { problem } from './checks.ts';
import { cleanText } from './escape.ts';
import { localeInfo } from './locale.ts';

const hasText = (v: string | undefined): v is string => v !== undefined && cleanText(v).trim() !== '';

/**
 * `compute(c)` once for a frozen contact, then the kept answer; computed each time for any other.
 * The company directory's contacts are frozen and the same objects for every phone of a tenant
 * until its directory changes (server/provision/company.ts), so what a vendor writes for each of
 * them is written once per tenant, not once per phone: in a boot storm of 1,000-licence tenants,
 * rendering a phone's directory was most of a worker's time. A frozen object cannot change, so
 * the kept answer is always the one `compute` would give (same `compute` for the same `memo`).
 */
export function perContact<T>(memo: WeakMap<RenderContact, T>, c: RenderContact, compute: (c: RenderContact) => T): T {
  if (!Object.isFrozen(c)) return compute(c);
  let v = memo.get(c);
  if (v === undefined) {
    v = compute(c);
    memo.set(c, v);
  }
  return v;
}

/** A frozen contact in a group: the same frozen copy every time, per group name (phones of one tenant in two languages). */
const grouped = new WeakMap<RenderContact, Map<string, RenderContact>>();
function inGroup(c: RenderContact, group: string): RenderContact {
  if (!Object.isFrozen(c)) return { ...c, group };
  let byGroup = grouped.get(c);
  if (!byGroup) grouped.set(c, (byGroup = new Map()));
  let copy = byGroup.get(group);
  if (!copy) byGroup.set(group, (copy = Object.freeze({ ...c, group })));
  return copy;
}

export interface DirectoryFit {
  /** The contacts written, in file order. */
  contacts: RenderContact[];
  /** How many of each kind were left out because the phone's directory is full. */
  left: { personal: number; colleagues: number; shared: number };
  /** The vendor's limit the fit was made against (entries of its format). */
  max: number;
}

/**
 * The directory a phone gets. `accept(c)` is the vendor's budget: called once per contact in rank
 * order, it answers whether the contact still fits (and counts it when it does); the default counts
 * one entry per contact against `max`.
 */
export function fitDirectory(ctx: RenderContext, max: number, opts: { personalFirst?: boolean; accept?: (c: RenderContact) => boolean } = {}): DirectoryFit {
  const left = { personal: 0, colleagues: 0, shared: 0 };
  if (!ctx.user) return { contacts: [], left, max };
  const names = localeInfo(ctx.network.locale).directoryGroups;
  let taken = 0;
  const accept = opts.accept ?? (() => (taken < max ? (taken++, true) : false));
  const ranked: Array<[keyof typeof left, RenderContact]> = [
    ...ctx.contacts.map((c): [keyof typeof left, RenderContact] => ['personal', inGroup(c, hasText(c.group) ? c.group : names.personal)]),
    ...(ctx.directory?.colleagues ?? []).map((c): [keyof typeof left, RenderContact] => ['colleagues', inGroup(c, names.colleagues)]),
    ...(ctx.directory?.shared ?? []).map((c): [keyof typeof left, RenderContact] => ['shared', inGroup(c, hasText(c.group) ? c.group : names.company)]),
  ];
  const kept: Record<keyof typeof left, RenderContact[]> = { personal: [], colleagues: [], shared: [] };
  let full = false;
  for (const [kind, c] of ranked) {
    if (!full && accept(c)) kept[kind].push(c);
    else {
      full = true;
      left[kind]++;
    }
  }
  const contacts = opts.personalFirst ? [...kept.personal, ...kept.colleagues, ...kept.shared] : [...kept.colleagues, ...kept.shared, ...kept.personal];
  return { contacts, left, max };
}

export function phoneDirectory(ctx: RenderContext, max: number, opts: { personalFirst?: boolean } = {}): RenderContact[] {
  return fitDirectory(ctx, max, opts).contacts;
}

/** What the device's checks say when the directory did not fit: how many of each were left out. */
export function directoryProblems(fit: DirectoryFit): ValueProblem[] {
  const { personal, colleagues, shared } = fit.left;
  const count = personal + colleagues + shared;
  if (count === 0) return [];
  return [
    problem('directory', 'vendor.directory_truncated', `the phone's directory holds ${fit.max} entries: ${count} contact(s) left out (${personal} personal, ${colleagues} colleagues, ${shared} shared)`, {
      max: fit.max, count, personal, colleagues, shared,
    }),
  ];
}
