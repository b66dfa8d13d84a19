// A small XML writer for the phones' directory files, which xmlbuilder2 made the slowest part of
// a boot storm: building its DOM for 1,000 contacts took 200 ms in a micro-benchmark with the
// other core busy, and every phone of a 1,000-licence tenant gets such a file. Its callback writer
// (createCB) was slower still (555 ms). These files are flat lists, so they are written here as
// plain objects serialised in one pass: the same bytes as xmlbuilder2's `end({ prettyPrint: true })`
// (test/vendors-xml.test.ts compares both on hostile values). A 1,000-contact Yealink book went
// from 16 to 4 ms, a Snom one from 48 to 16 ms (same loaded machine). The other XML files (a few
// elements each) keep xmlbuilder2.
//
// Same output as xmlbuilder2 4, on purpose, so callers feed it the same values:
// - declaration `<?xml version="1.0" encoding="…"?>` (with ` standalone="yes"` when asked);
// - two spaces per level, one element per line; an element holding only text on one line;
//   an element without content (no children, empty text) as `<name/>` (with its attributes);
// - text: `&` (one not already starting a reference: `&amp;`, `&#65;`), `<`, `>` escaped;
//   attribute values: the same and `"`. Callers escape every `&` first (xmlBuilderValue in
//   vendors/common/escape.ts) and clean control characters, as for xmlbuilder2.

export interface XmlElement {
  name: string;
  attrs?: Readonly<Record<string, string>>;
  /** Text content (an element has text or children, not both). */
  text?: string;
  children?: readonly XmlElement[];
}

const LONE_AMP = /&(?![A-Za-z]+;|#\d+;)/g;
const TEXT_SPECIAL = /[&<>]/;
const ATTR_SPECIAL = /[&<>"]/;

function escText(v: string): string {
  if (!TEXT_SPECIAL.test(v)) return v;
  return v.replace(LONE_AMP, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escAttr(v: string): string {
  if (!ATTR_SPECIAL.test(v)) return v;
  return v.replace(LONE_AMP, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function write(e: XmlElement, indent: string): string {
  let s = '\n' + indent + '<' + e.name;
  if (e.attrs) for (const k in e.attrs) s += ' ' + k + '="' + escAttr(e.attrs[k]!) + '"';
  if (e.text) return s + '>' + escText(e.text) + '</' + e.name + '>';
  if (!e.children || e.children.length === 0) return s + '/>';
  s += '>';
  const inner = indent + '  ';
  for (const c of e.children) s += write(c, inner);
  return s + '\n' + indent + '</' + e.name + '>';
}

/** The document: declaration, then the root element, pretty-printed; no final newline. */
export function xmlDocument(root: XmlElement, decl: { encoding: string; standalone?: boolean }): string {
  return `<?xml version="1.0" encoding="${decl.encoding}"${decl.standalone ? ' standalone="yes"' : ''}?>` + write(root, '');
}
