// The one message catalogue of the web cockpit: server/web/i18n/<lang>.json, flat keys. French is
// the default; the language comes from `?lang=`, then the `cadran_lang` cookie, then Accept-Language.
import { readFileSync } from 'node:fs';
import type { Request, Response } from 'express';

export const LANGS = ['fr', 'en'] as const;
export type Lang = (typeof LANGS)[number];
export const DEFAULT_LANG: Lang = 'fr';
export const LANG_COOKIE = 'cadran_lang';

function load(lang: Lang): Record<string, string> {
  return JSON.parse(readFileSync(new URL(`./i18n/${lang}.json`, import.meta.url), 'utf8')) as Record<string, string>;
}

export const catalogues: Record<Lang, Record<string, string>> = { fr: load('fr'), en: load('en') };

export const isLang = (v: unknown): v is Lang => typeof v === 'string' && (LANGS as readonly string[]).includes(v);

export const hasMessage = (key: string): boolean => Object.hasOwn(catalogues[DEFAULT_LANG], key);

/** The message for `key`, with `{name}` placeholders filled; the key itself when it is missing. */
export function translate(lang: Lang, key: string, vars: Record<string, unknown> = {}): string {
  const text = catalogues[lang][key] ?? catalogues[DEFAULT_LANG][key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (Object.hasOwn(vars, name) ? String(vars[name]) : m));
}

/** Pick the language of this request; `?lang=` is remembered in a cookie. */
export function pickLang(req: Request, res: Response): Lang {
  const q = req.query.lang;
  if (isLang(q)) {
    res.cookie(LANG_COOKIE, q, { httpOnly: true, sameSite: 'lax', secure: req.secure, path: '/', maxAge: 365 * 86400_000 });
    return q;
  }
  const c = (req.cookies as Record<string, string> | undefined)?.[LANG_COOKIE];
  if (isLang(c)) return c;
  const accepted = req.acceptsLanguages(...LANGS);
  return isLang(accepted) ? accepted : DEFAULT_LANG;
}
