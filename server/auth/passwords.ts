// Password hashes with bcrypt (bcryptjs: pure JS, nothing to build), computed in a pool of worker
// threads (hash-pool.ts) so that no comparison ever runs on the event loop. Verification of an
// unknown login still runs a full comparison against a dummy hash of the same cost, so timing
// does not tell which logins exist.
//
// The pool is one per process, like libuv's thread pool: a compute resource, not application
// state (it holds no data), shared by every service that hashes (logins, password changes, the CLI).
import { randomBytes } from 'node:crypto';
import { HashPool } from './hash-pool.ts';

export { HashPoolBusy } from './hash-pool.ts';

/** Read at each use so that tests can lower it before creating users. */
const cost = (): number => Number(process.env.CADRAN_BCRYPT_COST || 10);

let pool: HashPool | undefined;
let dummy: { cost: number; hash: Promise<string> } | undefined;

/** The process's hashing pool (threads start on first use). */
export function hashPool(): HashPool {
  pool ??= new HashPool();
  return pool;
}

function dummyHash(): Promise<string> {
  const c = cost();
  if (!dummy || dummy.cost !== c) dummy = { cost: c, hash: hashPool().hash('cadran-dummy-password', c) };
  return dummy.hash;
}

export const hashPassword = (plain: string): Promise<string> => hashPool().hash(plain, cost());

/**
 * True when `plain` matches `hash`. A missing hash (unknown login, user without a password) is
 * compared with a dummy so the answer takes as long; a malformed stored hash never matches.
 * Throws HashPoolBusy when the hashing queue is full.
 */
export async function verifyPassword(plain: string, hash: string | null | undefined): Promise<boolean> {
  const against = hash && /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(hash) ? hash : await dummyHash();
  const ok = await hashPool().compare(plain, against);
  return ok && against === hash;
}

const ALNUM = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/** A random secret from an unambiguous alphabet (SIP passwords, generated logins). */
export function randomSecret(length = 20): string {
  const bytes = randomBytes(length * 2);
  let out = '';
  for (let i = 0; i < bytes.length && out.length < length; i++) {
    const b = bytes[i]!;
    if (b < 256 - (256 % ALNUM.length)) out += ALNUM[b % ALNUM.length];
  }
  return out.length === length ? out : randomSecret(length);
}
