// Escaping of stored values for the files phones read. Every value a vendor puts in a file goes
// through one of these functions (or xmlbuilder2, fed with `cleanText` output).
//
// Policy for control characters (decided once, for every vendor): they are not text. The domain
// refuses them when a value is saved; if one still reaches a renderer (old data, a bug), it is
// replaced by a space rather than failing the render, so a phone booting after a power cut always
// gets a file, and the character can never start a new line or key. `controlCharProblem` lets a
// vendor's `checkValues` report such a value at save time. Non-Latin text (é, ß, 日本, Arabic,
// emoji) is kept as is: every file is UTF-8.

/** C0 controls (incl. TAB, LF, CR), DEL, C1 controls, and the Unicode line/paragraph separators. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
/** Code points XML 1.0 cannot carry at all even as references: lone surrogates, U+FFFE, U+FFFF. */
const NON_XML = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|[\ufffe\uffff]/g;

/** Any character either of the two above could change (surrogates, even paired, only send the value the slow way). */
const SUSPECT = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\ud800-\udfff\ufffe\uffff]/;

/** The printable text of a value: control characters become spaces, code points that no UTF-8
 *  file can carry (lone surrogates, U+FFFE/U+FFFF) become U+FFFD. */
export function cleanText(v: string): string {
  // Almost every value is clean: one scan without allocating (a directory of 1,000 contacts calls
  // this about ten times a contact).
  if (!SUSPECT.test(v)) return v;
  return v.replace(CONTROL, ' ').replace(NON_XML, '\ufffd');
}

/** A message when `v` holds a character `cleanText` would change, else null. */
export function controlCharProblem(v: string): string | null {
  CONTROL.lastIndex = 0;
  NON_XML.lastIndex = 0;
  if (CONTROL.test(v)) return 'contains a control character (line break, tab, NUL…) that the phone file cannot carry';
  if (NON_XML.test(v)) return 'contains an invalid Unicode character';
  return null;
}

/** Text content of an XML element. `>` is escaped too so that `]]>` never appears. */
export function xmlText(v: string): string {
  return cleanText(v).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An XML attribute value, safe between either kind of quote. */
export function xmlAttr(v: string): string {
  return xmlText(v).replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/**
 * The value part of a `key = value` line (Yealink-style .cfg). The parser splits a line at its
 * first `=`, so `=` and `#` inside a value are harmless once the value cannot end the line; what
 * must go is every character that could start a new line. Leading/trailing blanks are trimmed
 * because the phones trim them anyway (a value cannot start with a space).
 */
export function cfgValue(v: string | number | boolean): string {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`not a finite number: ${v}`);
    return String(v);
  }
  if (typeof v === 'boolean') return v ? '1' : '0';
  return cleanText(v).trim();
}

/**
 * A value for xmlbuilder2's `.txt()` / attributes. xmlbuilder2 4 escapes `<`, `>`, `"` but leaves
 * any `&` that starts something shaped like a reference (`&amp;`, `&lt;`, `&bogus;`, `&#65;`)
 * untouched (`nonEntityAmpersandRegex` in its BaseWriter): the text `Tom &amp; Jerry` would come
 * back as `Tom & Jerry`, and `&bogus;` would make the XML ill-formed. Escaping every `&` first
 * turns each into `&amp;`, which xmlbuilder2 then keeps as is, so the parsed text is exact.
 * Tests parse every document back with a strict parser (test/fixtures/xml.ts) to hold this.
 */
export function xmlBuilderValue(v: string): string {
  return cleanText(v).replace(/&/g, '&amp;');
}
