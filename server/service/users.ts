import { conflict, invalid, notFound } from '../domain/errors.ts';
import { parseInput, userCreate, userPatch, userPassword } from '../domain/schemas.ts';
import { hashPassword, randomSecret } from '../auth/passwords.ts';
import { requireTenantAdmin, requireUserAccess, requireUserAdmin, type Principal } from '../auth/principal.ts';
import type { User } from '../store/types.ts';
import { devicesOfUsers, type ServiceDeps } from './context.ts';

export function getUser(deps: ServiceDeps, p: Principal, number: string): User {
  const u = deps.store.users.get(number);
  if (!u) throw notFound(`user ${number}`);
  requireUserAccess(p, u);
  return u;
}

export function listUsers(deps: ServiceDeps, p: Principal, tenantId: string): User[] {
  if (!deps.store.tenants.get(tenantId)) throw notFound(`tenant "${tenantId}"`);
  // Every member may see the colleagues (to pick a BLF target); the view decides which fields.
  if (p.kind === 'user' && p.tenantId !== tenantId) throw notFound(`tenant "${tenantId}"`);
  return deps.store.users.list(tenantId);
}

export async function createUser(deps: ServiceDeps, p: Principal, tenantId: string, input: unknown): Promise<User> {
  if (!deps.store.tenants.get(tenantId)) throw notFound(`tenant "${tenantId}"`);
  requireTenantAdmin(p, tenantId);
  const u = parseInput(userCreate, input);
  if (deps.store.users.get(u.number)) throw conflict('number', `user number ${u.number} is already taken`);
  const passwordHash = u.password ? await hashPassword(u.password) : null;
  // Checked again after the await: another request may have taken the number meanwhile.
  if (deps.store.users.get(u.number)) throw conflict('number', `user number ${u.number} is already taken`);
  deps.store.users.insert({
    number: u.number,
    tenantId,
    name: u.name,
    email: u.email ?? null,
    role: u.role,
    passwordHash,
    sipAuthName: u.sipAuthName ?? u.number,
    sipPassword: u.sipPassword ?? randomSecret(20),
    voicemailNumber: u.voicemailNumber ?? '123',
  });
  return deps.store.users.get(u.number)!;
}

export async function updateUser(deps: ServiceDeps, p: Principal, number: string, input: unknown): Promise<User> {
  const cur = getUser(deps, p, number);
  const patch = parseInput(userPatch, input);
  const selfService = p.kind === 'user' && p.number === number && p.role !== 'admin';
  if (selfService) {
    // A user may change their own password and e-mail; the licence itself is the admin's.
    const allowed = new Set(['password', 'email']);
    const other = Object.keys(patch).find((k) => !allowed.has(k));
    if (other) requireUserAdmin(p, cur);
  }
  if (patch.role && p.kind === 'user' && p.number === number && patch.role !== cur.role) {
    throw invalid('role', 'you cannot change your own role');
  }
  const passwordHash = patch.password ? await hashPassword(patch.password) : cur.passwordHash;
  const next = {
    name: patch.name ?? cur.name,
    email: patch.email === undefined ? cur.email : patch.email,
    role: patch.role ?? cur.role,
    passwordHash,
    sipAuthName: patch.sipAuthName ?? cur.sipAuthName,
    sipPassword: patch.sipPassword ?? cur.sipPassword,
    voicemailNumber: patch.voicemailNumber ?? cur.voicemailNumber,
  };
  deps.store.users.update(number, next);
  // A rename shows on the phones that supervise this user too (BLF labels default to the name).
  deps.changes.devicesChanged(devicesOfUsers(deps.store, [number, ...deps.store.keys.watchersOf(number)]), `user ${number} changed`);
  return deps.store.users.get(number)!;
}

export async function setPassword(deps: ServiceDeps, number: string, password: string): Promise<void> {
  const pw = parseInput(userPassword, password, 'password');
  const cur = deps.store.users.get(number);
  if (!cur) throw notFound(`user ${number}`);
  deps.store.users.update(number, { ...cur, passwordHash: await hashPassword(pw) });
}

export function deleteUser(deps: ServiceDeps, p: Principal, number: string): void {
  const cur = getUser(deps, p, number);
  requireTenantAdmin(p, cur.tenantId);
  if (p.kind === 'user' && p.number === number) throw invalid('number', 'you cannot delete your own licence');
  const affected = devicesOfUsers(deps.store, [number, ...deps.store.keys.watchersOf(number)]);
  deps.store.transaction(() => {
    // BLF keys of colleagues that supervised this user would point nowhere: remove them.
    for (const w of deps.store.keys.watchersOf(number)) {
      deps.store.keys.replace(w, deps.store.keys.list(w).filter((k) => !(k.type === 'blf' && k.value === number)));
    }
    deps.store.users.delete(number);
  });
  deps.changes.devicesChanged(affected, `user ${number} deleted`);
}
