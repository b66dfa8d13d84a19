// Header names as people type them: case, accents, spaces, dashes and dots do not matter, and
// the usual French names are accepted (`Adresse MAC`, `Modèle`, `Libellé`, `Prénom`...).
import { invalidFile } from '../domain/errors.ts';
import { listParam, message, type Message } from '../domain/messages.ts';

/** `Adresse MAC` → `adressemac`, `Modèle` → `modele`, `first_name` → `firstname`. */
export function headerKey(raw: string): string {
  return raw
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

/** Each column the import knows, with every header spelling it accepts (already as keys). */
export type ColumnSpec<K extends string> = Record<K, readonly string[]>;

export interface ColumnMap<K extends string> {
  index: Partial<Record<K, number>>;
  /** Header cells that name no known column (reported as a warning, never an error). */
  ignored: string[];
  width: number;
}

const shown = (s: string) => s.trim().slice(0, 40);

/** Map the header row to the known columns; throws a DomainError naming line 1 when unusable. */
export function mapColumns<K extends string>(header: string[], spec: ColumnSpec<K>): ColumnMap<K> {
  const byAlias = new Map<string, K>();
  for (const key of Object.keys(spec) as K[]) for (const alias of spec[key]) byAlias.set(alias, key);
  const index: Partial<Record<K, number>> = {};
  const ignored: string[] = [];
  header.forEach((cell, i) => {
    const key = byAlias.get(headerKey(cell));
    if (key === undefined) {
      if (cell.trim() !== '') ignored.push(cell.trim().slice(0, 40));
      return;
    }
    const prev = index[key];
    if (prev !== undefined) {
      throw invalidFile('csv.column_twice', { first: shown(header[prev]!), second: shown(cell), column: key }, 1, key);
    }
    index[key] = i;
  });
  if (Object.keys(index).length === 0) {
    const expected = listParam(Object.keys(spec));
    const looksLikeData = header.some((c) => /^([0-9a-f]{2}[:-]?){5}[0-9a-f]{2}$/i.test(c.trim()) || /^\+?[\d .]{8,}$/.test(c.trim()));
    throw looksLikeData
      ? invalidFile('csv.header_is_data', { expected }, 1, 'header')
      : invalidFile('csv.header_unknown', { found: listParam(header.map(shown), 8), expected }, 1, 'header');
  }
  return { index, ignored: ignored.slice(0, 50), width: header.length };
}

/** The trimmed cell of `key` on a row, or undefined when absent or empty. Capped in length:
 *  every column's valid values are far shorter, so a capped value still fails validation.
 *  A leading `'` before = + - @ is the formula-neutralising mark exports (and careful people)
 *  put in front of such text: it is not part of the value. Exports add one more before text
 *  that already starts with such a mark (`'=x` is written `''=x`), so exactly one is dropped. */
export function cell<K extends string>(fields: string[], map: ColumnMap<K>, key: K): string | undefined {
  const i = map.index[key];
  if (i === undefined) return undefined;
  let v = fields[i]?.trim();
  if (v && v.length > 1 && v[0] === "'" && /^'*[=+\-@]/.test(v.slice(1))) v = v.slice(1);
  return v ? v.slice(0, 200) : undefined;
}

/** A reason when a row has non-empty cells beyond the header's columns (an unquoted separator). */
export function extraCellsProblem(fields: string[], width: number): Message | null {
  if (fields.length <= width) return null;
  for (let i = width; i < fields.length; i++) {
    if (fields[i]!.trim() !== '') return message('import_line.extra_cells', { values: fields.length, columns: width });
  }
  return null;
}
