// The one message catalogue of cadran: server/i18n/<lang>.json, flat keys, `{name}` placeholders.
// French is the default language; English is available. Pure data and lookups: the domain, the
// services and the features raise stable keys with parameters and never a sentence; the edges
// (REST API, web cockpit, CLI) choose the language and translate. Nothing here imports the rest
// of the server (test/layers.test.ts checks it).
import { readFileSync } from 'node:fs';

export const LANGS = ['fr', 'en'] as const;
export type Lang = (typeof LANGS)[number];
export const DEFAULT_LANG: Lang = 'fr';

/** Values of a message's placeholders. */
export type MessageVars = Record<string, unknown>;

/** A translation function bound to one language (what the features' `localize…` helpers take). */
export type Translator = (key: string, vars?: MessageVars) => string;

function load(lang: Lang): Record<string, string> {
  return JSON.parse(readFileSync(new URL(`./${lang}.json`, import.meta.url), 'utf8')) as Record<string, string>;
}

export const catalogues: Record<Lang, Readonly<Record<string, string>>> = { fr: load('fr'), en: load('en') };

export const isLang = (v: unknown): v is Lang => typeof v === 'string' && (LANGS as readonly string[]).includes(v);

/** True when the catalogue has this key (both catalogues hold the same keys: a test checks it). */
export const hasMessage = (key: string): boolean => Object.hasOwn(catalogues[DEFAULT_LANG], key);

/**
 * The message for `key` in `lang`, with `{name}` placeholders filled from `vars`. A key missing
 * from `lang` falls back to French, then to the key itself (a test keeps that from happening).
 */
export function translate(lang: Lang, key: string, vars: MessageVars = {}): string {
  const text = catalogues[lang][key] ?? catalogues[DEFAULT_LANG][key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => {
    const v = Object.hasOwn(vars, name) ? vars[name] : undefined;
    return v === undefined || v === null ? m : shown(lang, v);
  });
}

const GROUPING: Record<Lang, Intl.NumberFormat> = { fr: new Intl.NumberFormat('fr-FR'), en: new Intl.NumberFormat('en-GB') };

/** A value in a sentence: large whole numbers grouped as the language writes them (10 000, 10,000). */
function shown(lang: Lang, v: unknown): string {
  if (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) >= 10_000) return GROUPING[lang].format(v);
  return String(v);
}

/** `translate` bound to one language. */
export const translator = (lang: Lang): Translator => (key, vars) => translate(lang, key, vars);
