// Logins, API tokens and web sessions. Tokens and session ids are random, shown once, and
// stored only as SHA-256 hashes.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { DomainError } from '../domain/errors.ts';
import { HashPoolBusy, verifyPassword } from './passwords.ts';
import { LoginThrottle } from './throttle.ts';
import type { Principal } from './principal.ts';
import type { PrincipalKind, Store } from '../store/types.ts';

export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
const SESSION_TTL_MS = 12 * 3600_000;

export interface LoginResult {
  principal: Principal;
  token: string;
}

export class AuthService {
  readonly throttle = new LoginThrottle();

  constructor(private readonly store: Store) {}

  /** The principal behind a stored identity, or undefined when it no longer exists. */
  async principalOf(kind: PrincipalKind, id: string): Promise<Principal | undefined> {
    if (kind === 'operator') return (await this.store.operators.get(id)) ? { kind: 'operator', login: id } : undefined;
    const u = await this.store.users.get(id);
    return u ? { kind: 'user', number: u.number, tenantId: u.tenantId, role: u.role } : undefined;
  }

  async issueToken(kind: PrincipalKind, id: string, label: string | null): Promise<string> {
    const token = `cdr_${randomBytes(32).toString('base64url')}`;
    await this.store.tokens.insert({
      id: randomUUID(), tokenHash: sha256(token), principalKind: kind, principalId: id, label, createdAt: new Date().toISOString(),
    });
    return token;
  }

  async fromToken(token: string): Promise<Principal | undefined> {
    const t = await this.store.tokens.findByHash(sha256(token));
    return t && this.principalOf(t.principalKind, t.principalId);
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

  async openSession(p: Principal): Promise<{ sessionId: string; csrfToken: string }> {
    if (p.kind === 'system') throw new Error('the command line has no web session');
    const sessionId = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(24).toString('base64url');
    await this.store.sessions.insert(sha256(sessionId), {
      principalKind: p.kind,
      principalId: p.kind === 'operator' ? p.login : p.number,
      csrfToken,
      expiresAt: new Date(Date.now() + SESSION_TTL_MS).toISOString(),
    });
    return { sessionId, csrfToken };
  }

  async fromSession(sessionId: string): Promise<{ principal: Principal; csrfToken: string } | undefined> {
    const s = await this.store.sessions.get(sha256(sessionId));
    if (!s || s.expiresAt < new Date().toISOString()) return undefined;
    const principal = await this.principalOf(s.principalKind, s.principalId);
    return principal && { principal, csrfToken: s.csrfToken };
  }

  async closeSession(sessionId: string): Promise<void> {
    await this.store.sessions.delete(sha256(sessionId));
  }
}
