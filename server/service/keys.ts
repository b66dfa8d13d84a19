import { DomainError, type ErrorDetail } from '../domain/errors.ts';
import { formatMac } from '../domain/mac.ts';
import { dialable } from '../domain/numbers.ts';
import { keyList, parseInput } from '../domain/schemas.ts';
import { findModel, keyCapacity } from '../../vendors/index.ts';
import type { Principal } from '../auth/principal.ts';
import type { FunctionKey, Store, User } from '../store/types.ts';
import { checkVersion, devicesOfUsers, RETRY, versionedWrite, type ServiceDeps, type WriteOptions } from './context.ts';
import { getUser } from './users.ts';

/** Largest key position allowed for a user: the smallest capacity among their phones. */
export async function keyLimit(store: Store, userNumber: string): Promise<{ limit: number; because?: string }> {
  let best: { limit: number; because?: string } = { limit: 999 };
  for (const d of await store.devices.list({ userNumber })) {
    const found = findModel(d.model);
    if (!found) continue;
    const cap = keyCapacity(found.model, d.expansionModules);
    if (cap < best.limit) best = { limit: cap, because: `${d.model} ${formatMac(d.mac)}` };
  }
  return best;
}

/** Validate a whole key list for `user`; every problem is reported with its index. */
export async function validateKeys(store: Store, user: User, input: unknown): Promise<FunctionKey[]> {
  const keys = parseInput(keyList, input, 'keys');
  const problems: ErrorDetail[] = [];
  const seen = new Map<number, number>();
  const { limit, because } = await keyLimit(store, user.number);
  const out: FunctionKey[] = [];
  for (const [i, k] of keys.entries()) {
    const field = `keys.${i}`;
    const prev = seen.get(k.position);
    if (prev !== undefined) problems.push({ field: `${field}.position`, message: `position ${k.position} is used twice (keys ${prev} and ${i})` });
    seen.set(k.position, i);
    if (k.position > limit) {
      problems.push({ field: `${field}.position`, message: `position ${k.position} exceeds the ${limit} keys of the ${because}` });
    }
    let value: string | null = null;
    if (k.type === 'blf') {
      const target = k.value ? await store.users.get(k.value) : undefined;
      if (!k.value) problems.push({ field: `${field}.value`, message: 'a BLF key needs the number of the user to supervise' });
      else if (!target || target.tenantId !== user.tenantId) {
        problems.push({ field: `${field}.value`, message: `user ${k.value} is not a user of this tenant: a BLF key can only supervise a colleague` });
      } else if (target.number === user.number) {
        problems.push({ field: `${field}.value`, message: 'a user cannot supervise their own line' });
      }
      value = k.value ?? null;
    } else if (k.type === 'speeddial') {
      const r = dialable.safeParse(k.value ?? '');
      if (!k.value) problems.push({ field: `${field}.value`, message: 'a speed dial key needs the number to call' });
      else if (!r.success) problems.push({ field: `${field}.value`, message: `"${k.value}" ${r.error.issues[0]!.message}` });
      else value = r.data;
    } else if (k.value) {
      problems.push({ field: `${field}.value`, message: 'a line key takes no value' });
    }
    out.push({ position: k.position, type: k.type, value, label: k.label ?? null });
  }
  if (problems.length) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    throw new DomainError('validation_failed', `${problems[0]!.field}: ${problems[0]!.message}${more}`, problems);
  }
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

export async function replaceKeys(deps: ServiceDeps, p: Principal, number: string, input: unknown, opts: WriteOptions = {}): Promise<FunctionKey[]> {
  const { keys, macs } = await versionedWrite(deps, `the keys of ${number}`, opts, async (d) => {
    const user = await getUser(d, p, number);
    checkVersion(opts, user.keysVersion, `the keys of ${number}`);
    if (!(await d.store.keys.replace(number, await validateKeys(d.store, user, input), user.keysVersion))) return RETRY;
    return { keys: await d.store.keys.list(number), macs: await devicesOfUsers(d.store, [number]) };
  });
  deps.changes.devicesChanged(macs, `keys of ${number} changed`);
  return keys;
}
