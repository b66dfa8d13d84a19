// Maps errors to `{ "error": { "code", "key", "params", "message", "details" } }` with the right
// status. `code` (validation_failed, not_found…) and `key` (the catalogue key, e.g.
// `validation.user_number`) are stable; `message` is the translation in the language the client
// prefers (Accept-Language, French by default), and each detail carries its field or line, key,
// params and message the same way. Anything that is not a DomainError is logged and answered as a
// plain 500 without internals.
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { DomainError, describeError, translatedDetails, type ErrorCode } from '../domain/errors.ts';
import { message as msg, type Message, type MessageParams, type Translate } from '../domain/messages.ts';
import { translator, type Lang } from '../i18n/catalogue.ts';
import { langFromAcceptLanguage } from '../i18n/lang.ts';
import type { Logger } from '../log.ts';
import { StoreError } from '../store/errors.ts';

const STATUS: Record<ErrorCode, number> = {
  validation_failed: 422,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  precondition_failed: 412,
  too_many_requests: 429,
  busy: 503,
};

/** The language of the API's messages for this request: Accept-Language, French by default. */
export const apiLang = (req: Request): Lang => langFromAcceptLanguage(req.get('accept-language'));

/** The catalogue in the client's language; the answer says which language it speaks. */
export function apiTranslator(req: Request, res: Response): Translate {
  const lang = apiLang(req);
  res.set('Content-Language', lang).vary('Accept-Language');
  return translator(lang);
}

export interface ErrorBody {
  error: { code: string; key: string; params: MessageParams; message: string; details: unknown[] };
}

/** An error answer with a catalogue message (`key` + `params`) and optional details. */
export function errorBody(code: string, m: Message, t: Translate, details: unknown[] = []): ErrorBody {
  return { error: { code, key: m.key, params: m.params ?? {}, message: t(m.key, m.params), details } };
}

export function domainErrorBody(err: DomainError, t: Translate): ErrorBody {
  return { error: { code: err.code, key: err.key, params: err.params, message: describeError(err, t), details: translatedDetails(err, t) } };
}

export const notFoundRoute: RequestHandler = (req, res) => {
  res.status(404).json(errorBody('not_found', msg('not_found.route', { method: req.method, path: req.path.slice(0, 200) }), apiTranslator(req, res)));
};

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const t = apiTranslator(req, res);
    if (err instanceof DomainError) {
      if (err.code === 'unauthenticated') res.set('WWW-Authenticate', 'Bearer realm="cadran"');
      if (err.code === 'busy' || err.code === 'too_many_requests') res.set('Retry-After', '1');
      res.status(STATUS[err.code]).json(domainErrorBody(err, t));
      return;
    }
    // Two writes raced and the database kept the first (e.g. the same id created twice).
    if (err instanceof StoreError && err.code === 'constraint') {
      res.status(409).json(errorBody('conflict', msg('conflict.concurrent_write'), t));
      return;
    }
    // A full disk: the write was rolled back whole (one transaction); say so, and who can fix it.
    if (err instanceof StoreError && err.code === 'full') {
      log.error({ err: err.message, method: req.method, path: req.path }, 'the database disk is full: write refused');
      res.status(507).json(errorBody('storage_full', msg('api.storage_full'), t));
      return;
    }
    if (err instanceof StoreError && err.code === 'unavailable') {
      log.error({ err: err.message, method: req.method, path: req.path }, 'the database is unavailable');
      res.status(503).set('Retry-After', '5').json(errorBody('unavailable', msg('api.unavailable'), t));
      return;
    }
    if (err instanceof StoreError && err.code === 'busy') {
      res.status(503).set('Retry-After', '1').json(errorBody('busy', msg('api.busy'), t));
      return;
    }
    // body-parser errors: malformed JSON, too large, wrong charset.
    const e = err as { type?: string; status?: number; message?: string };
    if (e.type === 'entity.parse.failed') {
      res.status(400).json(errorBody('bad_request', msg('api.bad_json'), t));
      return;
    }
    if (e.type === 'entity.too.large') {
      res.status(413).json(errorBody('payload_too_large', msg('api.too_large'), t));
      return;
    }
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      log.info({ err, method: req.method, path: req.path }, 'admin API request refused by the HTTP layer');
      res.status(e.status).json(errorBody('bad_request', msg('api.bad_request'), t));
      return;
    }
    log.error({ err, method: req.method, path: req.path }, 'unexpected error in admin API');
    res.status(500).json(errorBody('internal', msg('api.internal'), t));
  };
}
