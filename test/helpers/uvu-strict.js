// Loaded by test/run.js before every test file: `import ... from 'uvu'` in a test resolves to
// test/helpers/uvu-guarded.js, which reports an error thrown by a before/after hook (uvu itself
// swallows it: its runner returns from a `finally`, so the tests just do not run, without a reason).
import { register } from 'node:module';

register('./uvu-resolve.js', import.meta.url);
