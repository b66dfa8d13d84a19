// Authentication of admin API requests: `Authorization: Bearer <token>`, or the web session
// cookie (then unsafe methods also need the session's CSRF token in `X-CSRF-Token`).
import type { Request, RequestHandler } from 'express';
import { DomainError } from '../domain/errors.ts';
import { actorOf, type Actor } from '../auth/principal.ts';
import type { AuthService } from '../auth/service.ts';

export const SESSION_COOKIE = 'cadran_session';

declare module 'express-serve-static-core' {
  interface Request {
    /** Who sent the request, with its channel (`api`) and client address (for the audit trail). */
    principal?: Actor;
    csrfToken?: string;
  }
}

export function principal(req: Request): Actor {
  if (!req.principal) throw new DomainError('unauthenticated', 'auth.login_first');
  return req.principal;
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Identify the caller when credentials are present; routes decide whether they need one. */
export function identify(auth: AuthService): RequestHandler {
  return async (req, _res, next) => {
    const h = req.get('authorization');
    if (h) {
      const m = /^Bearer\s+(\S+)$/i.exec(h);
      const p = m ? await auth.fromToken(m[1]!) : undefined;
      if (!p) return next(new DomainError('unauthenticated', 'auth.bad_token'));
      req.principal = actorOf(p, { channel: 'api', address: req.ip ?? 'unknown' });
      return next();
    }
    const sid = (req.cookies as Record<string, string> | undefined)?.[SESSION_COOKIE];
    if (sid) {
      const s = await auth.fromSession(sid);
      if (s) {
        if (!SAFE.has(req.method) && req.get('x-csrf-token') !== s.csrfToken && req.body?._csrf !== s.csrfToken) {
          return next(new DomainError('forbidden', 'forbidden.csrf'));
        }
        req.principal = actorOf(s.principal, { channel: 'api', address: req.ip ?? 'unknown' });
        req.csrfToken = s.csrfToken;
      }
    }
    next();
  };
}
