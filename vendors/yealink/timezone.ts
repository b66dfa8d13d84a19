// Time zone lines of a Yealink V8x file, from the IANA name through the common rule deriver.
// Format (yealink.md §5, timezones.md "Yealink (V8x)", Yealink CP920 admin guide p.224):
//   local_time.time_zone        offset of standard time: `+1`, `-5`, `+5:30`, `0`
//   local_time.time_zone_name   the label of Yealink's zone list without its offset, when known
//   local_time.summer_time      0 disabled, 1 enabled (2 = automatic from the AutoDST file: not
//                               used, we give the rule explicitly so that it is right in any year)
//   local_time.dst_time_type    1 = by week
//   local_time.start_time/end_time  Month/WeekOfMonth/DayOfWeek/Hour, week 5 = last,
//                               day 1 = Monday … 7 = Sunday, local hour (start: standard time,
//                               end: summer time) — Yealink's own Paris example is 3/5/7/2, 10/5/7/3
//   local_time.offset_time      minutes added in summer
import { timezoneRule, type DstTransition } from '../common/timezone.ts';

/** Labels of Yealink's zone list (timezones.md: MikoPBX table and Yealink list entries). Only
 *  the names our sources show; other zones get no name line (the offset and rule suffice). */
const ZONE_NAMES: Record<string, string> = {
  'Europe/Paris': 'France(Paris)',
  'Europe/Berlin': 'Germany(Berlin)',
  'Europe/Rome': 'Italy(Rome)',
  'Europe/Amsterdam': 'Netherlands(Amsterdam)',
  'Europe/Brussels': 'Belgium(Brussels)',
  'Europe/London': 'United Kingdom(London)',
  'Europe/Bucharest': 'Romania(Bucharest)',
  'Asia/Shanghai': 'China(Beijing)',
};

export interface YealinkTime {
  timeZone: string;
  timeZoneName?: string;
  summerTime: 0 | 1;
  start?: string;
  end?: string;
  offsetMinutes?: number;
  /** Set when the rule has a detail Yealink cannot express (a change at hh:45). */
  approximation?: string;
}

/** `+1`, `-5`, `+5:30`, `-3:30`, `0`. */
export function yealinkOffset(minutes: number): string {
  if (minutes === 0) return '0';
  const sign = minutes > 0 ? '+' : '-';
  const abs = Math.abs(minutes);
  const h = Math.floor(abs / 60);
  const m = abs % 60;
  return m === 0 ? `${sign}${h}` : `${sign}${h}:${String(m).padStart(2, '0')}`;
}

/** Month/Week/DayOfWeek/Hour with Yealink's Monday-first day numbers. */
export function yealinkTransition(t: DstTransition): string {
  const day = t.weekday === 0 ? 7 : t.weekday;
  return `${t.month}/${t.week}/${day}/${t.hour}`;
}

export function yealinkTime(iana: string): YealinkTime {
  const rule = timezoneRule(iana);
  const base = { timeZone: yealinkOffset(rule.standardOffsetMinutes), timeZoneName: ZONE_NAMES[iana] };
  if (!rule.dst) return { ...base, summerTime: 0 };
  const { start, end, saveMinutes } = rule.dst;
  const approximation =
    start.minute !== 0 || end.minute !== 0
      ? `summer time in ${iana} changes at ${start.hour}:${String(start.minute).padStart(2, '0')}; the phone can only change on the hour`
      : undefined;
  return {
    ...base,
    summerTime: 1,
    start: yealinkTransition(start),
    end: yealinkTransition(end),
    offsetMinutes: saveMinutes,
    ...(approximation ? { approximation } : {}),
  };
}
