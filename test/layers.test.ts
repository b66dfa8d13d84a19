// The shape of the code, checked on every run: every import in server/ and vendors/ is parsed
// (TypeScript's own parser) and the layering rules of README "Architecture" are enforced:
//   entry (cli/, main.ts, app.ts, features.ts) > edges (api/, web/, phone/, app-context.ts)
//   > features (provision/, resync/, imports/) > service/, auth/ > store/ > domain/, i18n/ > config.ts, log.ts, metrics.ts
//   - imports only go down (or sideways within a layer), never up, and no cycle between folders;
//   - sip/ is SIP protocol only: it imports sip/ and domain/ alone, and only features, edges and
//     entry points use it; vendors/ imports only vendors/ (and npm packages);
//   - i18n/ (the message catalogue) is pure data + translate: it imports nothing of server/ or
//     vendors/, and only edges and entry points use it (below them, code raises stable keys);
//   - nothing in server/ imports test/;
//   - better-sqlite3 / pg and SQL text only inside server/store/;
//   - no module-level registry (a WeakMap, or a Map/Set keyed by objects) in server/: state is
//     created by startServer and passed as handles.
// The rules are first run on small made-up trees, to show each one catches what it must.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(new URL('..', import.meta.url).pathname);

const LEVELS: Record<string, number> = {
  'server/cli': 6, 'server/main.ts': 6, 'server/app.ts': 6, 'server/features.ts': 6,
  'server/api': 5, 'server/web': 5, 'server/phone': 5, 'server/app-context.ts': 5,
  'server/provision': 4, 'server/resync': 4, 'server/imports': 4,
  'server/service': 3, 'server/auth': 3,
  'server/store': 2,
  'server/domain': 1, 'server/i18n': 1,
  'server/config.ts': 0, 'server/log.ts': 0, 'server/metrics.ts': 0,
};
const LAYER_NAMES = ['config/log/metrics', 'domain', 'store', 'services', 'features', 'edges', 'entry points'];
const SIP = 'server/sip';
const I18N = 'server/i18n';
/** The lowest layer that may translate: edges (api/, web/, phone/). */
const TRANSLATING_LEVEL = 5;
const SQL = /\b(SELECT\s+[\w*.,\s()]+?\s+FROM\s|INSERT\s+(OR\s+\w+\s+)?INTO\s|UPDATE\s+\w+\s+SET\s|DELETE\s+FROM\s|CREATE\s+(UNIQUE\s+)?(TABLE|INDEX)\s|ALTER\s+TABLE\s|PRAGMA\s+\w|BEGIN\s+(IMMEDIATE|EXCLUSIVE|TRANSACTION)\b|SAVEPOINT\s+\w|LISTEN\s+\w+;|NOTIFY\s+\w+,)/;
const DRIVERS = /^(better-sqlite3|pg|pg-[\w-]+)(\/|$)/;

/** The folder (or root file) a path belongs to: `server/web/pages/x.ts` → `server/web`. */
function unitOf(path: string): string {
  const parts = path.split('/');
  if (parts[0] === 'test' || parts[0] === 'bench') return parts[0];
  if (parts.length === 2) return path;
  return `${parts[0]}/${parts[1]}`;
}

interface Found {
  imports: Array<{ spec: string; line: number }>;
  sql: Array<{ text: string; line: number }>;
  registries: Array<{ text: string; line: number }>;
}

const PLAIN_KEYS = new Set(['string', 'number', 'bigint', 'symbol']);

/** Imports (static, re-exports, dynamic), SQL-looking strings, module-level registries. */
function scan(path: string, source: string): Found {
  const sf = ts.createSourceFile(path, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const line = (n: ts.Node) => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
  const found: Found = { imports: [], sql: [], registries: [] };
  const visit = (n: ts.Node): void => {
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) {
      found.imports.push({ spec: n.moduleSpecifier.text, line: line(n) });
    } else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword && n.arguments[0] && ts.isStringLiteralLike(n.arguments[0])) {
      found.imports.push({ spec: n.arguments[0].text, line: line(n) });
    } else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument) && ts.isStringLiteral(n.argument.literal)) {
      found.imports.push({ spec: n.argument.literal.text, line: line(n) });
    } else if (ts.isStringLiteralLike(n) || ts.isTemplateHead(n) || ts.isTemplateMiddle(n) || ts.isTemplateTail(n)) {
      if (SQL.test(n.text)) found.sql.push({ text: n.text.replace(/\s+/g, ' ').trim().slice(0, 60), line: line(n) });
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  // Module-level `new WeakMap()`, or a Map/Set whose keys are objects (or not said): per-app state.
  for (const st of sf.statements) {
    if (!ts.isVariableStatement(st)) continue;
    for (const d of st.declarationList.declarations) {
      const init = d.initializer;
      if (!init || !ts.isNewExpression(init) || !ts.isIdentifier(init.expression)) continue;
      const ctor = init.expression.text;
      if (ctor === 'WeakMap' || ctor === 'WeakSet' || ctor === 'WeakRef') {
        found.registries.push({ text: d.getText(sf).slice(0, 60), line: line(d) });
        continue;
      }
      if (ctor !== 'Map' && ctor !== 'Set') continue;
      const declared = d.type && ts.isTypeReferenceNode(d.type) ? d.type.typeArguments?.[0] : undefined;
      const key = init.typeArguments?.[0] ?? declared;
      const plainKey = key ? PLAIN_KEYS.has(key.getText(sf)) : (init.arguments?.length ?? 0) > 0;
      if (!plainKey) found.registries.push({ text: d.getText(sf).slice(0, 60), line: line(d) });
    }
  }
  return found;
}

/** Every problem of a tree of sources (paths relative to the project root, `/` separators). */
export function problemsOf(files: Map<string, string>): string[] {
  const problems: string[] = [];
  const edges = new Map<string, Set<string>>();
  for (const [path, source] of files) {
    const from = unitOf(path);
    const inStore = path.startsWith('server/store/');
    const found = scan(path, source);
    for (const { spec, line } of found.imports) {
      const where = `${path}:${line}`;
      if (!spec.startsWith('.')) {
        if (DRIVERS.test(spec) && !inStore) problems.push(`${where} imports the database driver ${spec} outside server/store/`);
        continue;
      }
      const target = relative(ROOT, resolve(ROOT, dirname(path), spec)).split('\\').join('/');
      const to = unitOf(target);
      if (to === from) continue;
      if (!edges.has(from)) edges.set(from, new Set());
      edges.get(from)!.add(to);
      if (to === 'test' || to === 'bench') {
        problems.push(`${where} imports ${target}: nothing in server/ or vendors/ may use ${to}/`);
        continue;
      }
      if (from.startsWith('vendors')) {
        if (!to.startsWith('vendors')) problems.push(`${where} imports ${target}: vendors/ may import only vendors/`);
        continue;
      }
      if (from === I18N) {
        problems.push(`${where} imports ${target}: i18n/ is pure data + translate (it imports nothing of server/ or vendors/)`);
        continue;
      }
      if (to.startsWith('vendors')) continue; // beside every layer
      if (from === SIP) {
        if (to !== 'server/domain') problems.push(`${where} imports ${target}: sip/ is SIP protocol only (it may import sip/ and domain/)`);
        continue;
      }
      const lf = LEVELS[from];
      if (lf === undefined) {
        problems.push(`${where}: ${from} has no layer (add it to the layers drawing in README and to LEVELS here)`);
        continue;
      }
      if (to === SIP) {
        if (lf < 4) problems.push(`${where} imports ${target}: only features, edges and entry points use the SIP protocol`);
        continue;
      }
      if (to === I18N && lf < TRANSLATING_LEVEL) {
        problems.push(`${where} imports ${target}: only edges and entry points translate; ${LAYER_NAMES[lf]} (${from}) raises stable keys with parameters`);
        continue;
      }
      const lt = LEVELS[to];
      if (lt === undefined) problems.push(`${where} imports ${target}: ${to} has no layer`);
      else if (lt > lf) problems.push(`${where} imports ${target}: ${LAYER_NAMES[lf]} (${from}) may not import from ${LAYER_NAMES[lt]} (${to})`);
    }
    if (!inStore && path.startsWith('server/')) for (const s of found.sql) problems.push(`${path}:${s.line} has SQL outside server/store/: "${s.text}"`);
    if (path.startsWith('server/')) for (const r of found.registries) problems.push(`${path}:${r.line} keeps a module-level registry (${r.text}); pass state as a handle from startServer`);
  }
  for (const cycle of cyclesOf(edges)) problems.push(`import cycle between folders: ${cycle.join(' → ')}`);
  return problems;
}

/** Strongly connected components of more than one unit (Tarjan), each as a closed path. */
function cyclesOf(edges: Map<string, Set<string>>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const strong = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1) out.push([...comp.sort(), comp[0]!]);
    }
  };
  for (const v of [...edges.keys()].sort()) if (!idx.has(v)) strong(v);
  return out;
}

function sourcesUnder(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.ts')) out.set(relative(ROOT, p).split('\\').join('/'), readFileSync(p, 'utf8'));
    }
  };
  walk(join(ROOT, dir));
  return out;
}

const tree = (files: Record<string, string>) => new Map(Object.entries(files));
const oneProblem = (files: Record<string, string>, re: RegExp) => {
  const p = problemsOf(tree(files));
  assert.is(p.length, 1, p.join('\n'));
  assert.match(p[0]!, re);
};

test('the rules catch an upward import, a cycle, a protocol or vendor import out of bounds', () => {
  assert.equal(problemsOf(tree({ 'server/api/a.ts': "import { x } from '../service/b.ts';", 'server/service/b.ts': "import { y } from '../store/c.ts';" })), []);
  oneProblem({ 'server/service/b.ts': "import type { X } from '../api/a.ts';" }, /services \(server\/service\) may not import from edges \(server\/api\)/);
  oneProblem({ 'server/provision/p.ts': "export { h } from '../phone/http.ts';" }, /features .* may not import from edges/);
  oneProblem({ 'server/store/s.ts': "const m = await import('../resync/engine.ts');" }, /store .* may not import from features/);
  const cyc = problemsOf(tree({ 'server/provision/p.ts': "import '../resync/r.ts';", 'server/resync/r.ts': "import '../provision/q.ts';" }));
  assert.equal(cyc, ['import cycle between folders: server/provision → server/resync → server/provision']);
  oneProblem({ 'server/sip/t.ts': "import { Store } from '../store/types.ts';" }, /sip\/ is SIP protocol only/);
  oneProblem({ 'server/service/u.ts': "import { digest } from '../sip/digest.ts';" }, /only features, edges and entry points use the SIP protocol/);
  oneProblem({ 'vendors/yealink/x.ts': "import { y } from '../../server/domain/mac.ts';" }, /vendors\/ may import only vendors\//);
  oneProblem({ 'server/web/x.ts': "import { h } from '../../test/helpers/server.ts';" }, /may use test\//);
  oneProblem({ 'server/newthing/x.ts': "import { h } from '../domain/mac.ts';" }, /has no layer/);
});

test('the rules keep the catalogue at the bottom and translation at the edges', () => {
  assert.equal(problemsOf(tree({
    'server/api/x.ts': "import { translate } from '../i18n/catalogue.ts';",
    'server/cli/x.ts': "import { langFromEnv } from '../i18n/lang.ts';",
    'server/i18n/lang.ts': "import { isLang } from './catalogue.ts'; import { readFileSync } from 'node:fs';",
  })), []);
  oneProblem({ 'server/i18n/x.ts': "import { DomainError } from '../domain/errors.ts';" }, /i18n\/ is pure data \+ translate/);
  oneProblem({ 'server/i18n/x.ts': "import { vendors } from '../../vendors/index.ts';" }, /i18n\/ is pure data \+ translate/);
  oneProblem({ 'server/domain/x.ts': "import { translate } from '../i18n/catalogue.ts';" }, /only edges and entry points translate; domain/);
  oneProblem({ 'server/imports/x.ts': "import type { Lang } from '../i18n/catalogue.ts';" }, /only edges and entry points translate; features/);
  oneProblem({ 'server/service/x.ts': "import { translate } from '../i18n/catalogue.ts';" }, /only edges and entry points translate; services/);
});

test('the rules catch a driver, SQL or a module registry outside their place', () => {
  oneProblem({ 'server/resync/x.ts': "import Database from 'better-sqlite3';" }, /database driver better-sqlite3 outside server\/store/);
  oneProblem({ 'server/auth/x.ts': "import pg from 'pg';" }, /database driver pg/);
  assert.equal(problemsOf(tree({ 'server/store/sqlite/x.ts': "import D from 'better-sqlite3'; const q = 'SELECT * FROM users';" })), []);
  oneProblem({ 'server/auth/x.ts': "const q = db.prepare(`UPDATE password_resets SET used_at = ${x}`);" }, /SQL outside server\/store\/: "UPDATE password_resets SET/);
  oneProblem({ 'server/api/x.ts': "const q = 'SELECT id FROM tenants WHERE 1';" }, /SQL outside/);
  assert.equal(problemsOf(tree({ 'server/web/x.ts': "// SELECT the tenant FROM the list, then UPDATE it\nconst t = 'Select a tenant';" })), [], 'prose is not SQL');
  oneProblem({ 'server/phone/x.ts': 'const listeners = new WeakMap<AppContext, number>();' }, /module-level registry/);
  oneProblem({ 'server/web/x.ts': 'const ports = new Map<AppContext, Ports>();' }, /module-level registry/);
  oneProblem({ 'server/web/x.ts': 'export const cache: Map<object, number> = new Map();' }, /module-level registry/);
  assert.equal(problemsOf(tree({
    'server/web/x.ts': "const SAFE = new Set(['GET']);\nconst byName = new Map<string, number>();\nfunction f() { const m = new WeakMap(); return m; }",
    'vendors/common/x.ts': 'const formatters = new Map<string, Intl.DateTimeFormat>();',
  })), [], 'constant sets, string-keyed memos and function-local maps are fine');
});

test('server/ and vendors/ follow the layers', () => {
  const files = new Map([...sourcesUnder('server'), ...sourcesUnder('vendors')]);
  assert.ok(files.size > 100, `parsed ${files.size} files`);
  const problems = problemsOf(files);
  assert.equal(problems, [], `\n${problems.join('\n')}`);
});

test.run();
