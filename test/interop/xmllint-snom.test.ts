// Every XML file the Snom module produces, checked by libxml2's xmllint (Debian package
// libxml2-utils): the realistic D785 set, every model, an unknown phone, an unassigned device and
// the whole hostile-string corpus. A missing xmllint is a failure, not a skip.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { snom } from '../../vendors/snom/index.ts';
import { SNOM_MODELS } from '../../vendors/snom/models.ts';
import { HandlebarsTemplates, defaultShippedTemplatesDir } from '../../vendors/common/templates.ts';
import type { RenderContext } from '../../vendors/types.ts';
import { realisticContext } from '../fixtures/render-context.ts';
import { hostileStrings, injectEverywhere } from '../fixtures/injection.ts';

const templates = new HandlebarsTemplates({ shippedDir: defaultShippedTemplatesDir() });
const MAC = '000413123403';
const dir = mkdtempSync(join(tmpdir(), 'cadran-xmllint-snom-'));
let n = 0;

/** Writes every file of `ctx` (and the neutral per-model file) and returns their paths. */
function writeAll(ctx: RenderContext | null, model: string, tag: string): string[] {
  const files = [...snom.bootFiles(MAC, model), `snom${model}-firmware.xml`];
  const paths: string[] = [];
  for (const f of files) {
    const r = snom.render(f, ctx, templates);
    if (!r) continue;
    const p = join(dir, `${n++}-${tag}-${f}`);
    writeFileSync(p, r.body);
    paths.push(p);
  }
  return paths;
}

function xmllint(paths: string[]): void {
  // One run per batch; --noout prints nothing for well-formed files.
  const res = spawnSync('xmllint', ['--noout', ...paths], { encoding: 'utf8', timeout: 60_000 });
  if (res.error) assert.unreachable(`xmllint could not run (install Debian package libxml2-utils): ${res.error.message}`);
  assert.is(res.stderr, '', res.stderr.slice(0, 500));
  assert.is(res.status, 0);
}

test.after(() => rmSync(dir, { recursive: true, force: true }));

test('xmllint is installed', () => {
  const res = spawnSync('xmllint', ['--version'], { encoding: 'utf8' });
  assert.not.ok(res.error, 'xmllint missing: apt-get install libxml2-utils');
});

test('realistic files of every model, unknown phone, unassigned device are well-formed', () => {
  const paths: string[] = [];
  for (const m of SNOM_MODELS) paths.push(...writeAll(realisticContext('snom', m.model, MAC), m.model, 'real'));
  paths.push(...writeAll(null, 'D785', 'unknown'));
  const unassigned = realisticContext('snom', 'D785', MAC);
  delete unassigned.user;
  paths.push(...writeAll(unassigned, 'D785', 'unassigned'));
  assert.ok(paths.length >= SNOM_MODELS.length * 5 + 1);
  xmllint(paths);
});

test('hostile strings in every field still give well-formed XML', () => {
  const base = realisticContext('snom', 'D785', MAC);
  const paths: string[] = [];
  hostileStrings.forEach((s, i) => paths.push(...writeAll(injectEverywhere(base, s), 'D785', `hostile${i}`)));
  assert.is(paths.length, hostileStrings.length * 5);
  xmllint(paths);
});

test.run();
