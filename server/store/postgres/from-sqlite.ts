// `cadran migrate --from sqlite:<file> --to postgres://…`: copy a whole installation, every table
// (sessions and tokens, resync jobs and password links included; passwords stay encrypted), from the embedded SQLite file
// to PostgreSQL.
//
// - The source is opened read-only and read inside one read transaction: a consistent snapshot
//   even while a server keeps writing to it. Its schema must be the version this cadran knows.
// - The target is migrated to the same version first, then filled in ONE transaction with its
//   tables locked: either everything is copied and the row counts match, or nothing is written.
// - A target that already holds data is refused unless `force`, which empties it first (in the
//   same transaction).
// - Identity counters continue after the copied ids (contacts), insertion order is kept for the
//   tables that sort by it (resync jobs and targets), and nodes already running on the target are
//   told everything changed when the copy commits.
import BetterSqlite3 from 'better-sqlite3';
import { existsSync } from 'node:fs';
import pg from 'pg';
import { mapPgError } from './errors.ts';
import { CHANGE_CHANNEL, encodeChange } from './listen.ts';
import { latestPgVersion, migratePg } from './migrations/index.ts';
import { poolConfig, type PostgresOptions } from './options.ts';
import { describePostgres } from './index.ts';

/**
 * Every table of the schema, parents before children. Passwords are copied sealed as they are
 * (same purposes on both engines): the PostgreSQL nodes need the SQLite installation's secret key
 * (its `secret.key`, or CADRAN_SECRET_KEY).
 */
export const COPIED_TABLES = [
  'tenants', 'key_templates', 'users', 'devices', 'function_keys', 'tenant_network', 'device_network', 'contacts', 'operators', 'auth_sessions',
  'settings', 'sightings', 'unknown_devices', 'resync_jobs', 'resync_targets', 'password_resets',
  'device_files', 'audit_log',
  'cluster_nodes', 'probe_blocks', 'template_overrides',
  'user_features',
  // Version 8: an import interrupted in the SQLite installation is still undone on PostgreSQL.
  'import_runs', 'import_undo',
  // Version 11: the company directory (key_templates is above, before the users naming one).
  'tenant_contacts',
  'fetched_files',
] as const;

/** Tables whose ids SQLite's AUTOINCREMENT gave: the PostgreSQL identity continues after them. */
const IDENTITY_TABLES = ['contacts', 'audit_log', 'tenant_contacts', 'key_templates', 'fetched_files'] as const;

/** Columns PostgreSQL has and SQLite has not (SQLite's rowid stands for them). */
const PG_ONLY = new Set(['seq']);

/** A copy that cannot be done: `key` and `params` are a stable code the CLI says in its language. */
export class CopyError extends Error {
  constructor(
    message: string,
    readonly key: string,
    readonly params: Record<string, string | number> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CopyError';
  }
}

export interface CopyOptions {
  /** Path of the SQLite database file (`<data dir>/cadran.sqlite`). */
  sqliteFile: string;
  postgres: PostgresOptions;
  /** Empty a target that already holds data (otherwise it is refused). */
  force?: boolean;
  onProgress?: (p: { table: string; copied: number; total: number }) => void;
}

export interface CopyReport {
  tables: Array<{ table: string; rows: number }>;
  rows: number;
  schemaVersion: number;
}

type SqlValue = string | number | bigint | boolean | null | Buffer;

export async function copySqliteToPostgres(opts: CopyOptions): Promise<CopyReport> {
  if (!existsSync(opts.sqliteFile)) throw new CopyError(`SQLite database ${opts.sqliteFile} does not exist`, 'migrate.sqlite_missing', { file: opts.sqliteFile });
  let src: BetterSqlite3.Database;
  try {
    src = new BetterSqlite3(opts.sqliteFile, { readonly: true, fileMustExist: true });
  } catch (e) {
    throw new CopyError(`cannot open the SQLite database ${opts.sqliteFile}: ${(e as Error).message}`, 'migrate.sqlite_unreadable', { file: opts.sqliteFile, reason: (e as Error).message }, { cause: e });
  }
  const pool = new pg.Pool({ ...stripMode(poolConfig({ ...opts.postgres, poolSize: 1, statementTimeoutMs: 0 })) });
  pool.on('error', () => undefined);
  try {
    const version = src.pragma('user_version', { simple: true }) as number;
    const expected = latestPgVersion();
    if (version !== expected) {
      throw new CopyError(
        version < expected
          ? `the SQLite database is at schema version ${version}, this cadran copies version ${expected}: start cadran once on it (it upgrades the file), then copy`
          : `the SQLite database is at schema version ${version}, newer than this cadran (${expected}): copy it with the cadran version that wrote it`,
        version < expected ? 'migrate.sqlite_older' : 'migrate.sqlite_newer',
        { version: String(version), expected: String(expected) },
      );
    }
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (e) {
      const reason = (mapPgError(e) as Error).message;
      throw new CopyError(`cannot connect to PostgreSQL ${describePostgres(opts.postgres.url)}: ${reason}`, 'migrate.pg_unreachable', { target: describePostgres(opts.postgres.url), reason }, { cause: e });
    }
    try {
      await migratePg(client);
      return await copyAll(src, client, opts, version);
    } finally {
      client.release();
    }
  } finally {
    src.close();
    await pool.end().catch(() => undefined);
  }
}

function stripMode<T extends { tlsMode?: unknown }>(c: T): Omit<T, 'tlsMode'> {
  const { tlsMode: _m, ...rest } = c;
  return rest;
}

async function copyAll(src: BetterSqlite3.Database, client: pg.PoolClient, opts: CopyOptions, version: number): Promise<CopyReport> {
  const q = async (sql: string, params: unknown[] = []) => {
    try {
      return await client.query(sql, params);
    } catch (e) {
      throw mapPgError(e);
    }
  };
  src.exec('BEGIN'); // one snapshot of the source for the whole copy
  await q('BEGIN');
  let table = '';
  try {
    await q('SET LOCAL statement_timeout = 0');
    await q(`LOCK TABLE ${COPIED_TABLES.join(', ')} IN EXCLUSIVE MODE`);
    const nonEmpty: string[] = [];
    for (const t of COPIED_TABLES) {
      if ((await q(`SELECT EXISTS (SELECT 1 FROM ${t}) AS x`)).rows[0].x) nonEmpty.push(t);
    }
    if (nonEmpty.length > 0) {
      if (!opts.force) {
        throw new CopyError(
          `the PostgreSQL database ${describePostgres(opts.postgres.url)} already holds data (${nonEmpty.join(', ')}): ` +
            'copy into an empty database, or add --force to replace its content',
          'migrate.pg_not_empty',
          { target: describePostgres(opts.postgres.url), tables: nonEmpty.join(', ') },
        );
      }
      await q(`TRUNCATE ${COPIED_TABLES.join(', ')} RESTART IDENTITY CASCADE`);
    }
    const report: CopyReport = { tables: [], rows: 0, schemaVersion: version };
    for (table of COPIED_TABLES) {
      const rows = await copyTable(src, q, table, opts.onProgress);
      report.tables.push({ table, rows });
      report.rows += rows;
    }
    table = '';
    // Contacts, audit entries: new ids continue after every id SQLite ever gave (AUTOINCREMENT
    // never reuses one; the audit trail's paging cursor relies on ids growing with time).
    for (const t of IDENTITY_TABLES) {
      const seqRow = src.prepare(`SELECT seq FROM sqlite_sequence WHERE name = ?`).get(t) as { seq: number } | undefined;
      const maxId = Math.max(seqRow?.seq ?? 0, (src.prepare(`SELECT max(id) AS m FROM ${t}`).get() as { m: number | null }).m ?? 0);
      await q(`SELECT setval(pg_get_serial_sequence($1, 'id'), $2, $3)`, [t, Math.max(maxId, 1), maxId > 0]);
    }
    // Nodes already running on this database drop every cached file when this commits.
    await q('SELECT pg_notify($1, $2)', [CHANGE_CHANNEL, encodeChange('cadran migrate', { macs: '*', reason: 'installation copied from SQLite' })]);
    await q('COMMIT');
    return report;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    if (e instanceof CopyError) throw e;
    throw new CopyError(`copy failed${table ? ` at table ${table}` : ''}, nothing was written to PostgreSQL: ${(e as Error).message}`, 'migrate.copy_failed', { table: table || '-', reason: (e as Error).message }, { cause: e });
  } finally {
    if (src.inTransaction) src.exec('COMMIT');
  }
}

async function copyTable(
  src: BetterSqlite3.Database,
  q: (sql: string, params?: unknown[]) => Promise<pg.QueryResult>,
  table: string,
  onProgress: CopyOptions['onProgress'],
): Promise<number> {
  const srcCols = (src.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as Array<{ name: string }>).map((c) => c.name);
  const pgCols = new Map(
    (
      await q(`SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`, [table])
    ).rows.map((r) => [r.column_name as string, r.data_type as string]),
  );
  // (import_undo has a real `seq` on both engines: copied like any column.)
  for (const c of PG_ONLY) if (!srcCols.includes(c)) pgCols.delete(c);
  const missing = srcCols.filter((c) => !pgCols.has(c));
  const extra = [...pgCols.keys()].filter((c) => !srcCols.includes(c));
  if (missing.length || extra.length) {
    throw new CopyError(
      `table ${table} differs between the engines (${[...missing.map((c) => `only in SQLite: ${c}`), ...extra.map((c) => `only in PostgreSQL: ${c}`)].join(', ')}); this is a bug in cadran's migrations`,
      'migrate.table_differs',
      { table, columns: [...missing, ...extra].join(', ') },
    );
  }
  const types = srcCols.map((c) => pgCols.get(c)!);
  const convert = (v: SqlValue, type: string): unknown => {
    if (v === null) return null;
    if (type === 'boolean') return v === 1 || v === 1n || v === true || v === '1' || v === 'true';
    if (typeof v === 'bigint') return v.toString();
    return v;
  };
  const total = (src.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  // As many rows per statement as PostgreSQL's 65535 parameters allow (and not more than 1000).
  const perBatch = Math.max(1, Math.min(1000, Math.floor(60000 / srcCols.length)));
  const colList = srcCols.map((c) => `"${c}"`).join(', ');
  const rows = src.prepare(`SELECT ${colList} FROM ${table} ORDER BY rowid`).raw(true).iterate() as IterableIterator<SqlValue[]>;
  let copied = 0;
  let batch: SqlValue[][] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const params: unknown[] = [];
    const tuples = batch.map((row) => `(${row.map((v, i) => (params.push(convert(v, types[i]!)), `$${params.length}`)).join(', ')})`);
    await q(`INSERT INTO ${table} (${colList}) VALUES ${tuples.join(', ')}`, params);
    copied += batch.length;
    batch = [];
    onProgress?.({ table, copied, total });
  };
  // Rows are read lazily and written a batch at a time (a 100,000-device file never sits in memory).
  for (let r = rows.next(); !r.done; r = rows.next()) {
    batch.push(r.value);
    if (batch.length >= perBatch) await flush();
  }
  await flush();
  const counted = Number((await q(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
  if (counted !== total || copied !== total) {
    throw new CopyError(`table ${table}: ${total} rows in SQLite, ${counted} in PostgreSQL after the copy; nothing was written`, 'migrate.count_mismatch', { table, total: String(total), counted: String(counted) });
  }
  if (total === 0) onProgress?.({ table, copied: 0, total: 0 });
  return total;
}
