// Time zone lines of a Yealink V8x file, from the IANA name through the common rule deriver.
// Format (yealink.md §5, timezones.md "Yealink (V8x)", Yealink CP920 admin guide p.224):
//   local_time.time_zone        offset of standard time: `+1`, `-5`, `+5:30`, `0`
//   local_time.time_zone_name   the label of Yealink's zone list without its offset (list below)
//   local_time.summer_time      0 disabled, 1 enabled (2 = automatic from the AutoDST file: not
//                               used, we give the rule explicitly so that it is right in any year)
//   local_time.dst_time_type    1 = by week
//   local_time.start_time/end_time  Month/WeekOfMonth/DayOfWeek/Hour, week 5 = last,
//                               day 1 = Monday … 7 = Sunday, local hour (start: standard time,
//                               end: summer time) — Yealink's own Paris example is 3/5/7/2, 10/5/7/3
//   local_time.offset_time      minutes added in summer
import { chooseZoneEntry, timezoneRule, type DstTransition, type ZoneListEntry } from '../common/timezone.ts';

// Yealink's time zone list, the values of `local_time.time_zone_name` with the offset each stands for.
// Source: the "Time Zones" appendix of the Yealink SIP-T2/T4/T5 administrator guides, as transcribed
// in an open-source Yealink provisioner (search id 6184782061: "−11:00 Samoa … +12:45 New Zealand
// (Chatham Islands)", with a page-break artefact "Russia(Samara)Appendix" that shows its origin);
// `+13 Tonga(Nukualofa)` from a phone web-UI zone list of the same family (search id 20077962222).
// Spellings: the guide's, with no blank after commas as in the values real configurations write
// (timezones.md: `France(Paris)`, MikoPBX `Australia(Sydney,Melbourne,Canberra)`); where the two
// transcriptions differ (Kopenhagen/Kopenhaven, Torshavn/Torshaven) we keep the guide's.
// The first IANA zone of an entry is its representative (vendors/common/timezone.ts
// chooseZoneEntry); entries whose place changed offset since the list was written (Caracas, Nuuk,
// Casablanca, Windhoek, Amman, Damascus, Istanbul, Aqtau, Bishkek, Almaty) keep their listed offset
// and are only chosen by offset.
const H = 60;
const z = (offset: number, value: string, zones: string[] = [], extra: Partial<ZoneListEntry> = {}): ZoneListEntry => ({
  value,
  offsetMinutes: Math.round(offset * H),
  zones,
  ...extra,
});

export const YEALINK_ZONES: readonly ZoneListEntry[] = [
  z(-11, 'Samoa', ['Pacific/Pago_Pago', 'Pacific/Midway', 'Pacific/Niue']),
  z(-10, 'United States-Hawaii-Aleutian', ['Pacific/Honolulu', 'Pacific/Tahiti', 'Pacific/Rarotonga'], { preferred: true }),
  z(-10, 'United States-Alaska-Aleutian', ['America/Adak']),
  z(-9, 'United States-Alaska Time', ['America/Anchorage', 'America/Juneau', 'America/Nome', 'America/Sitka', 'America/Yakutat', 'America/Metlakatla']),
  z(-8, 'Canada(Vancouver,Whitehorse)', ['America/Vancouver']),
  z(-8, 'Mexico(Tijuana,Mexicali)', ['America/Tijuana']),
  z(-8, 'United States-Pacific Time', ['America/Los_Angeles'], { preferred: true }),
  z(-7, 'Canada(Edmonton,Calgary)', ['America/Edmonton', 'America/Cambridge_Bay', 'America/Inuvik']),
  z(-7, 'Mexico(Mazatlan,Chihuahua)', ['America/Mazatlan']),
  z(-7, 'United States-Mountain Time', ['America/Denver', 'America/Boise'], { preferred: true }),
  z(-7, 'United States-MST no DST', ['America/Phoenix', 'America/Hermosillo', 'America/Whitehorse', 'America/Dawson_Creek']),
  z(-6, 'Canada-Manitoba(Winnipeg)', ['America/Winnipeg', 'America/Rankin_Inlet', 'America/Resolute']),
  z(-6, 'Chile(Easter Islands)', ['Pacific/Easter']),
  z(-6, 'Mexico(Mexico City,Acapulco)', ['America/Mexico_City', 'America/Monterrey', 'America/Merida', 'America/Chihuahua']),
  z(-6, 'United States-Central Time', ['America/Chicago'], { preferred: true }),
  z(-5, 'Bahamas(Nassau)', ['America/Nassau']),
  z(-5, 'Canada(Montreal,Ottawa,Quebec)', ['America/Toronto', 'America/Iqaluit']),
  z(-5, 'Cuba(Havana)', ['America/Havana']),
  z(-5, 'United States-Eastern Time', ['America/New_York', 'America/Detroit', 'America/Indiana/Indianapolis', 'America/Kentucky/Louisville'], { preferred: true }),
  z(-4.5, 'Venezuela(Caracas)', [], { dst: false }),
  z(-4, 'Canada(Halifax,Saint John)', ['America/Halifax', 'America/Moncton', 'America/Glace_Bay', 'America/Goose_Bay']),
  z(-4, 'Chile(Santiago)', ['America/Santiago']),
  z(-4, 'Paraguay(Asuncion)', ['America/Asuncion']),
  z(-4, 'United Kingdom-Bermuda(Bermuda)', ['Atlantic/Bermuda', 'America/Thule']),
  z(-4, 'United Kingdom(Falkland Islands)', []),
  z(-4, 'Trinidad&Tobago', ['America/Port_of_Spain', 'America/Caracas', 'America/Puerto_Rico'], { dst: false }),
  z(-3.5, 'Canada-New Foundland(St.Johns)', ['America/St_Johns']),
  z(-3, 'Denmark-Greenland(Nuuk)', [], { dst: true }),
  z(-3, 'Argentina(Buenos Aires)', ['America/Argentina/Buenos_Aires', 'America/Argentina/Cordoba', 'America/Montevideo']),
  z(-3, 'Brazil(no DST)', ['America/Sao_Paulo', 'America/Bahia', 'America/Fortaleza', 'America/Recife', 'America/Belem', 'Atlantic/Stanley'], { preferred: true }),
  z(-3, 'Brazil(DST)', ['America/Miquelon'], { dst: true }),
  z(-2, 'Brazil(no DST)', ['America/Noronha', 'Atlantic/South_Georgia']),
  z(-1, 'Portugal(Azores)', ['Atlantic/Azores', 'America/Scoresbysund']),
  z(0, 'GMT', ['UTC', 'Etc/UTC', 'Etc/GMT', 'Africa/Abidjan', 'Atlantic/Reykjavik'], { preferred: true }),
  z(0, 'Greenland', ['America/Danmarkshavn']),
  z(0, 'Denmark-Faroe Islands(Torshavn)', ['Atlantic/Faroe']),
  z(0, 'Ireland(Dublin)', ['Europe/Dublin']),
  z(0, 'Portugal(Lisboa,Porto,Funchal)', ['Europe/Lisbon', 'Atlantic/Madeira']),
  z(0, 'Spain-Canary Islands(Las Palmas)', ['Atlantic/Canary']),
  z(0, 'United Kingdom(London)', ['Europe/London', 'Europe/Guernsey', 'Europe/Isle_of_Man', 'Europe/Jersey']),
  z(0, 'Morocco', [], { dst: false }),
  z(1, 'Albania(Tirane)', ['Europe/Tirane']),
  z(1, 'Austria(Vienna)', ['Europe/Vienna']),
  z(1, 'Belgium(Brussels)', ['Europe/Brussels']),
  z(1, 'Caicos', [], { dst: false }),
  z(1, 'Chad', ['Africa/Ndjamena', 'Africa/Lagos', 'Africa/Algiers', 'Africa/Tunis'], { preferred: true }),
  z(1, 'Spain(Madrid)', ['Europe/Madrid', 'Africa/Ceuta']),
  z(1, 'Croatia(Zagreb)', ['Europe/Zagreb']),
  z(1, 'Czech Republic(Prague)', ['Europe/Prague', 'Europe/Bratislava']),
  z(1, 'Denmark(Kopenhagen)', ['Europe/Copenhagen']),
  z(1, 'France(Paris)', ['Europe/Paris', 'Europe/Monaco']),
  z(1, 'Germany(Berlin)', ['Europe/Berlin', 'Europe/Busingen'], { preferred: true }),
  z(1, 'Hungary(Budapest)', ['Europe/Budapest']),
  z(1, 'Italy(Rome)', ['Europe/Rome', 'Europe/Vatican', 'Europe/San_Marino']),
  z(1, 'Luxembourg(Luxembourg)', ['Europe/Luxembourg']),
  z(1, 'Macedonia(Skopje)', ['Europe/Skopje']),
  z(1, 'Netherlands(Amsterdam)', ['Europe/Amsterdam']),
  z(1, 'Namibia(Windhoek)', [], { dst: true }),
  z(2, 'Estonia(Tallinn)', ['Europe/Tallinn']),
  z(2, 'Finland(Helsinki)', ['Europe/Helsinki', 'Europe/Mariehamn'], { preferred: true }),
  z(2, 'Gaza Strip(Gaza)', ['Asia/Gaza', 'Asia/Hebron']),
  z(2, 'Greece(Athens)', ['Europe/Athens']),
  z(2, 'Israel(Tel Aviv)', ['Asia/Jerusalem']),
  z(2, 'Jordan(Amman)', [], { dst: true }),
  z(2, 'Latvia(Riga)', ['Europe/Riga', 'Europe/Vilnius']),
  z(2, 'Lebanon(Beirut)', ['Asia/Beirut']),
  z(2, 'Moldova(Kishinev)', ['Europe/Chisinau']),
  z(2, 'Russia(Kaliningrad)', ['Europe/Kaliningrad', 'Africa/Tripoli'], { preferred: true }),
  z(2, 'Romania(Bucharest)', ['Europe/Bucharest']),
  z(2, 'Syria(Damascus)', [], { dst: true }),
  z(2, 'Turkey(Ankara)', [], { dst: true }),
  z(2, 'Ukraine(Kyiv,Odessa)', ['Europe/Kyiv', 'Europe/Kiev']),
  z(3, 'East Africa Time', ['Africa/Nairobi', 'Africa/Addis_Ababa', 'Africa/Dar_es_Salaam', 'Africa/Kampala'], { preferred: true }),
  z(3, 'Iraq(Baghdad)', ['Asia/Baghdad', 'Asia/Riyadh', 'Asia/Kuwait', 'Asia/Qatar']),
  z(3, 'Russia(Moscow)', ['Europe/Moscow', 'Europe/Simferopol', 'Europe/Minsk', 'Europe/Istanbul']),
  z(3.5, 'Iran(Teheran)', ['Asia/Tehran']),
  z(4, 'Armenia(Yerevan)', ['Asia/Yerevan']),
  z(4, 'Azerbaijan(Baku)', ['Asia/Baku']),
  z(4, 'Georgia(Tbilisi)', ['Asia/Tbilisi']),
  z(4, 'Kazakhstan(Aktau)', [], { dst: false }),
  z(4, 'Russia(Samara)', ['Europe/Samara', 'Asia/Dubai', 'Asia/Muscat'], { preferred: true }),
  z(4.5, 'Afghanistan', ['Asia/Kabul']),
  z(5, 'Kazakhstan(Aqtobe)', ['Asia/Aqtobe', 'Asia/Aqtau', 'Asia/Oral', 'Asia/Atyrau']),
  z(5, 'Kyrgyzstan(Bishkek)', [], { dst: false }),
  z(5, 'Pakistan(Islamabad)', ['Asia/Karachi', 'Asia/Tashkent', 'Asia/Samarkand'], { preferred: true }),
  z(5, 'Russia(Chelyabinsk)', ['Asia/Yekaterinburg']),
  z(5.5, 'India(Calcutta)', ['Asia/Kolkata', 'Asia/Calcutta', 'Asia/Colombo']),
  z(6, 'Kazakhstan(Astana,Almaty)', ['Asia/Almaty', 'Asia/Bishkek', 'Asia/Dhaka'], { preferred: true }),
  z(6, 'Russia(Novosibirsk,Omsk)', ['Asia/Omsk']),
  z(7, 'Russia(Krasnoyarsk)', ['Asia/Krasnoyarsk', 'Asia/Novosibirsk']),
  z(7, 'Thailand(Bangkok)', ['Asia/Bangkok', 'Asia/Ho_Chi_Minh', 'Asia/Jakarta'], { preferred: true }),
  z(8, 'China(Beijing)', ['Asia/Shanghai', 'Asia/Hong_Kong', 'Asia/Taipei', 'Asia/Macau'], { preferred: true }),
  z(8, 'Singapore(Singapore)', ['Asia/Singapore', 'Asia/Kuala_Lumpur', 'Asia/Manila']),
  z(8, 'Australia(Perth)', ['Australia/Perth']),
  z(9, 'Korea(Seoul)', ['Asia/Seoul', 'Asia/Pyongyang']),
  z(9, 'Japan(Tokyo)', ['Asia/Tokyo'], { preferred: true }),
  z(9.5, 'Australia(Adelaide)', ['Australia/Adelaide', 'Australia/Broken_Hill']),
  z(9.5, 'Australia(Darwin)', ['Australia/Darwin']),
  z(10, 'Australia(Sydney,Melbourne,Canberra)', ['Australia/Sydney', 'Australia/Melbourne'], { preferred: true }),
  z(10, 'Australia(Brisbane)', ['Australia/Brisbane', 'Australia/Lindeman']),
  z(10, 'Australia(Hobart)', ['Australia/Hobart']),
  z(10, 'Russia(Vladivostok)', ['Asia/Vladivostok']),
  z(10.5, 'Australia(Lord Howe Islands)', ['Australia/Lord_Howe']),
  z(11, 'New Caledonia(Noumea)', ['Pacific/Noumea']),
  z(12, 'New Zealand(Wellington,Auckland)', ['Pacific/Auckland'], { preferred: true }),
  z(12.75, 'New Zealand(Chatham Islands)', ['Pacific/Chatham']),
  z(13, 'Tonga(Nukualofa)', ['Pacific/Tongatapu']),
];

export interface YealinkTime {
  timeZone: string;
  timeZoneName: string;
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
  const choice = chooseZoneEntry(iana, YEALINK_ZONES);
  const base = { timeZone: yealinkOffset(rule.standardOffsetMinutes), timeZoneName: choice.entry.value };
  const nameNote =
    choice.how === 'nearest'
      ? `Yealink's zone list has no entry for ${iana}: the phone shows "${choice.entry.value}" as the zone name (the offset and summer time written are exact)`
      : undefined;
  if (!rule.dst) return { ...base, summerTime: 0, ...(nameNote ? { approximation: nameNote } : {}) };
  const { start, end, saveMinutes } = rule.dst;
  const approximation =
    start.minute !== 0 || end.minute !== 0
      ? `summer time in ${iana} changes at ${start.hour}:${String(start.minute).padStart(2, '0')}; the phone can only change on the hour`
      : nameNote;
  return {
    ...base,
    summerTime: 1,
    start: yealinkTransition(start),
    end: yealinkTransition(end),
    offsetMinutes: saveMinutes,
    ...(approximation ? { approximation } : {}),
  };
}
