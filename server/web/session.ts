// Who is browsing, and CSRF protection of every form. Logged-in visitors carry the session cookie
// (its CSRF token is stored with the session); anonymous forms (login, forgotten password) use a
// double-submit cookie. Every POST must send the right token in the `_csrf` field.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { cookieOptions as apiCookieOptions, SESSION_COOKIE } from '../api/auth.ts';
import type { AppContext } from '../app-context.ts';
import { actorOf, type Actor } from '../auth/principal.ts';
import type { Credential } from '../store/types.ts';
import { pickLang, type Lang } from './i18n.ts';

export const ANON_CSRF_COOKIE = 'cadran_csrf';

export interface WebState {
  lang: Lang;
  csrf: string;
  /** The session's principal, with the channel (`web`) and client address (for the audit trail). */
  principal?: Actor;
  sessionId?: string;
  /** The session of the cookie (its public id: the account page marks it). */
  credential?: Credential;
  /** Who is logged in, as the layout shows it. */
  me?: Record<string, unknown>;
}

declare module 'express-serve-static-core' {
  interface Request {
    web?: WebState;
  }
}

/** HttpOnly, SameSite=Lax, Secure over HTTPS or when the public URL is https (api/auth.ts). */
export function cookieOptions(req: Request, app: Pick<AppContext, 'config'>) {
  return apiCookieOptions(req, app.config);
}

export function setSessionCookie(req: Request, res: Response, app: Pick<AppContext, 'config'>, sessionId: string): void {
  res.cookie(SESSION_COOKIE, sessionId, cookieOptions(req, app));
}

const sameToken = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
};

/** Fills `req.web`: language, principal of the session cookie, the CSRF token forms must carry. */
export function webSession(app: AppContext): RequestHandler {
  return async (req, res, next) => {
    const lang = pickLang(req, res);
    const cookies = (req.cookies ?? {}) as Record<string, string>;
    const sid = cookies[SESSION_COOKIE];
    const s = sid ? await app.auth.fromSession(sid) : undefined;
    if (s) {
      const p = actorOf(s.principal, { channel: 'web', address: req.ip ?? 'unknown' });
      let me: Record<string, unknown> | undefined;
      if (p.kind === 'user') {
        const u = await app.store.users.get(p.number);
        const t = await app.store.tenants.get(p.tenantId);
        me = { name: u?.name ?? p.number, number: p.number, role: p.role, tenant: t?.name ?? p.tenantId };
      } else if (p.kind === 'operator') me = { name: p.login, operator: true };
      req.web = { lang, csrf: s.csrfToken, principal: p, sessionId: sid, credential: s.credential, ...(me ? { me } : {}) };
      return next();
    }
    let anon = cookies[ANON_CSRF_COOKIE];
    if (!anon || !/^[A-Za-z0-9_-]{32}$/.test(anon)) {
      anon = randomBytes(24).toString('base64url');
      res.cookie(ANON_CSRF_COOKIE, anon, { ...cookieOptions(req, app), sameSite: 'strict' });
    }
    req.web = { lang, csrf: anon };
    next();
  };
}

/** Refuse any POST whose `_csrf` field is not the visitor's token. */
export const csrfCheck: RequestHandler = (req, res, next) => {
  if (req.method !== 'POST') return next();
  const sent = (req.body as Record<string, unknown> | undefined)?._csrf;
  if (typeof sent === 'string' && req.web && sameToken(sent, req.web.csrf)) return next();
  res.locals.csrfFailed = true;
  next(new CsrfError());
};

export class CsrfError extends Error {
  constructor() {
    super('missing or wrong CSRF token');
  }
}
