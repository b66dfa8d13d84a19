// Preloaded into every test process by test/run.js (`--import ./test/runner/uvu-hooks.js`).
// uvu swallows an error thrown by a `before` hook (its runner returns from a `finally`), so a
// suite whose setup failed shows no reason at all. This registers a loader that wraps every
// hook uvu keeps (before, after, before.each, after.each): an error is printed with the hook,
// the suite and the stack, marked for the runner (`✘ uvu hook failed`), and makes the process
// exit non-zero whatever uvu decides. uvu's source is patched at one known line; if a new uvu
// no longer has it, loading fails loudly instead of silently losing the wrapper.
import { register } from 'node:module';

let failures = 0;

globalThis.__cadranUvuHookFailed = (key, suite, test, err) => {
  failures++;
  const names = { before: 'before', after: 'after', bEach: 'before.each', aEach: 'after.each' };
  const where = `${names[key] ?? key} hook of suite "${suite || '(default)'}"${test ? ` (test "${test}")` : ''}`;
  const detail = err instanceof Error ? err.stack || err.message : String(err);
  process.stdout.write(`\n✘ uvu hook failed: ${where}\n    ${detail.split('\n').join('\n    ')}\n`);
};

process.on('exit', () => {
  if (failures > 0) process.exitCode = 1;
});

register('./uvu-hooks-loader.js', import.meta.url);
