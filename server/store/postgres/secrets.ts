// The passes of the PostgreSQL engine over every stored password (where they are:
// ../secret-sites.ts, the same places and purposes as on SQLite): seal what is still plaintext
// (migration 007), count them per key, re-encrypt under the current key (`cadran secrets rotate`),
// find keys the ring lacks (refuse to open rather than fail on the first phone).
import type pg from 'pg';
import { SECRET_SITES, type SecretRewrite, censusPass, rewriteJson, rewriteScalar, scalarWhere } from '../secret-sites.ts';
import type { SecretBox } from '../secrets.ts';

type Row = Record<string, unknown>;
export type PgQuery = (sql: string, params?: unknown[]) => Promise<pg.QueryResult<Row>>;

/** The sites whose table exists in this database (a table of a later migration may not yet). */
async function sitesOf(q: PgQuery) {
  const out = [];
  for (const site of SECRET_SITES) {
    if (site.optional && !(await q('SELECT to_regclass($1)::text AS t', [site.table])).rows[0]?.t) continue;
    out.push(site);
  }
  return out;
}

/**
 * Visit every stored password; `fn` gets the stored text and its purpose and returns the text to
 * store instead, or undefined to leave it. Rows are locked (FOR UPDATE) when `fn` may write: run
 * it inside a transaction. Returns how many were rewritten.
 */
export async function pgVisitSecrets(q: PgQuery, fn: SecretRewrite, opts: { plaintextOnly?: boolean; write?: boolean } = {}): Promise<number> {
  let changed = 0;
  const lock = opts.write === false ? '' : ' ORDER BY 1 FOR UPDATE';
  for (const site of await sitesOf(q)) {
    if (site.kind === 'scalar') {
      const rows = (await q(`SELECT ${site.key} AS k, ${site.column} AS v FROM ${site.table} WHERE ${scalarWhere(site, opts.plaintextOnly)}${lock}`)).rows;
      for (const r of rows) {
        const next = rewriteScalar(site, r.v as string, fn);
        if (next === undefined) continue;
        await q(`UPDATE ${site.table} SET ${site.column} = $1 WHERE ${site.key} = $2`, [next, r.k]);
        changed++;
      }
    } else {
      const rows = (await q(`SELECT ${site.key} AS k, ${site.column}::text AS v FROM ${site.table} WHERE ${site.column}::text LIKE $1${lock}`, [`%${site.needle}%`])).rows;
      for (const r of rows) {
        const next = rewriteJson(site, r.v as string, fn, opts.plaintextOnly);
        if (!next.changed) continue;
        await q(`UPDATE ${site.table} SET ${site.column} = $1::json WHERE ${site.key} = $2`, [next.text, r.k]);
        changed += next.changed;
      }
    }
  }
  return changed;
}

/** Seal every password still stored in plaintext (rows written before encryption existed). */
export const pgSealPlaintext = (q: PgQuery, box: SecretBox): Promise<number> =>
  pgVisitSecrets(q, (stored, purpose) => box.seal(stored, purpose), { plaintextOnly: true });

/** How many stored passwords each key id encrypts (`plaintext` for the others). */
export async function pgCensus(q: PgQuery): Promise<Record<string, number>> {
  const census = censusPass();
  await pgVisitSecrets(q, census.visit, { write: false });
  return census.counts;
}

/**
 * Key ids the stored passwords name that the ring does not hold, found cheaply (SQL over the
 * scalar columns; for JSON documents a LIKE, whose ids are then read from the few rows it finds).
 */
export async function pgMissingKeys(q: PgQuery, known: string[]): Promise<string[]> {
  const missing = new Set<string>();
  for (const site of await sitesOf(q)) {
    if (site.kind === 'scalar') {
      const r = await q(`SELECT DISTINCT substr(${site.column}, 7, 8) AS id FROM ${site.table} WHERE ${site.column} LIKE 'enc:1:%'`);
      for (const row of r.rows) if (!known.includes(row.id as string)) missing.add(row.id as string);
    } else {
      const not = known.map((_, i) => ` AND ${site.column}::text NOT LIKE $${i + 1}`).join('');
      const r = await q(`SELECT ${site.column}::text AS v FROM ${site.table} WHERE ${site.column}::text LIKE '%"enc:1:%'${not} LIMIT 100`, known.map((id) => `%enc:1:${id}:%`));
      for (const row of r.rows) for (const m of (row.v as string).matchAll(/"enc:1:([0-9a-f]{8}):/g)) if (!known.includes(m[1]!)) missing.add(m[1]!);
    }
  }
  return [...missing];
}
