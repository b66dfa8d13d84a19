// The PostgreSQL implementation of the Store, over a node-postgres pool. Behaviour matches the
// SQLite engine method for method (same ordering, upserts, COALESCE rules, ISO-8601 strings).
//
// Connections: a call on the outer store takes any pooled connection for one statement (or for
// one BEGIN…COMMIT when the method writes several statements). transaction(fn) holds one pooled
// connection from BEGIN to COMMIT/ROLLBACK and hands fn a store bound to it; calls on that store
// run one at a time, in the order made. Inside a transaction every write method runs under a
// SAVEPOINT: a refused write (duplicate, foreign key…) throws a StoreError and leaves the
// transaction usable, as a failed statement does on SQLite (imports report the line and go on).
// If a read fails inside a transaction PostgreSQL aborts it; the commit then throws instead of
// pretending the work was saved.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { summarizeJob, type ResyncState } from '../../domain/resync.ts';
import { StoreError } from '../errors.ts';
import type { FileSnapshot } from '../types.ts';
import type { Contact, Device, DeviceWrite, FileFetch, NetworkOverrides, SharedContact, Sighting, Store, StoreChange, UndoEntry, VersionedProfile } from '../types.ts';
import { KeyRing, SecretBox } from '../secrets.ts';
import { FETCHED_FILE_BODY, PROVISIONING_PASSWORD, SIP_PASSWORD, journalBefore, restoredPassword } from '../secret-sites.ts';
import { contactUndo } from '../undo.ts';
import { mapPgError } from './errors.ts';
import { pgCensus, pgVisitSecrets } from './secrets.ts';
import { type Row, type RowMappers, num, parsedJson, rowMappers, str, strOrNull } from '../rows.ts';
import { CHANGE_CHANNEL, ChangeListener, decodeChange, encodeChange } from './listen.ts';

type Query = (sql: string, params?: unknown[]) => Promise<pg.QueryResult<Row>>;

const now = (): string => new Date().toISOString();
const iso = (ms: number): string => new Date(ms).toISOString();

// Named statements are prepared once per connection and reused (like the SQLite engine's cache).
const statementNames = new Map<string, string>();
function named(sql: string, values: unknown[] | undefined): pg.QueryConfig {
  let name = statementNames.get(sql);
  if (!name) statementNames.set(sql, (name = `cadran_${statementNames.size + 1}`));
  return { name, text: sql, values: values ?? [] };
}

/** One statement; `prepare: false` for transaction control (BEGIN, SAVEPOINT …), never kept. */
async function run(target: pg.Pool | pg.PoolClient, sql: string, params?: unknown[], prepare = true): Promise<pg.QueryResult<Row>> {
  try {
    return await target.query<Row>(prepare ? named(sql, params) : { text: sql, values: params ?? [] });
  } catch (e) {
    throw target instanceof pg.Pool ? poolError(target, e) : mapPgError(e);
  }
}

/**
 * Waiting for a pooled connection timed out: when every connection of the pool is in use the
 * database is not unreachable, this process is saturated (`busy`, and the message says which
 * setting sizes the pool).
 */
function poolError(pool: pg.Pool, e: unknown): unknown {
  if (e instanceof Error && /timeout exceeded when trying to connect/.test(e.message) && pool.totalCount >= (pool.options.max ?? 10)) {
    return new StoreError(
      'busy',
      `the database is busy: all ${pool.totalCount} pooled connections stayed in use (CADRAN_DATABASE_POOL_SIZE sets how many)`,
      { cause: e },
    );
  }
  return mapPgError(e);
}


// Columns are always named (never SELECT *): a statement prepared by a running node keeps
// working when a newer node adds a column during a rolling upgrade.
const COLS = {
  tenants: 'id, name, sip_domain, sip_proxy, sip_port, sip_transport, security, version, created_at, updated_at',
  users:
    'number, tenant_id, name, email, role, password_hash, sip_auth_name, sip_password, voicemail_number, version, keys_version, ' +
    'directory_hidden, key_template, created_at, updated_at',
  tenant_contacts: 'id, tenant_id, name, work, mobile, home, grp, version, created_at, updated_at',
  key_templates: 'id, tenant_id, name, family, keys, version, created_at, updated_at',
  devices:
    'mac, tenant_id, vendor, model, user_number, label, expansion_modules, extra_lines, provisioning_username, provisioning_password, version, ' +
    'enrol_until, enrolled_at, enrolled_ip, device_group, created_at, updated_at',
  contacts: 'id, user_number, name, work, mobile, home, grp, version, created_at, updated_at',
  unknown_devices: 'mac, vendor, model, ip, user_agent, first_seen, last_seen, count, assigned_tenant',
  user_features: 'user_number, dnd_enabled, dnd_allowed, forward_enabled, forward_target, reject_anonymous, blacklist, version, updated_at',
  sightings: 'mac, at, ip, user_agent, firmware, file, protocol, model',
  device_files: 'mac, file, etag, root, at',
  audit_log: 'id, at, principal, channel, address, action, tenant_id, user_number, mac, target_id, "before", "after", changes, summary',
  operators: 'login, password_hash, created_at',
  auth_sessions: 'id, kind, principal_kind, principal_id, label, csrf_token, created_at, last_used_at, expires_at, address, user_agent',
  resync_targets: 'job_id, mac, tenant_id, state, code, reason, target, target_port, event, request_uri, from_domain, user_number, updated_at, sent_at, fetched_at',
  resync_jobs: 'id, scope, scope_id, tenant_id, reboot, requested_by, created_at, cancelled_at',
} as const;
const TARGET_COLS = COLS.resync_targets.split(', ').map((c) => `t.${c}`).join(', ');

/** SQLite's NOCASE: ASCII letters folded, everything else compared byte by byte. */
const NOCASE = (col: string) => `translate(${col}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') COLLATE "C"`;

const jsonOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));
const byMacOrder = <T extends { mac: string }>(a: T, b: T) => (a.mac < b.mac ? -1 : a.mac > b.mac ? 1 : 0);
/**
 * The last of each (mac, file) in a batch, as row-by-row upserts would leave it; sorted so that
 * concurrent batches lock rows in the same order (no deadlock between nodes).
 */
function lastPerFile<T extends { mac: string; file: string }>(batch: T[]): T[] {
  const byKey = new Map<string, T>();
  for (const f of batch) byKey.set(`${f.mac}\n${f.file}`, f);
  return [...byKey.values()].sort((a, b) => byMacOrder(a, b) || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}
/**
 * ` AND version = $n` when a version is expected (the check and the write are one statement,
 * as on SQLite), with its parameter appended to `params`.
 */
function versionClause(params: unknown[], ifVersion: number | undefined, col = 'version'): string {
  if (ifVersion === undefined) return '';
  params.push(ifVersion);
  return ` AND ${col} = $${params.length}`;
}


/** Calls on one connection, one at a time, in the order they were made. */
class Serial {
  #tail: Promise<unknown> = Promise.resolve();
  run<T>(f: () => Promise<T>): Promise<T> {
    const r = this.#tail.then(f);
    this.#tail = r.catch(() => undefined);
    return r;
  }
}

/** Where a store's statements go: the pool, or the one connection of a transaction. */
interface Conn {
  readonly inTransaction: boolean;
  /** One statement (a read, or a single write outside a transaction). */
  query: Query;
  /** Several statements as one unit: BEGIN…COMMIT on the pool, a SAVEPOINT inside a transaction. */
  atomic<T>(fn: (q: Query) => Promise<T>): Promise<T>;
}

class PoolConn implements Conn {
  readonly inTransaction = false;
  constructor(private readonly pool: pg.Pool) {}
  query: Query = (sql, params) => run(this.pool, sql, params);
  async atomic<T>(fn: (q: Query) => Promise<T>): Promise<T> {
    const client = await connect(this.pool);
    let broken: Error | undefined;
    try {
      await run(client, 'BEGIN', undefined, false);
      const q: Query = (sql, params) => run(client, sql, params);
      let result: T;
      try {
        result = await fn(q);
      } catch (e) {
        await client.query('ROLLBACK').catch((err: Error) => (broken = err));
        throw e;
      }
      await run(client, 'COMMIT', undefined, false);
      return result;
    } catch (e) {
      if (!broken && e instanceof StoreError && e.code === 'unavailable') broken = e;
      throw e;
    } finally {
      client.release(broken);
    }
  }
}

async function connect(pool: pg.Pool): Promise<pg.PoolClient> {
  try {
    return await pool.connect();
  } catch (e) {
    throw poolError(pool, e);
  }
}

class TxConn implements Conn {
  readonly inTransaction = true;
  readonly serial = new Serial();
  /** Set at COMMIT/ROLLBACK: the bound store may not be used any more. */
  finished = false;
  #depth = 0;
  constructor(readonly client: pg.PoolClient) {}

  #check(): void {
    if (this.finished) throw new Error('this transaction has ended: use the store passed to transaction() only inside its function');
  }

  query: Query = (sql, params) =>
    this.serial.run(async () => {
      this.#check();
      return run(this.client, sql, params);
    });

  atomic<T>(fn: (q: Query) => Promise<T>): Promise<T> {
    return this.serial.run(async () => {
      this.#check();
      // Calls are serialized, so one name does: a SAVEPOINT of the same name nests.
      const sp = 'cadran_sp';
      const q: Query = (sql, params) => run(this.client, sql, params);
      await run(this.client, `SAVEPOINT ${sp}`, undefined, false);
      try {
        const r = await fn(q);
        await run(this.client, `RELEASE SAVEPOINT ${sp}`, undefined, false);
        return r;
      } catch (e) {
        // Undo this call only; if even that fails the connection is gone and the commit will say so.
        await run(this.client, `ROLLBACK TO SAVEPOINT ${sp}`, undefined, false)
          .then(() => run(this.client, `RELEASE SAVEPOINT ${sp}`, undefined, false))
          .catch(() => undefined);
        throw e;
      }
    });
  }

  #control(sql: string): Promise<unknown> {
    return this.serial.run(async () => {
      this.#check();
      return run(this.client, sql, undefined, false);
    });
  }

  /** A nested transaction: a savepoint around `fn`, whose calls run one by one on this connection. */
  async nested<T>(fn: () => Promise<T>): Promise<T> {
    const sp = `cadran_tx_${++this.#depth}`;
    await this.#control(`SAVEPOINT ${sp}`);
    let r: T;
    try {
      r = await fn();
    } catch (e) {
      await this.serial.run(async () => undefined);
      await this.#control(`ROLLBACK TO SAVEPOINT ${sp}`);
      await this.#control(`RELEASE SAVEPOINT ${sp}`);
      throw e;
    } finally {
      this.#depth--;
    }
    await this.#control(`RELEASE SAVEPOINT ${sp}`);
    return r;
  }
}

/** What the outer store and every store bound to one of its transactions share. */
interface Shared {
  pool: pg.Pool;
  /** This instance's name in NOTIFY payloads: its own notifications are not reported back to it. */
  origin: string;
  listeners: Set<(c: StoreChange) => void>;
  listener: ChangeListener | null;
  warn: (message: string, err?: unknown) => void;
  closed: boolean;
  /** Seals and opens the stored passwords. */
  box: SecretBox;
  /** Rows as the Store hands them out (passwords opened with `box`). */
  map: RowMappers;
}

export interface PostgresStoreInit {
  pool: pg.Pool;
  /** Settings of the LISTEN connection; null: no change feed (a one-shot command). */
  listenConfig: pg.ClientConfig | null;
  warn?: (message: string, err?: unknown) => void;
  /** Keys of the stored passwords (default: a throw-away key, for tests that store none twice). */
  keys?: KeyRing;
}

export class PostgresStore implements Store {
  readonly engine = 'postgres' as const;
  readonly #shared: Shared;
  readonly #conn: Conn;

  constructor(init: PostgresStoreInit);
  constructor(init: PostgresStoreInit | Shared, conn?: Conn) {
    if ('origin' in init) {
      this.#shared = init;
      this.#conn = conn!;
    } else {
      const box = new SecretBox(init.keys ?? KeyRing.of());
      const shared: Shared = {
        pool: init.pool,
        origin: randomUUID(),
        listeners: new Set(),
        listener: null,
        warn: init.warn ?? (() => undefined),
        closed: false,
        box,
        map: rowMappers(parsedJson, box),
      };
      if (init.listenConfig) {
        shared.listener = new ChangeListener(init.listenConfig, {
          notify: (payload) => {
            const { origin, change } = decodeChange(payload);
            if (origin !== shared.origin) emit(shared, change);
          },
          reconnected: () => emit(shared, { macs: '*', reason: 'change feed reconnected (changes may have been missed)' }),
          warn: (m, e) => shared.warn(m, e),
        });
      }
      this.#shared = shared;
      this.#conn = new PoolConn(init.pool);
    }
  }

  /** Start the change feed; resolves once LISTEN is in place (changes committed after are seen). */
  async startListening(): Promise<void> {
    await this.#shared.listener?.start();
  }

  /** Backend pid of the LISTEN connection (tests), null without one. */
  get listenerPid(): number | null {
    return this.#shared.listener?.backendPid ?? null;
  }

  async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    const conn = this.#conn;
    if (conn instanceof TxConn) return conn.nested(() => fn(this));
    const client = await connect(this.#shared.pool);
    const tx = new TxConn(client);
    const bound = new (PostgresStore as unknown as new (s: Shared, c: Conn) => PostgresStore)(this.#shared, tx);
    let broken: Error | undefined;
    try {
      await run(client, 'BEGIN', undefined, false);
      let result: T;
      try {
        result = await fn(bound);
      } catch (e) {
        // Let calls fn started and did not wait for settle, then undo everything.
        await tx.serial.run(async () => undefined);
        tx.finished = true;
        await client.query('ROLLBACK').catch((err: Error) => (broken = err));
        throw e;
      }
      const commit = await tx.serial.run(() => {
        tx.finished = true;
        return run(client, 'COMMIT', undefined, false);
      });
      // COMMIT of a transaction an error aborted answers ROLLBACK: nothing was saved.
      if (commit.command === 'ROLLBACK') {
        throw new StoreError('constraint', 'the transaction was rolled back: a statement inside it failed, nothing was saved');
      }
      return result;
    } catch (e) {
      tx.finished = true;
      if (!broken && e instanceof StoreError && e.code === 'unavailable') broken = e;
      throw e;
    } finally {
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    if (this.#conn.inTransaction) throw new Error('close() the outer store, not the one bound to a transaction');
    const s = this.#shared;
    if (s.closed) return;
    s.closed = true;
    s.listeners.clear();
    await s.listener?.stop();
    await s.pool.end();
  }

  onExternalChange(listener: (c: StoreChange) => void): () => void {
    this.#shared.listeners.add(listener);
    return () => {
      this.#shared.listeners.delete(listener);
    };
  }

  async publishChange(c: StoreChange): Promise<void> {
    if (Array.isArray(c.macs) && c.macs.length === 0) return;
    // Inside a transaction the notification is sent on its connection: delivered at COMMIT only.
    await this.#conn.query('SELECT pg_notify($1, $2)', [CHANGE_CHANNEL, encodeChange(this.#shared.origin, c)]);
  }

  // ---- helpers -------------------------------------------------------------------------------

  get #box(): SecretBox {
    return this.#shared.box;
  }

  get #map(): RowMappers {
    return this.#shared.map;
  }

  /** The key ring of the stored passwords (opening checks every key in use is in it). */
  get keyRing(): KeyRing {
    return this.#shared.box.ring;
  }

  async #rows(sql: string, params?: unknown[]): Promise<Row[]> {
    return (await this.#conn.query(sql, params)).rows;
  }

  async #one(sql: string, params?: unknown[]): Promise<Row | undefined> {
    return (await this.#conn.query(sql, params)).rows[0];
  }

  /** One write statement; its row count. Inside a transaction it runs under a savepoint. */
  async #write(sql: string, params?: unknown[]): Promise<number> {
    const r = this.#conn.inTransaction ? await this.#conn.atomic((q) => q(sql, params)) : await this.#conn.query(sql, params);
    return r.rowCount ?? 0;
  }

  /** Devices' first ten written columns as arrays (passwords sealed), for unnest(). */
  #deviceColumns(ds: ReadonlyArray<DeviceWrite & { mac: string }>): unknown[][] {
    const cols: unknown[][] = Array.from({ length: 10 }, () => new Array<unknown>(ds.length));
    ds.forEach((d, i) => {
      const row = [d.mac, d.tenantId, d.vendor, d.model, d.userNumber, d.label, d.expansionModules, JSON.stringify(d.extraLines), d.provisioningUsername,
        this.#box.sealNullable(d.provisioningPassword, PROVISIONING_PASSWORD)];
      for (let c = 0; c < 10; c++) cols[c]![i] = row[c];
    });
    return cols;
  }

  /** The row of `table` whose `keyCol` is `key`, mapped. */
  async #get<T>(table: keyof typeof COLS, keyCol: string, key: unknown, map: (r: Row) => T): Promise<T | undefined> {
    const r = await this.#one(`SELECT ${COLS[table]} FROM ${table} WHERE ${keyCol} = $1`, [key]);
    return r && map(r);
  }

  #atomic<T>(fn: (q: Query) => Promise<T>): Promise<T> {
    return this.#conn.atomic(fn);
  }

  /**
   * A batch upsert of rows that belong to devices (`WHERE EXISTS` the device): a device deleted
   * between that check and the insert fails the foreign key; once more finds it gone.
   */
  async #writeForDevices(sql: string, params: unknown[]): Promise<void> {
    try {
      await this.#write(sql, params);
    } catch (e) {
      if (!(e instanceof StoreError && e.code === 'constraint' && (e.cause as { code?: string } | undefined)?.code === '23503')) throw e;
      await this.#write(sql, params);
    }
  }

  // ---- repositories ---------------------------------------------------------------------------

  tenants: Store['tenants'] = {
    list: async () => (await this.#rows(`SELECT ${COLS.tenants} FROM tenants ORDER BY id`)).map(this.#map.tenant),
    get: (id) => this.#get('tenants', 'id', id, (r) => this.#map.tenant(r)),
    insert: async (t) => {
      const at = now();
      await this.#write(
        `INSERT INTO tenants (id, name, sip_domain, sip_proxy, sip_port, sip_transport, security, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [t.id, t.name, t.sipDomain, t.sipProxy, t.sipPort, t.sipTransport, JSON.stringify(this.#box.sealSecurity(t.security)), at, at],
      );
    },
    update: async (id, t, ifVersion) => {
      const params: unknown[] = [t.name, t.sipDomain, t.sipProxy, t.sipPort, t.sipTransport, JSON.stringify(this.#box.sealSecurity(t.security)), now(), id];
      return (await this.#write(
        `UPDATE tenants SET name = $1, sip_domain = $2, sip_proxy = $3, sip_port = $4, sip_transport = $5, security = $6,
         version = version + 1, updated_at = $7 WHERE id = $8${versionClause(params, ifVersion)}`,
        params,
      )) > 0;
    },
    delete: (id, ifVersion) => this.#deleteRow('tenants', 'id', id, ifVersion),
  };

  users: Store['users'] = {
    list: async (tenantId) =>
      (tenantId
        ? await this.#rows(`SELECT ${COLS.users} FROM users WHERE tenant_id = $1 ORDER BY number`, [tenantId])
        : await this.#rows(`SELECT ${COLS.users} FROM users ORDER BY number`)
      ).map(this.#map.user),
    get: (number) => this.#get('users', 'number', number, (r) => this.#map.user(r)),
    insert: async (u) => {
      const at = now();
      await this.#write(
        `INSERT INTO users (number, tenant_id, name, email, role, password_hash, sip_auth_name, sip_password, voicemail_number,
         directory_hidden, key_template, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
        [u.number, u.tenantId, u.name, u.email, u.role, u.passwordHash, u.sipAuthName, this.#box.seal(u.sipPassword, SIP_PASSWORD), u.voicemailNumber,
          u.directoryHidden ?? false, u.keyTemplate ?? null, at, at],
      );
    },
    update: async (number, u, ifVersion) => {
      const params: unknown[] = [u.name, u.email, u.role, u.passwordHash, u.sipAuthName, this.#box.seal(u.sipPassword, SIP_PASSWORD), u.voicemailNumber, now(), number,
        u.directoryHidden ?? null, u.keyTemplate !== undefined, u.keyTemplate ?? null];
      return (await this.#write(
        `UPDATE users SET name = $1, email = $2, role = $3, password_hash = $4, sip_auth_name = $5, sip_password = $6,
         voicemail_number = $7, directory_hidden = coalesce($10::boolean, directory_hidden),
         key_template = CASE WHEN $11::boolean THEN $12::bigint ELSE key_template END, version = version + 1, updated_at = $8
         WHERE number = $9${versionClause(params, ifVersion)}`,
        params,
      )) > 0;
    },
    directory: async (tenantId) =>
      (await this.#rows('SELECT number, name FROM users WHERE tenant_id = $1 AND NOT directory_hidden ORDER BY number', [tenantId])).map((r) => ({
        number: str(r.number),
        name: str(r.name),
      })),
    withTemplate: async (templateId) =>
      Number.isSafeInteger(templateId)
        ? (await this.#rows('SELECT number FROM users WHERE key_template = $1 ORDER BY number', [templateId])).map((r) => str(r.number))
        : [],
    delete: (number, ifVersion) => this.#deleteRow('users', 'number', number, ifVersion),
  };

  devices: Store['devices'] = {
    list: async (filter = {}) => {
      if (filter.extraLine) {
        return (await this.#rows(
          `SELECT ${COLS.devices} FROM devices WHERE EXISTS (SELECT 1 FROM json_array_elements_text(devices.extra_lines) e WHERE e = $1) ORDER BY mac`,
          [filter.extraLine],
        )).map((r) => this.#map.device(r));
      }
      if (filter.userNumber) return (await this.#rows(`SELECT ${COLS.devices} FROM devices WHERE user_number = $1 ORDER BY mac`, [filter.userNumber])).map((r) => this.#map.device(r));
      if (filter.tenantId) return (await this.#rows(`SELECT ${COLS.devices} FROM devices WHERE tenant_id = $1 ORDER BY mac`, [filter.tenantId])).map((r) => this.#map.device(r));
      return (await this.#rows(`SELECT ${COLS.devices} FROM devices ORDER BY mac`)).map((r) => this.#map.device(r));
    },
    get: async (mac) => {
      const r = await this.#one(`SELECT ${COLS.devices} FROM devices WHERE mac = $1`, [mac]);
      return r && this.#map.device(r);
    },
    insert: async (d) => {
      const at = now();
      await this.#write(
        `INSERT INTO devices (mac, tenant_id, vendor, model, user_number, label, expansion_modules, extra_lines, provisioning_username,
         provisioning_password, enrol_until, device_group, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
        [d.mac, d.tenantId, d.vendor, d.model, d.userNumber, d.label, d.expansionModules, JSON.stringify(d.extraLines), d.provisioningUsername,
          this.#box.sealNullable(d.provisioningPassword, PROVISIONING_PASSWORD), d.enrolUntil ?? null, d.group ?? null, at, at],
      );
    },
    update: async (mac, d, ifVersion) => {
      const params: unknown[] = [d.tenantId, d.vendor, d.model, d.userNumber, d.label, d.expansionModules, JSON.stringify(d.extraLines),
        d.provisioningUsername, this.#box.sealNullable(d.provisioningPassword, PROVISIONING_PASSWORD), now(), mac, d.group !== undefined, d.group ?? null];
      return (await this.#write(
        `UPDATE devices SET tenant_id = $1, vendor = $2, model = $3, user_number = $4, label = $5, expansion_modules = $6,
         extra_lines = $7, provisioning_username = $8, provisioning_password = $9,
         device_group = CASE WHEN $12::boolean THEN $13 ELSE device_group END, version = version + 1, updated_at = $10
         WHERE mac = $11${versionClause(params, ifVersion)}`,
        params,
      )) > 0;
    },
    delete: async (mac, ifVersion) => {
      const params: unknown[] = [mac];
      return (await this.#write(`DELETE FROM devices WHERE mac = $1${versionClause(params, ifVersion)}`, params)) > 0;
    },
    // Bulk imports: one statement for many rows (columns as arrays, unnest) instead of one round
    // trip per row; under a savepoint inside a transaction, like every write.
    getMany: async (macs) => {
      if (macs.length === 0) return [];
      return (await this.#rows(`SELECT ${COLS.devices} FROM devices WHERE mac = ANY($1::text[]) ORDER BY mac`, [macs])).map((r) => this.#map.device(r));
    },
    insertMany: async (ds) => {
      if (ds.length === 0) return;
      const at = now();
      await this.#write(
        `INSERT INTO devices (mac, tenant_id, vendor, model, user_number, label, expansion_modules, extra_lines, provisioning_username,
         provisioning_password, enrol_until, device_group, created_at, updated_at)
         SELECT d.mac, d.tenant_id, d.vendor, d.model, d.user_number, d.label, d.expansion_modules, d.extra_lines::json, d.provisioning_username,
           d.provisioning_password, d.enrol_until, d.grp, $13, $13
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::integer[], $8::text[], $9::text[], $10::text[],
           $11::text[], $12::text[]) WITH ORDINALITY
           AS d(mac, tenant_id, vendor, model, user_number, label, expansion_modules, extra_lines, provisioning_username, provisioning_password,
             enrol_until, grp, n)
         ORDER BY d.n`,
        [...this.#deviceColumns(ds), ds.map((d) => d.enrolUntil ?? null), ds.map((d) => d.group ?? null), at],
      );
    },
    updateMany: async (ds) => {
      if (ds.length === 0) return [];
      const r = await this.#atomic((q) => q(
        `UPDATE devices SET tenant_id = d.tenant_id, vendor = d.vendor, model = d.model, user_number = d.user_number, label = d.label,
           expansion_modules = d.expansion_modules, extra_lines = d.extra_lines::json, provisioning_username = d.provisioning_username,
           provisioning_password = d.provisioning_password, device_group = CASE WHEN d.set_group THEN d.grp ELSE devices.device_group END,
           version = devices.version + 1, updated_at = $14
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::integer[], $8::text[], $9::text[], $10::text[],
           $11::boolean[], $12::text[], $13::integer[])
           AS d(mac, tenant_id, vendor, model, user_number, label, expansion_modules, extra_lines, provisioning_username, provisioning_password,
             set_group, grp, if_version)
         WHERE devices.mac = d.mac AND (d.if_version IS NULL OR devices.version = d.if_version)
         RETURNING devices.mac`,
        [...this.#deviceColumns(ds), ds.map((d) => d.group !== undefined), ds.map((d) => d.group ?? null), ds.map((d) => d.ifVersion ?? null), now()],
      ));
      const done = new Set((r.rows as Array<{ mac: string }>).map((x) => x.mac));
      return ds.filter((d) => !done.has(d.mac)).map((d) => d.mac);
    },
    openEnrolment: async (mac, until) =>
      (await this.#write('UPDATE devices SET enrol_until = $1, enrolled_at = NULL, enrolled_ip = NULL WHERE mac = $2', [until, mac])) > 0,
    // One statement: of two concurrent claims (two nodes, two phones with one MAC) one wins.
    claimEnrolment: async (mac, at, ip) =>
      (await this.#write(
        'UPDATE devices SET enrol_until = NULL, enrolled_at = $1, enrolled_ip = $2 WHERE mac = $3 AND enrol_until IS NOT NULL AND enrol_until > $1',
        [at, ip, mac],
      )) > 0,
  };

  keys: Store['keys'] = {
    list: async (userNumber) =>
      (await this.#rows('SELECT position, type, value, label FROM function_keys WHERE user_number = $1 ORDER BY position', [userNumber])).map(this.#map.key),
    replace: async (userNumber, keys, ifVersion) =>
      this.#atomic(async (q) => {
        const params: unknown[] = [userNumber];
        const bumped = (await q(`UPDATE users SET keys_version = keys_version + 1 WHERE number = $1${versionClause(params, ifVersion, 'keys_version')}`, params))
          .rowCount;
        if (!bumped && ifVersion !== undefined) return false;
        await q('DELETE FROM function_keys WHERE user_number = $1', [userNumber]);
        if (keys.length === 0) return true;
        await q(
          `INSERT INTO function_keys (user_number, position, type, value, label)
           SELECT $1, k.position, k.type, k.value, k.label
           FROM unnest($2::integer[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS k(position, type, value, label, n) ORDER BY k.n`,
          [userNumber, keys.map((k) => k.position), keys.map((k) => k.type), keys.map((k) => k.value), keys.map((k) => k.label)],
        );
        return true;
      }),
    watchersOf: async (number) =>
      (await this.#rows("SELECT DISTINCT user_number FROM function_keys WHERE type = 'blf' AND value = $1 ORDER BY user_number", [number])).map((r) =>
        str(r.user_number),
      ),
  };

  /** Upsert a profile row (its passwords sealed); with `ifVersion` only when the row is still at it (0: no row yet). */
  async #setProfile(table: 'tenant_network' | 'device_network', keyCol: 'tenant_id' | 'mac', key: string, p: NetworkOverrides, ifVersion?: number): Promise<boolean> {
    const profile = JSON.stringify(this.#box.sealProfile(p));
    if (ifVersion === undefined) {
      await this.#write(
        `INSERT INTO ${table} (${keyCol}, profile) VALUES ($1, $2) ON CONFLICT (${keyCol}) DO UPDATE SET profile = excluded.profile, version = ${table}.version + 1`,
        [key, profile],
      );
      return true;
    }
    if (ifVersion === 0) return (await this.#write(`INSERT INTO ${table} (${keyCol}, profile) VALUES ($1, $2) ON CONFLICT (${keyCol}) DO NOTHING`, [key, profile])) > 0;
    return (await this.#write(`UPDATE ${table} SET profile = $1, version = version + 1 WHERE ${keyCol} = $2 AND version = $3`, [profile, key, ifVersion])) > 0;
  }

  async #profileEntry(sql: string, key: string): Promise<VersionedProfile> {
    const r = await this.#one(sql, [key]);
    return r ? { profile: this.#box.openProfile(r.profile as NetworkOverrides), version: num(r.version) } : { profile: {}, version: 0 };
  }

  network: Store['network'] = {
    getTenant: async (tenantId) => (await this.network.getTenantEntry(tenantId)).profile,
    getTenantEntry: (tenantId) => this.#profileEntry('SELECT profile, version FROM tenant_network WHERE tenant_id = $1', tenantId),
    setTenant: (tenantId, p, ifVersion) => this.#setProfile('tenant_network', 'tenant_id', tenantId, p, ifVersion),
    getDevice: async (mac) => (await this.network.getDeviceEntry(mac)).profile,
    getDeviceEntry: (mac) => this.#profileEntry('SELECT profile, version FROM device_network WHERE mac = $1', mac),
    setDevice: (mac, p, ifVersion) => this.#setProfile('device_network', 'mac', mac, p, ifVersion),
  };

  /** A row by its numeric id (one past the integers names none). */
  async #byId<T>(table: 'contacts' | 'tenant_contacts' | 'key_templates', id: number, map: (r: Row) => T): Promise<T | undefined> {
    return Number.isSafeInteger(id) ? this.#get(table, 'id', id, map) : undefined;
  }

  /** An INSERT … RETURNING id (under a savepoint inside a transaction): the new row's id. */
  async #insertId(sql: string, params: unknown[]): Promise<number> {
    const r = this.#conn.inTransaction ? await this.#atomic((q) => q(sql, params)) : await this.#conn.query(sql, params);
    return num(r.rows[0]!.id);
  }

  /** DELETE by a numeric id, given `ifVersion` only at that version: whether a row went. */
  async #deleteId(table: 'contacts' | 'tenant_contacts' | 'key_templates', id: number, ifVersion?: number): Promise<boolean> {
    return Number.isSafeInteger(id) && this.#deleteRow(table, 'id', id, ifVersion);
  }

  /** DELETE by key, given `ifVersion` only at that version: whether a row went. */
  async #deleteRow(table: string, keyCol: string, key: string | number, ifVersion?: number): Promise<boolean> {
    const params: unknown[] = [key];
    return (await this.#write(`DELETE FROM ${table} WHERE ${keyCol} = $1${versionClause(params, ifVersion)}`, params)) > 0;
  }

  /**
   * Personal contacts (owned by a user) and the company directory (owned by a tenant) are one
   * table shape: listed by name (case-insensitive) then id.
   */
  #contactTable<C extends Contact | SharedContact>(table: 'contacts' | 'tenant_contacts', owner: 'user_number' | 'tenant_id', map: () => (r: Row) => C) {
    return {
      list: async (ownerId: string) =>
        (await this.#rows(`SELECT ${COLS[table]} FROM ${table} WHERE ${owner} = $1 ORDER BY ${NOCASE('name')}, id`, [ownerId])).map((r) => map()(r)),
      get: (id: number) => this.#byId(table, id, (r) => map()(r)),
      insertFor: (ownerId: string, c: Omit<C, 'id' | 'createdAt' | 'updatedAt' | 'version'>) => {
        const at = now();
        return this.#insertId(
          `INSERT INTO ${table} (${owner}, name, work, mobile, home, grp, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
          [ownerId, c.name, c.work, c.mobile, c.home, c.group, at, at],
        );
      },
      update: async (id: number, c: Pick<C, 'name' | 'work' | 'mobile' | 'home' | 'group'>, ifVersion?: number) => {
        if (!Number.isSafeInteger(id)) return false;
        const params: unknown[] = [c.name, c.work, c.mobile, c.home, c.group, now(), id];
        return (await this.#write(
          `UPDATE ${table} SET name = $1, work = $2, mobile = $3, home = $4, grp = $5, version = version + 1, updated_at = $6 WHERE id = $7${versionClause(params, ifVersion)}`,
          params,
        )) > 0;
      },
      delete: (id: number, ifVersion?: number) => this.#deleteId(table, id, ifVersion),
    };
  }

  readonly #contacts = this.#contactTable<Contact>('contacts', 'user_number', () => this.#map.contact);
  contacts: Store['contacts'] = {
    ...this.#contacts,
    count: async (userNumber) => num((await this.#one('SELECT count(*) AS n FROM contacts WHERE user_number = $1', [userNumber]))!.n),
    insert: (c) => this.#contacts.insertFor(c.userNumber, c),
  };

  readonly #sharedContacts = this.#contactTable<SharedContact>('tenant_contacts', 'tenant_id', () => this.#map.sharedContact);
  sharedContacts: Store['sharedContacts'] = { ...this.#sharedContacts, insert: (c) => this.#sharedContacts.insertFor(c.tenantId, c) };

  keyTemplates: Store['keyTemplates'] = {
    list: async (tenantId) =>
      (await this.#rows(`SELECT ${COLS.key_templates} FROM key_templates WHERE tenant_id = $1 ORDER BY ${NOCASE('name')}, id`, [tenantId])).map(this.#map.keyTemplate),
    get: (id) => this.#byId('key_templates', id, (r) => this.#map.keyTemplate(r)),
    insert: async (t) => {
      const at = now();
      return this.#insertId(
        'INSERT INTO key_templates (tenant_id, name, family, keys, version, created_at, updated_at) VALUES ($1, $2, $3, $4, 1, $5, $6) RETURNING id',
        [t.tenantId, t.name, t.family, JSON.stringify(t.keys), at, at],
      );
    },
    update: async (id, t, ifVersion) => {
      if (!Number.isSafeInteger(id)) return false;
      const params: unknown[] = [t.name, t.family, JSON.stringify(t.keys), now(), id];
      return (await this.#write(
        `UPDATE key_templates SET name = $1, family = $2, keys = $3, version = version + 1, updated_at = $4 WHERE id = $5${versionClause(params, ifVersion)}`,
        params,
      )) > 0;
    },
    delete: (id, ifVersion) => this.#deleteId('key_templates', id, ifVersion),
  };

  sightings: Store['sightings'] = {
    get: (mac) => this.#get('sightings', 'mac', mac, (r) => this.#map.sighting(r)),
    record: async (batch: Sighting[]) => {
      if (batch.length === 0) return;
      // One row per MAC, as applying the batch in order would leave it (the firmware is kept
      // when a later sighting does not know it); sorted so that concurrent batches lock rows in
      // the same order (no deadlock between nodes).
      const byMac = new Map<string, Sighting>();
      for (const s of batch) {
        const prev = byMac.get(s.mac);
        byMac.set(s.mac, prev ? { ...s, firmware: s.firmware ?? prev.firmware, model: s.model ?? prev.model ?? null } : s);
      }
      const rows = [...byMac.values()].sort((a, b) => (a.mac < b.mac ? -1 : a.mac > b.mac ? 1 : 0));
      const sql = `INSERT INTO sightings (mac, at, ip, user_agent, firmware, file, protocol, model)
        SELECT s.mac, s.at, s.ip, s.user_agent, s.firmware, s.file, s.protocol, s.model
        FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
          AS s(mac, at, ip, user_agent, firmware, file, protocol, model)
        WHERE EXISTS (SELECT 1 FROM devices d WHERE d.mac = s.mac)
        ORDER BY s.mac
        ON CONFLICT (mac) DO UPDATE SET at = excluded.at, ip = excluded.ip, user_agent = excluded.user_agent,
          firmware = COALESCE(excluded.firmware, sightings.firmware), file = excluded.file, protocol = excluded.protocol,
          model = COALESCE(excluded.model, sightings.model)`;
      const params = [
        rows.map((s) => s.mac), rows.map((s) => s.at), rows.map((s) => s.ip), rows.map((s) => s.userAgent),
        rows.map((s) => s.firmware), rows.map((s) => s.file), rows.map((s) => s.protocol), rows.map((s) => s.model ?? null),
      ];
      await this.#writeForDevices(sql, params);
    },
    list: async (filter = {}) =>
      (filter.tenantId
        ? await this.#rows(
            `SELECT ${COLS.sightings.split(', ').map((c) => `s.${c}`).join(', ')} FROM sightings s JOIN devices d ON d.mac = s.mac WHERE d.tenant_id = $1 ORDER BY s.mac`,
            [filter.tenantId],
          )
        : await this.#rows(`SELECT ${COLS.sightings} FROM sightings ORDER BY mac`)
      ).map(this.#map.sighting),
    recordFiles: async (batch: FileFetch[]) => {
      if (batch.length === 0) return;
      const rows = lastPerFile(batch);
      const sql = `INSERT INTO device_files (mac, file, etag, root, at)
        SELECT f.mac, f.file, f.etag, f.root, f.at
        FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS f(mac, file, etag, root, at)
        WHERE EXISTS (SELECT 1 FROM devices d WHERE d.mac = f.mac)
        ORDER BY f.mac, f.file
        ON CONFLICT (mac, file) DO UPDATE SET etag = excluded.etag, root = excluded.root, at = excluded.at`;
      const params = [rows.map((f) => f.mac), rows.map((f) => f.file), rows.map((f) => f.etag), rows.map((f) => f.root), rows.map((f) => f.at)];
      await this.#writeForDevices(sql, params);
    },
    files: async (filter) => {
      const cols = COLS.device_files.split(', ').map((c) => `f.${c}`).join(', ');
      if (filter.mac) return (await this.#rows(`SELECT ${COLS.device_files} FROM device_files WHERE mac = $1 ORDER BY file`, [filter.mac])).map(this.#map.fileFetch);
      if (filter.tenantId) {
        return (
          await this.#rows(`SELECT ${cols} FROM device_files f JOIN devices d ON d.mac = f.mac WHERE d.tenant_id = $1 ORDER BY f.mac, f.file`, [filter.tenantId])
        ).map(this.#map.fileFetch);
      }
      return (await this.#rows(`SELECT ${COLS.device_files} FROM device_files ORDER BY mac, file`)).map(this.#map.fileFetch);
    },
    recordSnapshots: async (batch: FileSnapshot[]) => {
      if (batch.length === 0) return;
      const rows = lastPerFile(batch);
      const sql = `INSERT INTO fetched_files (mac, file, etag, size, body, at, owner)
        SELECT f.mac, f.file, f.etag, f.size, f.body, f.at, f.owner
        FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[]) AS f(mac, file, etag, size, body, at, owner)
        WHERE EXISTS (SELECT 1 FROM devices d WHERE d.mac = f.mac)
        ORDER BY f.mac, f.file
        ON CONFLICT (mac, file) DO UPDATE SET etag = excluded.etag, size = excluded.size, body = excluded.body, at = excluded.at, owner = excluded.owner`;
      const params = [
        rows.map((f) => f.mac), rows.map((f) => f.file), rows.map((f) => f.etag), rows.map((f) => f.size),
        rows.map((f) => (f.body ? this.#box.seal(f.body.toString('base64'), FETCHED_FILE_BODY) : null)), rows.map((f) => f.at), rows.map((f) => f.owner ?? null),
      ];
      await this.#writeForDevices(sql, params);
    },
    snapshot: async (mac, file) => {
      const r = await this.#one('SELECT mac, file, etag, size, body, at, owner FROM fetched_files WHERE mac = $1 AND file = $2', [mac, file]);
      return r && this.#map.snapshot(r);
    },
  };

  unknownDevices: Store['unknownDevices'] = {
    list: async (filter = {}) =>
      (await this.#rows(
        `SELECT ${COLS.unknown_devices.split(', ').map((c) => `u.${c}`).join(', ')} FROM unknown_devices u
         WHERE NOT EXISTS (SELECT 1 FROM devices d WHERE d.mac = u.mac) AND ($1::text IS NULL OR u.assigned_tenant = $1)
         ORDER BY u.last_seen DESC LIMIT $2`,
        [filter.assignedTenant ?? null, filter.limit ?? null],
      )).map(this.#map.unknown),
    get: (mac) => this.#get('unknown_devices', 'mac', mac, (r) => this.#map.unknown(r)),
    assign: async (mac, tenantId) => (await this.#write('UPDATE unknown_devices SET assigned_tenant = $1 WHERE mac = $2', [tenantId, mac])) > 0,
    prune: (o) =>
      this.#atomic(async (q) => {
        let n = (await q('DELETE FROM unknown_devices WHERE last_seen < $1 AND assigned_tenant IS NULL', [o.olderThan])).rowCount ?? 0;
        const count = num((await q('SELECT count(*) AS n FROM unknown_devices WHERE assigned_tenant IS NULL')).rows[0]!.n);
        if (count > o.maxEntries) {
          n += (await q(
            `DELETE FROM unknown_devices WHERE mac IN (
               SELECT mac FROM unknown_devices WHERE assigned_tenant IS NULL ORDER BY last_seen ASC, mac LIMIT $1)`,
            [count - o.maxEntries],
          )).rowCount ?? 0;
        }
        return n;
      }),
    record: async (batch) => {
      if (batch.length === 0) return;
      // Folded per MAC exactly as the SQLite upsert applied row after row would leave it.
      type Folded = { mac: string; vendor: string | null; model: string | null; ip: string; userAgent: string | null; firstSeen: string; lastSeen: string; hits: number };
      const byMac = new Map<string, Folded>();
      for (const u of batch) {
        const p = byMac.get(u.mac);
        byMac.set(
          u.mac,
          p
            ? { mac: u.mac, vendor: u.vendor ?? p.vendor, model: u.model ?? p.model, ip: u.ip, userAgent: u.userAgent ?? p.userAgent, firstSeen: p.firstSeen, lastSeen: u.lastSeen, hits: p.hits + u.hits }
            : { mac: u.mac, vendor: u.vendor, model: u.model, ip: u.ip, userAgent: u.userAgent, firstSeen: u.lastSeen, lastSeen: u.lastSeen, hits: u.hits },
        );
      }
      const rows = [...byMac.values()].sort((a, b) => (a.mac < b.mac ? -1 : a.mac > b.mac ? 1 : 0));
      await this.#write(
        `INSERT INTO unknown_devices (mac, vendor, model, ip, user_agent, first_seen, last_seen, count)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[])
         ORDER BY 1
         ON CONFLICT (mac) DO UPDATE SET vendor = COALESCE(excluded.vendor, unknown_devices.vendor), model = COALESCE(excluded.model, unknown_devices.model),
           ip = excluded.ip, user_agent = COALESCE(excluded.user_agent, unknown_devices.user_agent), last_seen = excluded.last_seen,
           count = unknown_devices.count + excluded.count`,
        [
          rows.map((u) => u.mac), rows.map((u) => u.vendor), rows.map((u) => u.model), rows.map((u) => u.ip), rows.map((u) => u.userAgent),
          rows.map((u) => u.firstSeen), rows.map((u) => u.lastSeen), rows.map((u) => u.hits),
        ],
      );
    },
    delete: async (mac) => (await this.#write('DELETE FROM unknown_devices WHERE mac = $1', [mac])) > 0,
  };

  // The undo journal of imports that commit in chunks (same contract as SQLite's
  // server/store/sqlite/import-runs.ts): a failed or dead run is put back newest first, a chunk per
  // transaction; a row somebody changed since the import wrote it (its version moved on) stays.
  importRuns: Store['importRuns'] = {
    begin: async (run) => {
      await this.#write('INSERT INTO import_runs (id, kind, owner, started_at, heartbeat_at) VALUES ($1, $2, $3, $4, $4)', [
        run.id, run.kind, run.owner, run.startedAt,
      ]);
    },
    journal: async (runId, entries: UndoEntry[]) => {
      if (entries.length === 0) return;
      await this.#write(
        `INSERT INTO import_undo (run_id, seq, entity, key, before, after_version)
         SELECT $1, (SELECT COALESCE(max(seq), 0) FROM import_undo WHERE run_id = $1) + e.n, e.entity, e.key, e.before, e.after_version
         FROM unnest($2::text[], $3::text[], $4::text[], $5::integer[]) WITH ORDINALITY AS e(entity, key, before, after_version, n)`,
        [runId, entries.map((e) => e.entity), entries.map((e) => e.key), entries.map((e) => journalBefore(this.#box, e)),
          entries.map((e) => e.afterVersion)],
      );
    },
    heartbeat: async (runId, at) => {
      await this.#write('UPDATE import_runs SET heartbeat_at = $1 WHERE id = $2', [at, runId]);
    },
    finish: async (runId) => {
      // Marked done first (atomic): from then on the journal is garbage, never undone.
      await this.#write(`UPDATE import_runs SET state = 'done' WHERE id = $1`, [runId]);
      await this.#write('DELETE FROM import_runs WHERE id = $1', [runId]); // its journal goes with it (ON DELETE CASCADE)
    },
    undo: async (runId) => {
      const macs = new Set<string>();
      const contactsOf = new Set<string>();
      let skipped = 0;
      const state = await this.#one('SELECT state FROM import_runs WHERE id = $1', [runId]);
      if (state?.state === 'done') {
        await this.#write('DELETE FROM import_runs WHERE id = $1', [runId]);
        return { macs: [], contactsOf: [], skipped: 0 };
      }
      const CHUNK = 2000;
      for (;;) {
        const more = await this.#atomic(async (q) => {
          const rows = (await q(
            'SELECT seq, entity, key, before, after_version FROM import_undo WHERE run_id = $1 ORDER BY seq DESC LIMIT $2',
            [runId, CHUNK],
          )).rows as Array<{ seq: number; entity: string; key: string; before: string | null; after_version: number }>;
          for (const e of rows) {
            let done: number;
            if (e.entity === 'device') {
              macs.add(e.key);
              if (e.before === null) done = (await q('DELETE FROM devices WHERE mac = $1 AND version = $2', [e.key, e.after_version])).rowCount ?? 0;
              else {
                const d = JSON.parse(e.before) as Device;
                done = (await q(
                  `UPDATE devices SET tenant_id = $1, vendor = $2, model = $3, user_number = $4, label = $5, expansion_modules = $6, extra_lines = $7,
                   provisioning_username = $8, provisioning_password = $9, device_group = CASE WHEN $13::boolean THEN $14 ELSE device_group END,
                   version = version + 1, updated_at = $10 WHERE mac = $11 AND version = $12`,
                  [d.tenantId, d.vendor, d.model, d.userNumber, d.label, d.expansionModules, JSON.stringify(d.extraLines ?? []), d.provisioningUsername,
                    restoredPassword(this.#box, d), now(), e.key, e.after_version, d.group !== undefined, d.group ?? null],
                )).rowCount ?? 0;
              }
            } else {
              // A personal contact (its user's contact file changes), or a shared one of a tenant
              // (company directory: every phone of the tenant shows it).
              const kind = contactUndo(e.key);
              const before = e.before === null ? null : (JSON.parse(e.before) as Contact & SharedContact);
              const owner = before
                ? before[kind.field]
                : ((await q(`SELECT ${kind.owner} AS o FROM ${kind.table} WHERE id = $1`, [kind.id])).rows[0]?.o as string | undefined);
              if (owner && kind.shared) for (const r of (await q('SELECT mac FROM devices WHERE tenant_id = $1', [owner])).rows as Array<{ mac: string }>) macs.add(r.mac);
              else if (owner) contactsOf.add(owner);
              if (before === null) done = (await q(`DELETE FROM ${kind.table} WHERE id = $1 AND version = $2`, [kind.id, e.after_version])).rowCount ?? 0;
              else {
                done = (await q(
                  `UPDATE ${kind.table} SET name = $1, work = $2, mobile = $3, home = $4, grp = $5, version = version + 1, updated_at = $6 WHERE id = $7 AND version = $8`,
                  [before.name, before.work, before.mobile, before.home, before.group, now(), kind.id, e.after_version],
                )).rowCount ?? 0;
              }
            }
            if (done === 0) skipped++;
          }
          if (rows.length) await q('DELETE FROM import_undo WHERE run_id = $1 AND seq >= $2', [runId, rows[rows.length - 1]!.seq]);
          return rows.length === CHUNK;
        });
        if (!more) break;
      }
      await this.#write('DELETE FROM import_runs WHERE id = $1', [runId]);
      return { macs: [...macs], contactsOf: [...contactsOf], skipped };
    },
    list: async () =>
      (await this.#rows('SELECT id, kind, owner, started_at, heartbeat_at FROM import_runs ORDER BY started_at, id')).map((r) => ({
        id: str(r.id), kind: str(r.kind), owner: str(r.owner), startedAt: str(r.started_at), heartbeatAt: str(r.heartbeat_at),
      })),
  };

  operators: Store['operators'] = {
    get: (login) => this.#get('operators', 'login', login, (r) => this.#map.operator(r)),
    insert: async (o) => {
      await this.#write('INSERT INTO operators (login, password_hash, created_at) VALUES ($1, $2, $3)', [o.login, o.passwordHash, now()]);
    },
    setPassword: async (login, passwordHash) => (await this.#write('UPDATE operators SET password_hash = $1 WHERE login = $2', [passwordHash, login])) > 0,
    count: async () => num((await this.#one('SELECT count(*) AS n FROM operators'))!.n),
  };

  credentials: Store['credentials'] = {
    insert: async (c) => {
      await this.#write(
        `INSERT INTO auth_sessions (id, kind, token_hash, cookie_hash, csrf_token, principal_kind, principal_id, label, created_at,
         last_used_at, expires_at, address, user_agent) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
        [c.id, c.kind, c.tokenHash, c.cookieHash, c.csrfToken, c.principalKind, c.principalId, c.label, c.createdAt, c.lastUsedAt, c.expiresAt,
          c.address, c.userAgent],
      );
    },
    findByToken: (hash) => this.#get('auth_sessions', 'token_hash', hash, (r) => this.#map.credential(r)),
    findByCookie: (hash) => this.#get('auth_sessions', 'cookie_hash', hash, (r) => this.#map.credential(r)),
    get: (id) => this.#get('auth_sessions', 'id', id, (r) => this.#map.credential(r)),
    list: async (filter) =>
      (filter
        ? await this.#rows(`SELECT ${COLS.auth_sessions} FROM auth_sessions WHERE principal_kind = $1 AND principal_id = $2 ORDER BY created_at, id`, [
          filter.principalKind, filter.principalId,
        ])
        : await this.#rows(`SELECT ${COLS.auth_sessions} FROM auth_sessions ORDER BY created_at, id`)
      ).map(this.#map.credential),
    touch: async (id, at) => {
      await this.#write('UPDATE auth_sessions SET last_used_at = $1 WHERE id = $2 AND last_used_at < $1', [at, id]);
    },
    delete: async (id) => (await this.#write('DELETE FROM auth_sessions WHERE id = $1', [id])) > 0,
    deleteFor: async (kind, principalId, opts = {}) =>
      this.#write(
        `DELETE FROM auth_sessions WHERE principal_kind = $1 AND principal_id = $2
         AND ($3::text IS NULL OR id <> $3) AND ($4::text IS NULL OR kind = $4)`,
        [kind, principalId, opts.except ?? null, opts.kind ?? null],
      ),
    purgeExpired: async (at, idleBefore) =>
      this.#write(`DELETE FROM auth_sessions WHERE expires_at <= $1 OR (kind = 'session' AND last_used_at < $2)`, [at, idleBefore]),
  };

  secrets: Store['secrets'] = {
    census: async () => pgCensus((sql, params) => this.#conn.query(sql, params)),
    // One transaction, rows locked: a node writing beside `cadran secrets rotate` waits for it.
    reencrypt: () => this.#atomic((q) => pgVisitSecrets(q, (stored, purpose) => this.#box.seal(this.#box.open(stored, purpose), purpose))),
  };

  passwordResets: Store['passwordResets'] = {
    issue: (r) =>
      this.#atomic(async (q) => {
        // The user's row is locked so two requests at once cannot both pass the check.
        const user = await q('SELECT 1 FROM users WHERE number = $1 FOR UPDATE', [r.userNumber]);
        if (user.rowCount === 0) {
          throw new StoreError('constraint', `the database refused it: password reset for user ${r.userNumber}, who does not exist`);
        }
        const recent = await q('SELECT 1 FROM password_resets WHERE user_number = $1 AND used_at IS NULL AND created_at > $2 LIMIT 1', [r.userNumber, r.notBefore]);
        if ((recent.rowCount ?? 0) > 0) return false;
        await q('INSERT INTO password_resets (token_hash, user_number, created_at, expires_at) VALUES ($1, $2, $3, $4)', [
          r.tokenHash, r.userNumber, r.createdAt, r.expiresAt,
        ]);
        // Links past their expiry are useless: keep the table small.
        await q('DELETE FROM password_resets WHERE expires_at < $1', [r.createdAt]);
        return true;
      }),
    peek: async (tokenHash, at) =>
      strOrNull((await this.#one('SELECT user_number FROM password_resets WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2', [tokenHash, at]))?.user_number) ??
      undefined,
    claim: async (tokenHash, at) => {
      const sql = 'UPDATE password_resets SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING user_number';
      const r = this.#conn.inTransaction ? await this.#atomic((q) => q(sql, [tokenHash, at])) : await this.#conn.query(sql, [tokenHash, at]);
      return strOrNull(r.rows[0]?.user_number) ?? undefined;
    },
    revokeAll: (userNumber, at) =>
      this.#atomic(async (q) => {
        await q('UPDATE password_resets SET used_at = $2 WHERE user_number = $1 AND used_at IS NULL', [userNumber, at]);
        await q('DELETE FROM password_resets WHERE expires_at < $1', [at]);
      }),
  };

  resync: Store['resync'] = {
    createJob: (job, targets, unsendable, lease) =>
      this.#atomic(async (q) => {
        const at = iso(job.createdAt);
        await q(
          `INSERT INTO resync_jobs (id, scope, scope_id, tenant_id, reboot, requested_by, state, created_at, updated_at, cancelled_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9)`,
          [job.jobId, job.scope.kind, job.scope.id, job.tenantId, job.reboot, job.requestedBy, job.cancelledAt === undefined ? 'running' : 'cancelled', at,
            job.cancelledAt === undefined ? null : iso(job.cancelledAt)],
        );
        if (targets.length > 0) {
          await q(
            `INSERT INTO resync_targets (job_id, mac, tenant_id, state, target, target_port, event, request_uri, from_domain, user_number, updated_at, lease_owner, lease_until)
             SELECT $1, t.mac, t.tenant_id, 'queued', t.host, t.port, t.event, t.request_uri, t.from_domain, t.user_number, $2, $11::text, $12::text
             FROM unnest($3::text[], $4::text[], $5::text[], $6::integer[], $7::text[], $8::text[], $9::text[], $10::text[]) WITH ORDINALITY
               AS t(mac, tenant_id, host, port, event, request_uri, from_domain, user_number, n)
             ORDER BY t.n`,
            [job.jobId, at, targets.map((t) => t.deviceMac), targets.map((t) => t.tenantId), targets.map((t) => t.target.host),
              targets.map((t) => t.target.port), targets.map((t) => t.event), targets.map((t) => t.requestUri), targets.map((t) => t.fromDomain),
              targets.map((t) => t.userNumber ?? null), lease?.owner ?? null, lease ? iso(lease.until) : null],
          );
        }
        if (unsendable.length > 0) {
          await q(
            `INSERT INTO resync_targets (job_id, mac, tenant_id, state, reason, updated_at)
             SELECT $1, t.mac, t.tenant_id, 'failed', t.reason, $2
             FROM unnest($3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS t(mac, tenant_id, reason, n)
             ORDER BY t.n
             ON CONFLICT (job_id, mac) DO NOTHING`,
            [job.jobId, at, unsendable.map((t) => t.deviceMac), unsendable.map((t) => t.tenantId), unsendable.map((t) => t.reason)],
          );
        }
      }),
    setTargetState: async (jobId, deviceMac, state, detail) => {
      await this.#write(
        `UPDATE resync_targets SET state = $1, updated_at = $2,
           sent_at = CASE WHEN $1 = 'sent' THEN $2 ELSE sent_at END,
           answered_at = CASE WHEN $1 IN ('answered', 'failed') THEN $2 ELSE answered_at END,
           fetched_at = CASE WHEN $1 = 'fetched' THEN $2 ELSE fetched_at END,
           code = COALESCE($3, code), reason = COALESCE($4, reason)
         WHERE job_id = $5 AND mac = $6`,
        [state, iso(detail.at), detail.code ?? null, detail.reason ?? null, jobId, deviceMac],
      );
    },
    pendingTargets: async () =>
      (
        await this.#rows(`SELECT ${TARGET_COLS}, u.sip_auth_name AS auth_name, u.sip_password AS auth_password
                          FROM resync_targets t
                            JOIN resync_jobs j ON j.id = t.job_id
                            LEFT JOIN users u ON u.number = t.user_number
                          WHERE t.state IN ('queued', 'sent') AND j.cancelled_at IS NULL AND t.request_uri IS NOT NULL
                          ORDER BY j.created_at, t.seq`)
      ).map((r) => this.#map.target(r)),
    claimTargets: async (owner, o) => {
      if (o.limit <= 0 || o.perTenant <= 0) return [];
      // Candidates fairly spread over tenants (oldest job first within each), then locked with
      // SKIP LOCKED: a node claiming at the same moment skips these rows and takes others; a row
      // another node leased meanwhile is re-checked against the lease condition and left out.
      const rows = await this.#rows(
        `WITH held AS (
           SELECT tenant_id, count(*) AS h FROM resync_targets
           WHERE lease_owner = $4 AND state = 'queued' AND lease_until >= $1 GROUP BY tenant_id
         ), c AS (
           SELECT t.job_id, t.mac, t.seq, t.tenant_id, j.created_at AS jc,
                  row_number() OVER (PARTITION BY t.tenant_id ORDER BY j.created_at, t.seq) AS n
           FROM resync_targets t JOIN resync_jobs j ON j.id = t.job_id
           WHERE t.state IN ('queued', 'sent') AND j.cancelled_at IS NULL AND t.request_uri IS NOT NULL
             AND (t.lease_until IS NULL OR t.lease_until < $1)
         ), pick AS (
           SELECT t.job_id, t.mac, t.user_number, c.jc, c.seq
           FROM resync_targets t JOIN c ON c.job_id = t.job_id AND c.mac = t.mac LEFT JOIN held ON held.tenant_id = c.tenant_id
           WHERE c.n + coalesce(held.h, 0) <= $2 AND t.state IN ('queued', 'sent') AND (t.lease_until IS NULL OR t.lease_until < $1)
           ORDER BY c.jc, c.seq
           LIMIT $3
           FOR UPDATE OF t SKIP LOCKED
         ), leased AS (
           UPDATE resync_targets t SET lease_owner = $4, lease_until = $5
           FROM pick WHERE t.job_id = pick.job_id AND t.mac = pick.mac
           RETURNING ${TARGET_COLS}, pick.jc, pick.seq AS pseq
         )
         SELECT l.*, u.sip_auth_name AS auth_name, u.sip_password AS auth_password
         FROM leased l LEFT JOIN users u ON u.number = l.user_number
         ORDER BY l.jc, l.pseq`,
        [iso(o.now), o.perTenant, o.limit, owner, iso(o.until)],
      );
      return rows.map((r) => this.#map.target(r));
    },
    renewLeases: async (owner, until) =>
      (
        await this.#conn.query(`UPDATE resync_targets SET lease_until = $1 WHERE lease_owner = $2 AND state IN ('queued', 'sent') RETURNING job_id, mac`, [
          iso(until),
          owner,
        ])
      ).rows.map((r) => ({ jobId: str(r.job_id), deviceMac: str(r.mac) })),
    releaseLeases: async (owner) => {
      await this.#write(`UPDATE resync_targets SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $1 AND state IN ('queued', 'sent')`, [owner]);
    },
    awaitingFetch: async (deviceMac, since) =>
      (
        await this.#rows(`SELECT job_id, state, code FROM resync_targets WHERE mac = $1 AND state IN ('sent', 'answered') AND sent_at >= $2 ORDER BY seq`, [
          deviceMac,
          iso(since),
        ])
      ).map((r) => ({ jobId: str(r.job_id), state: r.state as ResyncState, ...(r.code !== null ? { code: num(r.code) } : {}) })),
    cancelJob: (jobId, at) =>
      this.#atomic(async (q) => {
        const when = iso(at);
        const job = await q(`UPDATE resync_jobs SET cancelled_at = COALESCE(cancelled_at, $1), state = 'cancelled', updated_at = $1 WHERE id = $2`, [when, jobId]);
        if (job.rowCount === 0) return [];
        const rows = await q(
          `WITH c AS (UPDATE resync_targets SET state = 'cancelled', updated_at = $1 WHERE job_id = $2 AND state = 'queued' RETURNING mac, seq)
           SELECT mac FROM c ORDER BY seq`,
          [when, jobId],
        );
        return rows.rows.map((r) => str(r.mac));
      }),
    getJob: async (jobId) => {
      const j = await this.#one(`SELECT ${COLS.resync_jobs} FROM resync_jobs WHERE id = $1`, [jobId]);
      if (!j) return null;
      const rows = await this.#rows(`SELECT ${COLS.resync_targets} FROM resync_targets WHERE job_id = $1 ORDER BY mac`, [jobId]);
      return { job: this.#map.job(j), targets: rows.map(this.#map.targetRecord) };
    },
    listJobs: async (filter = {}) => {
      const limit = Number.isFinite(filter.limit) ? Math.max(1, Math.min(Math.trunc(filter.limit!), 1000)) : 100;
      const jobs = await this.#rows(
        `SELECT ${COLS.resync_jobs} FROM resync_jobs
         WHERE ($1::text IS NULL OR tenant_id = $1) AND ($2::text IS NULL OR requested_by = $2)
         ORDER BY created_at DESC, seq DESC LIMIT $3`,
        [filter.tenantId ?? null, filter.requestedBy ?? null, limit],
      );
      if (jobs.length === 0) return [];
      const states = await this.#rows('SELECT job_id, state FROM resync_targets WHERE job_id = ANY($1::text[])', [jobs.map((j) => j.id)]);
      const byJob = new Map<string, ResyncState[]>();
      for (const s of states) {
        const list = byJob.get(str(s.job_id)) ?? [];
        list.push(s.state as ResyncState);
        byJob.set(str(s.job_id), list);
      }
      return jobs.map((j) => summarizeJob(this.#map.job(j), byJob.get(str(j.id)) ?? []));
    },
  };

  audit: Store['audit'] = {
    append: async (e) => {
      const run = (q: Query) =>
        q(
          `INSERT INTO audit_log (at, principal, channel, address, action, tenant_id, user_number, mac, target_id, "before", "after", changes, summary)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
          [
            e.at, e.principal, e.channel, e.address, e.action, e.tenantId, e.userNumber, e.mac, e.targetId, jsonOrNull(e.before),
            jsonOrNull(e.after), JSON.stringify(e.changes ?? []), jsonOrNull(e.summary),
          ],
        );
      const r = this.#conn.inTransaction ? await this.#conn.atomic(run) : await run(this.#conn.query);
      return num(r.rows[0]!.id);
    },
    list: async (f) => {
      const where: string[] = [];
      const args: unknown[] = [];
      const arg = (v: unknown) => (args.push(v), `$${args.length}`);
      if (f.tenantId !== undefined) where.push(`tenant_id = ${arg(f.tenantId)}`);
      if (f.userNumber !== undefined) where.push(`user_number = ${arg(f.userNumber)}`);
      if (f.mac !== undefined) where.push(`mac = ${arg(f.mac)}`);
      if (f.action !== undefined) {
        if (f.action.endsWith('.')) where.push(`substr(action, 1, ${arg(f.action.length)}::integer) = ${arg(f.action)}`);
        else where.push(`action = ${arg(f.action)}`);
      }
      if (f.since !== undefined) where.push(`at >= ${arg(f.since)}`);
      if (f.until !== undefined) where.push(`at <= ${arg(f.until)}`);
      if (f.beforeId !== undefined) where.push(`id < ${arg(f.beforeId)}`);
      const sql = `SELECT ${COLS.audit_log} FROM audit_log${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${arg(f.limit)}`;
      return (await this.#rows(sql, args)).map(this.#map.audit);
    },
    purge: async (before) => this.#write('DELETE FROM audit_log WHERE at < $1', [before]),
  };

  features: Store['features'] = {
    get: (userNumber) => this.#get('user_features', 'user_number', userNumber, (r) => this.#map.features(r)),
    set: async (userNumber, f) => {
      const params = [
        userNumber, f.dnd.enabled, JSON.stringify(f.dnd.allowedCallers), f.forwardAlways.enabled, f.forwardAlways.target,
        f.rejectAnonymous, JSON.stringify(f.blacklist), new Date().toISOString(),
      ];
      const sql = `INSERT INTO user_features (user_number, dnd_enabled, dnd_allowed, forward_enabled, forward_target, reject_anonymous, blacklist, version, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8)
         ON CONFLICT (user_number) DO UPDATE SET dnd_enabled = excluded.dnd_enabled, dnd_allowed = excluded.dnd_allowed,
           forward_enabled = excluded.forward_enabled, forward_target = excluded.forward_target,
           reject_anonymous = excluded.reject_anonymous, blacklist = excluded.blacklist,
           version = user_features.version + 1, updated_at = excluded.updated_at
         RETURNING version`;
      const r = await this.#atomic((q) => q(sql, params));
      return num(r.rows[0]!.version);
    },
  };

  settings: Store['settings'] = {
    get: async <T>(key: string) => {
      const r = await this.#one('SELECT value FROM settings WHERE key = $1', [key]);
      return r ? (r.value as T) : undefined;
    },
    set: async (key, value) => {
      await this.#write('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, JSON.stringify(value)]);
    },
    setIfAbsent: async <T>(key: string, value: T) => {
      // Two nodes starting at once: one INSERT wins, the other's DO NOTHING waits for it, then
      // both read the winner's value.
      await this.#write('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [key, JSON.stringify(value)]);
      return (await this.#one('SELECT value FROM settings WHERE key = $1', [key]))!.value as T;
    },
  };

  nodes: Store['nodes'] = {
    heartbeat: (id, at, ttlMs) =>
      this.#atomic(async (q) => {
        const when = iso(at);
        await q(
          `INSERT INTO cluster_nodes (id, started_at, heartbeat_at) VALUES ($1, $2, $2)
           ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at`,
          [id, when],
        );
        await q('DELETE FROM cluster_nodes WHERE heartbeat_at < $1', [iso(at - 10 * ttlMs)]);
        return num((await q('SELECT count(*) AS n FROM cluster_nodes WHERE heartbeat_at >= $1', [iso(at - ttlMs)])).rows[0]!.n);
      }),
    leave: async (id) => {
      await this.#write('DELETE FROM cluster_nodes WHERE id = $1', [id]);
    },
  };

  probeBlocks: Store['probeBlocks'] = {
    add: async (ip, until) => {
      await this.#write(
        `INSERT INTO probe_blocks (ip, blocked_until) VALUES ($1, $2)
         ON CONFLICT (ip) DO UPDATE SET blocked_until = greatest(probe_blocks.blocked_until, excluded.blocked_until)`,
        [ip, iso(until)],
      );
    },
    active: (at) =>
      this.#atomic(async (q) => {
        await q('DELETE FROM probe_blocks WHERE blocked_until <= $1', [iso(at)]);
        return (await q('SELECT ip, blocked_until FROM probe_blocks ORDER BY ip')).rows.map((r) => ({ ip: str(r.ip), until: Date.parse(str(r.blocked_until)) }));
      }),
  };

  templateOverrides: Store['templateOverrides'] = {
    list: async () => (await this.#rows('SELECT vendor, name, source, updated_at FROM template_overrides ORDER BY vendor, name')).map(this.#map.override),
    get: async (vendor, name) => {
      const r = await this.#one('SELECT vendor, name, source, updated_at FROM template_overrides WHERE vendor = $1 AND name = $2', [vendor, name]);
      return r && this.#map.override(r);
    },
    put: async (o) => {
      await this.#write(
        `INSERT INTO template_overrides (vendor, name, source, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (vendor, name) DO UPDATE SET source = excluded.source, updated_at = excluded.updated_at`,
        [o.vendor, o.name, o.source, o.updatedAt ?? now()],
      );
    },
    putIfAbsent: async (o) =>
      (await this.#write(
        'INSERT INTO template_overrides (vendor, name, source, updated_at) VALUES ($1, $2, $3, $4) ON CONFLICT (vendor, name) DO NOTHING',
        [o.vendor, o.name, o.source, now()],
      )) > 0,
    delete: async (vendor, name) => (await this.#write('DELETE FROM template_overrides WHERE vendor = $1 AND name = $2', [vendor, name])) > 0,
  };
}

function emit(shared: Shared, change: StoreChange): void {
  for (const l of [...shared.listeners]) {
    try {
      l(change);
    } catch (e) {
      shared.warn('a store change listener threw', e);
    }
  }
}
