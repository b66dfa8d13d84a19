// Raw Poly settings (`vendorParameters.polycom`): the grammar of names, what a value may hold, and how
// they are applied to `<mac>-cadran.cfg` after cadran's own values.
// - Names: parameter names are XML attribute names (polycom.md §3: "every setting is an attribute
//   name="value""), dot-separated parts of letters, digits, `_` and `-`, starting with a letter
//   (`reg.1.server.1.expires`, `voice.codecPref.G7221_C.48kbps`, `feature.enhancedFeatureKeys.enabled`).
//   Names starting with `xml` are reserved by XML 1.0 §2.3; a `:` would make a namespace prefix.
// - Values: attribute values. Beyond line breaks and control characters, `<`, `>` and `"` are refused:
//   in a value they could only be an attempt to add an attribute or an element (the renderer escapes
//   every value anyway, `&` and `'` included).
// - Applied after cadran's values: an attribute cadran writes gets the operator's value in place (the
//   file defines each parameter once; across files "the first file that defines a parameter wins",
//   polycom.md §1, and this file is listed first); any other parameter is added on one element
//   `<vendorParameters …/>` at the end (element names are free-form, polycom.md §3).
import type { RenderContext, TemplateSource, VendorParameterProblem, VendorParameters } from '../types.ts';
import { xmlAttr } from '../common/escape.ts';
import { escapeRegExp, grammarCheck, shadowed, validParameters } from '../common/parameters.ts';

export const VENDOR = 'polycom';
const NAME = /^[A-Za-z][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$/;
const MARKUP = /[<>"]/;

export const checkParameter = grammarCheck({
  vendor: VENDOR,
  name: NAME,
  reserved: /^xml/i,
  markup: MARKUP,
  hint: 'a Poly parameter is made of letters, digits, "_" and "-" in dot-separated parts starting with a letter, such as feature.callPark.enabled',
});

const parameters = (ctx: RenderContext): [string, string][] => validParameters(ctx.network.vendorParameters?.[VENDOR], checkParameter);

function attributeRe(name: string): RegExp {
  // cadran's own values never hold a raw `"` (xmlAttr), so `"[^"]*"` is exactly the value.
  return new RegExp(`(\\s)${escapeRegExp(name)}="[^"]*"`);
}

/** `body` with the context's Poly parameters applied (see the header). */
export function applyParameters(body: string, ctx: RenderContext): string {
  const params = parameters(ctx);
  if (params.length === 0) return body;
  let out = body;
  const rest: string[] = [];
  for (const [name, value] of params) {
    const re = attributeRe(name);
    if (re.test(out)) out = out.replace(re, (_m, space: string) => `${space}${name}="${xmlAttr(value)}"`);
    else rest.push(`    ${name}="${xmlAttr(value)}"`);
  }
  if (rest.length === 0) return out;
  const close = out.lastIndexOf('</polycomConfig>');
  if (close < 0) return out;
  const element = `  <!-- Vendor parameters set by the operator -->\n  <vendorParameters\n${rest.join('\n')}\n  />\n`;
  return out.slice(0, close) + element + out.slice(close);
}

export function shadowedParameters(
  ctx: RenderContext,
  templates: TemplateSource,
  renderOwn: (ctx: RenderContext, templates: TemplateSource) => string[],
): string[] {
  return shadowed(parameters(ctx), () => renderOwn(ctx, templates), (name, _value, own) => own.some((body) => attributeRe(name).test(body)));
}

export function polycomParameters(renderOwn: (ctx: RenderContext, templates: TemplateSource) => string[]): VendorParameters {
  return {
    check: checkParameter,
    shadows: (ctx, templates) => shadowedParameters(ctx, templates, renderOwn),
  };
}
