// The better-sqlite3 implementation of the Store: WAL, foreign keys, prepared statements kept,
// versioned migrations under `PRAGMA user_version`.
//
// better-sqlite3 is synchronous and this store has one connection, so the asynchronous interface
// is served like this:
//   - a call on the store runs its statement at once (no I/O thread, no queue) and returns a
//     settled promise — unless a transaction is open, then it waits until that transaction ends;
//   - `transaction(fn)` waits for any open transaction, runs BEGIN IMMEDIATE, hands `fn` a store
//     bound to the transaction (its calls run directly), then COMMIT, or ROLLBACK when `fn`
//     throws; `tx.transaction()` inside runs under a SAVEPOINT;
//   - the outer store used from inside its own transaction would wait for itself forever: that
//     mistake throws at once instead.
import { AsyncLocalStorage } from 'node:async_hooks';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import BetterSqlite3, { type Database, type Statement } from 'better-sqlite3';
import { StoreError } from '../errors.ts';
import type { FileSnapshot } from '../types.ts';
import type { Contact, DeviceWrite, FileFetch, NetworkOverrides, SharedContact, Sighting, Store, StoreChange, VersionedProfile } from '../types.ts';
import { KEY_FILE_NAME, KeyRing, SecretBox, describeKeySource } from '../secrets.ts';
import { type Row, rowMappers, str, strOrNull, textJson } from '../rows.ts';
import { migrate } from './migrations/index.ts';
import { censusOf, jsonRowsWithUnknownKey, keyIdsInUse, scrubbing, visitSecrets } from './secret-columns.ts';
import { sqliteResync } from './resync.ts';
import { sqliteImportRuns } from './import-runs.ts';

const now = (): string => new Date().toISOString();

// Purposes bound into each ciphertext (secrets.ts): a value moved to another column does not open.
import { FETCHED_FILE_BODY, PROVISIONING_PASSWORD, SIP_PASSWORD } from '../secret-sites.ts';

/** `… AND version = ?` when a version is expected: the check and the write are one statement. */
const versionClause = (ifVersion: number | undefined): string => (ifVersion === undefined ? '' : ' AND version = @ifVersion');
const versionParam = (ifVersion: number | undefined) => (ifVersion === undefined ? {} : { ifVersion });

const jsonOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));

export interface SqliteOptions {
  /** Path of the database file, or ':memory:'. */
  file: string;
  /** Stop migrating at this version (tests of the migration path). */
  migrateTo?: number;
  /** How often `onExternalChange` looks at data_version (default 1000 ms). */
  pollMs?: number;
  /**
   * How long a write waits for another process's lock (retried on timers, never blocking the
   * event loop) before it fails as `busy` (default 15 s).
   */
  busyDeadlineMs?: number;
  /**
   * Keys of the stored passwords; default: `secret.key` beside the database file (created at the
   * first start), or a throw-away key for ':memory:'.
   */
  keys?: KeyRing;
  /** Refuse to open when a stored password names a key the ring lacks (default true). */
  requireKeys?: boolean;
  /** Cap the file at this many pages (tests of a full disk: writes then fail with SQLITE_FULL). */
  maxPageCount?: number;
}

/** Only this account may read the database: files 0600 (the directory is made 0700). */
function restrictFiles(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) {
    try {
      if ((statSync(f).mode & 0o077) !== 0) chmodSync(f, 0o600);
    } catch {
      /* absent, or not ours to change */
    }
  }
}

/** The keys of a database: given, else `secret.key` beside the file (a throw-away key in memory). */
export function keysFor(opts: SqliteOptions): KeyRing {
  if (opts.keys) return opts.keys;
  if (opts.file === ':memory:') return KeyRing.of();
  mkdirSync(dirname(opts.file), { recursive: true, mode: 0o700 });
  return KeyRing.load({ envKeys: null, file: join(dirname(opts.file), KEY_FILE_NAME) });
}

/** Open (creating it when needed) and migrate a database file. */
export function openDatabase(opts: SqliteOptions, box: SecretBox = new SecretBox(keysFor(opts))): Database {
  if (opts.file !== ':memory:') {
    // A new data directory is this account's alone; the file is made 0600 before SQLite opens it,
    // and SQLite gives its -wal and -shm files the mode of the database file.
    mkdirSync(dirname(opts.file), { recursive: true, mode: 0o700 });
    if (!existsSync(opts.file)) {
      try {
        closeSync(openSync(opts.file, 'a', 0o600));
      } catch {
        /* SQLite reports it below with the reason */
      }
    }
    restrictFiles(opts.file);
  }
  let db: Database;
  try {
    db = new BetterSqlite3(opts.file);
  } catch (e) {
    throw new StoreError('unavailable', `cannot open the database ${opts.file}: ${(e as Error).message}`, { cause: e });
  }
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('synchronous = NORMAL');
  // The lock wait SQLite does itself blocks the thread (better-sqlite3 is synchronous): keep it
  // short, and wait longer asynchronously (SqliteStore retries a busy statement or BEGIN with
  // timers, so the event loop keeps serving phones while another process holds the lock).
  db.pragma(`busy_timeout = ${SYNC_BUSY_WAIT_MS}`);
  // 16 MB page cache: bulk imports of 100k lines insert ~25% faster than with the 2 MB default.
  db.pragma('cache_size = -16000');
  if (opts.maxPageCount) db.pragma(`max_page_count = ${Math.floor(opts.maxPageCount)}`);
  try {
    migrate(db, { box }, opts.migrateTo);
  } catch (e) {
    db.close();
    throw storeErrorOf(e);
  }
  if (opts.file !== ':memory:') restrictFiles(opts.file);
  return db;
}

/** Longest synchronous lock wait (the thread is blocked meanwhile). */
const SYNC_BUSY_WAIT_MS = 25;
/** Default of SqliteOptions.busyDeadlineMs. */
const BUSY_DEADLINE_MS = 15_000;

/** A better-sqlite3 error as a StoreError; anything else (a bug) as it is. */
export function storeErrorOf(e: unknown): unknown {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return e;
  // SQLITE_BUSY_SNAPSHOT (a read snapshot older than another process's commit), _TIMEOUT,
  // SQLITE_LOCKED_*: all "someone else holds the database now, try again". SQLITE_FULL: the disk
  // is full (SQLite maps ENOSPC to it) or max_page_count is reached.
  const kind = code.startsWith('SQLITE_CONSTRAINT')
    ? 'constraint'
    : code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')
      ? 'busy'
      : code === 'SQLITE_FULL'
        ? 'full'
        : 'failed';
  return new StoreError(kind, `${(e as Error).message} (${code})`, { cause: e });
}

const isBusy = (e: unknown): boolean => e instanceof StoreError && e.code === 'busy';
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Statements prepared once per SQL text and kept (better-sqlite3 reuses them at no cost). */
export class Statements {
  readonly #cache = new Map<string, Statement>();
  constructor(readonly db: Database) {}
  st(sql: string): Statement {
    let s = this.#cache.get(sql);
    if (!s) this.#cache.set(sql, (s = this.db.prepare(sql)));
    return s;
  }
}

/** Runs one synchronous unit of work and hands back its result as a promise. */
export type Exec = <T>(work: () => T) => Promise<T>;

type Repositories = Omit<Store, 'engine' | 'transaction' | 'close' | 'onExternalChange' | 'publishChange'>;

interface TxState {
  open: boolean;
  done: Promise<void>;
  savepoints: number;
}

/** Which transaction the running code is inside (to catch the outer store used from within). */
const insideTx = new AsyncLocalStorage<TxState>();

export class SqliteStore implements Store {
  readonly engine = 'sqlite' as const;
  readonly #db: Database;
  readonly #st: Statements;
  readonly #pollMs: number;
  readonly #busyDeadlineMs: number;
  #tx: TxState | null = null;
  #closed = false;
  readonly #listeners = new Set<(c: StoreChange) => void>();
  #poll: NodeJS.Timeout | null = null;

  declare tenants: Store['tenants'];
  declare users: Store['users'];
  declare devices: Store['devices'];
  declare keys: Store['keys'];
  declare network: Store['network'];
  declare contacts: Store['contacts'];
  declare features: Store['features'];
  declare sharedContacts: Store['sharedContacts'];
  declare keyTemplates: Store['keyTemplates'];
  declare sightings: Store['sightings'];
  declare unknownDevices: Store['unknownDevices'];
  declare operators: Store['operators'];
  declare credentials: Store['credentials'];
  declare secrets: Store['secrets'];
  declare passwordResets: Store['passwordResets'];
  declare resync: Store['resync'];
  declare importRuns: Store['importRuns'];
  declare settings: Store['settings'];
  declare audit: Store['audit'];

  readonly #box: SecretBox;
  declare nodes: Store['nodes'];
  declare probeBlocks: Store['probeBlocks'];
  declare templateOverrides: Store['templateOverrides'];

  constructor(opts: SqliteOptions) {
    this.#box = new SecretBox(keysFor(opts));
    this.#db = openDatabase(opts, this.#box);
    this.#st = new Statements(this.#db);
    this.#pollMs = opts.pollMs ?? 1000;
    this.#busyDeadlineMs = opts.busyDeadlineMs ?? BUSY_DEADLINE_MS;
    if (opts.requireKeys !== false) {
      try {
        checkKeys(this.#db, this.#box);
      } catch (e) {
        this.#db.close();
        throw e;
      }
    }
    Object.assign(this, repositories(this.#st, this.#exec, this.#box));
  }

  /** Outside a transaction: run now; while one is open: wait for its end, then run. */
  readonly #exec: Exec = (work) => {
    if (this.#tx === null) {
      // The common case answers at once; only a busy database goes through timers.
      try {
        return Promise.resolve(work());
      } catch (e) {
        const err = storeErrorOf(e);
        return isBusy(err) ? this.#retryBusy(work, Date.now()) : Promise.reject(err);
      }
    }
    if (insideTx.getStore() === this.#tx) {
      return Promise.reject(new Error('the store was used inside its own transaction(): use the store handed to the transaction function'));
    }
    return this.#afterTx(work);
  };

  async #afterTx<T>(work: () => T): Promise<T> {
    try {
      return await this.#whenFree(work);
    } catch (e) {
      if (!isBusy(e)) throw e;
      return this.#retryBusy(work, Date.now());
    }
  }

  /** Run `work` once no transaction is open (no await between that check and the statement). */
  async #whenFree<T>(work: () => T): Promise<T> {
    while (this.#tx) await this.#tx.done;
    if (this.#closed) throw new StoreError('unavailable', 'the store is closed');
    return run(work);
  }

  /**
   * Another process holds the write lock (`cadran import` beside the server): try again on
   * timers, backing off, until busyDeadlineMs; each unit of work is atomic (one statement, or a
   * better-sqlite3 transaction that rolled back), so running it again is safe.
   */
  async #retryBusy<T>(work: () => T, since: number): Promise<T> {
    for (let wait = 5; ; wait = Math.min(wait * 2, 200)) {
      if (Date.now() - since > this.#busyDeadlineMs) {
        throw new StoreError('busy', `the database stayed locked by another process for more than ${Math.round(this.#busyDeadlineMs / 1000)} s`);
      }
      await sleep(wait);
      try {
        return await this.#whenFree(work);
      } catch (e) {
        if (!isBusy(e)) throw e;
      }
    }
  }

  async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    if (this.#tx && insideTx.getStore() === this.#tx) {
      throw new Error('transaction() called on the outer store inside its own transaction: use tx.transaction()');
    }
    while (this.#tx) await this.#tx.done;
    if (this.#closed) throw new StoreError('unavailable', 'the store is closed');
    let release!: () => void;
    const state: TxState = { open: true, done: new Promise<void>((r) => (release = r)), savepoints: 0 };
    this.#tx = state;
    try {
      // BEGIN IMMEDIATE takes the write lock: while another process holds it, wait on timers.
      for (let wait = 5, since = Date.now(); ; wait = Math.min(wait * 2, 200)) {
        try {
          this.#db.exec('BEGIN IMMEDIATE');
          break;
        } catch (e) {
          const err = storeErrorOf(e);
          if (!isBusy(err)) throw err;
          if (Date.now() - since > this.#busyDeadlineMs) {
            throw new StoreError('busy', `the database stayed locked by another process for more than ${Math.round(this.#busyDeadlineMs / 1000)} s`, { cause: e });
          }
          await sleep(wait);
          if (this.#closed) throw new StoreError('unavailable', 'the store is closed');
        }
      }
      const tx = this.#txStore(state);
      try {
        const result = await insideTx.run(state, () => fn(tx));
        this.#db.exec('COMMIT');
        return result;
      } catch (e) {
        if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
        throw storeErrorOf(e);
      }
    } finally {
      state.open = false;
      this.#tx = null;
      release();
    }
  }

  /** The store handed to a transaction function: statements run directly, on the open transaction. */
  #txStore(state: TxState): Store {
    const exec: Exec = (work) => {
      if (!state.open) return Promise.reject(new Error('transaction already finished: its store cannot be used any more'));
      return settle(work);
    };
    const db = this.#db;
    const tx: Store = {
      engine: 'sqlite',
      ...repositories(this.#st, exec, this.#box),
      transaction: async <T>(fn: (tx: Store) => Promise<T>): Promise<T> => {
        if (!state.open) throw new Error('transaction already finished: its store cannot be used any more');
        const name = `cadran_sp${++state.savepoints}`;
        db.exec(`SAVEPOINT ${name}`);
        try {
          const result = await fn(tx);
          db.exec(`RELEASE ${name}`);
          return result;
        } catch (e) {
          db.exec(`ROLLBACK TO ${name}`);
          db.exec(`RELEASE ${name}`);
          throw storeErrorOf(e);
        }
      },
      close: () => Promise.reject(new Error('close the store, not its transaction')),
      onExternalChange: (l) => this.onExternalChange(l),
      publishChange: (c) => this.publishChange(c),
    };
    return tx;
  }

  async close(): Promise<void> {
    while (this.#tx) await this.#tx.done;
    this.#closed = true;
    this.#listeners.clear();
    this.#stopPolling();
    if (this.#db.open) this.#db.close();
  }

  /**
   * Other processes (`cadran import` beside a server) commit to the same file: data_version
   * moves only on other connections' commits, so it is polled (only while someone listens).
   */
  onExternalChange(listener: (c: StoreChange) => void): () => void {
    this.#listeners.add(listener);
    if (!this.#poll && !this.#closed) {
      const version = this.#st.st('PRAGMA data_version').pluck();
      let seen = version.get() as number;
      this.#poll = setInterval(() => {
        if (!this.#db.open) return;
        const v = version.get() as number;
        if (v === seen) return;
        seen = v;
        for (const l of [...this.#listeners]) l({ macs: '*', reason: 'database changed by another process' });
      }, this.#pollMs);
      this.#poll.unref();
    }
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.#stopPolling();
    };
  }

  #stopPolling(): void {
    if (this.#poll) clearInterval(this.#poll);
    this.#poll = null;
  }

  /** One file, one writer at a time: other processes notice commits through data_version. */
  async publishChange(_c: StoreChange): Promise<void> {}

  /** For the migration and engine-specific tests only (`user_version`, pragmas). */
  pragma(name: 'user_version' | 'journal_mode' | 'foreign_keys' | 'busy_timeout'): unknown {
    return this.#db.pragma(name, { simple: true });
  }
}

/**
 * Every key the stored passwords name must be in the ring (read the key file again once first):
 * better to refuse to start with the reason than to fail on the first phone that asks.
 */
function checkKeys(db: Database, box: SecretBox): void {
  const missing = () => {
    const known = box.ring.list().map((k) => k.id);
    const ids = [...keyIdsInUse(db)].filter((id) => !known.includes(id));
    return { ids, json: jsonRowsWithUnknownKey(db, known) };
  };
  let m = missing();
  if (m.ids.length || m.json) {
    box.ring.reload();
    m = missing();
  }
  if (m.ids.length || m.json) {
    const what = m.ids.length ? `key${m.ids.length > 1 ? 's' : ''} ${m.ids.join(', ')}` : 'a key';
    throw new StoreError('unavailable', `the database holds passwords encrypted with ${what} that ${describeKeySource(box.ring)} does not hold: restore that key (CADRAN_SECRET_KEY or the key file), or the SIP and provisioning passwords cannot be read`);
  }
}

function run<T>(work: () => T): T {
  try {
    return work();
  } catch (e) {
    throw storeErrorOf(e);
  }
}

function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (e) {
    return Promise.reject(storeErrorOf(e));
  }
}


/**
 * Every repository of the Store over one connection; `x` decides when a unit of work runs; `box`
 * seals passwords on the way in and opens them on the way out (nothing above the store sees a
 * ciphertext).
 */
function repositories(s: Statements, x: Exec, box: SecretBox): Repositories {
  const st = (sql: string) => s.st(sql);
  const db = s.db;
  const map = rowMappers(textJson, box);
  const toD = map.device;
  const profileEntry = (r: unknown): VersionedProfile => {
    const row = r as Row | undefined;
    return row ? { profile: box.openProfile(JSON.parse(str(row.profile)) as NetworkOverrides), version: row.version as number } : { profile: {}, version: 0 };
  };
  /** Upsert a profile row (its passwords sealed); with `ifVersion` only when the row is still at it (0: no row yet). */
  const setProfile = (table: 'tenant_network' | 'device_network', keyCol: 'tenant_id' | 'mac', key: string, p: NetworkOverrides, ifVersion?: number): boolean => {
    const profile = JSON.stringify(box.sealProfile(p));
    if (ifVersion === undefined) {
      st(`INSERT INTO ${table} (${keyCol}, profile) VALUES (?, ?) ON CONFLICT(${keyCol}) DO UPDATE SET profile = excluded.profile, version = version + 1`)
        .run(key, profile);
      return true;
    }
    if (ifVersion === 0) return st(`INSERT INTO ${table} (${keyCol}, profile) VALUES (?, ?) ON CONFLICT(${keyCol}) DO NOTHING`).run(key, profile).changes > 0;
    return st(`UPDATE ${table} SET profile = ?, version = version + 1 WHERE ${keyCol} = ? AND version = ?`).run(profile, key, ifVersion).changes > 0;
  };
  const insertDevice = (d: Parameters<Store['devices']['insert']>[0], at: string): void => {
    st(`INSERT INTO devices (mac, tenant_id, vendor, model, user_number, label, expansion_modules, extra_lines, provisioning_username,
        provisioning_password, enrol_until, device_group, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(d.mac, d.tenantId, d.vendor, d.model, d.userNumber, d.label, d.expansionModules, JSON.stringify(d.extraLines), d.provisioningUsername,
        box.sealNullable(d.provisioningPassword, PROVISIONING_PASSWORD), d.enrolUntil ?? null, d.group ?? null, at, at);
  };
  const updateDevice = (mac: string, d: DeviceWrite, ifVersion: number | undefined, at: string): boolean =>
    st(`UPDATE devices SET tenant_id = @tenantId, vendor = @vendor, model = @model, user_number = @userNumber, label = @label,
          expansion_modules = @expansionModules, extra_lines = @extraLines, provisioning_username = @provisioningUsername,
          provisioning_password = @provisioningPassword, device_group = CASE WHEN @setGroup THEN @group ELSE device_group END,
          version = version + 1, updated_at = @at
        WHERE mac = @mac${versionClause(ifVersion)}`)
      .run({ tenantId: d.tenantId, vendor: d.vendor, model: d.model, userNumber: d.userNumber, label: d.label, expansionModules: d.expansionModules,
        extraLines: JSON.stringify(d.extraLines), provisioningUsername: d.provisioningUsername,
        provisioningPassword: box.sealNullable(d.provisioningPassword, PROVISIONING_PASSWORD), setGroup: d.group !== undefined ? 1 : 0, group: d.group ?? null,
        at, mac, ...versionParam(ifVersion) }).changes > 0;
  /** The row of `table` whose `keyCol` is `key`, mapped. */
  const getBy = <T>(table: string, keyCol: string, key: unknown, toRow: (r: Row) => T) => x(() => {
    const r = st(`SELECT * FROM ${table} WHERE ${keyCol} = ?`).get(key) as Row | undefined;
    return r && toRow(r);
  });
  const byId = <T>(table: 'contacts' | 'tenant_contacts' | 'key_templates', id: number, toRow: (r: Row) => T) => getBy(table, 'id', id, toRow);
  /** DELETE by key, given `ifVersion` only at that version: whether a row went. */
  const deleteRow = (table: string, keyCol: string, key: string | number, ifVersion?: number) => x(() =>
    st(`DELETE FROM ${table} WHERE ${keyCol} = @key${versionClause(ifVersion)}`).run({ key, ...versionParam(ifVersion) }).changes > 0);
  /**
   * Personal contacts (owned by a user) and the company directory (owned by a tenant) are one
   * table shape: listed by name (case-insensitive) then id.
   */
  const contactTable = <C extends Contact | SharedContact>(table: 'contacts' | 'tenant_contacts', owner: 'user_number' | 'tenant_id', toRow: (r: Row) => C) => ({
    list: (ownerId: string) => x(() => (st(`SELECT * FROM ${table} WHERE ${owner} = ? ORDER BY name COLLATE NOCASE, id`).all(ownerId) as Row[]).map(toRow)),
    get: (id: number) => byId(table, id, toRow),
    insertFor: (ownerId: string, c: Omit<C, 'id' | 'createdAt' | 'updatedAt' | 'version'>) => x(() => {
      const at = now();
      return Number(
        st(`INSERT INTO ${table} (${owner}, name, work, mobile, home, grp, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
          .run(ownerId, c.name, c.work, c.mobile, c.home, c.group, at, at).lastInsertRowid,
      );
    }),
    update: (id: number, c: Pick<C, 'name' | 'work' | 'mobile' | 'home' | 'group'>, ifVersion?: number) => x(() =>
      st(`UPDATE ${table} SET name = @name, work = @work, mobile = @mobile, home = @home, grp = @grp, version = version + 1, updated_at = @at
          WHERE id = @id${versionClause(ifVersion)}`)
        .run({ name: c.name, work: c.work, mobile: c.mobile, home: c.home, grp: c.group, at: now(), id, ...versionParam(ifVersion) }).changes > 0),
    delete: (id: number, ifVersion?: number) => deleteRow(table, 'id', id, ifVersion),
  });
  const contacts = contactTable('contacts', 'user_number', map.contact);
  const sharedContacts = contactTable('tenant_contacts', 'tenant_id', map.sharedContact);
  return {
    tenants: {
      list: () => x(() => (st('SELECT * FROM tenants ORDER BY id').all() as Row[]).map(map.tenant)),
      get: (id) => getBy('tenants', 'id', id, map.tenant),
      insert: (t) => x(() => {
        const at = now();
        st(`INSERT INTO tenants (id, name, sip_domain, sip_proxy, sip_port, sip_transport, security, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
          .run(t.id, t.name, t.sipDomain, t.sipProxy, t.sipPort, t.sipTransport, JSON.stringify(box.sealSecurity(t.security)), at, at);
      }),
      update: (id, t, ifVersion) => x(() =>
        st(`UPDATE tenants SET name = @name, sip_domain = @sipDomain, sip_proxy = @sipProxy, sip_port = @sipPort, sip_transport = @sipTransport,
              security = @security, version = version + 1, updated_at = @at
            WHERE id = @id${versionClause(ifVersion)}`)
          .run({ name: t.name, sipDomain: t.sipDomain, sipProxy: t.sipProxy, sipPort: t.sipPort, sipTransport: t.sipTransport,
            security: JSON.stringify(box.sealSecurity(t.security)), at: now(), id, ...versionParam(ifVersion) }).changes > 0),
      delete: (id, ifVersion) => deleteRow('tenants', 'id', id, ifVersion),
    },

    users: {
      list: (tenantId) => x(() =>
        (tenantId
          ? (st('SELECT * FROM users WHERE tenant_id = ? ORDER BY number').all(tenantId) as Row[])
          : (st('SELECT * FROM users ORDER BY number').all() as Row[])
        ).map(map.user)),
      get: (number) => getBy('users', 'number', number, map.user),
      insert: (u) => x(() => {
        const at = now();
        st(`INSERT INTO users (number, tenant_id, name, email, role, password_hash, sip_auth_name, sip_password, voicemail_number,
            directory_hidden, key_template, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
          .run(u.number, u.tenantId, u.name, u.email, u.role, u.passwordHash, u.sipAuthName, box.seal(u.sipPassword, SIP_PASSWORD), u.voicemailNumber,
            u.directoryHidden ? 1 : 0, u.keyTemplate ?? null, at, at);
      }),
      update: (number, u, ifVersion) => x(() =>
        st(`UPDATE users SET name = @name, email = @email, role = @role, password_hash = @passwordHash, sip_auth_name = @sipAuthName,
              sip_password = @sipPassword, voicemail_number = @voicemailNumber, directory_hidden = coalesce(@directoryHidden, directory_hidden),
              key_template = CASE WHEN @setTemplate THEN @keyTemplate ELSE key_template END, version = version + 1, updated_at = @at
            WHERE number = @number${versionClause(ifVersion)}`)
          .run({ name: u.name, email: u.email, role: u.role, passwordHash: u.passwordHash, sipAuthName: u.sipAuthName,
            sipPassword: box.seal(u.sipPassword, SIP_PASSWORD), voicemailNumber: u.voicemailNumber,
            directoryHidden: u.directoryHidden === undefined ? null : u.directoryHidden ? 1 : 0, setTemplate: u.keyTemplate === undefined ? 0 : 1,
            keyTemplate: u.keyTemplate ?? null, at: now(), number, ...versionParam(ifVersion) }).changes > 0),
      directory: (tenantId) => x(() =>
        (st('SELECT number, name FROM users WHERE tenant_id = ? AND directory_hidden = 0 ORDER BY number').all(tenantId) as Row[])
          .map((r) => ({ number: str(r.number), name: str(r.name) }))),
      withTemplate: (templateId) => x(() =>
        (st('SELECT number FROM users WHERE key_template = ? ORDER BY number').all(templateId) as Row[]).map((r) => str(r.number))),
      delete: (number, ifVersion) => deleteRow('users', 'number', number, ifVersion),
    },

    devices: {
      list: (filter = {}) => x(() => {
        if (filter.extraLine) {
          return (st('SELECT * FROM devices WHERE EXISTS (SELECT 1 FROM json_each(devices.extra_lines) WHERE value = ?) ORDER BY mac').all(filter.extraLine) as Row[]).map(toD);
        }
        if (filter.userNumber) return (st('SELECT * FROM devices WHERE user_number = ? ORDER BY mac').all(filter.userNumber) as Row[]).map(toD);
        if (filter.tenantId) return (st('SELECT * FROM devices WHERE tenant_id = ? ORDER BY mac').all(filter.tenantId) as Row[]).map(toD);
        return (st('SELECT * FROM devices ORDER BY mac').all() as Row[]).map(toD);
      }),
      get: (mac) => x(() => {
        const r = st('SELECT * FROM devices WHERE mac = ?').get(mac) as Row | undefined;
        return r && toD(r);
      }),
      insert: (d) => x(() => insertDevice(d, now())),
      update: (mac, d, ifVersion) => x(() => updateDevice(mac, d, ifVersion, now())),
      delete: (mac, ifVersion) => x(() => st(`DELETE FROM devices WHERE mac = @mac${versionClause(ifVersion)}`).run({ mac, ...versionParam(ifVersion) }).changes > 0),
      // Bulk imports: SQLite is in this process, so "one statement" buys little; what counts is
      // that a batch is one savepoint (all or none) and a read of 500 MACs one statement.
      getMany: (macs) => x(() => {
        const out: Awaited<ReturnType<Store["devices"]["getMany"]>> = [];
        // At most 500 bound parameters per statement (SQLite's limit is higher; kept modest).
        for (let i = 0; i < macs.length; i += 500) {
          const part = macs.slice(i, i + 500);
          out.push(...(st(`SELECT * FROM devices WHERE mac IN (${part.map(() => '?').join(', ')})`).all(...part) as Row[]).map(toD));
        }
        return out.sort((a, b) => (a.mac < b.mac ? -1 : a.mac > b.mac ? 1 : 0));
      }),
      insertMany: (ds) => x(() => {
        const at = now();
        db.transaction(() => {
          for (const d of ds) insertDevice(d, at);
        })();
      }),
      updateMany: (ds) => x(() => {
        const at = now();
        return db.transaction(() => ds.filter((d) => !updateDevice(d.mac, d, d.ifVersion, at)).map((d) => d.mac))();
      }),
      openEnrolment: (mac, until) => x(() =>
        st('UPDATE devices SET enrol_until = ?, enrolled_at = NULL, enrolled_ip = NULL WHERE mac = ?').run(until, mac).changes > 0),
      claimEnrolment: (mac, at, ip) => x(() =>
        st('UPDATE devices SET enrol_until = NULL, enrolled_at = ?, enrolled_ip = ? WHERE mac = ? AND enrol_until IS NOT NULL AND enrol_until > ?')
          .run(at, ip, mac, at).changes > 0),
    },

    keys: {
      list: (userNumber) => x(() =>
        (st('SELECT position, type, value, label FROM function_keys WHERE user_number = ? ORDER BY position').all(userNumber) as Row[]).map(map.key)),
      // better-sqlite3 nests its own transaction as a SAVEPOINT inside an open one.
      replace: (userNumber, keys, ifVersion) => x(() =>
        db.transaction(() => {
          const bumped = st(`UPDATE users SET keys_version = keys_version + 1 WHERE number = @number${ifVersion === undefined ? '' : ' AND keys_version = @ifVersion'}`)
            .run({ number: userNumber, ...versionParam(ifVersion) }).changes > 0;
          if (!bumped && ifVersion !== undefined) return false;
          st('DELETE FROM function_keys WHERE user_number = ?').run(userNumber);
          const ins = st('INSERT INTO function_keys (user_number, position, type, value, label) VALUES (?, ?, ?, ?, ?)');
          for (const k of keys) ins.run(userNumber, k.position, k.type, k.value, k.label);
          return true;
        })()),
      watchersOf: (number) => x(() =>
        (st("SELECT DISTINCT user_number FROM function_keys WHERE type = 'blf' AND value = ?").all(number) as Row[]).map((r) => str(r.user_number))),
    },

    network: {
      getTenant: (tenantId) => x(() => profileEntry(st('SELECT profile, version FROM tenant_network WHERE tenant_id = ?').get(tenantId)).profile),
      getTenantEntry: (tenantId) => x(() => profileEntry(st('SELECT profile, version FROM tenant_network WHERE tenant_id = ?').get(tenantId))),
      setTenant: (tenantId, p, ifVersion) => x(() => setProfile('tenant_network', 'tenant_id', tenantId, p, ifVersion)),
      getDevice: (mac) => x(() => profileEntry(st('SELECT profile, version FROM device_network WHERE mac = ?').get(mac)).profile),
      getDeviceEntry: (mac) => x(() => profileEntry(st('SELECT profile, version FROM device_network WHERE mac = ?').get(mac))),
      setDevice: (mac, p, ifVersion) => x(() => setProfile('device_network', 'mac', mac, p, ifVersion)),
    },

    contacts: {
      ...contacts,
      count: (userNumber) => x(() => st('SELECT count(*) FROM contacts WHERE user_number = ?').pluck().get(userNumber) as number),
      insert: (c) => contacts.insertFor(c.userNumber, c),
    },

    features: {
      get: (userNumber) => getBy('user_features', 'user_number', userNumber, map.features),
      set: (userNumber, f) => x(() => {
        const r = st(
          `INSERT INTO user_features (user_number, dnd_enabled, dnd_allowed, forward_enabled, forward_target, reject_anonymous, blacklist, version, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)
           ON CONFLICT(user_number) DO UPDATE SET dnd_enabled = excluded.dnd_enabled, dnd_allowed = excluded.dnd_allowed,
             forward_enabled = excluded.forward_enabled, forward_target = excluded.forward_target,
             reject_anonymous = excluded.reject_anonymous, blacklist = excluded.blacklist,
             version = user_features.version + 1, updated_at = excluded.updated_at
           RETURNING version`,
        ).get(
          userNumber, f.dnd.enabled ? 1 : 0, JSON.stringify(f.dnd.allowedCallers), f.forwardAlways.enabled ? 1 : 0, f.forwardAlways.target,
          f.rejectAnonymous ? 1 : 0, JSON.stringify(f.blacklist), now(),
        ) as Row;
        return r.version as number;
      }),
    },

    sharedContacts: { ...sharedContacts, insert: (c) => sharedContacts.insertFor(c.tenantId, c) },

    keyTemplates: {
      list: (tenantId) => x(() =>
        (st('SELECT * FROM key_templates WHERE tenant_id = ? ORDER BY name COLLATE NOCASE, id').all(tenantId) as Row[]).map(map.keyTemplate)),
      get: (id) => byId('key_templates', id, map.keyTemplate),
      insert: (t) => x(() => {
        const at = now();
        return Number(
          st('INSERT INTO key_templates (tenant_id, name, family, keys, version, created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?)')
            .run(t.tenantId, t.name, t.family, JSON.stringify(t.keys), at, at).lastInsertRowid,
        );
      }),
      update: (id, t, ifVersion) => x(() =>
        st(`UPDATE key_templates SET name = @name, family = @family, keys = @keys, version = version + 1, updated_at = @at
            WHERE id = @id${versionClause(ifVersion)}`)
          .run({ name: t.name, family: t.family, keys: JSON.stringify(t.keys), at: now(), id, ...versionParam(ifVersion) }).changes > 0),
      delete: (id, ifVersion) => deleteRow('key_templates', 'id', id, ifVersion),
    },

    sightings: {
      get: (mac) => getBy('sightings', 'mac', mac, map.sighting),
      record: (batch: Sighting[]) => x(() => {
        const up = st(`INSERT INTO sightings (mac, at, ip, user_agent, firmware, file, protocol, model)
          SELECT ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM devices WHERE mac = ?)
          ON CONFLICT(mac) DO UPDATE SET at = excluded.at, ip = excluded.ip, user_agent = excluded.user_agent,
            firmware = COALESCE(excluded.firmware, firmware), file = excluded.file, protocol = excluded.protocol,
            model = COALESCE(excluded.model, model)`);
        db.transaction(() => {
          for (const s of batch) up.run(s.mac, s.at, s.ip, s.userAgent, s.firmware, s.file, s.protocol, s.model ?? null, s.mac);
        })();
      }),
      list: (filter = {}) => x(() =>
        (filter.tenantId
          ? (st('SELECT s.* FROM sightings s JOIN devices d ON d.mac = s.mac WHERE d.tenant_id = ? ORDER BY s.mac').all(filter.tenantId) as Row[])
          : (st('SELECT * FROM sightings ORDER BY mac').all() as Row[])
        ).map(map.sighting)),
      recordFiles: (batch: FileFetch[]) => x(() => {
        const up = st(`INSERT INTO device_files (mac, file, etag, root, at)
          SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM devices WHERE mac = ?)
          ON CONFLICT(mac, file) DO UPDATE SET etag = excluded.etag, root = excluded.root, at = excluded.at`);
        db.transaction(() => {
          for (const f of batch) up.run(f.mac, f.file, f.etag, f.root, f.at, f.mac);
        })();
      }),
      files: (filter) => x(() => {
        if (filter.mac) return (st('SELECT * FROM device_files WHERE mac = ? ORDER BY file').all(filter.mac) as Row[]).map(map.fileFetch);
        if (filter.tenantId) {
          return (st('SELECT f.* FROM device_files f JOIN devices d ON d.mac = f.mac WHERE d.tenant_id = ? ORDER BY f.mac, f.file').all(filter.tenantId) as Row[])
            .map(map.fileFetch);
        }
        return (st('SELECT * FROM device_files ORDER BY mac, file').all() as Row[]).map(map.fileFetch);
      }),
      recordSnapshots: (batch: FileSnapshot[]) => x(() => {
        const up = st(`INSERT INTO fetched_files (mac, file, etag, size, body, at, owner)
          SELECT ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM devices WHERE mac = ?)
          ON CONFLICT(mac, file) DO UPDATE SET etag = excluded.etag, size = excluded.size, body = excluded.body, at = excluded.at, owner = excluded.owner`);
        db.transaction(() => {
          for (const f of batch) up.run(f.mac, f.file, f.etag, f.size, f.body ? box.seal(f.body.toString('base64'), FETCHED_FILE_BODY) : null, f.at, f.owner ?? null, f.mac);
        })();
      }),
      snapshot: (mac, file) => x(() => {
        const r = st('SELECT * FROM fetched_files WHERE mac = ? AND file = ?').get(mac, file) as Row | undefined;
        return r && map.snapshot(r);
      }),
    },

    unknownDevices: {
      list: (filter = {}) => x(() =>
        (st(`SELECT * FROM unknown_devices WHERE mac NOT IN (SELECT mac FROM devices)
               AND (@tenant IS NULL OR assigned_tenant = @tenant)
             ORDER BY last_seen DESC LIMIT @limit`).all({ tenant: filter.assignedTenant ?? null, limit: filter.limit ?? -1 }) as Row[]).map(map.unknown)),
      get: (mac) => getBy('unknown_devices', 'mac', mac, map.unknown),
      record: (batch) => x(() => {
        const up = st(`INSERT INTO unknown_devices (mac, vendor, model, ip, user_agent, first_seen, last_seen, count)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT(mac) DO UPDATE SET vendor = COALESCE(excluded.vendor, vendor), model = COALESCE(excluded.model, model),
            ip = excluded.ip, user_agent = COALESCE(excluded.user_agent, user_agent), last_seen = excluded.last_seen,
            count = count + excluded.count`);
        db.transaction(() => {
          for (const u of batch) up.run(u.mac, u.vendor, u.model, u.ip, u.userAgent, u.lastSeen, u.lastSeen, u.hits);
        })();
      }),
      assign: (mac, tenantId) => x(() => st('UPDATE unknown_devices SET assigned_tenant = ? WHERE mac = ?').run(tenantId, mac).changes > 0),
      prune: (o) => x(() =>
        db.transaction(() => {
          let n = st('DELETE FROM unknown_devices WHERE last_seen < ? AND assigned_tenant IS NULL').run(o.olderThan).changes;
          const count = st('SELECT count(*) FROM unknown_devices WHERE assigned_tenant IS NULL').pluck().get() as number;
          if (count > o.maxEntries) {
            n += st(`DELETE FROM unknown_devices WHERE mac IN (
                       SELECT mac FROM unknown_devices WHERE assigned_tenant IS NULL ORDER BY last_seen ASC LIMIT ?)`).run(count - o.maxEntries).changes;
          }
          return n;
        })()),
      delete: (mac) => x(() => st('DELETE FROM unknown_devices WHERE mac = ?').run(mac).changes > 0),
    },

    importRuns: sqliteImportRuns(s, x, box),

    operators: {
      get: (login) => getBy('operators', 'login', login, map.operator),
      insert: (o) => x(() => {
        st('INSERT INTO operators (login, password_hash, created_at) VALUES (?, ?, ?)').run(o.login, o.passwordHash, now());
      }),
      setPassword: (login, passwordHash) => x(() => st('UPDATE operators SET password_hash = ? WHERE login = ?').run(passwordHash, login).changes > 0),
      count: () => x(() => (st('SELECT count(*) AS n FROM operators').get() as { n: number }).n),
    },

    credentials: {
      insert: (c) => x(() => {
        st(`INSERT INTO auth_sessions (id, kind, token_hash, cookie_hash, csrf_token, principal_kind, principal_id, label, created_at,
            last_used_at, expires_at, address, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
          .run(c.id, c.kind, c.tokenHash, c.cookieHash, c.csrfToken, c.principalKind, c.principalId, c.label, c.createdAt,
            c.lastUsedAt, c.expiresAt, c.address, c.userAgent);
      }),
      findByToken: (hash) => getBy('auth_sessions', 'token_hash', hash, map.credential),
      findByCookie: (hash) => getBy('auth_sessions', 'cookie_hash', hash, map.credential),
      get: (id) => getBy('auth_sessions', 'id', id, map.credential),
      list: (filter) => x(() =>
        (filter
          ? (st('SELECT * FROM auth_sessions WHERE principal_kind = ? AND principal_id = ? ORDER BY created_at, id').all(filter.principalKind, filter.principalId) as Row[])
          : (st('SELECT * FROM auth_sessions ORDER BY created_at, id').all() as Row[])
        ).map(map.credential)),
      touch: (id, at) => x(() => {
        st('UPDATE auth_sessions SET last_used_at = ? WHERE id = ? AND last_used_at < ?').run(at, id, at);
      }),
      delete: (id) => x(() => st('DELETE FROM auth_sessions WHERE id = ?').run(id).changes > 0),
      deleteFor: (kind, principalId, opts = {}) => x(() =>
        st(`DELETE FROM auth_sessions WHERE principal_kind = @kind AND principal_id = @id
            AND (@except IS NULL OR id <> @except) AND (@credKind IS NULL OR kind = @credKind)`)
          .run({ kind, id: principalId, except: opts.except ?? null, credKind: opts.kind ?? null }).changes),
      purgeExpired: (at, idleBefore) => x(() =>
        st(`DELETE FROM auth_sessions WHERE expires_at <= ? OR (kind = 'session' AND last_used_at < ?)`).run(at, idleBefore).changes),
    },

    secrets: {
      census: () => x(() => censusOf(db)),
      reencrypt: () => x(() => {
        // IMMEDIATE: a server writing beside `cadran secrets rotate` waits, it cannot interleave.
        const n = scrubbing(db, () => db.transaction(() => visitSecrets(db, (stored, purpose) => box.seal(box.open(stored, purpose), purpose))).immediate());
        // Copy the rewritten pages into the file now: the ciphertexts under the old key are gone from it.
        db.pragma('wal_checkpoint(TRUNCATE)');
        return n;
      }),
    },

    passwordResets: {
      issue: (r) => x(() =>
        db.transaction(() => {
          const recent = st('SELECT 1 FROM password_resets WHERE user_number = ? AND used_at IS NULL AND created_at > ?').get(r.userNumber, r.notBefore);
          if (recent) return false;
          st('INSERT INTO password_resets (token_hash, user_number, created_at, expires_at) VALUES (?, ?, ?, ?)')
            .run(r.tokenHash, r.userNumber, r.createdAt, r.expiresAt);
          // Links are useless past their expiry: keep the table small.
          st('DELETE FROM password_resets WHERE expires_at < ?').run(r.createdAt);
          return true;
        })()),
      peek: (tokenHash, at) => x(() =>
        st('SELECT user_number FROM password_resets WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?').pluck().get(tokenHash, at) as
          | string
          | undefined),
      claim: (tokenHash, at) => x(() =>
        st('UPDATE password_resets SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING user_number')
          .pluck()
          .get(at, tokenHash, at) as string | undefined),
      revokeAll: (userNumber, at) => x(() => {
        db.transaction(() => {
          st('UPDATE password_resets SET used_at = ? WHERE user_number = ? AND used_at IS NULL').run(at, userNumber);
          // Links are useless past their expiry: keep the table small.
          st('DELETE FROM password_resets WHERE expires_at < ?').run(at);
        })();
      }),
    },

    resync: sqliteResync(s, x, map),

    audit: {
      append: (e) => x(() =>
        Number(
          st(`INSERT INTO audit_log (at, principal, channel, address, action, tenant_id, user_number, mac, target_id, before, after, changes, summary)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
            .run(e.at, e.principal, e.channel, e.address, e.action, e.tenantId, e.userNumber, e.mac, e.targetId, jsonOrNull(e.before),
              jsonOrNull(e.after), JSON.stringify(e.changes ?? []), jsonOrNull(e.summary)).lastInsertRowid,
        )),
      list: (f) => x(() => {
        const where: string[] = [];
        const args: unknown[] = [];
        if (f.tenantId !== undefined) (where.push('tenant_id = ?'), args.push(f.tenantId));
        if (f.userNumber !== undefined) (where.push('user_number = ?'), args.push(f.userNumber));
        if (f.mac !== undefined) (where.push('mac = ?'), args.push(f.mac));
        if (f.action !== undefined) {
          if (f.action.endsWith('.')) (where.push('substr(action, 1, ?) = ?'), args.push(f.action.length, f.action));
          else (where.push('action = ?'), args.push(f.action));
        }
        if (f.since !== undefined) (where.push('at >= ?'), args.push(f.since));
        if (f.until !== undefined) (where.push('at <= ?'), args.push(f.until));
        if (f.beforeId !== undefined) (where.push('id < ?'), args.push(f.beforeId));
        const sql = `SELECT * FROM audit_log${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
        return (st(sql).all(...args, f.limit) as Row[]).map(map.audit);
      }),
      purge: (before) => x(() => st('DELETE FROM audit_log WHERE at < ?').run(before).changes),
    },

    settings: {
      get: <T>(key: string) => x(() => {
        const r = st('SELECT value FROM settings WHERE key = ?').get(key) as Row | undefined;
        return r ? (JSON.parse(str(r.value)) as T) : undefined;
      }),
      set: (key, value) => x(() => {
        st('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, JSON.stringify(value));
      }),
      setIfAbsent: <T>(key: string, value: T) => x(() => {
        st('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING').run(key, JSON.stringify(value));
        return JSON.parse(str((st('SELECT value FROM settings WHERE key = ?').get(key) as Row).value)) as T;
      }),
    },

    nodes: {
      heartbeat: (id, at, ttlMs) => x(() =>
        db.transaction(() => {
          const when = new Date(at).toISOString();
          st('INSERT INTO cluster_nodes (id, started_at, heartbeat_at) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at')
            .run(id, when, when);
          st('DELETE FROM cluster_nodes WHERE heartbeat_at < ?').run(new Date(at - 10 * ttlMs).toISOString());
          return st('SELECT count(*) FROM cluster_nodes WHERE heartbeat_at >= ?').pluck().get(new Date(at - ttlMs).toISOString()) as number;
        })()),
      leave: (id) => x(() => {
        st('DELETE FROM cluster_nodes WHERE id = ?').run(id);
      }),
    },

    probeBlocks: {
      add: (ip, until) => x(() => {
        st(`INSERT INTO probe_blocks (ip, blocked_until) VALUES (?, ?)
            ON CONFLICT(ip) DO UPDATE SET blocked_until = max(blocked_until, excluded.blocked_until)`).run(ip, new Date(until).toISOString());
      }),
      active: (at) => x(() =>
        db.transaction(() => {
          const when = new Date(at).toISOString();
          st('DELETE FROM probe_blocks WHERE blocked_until <= ?').run(when);
          return (st('SELECT ip, blocked_until FROM probe_blocks ORDER BY ip').all() as Row[]).map((r) => ({ ip: str(r.ip), until: Date.parse(str(r.blocked_until)) }));
        })()),
    },

    templateOverrides: {
      list: () => x(() => (st('SELECT vendor, name, source, updated_at FROM template_overrides ORDER BY vendor, name').all() as Row[]).map(map.override)),
      get: (vendor, name) => x(() => {
        const r = st('SELECT vendor, name, source, updated_at FROM template_overrides WHERE vendor = ? AND name = ?').get(vendor, name) as Row | undefined;
        return r && map.override(r);
      }),
      put: (o) => x(() => {
        st(`INSERT INTO template_overrides (vendor, name, source, updated_at) VALUES (?, ?, ?, ?)
            ON CONFLICT(vendor, name) DO UPDATE SET source = excluded.source, updated_at = excluded.updated_at`)
          .run(o.vendor, o.name, o.source, o.updatedAt ?? new Date().toISOString());
      }),
      putIfAbsent: (o) => x(() =>
        st('INSERT INTO template_overrides (vendor, name, source, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(vendor, name) DO NOTHING')
          .run(o.vendor, o.name, o.source, new Date().toISOString()).changes > 0),
      delete: (vendor, name) => x(() => st('DELETE FROM template_overrides WHERE vendor = ? AND name = ?').run(vendor, name).changes > 0),
    },
  };
}
