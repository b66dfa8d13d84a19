import { Router } from 'express';
import { z } from 'zod';
import { parseInput } from '../../domain/schemas.ts';
import { principal, SESSION_COOKIE } from '../auth.ts';
import type { AppContext } from '../../app-context.ts';
import { bare, describe } from '../../auth/principal.ts';

export const loginBody = z.object({ login: z.string().trim().min(1).max(100), password: z.string().min(1).max(500) }).strict();

export function sessionsRouter(app: AppContext): Router {
  const r = Router();
  // Log in: a bearer token for scripts, and a session cookie for the web UI.
  r.post('/sessions', async (req, res) => {
    const { login, password } = parseInput(loginBody, req.body);
    const p = await app.auth.login(login, password, req.ip ?? 'unknown');
    const token = await app.auth.issueToken(p.kind === 'operator' ? 'operator' : 'user', p.kind === 'operator' ? p.login : p.kind === 'user' ? p.number : '', 'login');
    const { sessionId, csrfToken } = await app.auth.openSession(p);
    res.cookie(SESSION_COOKIE, sessionId, { httpOnly: true, sameSite: 'lax', secure: req.secure, path: '/' });
    app.log.info({ who: describe(p), ip: req.ip }, 'login');
    res.status(201).json({ token, csrfToken, principal: p });
  });
  r.get('/sessions/current', (req, res) => {
    res.json({ principal: bare(principal(req)), csrfToken: req.csrfToken ?? null });
  });
  r.delete('/sessions/current', async (req, res) => {
    const sid = (req.cookies as Record<string, string> | undefined)?.[SESSION_COOKIE];
    if (sid) await app.auth.closeSession(sid);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.status(204).end();
  });
  return r;
}
