// The phone directory every vendor writes: the user's personal contacts and the company directory
// (colleagues, shared contacts), each in a group named in the phone's language
// (vendors/common/locale.ts `directoryGroups`: "Collègues", "Entreprise", "Personnel" in French).
// - Groups in this order: colleagues, company, personal. A shared or personal contact that has its
//   own group keeps it; without one it goes in "Entreprise" or "Personnel".
// - At most `max` contacts (the vendor's directory limit, cited in each vendor's file). When there
//   are more, the user's own contacts are kept first, then colleagues, then shared contacts: a
//   company directory never pushes out what the user typed herself.
// - Nothing without a user: an unassigned phone has no directory.
// - `personalFirst`: for a format where an earlier entry hides a later one with the same number
//   (the VVX `ct` must not repeat), the user's own contacts come first and win.
import type { RenderContact, RenderContext } from '../types.ts';
import { cleanText } from './escape.ts';
import { localeInfo } from './locale.ts';

const hasText = (v: string | undefined): v is string => v !== undefined && cleanText(v).trim() !== '';

export function phoneDirectory(ctx: RenderContext, max: number, opts: { personalFirst?: boolean } = {}): RenderContact[] {
  if (!ctx.user) return [];
  const names = localeInfo(ctx.network.locale).directoryGroups;
  const personal = ctx.contacts.slice(0, max).map((c) => ({ ...c, group: hasText(c.group) ? c.group : names.personal }));
  let room = max - personal.length;
  const colleagues = (ctx.directory?.colleagues ?? []).slice(0, Math.max(0, room)).map((c) => ({ ...c, group: names.colleagues }));
  room -= colleagues.length;
  const shared = (ctx.directory?.shared ?? []).slice(0, Math.max(0, room)).map((c) => ({ ...c, group: hasText(c.group) ? c.group : names.company }));
  return opts.personalFirst ? [...personal, ...colleagues, ...shared] : [...colleagues, ...shared, ...personal];
}
