import { message } from '../domain/messages.ts';
import { conflict, invalid, invalidAll, notFound, stale } from '../domain/errors.ts';
import { parseInput, userCreate, userPatch, userPassword } from '../domain/schemas.ts';
import { hashPassword, randomSecret, verifyPassword } from '../auth/passwords.ts';
import { requireTenantAdmin, requireUserAccess, requireUserAdmin, type Actor, type Principal } from '../auth/principal.ts';
import type { User } from '../store/types.ts';
import { checkVersion, devicesOfUsers, inTransaction, RETRY, versionedWrite, type ServiceDeps, type WriteOptions } from './context.ts';
import { keysSnapshot, recordAudit } from './audit.ts';
import { checkTemplateFits, dropBlfFromTemplates, supervisorsOf } from './templates.ts';
import { tenantDevices } from './directory.ts';
import type { Store } from '../store/types.ts';

/** A template given to a licence: one of its tenant's, that its phones take (422 naming the phone). */
async function checkTemplateFor(store: Store, tenantId: string, number: string, templateId: number | null | undefined): Promise<void> {
  if (templateId === undefined || templateId === null) return;
  const t = await store.keyTemplates.get(templateId);
  if (!t || t.tenantId !== tenantId) throw invalid('keyTemplate', 'validation.key_template_unknown', { id: templateId });
  const problems = await checkTemplateFits(store, t, [number]);
  if (problems.length) throw invalidAll(problems.map((d) => ({ ...d, field: 'keyTemplate' })));
}

export async function getUser(deps: ServiceDeps, p: Principal, number: string): Promise<User> {
  const u = await deps.store.users.get(number);
  if (!u) throw notFound('not_found.user', { number: number });
  requireUserAccess(p, u);
  return u;
}

export async function listUsers(deps: ServiceDeps, p: Principal, tenantId: string): Promise<User[]> {
  if (!(await deps.store.tenants.get(tenantId))) throw notFound('not_found.tenant', { id: tenantId });
  // Every member may see the colleagues (to pick a BLF target); the view decides which fields.
  if (p.kind === 'user' && p.tenantId !== tenantId) throw notFound('not_found.tenant', { id: tenantId });
  return deps.store.users.list(tenantId);
}

export async function createUser(deps: ServiceDeps, p: Actor, tenantId: string, input: unknown): Promise<User> {
  if (!(await deps.store.tenants.get(tenantId))) throw notFound('not_found.tenant', { id: tenantId });
  requireTenantAdmin(p, tenantId);
  const u = parseInput(userCreate, input);
  if (await deps.store.users.get(u.number)) throw conflict('number', 'conflict.user_number_taken', { number: u.number });
  // bcrypt runs before the transaction: it takes tens of milliseconds.
  const passwordHash = u.password ? await hashPassword(u.password) : null;
  const created = await inTransaction(deps, async ({ store }) => {
    // Checked again in the transaction: another request may have taken the number meanwhile.
    if (!(await store.tenants.get(tenantId))) throw notFound('not_found.tenant', { id: tenantId });
    if (await store.users.get(u.number)) throw conflict('number', 'conflict.user_number_taken', { number: u.number });
    await checkTemplateFor(store, tenantId, u.number, u.keyTemplate);
    await store.users.insert({
      number: u.number,
      tenantId,
      name: u.name,
      email: u.email ?? null,
      role: u.role,
      passwordHash,
      sipAuthName: u.sipAuthName ?? u.number,
      sipPassword: u.sipPassword ?? randomSecret(20),
      voicemailNumber: u.voicemailNumber ?? '123',
      directoryHidden: u.directoryHidden ?? false,
      keyTemplate: u.keyTemplate ?? null,
    });
    const created = (await store.users.get(u.number))!;
    await recordAudit(store, p, { action: 'user.create', tenantId, userNumber: u.number, after: created });
    return created;
  });
  // A new colleague in every phone's company directory (unless hidden).
  if (!created.directoryHidden) deps.changes.devicesChanged(await tenantDevices(deps.store, tenantId), `user ${created.number} created`);
  return created;
}

/** Who is making a change, beyond the principal: what the edge knows of the request. */
export interface ActorContext {
  /** The credential (session or token) the request came with: kept when she changes her own password. */
  credentialId?: string;
  /** Is this her current password? The edges pass the login-throttled check; default: a plain comparison. */
  checkPassword?: (login: string, password: string) => Promise<boolean>;
}

/**
 * Changing one's own password or e-mail needs the current password (a session left open on a
 * shared screen must not be enough to take the account over through "forgot password").
 */
async function requireCurrentPassword(user: User, given: string | undefined, ctx: ActorContext): Promise<void> {
  if (!given) throw invalid('currentPassword', 'validation.current_password_required');
  const ok = ctx.checkPassword ? await ctx.checkPassword(user.number, given) : await verifyPassword(given, user.passwordHash);
  if (!ok) throw invalid('currentPassword', 'validation.current_password_wrong');
}

export async function updateUser(deps: ServiceDeps, p: Actor, number: string, input: unknown, opts: WriteOptions & ActorContext = {}): Promise<User> {
  const before = await getUser(deps, p, number);
  const { currentPassword, ...patch } = parseInput(userPatch, input);
  const self = p.kind === 'user' && p.number === number;
  const selfService = self && p.role !== 'admin';
  if (selfService) {
    // A user may change their own password and e-mail; the licence itself is the admin's.
    const allowed = new Set(['password', 'email']);
    const other = Object.keys(patch).find((k) => !allowed.has(k));
    if (other) requireUserAdmin(p, before);
  }
  if (patch.role && p.kind === 'user' && p.number === number && patch.role !== before.role) {
    throw invalid('role', 'validation.own_role');
  }
  checkVersion(opts, before.version, message('stale.user', { number }));
  if (self && (patch.password !== undefined || (patch.email !== undefined && patch.email !== before.email))) {
    await requireCurrentPassword(before, currentPassword, opts);
  }
  const newHash = patch.password ? await hashPassword(patch.password) : undefined;
  const { user, macs } = await versionedWrite(deps, message('stale.user', { number }), opts, async (d) => {
    // The row as it is now (another edit may have landed during the hash): only the fields this
    // request names are taken from it, every other field stays as the other edit left it.
    const cur = await getUser(d, p, number);
    checkVersion(opts, cur.version, message('stale.user', { number }));
    if (patch.keyTemplate !== undefined && patch.keyTemplate !== cur.keyTemplate) await checkTemplateFor(d.store, cur.tenantId, number, patch.keyTemplate);
    const ok = await d.store.users.update(
      number,
      {
        name: patch.name ?? cur.name,
        email: patch.email === undefined ? cur.email : patch.email,
        role: patch.role ?? cur.role,
        passwordHash: newHash ?? cur.passwordHash,
        sipAuthName: patch.sipAuthName ?? cur.sipAuthName,
        sipPassword: patch.sipPassword ?? cur.sipPassword,
        voicemailNumber: patch.voicemailNumber ?? cur.voicemailNumber,
        ...(patch.directoryHidden !== undefined ? { directoryHidden: patch.directoryHidden } : {}),
        ...(patch.keyTemplate !== undefined ? { keyTemplate: patch.keyTemplate } : {}),
      },
      cur.version,
    );
    if (!ok) return RETRY;
    // A new password ends every other session and token of this person: whoever knew the old
    // one is out. Her own session stays when she changes it herself.
    if (newHash) await d.store.credentials.deleteFor('user', number, self && opts.credentialId ? { except: opts.credentialId } : {});
    const user = (await d.store.users.get(number))!;
    // A rename shows on the phones that supervise this user too (BLF labels default to the name,
    // their own keys' or their template's), and in every phone's company directory of the tenant.
    const directory = user.name !== cur.name || user.directoryHidden !== cur.directoryHidden;
    const macs = [
      ...(await devicesOfUsers(d.store, [number, ...(await supervisorsOf(d.store, number))])),
      ...(directory ? await tenantDevices(d.store, user.tenantId) : []),
    ];
    await recordAudit(d.store, p, { action: 'user.update', tenantId: user.tenantId, userNumber: number, before: cur, after: user });
    return { user, macs };
  });
  deps.changes.devicesChanged(macs, `user ${number} changed`);
  return user;
}

/** A new password through a reset link: `a` is the user who proved they got the link. */
export async function setPassword(deps: ServiceDeps, a: Actor, number: string, password: string): Promise<void> {
  const pw = parseInput(userPassword, password, 'password');
  if (!(await deps.store.users.get(number))) throw notFound('not_found.user', { number: number });
  const hash = await hashPassword(pw);
  await versionedWrite(deps, message('stale.user', { number }), {}, async ({ store }) => {
    const cur = await store.users.get(number);
    if (!cur) throw notFound('not_found.user', { number });
    if (!(await store.users.update(number, { ...cur, passwordHash: hash }, cur.version))) return RETRY;
    const after = (await store.users.get(number))!;
    await recordAudit(store, a, { action: 'user.password_reset', tenantId: cur.tenantId, userNumber: number, before: cur, after });
    // A reset (forgotten password) ends every session and token of this person.
    await store.credentials.deleteFor('user', number);
    return true;
  });
}

export async function deleteUser(deps: ServiceDeps, p: Actor, number: string, opts: WriteOptions = {}): Promise<void> {
  const affected = await inTransaction(deps, async (d) => {
    const cur = await getUser(d, p, number);
    requireTenantAdmin(p, cur.tenantId);
    if (p.kind === 'user' && p.number === number) throw invalid('number', 'validation.own_licence_delete');
    checkVersion(opts, cur.version, message('stale.user', { number }));
    const watchers = await d.store.keys.watchersOf(number);
    // Every phone of the tenant: the licence leaves the company directory (and BLF keys on it go).
    const affected = [...(await devicesOfUsers(d.store, [number, ...(await supervisorsOf(d.store, number))])), ...(await tenantDevices(d.store, cur.tenantId))];
    await dropBlfFromTemplates(d.store, p, cur.tenantId, number);
    // BLF keys of colleagues that supervised this user would point nowhere: remove them.
    for (const w of watchers) {
      const before = await d.store.keys.list(w);
      const after = before.filter((k) => !(k.type === 'blf' && k.value === number));
      await d.store.keys.replace(w, after);
      await recordAudit(d.store, p, {
        action: 'keys.replace', tenantId: cur.tenantId, userNumber: w, before: { keys: keysSnapshot(before) }, after: { keys: keysSnapshot(after) },
        summary: { cause: 'user.delete', blfRemoved: number },
      });
    }
    // Phones that registered this licence as an extra line lose that line.
    for (const dev of await d.store.devices.list({ extraLine: number })) {
      const { mac, createdAt: _c, updatedAt: _u, version: _v, enrolUntil: _e, enrolledAt: _a, enrolledIp: _i, ...row } = dev;
      const extraLines = dev.extraLines.filter((n) => n !== number);
      await d.store.devices.update(mac, { ...row, extraLines });
      await recordAudit(d.store, p, {
        action: 'device.update', tenantId: dev.tenantId, userNumber: dev.userNumber, mac, before: dev, after: { ...dev, extraLines },
        summary: { cause: 'user.delete', extraLineRemoved: number },
      });
    }
    const keys = await d.store.keys.list(number);
    const contacts = (await d.store.contacts.list(number)).length;
    if (!(await d.store.users.delete(number, cur.version))) throw stale(message('stale.user', { number }));
    await recordAudit(d.store, p, {
      action: 'user.delete', tenantId: cur.tenantId, userNumber: number, before: { ...cur, keys: keysSnapshot(keys) }, summary: { contacts },
    });
    // Her sessions and tokens end with her (a new licence with this number must not inherit them).
    await d.store.credentials.deleteFor('user', number);
    return affected;
  });
  deps.changes.devicesChanged(affected, `user ${number} deleted`);
}
