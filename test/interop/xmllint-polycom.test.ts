// Every XML file the Poly VVX module produces, checked by a real XML parser: `xmllint --noout`
// (Debian package libxml2-utils). Covers the realistic device of every model, a phone with no user,
// and the whole injection corpus through every field. A missing xmllint is a failure.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { polycom } from '../../vendors/polycom/index.ts';
import { HandlebarsTemplates, defaultShippedTemplatesDir } from '../../vendors/common/templates.ts';
import type { RenderContext } from '../../vendors/types.ts';
import { realisticContext } from '../fixtures/render-context.ts';
import { hostileStrings, injectEverywhere } from '../fixtures/injection.ts';

const templates = new HandlebarsTemplates({ shippedDir: defaultShippedTemplatesDir() });
const MAC = '0004f2a1b2c3';
const dir = mkdtempSync(join(tmpdir(), 'cadran-xmllint-polycom-'));

/** Writes every file the phone would fetch for `ctx` under `dir/<name>/`, returns the paths. */
function writeAll(name: string, ctx: RenderContext | null): string[] {
  const sub = join(dir, name);
  mkdirSync(sub, { recursive: true });
  const files = ['000000000000.cfg', ...(ctx ? polycom.bootFiles(ctx.device.mac, ctx.device.model) : [])];
  return files.map((f) => {
    const r = polycom.render(f, ctx, templates);
    if (!r) throw new Error(`${name}: ${f} not rendered`);
    const path = join(sub, f);
    writeFileSync(path, r.body);
    return path;
  });
}

function xmllint(paths: string[]): { status: number | null; stderr: string; error?: Error } {
  const r = spawnSync('xmllint', ['--noout', ...paths], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stderr: r.stderr ?? '', ...(r.error ? { error: r.error } : {}) };
}

test('xmllint is installed (Debian libxml2-utils)', () => {
  const r = spawnSync('xmllint', ['--version'], { encoding: 'utf8' });
  assert.not.ok(r.error, 'xmllint not found: apt-get install -y libxml2-utils');
  assert.is(r.status, 0);
});

test('the check can fail: xmllint refuses a broken file', () => {
  const bad = join(dir, 'broken.xml');
  writeFileSync(bad, '<APPLICATION APP_FILE_PATH="a &bogus; b"/>\n');
  assert.is.not(xmllint([bad]).status, 0);
});

test('xmllint accepts the files of a realistic phone of every model, and of a phone with no user', () => {
  const paths: string[] = writeAll('unknown', null);
  for (const m of polycom.models) paths.push(...writeAll(m.model, realisticContext('polycom', m.model, MAC)));
  const bare = realisticContext('polycom', 'VVX150', MAC);
  delete bare.user;
  bare.keys = [];
  bare.contacts = [];
  bare.network = {};
  paths.push(...writeAll('bare', bare));
  const r = xmllint(paths);
  assert.not.ok(r.error, r.error?.message);
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stderr, '');
});

test('xmllint accepts every file of the injection corpus', () => {
  const paths: string[] = [];
  hostileStrings.forEach((s, i) => {
    paths.push(...writeAll(`inject-${i}`, injectEverywhere(realisticContext('polycom', 'VVX601', MAC), s)));
    // Names and labels only, numbers left distinct, so every directory entry is kept.
    const names = realisticContext('polycom', 'VVX450', MAC);
    names.contacts = names.contacts.map((c) => ({ ...c, name: s }));
    names.keys = names.keys.map((k) => ({ ...k, label: s }));
    paths.push(...writeAll(`names-${i}`, names));
  });
  const r = xmllint(paths);
  assert.not.ok(r.error, r.error?.message);
  assert.is(r.status, 0, r.stderr.slice(0, 2000));
  assert.is(r.stderr, '');
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
