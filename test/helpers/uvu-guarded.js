// uvu with hooks that say why they failed: an error in before/after (or .each) is printed with
// its stack, then rethrown, so the file fails with its reason instead of "(0 / N)".
import * as uvu from 'uvu';

function guard(fn, where) {
  return async (state) => {
    try {
      await fn(state);
    } catch (err) {
      process.stderr.write(`\n  HOOK FAILED  ${where}${state && state.__suite__ ? ` (suite "${state.__suite__}")` : ''}\n    ${String((err && err.stack) || err).split('\n').join('\n    ')}\n`);
      throw err;
    }
  };
}

function guarded(t) {
  for (const name of ['before', 'after']) {
    const register = t[name];
    const each = register.each;
    t[name] = (fn) => register(guard(fn, name));
    t[name].each = (fn) => each(guard(fn, `${name}.each`));
  }
  return t;
}

export const test = guarded(uvu.test);
export const suite = (...args) => guarded(uvu.suite(...args));
export const exec = uvu.exec;
