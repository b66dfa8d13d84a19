// Module loader hook (see uvu-hooks.js): patches uvu's `hook` helper so each hook is wrapped.
const TARGET = /[\\/]uvu[\\/]dist[\\/]index\.mjs$/;
const ORIGINAL = 'const hook = (ctx, key) => handler => ctx[key].push(handler);';
const WRAPPED =
  'const hook = (ctx, key) => handler => ctx[key].push(async (state) => {' +
  ' try { return await handler(state); }' +
  ' catch (err) { globalThis.__cadranUvuHookFailed?.(key, ctx.state.__suite__, state && state.__test__, err); throw err; } });';

export async function load(url, context, nextLoad) {
  const result = await nextLoad(url, context);
  if (!TARGET.test(new URL(url).pathname)) return result;
  const source = String(result.source);
  if (!source.includes(ORIGINAL)) {
    throw new Error(`test/runner/uvu-hooks-loader.js: uvu's hook helper changed (${url}); update the wrapper so hook errors are not swallowed`);
  }
  return { ...result, source: source.replace(ORIGINAL, WRAPPED) };
}
