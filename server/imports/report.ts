// The report of an import, line by line, shared by the MAC and the contacts imports. Every
// accepted line keeps a small entry; rejected lines keep their detail up to a cap (a file of
// garbage must not grow memory), the rest only counted. Reasons, warnings and the summary are
// catalogue keys with parameters; `localizeReport` gives the edges the report in a language.
import { describeDetail } from '../domain/errors.ts';
import { message, type Message, type MessageParams, type Translate } from '../domain/messages.ts';

/**
 * `added`: a line handed to an address book by someone who does not read it (an admin or an
 * operator adding to a user's personal contacts): in the book after the import, created or already
 * there — which of the two is not said, the book being private to its user.
 */
export type LineStatus = 'created' | 'updated' | 'unchanged' | 'rejected' | 'added';
export type ImportMode = 'all-or-nothing' | 'skip-invalid';

/** Why a line is rejected (or counted once): a catalogue key, and the column it concerns. */
export interface LineReason extends Message {
  field?: string;
}

export interface ReportLine {
  line: number;
  /** MAC imports: the MAC as `80:5e:c0:d5:7d:72` (or as written, when it is not one). */
  mac?: string;
  /** Contacts imports: the contact's name. */
  name?: string;
  status: LineStatus;
  reason?: LineReason;
}

export interface ImportReport {
  dryRun: boolean;
  mode: ImportMode;
  /** True when the changes were written (never for a dry run). */
  applied: boolean;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  /** Lines handed to a personal address book by an admin or an operator (LineStatus `added`); 0 otherwise. */
  added: number;
  /** In line order. */
  lines: ReportLine[];
  /** Rejected lines counted but not listed in `lines` (beyond the detail cap). */
  rejectedNotListed: number;
  /** Header columns that were ignored, and similar remarks. */
  warnings: Message[];
  /** What happened, in one sentence for people once translated. */
  summary: Message;
}

export interface ImportOptions {
  dryRun?: boolean;
  mode?: ImportMode;
  /** Rejected lines kept in detail (default 10,000). */
  maxRejectedDetail?: number;
}

export const DEFAULT_MAX_REJECTED_DETAIL = 10_000;

export class ReportBuilder {
  private readonly lines: ReportLine[] = [];
  private sorted = true;
  private lastLine = 0;
  readonly counts = { created: 0, updated: 0, unchanged: 0, rejected: 0, added: 0 };
  rejectedNotListed = 0;
  readonly warnings: Message[] = [];

  constructor(private readonly maxRejectedDetail = DEFAULT_MAX_REJECTED_DETAIL) {}

  /** False once rejected lines are only counted: their reason need not be worked out. */
  keepsRejectedDetail(): boolean {
    return this.counts.rejected < this.maxRejectedDetail;
  }

  add(entry: ReportLine): void {
    this.counts[entry.status]++;
    if (entry.status === 'rejected' && this.counts.rejected > this.maxRejectedDetail) {
      this.rejectedNotListed++;
      return;
    }
    if (entry.line < this.lastLine) this.sorted = false;
    this.lastLine = entry.line;
    this.lines.push(entry);
  }

  finish(opts: { dryRun: boolean; mode: ImportMode; applied: boolean; what: 'devices' | 'contacts' | 'deposit' }): ImportReport {
    if (!this.sorted) this.lines.sort((a, b) => a.line - b.line);
    const c = this.counts;
    return {
      dryRun: opts.dryRun,
      mode: opts.mode,
      applied: opts.applied,
      ...c,
      lines: this.lines,
      rejectedNotListed: this.rejectedNotListed,
      warnings: this.warnings,
      summary: summarize(c, opts),
    };
  }
}

/**
 * The summary's key: `import.summary.<dry_run|dry_run_blocked|nothing_written|devices|contacts>[_skipped]`;
 * an import into someone else's address book (`deposit`) says `added`, never created / unchanged.
 */
function summarize(c: ReportBuilder['counts'], opts: { dryRun: boolean; mode: ImportMode; applied: boolean; what: 'devices' | 'contacts' | 'deposit' }): Message {
  const { added, ...rest } = c;
  if (opts.what === 'deposit') {
    // Only what the importer may know: lines handed to the book, lines of the file repeating others, rejected.
    const counts: MessageParams = { added, unchanged: c.unchanged, rejected: c.rejected };
    if (opts.dryRun) return message(c.rejected > 0 && opts.mode === 'all-or-nothing' ? 'import.summary.dry_run_blocked_deposit' : 'import.summary.dry_run_deposit', counts);
    if (!opts.applied) return message('import.summary.nothing_written_deposit', counts);
    return message(c.rejected ? 'import.summary.deposit_skipped' : 'import.summary.deposit', counts);
  }
  const counts: MessageParams = { ...rest };
  if (opts.dryRun) return message(c.rejected > 0 && opts.mode === 'all-or-nothing' ? 'import.summary.dry_run_blocked' : 'import.summary.dry_run', counts);
  if (!opts.applied) return message('import.summary.nothing_written', counts);
  const what = opts.what === 'devices' ? 'import.summary.devices' : 'import.summary.contacts';
  return message(c.rejected ? `${what}_skipped` : what, counts);
}

/** A report line as the edges show it: the reason translated, its key and parameters kept. */
export interface ReportLineView {
  line: number;
  mac?: string;
  name?: string;
  status: LineStatus;
  /** The reason in the reader's language. */
  reason?: string;
  /** Stable key of the reason (`import_line.duplicate_mac`, `validation.user_number`…). */
  key?: string;
  params?: MessageParams;
  /** The column the reason concerns, when it is one. */
  field?: string;
}

/** The report as the edges give it (API JSON, cockpit, CLI): texts translated, keys kept. */
export interface ImportReportView extends Omit<ImportReport, 'lines' | 'warnings' | 'summary'> {
  lines: ReportLineView[];
  /** Remarks in the reader's language, and the same as keys. */
  warnings: string[];
  warningKeys: Message[];
  /** The summary in the reader's language, and as a key. */
  message: string;
  summary: Message;
}

export const reasonText = (r: LineReason, t: Translate): string =>
  describeDetail({ ...(r.field !== undefined ? { field: r.field } : {}), key: r.key, ...(r.params ? { params: r.params } : {}) }, t);

export function localizeLine(l: ReportLine, t: Translate): ReportLineView {
  const { reason, ...rest } = l;
  if (!reason) return rest;
  return { ...rest, reason: reasonText(reason, t), key: reason.key, params: reason.params ?? {}, ...(reason.field !== undefined ? { field: reason.field } : {}) };
}

export function localizeReport(r: ImportReport, t: Translate): ImportReportView {
  const { lines, warnings, summary, ...rest } = r;
  return {
    ...rest,
    lines: lines.map((l) => localizeLine(l, t)),
    warnings: warnings.map((w) => t(w.key, w.params)),
    warningKeys: warnings,
    message: t(summary.key, summary.params),
    summary,
  };
}

/** The report as CSV (API `Accept: text/csv`): one row per listed line, reasons translated. */
export function reportToCsv(r: ImportReportView): string {
  const q = (v: string | number | undefined) => {
    const s = v === undefined ? '' : String(v);
    // A leading = + - @ would be run as a formula by a spreadsheet.
    const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
    return /[",\n\r;]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  const key = r.lines.some((l) => l.name !== undefined) ? 'name' : 'mac';
  const out = [`line,${key},status,reason,key`];
  for (const l of r.lines) out.push([l.line, key === 'name' ? l.name : l.mac, l.status, l.reason, l.key].map(q).join(','));
  return out.join('\r\n') + '\r\n';
}
