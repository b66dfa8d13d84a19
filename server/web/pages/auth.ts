// Login, logout and the forgotten-password flow (single-use link by e-mail).
import { Router } from 'express';
import type { AppContext } from '../../app-context.ts';
import { SESSION_COOKIE } from '../../api/auth.ts';
import { describe } from '../../auth/principal.ts';
import { DomainError } from '../../domain/errors.ts';
import { PasswordResets, RESET_TTL_MS, mailSetup, resetLink, sendMail } from '../../service/password-reset.ts';
import { field, tr, formErrors } from '../forms.ts';
import { translate } from '../i18n.ts';
import { homeOf, type Renderer } from '../page.ts';
import { cookieOptions, setSessionCookie } from '../session.ts';

/** Only local paths: `next=` must not send the visitor to another site. */
function safeNext(raw: unknown): string | undefined {
  return typeof raw === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(raw) && !raw.startsWith('/login') ? raw : undefined;
}

export function authPages(app: AppContext, render: Renderer): Router {
  const r = Router();
  const resets = new PasswordResets(app.store);

  r.get('/', (req, res) => {
    const p = req.web!.principal;
    res.redirect(303, p ? homeOf(p) : '/login');
  });

  r.get('/login', (req, res) => {
    const p = req.web!.principal;
    if (p) return res.redirect(303, safeNext(req.query.next) ?? homeOf(p));
    render(req, res, 'login', { titleKey: 'login.title', next: safeNext(req.query.next), form: {} });
  });

  r.post('/login', async (req, res) => {
    const lang = req.web!.lang;
    const login = field(req, 'login');
    const password = typeof req.body?.password === 'string' ? (req.body.password as string) : '';
    const next = safeNext(field(req, 'next'));
    const again = (fields: Record<string, string>, general?: string, status = 422) =>
      render(req, res, 'login', { titleKey: 'login.title', next, form: { login }, errors: { fields, general } }, status);
    const fields: Record<string, string> = {};
    if (!login) fields.login = translate(lang, 'login.login_required');
    if (!password) fields.password = translate(lang, 'login.password_required');
    if (Object.keys(fields).length) return again(fields);
    try {
      const p = await app.auth.login(login.slice(0, 100), password.slice(0, 500), req.ip ?? 'unknown');
      // A fresh session id at login (no fixation); the anonymous CSRF cookie is no longer needed.
      if (req.web!.credential) await app.auth.revoke(req.web!.credential.id);
      const { sessionId, credential } = await app.auth.openSession(p, { address: req.ip ?? null, userAgent: req.get('user-agent') ?? null }, 'web');
      setSessionCookie(req, res, app, sessionId);
      app.log.info({ who: describe(p), ip: req.ip, session: credential.id }, 'web login');
      res.redirect(303, next ?? homeOf(p));
    } catch (e) {
      // Too many attempts, or every password check busy (auth.server_busy): each said as such.
      if (e instanceof DomainError && e.code === 'too_many_requests') return again({}, translate(lang, e.key === 'auth.server_busy' ? e.key : 'login.too_many'), 429);
      if (e instanceof DomainError && e.code === 'unauthenticated') return again({}, translate(lang, 'login.wrong'), 401);
      throw e;
    }
  });

  r.post('/logout', async (req, res) => {
    // The session ends on the server, not only in this browser: the cookie no longer works anywhere.
    if (req.web!.credential) await app.auth.revoke(req.web!.credential.id);
    res.clearCookie(SESSION_COOKIE, cookieOptions(req, app));
    res.redirect(303, '/login?done=logged_out');
  });

  // Links are mailed only when both an SMTP server and the cockpit's public URL are configured;
  // otherwise the page says so plainly and sends nothing.
  const mail = mailSetup(app.config);
  if (!mail.ready) app.log.info({ missing: mail.missing }, 'password reset by e-mail disabled: set ' + mail.missing.join(' and '));

  r.get('/password/forgot', (req, res) => {
    render(req, res, 'forgot', { titleKey: 'forgot.title', form: {}, unavailable: !mail.ready });
  });

  r.post('/password/forgot', async (req, res) => {
    const lang = req.web!.lang;
    if (!mail.ready) return render(req, res, 'forgot', { titleKey: 'forgot.title', form: {}, unavailable: true }, 503);
    const number = field(req, 'number');
    if (!/^\d{10}$/.test(number)) {
      return render(req, res, 'forgot', { titleKey: 'forgot.title', form: { number }, errors: { fields: { number: translate(lang, 'forgot.number_invalid') } } }, 422);
    }
    // Same answer whether or not the number exists or has an e-mail: nothing to enumerate.
    const user = await app.store.users.get(number);
    if (user?.email) {
      const token = await resets.issue(number);
      if (token) {
        // Only the configured public URL: never the Host the request named (anyone can send one).
        const link = resetLink(mail.baseUrl, token);
        const vars = { name: user.name, link, minutes: RESET_TTL_MS / 60_000 };
        sendMail(app.config.smtp, { to: user.email, subject: translate(lang, 'mail.reset.subject'), text: translate(lang, 'mail.reset.body', vars) })
          .catch((err: unknown) => app.log.error({ err, user: number }, 'could not send the password reset e-mail'));
      }
    }
    render(req, res, 'forgot', { titleKey: 'forgot.title', sent: true, form: {} });
  });

  r.get('/password/reset/:token', async (req, res) => {
    const valid = !!(await resets.peek(req.params.token));
    render(req, res, 'reset', { titleKey: 'reset.title', token: req.params.token, expired: !valid }, valid ? 200 : 410);
  });

  r.post('/password/reset/:token', async (req, res) => {
    const lang = req.web!.lang;
    const token = req.params.token;
    const password = typeof req.body?.password === 'string' ? (req.body.password as string) : '';
    const confirm = typeof req.body?.confirm === 'string' ? (req.body.confirm as string) : '';
    const again = (fields: Record<string, string>) => render(req, res, 'reset', { titleKey: 'reset.title', token, errors: { fields } }, 422);
    if (password !== confirm) return again({ confirm: translate(lang, 'reset.mismatch') });
    try {
      const number = await resets.consume(app, token, password, { channel: 'web', address: req.ip ?? 'unknown' });
      if (!number) return render(req, res, 'reset', { titleKey: 'reset.title', token, expired: true }, 410);
      app.log.info({ user: number, ip: req.ip }, 'password reset through an e-mailed link: every session and token of this user revoked');
      res.redirect(303, '/login?done=password_reset');
    } catch (e) {
      if (e instanceof DomainError && e.code === 'validation_failed') return again(formErrors(e, tr(req), () => 'password').fields);
      throw e;
    }
  });
  return r;
}
