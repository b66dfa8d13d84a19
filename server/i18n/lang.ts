// Which language a person gets. The REST API reads `Accept-Language` (French unless English is
// preferred); the command line reads CADRAN_LANG, then the POSIX locale variables. The web
// cockpit adds its own `?lang=` and cookie on top (server/web/i18n.ts).
import { DEFAULT_LANG, isLang, type Lang } from './catalogue.ts';

/** `en`, `en-GB`, `en_US.UTF-8` → English; `fr…` → French; anything else → undefined. */
export function langOfTag(tag: string | undefined): Lang | undefined {
  const primary = /^\s*([A-Za-z]{1,8})/.exec(tag ?? '')?.[1]?.toLowerCase();
  return isLang(primary) ? primary : undefined;
}

/**
 * The language an `Accept-Language` header prefers among French and English (RFC 9110 §12.5.4:
 * highest q first, then the order given; `q=0` refuses). French when neither is named or the
 * header is absent or malformed.
 */
export function langFromAcceptLanguage(header: string | undefined): Lang {
  if (!header) return DEFAULT_LANG;
  const ranges = header
    .slice(0, 1000)
    .split(',')
    .map((part, index) => {
      const [tag = '', ...attrs] = part.split(';');
      const q = attrs.map((a) => /^\s*q\s*=\s*([01](\.\d{0,3})?)\s*$/i.exec(a)?.[1]).find((v) => v !== undefined);
      return { tag: tag.trim(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((r) => r.tag !== '' && r.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const r of ranges) {
    if (r.tag === '*') return DEFAULT_LANG;
    const lang = langOfTag(r.tag);
    if (lang) return lang;
  }
  return DEFAULT_LANG;
}

/**
 * The command line's language: CADRAN_LANG when set, else the POSIX locale (LC_ALL, then
 * LC_MESSAGES, then LANG): a value starting with `en` gives English, anything else French
 * (`C`, `POSIX` and `fr_FR.UTF-8` alike).
 */
export function langFromEnv(env: NodeJS.ProcessEnv = process.env): Lang {
  const value = [env.CADRAN_LANG, env.LC_ALL, env.LC_MESSAGES, env.LANG].find((v) => v !== undefined && v.trim() !== '');
  return langOfTag(value) === 'en' ? 'en' : DEFAULT_LANG;
}
