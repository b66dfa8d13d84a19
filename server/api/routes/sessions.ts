// Logging in and out, and the sessions and API tokens people hold (issue 12, finding 3).
//   POST   /sessions               log in: a bearer token + a session cookie (one session)
//   GET    /sessions/current       who is calling, with the session or token used
//   DELETE /sessions/current       log out: revokes the session or token used
//   GET    /sessions               the caller's sessions and tokens (?user= / ?operator= for
//                                  someone the caller manages; ?all=true for operators)
//   DELETE /sessions               revoke them all except the one used (?kind=session|token)
//   GET    /sessions/{id}, DELETE /sessions/{id}
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { invalid } from '../../domain/errors.ts';
import { parseInput } from '../../domain/schemas.ts';
import { cookieOptions, principal, SESSION_COOKIE } from '../auth.ts';
import type { AppContext } from '../../app-context.ts';
import { bare, describe } from '../../auth/principal.ts';
import { credentialView } from '../views.ts';
import { getCredential, listAllCredentials, listCredentials, ownerOf, revokeAllOf, revokeCredential } from '../../service/sessions.ts';
import type { Credential, CredentialKind } from '../../store/types.ts';

export const loginBody = z.object({ login: z.string().trim().min(1).max(100), password: z.string().min(1).max(500) }).strict();

const query = (req: Request, name: string): string | undefined => {
  const v = req.query[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length > 100) throw invalid(name, 'validation.query_once', { name });
  return v;
};

function kindOf(req: Request): CredentialKind | undefined {
  const k = query(req, 'kind');
  if (k === undefined) return undefined;
  if (k !== 'session' && k !== 'token') throw invalid('kind', 'validation.session_kind');
  return k;
}

export function sessionsRouter(app: AppContext): Router {
  const r = Router();
  const view = (c: Credential, req: Request) => credentialView(c, app.auth.endsAt(c), req.credential?.id);
  const target = (req: Request) => {
    const user = query(req, 'user');
    const operator = query(req, 'operator');
    return ownerOf(app, principal(req), { ...(user !== undefined ? { user } : {}), ...(operator !== undefined ? { operator } : {}) });
  };
  const endCookie = (req: Request, res: Response) => res.clearCookie(SESSION_COOKIE, cookieOptions(req, app.config));

  // Log in: a bearer token for scripts, and a session cookie for the web UI (the same session).
  r.post('/sessions', async (req, res) => {
    const { login, password } = parseInput(loginBody, req.body);
    const p = await app.auth.login(login, password, req.ip ?? 'unknown');
    const s = await app.auth.openSession(p, { address: req.ip ?? null, userAgent: req.get('user-agent') ?? null }, 'API login');
    res.cookie(SESSION_COOKIE, s.sessionId, cookieOptions(req, app.config));
    app.log.info({ who: describe(p), ip: req.ip, session: s.credential.id }, 'login');
    res.status(201).json({ token: s.token, csrfToken: s.csrfToken, principal: p, session: credentialView(s.credential, app.auth.endsAt(s.credential), s.credential.id) });
  });

  r.get('/sessions/current', (req, res) => {
    res.json({ principal: bare(principal(req)), csrfToken: req.csrfToken ?? null, session: req.credential ? view(req.credential, req) : null });
  });

  r.delete('/sessions/current', async (req, res) => {
    const p = principal(req);
    if (req.credential) {
      await app.auth.revoke(req.credential.id);
      app.log.info({ who: describe(p), ip: req.ip, session: req.credential.id }, 'logout');
    }
    endCookie(req, res);
    res.status(204).end();
  });

  r.get('/sessions', async (req, res) => {
    const p = principal(req);
    const all = query(req, 'all') === 'true';
    const list = all ? await listAllCredentials(app, p) : await listCredentials(app, p, await target(req));
    const kind = kindOf(req);
    res.json(list.filter((c) => !kind || c.kind === kind).map((c) => view(c, req)));
  });

  r.delete('/sessions', async (req, res) => {
    const p = principal(req);
    const owner = await target(req);
    const kind = kindOf(req);
    const n = await revokeAllOf(app, p, owner, { ...(req.credential ? { keep: req.credential.id } : {}), ...(kind ? { kind } : {}) });
    app.log.info({ who: describe(p), owner: `${owner.kind}:${owner.id}`, revoked: n, ip: req.ip }, 'sessions revoked');
    res.json({ revoked: n });
  });

  r.get('/sessions/:id', async (req, res) => {
    res.json(view(await getCredential(app, principal(req), req.params.id), req));
  });

  r.delete('/sessions/:id', async (req, res) => {
    const p = principal(req);
    const c = await revokeCredential(app, p, req.params.id);
    app.log.info({ who: describe(p), session: c.id, owner: `${c.principalKind}:${c.principalId}`, ip: req.ip }, 'session revoked');
    if (c.id === req.credential?.id) endCookie(req, res);
    res.status(204).end();
  });
  return r;
}
