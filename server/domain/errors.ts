// Errors as values: a `code` the edges map to an HTTP status (stable, scripts rely on it), a
// catalogue `key` with its `params` saying what went wrong, and `details` naming each offending
// field or line with its own key. The domain, the services and the features throw DomainError
// with keys only; the edges translate (describeError) in the language of the person reading.
import { message, messageForLog, type Message, type MessageParams, type Translate } from './messages.ts';

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
  /** The input field (`number`, `keys.3.value`, `ntpServers.1`) or file column concerned. */
  field?: string;
  /** The line of an uploaded file (1 = its header line). */
  line?: number;
  /** Catalogue key of the problem (e.g. `validation.user_number`), stable. */
  key: string;
  params?: MessageParams;
  /** Stable code of this detail when the rule has one (e.g. `vendor_parameter.name_invalid`). */
  code?: string;
}

export class DomainError extends Error {
  /** Catalogue key of the whole error: the first detail's key when there are details. */
  readonly key: string;
  readonly params: MessageParams;
  constructor(
    readonly code: ErrorCode,
    key: string,
    params: MessageParams = {},
    readonly details: ErrorDetail[] = [],
  ) {
    // The JS message is for logs only; people read the translation of key + params.
    super(messageForLog({ key, params }));
    this.name = 'DomainError';
    this.key = key;
    this.params = params;
  }
}

const detail = (d: { field?: string; line?: number }, key: string, params?: MessageParams): ErrorDetail => ({
  ...(d.field !== undefined ? { field: d.field } : {}),
  ...(d.line !== undefined ? { line: d.line } : {}),
  ...message(key, params),
});

/** A field breaks a rule or a format. */
export const invalid = (field: string, key: string, params?: MessageParams): DomainError =>
  new DomainError('validation_failed', key, params, [detail({ field }, key, params)]);

/** Several problems at once (every field of a form, every key of a list); the first names the error. */
export function invalidAll(details: ErrorDetail[]): DomainError {
  const first = details[0];
  if (!first) throw new Error('invalidAll needs at least one detail');
  return new DomainError('validation_failed', first.key, first.params, details);
}

/** A problem with an uploaded file, at a line when known. */
export const invalidFile = (key: string, params?: MessageParams, line?: number, field = 'file'): DomainError =>
  new DomainError('validation_failed', key, params, [detail({ field, ...(line !== undefined ? { line } : {}) }, key, params)]);

/** `key` is a `not_found.…` key naming what is missing (`not_found.tenant` with `{id}`). */
export const notFound = (key: string, params?: MessageParams): DomainError => new DomainError('not_found', key, params);

export const conflict = (field: string, key: string, params?: MessageParams): DomainError =>
  new DomainError('conflict', key, params, [detail({ field }, key, params)]);

export const forbidden = (key = 'forbidden.default', params?: MessageParams): DomainError => new DomainError('forbidden', key, params);

/** Fields that are not something a person typed: not named in front of the message. */
const UNNAMED_FIELDS = new Set(['(body)', 'body', 'file', 'header']);

/** One detail's message alone, as shown next to its form field. */
export const detailText = (d: Message, t: Translate): string => t(d.key, d.params);

/** One detail with where it is: `ligne 3 : …` / `line 3: …`, `vlanId : …` / `vlanId: …`. */
export function describeDetail(d: ErrorDetail, t: Translate): string {
  const text = detailText(d, t);
  if (d.line !== undefined) return t('error.at_line', { line: d.line, message: text });
  if (d.field !== undefined && !UNNAMED_FIELDS.has(d.field)) return t('error.at_field', { field: d.field, message: text });
  return text;
}

/** The whole error in one sentence: its first detail (and how many more), or its own key. */
export function describeError(e: DomainError, t: Translate): string {
  const [first, ...rest] = e.details;
  if (!first) return t(e.key, e.params);
  const text = describeDetail(first, t);
  return rest.length ? t('error.and_more', { message: text, count: rest.length }) : text;
}

/** The details with their translation added (what the REST API answers). */
export const translatedDetails = (e: DomainError, t: Translate) =>
  e.details.map((d) => ({ ...d, params: d.params ?? {}, message: detailText(d, t) }));

/** The record changed since the version the caller read: nothing was written. `what` is a `stale.…` key naming it. */
export const stale = (what: Message): DomainError => new DomainError('precondition_failed', what.key, what.params);
