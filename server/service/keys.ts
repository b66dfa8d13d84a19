import { message } from '../domain/messages.ts';
import { invalidAll, type ErrorDetail } from '../domain/errors.ts';
import { formatMac } from '../domain/mac.ts';
import { dialable } from '../domain/numbers.ts';
import { keyList, parseInput } from '../domain/schemas.ts';
import { findModel, keyCapacity } from '../../vendors/index.ts';
import type { Actor, Principal } from '../auth/principal.ts';
import type { FunctionKey, Store, User } from '../store/types.ts';
import { checkVersion, devicesOfUsers, RETRY, versionedWrite, type ServiceDeps, type WriteOptions } from './context.ts';
import { getUser } from './users.ts';
import { keysSnapshot, recordAudit } from './audit.ts';

/** Largest key position allowed for a user: the smallest capacity among their phones. */
export async function keyLimit(store: Store, userNumber: string): Promise<{ limit: number; because?: { model: string; mac: string } }> {
  let best: { limit: number; because?: { model: string; mac: string } } = { limit: 999 };
  for (const d of await store.devices.list({ userNumber })) {
    const found = findModel(d.model);
    if (!found) continue;
    const cap = keyCapacity(found.model, d.expansionModules);
    if (cap < best.limit) best = { limit: cap, because: { model: d.model, mac: formatMac(d.mac) } };
  }
  return best;
}

/** Validate a whole key list for `user`; every problem is reported with its index. */
export async function validateKeys(store: Store, user: User, input: unknown): Promise<FunctionKey[]> {
  return checkKeyList(store, user.tenantId, input, { self: user.number, ...(await keyLimit(store, user.number)) });
}

/**
 * Validate a key list of a tenant (a user's, or a template's: `self` absent): positions once each
 * and within `limit` (the phone named in `because`), BLF targets licences of the tenant, speed dials
 * dialable numbers, line keys without a value. Every problem is reported with its index.
 */
export async function checkKeyList(
  store: Store,
  tenantId: string,
  input: unknown,
  opts: { self?: string; limit: number; because?: { model: string; mac: string } },
): Promise<FunctionKey[]> {
  const keys = parseInput(keyList, input, 'keys');
  const problems: ErrorDetail[] = [];
  const seen = new Map<number, number>();
  const { limit, because } = opts;
  const out: FunctionKey[] = [];
  for (const [i, k] of keys.entries()) {
    const field = `keys.${i}`;
    const prev = seen.get(k.position);
    // Keys are numbered from 1 for people, as on the phone.
    if (prev !== undefined) problems.push({ field: `${field}.position`, key: 'validation.key_position_twice', params: { position: k.position, first: prev + 1, second: i + 1 } });
    seen.set(k.position, i);
    if (k.position > limit && because) {
      problems.push({ field: `${field}.position`, key: 'validation.key_beyond_phone', params: { position: k.position, limit, model: because.model, mac: because.mac } });
    }
    let value: string | null = null;
    if (k.type === 'blf') {
      const target = k.value ? await store.users.get(k.value) : undefined;
      if (!k.value) problems.push({ field: `${field}.value`, key: 'validation.blf_needs_user' });
      else if (!target || target.tenantId !== tenantId) {
        problems.push({ field: `${field}.value`, key: 'validation.blf_not_colleague', params: { number: k.value } });
      } else if (target.number === opts.self) {
        problems.push({ field: `${field}.value`, key: 'validation.blf_own_line' });
      }
      value = k.value ?? null;
    } else if (k.type === 'speeddial') {
      const r = dialable.safeParse(k.value ?? '');
      if (!k.value) problems.push({ field: `${field}.value`, key: 'validation.speeddial_needs_number' });
      else if (!r.success) problems.push({ field: `${field}.value`, key: 'validation.phone_number' });
      else value = r.data;
    } else if (k.value) {
      problems.push({ field: `${field}.value`, key: 'validation.line_key_value' });
    }
    out.push({ position: k.position, type: k.type, value, label: k.label ?? null });
  }
  if (problems.length) throw invalidAll(problems);
  return out.sort((a, b) => a.position - b.position);
}

export async function listKeys(deps: ServiceDeps, p: Principal, number: string): Promise<FunctionKey[]> {
  await getUser(deps, p, number);
  return deps.store.keys.list(number);
}

/** The version of a user's key list (ETag of `GET /users/{n}/keys`). */
export async function keysVersion(deps: ServiceDeps, p: Principal, number: string): Promise<number> {
  return (await getUser(deps, p, number)).keysVersion;
}

export async function replaceKeys(deps: ServiceDeps, p: Actor, number: string, input: unknown, opts: WriteOptions = {}): Promise<FunctionKey[]> {
  const { keys, macs } = await versionedWrite(deps, message('stale.keys', { number }), opts, async (d) => {
    const user = await getUser(d, p, number);
    checkVersion(opts, user.keysVersion, message('stale.keys', { number }));
    const before = await d.store.keys.list(number);
    if (!(await d.store.keys.replace(number, await validateKeys(d.store, user, input), user.keysVersion))) return RETRY;
    const keys = await d.store.keys.list(number);
    await recordAudit(d.store, p, { action: 'keys.replace', tenantId: user.tenantId, userNumber: number, before: { keys: keysSnapshot(before) }, after: { keys: keysSnapshot(keys) } });
    return { keys, macs: await devicesOfUsers(d.store, [number]) };
  });
  deps.changes.devicesChanged(macs, `keys of ${number} changed`);
  return keys;
}
