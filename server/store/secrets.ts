// Secrets at rest: the SIP passwords, per-device provisioning passwords, phone admin/user
// passwords (network profiles) and the tenant-wide provisioning password are kept in the database
// encrypted with AES-256-GCM. Only server/store/ seals and opens them: every other layer sees
// plaintext, and a copy of the database file (a backup, a stolen disk) does not give them away.
//
// Keys come from `CADRAN_SECRET_KEY` (base64 of 32 bytes; a comma-separated list: the first
// encrypts, the others are only read, for a rotation) or else from `<data dir>/secret.key`, made
// at the first start (mode 0600, written whole before it appears, so processes starting together
// agree on one key). Each ciphertext names its key by a short id (the first 8 hex digits of a
// SHA-256 of the key), so `cadran secrets rotate` can re-encrypt everything under a new key while
// the old one stays readable, and a process that meets an id it does not know reads the key file
// again (a rotation made by another process beside it).
//
// Stored form: `enc:1:<key id>:<base64url(12-byte IV | ciphertext | 16-byte tag)>`. The purpose of
// the value (`users.sip_password`, `profile.adminPassword`, …) is bound in as additional data: a
// ciphertext moved to another column does not open.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, linkSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { StoreError } from './errors.ts';
import { TENANT_AUTH_PASSWORD } from './secret-sites.ts';

const PREFIX = 'enc:1:';
const SEALED = /^enc:1:([0-9a-f]{8}):([A-Za-z0-9_-]{38,})$/;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** How often, at most, an unknown key id makes the key file be read again. */
const RELOAD_MS = 2000;

export const KEY_FILE_NAME = 'secret.key';

export interface KeySource {
  /** `CADRAN_SECRET_KEY`, split on commas: base64 keys, the first one encrypts. Null: use the file. */
  envKeys: string[] | null;
  /** `<data dir>/secret.key`: read, or created when absent (and no env keys). */
  file: string;
}

/** The id a ciphertext carries for its key: 8 hex digits of a SHA-256 of the key. */
export const keyIdOf = (key: Buffer): string => createHash('sha256').update('cadran secret key id\0').update(key).digest('hex').slice(0, 8);

/** A key from its base64 text, or an error naming where it came from (never the value). */
export function parseKey(text: string, where: string): Buffer {
  const t = text.trim();
  const key = /^[A-Za-z0-9+/_-]+={0,2}$/.test(t) ? Buffer.from(t, t.includes('-') || t.includes('_') ? 'base64url' : 'base64') : Buffer.alloc(0);
  if (key.length !== 32) throw new StoreError('unavailable', `${where}: a secret key is 32 random bytes written in base64 (44 characters), e.g. the output of \`cadran secrets new-key\``);
  return key;
}

export const newKeyText = (): string => randomBytes(32).toString('base64');

/** The key file's text: comments, then one base64 key per line, the first one encrypts. */
function keyFileText(keys: Buffer[]): string {
  return [
    '# cadran: AES-256-GCM keys of the passwords kept in the database (SIP, provisioning, phone admin).',
    '# The first key encrypts; the others are still read (a rotation under way, or kept for old backups).',
    '# Keep a copy of this file apart from the database backups: without it those passwords are lost.',
    ...keys.map((k) => k.toString('base64')),
    '',
  ].join('\n');
}

function readKeyFile(file: string): Buffer[] {
  const text = readFileSync(file, 'utf8');
  const keys = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l, i) => parseKey(l, `${file}, key ${i + 1}`));
  if (keys.length === 0) throw new StoreError('unavailable', `${file} holds no key (delete it only if the database holds no encrypted password yet)`);
  return keys;
}

/** Write the key file whole (temporary file, 0600, then renamed over it). */
export function writeKeyFile(file: string, keys: Buffer[]): void {
  const tmp = join(dirname(file), `.${KEY_FILE_NAME}.${process.pid}.${randomBytes(4).toString('hex')}`);
  writeFileSync(tmp, keyFileText(keys), { mode: 0o600, flag: 'wx' });
  renameSync(tmp, file);
}

/**
 * The key file, created with a fresh key when absent. Created under a temporary name and linked
 * into place (link fails when the name exists), so a process never reads a half-written file and
 * two processes starting at once end up with the same key.
 */
function loadOrCreateKeyFile(file: string): Buffer[] {
  try {
    return readKeyFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw fileError(file, e);
  }
  const tmp = join(dirname(file), `.${KEY_FILE_NAME}.${process.pid}.${randomBytes(4).toString('hex')}`);
  try {
    writeFileSync(tmp, keyFileText([randomBytes(32)]), { mode: 0o600, flag: 'wx' });
    try {
      linkSync(tmp, file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  } catch (e) {
    throw fileError(file, e);
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
  }
  return readKeyFile(file);
}

function fileError(file: string, e: unknown): unknown {
  if (e instanceof StoreError) return e;
  return new StoreError('unavailable', `cannot read or create the secret key file ${file}: ${(e as Error).message}`, { cause: e });
}

export interface KeyInfo {
  id: string;
  current: boolean;
}

/** The keys of an installation; the first encrypts. */
export class KeyRing {
  #keys: Map<string, Buffer>;
  #current: string;
  #lastReload = 0;
  #lastStat = 0;
  #fileStamp = '';

  private constructor(keys: Buffer[], readonly source: KeySource | null) {
    this.#keys = new Map(keys.map((k) => [keyIdOf(k), k]));
    this.#current = keyIdOf(keys[0]!);
    this.#fileStamp = this.#stamp();
  }

  /** What tells the key file changed (a rotation by another process): inode, size, mtime. */
  #stamp(): string {
    if (!this.fromFile) return '';
    try {
      const st = statSync(this.source!.file);
      return `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch {
      return '';
    }
  }

  /** From the environment when it names keys, else from the key file (created when absent). */
  static load(source: KeySource): KeyRing {
    if (source.envKeys && source.envKeys.length > 0) {
      return new KeyRing(source.envKeys.map((k, i) => parseKey(k, `CADRAN_SECRET_KEY (key ${i + 1})`)), source);
    }
    const keys = loadOrCreateKeyFile(source.file);
    try {
      // Someone may have loosened it by hand: only this account reads the keys.
      if ((statSync(source.file).mode & 0o077) !== 0) chmodSync(source.file, 0o600);
    } catch {
      /* read-only file system: leave it */
    }
    return new KeyRing(keys, source);
  }

  /** Keys given directly (tests, in-memory databases); the first encrypts. */
  static of(...keys: Buffer[]): KeyRing {
    return new KeyRing(keys.length ? keys : [randomBytes(32)], null);
  }

  get currentId(): string {
    return this.#current;
  }

  get fromFile(): boolean {
    return !!this.source && !(this.source.envKeys && this.source.envKeys.length > 0);
  }

  list(): KeyInfo[] {
    return [...this.#keys.keys()].map((id) => ({ id, current: id === this.#current }));
  }

  /**
   * The key that encrypts. With a key file, it is looked at again every 2 s at most: when
   * `cadran secrets rotate` beside a running server puts a new key first, this process encrypts
   * with it too within seconds (the rotation waits for that before it re-encrypts).
   */
  current(): { id: string; key: Buffer } {
    if (this.fromFile && Date.now() - this.#lastStat >= RELOAD_MS) {
      this.#lastStat = Date.now();
      const stamp = this.#stamp();
      if (stamp && stamp !== this.#fileStamp) this.reload();
    }
    return { id: this.#current, key: this.#keys.get(this.#current)! };
  }

  /** The key of this id; an unknown id makes the key file be read again (at most every 2 s). */
  get(id: string): Buffer | undefined {
    const k = this.#keys.get(id);
    if (k || !this.fromFile) return k;
    if (Date.now() - this.#lastReload < RELOAD_MS) return undefined;
    this.reload();
    return this.#keys.get(id);
  }

  /** Read the key file again (a rotation by another process); env keys never change. */
  reload(): void {
    if (!this.fromFile) return;
    this.#lastReload = Date.now();
    try {
      this.#fileStamp = this.#stamp();
      const keys = readKeyFile(this.source!.file);
      this.#keys = new Map(keys.map((k) => [keyIdOf(k), k]));
      this.#current = keyIdOf(keys[0]!);
    } catch {
      /* keep what we have: the next unknown id tries again */
    }
  }

  /** Every key, the current one first (to write the key file again). */
  keys(): Buffer[] {
    const cur = this.#keys.get(this.#current)!;
    return [cur, ...[...this.#keys.values()].filter((k) => k !== cur)];
  }
}

/** Where the key comes from, for messages: never the key itself. */
export function describeKeySource(ring: KeyRing): string {
  if (!ring.source) return 'keys given in code';
  return ring.fromFile ? `the key file ${ring.source.file}` : 'CADRAN_SECRET_KEY';
}

/** Seals and opens values with the keys of a KeyRing. */
export class SecretBox {
  constructor(readonly ring: KeyRing) {}

  static isSealed(value: string): boolean {
    return SEALED.test(value);
  }

  /** The key id a sealed value names, or undefined for plaintext. */
  static keyIdIn(value: string): string | undefined {
    return SEALED.exec(value)?.[1];
  }

  seal(plain: string, purpose: string): string {
    const { id, key } = this.ring.current();
    const iv = randomBytes(IV_BYTES);
    const c = createCipheriv('aes-256-gcm', key, iv);
    c.setAAD(Buffer.from(purpose, 'utf8'));
    const body = Buffer.concat([iv, c.update(plain, 'utf8'), c.final(), c.getAuthTag()]);
    return `${PREFIX}${id}:${body.toString('base64url')}`;
  }

  /**
   * The plaintext of a stored value. A value that is not sealed is returned as it is (a row
   * written before encryption; they are sealed when the store opens). A key that is missing or a
   * value that does not authenticate is an error naming the key id, never a wrong password.
   */
  open(value: string, purpose: string): string {
    const m = SEALED.exec(value);
    if (!m) return value;
    const id = m[1]!;
    const key = this.ring.get(id);
    if (!key) {
      throw new StoreError('unavailable', `a password in the database is encrypted with key ${id}, which ${describeKeySource(this.ring)} does not hold (was the key replaced without \`cadran secrets rotate\`?)`);
    }
    const body = Buffer.from(m[2]!, 'base64url');
    if (body.length < IV_BYTES + TAG_BYTES) throw new StoreError('failed', `a stored ${purpose} is damaged (too short)`);
    try {
      const d = createDecipheriv('aes-256-gcm', key, body.subarray(0, IV_BYTES));
      d.setAAD(Buffer.from(purpose, 'utf8'));
      d.setAuthTag(body.subarray(body.length - TAG_BYTES));
      return Buffer.concat([d.update(body.subarray(IV_BYTES, body.length - TAG_BYTES)), d.final()]).toString('utf8');
    } catch (e) {
      throw new StoreError('failed', `a stored ${purpose} does not decrypt with key ${id} (damaged, or moved from another field)`, { cause: e });
    }
  }

  sealNullable(plain: string | null, purpose: string): string | null {
    return plain === null ? null : this.seal(plain, purpose);
  }

  openNullable(value: string | null, purpose: string): string | null {
    return value === null ? null : this.open(value, purpose);
  }

  /** Network profiles: every top-level field whose name ends in `Password` is sealed. */
  sealProfile<T extends object>(profile: T): T {
    return mapPasswords(profile, (v, k) => this.seal(v, `profile.${k}`));
  }

  openProfile<T extends object>(profile: T): T {
    return mapPasswords(profile, (v, k) => this.open(v, `profile.${k}`));
  }

  /** Tenant provisioning security: `auth.password` (tenant-wide Basic / Digest password). */
  sealSecurity<T extends { auth?: { password?: string } }>(security: T): T {
    const pw = security.auth?.password;
    return pw === undefined ? security : { ...security, auth: { ...security.auth, password: this.seal(pw, TENANT_AUTH_PASSWORD) } };
  }

  openSecurity<T extends { auth?: { password?: string } }>(security: T): T {
    const pw = security.auth?.password;
    return pw === undefined ? security : { ...security, auth: { ...security.auth, password: this.open(pw, TENANT_AUTH_PASSWORD) } };
  }
}

/** True for the profile fields kept encrypted: `adminPassword`, `phoneUserPassword`, any `…Password`. */
export const isProfileSecret = (field: string): boolean => /Password$/.test(field);

function mapPasswords<T extends object>(profile: T, fn: (v: string, k: string) => string): T {
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(profile)) {
    if (!isProfileSecret(k) || typeof v !== 'string') continue;
    out ??= { ...(profile as Record<string, unknown>) };
    out[k] = fn(v, k);
  }
  return (out ?? profile) as T;
}
