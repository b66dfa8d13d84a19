// Records as the store keeps them, and the one asynchronous repository interface the rest of
// cadran uses. Two engines implement it: SQLite (better-sqlite3, embedded default, sqlite/) and
// PostgreSQL (pg, scale-out, postgres/); both pass the same shared store test suite. Nothing
// outside server/store/ names an engine, writes SQL or sees a driver type.
// Every method is a small unit of work; `transaction()` groups several into one atomic change
// and hands `fn` a Store bound to that transaction (use it, not the outer one, inside `fn`).
import type { ProvisioningSecurity } from '../domain/schemas.ts';
import type {
  ResyncJob, ResyncJobSummary, ResyncState, ResyncTarget, ResyncTargetRecord, StateDetail, UnsendableTarget,
} from '../domain/resync.ts';
import type { AuditEntry, AuditFilter, AuditRecord } from '../domain/audit.ts';
import type { NetworkProfile, SipTransport } from '../../vendors/types.ts';

export interface Tenant {
  id: string;
  name: string;
  sipDomain: string;
  sipProxy: string | null;
  sipPort: number;
  sipTransport: SipTransport;
  security: ProvisioningSecurity;
  createdAt: string;
  updatedAt: string;
}

export type Role = 'user' | 'admin';

export interface User {
  number: string;
  tenantId: string;
  name: string;
  email: string | null;
  role: Role;
  passwordHash: string | null;
  sipAuthName: string;
  sipPassword: string;
  voicemailNumber: string;
  createdAt: string;
  updatedAt: string;
}

export interface Device {
  mac: string;
  tenantId: string;
  vendor: string;
  model: string;
  userNumber: string | null;
  label: string | null;
  expansionModules: number;
  /** More licences of the same tenant the phone registers (accounts 2…n), in order; a licence may
   *  appear on several phones (shared line). */
  extraLines: string[];
  provisioningUsername: string | null;
  provisioningPassword: string | null;
  /** Group label (firmware rollouts, bulk edits); null: none. */
  group: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A device as written: `group` absent keeps the stored label on update (null on insert). */
export type DeviceWrite = Omit<Device, 'mac' | 'createdAt' | 'updatedAt' | 'group'> & { group?: string | null };

export interface FunctionKey {
  position: number;
  type: 'line' | 'blf' | 'speeddial';
  value: string | null;
  label: string | null;
}

export interface Contact {
  id: number;
  userNumber: string;
  name: string;
  work: string | null;
  mobile: string | null;
  home: string | null;
  group: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Sighting {
  mac: string;
  at: string;
  ip: string;
  userAgent: string | null;
  firmware: string | null;
  file: string;
  protocol: string;
  /** Model the phone names in its User-Agent (it may differ from the provisioned one). */
  model?: string | null;
}

/** A device file served to a phone: the bytes' ETag and the URL root it asked under. */
export interface FileFetch {
  mac: string;
  /** As requested (`805ec0d57d72.cfg`). */
  file: string;
  etag: string;
  /** URL root of the request (without the tenant's `/p/<token>/`), needed to render the same bytes again. */
  root: string;
  at: string;
}

export interface UnknownDevice {
  mac: string;
  vendor: string | null;
  model: string | null;
  ip: string;
  userAgent: string | null;
  firstSeen: string;
  lastSeen: string;
  count: number;
}

export type PrincipalKind = 'operator' | 'user';

export interface Operator {
  login: string;
  passwordHash: string | null;
  createdAt: string;
}

export type CredentialKind = 'session' | 'token';

/**
 * A way in: a `session` (a login, web or API: a cookie and a bearer token, both of this row; an
 * absolute expiry and an idle timeout counted from lastUsedAt) or a `token` (long-lived API token,
 * `cadran operator create` / `cadran token create`: an expiry, no idle timeout). Secrets are kept
 * as SHA-256 hashes only; `id` is public (lists, revocation).
 */
export interface Credential {
  id: string;
  kind: CredentialKind;
  principalKind: PrincipalKind;
  principalId: string;
  label: string | null;
  /** Sessions: the token forms and cookie-authenticated API writes must carry. */
  csrfToken: string | null;
  createdAt: string;
  lastUsedAt: string;
  expiresAt: string;
  /** Where it was made from (client address, User-Agent), for people recognising their sessions. */
  address: string | null;
  userAgent: string | null;
}

export type NetworkOverrides = NetworkProfile;

/** Devices whose rendered files may differ after a commit; `'*'` means all of them. */
export interface StoreChange {
  macs: string[] | '*';
  reason: string;
}

export interface Store {
  /** `sqlite` or `postgres`, for logs and benchmarks only: callers never branch on it. */
  readonly engine: 'sqlite' | 'postgres';
  /**
   * Run `fn` atomically: every change made through `tx` commits together or not at all. An error
   * thrown by `fn` rolls back and is rethrown. Calls on the outer store made while a transaction
   * is open wait for it (SQLite) or use another connection (PostgreSQL).
   */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /**
   * Changes committed by other processes or nodes (`cadran import` beside a server, another
   * node on the same PostgreSQL): SQLite notices them through data_version (reported as `'*'`),
   * PostgreSQL through LISTEN/NOTIFY with the MACs named by `publishChange`.
   */
  onExternalChange(listener: (c: StoreChange) => void): () => void;
  /** Tell other processes and nodes what this one changed (PostgreSQL NOTIFY; SQLite: no-op). */
  publishChange(c: StoreChange): Promise<void>;

  // Lists are ordered as stated (test/store-suite.ts checks it): tenants by id, users by number,
  // devices by MAC, keys by position, contacts by name (case-insensitive) then id.
  tenants: {
    list(): Promise<Tenant[]>;
    get(id: string): Promise<Tenant | undefined>;
    insert(t: Omit<Tenant, 'createdAt' | 'updatedAt'>): Promise<void>;
    update(id: string, t: Omit<Tenant, 'id' | 'createdAt' | 'updatedAt'>): Promise<void>;
    delete(id: string): Promise<boolean>;
  };
  users: {
    list(tenantId?: string): Promise<User[]>;
    get(number: string): Promise<User | undefined>;
    insert(u: Omit<User, 'createdAt' | 'updatedAt'>): Promise<void>;
    update(number: string, u: Omit<User, 'number' | 'tenantId' | 'createdAt' | 'updatedAt'>): Promise<void>;
    delete(number: string): Promise<boolean>;
  };
  devices: {
    /** `userNumber`: phones of that user; `extraLine`: phones that list that number in extraLines. */
    list(filter?: { tenantId?: string; userNumber?: string; extraLine?: string }): Promise<Device[]>;
    get(mac: string): Promise<Device | undefined>;
    insert(d: DeviceWrite & { mac: string }): Promise<void>;
    /** Every field as given; `group` absent keeps the stored one. `updatedAt` moves even when nothing differs. */
    update(mac: string, d: DeviceWrite): Promise<void>;
    delete(mac: string): Promise<boolean>;
  };
  keys: {
    list(userNumber: string): Promise<FunctionKey[]>;
    replace(userNumber: string, keys: FunctionKey[]): Promise<void>;
    /** Users whose keys supervise `number` (BLF targets), for cache invalidation. */
    watchersOf(number: string): Promise<string[]>;
  };
  network: {
    getTenant(tenantId: string): Promise<NetworkProfile>;
    setTenant(tenantId: string, p: NetworkProfile): Promise<void>;
    getDevice(mac: string): Promise<NetworkProfile>;
    setDevice(mac: string, p: NetworkProfile): Promise<void>;
  };
  contacts: {
    list(userNumber: string): Promise<Contact[]>;
    get(id: number): Promise<Contact | undefined>;
    insert(c: Omit<Contact, 'id' | 'createdAt' | 'updatedAt'>): Promise<number>;
    update(id: number, c: Omit<Contact, 'id' | 'userNumber' | 'createdAt' | 'updatedAt'>): Promise<void>;
    delete(id: number): Promise<boolean>;
  };
  sightings: {
    get(mac: string): Promise<Sighting | undefined>;
    /**
     * Upsert many sightings at once (the phone path batches them); unknown MACs are ignored; a
     * null firmware (or model) keeps the one known.
     */
    record(batch: Sighting[]): Promise<void>;
    /** Sightings of every device, or of one tenant's devices, ordered by MAC. */
    list(filter?: { tenantId?: string }): Promise<Sighting[]>;
    /** Upsert served files per (mac, file): the latest ETag, root and time win; unknown MACs are ignored. */
    recordFiles(batch: FileFetch[]): Promise<void>;
    /** Files served to one device, or to a tenant's (or every) device, ordered by MAC then file. */
    files(filter: { mac?: string; tenantId?: string }): Promise<FileFetch[]>;
  };
  unknownDevices: {
    /** Phones seen that are not provisioned (a MAC provisioned since is left out), last seen first. */
    list(): Promise<UnknownDevice[]>;
    /**
     * Add hits: count grows by `hits`, firstSeen stays, ip and lastSeen are replaced, a null
     * vendor / model / userAgent keeps the one known.
     */
    record(batch: Array<Omit<UnknownDevice, 'firstSeen' | 'count'> & { hits: number }>): Promise<void>;
    delete(mac: string): Promise<boolean>;
  };
  operators: {
    get(login: string): Promise<Operator | undefined>;
    insert(o: Omit<Operator, 'createdAt'>): Promise<void>;
    count(): Promise<number>;
  };
  /** Sessions and API tokens. Lists are ordered by creation time, then id. */
  credentials: {
    /** A hash already used by another credential is refused ('constraint'). */
    insert(c: Credential & { tokenHash: string | null; cookieHash: string | null }): Promise<void>;
    findByToken(tokenHash: string): Promise<Credential | undefined>;
    findByCookie(cookieHash: string): Promise<Credential | undefined>;
    get(id: string): Promise<Credential | undefined>;
    /** Every credential, or those of one principal. */
    list(filter?: { principalKind: PrincipalKind; principalId: string }): Promise<Credential[]>;
    /** lastUsedAt = at (never moves back). */
    touch(id: string, at: string): Promise<void>;
    delete(id: string): Promise<boolean>;
    /** Revoke a principal's credentials (all, or of one kind), except one; how many went. */
    deleteFor(principalKind: PrincipalKind, principalId: string, opts?: { except?: string; kind?: CredentialKind }): Promise<number>;
    /** Drop what expired before `now`, and sessions idle since before `idleBefore`; how many went. */
    purgeExpired(now: string, idleBefore: string): Promise<number>;
  };
  /**
   * Stored passwords (SIP, provisioning, phone profile, tenant provisioning) are encrypted by the
   * store (server/store/secrets.ts); callers always see plaintext. These calls manage the keys.
   */
  secrets: {
    /** How many stored passwords each key id encrypts; `plaintext` counts those not encrypted. */
    census(): Promise<Record<string, number>>;
    /** Re-encrypt every stored password with the current key, in one transaction; how many were rewritten. */
    reencrypt(): Promise<number>;
  };
  /** "Forgot password" links: only a SHA-256 of each token is kept; a link works once. */
  passwordResets: {
    /** Store a new link unless one was issued for this user after `notBefore`; false then. */
    issue(r: { tokenHash: string; userNumber: string; createdAt: string; expiresAt: string; notBefore: string }): Promise<boolean>;
    /** The user of a link that is unused and not expired at `now`. */
    peek(tokenHash: string, now: string): Promise<string | undefined>;
    /** Mark the link used (atomically: two claims cannot both win); its user, or undefined. */
    claim(tokenHash: string, now: string): Promise<string | undefined>;
    /** Every pending link of this user dies (after a reset); old rows are purged. */
    revokeAll(userNumber: string, now: string): Promise<void>;
  };
  /** Resync jobs and per-device outcomes. */
  resync: {
    /** The job and its targets, all `queued`, plus the devices nothing could be sent to (`failed`), in one transaction. */
    createJob(job: ResyncJob, targets: ResyncTarget[], unsendable: UnsendableTarget[]): Promise<void>;
    /**
     * A target's new state. `sent` sets sentAt = detail.at; `fetched` sets fetchedAt and keeps an
     * earlier code when detail.code is absent. Unknown (jobId, mac) pairs are ignored.
     */
    setTargetState(jobId: string, deviceMac: string, state: ResyncState, detail: StateDetail): Promise<void>;
    /**
     * Targets to (re)send after a restart: `queued`, or `sent` without a final answer, in jobs
     * not cancelled, oldest job first, with the line's current credentials joined back.
     */
    pendingTargets(): Promise<ResyncTarget[]>;
    /** Targets of this MAC in state `sent` or `answered` with sentAt >= `since` (fetch correlation). */
    awaitingFetch(deviceMac: string, since: number): Promise<Array<{ jobId: string; state: ResyncState; code?: number }>>;
    /** Marks the job cancelled and its `queued` targets `cancelled`; returns their MACs. */
    cancelJob(jobId: string, at: number): Promise<string[]>;
    /** The job and every target record (no credentials), or null when the id is unknown. */
    getJob(jobId: string): Promise<{ job: ResyncJob; targets: ResyncTargetRecord[] } | null>;
    /** Summaries, newest first, filtered, at most `limit` (default 100, at most 1000). */
    listJobs(filter?: { tenantId?: string; requestedBy?: string; limit?: number }): Promise<ResyncJobSummary[]>;
  };
  /**
   * The audit trail: append-only (entries survive the records they name, a deleted tenant
   * included), listed newest first, purged by age.
   */
  audit: {
    /** Store one entry; returns its id (ids grow with time). */
    append(e: AuditRecord): Promise<number>;
    /**
     * Entries matching every given filter, newest (highest id) first, at most `limit`. `tenantId`
     * matches the entry's tenant; `action` an exact action or a prefix ending in `.` (`device.`).
     */
    list(f: AuditFilter): Promise<AuditEntry[]>;
    /** Delete entries older than `before` (ISO); returns how many. */
    purge(before: string): Promise<number>;
  };
  /** Settings of the installation itself (key → JSON value). */
  settings: {
    get<T>(key: string): Promise<T | undefined>;
    set(key: string, value: unknown): Promise<void>;
  };
}
