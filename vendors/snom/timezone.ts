// Time settings of a Snom phone for an IANA zone: a code of Snom's list for every zone (by name, else
// by offset and summer-time rule, vendors/common/timezone.ts chooseZoneEntry), plus the explicit
// `utc_offset` and `dst` rule computed from the tz database so that the clock is right in any year
// even where Snom's list has nothing for the zone (timezones.md "Snom (fw 10.x)").
import { chooseZoneEntry, timezoneRule, type DstTransition, type TimezoneRule, type ZoneListEntry } from '../common/timezone.ts';

// Snom's zone codes (`timezone`): country code + standard offset; the phone carries the summer-time
// rule of each code (timezones.md "Snom (fw 10.x)"). The full list, with the place each code names:
// - tine20 Voipmanager's Snom data (search id 361502801, the source deployment.md §7 names) and the
//   same 115 codes with their offsets in FreePBX Endpoint Manager's install script (search id 36907616456);
// - the NethVoice Snom provisioning UI list (search id 9057896462), a later firmware's list, which adds
//   COL-5, LTU+2, UAE+4 and NCL+11 and spells China and Korea CHN+8 and KOR+9 where the older lists have
//   CHN+7 ("+8 China (Peking)") and KOR+8. We follow the later list: its codes carry the right offset
//   (China is +8, Korea +9), and cadran also writes the exact `utc_offset` and `dst`.
// - London: GBR-0 (Snom's lists) rather than MikoPBX's GBR+0 (timezones.md "Disagreements").
// Each entry's first IANA zone is its representative (its rule is the code's rule); the others are
// zones the code's own label names. Entries whose place changed offset since the list was written
// (Caracas, Minsk, Amman, Damascus, Istanbul, Aqtau, Bishkek, Almaty, Nuuk, Windhoek, Casablanca)
// keep their listed offset and are chosen by offset only. CAI+1 "Caicos" and CHA+1 "Chatam" are kept
// as listed, without a zone (the places they seem to name are not at +1).
const H = 60;
const c = (value: string, offset: number, zones: string[] = [], extra: Partial<ZoneListEntry> = {}): ZoneListEntry => ({
  value,
  offsetMinutes: Math.round(offset * H),
  zones,
  ...extra,
});

export const SNOM_ZONES: readonly ZoneListEntry[] = [
  c('USA-10', -10, ['Pacific/Honolulu', 'America/Adak', 'Pacific/Tahiti', 'Pacific/Rarotonga'], { preferred: true }),
  c('USA-9', -9, ['America/Anchorage', 'America/Juneau', 'America/Nome', 'America/Sitka', 'America/Yakutat', 'America/Metlakatla']),
  c('CAN-8', -8, ['America/Vancouver']),
  c('MEX-8', -8, ['America/Tijuana']),
  c('USA-8', -8, ['America/Los_Angeles'], { preferred: true }),
  c('CAN-7', -7, ['America/Edmonton', 'America/Cambridge_Bay', 'America/Inuvik']),
  c('MEX-7', -7, ['America/Mazatlan']),
  c('USA2-7', -7, ['America/Phoenix', 'America/Hermosillo', 'America/Whitehorse', 'America/Dawson_Creek']),
  c('USA-7', -7, ['America/Denver', 'America/Boise'], { preferred: true }),
  c('CAN-6', -6, ['America/Winnipeg', 'America/Rankin_Inlet', 'America/Resolute']),
  c('CHL-6', -6, ['Pacific/Easter']),
  c('MEX-6', -6, ['America/Mexico_City', 'America/Monterrey', 'America/Merida', 'America/Chihuahua', 'America/Regina', 'America/Guatemala']),
  c('USA-6', -6, ['America/Chicago'], { preferred: true }),
  c('BHS-5', -5, ['America/Nassau']),
  c('CAN-5', -5, ['America/Toronto', 'America/Iqaluit']),
  c('COL-5', -5, ['America/Bogota', 'America/Lima', 'America/Panama', 'America/Jamaica', 'America/Cancun']),
  c('CUB-5', -5, ['America/Havana']),
  c('USA-5', -5, ['America/New_York', 'America/Detroit', 'America/Indiana/Indianapolis', 'America/Kentucky/Louisville'], { preferred: true }),
  c('VEN-4.5', -4.5, [], { dst: false }),
  c('CAN-4', -4, ['America/Halifax', 'America/Moncton', 'America/Glace_Bay', 'America/Goose_Bay']),
  c('CHL-4', -4, ['America/Santiago']),
  c('PRY-4', -4, ['America/Asuncion']),
  c('BMU-4', -4, ['Atlantic/Bermuda', 'America/Thule']),
  c('FLK-4', -4, []),
  c('TTB-4', -4, ['America/Port_of_Spain', 'America/Caracas', 'America/Puerto_Rico', 'America/Santo_Domingo', 'America/La_Paz'], { dst: false }),
  c('CAN-3.5', -3.5, ['America/St_Johns']),
  c('GRL-3', -3, [], { dst: true }),
  c('ARG-3', -3, ['America/Argentina/Buenos_Aires', 'America/Argentina/Cordoba', 'America/Montevideo']),
  c('BRA2-3', -3, ['America/Sao_Paulo', 'America/Bahia', 'America/Fortaleza', 'America/Recife', 'America/Belem', 'Atlantic/Stanley'], { preferred: true }),
  c('BRA1-3', -3, ['America/Miquelon'], { dst: true }),
  c('BRA-2', -2, ['America/Noronha', 'Atlantic/South_Georgia']),
  c('PRT-1', -1, ['Atlantic/Azores', 'America/Scoresbysund']),
  c('FRO-0', 0, ['Atlantic/Faroe']),
  c('IRL-0', 0, ['Europe/Dublin']),
  c('PRT-0', 0, ['Europe/Lisbon', 'Atlantic/Madeira']),
  c('ESP-0', 0, ['Atlantic/Canary']),
  c('GBR-0', 0, ['Europe/London', 'Europe/Guernsey', 'Europe/Isle_of_Man', 'Europe/Jersey', 'UTC', 'Etc/UTC', 'Africa/Abidjan', 'Atlantic/Reykjavik'], { preferred: true }),
  c('ALB+1', 1, ['Europe/Tirane']),
  c('AUT+1', 1, ['Europe/Vienna']),
  c('BEL+1', 1, ['Europe/Brussels']),
  c('CAI+1', 1, [], { dst: false }),
  c('CHA+1', 1, [], { dst: false }),
  c('HRV+1', 1, ['Europe/Zagreb']),
  c('CZE+1', 1, ['Europe/Prague']),
  c('DNK+1', 1, ['Europe/Copenhagen']),
  c('FRA+1', 1, ['Europe/Paris', 'Europe/Monaco']),
  c('GER+1', 1, ['Europe/Berlin', 'Europe/Busingen'], { preferred: true }),
  c('HUN+1', 1, ['Europe/Budapest']),
  c('ITA+1', 1, ['Europe/Rome', 'Europe/Vatican', 'Europe/San_Marino']),
  c('LUX+1', 1, ['Europe/Luxembourg']),
  c('MAK+1', 1, ['Europe/Skopje']),
  c('NLD+1', 1, ['Europe/Amsterdam']),
  c('NAM+1', 1, [], { dst: true }),
  c('NOR+1', 1, ['Europe/Oslo', 'Arctic/Longyearbyen']),
  c('POL+1', 1, ['Europe/Warsaw']),
  c('SVK+1', 1, ['Europe/Bratislava']),
  c('ESP+1', 1, ['Europe/Madrid', 'Africa/Ceuta']),
  c('SWE+1', 1, ['Europe/Stockholm']),
  c('CHE+1', 1, ['Europe/Zurich', 'Europe/Vaduz']),
  c('GIB+1', 1, ['Europe/Gibraltar']),
  c('YUG+1', 1, ['Europe/Belgrade', 'Europe/Podgorica', 'Europe/Sarajevo', 'Europe/Ljubljana']),
  c('WAT+1', 1, ['Africa/Lagos', 'Africa/Algiers', 'Africa/Tunis', 'Africa/Ndjamena', 'Africa/Kinshasa'], { preferred: true }),
  c('BLR+2', 2, [], { dst: false }),
  c('BGR+2', 2, ['Europe/Sofia']),
  c('CYP+2', 2, ['Asia/Nicosia', 'Asia/Famagusta']),
  c('CAT+2', 2, ['Africa/Maputo', 'Africa/Johannesburg', 'Africa/Harare', 'Africa/Lusaka', 'Africa/Windhoek', 'Africa/Tripoli'], { preferred: true }),
  c('EGY+2', 2, ['Africa/Cairo']),
  c('EST+2', 2, ['Europe/Tallinn']),
  c('FIN+2', 2, ['Europe/Helsinki', 'Europe/Mariehamn']),
  c('GAZ+2', 2, ['Asia/Gaza', 'Asia/Hebron']),
  c('GRC+2', 2, ['Europe/Athens']),
  c('ISR+2', 2, ['Asia/Jerusalem']),
  c('JOR+2', 2, [], { dst: true }),
  c('LVA+2', 2, ['Europe/Riga']),
  c('LTU+2', 2, ['Europe/Vilnius']),
  c('LBN+2', 2, ['Asia/Beirut']),
  c('MDA+2', 2, ['Europe/Chisinau']),
  c('RUS+2', 2, ['Europe/Kaliningrad']),
  c('ROU+2', 2, ['Europe/Bucharest']),
  c('SYR+2', 2, [], { dst: true }),
  c('TUR+2', 2, [], { dst: true }),
  c('UKR+2', 2, ['Europe/Kyiv', 'Europe/Kiev']),
  c('EAT+3', 3, ['Africa/Nairobi', 'Africa/Addis_Ababa', 'Africa/Dar_es_Salaam', 'Africa/Kampala'], { preferred: true }),
  c('IRQ+3', 3, ['Asia/Baghdad', 'Asia/Riyadh', 'Asia/Kuwait', 'Asia/Qatar', 'Asia/Amman', 'Asia/Damascus']),
  c('RUS+3', 3, ['Europe/Moscow', 'Europe/Simferopol', 'Europe/Minsk', 'Europe/Istanbul', 'Europe/Volgograd', 'Europe/Kirov']),
  c('IRN+3.5', 3.5, ['Asia/Tehran']),
  c('ARM+4', 4, ['Asia/Yerevan']),
  c('AZE+4', 4, ['Asia/Baku']),
  c('GEO+4', 4, ['Asia/Tbilisi']),
  c('KAZ+4', 4, [], { dst: false }),
  c('RUS+4', 4, ['Europe/Samara', 'Europe/Astrakhan', 'Europe/Saratov', 'Europe/Ulyanovsk']),
  c('UAE+4', 4, ['Asia/Dubai', 'Asia/Muscat', 'Indian/Mauritius', 'Indian/Reunion'], { preferred: true }),
  c('KAZ+5', 5, ['Asia/Aqtobe', 'Asia/Aqtau', 'Asia/Oral', 'Asia/Atyrau', 'Asia/Qyzylorda']),
  c('KGZ+5', 5, [], { dst: false }),
  c('PAK+5', 5, ['Asia/Karachi', 'Asia/Tashkent', 'Asia/Samarkand', 'Asia/Dushanbe', 'Asia/Ashgabat', 'Indian/Maldives'], { preferred: true }),
  c('RUS+5', 5, ['Asia/Yekaterinburg']),
  c('IND+5.5', 5.5, ['Asia/Kolkata', 'Asia/Calcutta', 'Asia/Colombo']),
  c('KAZ+6', 6, ['Asia/Almaty', 'Asia/Bishkek', 'Asia/Dhaka', 'Asia/Thimphu', 'Asia/Urumqi'], { preferred: true }),
  c('RUS+6', 6, ['Asia/Omsk']),
  c('RUS+7', 7, ['Asia/Krasnoyarsk', 'Asia/Novosibirsk', 'Asia/Novokuznetsk', 'Asia/Barnaul', 'Asia/Tomsk']),
  c('THA+7', 7, ['Asia/Bangkok', 'Asia/Ho_Chi_Minh', 'Asia/Jakarta', 'Asia/Phnom_Penh', 'Asia/Vientiane'], { preferred: true }),
  c('CHN+8', 8, ['Asia/Shanghai', 'Asia/Hong_Kong', 'Asia/Taipei', 'Asia/Macau'], { preferred: true }),
  c('SGP+8', 8, ['Asia/Singapore', 'Asia/Kuala_Lumpur', 'Asia/Manila', 'Asia/Irkutsk']),
  c('AUS+8', 8, ['Australia/Perth']),
  c('KOR+9', 9, ['Asia/Seoul', 'Asia/Pyongyang']),
  c('JPN+9', 9, ['Asia/Tokyo', 'Asia/Yakutsk', 'Pacific/Palau'], { preferred: true }),
  c('AUS+9.5', 9.5, ['Australia/Adelaide', 'Australia/Broken_Hill']),
  c('AUS2+9.5', 9.5, ['Australia/Darwin']),
  c('AUS+10', 10, ['Australia/Sydney', 'Australia/Melbourne'], { preferred: true }),
  c('AUS2+10', 10, ['Australia/Brisbane', 'Australia/Lindeman', 'Pacific/Guam', 'Pacific/Port_Moresby']),
  c('AUS3+10', 10, ['Australia/Hobart']),
  c('RUS+10', 10, ['Asia/Vladivostok']),
  c('AUS+10.5', 10.5, ['Australia/Lord_Howe']),
  c('NCL+11', 11, ['Pacific/Noumea', 'Pacific/Guadalcanal', 'Pacific/Efate', 'Asia/Magadan', 'Asia/Sakhalin']),
  c('NZL+12', 12, ['Pacific/Auckland'], { preferred: true }),
  c('RUS+12', 12, ['Asia/Kamchatka', 'Asia/Anadyr', 'Pacific/Fiji']),
  c('NZL+12.75', 12.75, ['Pacific/Chatham']),
  c('TON+13', 13, ['Pacific/Tongatapu', 'Pacific/Apia', 'Pacific/Fakaofo', 'Pacific/Kanton']),
];

export interface SnomTime {
  /** Snom zone code (never empty). */
  code: string;
  /** Set when Snom's list has no code for this offset: the nearest one is written. */
  approximation?: string;
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
  const choice = chooseZoneEntry(iana, SNOM_ZONES);
  return {
    code: choice.entry.value,
    utcOffsetSeconds: rule.standardOffsetMinutes * 60,
    dst: snomDst(rule),
    ...(choice.how === 'nearest'
      ? { approximation: `Snom's zone list has no code for ${iana}: the phone gets ${choice.entry.value}, with the exact offset and summer time written beside it` }
      : {}),
  };
}
