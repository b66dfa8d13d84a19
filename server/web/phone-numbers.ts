// Phone numbers and names as the contacts pages show and search them: French numbers grouped in
// pairs (01 45 67 89 01, +33 6 12 34 56 78), a number that a spreadsheet stripped of its leading
// zero (9 digits starting 1–9) flagged, and a search that ignores case, accents and the spaces
// inside numbers.

/** `0145678901` → `01 45 67 89 01`; `+33612345678` → `+33 6 12 34 56 78`; anything else as is. */
export function groupNumber(n: string | null | undefined): string {
  if (!n) return '';
  if (/^0\d{9}$/.test(n)) return n.replace(/(\d{2})(?=\d)/g, '$1 ');
  const fr = /^\+33(\d)(\d{8})$/.exec(n);
  if (fr) return `+33 ${fr[1]} ${fr[2]!.replace(/(\d{2})(?=\d)/g, '$1 ')}`;
  return n;
}

/** 9 digits starting 1–9: a French number whose leading 0 a spreadsheet dropped (145678901). */
export const lostLeadingZero = (n: string | null | undefined): boolean => !!n && /^[1-9]\d{8}$/.test(n);

/** Lower case, without accents: `Élodie` and `elodie` are the same search. */
export const folded = (s: string): string => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

/** Does this contact match what was typed? Names without case or accents; numbers without their spaces. */
export function contactMatches(c: { name: string; work: string | null; mobile: string | null; home: string | null; group: string | null }, query: string): boolean {
  const q = folded(query.trim());
  if (!q) return true;
  if ([c.name, c.group].some((v) => v && folded(v).includes(q))) return true;
  const digits = q.replace(/[\s.\-()]/g, '');
  if (!/^\+?\d+$/.test(digits)) return false;
  return [c.work, c.mobile, c.home].some((v) => {
    if (!v) return false;
    // 0612… is found as +33 6 12… too, and the other way round.
    const national = v.replace(/^\+33/, '0');
    return v.includes(digits) || national.includes(digits.replace(/^\+33/, '0'));
  });
}
