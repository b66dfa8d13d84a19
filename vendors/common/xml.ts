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
  children?: readonly (XmlElement | XmlWritten)[];
}

/** An element already written by `writtenAt` for its depth (kept per contact: directory.ts perContact). */
export interface XmlWritten {
  written: string;
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

/** Appends `e` to `out`, one piece at a time: one join at the end gives a flat string (a string
 *  grown by `+=` is a rope, and turning a rope of thousands of pieces into bytes cost more than
 *  writing it: 4 ms for a 250 KB directory). */
function write(e: XmlElement, indent: string, out: string[]): void {
  out.push('\n', indent, '<', e.name);
  if (e.attrs) for (const k in e.attrs) out.push(' ', k, '="', escAttr(e.attrs[k]!), '"');
  if (e.text) {
    out.push('>', escText(e.text), '</', e.name, '>');
    return;
  }
  if (!e.children || e.children.length === 0) {
    out.push('/>');
    return;
  }
  out.push('>');
  const inner = indent + '  ';
  for (const c of e.children) {
    if ('written' in c) out.push(c.written);
    else write(c, inner, out);
  }
  out.push('\n', indent, '</', e.name, '>');
}

/** `e` written as a child `depth` levels below the root, the same bytes as in place. */
export function writtenAt(e: XmlElement, depth: number): XmlWritten {
  const out: string[] = [];
  write(e, '  '.repeat(depth), out);
  return { written: out.join('') };
}

/** The document: declaration, then the root element, pretty-printed; no final newline. */
export function xmlDocument(root: XmlElement, decl: { encoding: string; standalone?: boolean }): string {
  const out = [`<?xml version="1.0" encoding="${decl.encoding}"${decl.standalone ? ' standalone="yes"' : ''}?>`];
  write(root, '', out);
  return out.join('');
}
