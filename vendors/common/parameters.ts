// Rules shared by the three vendors' raw-parameter support (vendors/<vendor>/parameters.ts): limits,
// the value checks every format needs, and the problem values with their stable codes. Each vendor
// adds the grammar of its own names and the characters its own format cannot carry in a value.
import type { VendorParameterErrorCode, VendorParameterProblem } from '../types.ts';

/** Parameters per vendor at one level (installation, tenant, device). */
export const MAX_VENDOR_PARAMETERS = 200;
/** Longest name: longer than any documented key of the three vendors (Yealink keys reach ~70). */
export const MAX_PARAMETER_NAME_LENGTH = 128;
/** Longest value: Yealink's longest documented string (digit map, 2048 characters). */
export const MAX_PARAMETER_VALUE_LENGTH = 2048;

/** Characters that end or break a line, or that no file format here can carry. */
const LINE_OR_CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|[\ufffe\uffff]/;

export function parameterProblem(
  code: VendorParameterErrorCode,
  vendor: string,
  name: string,
  message: string,
): VendorParameterProblem {
  const shown = name.length > 100 ? `${name.slice(0, 100)}…` : name;
  return { code, vendor, name: shown, message: `${vendor} parameter "${shown.replace(LINE_OR_CONTROL, '?')}": ${message}` };
}

/** Checks of a name every vendor makes before its own grammar. */
export function commonNameProblem(vendor: string, name: string): VendorParameterProblem | null {
  if (typeof name !== 'string' || name.length === 0) {
    return parameterProblem('vendor_parameter.name_invalid', vendor, String(name), 'the name is empty');
  }
  if (name.length > MAX_PARAMETER_NAME_LENGTH) {
    return parameterProblem('vendor_parameter.name_invalid', vendor, name, `the name is longer than ${MAX_PARAMETER_NAME_LENGTH} characters`);
  }
  return null;
}

/**
 * Checks of a value every vendor makes: a string, not too long, no line break or control character
 * (in a `key = value` file it would start a new line, in XML it is not even allowed), no code point a
 * UTF-8 file cannot carry. `forbidden` lists the characters the vendor's format adds to that.
 */
export function commonValueProblem(vendor: string, name: string, value: unknown, forbidden?: RegExp): VendorParameterProblem | null {
  const bad = (message: string) => parameterProblem('vendor_parameter.value_invalid', vendor, name, message);
  if (typeof value !== 'string') return bad('the value must be a string');
  if (value.length > MAX_PARAMETER_VALUE_LENGTH) return bad(`the value is longer than ${MAX_PARAMETER_VALUE_LENGTH} characters`);
  if (LINE_OR_CONTROL.test(value)) return bad('the value contains a line break or a control character');
  if (LONE_SURROGATE.test(value)) return bad('the value contains an invalid Unicode character');
  if (forbidden) {
    const m = forbidden.exec(value);
    if (m) return bad(`the value contains "${m[0]}", which this file format would read as markup`);
  }
  return null;
}

/** The parameters of one vendor in the context, in a stable order (by name). */
export function sortedParameters(params: Record<string, string> | undefined): [string, string][] {
  if (!params || typeof params !== 'object') return [];
  return Object.entries(params)
    .filter((e): e is [string, string] => typeof e[1] === 'string')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** How one vendor's raw parameters are named and what its format cannot carry in a value. */
export interface ParameterGrammar {
  vendor: string;
  /** Names the vendor reads as one setting. */
  name: RegExp;
  /** Names refused even when `name` matches (e.g. `xml…`, reserved by XML). */
  reserved?: RegExp;
  /** Characters the vendor's format would read as markup inside a value. */
  markup?: RegExp;
  /** What a valid name looks like (English, for logs; people get the catalogue's text). */
  hint: string;
}

/** The check of one parameter: shared rules on name and value, then the vendor's grammar. */
export function grammarCheck(g: ParameterGrammar): (name: string, value: string) => VendorParameterProblem | null {
  return (name, value) => {
    const n = commonNameProblem(g.vendor, name);
    if (n) return n;
    if (!g.name.test(name) || g.reserved?.test(name)) return parameterProblem('vendor_parameter.name_invalid', g.vendor, name, g.hint);
    return commonValueProblem(g.vendor, name, value, g.markup);
  };
}

/** The valid parameters of one vendor in a profile, by name. */
export function validParameters(
  params: Record<string, string> | undefined,
  check: (name: string, value: string) => VendorParameterProblem | null,
): [string, string][] {
  return sortedParameters(params).filter(([k, v]) => check(k, v) === null);
}

/**
 * The parameters that replace a value cadran writes itself: `params` checked against the files cadran
 * renders for the phone without them (`renderOwn`, only rendered when there is something to check).
 */
export function shadowed(params: [string, string][], renderOwn: () => string[], setsIt: (name: string, value: string, own: string[]) => boolean): string[] {
  if (params.length === 0) return [];
  const own = renderOwn();
  return params.filter(([name, value]) => setsIt(name, value, own)).map(([name]) => name);
}
