#!/usr/bin/env node
// Runs the uvu test files, each in its own Node process (through tsx's loader), and prints one
// closing line `N passed, N failed` computed from uvu's own counts.
//   node test/run.js             unit tests: test/**/*.test.ts outside test/interop/
//   node test/run.js --interop   interop tests against real third-party clients: test/interop/
//   node test/run.js <files...>  only these files
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { availableParallelism } from 'node:os';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const interop = args.includes('--interop');
const named = args.filter((a) => !a.startsWith('--'));

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
  : walk(join(root, 'test')).filter((f) => relative(join(root, 'test'), f).startsWith('interop/') === interop);

// uvu prints `Total: N`, `Passed: N`, `Skipped: N` at exit; a file that dies before that counts as one failure.
function runFile(file) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const limitMs = Number(process.env.CADRAN_TEST_FILE_TIMEOUT_MS || 300_000);
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const num = (label) => {
        const m = out.match(new RegExp(`^\\s*${label}:\\s+(\\d+)`, 'm'));
        return m ? Number(m[1]) : null;
      };
      const total = num('Total');
      const passed = num('Passed');
      let p = passed ?? 0;
      let f = total !== null && passed !== null ? total - passed : 0;
      if (total === null || (code !== 0 && f === 0)) f += 1;
      resolve({ file, passed: p, failed: f, out, code });
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
      if (r.failed) process.stdout.write(r.out.split('\n').map((l) => '    ' + l).join('\n') + '\n');
    }
  }),
);
const passed = results.reduce((s, r) => s + r.passed, 0);
const failed = results.reduce((s, r) => s + r.failed, 0);
if (files.length === 0) console.log('no test files found');
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed || files.length === 0 ? 1 : 0);
