// Errors of the storage layer, the same whatever the engine: callers test `code`, never a
// driver's own error codes (SQLITE_…, PostgreSQL SQLSTATE).

export type StoreErrorCode =
  /** A uniqueness, foreign-key or check constraint refused the write (e.g. two creates raced). */
  | 'constraint'
  /** The database stayed locked or busy longer than the configured wait; retrying may work. */
  | 'busy'
  /** The disk (or the database's size limit) is full: nothing of the write was kept. */
  | 'full'
  /** The database cannot be reached or opened. */
  | 'unavailable'
  /** Anything else the engine reported. */
  | 'failed';

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreError';
  }
}

export const isStoreError = (e: unknown, code?: StoreErrorCode): e is StoreError =>
  e instanceof StoreError && (code === undefined || e.code === code);
