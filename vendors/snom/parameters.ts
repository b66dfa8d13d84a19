// Raw Snom settings (`vendorParameters.snom`): the grammar of names, what a value may hold, and how
// they are applied to `<MAC>.xml` after cadran's own values.
// - Names: a setting name — letters, digits and `_` (Snom mass-deployment FAQ: "Names may consist of
//   the characters a-z, A-Z, 0-9 and _"), starting with a letter — optionally followed by `[n]`, the
//   identity or key index written as the `idx` attribute (snom.md §2: `<user_active idx="1" …>`;
//   `idx` 0–999). `fkey[n]` sets function key n (0-based, snom.md §4) in <functionKeys>; any other name
//   is a <phone-settings> element. Names starting with `xml` are reserved by XML 1.0 §2.3.
// - Values: element text. Beyond line breaks and control characters, `<` and `>` are refused: in a
//   value they could only be an attempt to add an element (the renderer escapes every value anyway).
// - Applied after cadran's values: a setting cadran writes (same name, same idx) gets the operator's
//   value in place, so the file holds each setting once; any other is added at the end of
//   <phone-settings> (or <functionKeys> for fkey), read-only like cadran's own (perm="R").
import type { RenderContext, TemplateSource, VendorParameterProblem, VendorParameters } from '../types.ts';
import { xmlText } from '../common/escape.ts';
import { escapeRegExp, grammarCheck, shadowed, validParameters } from '../common/parameters.ts';

export const VENDOR = 'snom';
const NAME = /^([A-Za-z][A-Za-z0-9_]*)(?:\[([0-9]{1,3})\])?$/;
const MARKUP = /[<>]/;

export const checkParameter = grammarCheck({
  vendor: VENDOR,
  name: NAME,
  reserved: /^xml/i,
  markup: MARKUP,
  hint: 'a Snom setting is made of letters, digits and "_", optionally followed by [index], such as user_ringer[1]',
});

function parse(name: string): { element: string; idx?: string } {
  const m = NAME.exec(name)!;
  return { element: m[1]!, ...(m[2] !== undefined ? { idx: String(Number(m[2])) } : {}) };
}

const parameters = (ctx: RenderContext): [string, string][] => validParameters(ctx.network.vendorParameters?.[VENDOR], checkParameter);

/** The elements `<element …>text</element>` (or self-closed) whose idx is `idx` (none when undefined). */
function elementRe(element: string): RegExp {
  return new RegExp(`<${escapeRegExp(element)}((?:\\s[^<>]*?)?)(?:/>|>([^<]*)</${escapeRegExp(element)}>)`, 'g');
}

function idxOf(attrs: string): string | undefined {
  const m = /\sidx="([0-9]+)"/.exec(attrs);
  return m ? String(Number(m[1])) : undefined;
}

function findSetting(body: string, element: string, idx: string | undefined): { start: number; end: number; attrs: string } | null {
  const re = elementRe(element);
  for (let m = re.exec(body); m; m = re.exec(body)) {
    if (idxOf(m[1] ?? '') === idx) return { start: m.index, end: m.index + m[0].length, attrs: m[1] ?? '' };
  }
  return null;
}

/** `body` with the context's Snom parameters applied (see the header). */
export function applyParameters(body: string, ctx: RenderContext): string {
  let out = body;
  const settings: string[] = [];
  const keys: string[] = [];
  for (const [name, value] of parameters(ctx)) {
    const { element, idx } = parse(name);
    const found = findSetting(out, element, idx);
    if (found) {
      out = `${out.slice(0, found.start)}<${element}${found.attrs}>${xmlText(value)}</${element}>${out.slice(found.end)}`;
      continue;
    }
    const idxAttr = idx !== undefined ? ` idx="${idx}"` : '';
    if (element === 'fkey') keys.push(`    <fkey${idxAttr} context="active" perm="R">${xmlText(value)}</fkey>`);
    else settings.push(`    <${element}${idxAttr} perm="R">${xmlText(value)}</${element}>`);
  }
  const insert = (text: string, close: string, lines: string[]): string => {
    if (lines.length === 0) return text;
    const at = text.lastIndexOf(close);
    if (at < 0) return text;
    const lineStart = text.lastIndexOf('\n', at) + 1;
    const block = `    <!-- vendor parameters set by the operator -->\n${lines.join('\n')}\n`;
    return text.slice(0, lineStart) + block + text.slice(lineStart);
  };
  out = insert(out, '</phone-settings>', settings);
  out = insert(out, '</functionKeys>', keys);
  return out;
}

export function shadowedParameters(
  ctx: RenderContext,
  templates: TemplateSource,
  renderOwn: (ctx: RenderContext, templates: TemplateSource) => string[],
): string[] {
  return shadowed(parameters(ctx), () => renderOwn(ctx, templates), (name, _value, own) => {
    const { element, idx } = parse(name);
    return own.some((body) => findSetting(body, element, idx) !== null);
  });
}

export function snomParameters(renderOwn: (ctx: RenderContext, templates: TemplateSource) => string[]): VendorParameters {
  return {
    check: checkParameter,
    shadows: (ctx, templates) => shadowedParameters(ctx, templates, renderOwn),
  };
}
