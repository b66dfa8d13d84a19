// `cadran secrets rotate`: every stored password re-encrypted under a new key, in one
// transaction, the old key readable until that is done.
//   - Key file (the default): a new key is put first in `<data dir>/secret.key` (the old one kept
//     after it), processes running beside notice it within 2 s and encrypt with it too; then
//     everything is re-encrypted; then the old key leaves the file (unless kept for old backups).
//   - CADRAN_SECRET_KEY: cadran cannot change the environment. Put the new key first and the old
//     one after it (`CADRAN_SECRET_KEY=new,old`) everywhere cadran runs, rotate, then drop the old.
// A crash at any point leaves the database readable: the re-encryption commits whole or not at
// all, and the file holds every key a committed value may name.
import { randomBytes } from 'node:crypto';
import { loadKeys, openStore, type StoreConfig } from './index.ts';
import { KeyRing, writeKeyFile } from './secrets.ts';

export interface RotationResult {
  source: 'file' | 'env';
  /** Key ids the passwords used before. */
  before: Record<string, number>;
  /** The key that encrypts everything now. */
  current: string;
  reencrypted: number;
  /** Keys no longer needed by the database (dropped from the key file, or to drop from CADRAN_SECRET_KEY). */
  retired: string[];
  /** Old keys left in the key file on purpose (--keep-old). */
  kept: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function rotateSecrets(config: StoreConfig, opts: { keepOld?: boolean; settleMs?: number } = {}): Promise<RotationResult> {
  const ring = loadKeys(config);
  const fromFile = ring.fromFile;
  if (fromFile) {
    writeKeyFile(config.secretKeyFile, [randomBytes(32), ...ring.keys()]);
    ring.reload();
    // Let running processes (which look at the key file every 2 s) start encrypting with it.
    await sleep(opts.settleMs ?? 3000);
  }
  const current = ring.currentId;
  const store = await openStore(config, { keys: ring });
  let before: Record<string, number> = {};
  let reencrypted = 0;
  try {
    before = await store.secrets.census();
    for (let round = 0; ; round++) {
      reencrypted += await store.secrets.reencrypt();
      const census = await store.secrets.census();
      const stragglers = Object.keys(census).filter((id) => id !== current);
      if (stragglers.length === 0) break;
      // A process beside us wrote with the old key before it noticed the new one: once more.
      if (round >= 5) throw new Error(`passwords under ${stragglers.join(', ')} keep appearing: is a process running with an old CADRAN_SECRET_KEY?`);
      await sleep(1000);
    }
  } finally {
    await store.close();
  }
  const others = ring.list().filter((k) => !k.current).map((k) => k.id);
  if (fromFile && !opts.keepOld) writeKeyFile(config.secretKeyFile, [ring.current().key]);
  return {
    source: fromFile ? 'file' : 'env',
    before,
    current,
    reencrypted,
    retired: opts.keepOld && fromFile ? [] : [...new Set([...others, ...Object.keys(before).filter((id) => id !== current && id !== 'plaintext')])],
    kept: opts.keepOld && fromFile ? others : [],
  };
}

/** What `cadran secrets status` shows: where the keys come from, which ones the passwords use. */
export async function secretsStatus(config: StoreConfig): Promise<{ source: 'file' | 'env'; file: string | null; keys: Array<{ id: string; current: boolean }>; census: Record<string, number>; missing: string[] }> {
  const ring: KeyRing = loadKeys(config);
  const store = await openStore(config, { keys: ring, requireKeys: false });
  try {
    const census = await store.secrets.census();
    const known = new Set(ring.list().map((k) => k.id));
    return {
      source: ring.fromFile ? 'file' : 'env',
      file: ring.fromFile ? config.secretKeyFile : null,
      keys: ring.list(),
      census,
      missing: Object.keys(census).filter((id) => id !== 'plaintext' && !known.has(id)),
    };
  } finally {
    await store.close();
  }
}

