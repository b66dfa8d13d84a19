#!/usr/bin/env node
// Runs the uvu test files, each in its own Node process (through tsx's loader), and prints one
// closing line `N passed, N failed` computed from uvu's own counts.
//   node test/run.js             unit tests: test/**/*.test.ts outside test/interop/ and test/fixtures/
//   node test/run.js --interop   interop tests against real third-party clients: test/interop/
//   node test/run.js <files...>  only these files
//   node test/run.js --list [--interop]  print the files that would run, run nothing
//
// Strict: what would let a broken test look green is a failure, with the reason printed:
// - a skipped or focused test (`.skip(` / `.only(` in the file, or uvu reporting `Skipped: N`);
// - an error thrown by a before/after/before.each/after.each hook (uvu swallows a `before`
//   error silently: test/runner/uvu-hooks.js wraps the hooks and prints it);
// - a file that ran no test, or died before uvu's summary;
// - UPDATE_GOLDEN under CI (golden files are checked in CI, never rewritten).
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { availableParallelism } from 'node:os';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const interop = args.includes('--interop');
const named = args.filter((a) => !a.startsWith('--'));
const hooks = join(root, 'test', 'runner', 'uvu-hooks.js');

if (process.env.CI && process.env.UPDATE_GOLDEN) {
  console.log('FAIL UPDATE_GOLDEN is set under CI: golden files are compared in CI, never rewritten. Regenerate them on a workstation and commit them.');
  console.log('0 passed, 1 failed');
  process.exit(1);
}

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const files = named.length
  ? named
  : walk(join(root, 'test')).filter((f) => {
      const rel = relative(join(root, 'test'), f);
      return !rel.startsWith('fixtures/') && rel.startsWith('interop/') === interop;
    });

if (args.includes('--list')) {
  for (const f of files) console.log(relative(root, f));
  process.exit(0);
}

/** `.only(` / `.skip(` calls in the source (comments left out), as `line N: text`. */
function focusOrSkipCalls(source) {
  const found = [];
  const lines = source
    .replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' '))
    .split('\n')
    .map((l) => l.replace(/(^|[^:'"`\\])\/\/.*$/, '$1'));
  lines.forEach((l, i) => {
    if (/\.\s*(only|skip)\s*\(/.test(l)) found.push(`line ${i + 1}: ${l.trim()}`);
  });
  return found;
}

// uvu prints `Total: N`, `Passed: N`, `Skipped: N` at exit; a file that dies before that counts as one failure.
function runFile(file) {
  return new Promise((resolve) => {
    const problems = [];
    let source = '';
    try {
      source = readFileSync(file, 'utf8');
    } catch (e) {
      problems.push(`cannot read the file: ${e.message}`);
    }
    const calls = focusOrSkipCalls(source);
    if (calls.length) problems.push(`skipped or focused tests are failures (.only / .skip):\n      ${calls.join('\n      ')}`);
    const child = spawn(process.execPath, ['--import', 'tsx', '--import', hooks, file], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const limitMs = Number(process.env.CADRAN_TEST_FILE_TIMEOUT_MS || 300_000);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, limitMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const num = (label) => {
        const m = out.match(new RegExp(`^\\s*${label}:\\s+(\\d+)`, 'm'));
        return m ? Number(m[1]) : null;
      };
      const total = num('Total');
      const passed = num('Passed');
      const skipped = num('Skipped');
      const hookFailures = (out.match(/^✘ uvu hook failed/gm) || []).length;
      let p = passed ?? 0;
      let f = total !== null && passed !== null ? total - passed : 0;
      if (timedOut) problems.push(`killed after ${limitMs} ms (CADRAN_TEST_FILE_TIMEOUT_MS)`);
      if (total === null) problems.push('the file ended before uvu printed its summary');
      else if (total === 0) problems.push('the file ran no test');
      if (skipped) problems.push(`uvu skipped ${skipped} test(s): a skipped or focused test is a failure`);
      if (hookFailures) problems.push(`${hookFailures} hook(s) threw (see "uvu hook failed" in the output)`);
      if (code !== 0 && f === 0 && problems.length === 0) problems.push(`the process exited with code ${code}`);
      // Each problem is one failure unless failing tests already account for it.
      if (total === null || timedOut || (code !== 0 && f === 0)) f += 1;
      if (total === 0 || calls.length || skipped) f += 1;
      if (hookFailures) f = Math.max(f, hookFailures);
      if (problems.length && f === 0) f = 1;
      resolve({ file, passed: p, failed: f, out, code, problems });
    });
  });
}

const results = [];
let next = 0;
const workers = Math.max(1, Math.min(Number(process.env.CADRAN_TEST_JOBS || availableParallelism()), 4));
await Promise.all(
  Array.from({ length: workers }, async () => {
    while (next < files.length) {
      const file = files[next++];
      const r = await runFile(file);
      results.push(r);
      const tag = r.failed ? 'FAIL' : 'ok  ';
      process.stdout.write(`${tag} ${relative(root, file)} (${r.passed} passed, ${r.failed} failed)\n`);
      for (const p of r.problems) process.stdout.write(`  ✘ ${relative(root, file)}: ${p}\n`);
      if (r.failed) process.stdout.write(r.out.split('\n').map((l) => '    ' + l).join('\n') + '\n');
    }
  }),
);
const passed = results.reduce((s, r) => s + r.passed, 0);
const failed = results.reduce((s, r) => s + r.failed, 0);
if (files.length === 0) console.log('no test files found');
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed || files.length === 0 ? 1 : 0);
