// One message catalogue for every edge (server/i18n/): French and English hold exactly the same
// keys with the same placeholders; every key the code and the views use exists; below the edges
// the code raises keys, never sentences; templates carry no text of their own; and the rules that
// choose a language and word an error or a resync outcome.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { catalogues, hasMessage, translate, translator } from '../server/i18n/catalogue.ts';
import { langFromAcceptLanguage, langFromEnv } from '../server/i18n/lang.ts';
import { DomainError, describeError, invalid, invalidAll, notFound } from '../server/domain/errors.ts';
import { RESYNC_REASON_CODES, RESYNC_SCOPES, RESYNC_STATES, resyncReason } from '../server/domain/resync.ts';
import type { StoreErrorCode } from '../server/store/errors.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const KEY = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/;

function filesUnder(dir: string, ext: string): Array<{ file: string; src: string }> {
  const out: Array<{ file: string; src: string }> = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith(ext)) out.push({ file: relative(ROOT, p), src: readFileSync(p, 'utf8') });
    }
  };
  walk(join(ROOT, dir));
  return out;
}

const sources = filesUnder('server', '.ts');
const views = filesUnder('server/web/views', '.hbs');

test('French and English catalogues have exactly the same keys, none empty', () => {
  const fr = Object.keys(catalogues.fr).sort();
  const en = Object.keys(catalogues.en).sort();
  assert.equal(fr.filter((k) => !en.includes(k)), [], 'missing in en.json');
  assert.equal(en.filter((k) => !fr.includes(k)), [], 'missing in fr.json');
  for (const lang of ['fr', 'en'] as const) for (const k of fr) assert.ok(catalogues[lang][k]!.trim(), `${lang}: ${k} is empty`);
  for (const k of fr) assert.match(k, /^[a-z][a-z0-9_]*(\.[A-Za-z0-9_]+)+$/, `${k}: keys are dotted names`);
  assert.ok(fr.length > 450, `${fr.length} keys`);
});

test('no key is written twice in a catalogue file (JSON keeps the last one silently)', () => {
  for (const lang of ['fr', 'en']) {
    const text = readFileSync(join(ROOT, 'server/i18n', `${lang}.json`), 'utf8');
    const seen = new Set<string>();
    const twice: string[] = [];
    // The catalogues are flat: one `"key": "text",` a line.
    for (const m of text.matchAll(/^\s*"((?:[^"\\]|\\.)*)"\s*:/gm)) {
      if (seen.has(m[1]!)) twice.push(m[1]!);
      seen.add(m[1]!);
    }
    assert.equal(twice, [], `${lang}.json: keys written twice`);
  }
});

test('placeholders agree between languages', () => {
  const vars = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort().join(',');
  for (const k of Object.keys(catalogues.fr)) assert.is(vars(catalogues.en[k]!), vars(catalogues.fr[k]!), k);
  assert.is(translate('fr', 'contacts.count', { shown: 2, total: 5 }), '2 contact(s) affiché(s) sur 5');
});

test('translate: placeholders filled, large numbers grouped per language, a missing key shows itself', () => {
  assert.is(translate('fr', 'import_line.directory_full', { max: 10_000 }), 'le répertoire est plein (au plus 10\u202f000 contacts par licence)');
  assert.is(translate('en', 'import_line.directory_full', { max: 10_000 }), 'the directory is full (at most 10,000 contacts per licence)');
  assert.is(translate('fr', 'validation.range', { min: 1, max: 4094 }), 'doit être un nombre entier de 1 à 4094');
  assert.is(translate('fr', 'validation.range', { min: 1 }), 'doit être un nombre entier de 1 à {max}', 'an absent value leaves its placeholder');
  assert.is(translate('en', 'no.such_key'), 'no.such_key');
  assert.ok(hasMessage('validation.mac'));
});

// ---- every key used exists

/** Keys the code builds from a value, by the family each value belongs to. */
const STORE_CODES = ['constraint', 'busy', 'unavailable', 'failed', 'full'] as const satisfies readonly StoreErrorCode[];
type MissingStoreCode = Exclude<StoreErrorCode, (typeof STORE_CODES)[number]>;
const everyStoreCode: [MissingStoreCode] extends [never] ? true : false = true;
const DYNAMIC: Record<string, string[]> = {
  'firmware.level_': ['installation', 'tenant', 'device'],
  'cli.token.kind_': ['token', 'session'],
  'cli.token.col_': ['id', 'kind', 'who', 'created', 'last_used', 'expires', 'address', 'label'],
  'resync.state_': [...RESYNC_STATES, 'running', 'finished', 'cancelled', 'never_seen', 'not_sent'],
  'resync.reason.': [...RESYNC_REASON_CODES],
  'resync.scope.': [...RESYNC_SCOPES],
  'store.': [...STORE_CODES],
  'import.summary.': ['devices_skipped', 'contacts_skipped'],
  'upload.too_large_': ['mb', 'kb'],
  'upload.too_large_split_': ['mb', 'kb'],
  'status.': ['never', 'ok', 'stale'],
  'role.': ['user', 'admin', 'operator'],
  'lang.': ['fr', 'en'],
  'preview.status_': ['same', 'changed', 'never_fetched', 'no_snapshot'],
  'preview.line_': ['add', 'del', 'same'],
  'import.status_': ['created', 'updated', 'unchanged', 'rejected', ...['created', 'updated', 'added'].flatMap((s) => ['planned', 'written', 'not_written'].map((p) => `${s}_${p}`))],
  'import.report_title_': ['planned', 'written', 'not_written'],
  'import.created_': ['planned', 'written', 'not_written'],
  'import.updated_': ['planned', 'written', 'not_written'],
  'import.added_': ['planned', 'written', 'not_written'],
  // Vendor checks by their stable code (the device page, which falls back to the vendor's own
  // text for a code the catalogue lacks).
  'check.': Object.keys(catalogues.fr).filter((k) => k.startsWith('check.')).map((k) => k.slice('check.'.length)),
};

/** Calls whose argument at `index` is a catalogue key. */
const KEY_ARGS: Record<string, number> = {
  DomainError: 1, invalid: 1, invalidFile: 0, invalidAll: -1, notFound: 0, conflict: 1, forbidden: 0, CliError: 0, message: 0, t: 0, translate: 1,
};
/** Calls whose first argument is the head of a key family (`sizeMessage('upload.too_large', n)` → `upload.too_large_mb`). */
const FAMILY_ARGS = new Set(['sizeMessage']);

interface Found {
  keys: Array<{ key: string; where: string }>;
  /** A sentence or a built string where a key belongs. */
  misuse: string[];
  /** Template literals used as keys: their fixed head, for the DYNAMIC families. */
  families: Array<{ head: string; where: string }>;
}

function scanKeys(file: string, src: string, found: Found): void {
  const sf = ts.createSourceFile(file, src, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const where = (n: ts.Node) => `${file}:${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1}`;
  const namespaces = new Set(Object.keys(catalogues.fr).map((k) => k.split('.')[0]!));
  const heads = new Set<ts.Node>();
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && FAMILY_ARGS.has(n.expression.text) && n.arguments[0] && ts.isStringLiteral(n.arguments[0])) {
      heads.add(n.arguments[0]);
      found.families.push({ head: `${n.arguments[0].text}_`, where: where(n) });
    }
    if (ts.isStringLiteral(n) && !heads.has(n) && KEY.test(n.text) && namespaces.has(n.text.split('.')[0]!)) {
      const parent = n.parent;
      const isImport = ts.isImportDeclaration(parent) || ts.isExportDeclaration(parent) || ts.isExternalModuleReference(parent);
      if (!isImport) found.keys.push({ key: n.text, where: where(n) });
    }
    if ((ts.isCallExpression(n) || ts.isNewExpression(n)) && n.arguments) {
      const callee = ts.isIdentifier(n.expression) ? n.expression.text : ts.isPropertyAccessExpression(n.expression) ? n.expression.name.text : '';
      const index = KEY_ARGS[callee];
      const arg = index !== undefined && index >= 0 ? n.arguments[index] : undefined;
      if (arg && ts.isStringLiteral(arg) && !KEY.test(arg.text)) found.misuse.push(`${where(arg)}: ${callee}(… '${arg.text}' …) takes a catalogue key`);
      if (arg && ts.isTemplateExpression(arg)) found.families.push({ head: arg.head.text, where: where(arg) });
      if (arg && ts.isNoSubstitutionTemplateLiteral(arg)) found.keys.push({ key: arg.text, where: where(arg) });
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
}

test('every key the code and the views use exists in the catalogue', () => {
  const found: Found = { keys: [], misuse: [], families: [] };
  for (const s of sources) if (!s.file.startsWith('server/i18n/')) scanKeys(s.file, s.src, found);
  for (const v of views) {
    for (const m of v.src.matchAll(/(?:\{\{|\()t "([^"]+)"/g)) found.keys.push({ key: m[1]!, where: v.file });
    for (const m of v.src.matchAll(/\b(?:label|hint|heading|what)="([a-z_]+\.[A-Za-z_.]+)"/g)) found.keys.push({ key: m[1]!, where: v.file });
    for (const m of v.src.matchAll(/\{\{tp "([^"]+)"/g)) found.families.push({ head: m[1]!, where: v.file });
  }
  for (const s of sources) for (const m of s.src.matchAll(/\?done=([a-z_]+)/g)) found.keys.push({ key: `flash.${m[1]}`, where: s.file });
  assert.equal(found.misuse, [], 'sentences where keys belong');
  // The two places that pass a key built elsewhere: sizeMessage's `${key}_mb` and the views' `tp` helper.
  const builders = new Set(['server/imports/csv.ts', 'server/web/views.ts']);
  const unknownFamilies = found.families.filter((f) => !DYNAMIC[f.head] && !(f.head === '' && builders.has(f.where.split(':')[0]!)));
  assert.equal(unknownFamilies.map((f) => `${f.where}: \`${f.head}…\``), [], 'a key built from a value: list its values in DYNAMIC');
  for (const [head, values] of Object.entries(DYNAMIC)) for (const v of values) found.keys.push({ key: `${head}${v}`, where: `DYNAMIC ${head}` });
  const missing = found.keys.filter((k) => !hasMessage(k.key)).map((k) => `${k.where}: ${k.key}`);
  assert.equal([...new Set(missing)], [], 'keys missing from the catalogue');
  assert.ok(everyStoreCode);
  assert.ok(new Set(found.keys.map((k) => k.key)).size > 400, `${new Set(found.keys.map((k) => k.key)).size} distinct keys found: the scan works`);
});

test('below the edges, code raises keys: no sentence for people in the domain, services, auth, features', () => {
  // English (or French) prose in a string literal is a message built at a throw site. Log lines
  // (for engineers), internal Error()s (bugs, never shown) and comments are not messages.
  const LOGS = new Set(['info', 'warn', 'error', 'debug', 'trace', 'fatal', 'child']);
  const prose = /[A-Za-zÀ-ÿ]{2,} [a-zà-ÿ]{2,} [a-zà-ÿ]{2,}/;
  const problems: string[] = [];
  for (const s of sources) {
    if (!/^server\/(domain|service|auth|imports|resync)\//.test(s.file)) continue;
    const sf = ts.createSourceFile(s.file, s.src, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
    const visit = (n: ts.Node): void => {
      if ((ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n) || ts.isTemplateExpression(n)) && prose.test(n.getText(sf))) {
        let p: ts.Node | undefined = n.parent;
        let exempt = false;
        for (; p && !exempt; p = p.parent) {
          if (ts.isCallExpression(p) && ts.isPropertyAccessExpression(p.expression) && LOGS.has(p.expression.name.text)) exempt = true;
          if (ts.isNewExpression(p) && ts.isIdentifier(p.expression) && /^(Error|TypeError|RangeError|StoreError)$/.test(p.expression.text)) exempt = true;
          // The message of an internal Error subclass (a rollback signal, TooLargeError): logs only.
          if (ts.isCallExpression(p) && p.expression.kind === ts.SyntaxKind.SuperKeyword) exempt = true;
          if (ts.isCallExpression(p) && ts.isPropertyAccessExpression(p.expression) && p.expression.name.text === 'devicesChanged') exempt = true;
        }
        if (!exempt) problems.push(`${s.file}:${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1}: ${n.getText(sf).slice(0, 80)}`);
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  assert.equal(problems, []);
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
    for (const m of v.src.matchAll(/\s(?:title|aria-label|alt|placeholder)="((?:\{\{[^}]*\}\}|[^"])*)"/g)) {
      const literal = m[1]!.replace(/\{\{[\s\S]*?\}\}/g, '');
      // Samples of a value (a URL, an address) are the same in every language.
      assert.not.ok(/\p{L}/u.test(literal) && !/^(https:\/\/…|Europe\/Paris)$/.test(literal), `${v.file}: attribute text "${m[1]}"`);
    }
  }
});

test('the page code builds no French or English sentence itself', () => {
  // Messages the pages produce go through translate(); a quoted sentence in page code is a smell.
  for (const s of sources.filter((x) => x.file.startsWith('server/web/'))) {
    for (const m of s.src.matchAll(/render\([^)]*'([A-Z][a-z]+ [a-z]+[^']*)'/g)) assert.unreachable(`${s.file}: "${m[1]}"`);
  }
});

// ---- choosing the language

test('Accept-Language: the preferred of French and English, French by default', () => {
  const cases: Array<[string | undefined, string]> = [
    [undefined, 'fr'],
    ['', 'fr'],
    ['en', 'en'],
    ['en-GB,en;q=0.9', 'en'],
    ['fr-FR,fr;q=0.9,en;q=0.8', 'fr'],
    ['de-DE,de;q=0.9,en;q=0.7', 'en'],
    ['en;q=0.5, fr;q=0.6', 'fr'],
    ['EN-us', 'en'],
    ['*', 'fr'],
    ['en;q=0', 'fr'],
    ['es, it', 'fr'],
    ['garbage;;q=;x', 'fr'],
    [`${'x,'.repeat(5000)}en`, 'fr'],
  ];
  for (const [h, lang] of cases) assert.is(langFromAcceptLanguage(h), lang, String(h).slice(0, 40));
});

test('CLI: CADRAN_LANG, else LC_ALL, LC_MESSAGES, LANG; en… is English, anything else French', () => {
  const cases: Array<[NodeJS.ProcessEnv, string]> = [
    [{}, 'fr'],
    [{ LANG: 'en_US.UTF-8' }, 'en'],
    [{ LANG: 'C.UTF-8' }, 'fr'],
    [{ LANG: 'POSIX' }, 'fr'],
    [{ LANG: 'fr_FR.UTF-8' }, 'fr'],
    [{ LANG: 'de_DE.UTF-8' }, 'fr'],
    [{ LANG: 'en_GB.UTF-8', LC_ALL: 'fr_FR.UTF-8' }, 'fr'],
    [{ LANG: 'fr_FR.UTF-8', LC_MESSAGES: 'en_US.UTF-8' }, 'en'],
    [{ LC_ALL: 'fr_FR.UTF-8', LC_MESSAGES: 'en_US.UTF-8' }, 'fr'],
    [{ LC_ALL: 'en_US.UTF-8', CADRAN_LANG: 'fr' }, 'fr'],
    [{ LANG: 'fr_FR.UTF-8', CADRAN_LANG: 'en' }, 'en'],
    [{ CADRAN_LANG: '', LANG: 'en_US' }, 'en'],
    [{ CADRAN_LANG: 'english' }, 'fr'],
  ];
  for (const [env, lang] of cases) assert.is(langFromEnv(env), lang, JSON.stringify(env));
});

// ---- how an error and a resync outcome are worded

test('an error in one sentence: its first detail with its field or line, and how many more', () => {
  const fr = translator('fr');
  const en = translator('en');
  const one = invalid('vlanId', 'validation.range', { min: 1, max: 4094 });
  assert.equal([one.code, one.key, one.params], ['validation_failed', 'validation.range', { min: 1, max: 4094 }]);
  assert.is(describeError(one, fr), 'vlanId : doit être un nombre entier de 1 à 4094');
  assert.is(describeError(one, en), 'vlanId: must be a whole number from 1 to 4094');
  const many = invalidAll([
    { field: 'number', key: 'validation.user_number' },
    { field: 'name', key: 'validation.empty' },
  ]);
  assert.is(describeError(many, en), 'number: must be exactly 10 digits, e.g. 0145678901 (and 1 more)');
  const line = new DomainError('validation_failed', 'csv.not_utf8', {}, [{ field: 'file', line: 12, key: 'csv.not_utf8' }]);
  assert.is(describeError(line, fr), "ligne 12 : le fichier n'est pas un texte UTF-8 valide : enregistrez-le de nouveau en « CSV UTF-8 »");
  const body = invalid('(body)', 'validation.type_object');
  assert.is(describeError(body, en), 'must be a JSON object', 'no field name for the body itself');
  const nf = notFound('not_found.tenant', { id: 'acme' });
  assert.equal([nf.code, describeError(nf, fr)], ['not_found', "Le parc « acme » n'existe pas."]);
  assert.is(nf.message, 'not_found.tenant {"id":"acme"}', 'the JS message is for logs: the key and its parameters');
});

test('resync outcomes: stored reason codes and SIP statuses become catalogue keys', () => {
  assert.equal(resyncReason({ reason: 'never_seen' }), { key: 'resync.reason.never_seen' });
  assert.equal(resyncReason({ reason: 'timeout' }), { key: 'resync.reason.timeout' });
  assert.equal(resyncReason({ code: 200, reason: 'OK' }), undefined, 'accepted: nothing to explain');
  assert.equal(resyncReason({}), undefined);
  assert.equal(resyncReason({ code: 486, reason: 'Busy Here' }), { key: 'resync.sip.busy', params: { code: 486 } });
  assert.equal(resyncReason({ code: 481, reason: 'Call/Transaction Does Not Exist' }), { key: 'resync.sip.no_subscription', params: { code: 481 } });
  assert.equal(resyncReason({ code: 407, reason: 'Proxy Authentication Required' }), { key: 'resync.sip.auth', params: { code: 407 } });
  assert.equal(resyncReason({ code: 489, reason: 'Bad Event' }), { key: 'resync.sip.bad_event', params: { code: 489 } });
  assert.equal(resyncReason({ code: 502, reason: 'Bad Gateway' }), { key: 'resync.sip.server_error', params: { code: 502 } });
  assert.equal(resyncReason({ code: 603, reason: 'Decline' }), { key: 'resync.sip.declined', params: { code: 603 } });
  assert.equal(resyncReason({ code: 420, reason: 'Bad Extension' }), { key: 'resync.sip.refused', params: { code: 420 } });
  // What earlier versions stored in English still reads in the reader's language.
  assert.equal(resyncReason({ reason: 'never seen: no address to send the NOTIFY to' }), { key: 'resync.reason.never_seen' });
  assert.equal(resyncReason({ reason: 'no final answer (Timer F)' }), { key: 'resync.reason.timeout' });
  assert.equal(resyncReason({ code: 503, reason: 'transport_error' }), { key: 'resync.reason.transport_error' });
  assert.equal(resyncReason({ reason: 'something else' }), { key: 'resync.reason.other' });
  for (const code of RESYNC_REASON_CODES) assert.ok(hasMessage(`resync.reason.${code}`), code);
});

test.run();
