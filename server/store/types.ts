// Records as the store keeps them, and the one asynchronous repository interface the rest of
// cadran uses. Two engines implement it: SQLite (better-sqlite3, embedded default, sqlite/) and
// PostgreSQL (pg, scale-out, postgres/); both pass the same shared store test suite. Nothing
// outside server/store/ names an engine, writes SQL or sees a driver type.
// Every method is a small unit of work; `transaction()` groups several into one atomic change
// and hands `fn` a Store bound to that transaction (use it, not the outer one, inside `fn`).
import type { ProvisioningSecurity } from '../domain/schemas.ts';
import type { StoredFeatures, UserFeatures } from '../domain/features.ts';
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
  /** Grows by one with every update: a write that names an older version is refused (412). */
  version: number;
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
  version: number;
  /** Version of the user's function key list (changes with `keys.replace`, not with the user). */
  keysVersion: number;
  /** Left out of the company directory of the tenant's phones (a per-licence setting). */
  directoryHidden: boolean;
  /** The key template the licence's keys start from (its own keys win by position); null: none. */
  keyTemplate: number | null;
  createdAt: string;
  updatedAt: string;
}

/** Settings of a licence with a default: absent on insert = the default, absent on update = unchanged. */
export type UserSettings = 'directoryHidden' | 'keyTemplate';
/** What a write gives: the versions are the store's (every write adds one). */
export type UserWrite = Omit<User, 'createdAt' | 'updatedAt' | 'version' | 'keysVersion' | UserSettings> & Partial<Pick<User, UserSettings>>;

/**
 * A key layout of a tenant that licences start from: ordered keys of the same types as a user's.
 * `family`: a vendor id or a model name the template is meant for; null: any phone. `version`
 * grows by one at each change (a write naming an older version is refused: 409 in the cockpit,
 * 412 on the API like the other versioned rows).
 */
export interface KeyTemplate {
  id: number;
  tenantId: string;
  name: string;
  family: string | null;
  keys: FunctionKey[];
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** What a personal contact and a contact of the company directory both are. */
export interface ContactCard {
  id: number;
  name: string;
  work: string | null;
  mobile: string | null;
  home: string | null;
  group: string | null;
  /** Grows by one at each change (stale writes, the import undo journal). */
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** A contact of the tenant, shown on every phone of the tenant (the company directory). */
export interface SharedContact extends ContactCard {
  tenantId: string;
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
  version: number;
  /**
   * Adopt before serve: until this time (ISO) the device may fetch its files once without
   * credentials; null when no window is open.
   */
  enrolUntil: string | null;
  /** When and from where the device enrolled (its first credential-less fetch of a secret file). */
  enrolledAt: string | null;
  enrolledIp: string | null;
  /** Group label (firmware rollouts, bulk edits); null: none. */
  group: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A device as written: `group` absent keeps the stored label on update (null on insert). */
export type DeviceWrite = Omit<Device, 'mac' | 'createdAt' | 'updatedAt' | 'version' | 'enrolUntil' | 'enrolledAt' | 'enrolledIp' | 'group'> & {
  group?: string | null;
};

export interface FunctionKey {
  position: number;
  type: 'line' | 'blf' | 'speeddial';
  value: string | null;
  label: string | null;
}

/** A personal contact of a user (their phones' personal directory). */
export interface Contact extends ContactCard {
  userNumber: string;
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

/**
 * A device file as a phone last fetched it (issue 17: preview and diff before a resync). One per
 * (device, file); `body` is null when the file was too large to keep (its size and ETag stay).
 */
export interface FileSnapshot {
  mac: string;
  file: string;
  etag: string;
  size: number;
  body: Buffer | null;
  at: string;
  /**
   * Whom the file was rendered for, `<tenant>/<user>` (server/provision/activity.ts
   * snapshotOwner); null when not known (written before schema version 14). The preview shows a
   * snapshot only while the device still has that owner.
   */
  owner?: string | null;
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
  /** The tenant an operator assigned this MAC to: its admins may register it (null: operators only). */
  assignedTenant: string | null;
}

/** A network profile with the version of its row (0 when nothing was ever stored). */
export interface VersionedProfile {
  profile: NetworkProfile;
  version: number;
}

/** Row kinds an interrupted import can put back. */
export type UndoEntity = 'device' | 'contact';

/** How to put one row back as it was before an import wrote it. */
export interface UndoEntry {
  entity: UndoEntity;
  /**
   * MAC, or contact id as text; a shared contact of a tenant (company directory) is a 'contact'
   * whose key is its id prefixed with `s` (`s12`).
   */
  key: string;
  /** The row before the write (its store record as JSON); null when the import created it. */
  before: Device | Contact | SharedContact | null;
  /** Version the import's write left: the row is put back only if nobody changed it since. */
  afterVersion: number;
}

/** An import that writes in chunks: what is needed to undo it if it fails or dies. */
export interface ImportRun {
  id: string;
  kind: string;
  /** `host:pid` of the process running it. */
  owner: string;
  startedAt: string;
  heartbeatAt: string;
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

/** An operator's template replacing the shipped `templates/<vendor>/<name>` on every node. */
export interface TemplateOverride {
  vendor: string;
  name: string;
  source: string;
  updatedAt: string;
}

/** A resync target leased to a node: it alone sends it while the lease holds. */
export interface ResyncLease {
  owner: string;
  /** Epoch ms; past it another node may claim the target. */
  until: number;
}

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
  // Versions: every update adds one to the row's `version`. Given `ifVersion`, an update or delete
  // happens only when the row still has that version (one atomic statement: `… WHERE version = ?`)
  // and says whether it did: false when the row is gone or another write got there first.
  tenants: {
    list(): Promise<Tenant[]>;
    get(id: string): Promise<Tenant | undefined>;
    insert(t: Omit<Tenant, 'createdAt' | 'updatedAt' | 'version'>): Promise<void>;
    update(id: string, t: Omit<Tenant, 'id' | 'createdAt' | 'updatedAt' | 'version'>, ifVersion?: number): Promise<boolean>;
    delete(id: string, ifVersion?: number): Promise<boolean>;
  };
  users: {
    list(tenantId?: string): Promise<User[]>;
    get(number: string): Promise<User | undefined>;
    insert(u: UserWrite): Promise<void>;
    update(number: string, u: Omit<UserWrite, 'number' | 'tenantId'>, ifVersion?: number): Promise<boolean>;
    /** Numbers of the licences using this key template, ordered. */
    withTemplate(templateId: number): Promise<string[]>;
    /**
     * The tenant's licences shown in its company directory (not hidden), by number: number and
     * name only, no secret opened (every phone's directory is built from this).
     */
    directory(tenantId: string): Promise<Array<{ number: string; name: string }>>;
    delete(number: string, ifVersion?: number): Promise<boolean>;
  };
  devices: {
    /** `userNumber`: phones of that user; `extraLine`: phones that list that number in extraLines. */
    list(filter?: { tenantId?: string; userNumber?: string; extraLine?: string }): Promise<Device[]>;
    get(mac: string): Promise<Device | undefined>;
    /** A new device; `enrolUntil` opens its enrolment window. */
    insert(d: DeviceWrite & { mac: string; enrolUntil?: string | null }): Promise<void>;
    /**
     * Every field as given but the enrolment state (see openEnrolment / claimEnrolment); `group`
     * absent keeps the stored one. `updatedAt` moves even when nothing differs.
     */
    update(mac: string, d: DeviceWrite, ifVersion?: number): Promise<boolean>;
    delete(mac: string, ifVersion?: number): Promise<boolean>;
    /** Bulk imports: the devices among these MACs that exist (few statements), ordered by MAC. */
    getMany(macs: readonly string[]): Promise<Device[]>;
    /** Bulk imports: insert several like insert(), all or none (a constraint refusing one refuses them all). */
    insertMany(ds: ReadonlyArray<DeviceWrite & { mac: string; enrolUntil?: string | null }>): Promise<void>;
    /**
     * Bulk imports: update several like update(), each with its own `ifVersion`; all or none on a
     * constraint. Returns the MACs not updated (unknown, or no longer at `ifVersion`).
     */
    updateMany(ds: ReadonlyArray<DeviceWrite & { mac: string; ifVersion?: number }>): Promise<string[]>;
    /** (Re)open the enrolment window until `until` (ISO); the device counts as not enrolled. */
    openEnrolment(mac: string, until: string): Promise<boolean>;
    /**
     * Close the window of a device whose window is open at `at` (atomically: of two concurrent
     * claims one wins); records when and from where. True for the one that closed it.
     */
    claimEnrolment(mac: string, at: string, ip: string): Promise<boolean>;
  };
  keys: {
    list(userNumber: string): Promise<FunctionKey[]>;
    /** Replace the whole list; adds one to the user's `keysVersion`. */
    replace(userNumber: string, keys: FunctionKey[], ifVersion?: number): Promise<boolean>;
    /** Users whose keys supervise `number` (BLF targets), for cache invalidation. */
    watchersOf(number: string): Promise<string[]>;
  };
  network: {
    getTenant(tenantId: string): Promise<NetworkProfile>;
    getTenantEntry(tenantId: string): Promise<VersionedProfile>;
    setTenant(tenantId: string, p: NetworkProfile, ifVersion?: number): Promise<boolean>;
    getDevice(mac: string): Promise<NetworkProfile>;
    getDeviceEntry(mac: string): Promise<VersionedProfile>;
    setDevice(mac: string, p: NetworkProfile, ifVersion?: number): Promise<boolean>;
  };
  contacts: {
    list(userNumber: string): Promise<Contact[]>;
    count(userNumber: string): Promise<number>;
    get(id: number): Promise<Contact | undefined>;
    insert(c: Omit<Contact, 'id' | 'createdAt' | 'updatedAt' | 'version'>): Promise<number>;
    update(id: number, c: Omit<Contact, 'id' | 'userNumber' | 'createdAt' | 'updatedAt' | 'version'>, ifVersion?: number): Promise<boolean>;
    delete(id: number, ifVersion?: number): Promise<boolean>;
  };
  /** A user's line settings (DND, permanent forward, anonymous rejection, blacklist). */
  features: {
    /** Undefined until first written (callers use the defaults then). */
    get(userNumber: string): Promise<StoredFeatures | undefined>;
    /** Replace the whole settings; the version grows by one (starts at 1). Returns the new version. */
    set(userNumber: string, f: UserFeatures): Promise<number>;
  };
  /** The tenant's shared contacts (company directory), ordered like personal contacts. */
  sharedContacts: {
    list(tenantId: string): Promise<SharedContact[]>;
    get(id: number): Promise<SharedContact | undefined>;
    insert(c: Omit<SharedContact, 'id' | 'createdAt' | 'updatedAt' | 'version'>): Promise<number>;
    update(id: number, c: Omit<SharedContact, 'id' | 'tenantId' | 'createdAt' | 'updatedAt' | 'version'>, ifVersion?: number): Promise<boolean>;
    delete(id: number, ifVersion?: number): Promise<boolean>;
  };
  /** Key templates of a tenant, listed by name (case-insensitive) then id. */
  keyTemplates: {
    list(tenantId: string): Promise<KeyTemplate[]>;
    get(id: number): Promise<KeyTemplate | undefined>;
    /** A name already used in the tenant is refused ('constraint'). Version 1. */
    insert(t: Omit<KeyTemplate, 'id' | 'version' | 'createdAt' | 'updatedAt'>): Promise<number>;
    /** The version grows by one. Given `ifVersion`, only when the stored version is that one; false otherwise (or missing). */
    update(id: number, t: Pick<KeyTemplate, 'name' | 'family' | 'keys'>, ifVersion?: number): Promise<boolean>;
    /** Licences using it are left without a template. Given `ifVersion`, only at that version. */
    delete(id: number, ifVersion?: number): Promise<boolean>;
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
    /** Upsert snapshots per (mac, file): the latest in the batch wins; unknown MACs are ignored. */
    recordSnapshots(batch: FileSnapshot[]): Promise<void>;
    /** The snapshot of one file of one device, or undefined. */
    snapshot(mac: string, file: string): Promise<FileSnapshot | undefined>;
  };
  unknownDevices: {
    /**
     * Phones seen that are not provisioned (a MAC provisioned since is left out), last seen first;
     * only those assigned to `assignedTenant` when given; at most `limit` (default all).
     */
    list(filter?: { assignedTenant?: string; limit?: number }): Promise<UnknownDevice[]>;
    /** The entry of a MAC, provisioned since or not (a seen MAC stays recorded once claimed). */
    get(mac: string): Promise<UnknownDevice | undefined>;
    /**
     * Add hits: count grows by `hits`, firstSeen stays, ip and lastSeen are replaced, a null
     * vendor / model / userAgent keeps the one known.
     */
    record(batch: Array<Omit<UnknownDevice, 'firstSeen' | 'count' | 'assignedTenant'> & { hits: number }>): Promise<void>;
    /** Let the admins of `tenantId` register this MAC (null: operators only again); false when unknown. */
    assign(mac: string, tenantId: string | null): Promise<boolean>;
    /**
     * Forget entries last seen before `olderThan`, then the oldest beyond `maxEntries`; entries an
     * operator assigned are kept. Returns how many were removed.
     */
    prune(o: { maxEntries: number; olderThan: string }): Promise<number>;
    delete(mac: string): Promise<boolean>;
  };
  /**
   * Imports that commit in chunks (so that the server's other writes never wait long) keep an
   * undo journal: a failed or interrupted run is put back as it was.
   */
  importRuns: {
    begin(run: Omit<ImportRun, 'heartbeatAt'>): Promise<void>;
    /** Journal entries of the rows about to be written, in the same transaction as the writes. */
    journal(runId: string, entries: UndoEntry[]): Promise<void>;
    heartbeat(runId: string, at: string): Promise<void>;
    /** The run succeeded: its journal is dropped. */
    finish(runId: string): Promise<void>;
    /**
     * Put back every row the run wrote (newest first), unless changed since by someone else;
     * returns the MACs of devices put back and the users whose contacts were. Drops the run.
     */
    undo(runId: string): Promise<{ macs: string[]; contactsOf: string[]; skipped: number }>;
    list(): Promise<ImportRun[]>;
  };
  operators: {
    get(login: string): Promise<Operator | undefined>;
    insert(o: Omit<Operator, 'createdAt'>): Promise<void>;
    /** Replace an operator's password hash; false when the login does not exist. */
    setPassword(login: string, passwordHash: string): Promise<boolean>;
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
    /**
     * The job and its targets, all `queued`, plus the devices nothing could be sent to (`failed`),
     * in one transaction. With `lease`, the targets are created leased to that node (it sends them).
     */
    createJob(job: ResyncJob, targets: ResyncTarget[], unsendable: UnsendableTarget[], lease?: ResyncLease): Promise<void>;
    /**
     * Lease targets to `owner` until `until` and return them (credentials joined back): targets
     * `queued`, or `sent` without a final answer, of jobs not cancelled, whose lease is absent or
     * expired at `now` — at most `limit`, and per tenant at most `perTenant` counting the `queued`
     * targets `owner` already holds, oldest job first. Two
     * nodes claiming at once never get the same target (PostgreSQL: FOR UPDATE SKIP LOCKED;
     * SQLite: one write transaction).
     */
    claimTargets(owner: string, opts: { now: number; until: number; limit: number; perTenant: number }): Promise<ResyncTarget[]>;
    /**
     * Extend `owner`'s leases on targets still `queued` or `sent` (job not cancelled) to `until`;
     * returns the (jobId, mac) pairs it still holds. A target missing from the answer was cancelled,
     * answered or taken over: the node must not send it.
     */
    renewLeases(owner: string, until: number): Promise<Array<{ jobId: string; deviceMac: string }>>;
    /** Give up `owner`'s leases (a clean stop): other nodes may claim those targets at once. */
    releaseLeases(owner: string): Promise<void>;
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
    /** Store `value` unless the key exists; returns what is stored then (the first writer wins a race). */
    setIfAbsent<T>(key: string, value: T): Promise<T>;
  };
  /** Servers running on this database (heartbeats): how many share the NOTIFY rates. */
  nodes: {
    /**
     * `id` is alive at `now`. Returns how many nodes beat since `now - ttlMs` (this one included);
     * rows silent for 10 × ttlMs are deleted.
     */
    heartbeat(id: string, now: number, ttlMs: number): Promise<number>;
    /** `id` stops (a clean shutdown): it no longer counts. */
    leave(id: string): Promise<void>;
  };
  /** Addresses the probe protection refuses, shared by every node. */
  probeBlocks: {
    /** Refuse `ip` until `until` (epoch ms); a later end already stored is kept. */
    add(ip: string, until: number): Promise<void>;
    /** Blocks still running at `now` (ended ones are deleted). */
    active(now: number): Promise<Array<{ ip: string; until: number }>>;
  };
  /** Operator templates replacing shipped ones (every node renders with them). */
  templateOverrides: {
    /** By vendor then name. */
    list(): Promise<TemplateOverride[]>;
    get(vendor: string, name: string): Promise<TemplateOverride | undefined>;
    /** Insert or replace. */
    put(o: Omit<TemplateOverride, 'updatedAt'> & { updatedAt?: string }): Promise<void>;
    /** Insert unless one exists (importing files never replaces what the database holds); true when inserted. */
    putIfAbsent(o: Omit<TemplateOverride, 'updatedAt'>): Promise<boolean>;
    delete(vendor: string, name: string): Promise<boolean>;
  };
}
