// The passes of the SQLite engine over every stored password (where they are: secret-sites.ts): seal what is still plaintext (migration 007), count them per key, re-encrypt them under
// the current key (`cadran secrets rotate`).
import type { Database } from 'better-sqlite3';
import type { SecretBox } from '../secrets.ts';
import { SECRET_SITES, type SecretRewrite, censusPass, rewriteJson, rewriteScalar, scalarWhere } from '../secret-sites.ts';

type Row = Record<string, unknown>;

/** The sites whose table exists in this database (a table of a later migration may not yet). */
function sitesOf(db: Database) {
  const has = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`);
  return SECRET_SITES.filter((site) => !site.optional || has.get(site.table) !== undefined);
}

/**
 * Visit every stored password; `fn` gets the stored text and its purpose and returns the text to
 * store instead, or undefined to leave it. Returns how many were rewritten. Run it inside a
 * transaction when it writes.
 */
export function visitSecrets(db: Database, fn: SecretRewrite, opts: { plaintextOnly?: boolean } = {}): number {
  let changed = 0;
  for (const site of sitesOf(db)) {
    const update = db.prepare(`UPDATE ${site.table} SET ${site.column} = ? WHERE ${site.key} = ?`);
    // Read whole before writing: a connection cannot update while a statement iterates.
    if (site.kind === 'scalar') {
      for (const r of db.prepare(`SELECT ${site.key} AS k, ${site.column} AS v FROM ${site.table} WHERE ${scalarWhere(site, opts.plaintextOnly)}`).all() as Row[]) {
        const next = rewriteScalar(site, r.v as string, fn);
        if (next === undefined) continue;
        update.run(next, r.k);
        changed++;
      }
    } else {
      for (const r of db.prepare(`SELECT ${site.key} AS k, ${site.column} AS v FROM ${site.table} WHERE ${site.column} LIKE ?`).all(`%${site.needle}%`) as Row[]) {
        const next = rewriteJson(site, r.v as string, fn, opts.plaintextOnly);
        if (!next.changed) continue;
        update.run(next.text, r.k);
        changed += next.changed;
      }
    }
  }
  return changed;
}

/**
 * Run `fn` with SQLite's secure_delete on: the bytes a rewrite frees (the plaintext, or the
 * ciphertext under a retired key) are overwritten with zeros instead of lingering in free space.
 */
export function scrubbing<T>(db: Database, fn: () => T): T {
  const before = db.pragma('secure_delete', { simple: true }) as number;
  db.pragma('secure_delete = ON');
  try {
    return fn();
  } finally {
    db.pragma(`secure_delete = ${before ? 'ON' : 'OFF'}`);
  }
}

/** Seal every password still stored in plaintext (rows written before encryption existed). */
export function sealPlaintext(db: Database, box: SecretBox): number {
  return scrubbing(db, () => visitSecrets(db, (stored, purpose) => box.seal(stored, purpose), { plaintextOnly: true }));
}

/** How many stored passwords each key id encrypts (`plaintext` for the others). */
export function censusOf(db: Database): Record<string, number> {
  const census = censusPass();
  visitSecrets(db, census.visit);
  return census.counts;
}

/** Key ids the passwords name, found cheaply (SQL over the scalar columns, a LIKE over JSON). */
export function keyIdsInUse(db: Database): Set<string> {
  const ids = new Set<string>();
  for (const site of sitesOf(db)) {
    if (site.kind !== 'scalar') continue;
    for (const id of db.prepare(`SELECT DISTINCT substr(${site.column}, 7, 8) FROM ${site.table} WHERE ${site.column} LIKE 'enc:1:%'`).pluck().all() as string[]) {
      ids.add(id);
    }
  }
  return ids;
}

/** JSON rows holding a sealed password whose key is none of `known` (a key missing from the ring). */
export function jsonRowsWithUnknownKey(db: Database, known: string[]): number {
  let n = 0;
  for (const site of sitesOf(db)) {
    if (site.kind !== 'json') continue;
    const not = known.map((id) => ` AND ${site.column} NOT LIKE '%enc:1:${id}:%'`).join('');
    n += db.prepare(`SELECT count(*) FROM ${site.table} WHERE ${site.column} LIKE '%"enc:1:%'${not}`).pluck().get() as number;
  }
  return n;
}
