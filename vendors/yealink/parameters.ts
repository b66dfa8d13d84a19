// Raw Yealink settings (`vendorParameters.yealink`): the grammar of names, what a value may hold, and
// how they are applied to `<mac>.cfg` after cadran's own values.
// - Names: the `a.b.c` keys of the V8x configuration files — dot-separated segments of lower-case
//   letters, digits and `_` (yealink.md §2–§7: `account.1.sip_server.1.address`,
//   `static.auto_provision.server.url`, `account.1.codec.g722_1c_48kpbs.enable`); at least two segments.
//   Anything else (a space, `=`, `#`, a line break) could not be read back as one key.
// - Values: one line (yealink.md §2: a line is `key = value`; the parser splits at the first `=`, so
//   `=` and `#` inside a value are harmless once nothing can end the line). Leading and trailing blanks
//   are dropped as the phone drops them.
// - Applied after cadran's values: a key cadran writes in `<mac>.cfg` gets the operator's value in
//   place, so the file holds one line per key; any other key is added at the end. Keys of the common
//   file `y0000000000XX.cfg` (fetched first) are overridden by the MAC file, since a later file wins
//   (yealink.md §1). `static.security.user_password` holds `login:password`: one line per login, so
//   the parameter replaces the line of the login its value names.
import type { RenderContext, TemplateSource, VendorParameterProblem, VendorParameters } from '../types.ts';
import { cfgValue } from '../common/escape.ts';
import { grammarCheck, shadowed, validParameters } from '../common/parameters.ts';

export const VENDOR = 'yealink';
const NAME = /^[a-z0-9_]+(\.[a-z0-9_]+)+$/;
/** The key whose identity includes the login its value starts with. */
const PASSWORD_KEY = 'static.security.user_password';

export const checkParameter = grammarCheck({
  vendor: VENDOR,
  name: NAME,
  hint: 'a Yealink key is made of lower-case letters, digits and "_" in dot-separated parts, such as features.dnd.enable',
});

/** The line identity of a key and value: the key, plus the login for the password key. */
function identity(key: string, value: string): string {
  if (key !== PASSWORD_KEY) return key;
  const login = value.split(':', 1)[0]!.trim();
  return `${key}\u0000${login}`;
}

const parameters = (ctx: RenderContext): [string, string][] => validParameters(ctx.network.vendorParameters?.[VENDOR], checkParameter);

/** The line identities a `key = value` file sets. */
function identities(body: string): Set<string> {
  const out = new Set<string>();
  for (const line of body.split('\n')) {
    const m = /^([a-z0-9_.]+)\s*=\s?(.*)$/.exec(line);
    if (m) out.add(identity(m[1]!, m[2]!));
  }
  return out;
}

/** `body` with the context's Yealink parameters applied (see the header). */
export function applyParameters(body: string, ctx: RenderContext): string {
  const params = parameters(ctx);
  if (params.length === 0) return body;
  const wanted = new Map(params.map(([k, v]) => [identity(k, cfgValue(v)), [k, cfgValue(v)] as const]));
  const done = new Set<string>();
  const lines = body.split('\n').map((line) => {
    const m = /^([a-z0-9_.]+)\s*=\s?(.*)$/.exec(line);
    if (!m) return line;
    const id = identity(m[1]!, m[2]!);
    const p = wanted.get(id);
    if (!p) return line;
    done.add(id);
    return `${p[0]} = ${p[1]}`;
  });
  const rest = [...wanted].filter(([id]) => !done.has(id)).map(([, [k, v]]) => `${k} = ${v}`);
  let out = lines.join('\n');
  if (rest.length > 0) {
    if (!out.endsWith('\n')) out += '\n';
    out += `\n## Vendor parameters set by the operator\n${rest.join('\n')}\n`;
  }
  return out;
}

/** Parameters of the context that replace a value cadran writes in this phone's files. */
export function shadowedParameters(
  ctx: RenderContext,
  templates: TemplateSource,
  renderOwn: (ctx: RenderContext, templates: TemplateSource) => string[],
): string[] {
  let ids: Set<string> | undefined;
  return shadowed(parameters(ctx), () => renderOwn(ctx, templates), (name, value, own) => {
    ids ??= new Set(own.flatMap((body) => [...identities(body)]));
    return ids.has(identity(name, cfgValue(value)));
  });
}

export function yealinkParameters(renderOwn: (ctx: RenderContext, templates: TemplateSource) => string[]): VendorParameters {
  return {
    check: checkParameter,
    shadows: (ctx, templates) => shadowedParameters(ctx, templates, renderOwn),
  };
}
