// The strict test runner (test/run.js) on the fixture files of test/fixtures/runner/: each way a
// test file could look green while it is not must count as a failure and say why.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { updatingGolden } from './helpers/golden.ts';

const root = new URL('..', import.meta.url).pathname;
const fixture = (name: string) => join('test', 'fixtures', 'runner', `${name}.test.ts`);

function runner(files: string[], env: Record<string, string | undefined> = {}): { code: number; out: string; sections: Map<string, string> } {
  const base = { ...process.env };
  delete base.CI;
  delete base.UPDATE_GOLDEN;
  const r = spawnSync(process.execPath, [join(root, 'test', 'run.js'), ...files], {
    cwd: root,
    env: { ...base, ...env, CADRAN_TEST_JOBS: '2' },
    encoding: 'utf8',
    timeout: 240_000,
  });
  const out = `${r.stdout}${r.stderr}`;
  // One section per file: from its `ok`/`FAIL` line to the next one.
  const sections = new Map<string, string>();
  let current: string | null = null;
  for (const line of out.split('\n')) {
    const m = /^(?:ok {2}|FAIL) (\S+) \(/.exec(line);
    if (m) {
      current = m[1]!;
      sections.set(current, '');
    }
    if (current) sections.set(current, sections.get(current)! + line + '\n');
  }
  return { code: r.status ?? -1, out, sections };
}

const closing = (out: string) => /^(\d+) passed, (\d+) failed$/m.exec(out)?.slice(1).map(Number);

test('a green file passes; the closing line counts its tests', () => {
  const r = runner([fixture('pass')]);
  assert.is(r.code, 0, r.out);
  assert.equal(closing(r.out), [2, 0]);
});

test('every way of looking green while not is a failure with its reason', () => {
  const names = ['fail', 'skip', 'only', 'skip-hidden', 'before-throws', 'before-each-throws', 'after-throws', 'empty', 'crash'];
  const r = runner(names.map(fixture));
  assert.is(r.code, 1, r.out);
  const section = (name: string) => {
    const s = r.sections.get(fixture(name));
    assert.ok(s, `no result for ${name}:\n${r.out}`);
    assert.match(s!, /^FAIL /, `${name} must fail:\n${s}`);
    return s!;
  };
  assert.match(section('fail'), /arithmetic is broken/);
  assert.match(section('fail'), /\(1 passed, 1 failed\)/);
  const sk = section('skip');
  assert.match(sk, /skipped or focused tests are failures/);
  assert.match(sk, /line 5: test\.skip/);
  assert.match(section('only'), /line 4: test\.only/);
  assert.match(section('skip-hidden'), /uvu skipped 1 test\(s\)/, 'found from uvu\'s count when the source does not show it');
  const before = section('before-throws');
  assert.match(before, /uvu hook failed: before hook of suite "needs a database"/);
  assert.match(before, /database down: connection refused on 127\.0\.0\.1:1/, 'the reason is printed');
  assert.match(section('before-each-throws'), /fixture file missing: accounts\.csv/);
  const after = section('after-throws');
  assert.match(after, /uvu hook failed: after hook of suite "cleanup"/);
  assert.match(after, /could not remove the temporary directory/);
  assert.match(section('empty'), /the file ran no test/);
  assert.match(section('crash'), /ended before uvu printed its summary/);
  const [passed, failed] = closing(r.out)!;
  assert.ok(failed! >= names.length, `${failed} failures for ${names.length} bad files`);
  assert.ok(passed! >= 0);
});

test('UPDATE_GOLDEN is refused under CI, and the run fails', () => {
  const r = runner([fixture('golden')], { CI: 'true', UPDATE_GOLDEN: '1' });
  assert.is(r.code, 1, r.out);
  assert.match(r.out, /UPDATE_GOLDEN is set under CI/);
  assert.equal(closing(r.out), [0, 1]);
  const ok = runner([fixture('golden')], { UPDATE_GOLDEN: '1' });
  assert.is(ok.code, 0, 'allowed on a workstation');
  // And a golden test run some other way under CI fails instead of rewriting its files.
  assert.throws(() => updatingGolden({ CI: 'true', UPDATE_GOLDEN: '1' }), /refused under CI/);
  assert.is(updatingGolden({ UPDATE_GOLDEN: '1' }), true);
  assert.is(updatingGolden({ CI: 'true' }), false);
});

test('the normal walk leaves the fixtures out', () => {
  const r = spawnSync(process.execPath, [join(root, 'test', 'run.js'), '--list'], { cwd: root, encoding: 'utf8' });
  assert.is(r.status, 0);
  const files = r.stdout.trim().split('\n');
  assert.ok(files.includes('test/runner.test.ts'), r.stdout);
  assert.not.ok(files.some((f) => f.startsWith('test/fixtures/')), r.stdout);
  assert.not.ok(files.some((f) => f.startsWith('test/interop/')), r.stdout);
});

test.run();
