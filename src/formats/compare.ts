import { tomlValues } from './toml.js';

/*
 * Differences between two versions of a file, by format, for review before a
 * push: TOML values by key path, CSV rows added, removed and changed. Pure:
 * the caller reads the bytes.
 */

export interface ValueChange {
  key: string;
  before: string | null;
  after: string | null;
}

/** Values added (before null), removed (after null) or changed, in key order; null when either side is not TOML. */
export function compareToml(a: string, b: string): ValueChange[] | null {
  const before = tomlValues(a);
  const after = tomlValues(b);
  if (!before || !after) return null;
  const keys = [...new Set([...before.keys(), ...after.keys()])].sort();
  return keys.filter((k) => before.get(k) !== after.get(k)).map((key) => ({ key, before: before.get(key) ?? null, after: after.get(key) ?? null }));
}

/** RFC 4180 fields: quotes, doubled quotes, commas and newlines inside quotes. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field), rows.push(row), (row = []), (field = '');
    } else field += c;
  }
  if (field !== '' || row.length) row.push(field), rows.push(row);
  return rows;
}

export interface CsvDiff {
  header: { before: string[]; after: string[] } | null;
  /** How rows were matched: by the first column when it is a key in both versions, else by position. */
  matchedBy: 'first column' | 'position';
  added: string[][];
  removed: string[][];
  changed: { key: string; cells: { column: string; before: string; after: string }[] }[];
}

export function compareCsv(a: string, b: string): CsvDiff {
  const [headA = [], ...rowsA] = parseCsv(a);
  const [headB = [], ...rowsB] = parseCsv(b);
  const header = headA.join('\u0000') === headB.join('\u0000') ? null : { before: headA, after: headB };
  const unique = (rows: string[][]): boolean => new Set(rows.map((r) => r[0])).size === rows.length;
  const byKey = unique(rowsA) && unique(rowsB);
  const keyOf = (r: string[], i: number): string => (byKey ? r[0] ?? '' : String(i + 1));
  const mapA = new Map(rowsA.map((r, i) => [keyOf(r, i), r]));
  const mapB = new Map(rowsB.map((r, i) => [keyOf(r, i), r]));
  const out: CsvDiff = { header, matchedBy: byKey ? 'first column' : 'position', added: [], removed: [], changed: [] };
  for (const [k, r] of mapA) if (!mapB.has(k)) out.removed.push(r);
  for (const [k, r] of mapB) {
    const old = mapA.get(k);
    if (!old) {
      out.added.push(r);
      continue;
    }
    const cells: CsvDiff['changed'][number]['cells'] = [];
    for (let c = 0; c < Math.max(old.length, r.length); c++) {
      if ((old[c] ?? '') !== (r[c] ?? '')) cells.push({ column: headB[c] ?? headA[c] ?? `column ${c + 1}`, before: old[c] ?? '', after: r[c] ?? '' });
    }
    if (cells.length) out.changed.push({ key: byKey ? k : `row ${k}`, cells });
  }
  return out;
}
