// The cockpit's language: `?lang=` (remembered in the `cadran_lang` cookie), then that cookie,
// then Accept-Language, French by default. The messages themselves are the one catalogue of
// server/i18n/, shared with the REST API and the CLI.
import type { Request, Response } from 'express';
import { isLang, type Lang } from '../i18n/catalogue.ts';
import { langFromAcceptLanguage } from '../i18n/lang.ts';

export { catalogues, DEFAULT_LANG, hasMessage, isLang, LANGS, translate, translator, type Lang, type Translator } from '../i18n/catalogue.ts';

export const LANG_COOKIE = 'cadran_lang';

/** Pick the language of this request; `?lang=` is remembered in a cookie. */
export function pickLang(req: Request, res: Response): Lang {
  const q = req.query.lang;
  if (isLang(q)) {
    res.cookie(LANG_COOKIE, q, { httpOnly: true, sameSite: 'lax', secure: req.secure, path: '/', maxAge: 365 * 86400_000 });
    return q;
  }
  const c = (req.cookies as Record<string, string> | undefined)?.[LANG_COOKIE];
  if (isLang(c)) return c;
  return langFromAcceptLanguage(req.get('accept-language'));
}
