// The report of an import, line by line, shared by the MAC and the contacts imports. Every
// accepted line keeps a small entry; rejected lines keep their detail up to a cap (a file of
// garbage must not grow memory), the rest only counted.

export type LineStatus = 'created' | 'updated' | 'unchanged' | 'rejected';
export type ImportMode = 'all-or-nothing' | 'skip-invalid';

export interface ReportLine {
  line: number;
  /** MAC imports: the MAC as `80:5e:c0:d5:7d:72` (or as written, when it is not one). */
  mac?: string;
  /** Contacts imports: the contact's name. */
  name?: string;
  status: LineStatus;
  reason?: string;
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
  /** In line order. */
  lines: ReportLine[];
  /** Rejected lines counted but not listed in `lines` (beyond the detail cap). */
  rejectedNotListed: number;
  /** Header columns that were ignored, and similar remarks. */
  warnings: string[];
  /** One sentence for people. */
  message: string;
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
  readonly counts = { created: 0, updated: 0, unchanged: 0, rejected: 0 };
  rejectedNotListed = 0;
  readonly warnings: string[] = [];

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

  finish(opts: { dryRun: boolean; mode: ImportMode; applied: boolean; what: string }): ImportReport {
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
      message: summarize(c, opts),
    };
  }
}

function summarize(c: ReportBuilder['counts'], opts: { dryRun: boolean; mode: ImportMode; applied: boolean; what: string }): string {
  const counts = `${c.created} created, ${c.updated} updated, ${c.unchanged} unchanged, ${c.rejected} rejected`;
  if (opts.dryRun) {
    if (c.rejected > 0 && opts.mode === 'all-or-nothing') {
      return `dry run: nothing written; a real import would write nothing because ${plural(c.rejected, 'line is', 'lines are')} rejected (${counts})`;
    }
    return `dry run: nothing written; a real import would give ${counts}`;
  }
  if (!opts.applied) return `nothing written: ${plural(c.rejected, 'line is', 'lines are')} rejected and the import is all-or-nothing (${counts})`;
  return `${opts.what} imported: ${counts}${c.rejected ? ' (rejected lines skipped)' : ''}`;
}

export const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/** The report as CSV (API `Accept: text/csv`): one row per listed line. */
export function reportToCsv(r: ImportReport): string {
  const q = (v: string | number | undefined) => {
    const s = v === undefined ? '' : String(v);
    // A leading = + - @ would be run as a formula by a spreadsheet.
    const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
    return /[",\n\r;]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  const key = r.lines.some((l) => l.name !== undefined) ? 'name' : 'mac';
  const out = [`line,${key},status,reason`];
  for (const l of r.lines) out.push([l.line, key === 'name' ? l.name : l.mac, l.status, l.reason].map(q).join(','));
  return out.join('\r\n') + '\r\n';
}
