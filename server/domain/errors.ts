// Errors as values with a code the API maps to an HTTP status. The domain and the store throw
// DomainError; nothing else should reach a client.

export type ErrorCode =
  | 'validation_failed' // 400/422: the input is malformed or breaks a rule
  | 'unauthenticated' // 401
  | 'forbidden' // 403
  | 'not_found' // 404
  | 'conflict' // 409: duplicate or owned elsewhere
  | 'precondition_failed' // 412: the record changed since the version the caller edited (If-Match, a form's version)
  | 'too_many_requests' // 429
  | 'busy'; // 503: the database stayed busy; nothing was written

export interface ErrorDetail {
  field?: string;
  line?: number;
  message: string;
  /** Stable code of this detail when the rule has one (e.g. `vendor_parameter.name_invalid`). */
  code?: string;
}

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const invalid = (field: string, message: string): DomainError =>
  new DomainError('validation_failed', `${field}: ${message}`, [{ field, message }]);

export const notFound = (what: string): DomainError => new DomainError('not_found', `${what} not found`);

export const conflict = (field: string, message: string): DomainError =>
  new DomainError('conflict', message, [{ field, message }]);

export const forbidden = (message = 'you may not do this'): DomainError => new DomainError('forbidden', message);

/** The record changed since the version the caller read: nothing was written. */
export const stale = (what: string): DomainError =>
  new DomainError('precondition_failed', `${what} was changed by someone else since you read it: nothing was saved; reload it and make your change again`);
