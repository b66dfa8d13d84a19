// Optimistic concurrency on the API (issue 12, finding 10): every record answers with an `ETag`
// naming its version, and a write may carry `If-Match: <that ETag>`; when the record changed
// since, the write is refused with 412 `precondition_failed` instead of silently undoing the
// other change. Without If-Match a write still never reverts another one: services merge the
// request onto the row as it is (see service/context.ts versionedWrite).
import type { Request, Response } from 'express';
import { DomainError } from '../domain/errors.ts';
import type { WriteOptions } from '../service/context.ts';

/** The ETag of a version: `"v3"`. */
export const etagOf = (version: number): string => `"v${version}"`;

export function sendVersion(res: Response, version: number): void {
  res.set('ETag', etagOf(version));
}

/** A route that answers 204 No Content once `work` is done (the deletes). */
export const noContent = (work: (req: Request<Record<string, string>>) => Promise<unknown>) => async (req: Request<Record<string, string>>, res: Response): Promise<void> => {
  await work(req);
  res.status(204).end();
};

/** A versioned record as the answer: its ETag, then its JSON (200 unless `status` says otherwise). */
export function sendVersioned(res: Response, version: number, body: unknown, status = 200): void {
  sendVersion(res, version);
  res.status(status).json(body);
}

/**
 * `If-Match: "v3"` (or `W/"v3"`) → `{ ifVersion: 3 }`; `*` or no header → no condition. A tag
 * that names no version of cadran's can never match: 412.
 */
export function writeOptions(req: Request): WriteOptions {
  const raw = req.get('if-match');
  if (raw === undefined || raw.trim() === '' || raw.trim() === '*') return {};
  const m = /^\s*(?:W\/)?"v(\d{1,15})"\s*$/.exec(raw);
  if (!m) {
    throw new DomainError('precondition_failed', 'precondition.if_match_invalid', {}, [{ field: 'If-Match', key: 'precondition.if_match_invalid' }]);
  }
  return { ifVersion: Number(m[1]) };
}
