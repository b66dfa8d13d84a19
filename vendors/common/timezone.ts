// Year-independent daylight-saving rules for IANA time zones, derived from the tz database that
// Node's Intl carries (no hand-written per-zone table to go stale). Phones want a rule such as
// "last Sunday of March at 02:00", not this year's dates, so that a file rendered today stays
// right next year: we sample the actual transitions of several coming years with
// Intl.DateTimeFormat and express them as month / week-of-month / weekday / local time.

export interface DstTransition {
  /** 1–12 */
  month: number;
  /** 1–4 = nth such weekday of the month, 5 = the last one. */
  week: 1 | 2 | 3 | 4 | 5;
  /** 0 = Sunday … 6 = Saturday */
  weekday: number;
  /** Local wall-clock time at which the change happens: start in standard time, end in summer time. */
  hour: number;
  minute: number;
}

export interface TimezoneRule {
  iana: string;
  /** Minutes east of UTC outside summer time: Paris 60, New York -300, Kolkata 330. */
  standardOffsetMinutes: number;
  dst?: { start: DstTransition; end: DstTransition; saveMinutes: number };
}

const MINUTE = 60_000;
const DAY = 86_400_000;
/** Years sampled from the current one: enough for each date to fall on most weekdays, so that
 *  "4th Sunday" and "last Sunday" cannot be confused (Paris 2027-10-31 is the last, not the 4th). */
const SAMPLE_YEARS = 8;

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(iana: string): Intl.DateTimeFormat {
  let f = formatters.get(iana);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: iana,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(iana, f);
  }
  return f;
}

/** UTC offset of `iana` at instant `ms`, in minutes east of UTC. */
function offsetAt(iana: string, ms: number): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(iana).formatToParts(new Date(ms))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  const whole = Math.floor(ms / 1000) * 1000;
  return Math.round((wall - whole) / MINUTE);
}

interface RawTransition {
  /** First instant (whole minute) with the new offset. */
  at: number;
  from: number;
  to: number;
}

/** The offset changes during `year`, found day by day then narrowed to the minute. */
function transitionsOfYear(iana: string, year: number): RawTransition[] {
  const out: RawTransition[] = [];
  const end = Date.UTC(year + 1, 0, 1);
  let t = Date.UTC(year, 0, 1);
  let off = offsetAt(iana, t);
  for (let next = t + DAY; t < end; t = next, next += DAY) {
    const nextOff = offsetAt(iana, next);
    if (nextOff !== off) {
      // Binary search on whole minutes: offsetAt(lo) === off, offsetAt(hi) !== off.
      let lo = t / MINUTE;
      let hi = next / MINUTE;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (offsetAt(iana, mid * MINUTE) === off) lo = mid;
        else hi = mid;
      }
      out.push({ at: hi * MINUTE, from: off, to: nextOff });
      off = nextOff;
    }
  }
  return out;
}

interface LocalChange {
  year: number;
  month: number;
  day: number;
  weekday: number;
  hour: number;
  minute: number;
}

/** The transition as the wall clock shows it just before the change (old offset). */
function localChange(tr: RawTransition): LocalChange {
  const d = new Date(tr.at + tr.from * MINUTE);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    weekday: d.getUTCDay(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
  };
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** One rule for the same transition observed in several years: "last" when it is the last such
 *  weekday every time, else the nth when that is stable, else the first sample's nth (the zone
 *  follows no weekday rule, e.g. a religious calendar: right for the first sampled year only). */
function toRule(samples: LocalChange[]): DstTransition {
  const first = samples[0]!;
  const isLast = (c: LocalChange) => c.day + 7 > daysInMonth(c.year, c.month);
  const nth = (c: LocalChange) => Math.ceil(c.day / 7) as 1 | 2 | 3 | 4 | 5;
  const sameShape = samples.every(
    (c) => c.month === first.month && c.weekday === first.weekday && c.hour === first.hour && c.minute === first.minute,
  );
  let week: 1 | 2 | 3 | 4 | 5 = nth(first);
  if (sameShape && samples.every(isLast)) week = 5;
  else if (sameShape && samples.every((c) => nth(c) === nth(first))) week = nth(first);
  return { month: first.month, week, weekday: first.weekday, hour: first.hour, minute: first.minute };
}

const rules = new Map<string, TimezoneRule>();

/** The current rule of `iana` (standard offset and, when it observes one, its summer time). */
export function timezoneRule(iana: string): TimezoneRule {
  if (!isValidTimezone(iana)) throw new Error(`unknown time zone "${iana}"`);
  const cached = rules.get(iana);
  if (cached) return cached;
  const thisYear = new Date().getUTCFullYear();
  const starts: LocalChange[] = [];
  const ends: LocalChange[] = [];
  let standard: number | undefined;
  let save = 0;
  for (let y = thisYear; y < thisYear + SAMPLE_YEARS; y++) {
    const trs = transitionsOfYear(iana, y);
    // A year with exactly one change forward and one back is a summer-time year; anything else
    // (a permanent offset change, no change) carries no rule.
    if (trs.length !== 2 || trs[0]!.from !== trs[1]!.to || trs[0]!.to !== trs[1]!.from) continue;
    const [a, b] = trs as [RawTransition, RawTransition];
    // Summer time is the larger offset (southern zones start in spring = late in the year).
    const low = Math.min(a.from, a.to);
    const high = Math.max(a.from, a.to);
    if (standard === undefined) {
      standard = low;
      save = high - low;
    } else if (standard !== low || save !== high - low) continue;
    const start = a.to === high ? a : b;
    const end = a.to === high ? b : a;
    starts.push(localChange(start));
    ends.push(localChange(end));
  }
  let rule: TimezoneRule;
  if (standard === undefined || starts.length === 0) {
    rule = { iana, standardOffsetMinutes: offsetAt(iana, Date.UTC(thisYear + 1, 6, 1)) };
  } else {
    rule = { iana, standardOffsetMinutes: standard, dst: { start: toRule(starts), end: toRule(ends), saveMinutes: save } };
  }
  rules.set(iana, rule);
  return rule;
}

/** The day on which `t` falls in `year`. */
export function transitionDate(t: DstTransition, year: number): { month: number; day: number } {
  if (t.week === 5) {
    const last = daysInMonth(year, t.month);
    const wd = new Date(Date.UTC(year, t.month - 1, last)).getUTCDay();
    return { month: t.month, day: last - ((wd - t.weekday + 7) % 7) };
  }
  const wd1 = new Date(Date.UTC(year, t.month - 1, 1)).getUTCDay();
  return { month: t.month, day: 1 + ((t.weekday - wd1 + 7) % 7) + (t.week - 1) * 7 };
}

/** The actual local dates of the changes in `year` according to Intl (for tests and checks). */
export function actualTransitions(iana: string, year: number): { month: number; day: number; hour: number; minute: number; toOffsetMinutes: number }[] {
  return transitionsOfYear(iana, year).map((tr) => {
    const c = localChange(tr);
    return { month: c.month, day: c.day, hour: c.hour, minute: c.minute, toOffsetMinutes: tr.to };
  });
}

let supported: Set<string> | undefined;

/** ICU (Node 20) lists some zones under their old CLDR names; people type the current IANA names.
 *  Names only — the rules still come from Intl, which accepts both spellings. */
const CURRENT_NAME: Record<string, string> = {
  'Asia/Calcutta': 'Asia/Kolkata',
  'Asia/Katmandu': 'Asia/Kathmandu',
  'Asia/Rangoon': 'Asia/Yangon',
  'Asia/Saigon': 'Asia/Ho_Chi_Minh',
  'Atlantic/Faeroe': 'Atlantic/Faroe',
  'Europe/Kiev': 'Europe/Kyiv',
  'America/Godthab': 'America/Nuuk',
  'America/Buenos_Aires': 'America/Argentina/Buenos_Aires',
  'America/Catamarca': 'America/Argentina/Catamarca',
  'America/Cordoba': 'America/Argentina/Cordoba',
  'America/Jujuy': 'America/Argentina/Jujuy',
  'America/Mendoza': 'America/Argentina/Mendoza',
  'America/Indianapolis': 'America/Indiana/Indianapolis',
  'America/Louisville': 'America/Kentucky/Louisville',
  'Pacific/Truk': 'Pacific/Chuuk',
  'Pacific/Ponape': 'Pacific/Pohnpei',
  'Pacific/Enderbury': 'Pacific/Kanton',
  'Africa/Asmera': 'Africa/Asmara',
};

/** IANA names of the zones Intl knows (Intl.supportedValuesOf, with current spellings, + UTC). */
export function listTimezones(): string[] {
  const names = new Set(Intl.supportedValuesOf('timeZone').map((z) => CURRENT_NAME[z] ?? z));
  names.add('UTC');
  return [...names].filter(isIntlZone).sort();
}

function isIntlZone(iana: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: iana });
    return true;
  } catch {
    return false;
  }
}

/** Capitalised segments only: Intl itself is case-insensitive, but a stored name is shown and
 *  compared as typed, so `europe/paris` is refused rather than silently kept. */
const NAME = /^[A-Z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9][A-Za-z0-9_+-]*)*$/;

export function isValidTimezone(iana: string): boolean {
  if (typeof iana !== 'string' || iana.length > 64) return false;
  supported ??= new Set([...listTimezones(), ...Intl.supportedValuesOf('timeZone')]);
  if (supported.has(iana)) return true;
  return NAME.test(iana) && isIntlZone(iana);
}

// ---- vendor zone lists --------------------------------------------------------------------------
//
// Yealink (`local_time.time_zone_name`) and Snom (`timezone`) name a zone by picking an entry of a
// fixed list. The lists are per vendor (vendors/<vendor>/timezone.ts, with their sources); the choice
// of an entry for any IANA zone is made here, the same way for both:
//   1. an entry that lists the zone by name, when its offset is still the zone's standard offset;
//   2. else an entry with the same standard offset and the same summer-time rule (compared with the
//      rule of the entry's first, representative zone);
//   3. else the same offset and the same "has summer time or not";
//   4. else the same offset;
//   5. else the nearest offset (the list has nothing for this offset: reported as an approximation;
//      the vendors also write the exact offset and rule, so the clock stays right).

export interface ZoneListEntry {
  /** What the vendor file gets: `FRA+1`, `France(Paris)`. */
  value: string;
  /** Standard-time offset the entry stands for, minutes east of UTC. */
  offsetMinutes: number;
  /** IANA zones the entry names; the first one's rule is the entry's rule. May be empty. */
  zones: readonly string[];
  /** Whether the entry observes summer time, when no representative zone tells. */
  dst?: boolean;
  /** Tried first among entries of the same offset (the vendor's usual label for a shared rule). */
  preferred?: boolean;
}

export interface ZoneChoice {
  entry: ZoneListEntry;
  /** How the entry was found (1–5 above). */
  how: 'named' | 'same-rule' | 'same-dst' | 'same-offset' | 'nearest';
}

function sameTransition(a: DstTransition, b: DstTransition): boolean {
  return a.month === b.month && a.week === b.week && a.weekday === b.weekday && a.hour === b.hour && a.minute === b.minute;
}

function sameRule(a: TimezoneRule, b: TimezoneRule): boolean {
  if (a.standardOffsetMinutes !== b.standardOffsetMinutes) return false;
  if (!a.dst || !b.dst) return !a.dst && !b.dst;
  return a.dst.saveMinutes === b.dst.saveMinutes && sameTransition(a.dst.start, b.dst.start) && sameTransition(a.dst.end, b.dst.end);
}

/** The rule an entry stands for: its representative zone's, when that zone still has the entry's offset. */
function entryRule(e: ZoneListEntry): TimezoneRule | null {
  const rep = e.zones[0];
  if (!rep || !isValidTimezone(rep)) return null;
  const r = timezoneRule(rep);
  return r.standardOffsetMinutes === e.offsetMinutes ? r : null;
}

function entryHasDst(e: ZoneListEntry): boolean | undefined {
  const r = entryRule(e);
  return r ? Boolean(r.dst) : e.dst;
}

/** The entry of a vendor's zone list that stands for `iana` (see the steps above). */
export function chooseZoneEntry(iana: string, list: readonly ZoneListEntry[]): ZoneChoice {
  if (list.length === 0) throw new Error('empty zone list');
  const rule = timezoneRule(iana);
  const std = rule.standardOffsetMinutes;
  const names = new Set([iana, CURRENT_NAME[iana] ?? iana]);
  const named = list.find((e) => e.offsetMinutes === std && e.zones.some((z) => names.has(z)));
  if (named) return { entry: named, how: 'named' };
  const sameOffset = list.filter((e) => e.offsetMinutes === std).sort((a, b) => Number(Boolean(b.preferred)) - Number(Boolean(a.preferred)));
  const byRule = sameOffset.find((e) => {
    const r = entryRule(e);
    return r !== null && sameRule(r, rule);
  });
  if (byRule) return { entry: byRule, how: 'same-rule' };
  const byDst = sameOffset.find((e) => entryHasDst(e) === Boolean(rule.dst));
  if (byDst) return { entry: byDst, how: 'same-dst' };
  if (sameOffset[0]) return { entry: sameOffset[0], how: 'same-offset' };
  let best = list[0]!;
  for (const e of list) {
    const d = Math.abs(e.offsetMinutes - std);
    const bd = Math.abs(best.offsetMinutes - std);
    if (d < bd || (d === bd && entryHasDst(e) === Boolean(rule.dst) && entryHasDst(best) !== Boolean(rule.dst))) best = e;
  }
  return { entry: best, how: 'nearest' };
}
