// The catalogue as tests read it: errors and report reasons rendered in English (where a test
// checks wording) or French (the default every person gets).
import { describeError, type DomainError } from '../../server/domain/errors.ts';
import type { Translate } from '../../server/domain/messages.ts';
import { translator } from '../../server/i18n/catalogue.ts';
import { reasonText, type ImportReport } from '../../server/imports/report.ts';

export const en: Translate = translator('en');
export const fr: Translate = translator('fr');

/** The whole error as an English-speaking client reads it. */
export const inEnglish = (e: DomainError): string => describeError(e, en);
/** The whole error as a French-speaking client reads it (the default). */
export const inFrench = (e: DomainError): string => describeError(e, fr);

/** Line → `rejected: <key>` or the status: what the domain decided, by stable key. */
export const keysByLine = (r: ImportReport): Record<number, string> =>
  Object.fromEntries(r.lines.map((l) => [l.line, l.status === 'rejected' ? `rejected: ${l.reason?.key ?? ''}` : l.status]));

/** Line → `rejected: <reason in this language>` or the status. */
export const textByLine = (r: ImportReport, t: Translate = en): Record<number, string> =>
  Object.fromEntries(r.lines.map((l) => [l.line, l.status === 'rejected' ? `rejected: ${l.reason ? reasonText(l.reason, t) : ''}` : l.status]));
