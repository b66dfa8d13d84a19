// Rendering a page for the current visitor: the layout's navigation, flash message, errors, and
// the error pages (no stack trace ever reaches a browser).
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import type { AppContext } from '../app-context.ts';
import { DomainError, describeError } from '../domain/errors.ts';
import { StoreError } from '../store/errors.ts';
import type { Principal } from '../auth/principal.ts';
import { DEFAULT_LANG, hasMessage, translate, translator } from './i18n.ts';
import { CsrfError } from './session.ts';
import type { Views } from './views.ts';
import type { FormErrors } from './forms.ts';
import { postedVersions, staleText } from './stale.ts';

export interface NavItem {
  href: string;
  key: string;
  id: string;
}

export function navFor(p: Principal | undefined): NavItem[] {
  if (!p) return [];
  if (p.kind === 'operator' || p.kind === 'system') {
    return [
      { id: 'tenants', key: 'nav.tenants', href: '/ops/tenants' },
      { id: 'unknown', key: 'nav.unknown', href: '/ops/unknown' },
      { id: 'import', key: 'nav.import', href: '/ops/import' },
      ...(p.kind === 'operator' ? [{ id: 'account', key: 'nav.account', href: '/account' }] : []),
    ];
  }
  const own = `/users/${p.number}`;
  const items: NavItem[] = [
    { id: 'phone', key: 'nav.phone', href: `${own}/phone` },
    { id: 'keys', key: 'nav.keys', href: `${own}/keys` },
    { id: 'contacts', key: 'nav.contacts', href: `${own}/contacts` },
    { id: 'account', key: 'nav.account', href: '/account' },
  ];
  if (p.role === 'admin') {
    const t = `/tenants/${p.tenantId}`;
    items.push(
      { id: 'licences', key: 'nav.licences', href: `${t}/users` },
      { id: 'devices', key: 'nav.devices', href: `${t}/devices` },
      { id: 'network', key: 'nav.network', href: `${t}/network` },
    );
  }
  return items;
}

/** Where a visitor lands after logging in. */
export function homeOf(p: Principal): string {
  return navFor(p)[0]?.href ?? '/login';
}

/** Query parameters a flash message may show (how many lines were written…). */
const FLASH_COUNTS = ['created', 'updated', 'rejected', 'count'] as const;

export interface Renderer {
  (req: Request, res: Response, page: string, data?: Record<string, unknown>, status?: number): void;
}

export function makeRenderer(views: Views): Renderer {
  return (req, res, page, data = {}, status = 200) => {
    const web = req.web!;
    const p = web.principal;
    const me = web.me;
    const active = typeof data.active === 'string' ? data.active : '';
    const done = typeof req.query.done === 'string' && hasMessage(`flash.${req.query.done}`) ? `flash.${req.query.done}` : undefined;
    // Counts of what was written travel with the flash key (whole numbers only; anything else is dropped).
    const flashVars: Record<string, number> = {};
    for (const k of FLASH_COUNTS) {
      const v = req.query[k];
      if (typeof v === 'string' && /^\d{1,9}$/.test(v)) flashVars[k] = Number(v);
    }
    const flashText = done ? translate(web.lang, done, flashVars) : undefined;
    const errors = data.errors as FormErrors | undefined;
    const titleKey = typeof data.titleKey === 'string' ? data.titleKey : 'app.name';
    const html = views.render(page, {
      lang: web.lang,
      otherLang: web.lang === 'fr' ? 'en' : 'fr',
      csrf: web.csrf,
      title: translate(web.lang, titleKey, (data.titleVars ?? {}) as Record<string, unknown>),
      me,
      nav: navFor(p).map((n) => ({ ...n, active: n.id === active })),
      // A flash whose counts are missing (a hand-typed address) is not shown half-filled.
      flash: flashText && !/\{\w+\}/.test(flashText) ? flashText : undefined,
      fieldErrors: errors?.fields ?? {},
      generalError: errors?.general,
      // A form shown again after a refused submit keeps the version it was built from (stale.ts).
      postedVersions: postedVersions(req),
      ...data,
    });
    res.status(status).type('html').set('Cache-Control', 'no-store').send(html);
  };
}

/** Error key shown for each DomainError code. */
const ERROR_PAGE: Record<string, { status: number; key: string }> = {
  not_found: { status: 404, key: 'error.not_found' },
  forbidden: { status: 403, key: 'error.forbidden' },
  validation_failed: { status: 422, key: 'error.invalid' },
  conflict: { status: 409, key: 'error.conflict' },
  too_many_requests: { status: 429, key: 'error.too_many' },
};

export function notFoundPage(render: Renderer): RequestHandler {
  return (req, res) => render(req, res, 'error', { titleKey: 'error.title', messageKey: 'error.not_found' }, 404);
}

export function webErrorHandler(app: AppContext, render: Renderer): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (res.headersSent) return void res.end();
    if (!req.web) req.web = { lang: DEFAULT_LANG, csrf: '' };
    if (err instanceof CsrfError) {
      return render(req, res, 'error', { titleKey: 'error.title', messageKey: 'error.csrf' }, 403);
    }
    if (err instanceof DomainError) {
      if (err.code === 'unauthenticated') return res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
      // A form without its own handling of a stale version (a deletion): nothing written, and who changed it.
      if (err.code === 'precondition_failed' && err.key.startsWith('stale.') && req.web.principal) {
        const show = (detail?: string) => render(req, res, 'error', { titleKey: 'error.title', messageKey: 'error.stale', detail }, 409);
        staleText(app, req, err).then(show, () => show(describeError(err, translator(req.web!.lang))));
        return;
      }
      const e = ERROR_PAGE[err.code] ?? { status: 400, key: 'error.invalid' };
      // What is missing or forbidden is not said (nothing to probe); other errors say what went wrong.
      const detail = err.code === 'not_found' || err.code === 'forbidden' ? undefined : describeError(err, translator(req.web.lang));
      return render(req, res, 'error', { titleKey: 'error.title', messageKey: e.key, detail }, e.status);
    }
    if (err instanceof StoreError && err.code === 'constraint') {
      return render(req, res, 'error', { titleKey: 'error.title', messageKey: 'error.conflict' }, 409);
    }
    if (err instanceof StoreError && err.code === 'full') {
      app.log.error({ err: err.message, method: req.method, path: req.path }, 'the database disk is full: write refused');
      return render(req, res, 'error', { titleKey: 'error.title', messageKey: 'error.storage_full' }, 507);
    }
    if (err instanceof StoreError && (err.code === 'busy' || err.code === 'unavailable')) {
      return render(req, res, 'error', { titleKey: 'error.title', messageKey: 'error.busy' }, 503);
    }
    const status = (err as { status?: number }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return render(req, res, 'error', { titleKey: 'error.title', messageKey: status === 413 ? 'error.too_large' : status === 404 ? 'error.not_found' : 'error.bad_request' }, status);
    }
    app.log.error({ err, method: req.method, path: req.path }, 'unexpected error in web page');
    try {
      render(req, res, 'error', { titleKey: 'error.title', messageKey: 'error.internal' }, 500);
    } catch {
      res.status(500).type('text/plain').send(`${translate(req.web?.lang ?? DEFAULT_LANG, 'error.internal')}\n`);
    }
  };
}
