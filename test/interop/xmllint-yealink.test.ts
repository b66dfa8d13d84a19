// Every XML file the Yealink module produces goes through xmllint (Debian libxml2-utils):
// the realistic device of each model, a device without user, and the whole injection corpus.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { yealink } from '../../vendors/yealink/index.ts';
import { HandlebarsTemplates, defaultShippedTemplatesDir } from '../../vendors/common/templates.ts';
import { realisticContext } from '../fixtures/render-context.ts';
import { hostileStrings, injectEverywhere } from '../fixtures/injection.ts';

const templates = new HandlebarsTemplates({ shippedDir: defaultShippedTemplatesDir() });
const MAC = '805ec0123401';
const dir = mkdtempSync(join(tmpdir(), 'cadran-yealink-xml-'));

test.after(() => rmSync(dir, { recursive: true, force: true }));

test('xmllint is installed', () => {
  const r = spawnSync('xmllint', ['--version'], { encoding: 'utf8' });
  assert.is(r.error, undefined, 'xmllint not found: apt-get install libxml2-utils');
});

test('xmllint --noout accepts every XML file produced', () => {
  const files: string[] = [];
  const write = (name: string, ctx: Parameters<typeof yealink.render>[1]) => {
    for (const f of yealink.bootFiles(MAC, ctx?.device.model ?? 'T54W')) {
      if (!f.endsWith('.xml')) continue;
      const r = yealink.render(f, ctx, templates);
      assert.ok(r, f);
      const path = join(dir, `${name}-${f}`);
      writeFileSync(path, r!.body);
      files.push(path);
    }
  };
  for (const m of yealink.models) write(`model-${m.model}`, realisticContext('yealink', m.model, MAC));
  const noUser = realisticContext('yealink', 'T54W', MAC);
  delete noUser.user;
  write('no-user', noUser);
  const base = realisticContext('yealink', 'T54W', MAC);
  hostileStrings.forEach((s, i) => write(`hostile-${i}`, injectEverywhere(base, s)));
  assert.ok(files.length >= hostileStrings.length + yealink.models.length);
  // One xmllint run per batch of files: it reports each ill-formed file and exits non-zero.
  for (let i = 0; i < files.length; i += 50) {
    const batch = files.slice(i, i + 50);
    try {
      execFileSync('xmllint', ['--noout', ...batch], { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      const err = e as { stderr?: Buffer };
      assert.unreachable(`xmllint refused: ${err.stderr?.toString().slice(0, 2000)}`);
    }
  }
});

test.run();
