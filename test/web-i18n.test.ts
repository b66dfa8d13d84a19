// One message catalogue: French and English hold the same keys, every key the views and pages use
// exists, and templates carry no user-facing text of their own.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { catalogues, translate } from '../server/i18n/catalogue.ts';

const WEB = new URL('../server/web/', import.meta.url).pathname;
const views = ['layouts', 'partials', 'pages'].flatMap((d) =>
  readdirSync(join(WEB, 'views', d)).filter((f) => f.endsWith('.hbs')).map((f) => ({ file: `${d}/${f}`, src: readFileSync(join(WEB, 'views', d, f), 'utf8') })),
);
const sources = ['', 'pages/'].flatMap((d) =>
  readdirSync(join(WEB, d)).filter((f) => f.endsWith('.ts')).map((f) => ({ file: `${d}${f}`, src: readFileSync(join(WEB, d, f), 'utf8') })),
);

test('French and English catalogues have the same keys, none empty', () => {
  const fr = Object.keys(catalogues.fr).sort();
  const en = Object.keys(catalogues.en).sort();
  assert.equal(fr.filter((k) => !en.includes(k)), [], 'missing in en.json');
  assert.equal(en.filter((k) => !fr.includes(k)), [], 'missing in fr.json');
  for (const lang of ['fr', 'en'] as const) for (const k of fr) assert.ok(catalogues[lang][k]!.trim(), `${lang}: ${k} is empty`);
});

test('placeholders agree between languages', () => {
  const vars = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort().join(',');
  for (const k of Object.keys(catalogues.fr)) assert.is(vars(catalogues.en[k]!), vars(catalogues.fr[k]!), k);
  assert.is(translate('fr', 'contacts.count', { shown: 2, total: 5 }), '2 contact(s) affiché(s) sur 5');
});

test('every key used by views and pages exists', () => {
  const used = new Set<string>();
  for (const v of views) {
    for (const m of v.src.matchAll(/(?:\{\{|\()t "([^"]+)"/g)) used.add(m[1]!);
    for (const m of v.src.matchAll(/\b(?:label|hint|heading|what)="([a-z_]+\.[A-Za-z_.]+)"/g)) used.add(m[1]!);
  }
  for (const s of sources) {
    for (const m of s.src.matchAll(/(?:titleKey|messageKey|key): '([^']+)'/g)) used.add(m[1]!);
    for (const m of s.src.matchAll(/translate\([^,]+, '([^']+)'/g)) used.add(m[1]!);
    for (const m of s.src.matchAll(/\?done=([a-z_]+)/g)) used.add(`flash.${m[1]}`);
  }
  // Keys built from values with the `tp` helper.
  for (const v of ['never', 'ok', 'stale']) used.add(`status.${v}`);
  for (const v of ['user', 'admin', 'operator']) used.add(`role.${v}`);
  for (const v of ['fr', 'en']) used.add(`lang.${v}`);
  for (const v of ['created', 'updated', 'unchanged', 'rejected']) used.add(`import.status_${v}`);
  const missing = [...used].filter((k) => !Object.hasOwn(catalogues.fr, k));
  assert.equal(missing, []);
  assert.ok(used.size > 150, `${used.size} keys found: the scan works`);
});

test('templates hold no user-facing text outside {{t}}', () => {
  // Technical tokens that are the same in every language.
  const allowed = new Set(['UDP', 'TCP', 'TLS']);
  for (const v of views) {
    const text = v.src
      .replace(/<pre class="sample">[\s\S]*?<\/pre>/g, ' ') // CSV samples: file content, not prose
      .replace(/\{\{!--[\s\S]*?--\}\}/g, ' ')
      .replace(/\{\{[\s\S]*?\}\}/g, ' ')
      .replace(/<[^>]*>/g, ' ');
    const words = text.split(/\s+/).filter((w) => w && !allowed.has(w) && /\p{L}/u.test(w));
    assert.equal(words, [], `${v.file}: text outside {{t}}`);
    for (const m of v.src.matchAll(/\s(?:title|aria-label|alt)="((?:\{\{[^}]*\}\}|[^"])*)"/g)) {
      const literal = m[1]!.replace(/\{\{[\s\S]*?\}\}/g, '');
      assert.not.ok(/\p{L}/u.test(literal), `${v.file}: attribute text "${m[1]}"`);
    }
  }
});

test('the page code builds no French or English sentence itself', () => {
  // Messages the pages produce go through translate(); a quoted sentence in page code is a smell.
  for (const s of sources) {
    for (const m of s.src.matchAll(/render\([^)]*'([A-Z][a-z]+ [a-z]+[^']*)'/g)) assert.unreachable(`${s.file}: "${m[1]}"`);
  }
});

test.run();
