// Authentication of admin API requests: `Authorization: Bearer <token>`, or the web session
// cookie (then unsafe methods also need the session's CSRF token in `X-CSRF-Token`). A token or
// session that expired, was revoked (logout, password change, on demand) or whose person is gone
// is refused like one that never existed.
import type { CookieOptions, Request, RequestHandler } from 'express';
import { timingSafeEqual } from 'node:crypto';
import { DomainError } from '../domain/errors.ts';
import { actorOf, type Actor } from '../auth/principal.ts';
import type { AuthService } from '../auth/service.ts';
import type { Credential } from '../store/types.ts';
import type { Config } from '../config.ts';

export const SESSION_COOKIE = 'cadran_session';

declare module 'express-serve-static-core' {
  interface Request {
    /** Who sent the request, with its channel (`api`) and client address (for the audit trail). */
    principal?: Actor;
    csrfToken?: string;
    /** The session or token this request came with. */
    credential?: Credential;
  }
}

export function principal(req: Request): Actor {
  if (!req.principal) throw new DomainError('unauthenticated', 'auth.login_first');
  return req.principal;
}

/**
 * Cookies of the cockpit: HttpOnly, SameSite=Lax, and Secure whenever the cockpit is reached over
 * HTTPS (TLS on the admin listener, or a TLS-terminating proxy trusted through CADRAN_TRUST_PROXY)
 * or its public URL is https — the browser then never sends them over plain HTTP.
 */
export function cookieOptions(req: Request, config: Pick<Config, 'adminPublicUrl'>): CookieOptions {
  const secure = req.secure || (config.adminPublicUrl?.startsWith('https:') ?? false);
  return { httpOnly: true, sameSite: 'lax', secure, path: '/' };
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export const sameSecret = (a: unknown, b: string): boolean => {
  if (typeof a !== 'string') return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
};

/** Identify the caller when credentials are present; routes decide whether they need one. */
export function identify(auth: AuthService): RequestHandler {
  return async (req, _res, next) => {
    try {
      const h = req.get('authorization');
      if (h) {
        const m = /^Bearer\s+(\S+)$/i.exec(h);
        const a = m ? await auth.fromToken(m[1]!) : undefined;
        if (!a) return next(new DomainError('unauthenticated', 'auth.bad_token'));
        req.principal = actorOf(a.principal, { channel: 'api', address: req.ip ?? 'unknown' });
        req.credential = a.credential;
        return next();
      }
      const sid = (req.cookies as Record<string, string> | undefined)?.[SESSION_COOKIE];
      if (sid) {
        const s = await auth.fromSession(sid);
        if (s) {
          if (!SAFE.has(req.method) && !sameSecret(req.get('x-csrf-token'), s.csrfToken) && !sameSecret(req.body?._csrf, s.csrfToken)) {
            return next(new DomainError('forbidden', 'forbidden.csrf'));
          }
          req.principal = actorOf(s.principal, { channel: 'api', address: req.ip ?? 'unknown' });
          req.csrfToken = s.csrfToken;
          req.credential = s.credential;
        }
      }
      next();
    } catch (err) {
      next(err);
    }
  };
}
