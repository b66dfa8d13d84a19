// Time settings of a Snom phone for an IANA zone: the Snom `timezone` code for the common zones,
// plus the explicit `utc_offset` and `dst` rule computed from the tz database so that any zone and
// any year is right even where we know no code (timezones.md "Snom (fw 10.x)").
import { timezoneRule, type DstTransition, type TimezoneRule } from '../common/timezone.ts';

// IANA zone → Snom `timezone` code (country code + standard UTC offset; the phone carries the DST rule
// of each code). Codes from timezones.md "Snom (fw 10.x)": examples in service.snom.com "Desk Phone
// Configuration Files" / "<phone-settings> tag" (USA-5, ITA+1, GER+1) and Snom's option list (FRA+1
// "France (Paris)", GER+1, ESP+1, NLD+1, BEL+1, CHE+1, GBR-0 "United Kingdom (London)", PRT-0, IRL-0,
// ROU+2, USA-5/-6/-7/-8, USA2-7 = MST without DST, IND+5.5). London: Snom lists write GBR-0, MikoPBX
// GBR+0 — we follow Snom's own list. Zones absent here get an empty `timezone` and rely on the
// explicit `utc_offset` / `dst` below (what the older Wazo Snom plugin does for every zone:
// `<timezone perm="R"></timezone><utc_offset …><dst …>`, wazo-provd-plugins snom common.py `_format_tzinfo`).
export const SNOM_TIMEZONE_CODES: Readonly<Record<string, string>> = {
  'Europe/Paris': 'FRA+1',
  'Europe/Berlin': 'GER+1',
  'Europe/Rome': 'ITA+1',
  'Europe/Madrid': 'ESP+1',
  'Europe/Amsterdam': 'NLD+1',
  'Europe/Brussels': 'BEL+1',
  'Europe/Zurich': 'CHE+1',
  'Europe/London': 'GBR-0',
  'Europe/Lisbon': 'PRT-0',
  'Europe/Dublin': 'IRL-0',
  'Europe/Bucharest': 'ROU+2',
  'America/New_York': 'USA-5',
  'America/Chicago': 'USA-6',
  'America/Denver': 'USA-7',
  'America/Phoenix': 'USA2-7',
  'America/Los_Angeles': 'USA-8',
  'Asia/Kolkata': 'IND+5.5',
  'Asia/Calcutta': 'IND+5.5',
};

export interface SnomTime {
  /** Snom zone code, or '' when none is known for this zone. */
  code: string;
  /** Standard-time offset, seconds east of UTC. */
  utcOffsetSeconds: number;
  /** `dst` value, '' when the zone keeps no summer time. */
  dst: string;
}

const two = (n: number): string => String(n).padStart(2, '0');

/**
 * One end of the `dst` rule, format 1 of service.snom.com/display/wiki/dst (wiki.snom.com Settings/dst):
 * `mm.ww.dd hh:mm:ss` — month 01–12, week 01–05 (05 = last week of the month), day 01–07 counted
 * from Monday (07 = Sunday), local wall-clock time of the change.
 */
export function snomDstPoint(t: DstTransition): string {
  const day = t.weekday === 0 ? 7 : t.weekday;
  return `${two(t.month)}.${two(t.week)}.${two(day)} ${two(t.hour)}:${two(t.minute)}:00`;
}

/** `dst` value: `<saving seconds> <start> <end>`, e.g. Paris `3600 03.05.07 02:00:00 10.05.07 03:00:00`. */
export function snomDst(rule: TimezoneRule): string {
  if (!rule.dst) return '';
  return `${rule.dst.saveMinutes * 60} ${snomDstPoint(rule.dst.start)} ${snomDstPoint(rule.dst.end)}`;
}

/** Snom time settings for an IANA zone; throws for a zone the tz database does not know. */
export function snomTime(iana: string): SnomTime {
  const rule = timezoneRule(iana);
  return {
    code: SNOM_TIMEZONE_CODES[iana] ?? '',
    utcOffsetSeconds: rule.standardOffsetMinutes * 60,
    dst: snomDst(rule),
  };
}
