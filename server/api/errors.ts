// Maps errors to `{ "error": { "code", "message", "details" } }` with the right status. Anything
// that is not a DomainError is logged and answered as a plain 500 without internals.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { DomainError, type ErrorCode } from '../domain/errors.ts';
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

export function errorBody(code: string, message: string, details: unknown[] = []) {
  return { error: { code, message, details } };
}

export const notFoundRoute: RequestHandler = (req, res) => {
  res.status(404).json(errorBody('not_found', `no such API route: ${req.method} ${req.path}`));
};

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (err instanceof DomainError) {
      if (err.code === 'unauthenticated') res.set('WWW-Authenticate', 'Bearer realm="cadran"');
      if (err.code === 'busy' || err.code === 'too_many_requests') res.set('Retry-After', '1');
      res.status(STATUS[err.code]).json(errorBody(err.code, err.message, err.details));
      return;
    }
    // Two writes raced and the database kept the first (e.g. the same id created twice).
    if (err instanceof StoreError && err.code === 'constraint') {
      res.status(409).json(errorBody('conflict', 'this conflicts with data saved at the same moment; reload and try again'));
      return;
    }
    if (err instanceof StoreError && err.code === 'busy') {
      res.status(503).set('Retry-After', '1').json(errorBody('busy', 'the database is busy; try again in a moment'));
      return;
    }
    // body-parser errors: malformed JSON, too large, wrong charset.
    const e = err as { type?: string; status?: number; message?: string };
    if (e.type === 'entity.parse.failed') {
      res.status(400).json(errorBody('bad_request', 'the request body is not valid JSON'));
      return;
    }
    if (e.type === 'entity.too.large') {
      res.status(413).json(errorBody('payload_too_large', 'the request body is too large'));
      return;
    }
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      res.status(e.status).json(errorBody('bad_request', e.message ?? 'bad request'));
      return;
    }
    log.error({ err, method: req.method, path: req.path }, 'unexpected error in admin API');
    res.status(500).json(errorBody('internal', 'internal error; the details are in the server log'));
  };
}
