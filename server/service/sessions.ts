// Sessions and API tokens as people manage them: everyone lists and revokes their own; an
// operator those of anyone; a tenant admin those of the users of her tenant. A credential of
// someone the caller may not manage is "not found", exactly like one that does not exist.
import { notFound } from '../domain/errors.ts';
import { isOperator, type Principal } from '../auth/principal.ts';
import { principalKey, type AuthService } from '../auth/service.ts';
import type { Credential, CredentialKind, PrincipalKind } from '../store/types.ts';
import type { ServiceDeps } from './context.ts';

/** Someone the caller may not manage: the answer of someone who does not exist. */
const ownerNotFound = (o: CredentialOwner) => (o.kind === 'user' ? notFound('not_found.user', { number: o.id }) : notFound('not_found.operator', { login: o.id }));

export interface CredentialOwner {
  kind: PrincipalKind;
  id: string;
}

export interface SessionsDeps extends ServiceDeps {
  auth: AuthService;
}

/**
 * Whose credentials: the caller's own when nothing is named. Someone the caller may not manage
 * is not found, exactly like someone who does not exist.
 */
export async function ownerOf(deps: SessionsDeps, p: Principal, named: { user?: string; operator?: string } = {}): Promise<CredentialOwner> {
  let owner: CredentialOwner;
  if (named.user !== undefined) owner = { kind: 'user', id: named.user };
  else if (named.operator !== undefined) owner = { kind: 'operator', id: named.operator };
  else if (p.kind === 'system') throw notFound('not_found.session', { id: 'cli' });
  else owner = principalKey(p);
  const exists = owner.kind === 'user' ? !!(await deps.store.users.get(owner.id)) : !!(await deps.store.operators.get(owner.id));
  if (!exists || !(await mayManage(deps, p, owner))) throw ownerNotFound(owner);
  return owner;
}

/** May `p` manage the credentials of `owner`? (Not found otherwise, like an absent credential.) */
async function mayManage(deps: SessionsDeps, p: Principal, owner: CredentialOwner): Promise<boolean> {
  if (isOperator(p)) return true;
  if (p.kind !== 'user') return false;
  if (owner.kind === 'user' && owner.id === p.number) return true;
  if (owner.kind !== 'user' || p.role !== 'admin') return false;
  const u = await deps.store.users.get(owner.id);
  return !!u && u.tenantId === p.tenantId;
}

export async function listCredentials(deps: SessionsDeps, p: Principal, owner: CredentialOwner): Promise<Credential[]> {
  if (!(await mayManage(deps, p, owner))) throw ownerNotFound(owner);
  return deps.auth.list({ principalKind: owner.kind, principalId: owner.id });
}

/** Every credential of the installation (operators: `cadran token list`, GET /sessions?all=true). */
export async function listAllCredentials(deps: SessionsDeps, p: Principal): Promise<Credential[]> {
  if (!isOperator(p)) throw notFound('not_found.page');
  return deps.auth.list();
}

export async function getCredential(deps: SessionsDeps, p: Principal, id: string): Promise<Credential> {
  const c = await deps.auth.get(id);
  if (!c || !(await mayManage(deps, p, { kind: c.principalKind, id: c.principalId }))) throw notFound('not_found.session', { id });
  return c;
}

export async function revokeCredential(deps: SessionsDeps, p: Principal, id: string): Promise<Credential> {
  const c = await getCredential(deps, p, id);
  await deps.auth.revoke(c.id);
  return c;
}

/** Revoke every credential of `owner` (of one kind when given), except `keep`; how many ended. */
export async function revokeAllOf(deps: SessionsDeps, p: Principal, owner: CredentialOwner, opts: { keep?: string; kind?: CredentialKind } = {}): Promise<number> {
  if (!(await mayManage(deps, p, owner))) throw ownerNotFound(owner);
  return deps.auth.revokeAll(owner.kind, owner.id, { ...(opts.keep ? { except: opts.keep } : {}), ...(opts.kind ? { kind: opts.kind } : {}) });
}
