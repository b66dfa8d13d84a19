// Module resolution hook (see uvu-strict.js): `uvu` imported by anything but the guard itself is
// the guarded uvu.
const guarded = new URL('./uvu-guarded.js', import.meta.url).href;

export async function resolve(specifier, context, next) {
  if (specifier === 'uvu' && context.parentURL !== guarded) return { url: guarded, shortCircuit: true };
  return next(specifier, context);
}
