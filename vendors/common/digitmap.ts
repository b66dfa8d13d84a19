// Dial plans as digit maps: the grammar cadran accepts, a matcher (what a phone does with what the
// user types), the default map of each region, and the translation for Snom.
//
// Syntax: the digit map of MGCP, RFC 3435 §2.1.5, which both Poly (`dialplan.digitmap`, UCS admin
// guide "Digit Map"; deployment.md §2) and Yealink ("Dial Plan using Digit Map String Rules":
// `dialplan.digitmap.string` "must be compatible with the digit map feature of MGCP described in 2.1.5
// of RFC 3435", String within 2048 characters — Yealink T2/T4/T5 admin guide,
// manualshive.com/ru/manual/yealink/t5-series/3764184?page=221 and easymanua.ls/yealink/t40g/manual/289184?p=305)
// take as is. cadran accepts the subset both understand:
//   alternatives separated by `|`; each a sequence of positions:
//   `0`–`9`, `*`, `#`, `+`       that character (`+` as in Yealink's default `+x.T`)
//   `x`                          any digit
//   `[…]`                        one of: digits, ranges `2-9`, `*`, `#`, `+`, `x`
//   a position followed by `.`   that position zero or more times
//   `T` (last, once)             the inter-digit timer: the number is complete once the user stops
// Vendor extensions (Yealink `<…:…>` rewrites, `!` blocking, `,` second dial tone; Poly `R…R…R`) are
// not accepted: they would not mean the same on the other vendors. Blanks are ignored (Yealink's own
// default map has spaces around `|`).
//
// Matching follows RFC 3435: as soon as what was typed matches a whole alternative that has no `T`,
// the phone dials it; an alternative ending in `T` dials when the timer expires.

export interface DigitPosition {
  /** Characters this position accepts. */
  chars: string;
  /** Followed by `.`: zero or more. */
  repeat: boolean;
}

export interface DigitAlternative {
  source: string;
  positions: DigitPosition[];
  timer: boolean;
}

/** Longest map accepted (Yealink `dialplan.digitmap.string`: "String within 2048 characters"). */
export const MAX_DIGIT_MAP_LENGTH = 2048;
/** More alternatives than this is a mistake, not a plan. */
export const MAX_DIGIT_MAP_ALTERNATIVES = 100;

const DIGITS = '0123456789';
const DIALABLE = DIGITS + '*#+';

export class DigitMapError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
    this.name = 'DigitMapError';
  }
}

function parseRange(body: string, at: number): string {
  let chars = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === 'x') chars += DIGITS;
    else if (DIGITS.includes(c) && body[i + 1] === '-' && i + 2 < body.length) {
      const end = body[i + 2]!;
      if (!DIGITS.includes(end) || end < c) throw new DigitMapError(`range "${c}-${end}" is not a range of digits`, at + i);
      for (let d = Number(c); d <= Number(end); d++) chars += String(d);
      i += 2;
    } else if (DIALABLE.includes(c)) chars += c;
    else throw new DigitMapError(`"${c}" cannot appear between [ and ]`, at + i);
  }
  if (chars === '') throw new DigitMapError('empty [ ]', at);
  return [...new Set(chars)].join('');
}

/** The alternatives of a digit map; throws DigitMapError naming the first problem. */
export function parseDigitMap(map: string): DigitAlternative[] {
  if (typeof map !== 'string') throw new DigitMapError('not a string', 0);
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(map.replace(/\t/g, ' '))) {
    throw new DigitMapError('contains a line break or control character', 0);
  }
  const s = map.replace(/[ \t]/g, '');
  if (s.length === 0) throw new DigitMapError('empty', 0);
  if (s.length > MAX_DIGIT_MAP_LENGTH) throw new DigitMapError(`longer than ${MAX_DIGIT_MAP_LENGTH} characters`, MAX_DIGIT_MAP_LENGTH);
  const out: DigitAlternative[] = [];
  let offset = 0;
  for (const source of s.split('|')) {
    if (source === '') throw new DigitMapError('empty alternative (two "|" in a row, or "|" at an end)', offset);
    const positions: DigitPosition[] = [];
    let timer = false;
    for (let i = 0; i < source.length; i++) {
      const c = source[i]!;
      const at = offset + i;
      if (timer) throw new DigitMapError('"T" must end its alternative', at);
      if (c === 'T') {
        timer = true;
        continue;
      }
      if (c === '.') {
        const last = positions[positions.length - 1];
        if (!last || last.repeat) throw new DigitMapError('"." must follow a digit, x or [ ]', at);
        last.repeat = true;
        continue;
      }
      if (c === '[') {
        const end = source.indexOf(']', i);
        if (end < 0) throw new DigitMapError('"[" without "]"', at);
        positions.push({ chars: parseRange(source.slice(i + 1, end), at + 1), repeat: false });
        i = end;
        continue;
      }
      if (c === 'x') positions.push({ chars: DIGITS, repeat: false });
      else if (DIALABLE.includes(c)) positions.push({ chars: c, repeat: false });
      else throw new DigitMapError(`"${c}" is not part of a digit map (digits, * # + x [ ] . T |)`, at);
    }
    if (positions.length === 0) throw new DigitMapError('an alternative needs at least one digit position', offset);
    out.push({ source, positions, timer });
    offset += source.length + 1;
  }
  if (out.length > MAX_DIGIT_MAP_ALTERNATIVES) {
    throw new DigitMapError(`more than ${MAX_DIGIT_MAP_ALTERNATIVES} alternatives`, 0);
  }
  return out;
}

/** A message naming the problem of a digit map, or null when it is valid. */
export function digitMapProblem(map: string): string | null {
  try {
    parseDigitMap(map);
    return null;
  } catch (e) {
    if (e instanceof DigitMapError) return `${e.message} (at character ${e.position + 1})`;
    throw e;
  }
}

/** The map with blanks removed, as every vendor receives it. */
export function normalizeDigitMap(map: string): string {
  return map.replace(/[ \t]/g, '');
}

/** Positions reachable at the start, following repeatable positions that may be skipped. */
function closure(states: Set<number>, positions: DigitPosition[]): Set<number> {
  const out = new Set(states);
  const stack = [...states];
  while (stack.length) {
    const s = stack.pop()!;
    if (s < positions.length && positions[s]!.repeat && !out.has(s + 1)) {
      out.add(s + 1);
      stack.push(s + 1);
    }
  }
  return out;
}

/** How one alternative takes the dialled string: whole, as the beginning of a longer number, or not. */
function matchAlternative(alt: DigitAlternative, dialled: string): 'whole' | 'prefix' | 'none' {
  let states = closure(new Set([0]), alt.positions);
  for (const ch of dialled) {
    const next = new Set<number>();
    for (const s of states) {
      const p = alt.positions[s];
      if (!p || !p.chars.includes(ch)) continue;
      next.add(p.repeat ? s : s + 1);
    }
    if (next.size === 0) return 'none';
    states = closure(next, alt.positions);
  }
  if (states.has(alt.positions.length)) return 'whole';
  return 'prefix';
}

export type DialOutcome =
  /** A whole alternative without T: the phone dials at once. */
  | 'dial'
  /** A whole alternative ending in T: the phone dials when the user stops typing. */
  | 'dial-after-timer'
  /** More digits could still match. */
  | 'incomplete'
  /** No alternative can match, whatever follows. */
  | 'impossible';

/** What a phone with this map does with `dialled` (digits, `*`, `#`, `+`). */
export function matchDigitMap(map: string | DigitAlternative[], dialled: string): DialOutcome {
  const alts = typeof map === 'string' ? parseDigitMap(map) : map;
  let timer = false;
  let prefix = false;
  for (const alt of alts) {
    const m = matchAlternative(alt, dialled);
    if (m === 'whole' && !alt.timer) return 'dial';
    if (m === 'whole') timer = true;
    else if (m === 'prefix') prefix = true;
  }
  if (timer) return 'dial-after-timer';
  return prefix ? 'incomplete' : 'impossible';
}

// ---- region defaults -----------------------------------------------------------------------------
//
// Each map dials at once every fixed-length number of the region's numbering plan, waits for the
// timer where lengths vary (international numbers, German and Italian area codes, feature codes), and
// never dials a short number that is also the beginning of a longer one (116xxx, 118xxx). Every region
// also takes `+` international numbers and `*`/`#` feature codes of the platform (after the timer).
// Numbering plans (national regulators' published plans):
// - FR: ARCEP plan national de numérotation (décision 2018-0881): 10-digit 0Z numbers (01–09, incl.
//   overseas 0262, 0590…), emergency 15 17 18 112 114 115 119, 116xxx, 118xxx directory, 10XY operator
//   numbers, 3BPQ four-digit service numbers; 00 international.
// - BE: BIPT numbering plan: 9-digit national numbers (0 + 8), 10-digit mobiles 045x–049x, 9-digit 04
//   geographic (Liège); 100 101 112, 105–107 services, 116xxx, four-digit 1ABC services.
// - CH: OFCOM numbering plan: 10-digit national numbers; 112 117 118 144, 140 143 145 147, 1414 1415,
//   116xxx, 18xx directory.
// - GB: Ofcom National Telephone Numbering Plan: 11-digit 0 numbers; 999 112 101 105 111 100 123,
//   116xxx, 118xxx.
// - US: NANPA: 10-digit NPA-NXX-XXXX (N = 2–9), 1 + 10 digits, N11 service codes, 011 international,
//   0 operator.
// - DE: BNetzA Nummernplan: variable-length national numbers (0 + area code + subscriber): timer;
//   110 112 115, 116xxx, 118xy directory.
// - ES: CNMC Plan nacional de numeración: closed 9-digit plan (6/7 mobile, 8/9 fixed and services);
//   112, three-digit 0AB services (010 012 016 060 061 062 080 085 088 091 092), 116xxx, 118AB.
// - IT: AGCOM Piano nazionale di numerazione: geographic numbers 0 + 5–10 digits (timer), 10-digit
//   mobiles 3xx, 800/803 toll-free (9 digits), 89x premium (timer); 112 113 114 115 117 118, 116xxx,
//   four-digit 1xyz services.
// - NL: ACM nummerplan: 10-digit numbers, 0800/0900/0906/0909 with 8 or 11 digits (timer); 112 144,
//   116xxx, 18xx directory.
const COMMON = '00[1-9]x.T|+[1-9]x.T|[*#][*#x].T';

export const REGION_DIGIT_MAPS: Readonly<Record<string, string>> = {
  FR: `0[1-9]xxxxxxxx|1[578]|11[2459]|116xxx|118xxx|10xx|3xxx|${COMMON}`,
  BE: `0[1-35-9]xxxxxxx|04[0-4]xxxxxx|04[5-9]xxxxxxx|10[0-7]|112|116xxx|1[2-9]xx|${COMMON}`,
  CH: `0[1-9]xxxxxxxx|11[2-578]|14[03457]|141[45]|116xxx|18xx|${COMMON}`,
  GB: `0[1-9]xxxxxxxxx|999|112|10[015]|111|123|116xxx|118xxx|${COMMON}`,
  US: '[2-9]11|[2-9]xx[2-9]xxxxxx|1[2-9]xx[2-9]xxxxxx|011x.T|0T|+[1-9]x.T|[*#][*#x].T',
  DE: `0[1-9]xxx.T|11[025]|116xxx|118xx|${COMMON}`,
  ES: `[6-9]xxxxxxxx|112|0[1-9]x|116xxx|118xx|${COMMON}`,
  IT: `0[1-9]x.T|3xxxxxxxxx|80[03]xxxxxx|89x.T|11[2-578]|116xxx|1[2-9]xx|${COMMON}`,
  NL: `0[1-7]xxxxxxxx|08[1-9]xxxxxxx|0800xxxx.T|090[069]xxxx.T|112|144|116xxx|18xx|${COMMON}`,
};

// ---- Snom -------------------------------------------------------------------------------------------

function regexClass(chars: string): string {
  if (chars.length === 1) return /[*+.\\^$|?()[\]{}]/.test(chars) ? `\\${chars}` : chars;
  const digits = [...chars].filter((c) => DIGITS.includes(c)).sort();
  const others = [...chars].filter((c) => !DIGITS.includes(c));
  let body = '';
  // Runs of consecutive digits become ranges.
  for (let i = 0; i < digits.length; ) {
    let j = i;
    while (j + 1 < digits.length && Number(digits[j + 1]) === Number(digits[j]) + 1) j++;
    body += j - i >= 2 ? `${digits[i]}-${digits[j]}` : digits.slice(i, j + 1).join('');
    i = j + 1;
  }
  // Inside a bracket expression `*`, `+` and `#` are plain characters (a backslash would be one too).
  for (const c of others) body += c;
  return `[${body}]`;
}

/**
 * The digit map as a Snom regular-expression dial plan (`user_dp_str`; service.snom.com "Dial Plan -
 * Regular Expressions": entries separated by spaces, each `<separator>pattern<separator>replacement
 * <separator>flags`, flag `d` = the number is complete and is dialled; `\1` the first group, `\d` the
 * registrar's domain). Only alternatives without `T` become entries: the others are what the phone
 * does by itself (it dials on the # key or after its own inter-digit timeout).
 */
export function snomDialPlan(map: string): string {
  return parseDigitMap(map)
    .filter((a) => !a.timer)
    .map((a) => {
      let re = '';
      // Runs of the same position become `cls{n}` (the wiki's own example is `([0-9]{5})`).
      for (let i = 0; i < a.positions.length; ) {
        const p = a.positions[i]!;
        let j = i;
        while (!p.repeat && j + 1 < a.positions.length && !a.positions[j + 1]!.repeat && a.positions[j + 1]!.chars === p.chars) j++;
        const cls = regexClass(p.chars);
        const run = j - i + 1;
        if (p.repeat) re += `${cls}*`;
        else if (run >= 3 || (run === 2 && p.chars.length > 1)) re += `${cls}{${run}}`;
        else re += cls.repeat(run);
        i = j + 1;
      }
      return `!^(${re})$!sip:\\1@\\d!d`;
    })
    .join(' ');
}
