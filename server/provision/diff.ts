// Line diff (Myers' O(ND) algorithm, "An O(ND) Difference Algorithm and Its Variations", 1986)
// and its unified form (`diff -u`: hunks with 3 lines of context), for comparing a phone file with
// the version the phone last fetched. Bounded: past MAX_EDITS differences the whole file is shown
// as replaced rather than searching further (a phonebook rewritten from scratch).

export type DiffLine = { op: ' ' | '-' | '+'; text: string };

const MAX_EDITS = 4000;

/** Lines of a text; a final newline does not make an empty last line. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** The edit script turning `a` into `b`, line by line. */
export function diffLines(a: string[], b: string[]): DiffLine[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= Math.min(max, MAX_EDITS); d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
    if (found >= 0) break;
  }
  if (found < 0) return [...a.map((text) => ({ op: '-' as const, text })), ...b.map((text) => ({ op: '+' as const, text }))];
  // Walk the trace back from (n, m).
  const out: DiffLine[] = [];
  let x = n;
  let y = m;
  for (let d = found; d > 0; d--) {
    const pv = trace[d]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && pv[offset + k - 1]! < pv[offset + k + 1]!) ? k + 1 : k - 1;
    const prevX = pv[offset + prevK]!;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) out.push({ op: ' ', text: a[--x]! }), y--;
    if (x === prevX) out.push({ op: '+', text: b[--y]! });
    else out.push({ op: '-', text: a[--x]! });
  }
  while (x > 0 && y > 0) out.push({ op: ' ', text: a[--x]! }), y--;
  return out.reverse();
}

export interface Hunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  lines: DiffLine[];
}

/** Hunks of changed lines with `context` unchanged lines around each (none when identical). */
export function hunks(script: DiffLine[], context = 3): Hunk[] {
  const out: Hunk[] = [];
  const changed = script.map((l, i) => (l.op !== ' ' ? i : -1)).filter((i) => i >= 0);
  if (changed.length === 0) return out;
  // Line numbers before each script entry.
  const oldAt: number[] = [];
  const newAt: number[] = [];
  let o = 1;
  let nn = 1;
  for (const l of script) {
    oldAt.push(o);
    newAt.push(nn);
    if (l.op !== '+') o++;
    if (l.op !== '-') nn++;
  }
  let i = 0;
  while (i < changed.length) {
    const start = Math.max(0, changed[i]! - context);
    let end = Math.min(script.length - 1, changed[i]! + context);
    while (i + 1 < changed.length && changed[i + 1]! - context <= end + 1) {
      i++;
      end = Math.min(script.length - 1, changed[i]! + context);
    }
    const lines = script.slice(start, end + 1);
    out.push({
      oldStart: oldAt[start]!,
      oldLines: lines.filter((l) => l.op !== '+').length,
      newStart: newAt[start]!,
      newLines: lines.filter((l) => l.op !== '-').length,
      lines,
    });
    i++;
  }
  return out;
}

/** `diff -u` text of two versions of a file (empty when identical). */
export function unifiedDiff(oldName: string, newName: string, oldText: string, newText: string): string {
  const hs = hunks(diffLines(splitLines(oldText), splitLines(newText)));
  if (hs.length === 0) return '';
  const range = (start: number, count: number) => (count === 0 ? `${start - 1},0` : count === 1 ? `${start}` : `${start},${count}`);
  const body = hs.map((h) => [`@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@`, ...h.lines.map((l) => `${l.op}${l.text}`)].join('\n'));
  return `--- ${oldName}\n+++ ${newName}\n${body.join('\n')}\n`;
}
