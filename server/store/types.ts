// Records as the store keeps them, and the repository interface the rest of cadran uses.
// Callers depend on `Store` only; `SqliteStore` is today's implementation (better-sqlite3).
// The interface is synchronous because better-sqlite3 is; every method is a small unit of work
// and `transaction()` groups several into one atomic change.
import type { ProvisioningSecurity } from '../domain/schemas.ts';
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
  provisioningUsername: string | null;
  provisioningPassword: string | null;
  createdAt: string;
  updatedAt: string;
}

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

export interface ApiToken {
  id: string;
  principalKind: PrincipalKind;
  principalId: string;
  label: string | null;
  createdAt: string;
}

export interface Session {
  principalKind: PrincipalKind;
  principalId: string;
  csrfToken: string;
  expiresAt: string;
}

export type NetworkOverrides = NetworkProfile;

export interface Store {
  /** Run `fn` atomically: every change inside commits together or not at all. */
  transaction<T>(fn: () => T): T;
  close(): void;
  /** Changes whenever another process (e.g. `cadran import`) commits to the database. */
  dataVersion(): number;

  tenants: {
    list(): Tenant[];
    get(id: string): Tenant | undefined;
    insert(t: Omit<Tenant, 'createdAt' | 'updatedAt'>): void;
    update(id: string, t: Omit<Tenant, 'id' | 'createdAt' | 'updatedAt'>): void;
    delete(id: string): boolean;
  };
  users: {
    list(tenantId?: string): User[];
    get(number: string): User | undefined;
    insert(u: Omit<User, 'createdAt' | 'updatedAt'>): void;
    update(number: string, u: Omit<User, 'number' | 'tenantId' | 'createdAt' | 'updatedAt'>): void;
    delete(number: string): boolean;
  };
  devices: {
    list(filter?: { tenantId?: string; userNumber?: string }): Device[];
    get(mac: string): Device | undefined;
    insert(d: Omit<Device, 'createdAt' | 'updatedAt'>): void;
    update(mac: string, d: Omit<Device, 'mac' | 'createdAt' | 'updatedAt'>): void;
    delete(mac: string): boolean;
  };
  keys: {
    list(userNumber: string): FunctionKey[];
    replace(userNumber: string, keys: FunctionKey[]): void;
    /** Users whose keys supervise `number` (BLF targets), for cache invalidation. */
    watchersOf(number: string): string[];
  };
  network: {
    getTenant(tenantId: string): NetworkProfile;
    setTenant(tenantId: string, p: NetworkProfile): void;
    getDevice(mac: string): NetworkProfile;
    setDevice(mac: string, p: NetworkProfile): void;
  };
  contacts: {
    list(userNumber: string): Contact[];
    get(id: number): Contact | undefined;
    insert(c: Omit<Contact, 'id' | 'createdAt' | 'updatedAt'>): number;
    update(id: number, c: Omit<Contact, 'id' | 'userNumber' | 'createdAt' | 'updatedAt'>): void;
    delete(id: number): boolean;
  };
  sightings: {
    get(mac: string): Sighting | undefined;
    /** Upsert many sightings at once (the phone path batches them). */
    record(batch: Sighting[]): void;
  };
  unknownDevices: {
    list(): UnknownDevice[];
    record(batch: Array<Omit<UnknownDevice, 'firstSeen' | 'count'> & { hits: number }>): void;
    delete(mac: string): boolean;
  };
  operators: {
    get(login: string): Operator | undefined;
    insert(o: Omit<Operator, 'createdAt'>): void;
    count(): number;
  };
  tokens: {
    insert(t: ApiToken & { tokenHash: string }): void;
    findByHash(tokenHash: string): ApiToken | undefined;
    delete(id: string): boolean;
  };
  sessions: {
    insert(idHash: string, s: Session): void;
    get(idHash: string): Session | undefined;
    delete(idHash: string): void;
    purgeExpired(now: string): void;
  };
  /** Settings of the installation itself (key → JSON value). */
  settings: {
    get<T>(key: string): T | undefined;
    set(key: string, value: unknown): void;
  };
}
