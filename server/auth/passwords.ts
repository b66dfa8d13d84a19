// Password hashes with bcrypt (bcryptjs: pure JS, nothing to build). Verification of an unknown
// login still runs a full hash comparison so timing does not tell which logins exist.
import bcrypt from 'bcryptjs';
import { randomBytes } from 'node:crypto';

const COST = Number(process.env.CADRAN_BCRYPT_COST || 10);
const DUMMY = bcrypt.hashSync('cadran-dummy-password', COST);

export const hashPassword = (plain: string): Promise<string> => bcrypt.hash(plain, COST);

export async function verifyPassword(plain: string, hash: string | null | undefined): Promise<boolean> {
  const ok = await bcrypt.compare(plain, hash ?? DUMMY);
  return ok && !!hash;
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
