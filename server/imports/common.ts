// Small pieces both imports share, and the write phase: decide and write the lines in chunks,
// each chunk one short store transaction, so that a long import never keeps the server's other
// writes (or a phone's last-seen record) waiting for more than a chunk. What the lines replace is
// journaled with the writes (store.importRuns); when the import must write nothing in the end
// (all-or-nothing with a rejected line, an error, a process killed mid-way) the journal puts every
// row back as it was, unless somebody changed it since.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { DomainError, invalid } from '../domain/errors.ts';
import { StoreError } from '../store/errors.ts';
import type { Store, UndoEntry } from '../store/types.ts';
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

/**
 * A domain error as a report line's reason (its first detail, with the column). A busy database
 * propagates (the whole import is put back and said busy, not this line), and so does a bug.
 */
export function reasonOf(e: unknown): LineReason {
  if (e instanceof DomainError && e.code !== 'busy') {
    const d = e.details[0];
    if (!d) return { key: e.key, ...(Object.keys(e.params).length ? { params: e.params } : {}) };
    return { key: d.key, ...(d.params ? { params: d.params } : {}), ...(d.field !== undefined ? { field: d.field } : {}) };
  }
  if (e instanceof StoreError && e.code !== 'busy') return e.code === 'constraint' ? { key: 'import_line.db_constraint' } : { key: 'import_line.db_failed', params: { code: e.code } };
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
export type Outcome<W> =
  | { reason: LineReason }
  | 'unchanged'
  | { status: 'created' | 'updated'; row: W }
  /** Handed to a book the importer does not read: written as a creation (`row`), or nothing to write (null). */
  | { status: 'added'; row: W | null };

/** A decided line whose row is to be written (batched path). */
export interface BulkRow<C, W> {
  c: C;
  row: W;
  status: 'created' | 'updated';
}

/** Lines decided and written per transaction (a few tens of milliseconds of lock). */
export const DEFAULT_CHUNK = 500;

export interface ApplyOptions<C, W> {
  mode: ImportMode;
  dryRun: boolean;
  report: ReportBuilder;
  /** How a line is named in the report: its MAC or its contact name. */
  key: 'mac' | 'name';
  label: (c: C) => string;
  /** `devices` or `contacts`: the kind of run in the journal. */
  kind: string;
  /** Lines per transaction (default DEFAULT_CHUNK); Infinity writes in one transaction. */
  chunk?: number;
  /** Run first inside the first transaction (read the state the decisions depend on). */
  before?: (tx: Store) => Promise<void>;
  decide: (c: C, tx: Store) => Promise<Outcome<W>>;
  /** Write one line and say how to put back what it replaced. */
  write: (c: C, row: W, status: 'created' | 'updated', tx: Store) => Promise<UndoEntry>;
  /**
   * Batched path (a database across the network: one round trip per line costs more than the
   * line): `prefetch` reads what a chunk's decisions need in one go, before they are made;
   * `writeMany` writes a chunk's decided rows in one go, under a savepoint, and answers for each
   * (in order) how to put it back, or why that line was refused (a row changed meanwhile). When
   * the database refuses the batch (a constraint), the chunk's rows are written again one by one
   * with `write`, so the report names the very line refused, as without batches.
   */
  bulk?: {
    prefetch?: (items: C[], tx: Store) => Promise<void>;
    writeMany?: (rows: Array<BulkRow<C, W>>, tx: Store) => Promise<Array<UndoEntry | { reason: LineReason }>>;
  };
  /** After each committed chunk (and after an undo): what changed, for caches. */
  onWritten?: (entries: UndoEntry[]) => void;
  /** Run in the last transaction when the import is applied (the audit entry). */
  beforeCommit?: (tx: Store) => Promise<void>;
  onProgress?: (p: ImportProgress) => void;
}

/** `host:pid` of this process: how a run names its owner (recovery checks it is still alive). */
export const runOwner = (): string => `${hostname()}:${process.pid}`;

/** Let the event loop serve other requests between two chunks. */
const breathe = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * Pass 2 of an import: decide and write every line, a chunk per transaction (every read and write
 * of `before`, `decide` and `write` goes through the transaction's store, `tx`). In all-or-nothing
 * mode the first rejection stops the writes and what was written is undone at the end (deciding
 * goes on, so the report is complete); a dry run never writes. Returns whether the lines were
 * applied.
 */
export async function applyInChunks<C extends { line: number }, W>(store: Store, items: C[], o: ApplyOptions<C, W>): Promise<boolean> {
  let writing = !o.dryRun && !(o.mode === 'all-or-nothing' && o.report.counts.rejected > 0);
  const stopOnReject = o.mode === 'all-or-nothing';
  const size = Math.max(1, o.chunk ?? DEFAULT_CHUNK);
  const entry = (c: C, status: LineStatus, reason?: LineReason): ReportLine => {
    const e: ReportLine = { line: c.line, status };
    e[o.key] = o.label(c);
    if (reason !== undefined) e.reason = reason;
    return e;
  };
  let runId: string | null = null;
  const undo = async (): Promise<void> => {
    if (!runId) return;
    const id = runId;
    runId = null;
    const back = await store.importRuns.undo(id);
    o.onWritten?.(back.macs.map((mac) => ({ entity: 'device', key: mac, before: null, afterVersion: 0 })));
  };
  try {
    for (let start = 0; start === 0 || start < items.length; start += size) {
      o.onProgress?.({ phase: 'apply', done: start, total: items.length });
      const written: UndoEntry[] = [];
      await store.transaction(async (tx) => {
        if (start === 0) await o.before?.(tx);
        const journal: UndoEntry[] = [];
        const end = Math.min(items.length, start + size);
        if (o.bulk?.prefetch) await o.bulk.prefetch(items.slice(start, end), tx);
        const writeMany = o.bulk?.writeMany;
        const begin = async (): Promise<void> => {
          if (runId) return;
          runId = randomUUID();
          await tx.importRuns.begin({ id: runId, kind: o.kind, owner: runOwner(), startedAt: new Date().toISOString() });
        };
        /** One line written (unless writing stopped); its report line. */
        const writeOne = async (c: C, row: W, status: 'created' | 'updated' | 'added'): Promise<ReportLine> => {
          if (!writing) return entry(c, status);
          await begin();
          try {
            journal.push(await o.write(c, row, status === 'added' ? 'created' : status, tx));
          } catch (e) {
            // Only a constraint is the line's own problem. A full disk, a busy or unreachable
            // database fails the whole import: the chunk rolls back and the journal puts back
            // what earlier chunks wrote, nothing half-written is kept.
            if (e instanceof StoreError && e.code !== 'constraint') throw e;
            if (stopOnReject) writing = false;
            return entry(c, 'rejected', reasonOf(e));
          }
          return entry(c, status);
        };
        // The chunk's report lines in the file's order; a batched row's once the batch is written.
        const lines: Array<ReportLine | BulkRow<C, W>> = [];
        const pending: Array<BulkRow<C, W>> = [];
        for (let i = start; i < end; i++) {
          const c = items[i]!;
          const d = await o.decide(c, tx);
          if (d === 'unchanged') lines.push(entry(c, 'unchanged'));
          else if ('reason' in d) {
            if (stopOnReject) writing = false;
            lines.push(entry(c, 'rejected', d.reason));
          } else if (d.status === 'added' && d.row === null) lines.push(entry(c, 'added'));
          else if (writeMany && writing && d.status !== 'added') {
            const r: BulkRow<C, W> = { c, row: d.row, status: d.status };
            pending.push(r);
            lines.push(r);
          } else lines.push(await writeOne(c, d.row!, d.status));
        }
        const settled = new Map<BulkRow<C, W>, ReportLine>();
        // All-or-nothing and a line of this chunk was refused: nothing more is written (what was
        // is put back at the end); the lines keep the status decided for them.
        if (writeMany && pending.length && writing) {
          await begin();
          let answers: Array<UndoEntry | { reason: LineReason }> | null = null;
          try {
            answers = await tx.transaction((t) => writeMany(pending, t));
          } catch (e) {
            if (!(e instanceof StoreError && e.code === 'constraint')) throw e;
          }
          for (let k = 0; k < pending.length; k++) {
            const r = pending[k]!;
            const a = answers?.[k];
            if (!answers) settled.set(r, await writeOne(r.c, r.row, r.status));
            else if (a && 'reason' in a) {
              if (stopOnReject) writing = false;
              settled.set(r, entry(r.c, 'rejected', a.reason));
            } else {
              journal.push(a!);
              settled.set(r, entry(r.c, r.status));
            }
          }
        }
        for (const l of lines) o.report.add('c' in l ? (settled.get(l) ?? entry(l.c, l.status)) : l);
        if (runId && journal.length) {
          await tx.importRuns.journal(runId, journal);
          await tx.importRuns.heartbeat(runId, new Date().toISOString());
        }
        written.push(...journal);
      });
      if (written.length) o.onWritten?.(written);
      if (start + size < items.length) await breathe();
    }
    o.onProgress?.({ phase: 'apply', done: items.length, total: items.length });
  } catch (e) {
    // Whatever went wrong, nothing of this import stays (a busy database included).
    await undo().catch(() => undefined);
    throw e;
  }
  if (!writing) {
    await undo();
    return false;
  }
  try {
    // The import is applied: its audit entry and the end of its run in one last transaction.
    await store.transaction(async (tx) => {
      await o.beforeCommit?.(tx);
      if (runId) await tx.importRuns.finish(runId);
    });
  } catch (e) {
    await undo().catch(() => undefined);
    throw e;
  }
  return true;
}

/** How long a run may go without a heartbeat before another node takes it for dead. */
export const STALE_RUN_MS = 120_000;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Undo the imports whose process died mid-way (kill -9, power cut): a run owned by a process of
 * this host that no longer exists, or with no heartbeat for STALE_RUN_MS. Returns the MACs of the
 * devices put back (for caches) and how many runs were undone.
 */
export async function recoverInterruptedImports(store: Store, now = Date.now()): Promise<{ runs: number; macs: string[]; contactsOf: string[] }> {
  const out = { runs: 0, macs: [] as string[], contactsOf: [] as string[] };
  const me = runOwner();
  for (const run of await store.importRuns.list()) {
    if (run.owner === me) continue;
    const [host, pidText] = [run.owner.slice(0, run.owner.lastIndexOf(':')), run.owner.slice(run.owner.lastIndexOf(':') + 1)];
    const pid = Number(pidText);
    const dead = host === hostname() && Number.isInteger(pid) && pid > 0 ? !processAlive(pid) : now - Date.parse(run.heartbeatAt) > STALE_RUN_MS;
    if (!dead && now - Date.parse(run.heartbeatAt) <= STALE_RUN_MS * 5) continue;
    const back = await store.importRuns.undo(run.id);
    out.runs++;
    out.macs.push(...back.macs);
    out.contactsOf.push(...back.contactsOf);
  }
  return out;
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
