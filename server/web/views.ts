// Server-side rendering with handlebars: pages in views/pages, partials in views/partials, one
// layout. Values are HTML-escaped by handlebars; every user-facing text comes from the catalogue
// through the `t` helper.
import { readdirSync, readFileSync } from 'node:fs';
import Handlebars from 'handlebars';
import { translate, type Lang } from './i18n.ts';

const VIEWS = new URL('./views/', import.meta.url);

/** What every page receives (pages add their own fields). */
export interface PageContext {
  lang: Lang;
  csrf: string;
  title: string;
  [k: string]: unknown;
}

type Options = Handlebars.HelperOptions;

export class Views {
  private readonly hb = Handlebars.create();
  private readonly pages = new Map<string, Handlebars.TemplateDelegate>();
  private readonly layout: Handlebars.TemplateDelegate;

  constructor() {
    const hb = this.hb;
    const read = (sub: string) =>
      readdirSync(new URL(sub, VIEWS))
        .filter((f) => f.endsWith('.hbs'))
        .map((f) => [f.slice(0, -4), readFileSync(new URL(`${sub}${f}`, VIEWS), 'utf8')] as const);
    for (const [name, src] of read('partials/')) hb.registerPartial(name, src);
    for (const [name, src] of read('pages/')) this.pages.set(name, hb.compile(src, { strict: false }));
    this.layout = hb.compile(readFileSync(new URL('layouts/main.hbs', VIEWS), 'utf8'));

    const langOf = (o: Options): Lang => (o.data?.root as PageContext | undefined)?.lang ?? 'fr';
    // {{t "key" name=value}}: a catalogue message, placeholders filled from the hash.
    hb.registerHelper('t', function (key: unknown, o: Options) {
      return translate(langOf(o), String(key), o.hash as Record<string, unknown>);
    });
    // {{tp "prefix." value}}: message whose key is built from a value (e.g. a key type).
    hb.registerHelper('tp', function (prefix: unknown, value: unknown, o: Options) {
      return translate(langOf(o), `${String(prefix)}${String(value)}`, o.hash as Record<string, unknown>);
    });
    hb.registerHelper('eq', (a: unknown, b: unknown) => String(a) === String(b));
    hb.registerHelper('or', (...args: unknown[]) => args.slice(0, -1).some(Boolean));
    hb.registerHelper('and', (...args: unknown[]) => args.slice(0, -1).every(Boolean));
    hb.registerHelper('not', (a: unknown) => !a);
    hb.registerHelper('lookup2', (obj: unknown, key: unknown) =>
      obj && typeof obj === 'object' ? (obj as Record<string, unknown>)[String(key)] : undefined,
    );
    // {{row-version "version" fallback}}: the version a posted form carried, else the record's.
    hb.registerHelper('row-version', function (name: unknown, fallback: unknown, o: Options) {
      const posted = (o.data?.root as PageContext | undefined)?.postedVersions as Record<string, string> | undefined;
      return posted?.[String(name)] ?? fallback;
    });
    // {{json v}}: a value of a bulk preview for people: — for none, lists joined, a firmware target as `version (url)`.
    hb.registerHelper('json', (v: unknown) => {
      if (v === null || v === undefined) return '—';
      if (Array.isArray(v)) return v.map(String).join(', ');
      if (typeof v === 'object') {
        const o = v as Record<string, unknown>;
        if (typeof o.url === 'string') return `${String(o.version ?? '')} (${o.url})`;
        return JSON.stringify(v);
      }
      return String(v);
    });
    hb.registerHelper('concat', (...args: unknown[]) => args.slice(0, -1).map(String).join(''));
    // {{date iso}}: a date and time for people, in the page's language.
    hb.registerHelper('date', function (iso: unknown, o: Options) {
      if (typeof iso !== 'string' || !iso) return '';
      const d = new Date(iso);
      if (Number.isNaN(d.getTime())) return iso;
      return new Intl.DateTimeFormat(langOf(o) === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short' }).format(d);
    });
  }

  has(page: string): boolean {
    return this.pages.has(page);
  }

  render(page: string, ctx: PageContext): string {
    const tpl = this.pages.get(page);
    if (!tpl) throw new Error(`no such view: ${page}`);
    const body = tpl(ctx);
    return this.layout({ ...ctx, body: new Handlebars.SafeString(body) });
  }
}
