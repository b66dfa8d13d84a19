// Logins, sessions and API tokens (issue 12, finding 3). Every credential is a row of
// Store.credentials holding only SHA-256 hashes of its secrets:
//   - a *session* is what a login makes (web form or POST /sessions): a cookie, and for the API
//     a bearer token too, both ending together. It ends after `idleMinutes` without use (sliding)
//     and `maxHours` after the login whatever happens (absolute);
//   - a *token* is a long-lived API token (`cadran operator create`, `cadran token create`): it
//     works until revoked or `tokenDays` after it was made.
// Logging out revokes the credential used; a password change revokes every other credential of
// that person (the one making the change stays, when it is her own), a reset revokes all of them;
// people list and revoke their own, operators (and tenant admins, for their users) anyone's.
// Expired rows are refused at once and purged periodically (`purgeExpired`, run by the server).
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { DomainError } from '../domain/errors.ts';
import { HashPoolBusy, verifyPassword } from './passwords.ts';
import { LoginThrottle } from './throttle.ts';
import type { Principal } from './principal.ts';
import type { Credential, CredentialKind, PrincipalKind, Store } from '../store/types.ts';

export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** lastUsedAt is written at most this often per credential (one write a minute, not one per request). */
export const TOUCH_EVERY_MS = 60_000;

export interface SessionPolicy {
  /** A login ends after this long without use. */
  idleMinutes: number;
  /** A login ends this long after it began, used or not. */
  maxHours: number;
  /** Long-lived API tokens end this long after they were made (unless made with another lifetime). */
  tokenDays: number;
}

export const DEFAULT_POLICY: SessionPolicy = { idleMinutes: 60, maxHours: 12, tokenDays: 365 };

/** Where a credential is made from, for the people who list their sessions. */
export interface Origin {
  address?: string | null;
  userAgent?: string | null;
}

export interface Authenticated {
  principal: Principal;
  credential: Credential;
}

export interface OpenedSession {
  /** The cookie value. */
  sessionId: string;
  /** Bearer token of the same session (API logins). */
  token: string;
  csrfToken: string;
  credential: Credential;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Who a principal is in the credentials table. */
export function principalKey(p: Principal): { kind: PrincipalKind; id: string } {
  if (p.kind === 'operator') return { kind: 'operator', id: p.login };
  if (p.kind === 'user') return { kind: 'user', id: p.number };
  throw new Error('the command line has no session');
}

const clip = (v: string | null | undefined, n: number): string | null => (v ? v.slice(0, n) : null);

export class AuthService {
  readonly throttle = new LoginThrottle();
  /** The time, in ms; tests move it to reach an expiry. */
  now: () => number = Date.now;

  constructor(
    private readonly store: Store,
    readonly policy: SessionPolicy = DEFAULT_POLICY,
  ) {}

  /** The principal behind a stored identity, or undefined when it no longer exists. */
  async principalOf(kind: PrincipalKind, id: string): Promise<Principal | undefined> {
    if (kind === 'operator') return (await this.store.operators.get(id)) ? { kind: 'operator', login: id } : undefined;
    const u = await this.store.users.get(id);
    return u ? { kind: 'user', number: u.number, tenantId: u.tenantId, role: u.role } : undefined;
  }

  /** A long-lived API token; shown once (only its hash is kept). */
  async issueToken(kind: PrincipalKind, id: string, label: string | null, opts: { days?: number; origin?: Origin } = {}): Promise<{ token: string; credential: Credential }> {
    const token = `cdr_${randomBytes(32).toString('base64url')}`;
    const at = this.now();
    const credential: Credential = {
      id: `tok_${randomUUID()}`,
      kind: 'token',
      principalKind: kind,
      principalId: id,
      label: clip(label, 100),
      csrfToken: null,
      createdAt: iso(at),
      lastUsedAt: iso(at),
      expiresAt: iso(at + (opts.days ?? this.policy.tokenDays) * 86_400_000),
      address: clip(opts.origin?.address, 64),
      userAgent: clip(opts.origin?.userAgent, 200),
    };
    await this.store.credentials.insert({ ...credential, tokenHash: sha256(token), cookieHash: null });
    return { token, credential };
  }

  /** A login: a session cookie, its CSRF token, and a bearer token of the same session. */
  async openSession(p: Principal, origin: Origin = {}, label: string | null = null): Promise<OpenedSession> {
    const who = principalKey(p);
    const sessionId = randomBytes(32).toString('base64url');
    const token = `cdr_${randomBytes(32).toString('base64url')}`;
    const csrfToken = randomBytes(24).toString('base64url');
    const at = this.now();
    const credential: Credential = {
      id: `ses_${randomUUID()}`,
      kind: 'session',
      principalKind: who.kind,
      principalId: who.id,
      label: clip(label, 100),
      csrfToken,
      createdAt: iso(at),
      lastUsedAt: iso(at),
      expiresAt: iso(at + this.policy.maxHours * 3_600_000),
      address: clip(origin.address, 64),
      userAgent: clip(origin.userAgent, 200),
    };
    await this.store.credentials.insert({ ...credential, tokenHash: sha256(token), cookieHash: sha256(sessionId) });
    return { sessionId, token, csrfToken, credential };
  }

  /** When this credential stops working if nobody uses it (the idle limit or the absolute one). */
  endsAt(c: Credential): string {
    if (c.kind !== 'session') return c.expiresAt;
    const idle = Date.parse(c.lastUsedAt) + this.policy.idleMinutes * 60_000;
    return idle < Date.parse(c.expiresAt) ? iso(idle) : c.expiresAt;
  }

  /** Still valid now? An expired one is deleted at once; a valid one has its lastUsedAt moved. */
  async #admit(c: Credential | undefined): Promise<Authenticated | undefined> {
    if (!c) return undefined;
    const now = this.now();
    if (Date.parse(this.endsAt(c)) <= now) {
      await this.store.credentials.delete(c.id);
      return undefined;
    }
    const principal = await this.principalOf(c.principalKind, c.principalId);
    if (!principal) return undefined;
    if (now - Date.parse(c.lastUsedAt) >= TOUCH_EVERY_MS) {
      await this.store.credentials.touch(c.id, iso(now));
      c = { ...c, lastUsedAt: iso(now) };
    }
    return { principal, credential: c };
  }

  async fromToken(token: string): Promise<Authenticated | undefined> {
    if (token.length > 200) return undefined;
    return this.#admit(await this.store.credentials.findByToken(sha256(token)));
  }

  async fromSession(sessionId: string): Promise<(Authenticated & { csrfToken: string }) | undefined> {
    if (sessionId.length > 200) return undefined;
    const a = await this.#admit(await this.store.credentials.findByCookie(sha256(sessionId)));
    return a && { ...a, csrfToken: a.credential.csrfToken ?? '' };
  }

  /** End one credential (logout, revocation). */
  async revoke(id: string): Promise<boolean> {
    return this.store.credentials.delete(id);
  }

  /** End a principal's credentials (all, or of one kind), except one; how many ended. */
  async revokeAll(kind: PrincipalKind, id: string, opts: { except?: string; kind?: CredentialKind } = {}): Promise<number> {
    return this.store.credentials.deleteFor(kind, id, opts);
  }

  /** Valid credentials of a principal (or every principal), oldest first. */
  async list(filter?: { principalKind: PrincipalKind; principalId: string }): Promise<Credential[]> {
    const now = this.now();
    return (await this.store.credentials.list(filter)).filter((c) => Date.parse(this.endsAt(c)) > now);
  }

  async get(id: string): Promise<Credential | undefined> {
    const c = await this.store.credentials.get(id);
    return c && Date.parse(this.endsAt(c)) > this.now() ? c : undefined;
  }

  /** Drop expired and idle credentials; how many went. */
  async purgeExpired(): Promise<number> {
    const now = this.now();
    return this.store.credentials.purgeExpired(iso(now), iso(now - this.policy.idleMinutes * 60_000));
  }

  /**
   * Check a login (10-digit number for users, the login for operators) and password. A wrong
   * password and an unknown login give the same answer. The throttle decides before the
   * comparison (the attempt reserves its place first, see throttle.ts); the comparison runs in
   * the hashing threads, never on the event loop.
   */
  async login(login: string, password: string, address: string): Promise<Principal> {
    const attempt = this.throttle.reserve(login, address);
    if (attempt.refused) throw new DomainError('too_many_requests', 'auth.too_many_failures');
    if (attempt.delayMs > 0) await new Promise((r) => setTimeout(r, attempt.delayMs));
    const user = /^\d{10}$/.test(login) ? await this.store.users.get(login) : undefined;
    const operator = user ? undefined : await this.store.operators.get(login);
    const hash = user?.passwordHash ?? operator?.passwordHash;
    let ok: boolean;
    try {
      ok = await verifyPassword(password, hash);
    } catch (err) {
      attempt.cancel();
      if (err instanceof HashPoolBusy) throw new DomainError('too_many_requests', 'auth.server_busy');
      throw err;
    }
    attempt.settle(ok);
    if (ok) {
      if (user) return { kind: 'user', number: user.number, tenantId: user.tenantId, role: user.role };
      return { kind: 'operator', login: operator!.login };
    }
    throw new DomainError('unauthenticated', 'auth.wrong_login');
  }

  /**
   * Is this the person's current password? Throttled exactly like a login (someone holding a
   * stolen session must not get unlimited guesses through "change my e-mail").
   */
  async checkPassword(login: string, password: string, address: string): Promise<boolean> {
    try {
      await this.login(login, password, address);
      return true;
    } catch (e) {
      if (e instanceof DomainError && e.code === 'unauthenticated') return false;
      throw e;
    }
  }
}
