// Small pieces both imports share.
import { DomainError, invalid } from '../domain/errors.ts';
import { StoreError } from '../store/errors.ts';
import type { Store } from '../store/types.ts';
import type { ServiceDeps } from '../service/context.ts';
import type { Metrics } from '../metrics.ts';
import type { ImportMode, ImportReport, LineReason, LineStatus, ReportBuilder, ReportLine } from './report.ts';
import { AUDIT_IMPORT_LINES, diffStates, type AuditChange } from '../domain/audit.ts';
import type { Actor } from '../auth/principal.ts';
import { recordAudit } from '../service/audit.ts';

/** What an import needs: the store, the change feed, and (in a server) the counters of lines. */
export type ImportDeps = ServiceDeps & { metrics?: Pick<Metrics, 'importLines'> };

/** Counts the report's lines by outcome (written or not) and hands the report back. */
export function counted(deps: ImportDeps, kind: 'devices' | 'contacts', report: ImportReport): ImportReport {
  deps.metrics?.importLines(kind, report, report.applied);
  return report;
}

export type ImportProgress = { phase: 'read'; bytes: number } | { phase: 'apply'; done: number; total: number };

/** Thrown inside the store transaction to undo it (dry run, all-or-nothing with rejections). */
class Rollback extends Error {
  constructor() {
    super('import rolled back');
  }
}

/** A domain error as a report line's reason (its first detail, with the column); anything else is a bug and propagates. */
export function reasonOf(e: unknown): LineReason {
  if (e instanceof DomainError) {
    const d = e.details[0];
    if (!d) return { key: e.key, ...(Object.keys(e.params).length ? { params: e.params } : {}) };
    return { key: d.key, ...(d.params ? { params: d.params } : {}), ...(d.field !== undefined ? { field: d.field } : {}) };
  }
  if (e instanceof StoreError) return e.code === 'constraint' ? { key: 'import_line.db_constraint' } : { key: 'import_line.db_failed', params: { code: e.code } };
  throw e;
}

/** `true`/`1`/`yes` → true; absent → undefined; anything else is an error naming the parameter. */
export function parseFlag(name: string, v: unknown): boolean | undefined {
  if (v === undefined || v === '') return undefined;
  if (typeof v === 'string') {
    const s = v.toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(s)) return true;
    if (['false', '0', 'no', 'off'].includes(s)) return false;
  }
  throw invalid(name, 'validation.flag');
}

/** What pass 2 decided for one line: a rejection, nothing to do, or a row to write. */
export type Outcome<W> = { reason: LineReason } | 'unchanged' | { status: 'created' | 'updated'; row: W };

export interface ApplyOptions<C, W> {
  mode: ImportMode;
  dryRun: boolean;
  report: ReportBuilder;
  /** How a line is named in the report: its MAC or its contact name. */
  key: 'mac' | 'name';
  label: (c: C) => string;
  /** Run first inside the transaction (read the state the decisions depend on). */
  before?: (tx: Store) => Promise<void>;
  decide: (c: C, tx: Store) => Promise<Outcome<W>>;
  write: (c: C, row: W, status: 'created' | 'updated', tx: Store) => Promise<void>;
  /** Run last inside the transaction when it is going to commit (the audit entry). */
  beforeCommit?: (tx: Store) => Promise<void>;
  onProgress?: (p: ImportProgress) => void;
}

/**
 * Pass 2 of an import: decide and write every line inside ONE store transaction (every read and
 * write of `before`, `decide` and `write` goes through the transaction's store, `tx`). In
 * all-or-nothing mode the first rejection stops the writes and the transaction is rolled back
 * at the end (deciding goes on, so the report is complete); a dry run never writes. Returns
 * whether the transaction was committed.
 */
export async function applyInOneTransaction<C extends { line: number }, W>(store: Store, items: C[], o: ApplyOptions<C, W>): Promise<boolean> {
  let writing = !o.dryRun && !(o.mode === 'all-or-nothing' && o.report.counts.rejected > 0);
  const stopOnReject = o.mode === 'all-or-nothing';
  const entry = (c: C, status: LineStatus, reason?: LineReason): ReportLine => {
    const e: ReportLine = { line: c.line, status };
    e[o.key] = o.label(c);
    if (reason !== undefined) e.reason = reason;
    return e;
  };
  let committed = false;
  try {
    await store.transaction(async (tx) => {
      await o.before?.(tx);
      for (let i = 0; i < items.length; i++) {
        if (i % 2000 === 0) o.onProgress?.({ phase: 'apply', done: i, total: items.length });
        const c = items[i]!;
        const d = await o.decide(c, tx);
        if (d === 'unchanged') {
          o.report.add(entry(c, 'unchanged'));
          continue;
        }
        if ('reason' in d) {
          if (stopOnReject) writing = false;
          o.report.add(entry(c, 'rejected', d.reason));
          continue;
        }
        if (writing) {
          try {
            await o.write(c, d.row, d.status, tx);
          } catch (e) {
            // Only a constraint is the line's own problem. A full disk or an unreachable database
            // fails the whole import: the transaction rolls back, nothing half-written is kept.
            if (e instanceof StoreError && e.code !== 'constraint') throw e;
            if (stopOnReject) writing = false;
            o.report.add(entry(c, 'rejected', reasonOf(e)));
            continue;
          }
        }
        o.report.add(entry(c, d.status));
      }
      o.onProgress?.({ phase: 'apply', done: items.length, total: items.length });
      if (!writing) throw new Rollback();
      await o.beforeCommit?.(tx);
      committed = true;
    });
  } catch (e) {
    if (!(e instanceof Rollback)) throw e;
  }
  return committed;
}

/** One written line as an import's audit entry lists it. */
export interface TrailLine {
  line: number;
  mac?: string;
  name?: string;
  status: 'created' | 'updated';
  changes?: AuditChange[];
}

/**
 * What an import's audit entry says: one entry per import and tenant touched, with the counts of
 * the whole report and the written lines of that tenant (at most AUDIT_IMPORT_LINES listed; the
 * rest counted). Secrets in changed fields are masked (diffStates).
 */
export class ImportTrail {
  readonly #byTenant = new Map<string, { lines: TrailLine[]; written: number }>();

  /** A line written for `tenant`; `before`/`after` give its changes when it was updated. */
  add(tenant: string, entry: Omit<TrailLine, 'changes'>, before?: unknown, after?: unknown): void {
    let t = this.#byTenant.get(tenant);
    if (!t) this.#byTenant.set(tenant, (t = { lines: [], written: 0 }));
    t.written++;
    if (t.lines.length >= AUDIT_IMPORT_LINES) return;
    t.lines.push(before !== undefined ? { ...entry, changes: diffStates(before, after) } : entry);
  }

  /** Still listing lines of this tenant (callers skip work for lines that would not be listed). */
  listing(tenant: string): boolean {
    return (this.#byTenant.get(tenant)?.lines.length ?? 0) < AUDIT_IMPORT_LINES;
  }

  /** Record the entries (inside the import's transaction, before it commits). */
  async record(tx: Store, a: Actor, action: string, report: ReportBuilder, extra: { userNumber?: string; tenantId?: string; mode: ImportMode }): Promise<void> {
    const tenants = this.#byTenant.size ? [...this.#byTenant.keys()].sort() : [extra.tenantId ?? null];
    for (const tenant of tenants) {
      const t = tenant === null ? undefined : this.#byTenant.get(tenant);
      await recordAudit(tx, a, {
        action,
        tenantId: tenant,
        userNumber: extra.userNumber ?? null,
        summary: {
          mode: extra.mode,
          ...report.counts,
          ...(tenants.length > 1 ? { writtenForTenant: t?.written ?? 0 } : {}),
          lines: t?.lines ?? [],
          linesNotListed: Math.max(0, (t?.written ?? 0) - (t?.lines.length ?? 0)),
        },
      });
    }
  }
}
