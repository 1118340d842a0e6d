import { readFileSync } from 'node:fs';
import { compareCsv, compareToml, type CsvDiff, type ValueChange } from '../formats/compare.js';
import type { Lineage, LineageObject } from '../registry/lineage.js';
import { isHdf5 } from '../store/components.js';
import { hdf5Summary, loadHdf5, type Hdf5Summary } from '../store/hdf5.js';
import type { DataStore } from '../store/store.js';

/*
 * Component-level differences between two versions of data: TOML values,
 * HDF5 array shapes and summary statistics, CSV rows added, removed and
 * changed; other files by size and hash. Two runs are compared output by
 * output (paired by namespace and name) and input by input.
 */

/** Largest file whose contents are compared; bigger ones are compared by hash. */
const MAX_COMPARED_BYTES = 64 * 1024 * 1024;

export interface ObjectDiff {
  identical: boolean;
  format: 'toml' | 'csv' | 'hdf5' | 'bytes';
  before: { hash: string | null; size: number | null };
  after: { hash: string | null; size: number | null };
  components: { added: string[]; removed: string[]; changed: string[] };
  toml?: ValueChange[];
  csv?: CsvDiff;
  hdf5?: { component: string; before: Hdf5Summary | null; after: Hdf5Summary | null }[];
  /** Why the contents could not be compared (a file not in this store, too big). */
  note?: string;
}

const summaryOf = (o: LineageObject): { hash: string | null; size: number | null } => ({ hash: o.hash, size: o.size });

export async function diffObjects(lineage: Lineage, store: DataStore, a: number, b: number): Promise<ObjectDiff> {
  const before = lineage.object(a)!;
  const after = lineage.object(b)!;
  const names = (o: LineageObject): string[] => o.components.filter((c) => !c.wholeObject).map((c) => c.name);
  const [na, nb] = [names(before), names(after)];
  const ext = (after.extension ?? before.extension ?? '').toLowerCase();
  const format: ObjectDiff['format'] = ext === 'toml' ? 'toml' : ext === 'csv' ? 'csv' : isHdf5(ext) ? 'hdf5' : 'bytes';
  const out: ObjectDiff = {
    identical: before.hash !== null && before.hash === after.hash,
    format,
    before: summaryOf(before),
    after: summaryOf(after),
    components: { added: nb.filter((n) => !na.includes(n)), removed: na.filter((n) => !nb.includes(n)), changed: [] },
  };
  if (out.identical || format === 'bytes') return out;
  const fa = fileOf(store, before);
  const fb = fileOf(store, after);
  if (!fa || !fb) return { ...out, note: 'a file is not in this data store: compared by hash only (`fairfs pull` fetches it)' };
  if ((before.size ?? 0) > MAX_COMPARED_BYTES || (after.size ?? 0) > MAX_COMPARED_BYTES) return { ...out, note: 'larger than 64 MiB: compared by hash only' };

  if (format === 'toml') {
    const changes = compareToml(readFileSync(fa, 'utf8'), readFileSync(fb, 'utf8'));
    if (!changes) return { ...out, note: 'one version does not parse as TOML: compared by hash only' };
    out.toml = changes;
    out.components.changed = [...new Set(changes.map((c) => c.key.split('.')[0]!))].filter((n) => na.includes(n) && nb.includes(n));
  } else if (format === 'csv') {
    out.csv = compareCsv(readFileSync(fa, 'utf8'), readFileSync(fb, 'utf8'));
  } else {
    await loadHdf5();
    out.hdf5 = [];
    for (const component of [...new Set([...na, ...nb])]) {
      const sa = na.includes(component) ? safeSummary(fa, component) : null;
      const sb = nb.includes(component) ? safeSummary(fb, component) : null;
      if (sa && sb && 'hash' in sa && 'hash' in sb && sa.hash === sb.hash) continue;
      out.hdf5.push({ component, before: sa, after: sb });
      if (sa && sb) out.components.changed.push(component);
    }
  }
  return out;
}

function safeSummary(file: string, component: string): Hdf5Summary | null {
  try {
    return hdf5Summary(file, component);
  } catch {
    return null;
  }
}

/** The stored file, only when it lies inside this home's data store. */
function fileOf(store: DataStore, o: LineageObject): string | null {
  return o.storageRoot === store.rootUrl && o.path ? store.containedFile(o.path) : null;
}

export interface RunDiff {
  inputs: { product: string; before: string | null; after: string | null; sameBytes: boolean }[];
  outputs: { product: string; before: string | null; after: string | null; diff: ObjectDiff | null }[];
}

export type ProductsByName = Map<string, { version: string; objectId: number; hash: string | null }>;

/** The products a run read or wrote, by `namespace:name`: what pairs two runs' versions of the same product. */
export function productsByName(lineage: Lineage, componentIds: number[]): ProductsByName {
  const versions: ProductsByName = new Map();
  for (const objectId of lineage.byObject(componentIds).keys()) {
    const o = lineage.object(objectId);
    for (const p of o?.dataProducts ?? []) versions.set(`${p.namespace}:${p.name}`, { version: p.version, objectId, hash: o!.hash });
  }
  return versions;
}

export async function diffRuns(lineage: Lineage, store: DataStore, a: number, b: number): Promise<RunDiff> {
  const ra = lineage.run(a)!;
  const rb = lineage.run(b)!;
  type Version = ReturnType<ProductsByName['get']>;
  const pair = <T>(x: ProductsByName, y: ProductsByName, f: (key: string, p: Version, q: Version) => T): T[] =>
    [...new Set([...x.keys(), ...y.keys()])].sort().map((k) => f(k, x.get(k), y.get(k)));
  const inputs = pair(productsByName(lineage, ra.inputs), productsByName(lineage, rb.inputs), (product, p, q) => ({
    product,
    before: p?.version ?? null,
    after: q?.version ?? null,
    sameBytes: p !== undefined && q !== undefined && p.hash === q.hash,
  }));
  const outputs: RunDiff['outputs'] = [];
  for (const o of pair(productsByName(lineage, ra.outputs), productsByName(lineage, rb.outputs), (product, p, q) => ({ product, p, q }))) {
    outputs.push({
      product: o.product,
      before: o.p?.version ?? null,
      after: o.q?.version ?? null,
      diff: o.p && o.q ? await diffObjects(lineage, store, o.p.objectId, o.q.objectId) : null,
    });
  }
  return { inputs, outputs };
}

const ROW_LIMIT = 20;

function limited<T>(items: T[], show: (x: T) => string): string[] {
  const lines = items.slice(0, ROW_LIMIT).map(show);
  if (items.length > ROW_LIMIT) lines.push(`… and ${items.length - ROW_LIMIT} more`);
  return lines;
}

const stats = (s: Hdf5Summary | null): string => {
  if (!s) return 'absent';
  if (s.kind === 'array') return `array ${s.shape.join('×') || 'scalar'}, min ${s.min ?? '-'}, max ${s.max ?? '-'}, mean ${s.mean === null ? '-' : Number(s.mean.toPrecision(6))}`;
  if (s.kind === 'table') return `table of ${s.rows} rows (${s.columns.join(', ')})`;
  return 'no array or table';
};

/** A diff for people: `~` changed, `+` added, `-` removed, one line each. */
export function describeDiff(d: ObjectDiff): string[] {
  if (d.identical) return ['identical (same SHA-1)'];
  const lines = [`${d.format}: sha1 ${d.before.hash?.slice(0, 12) ?? '?'} → ${d.after.hash?.slice(0, 12) ?? '?'}, ${d.before.size ?? '?'} → ${d.after.size ?? '?'} bytes`];
  for (const c of d.components.added) lines.push(`+ component ${c}`);
  for (const c of d.components.removed) lines.push(`- component ${c}`);
  if (d.toml) lines.push(...limited(d.toml, (c) => (c.before === null ? `+ ${c.key} = ${c.after}` : c.after === null ? `- ${c.key} = ${c.before}` : `~ ${c.key}: ${c.before} → ${c.after}`)));
  if (d.csv) {
    const csv = d.csv;
    if (csv.header) lines.push(`~ header: ${csv.header.before.join(',')} → ${csv.header.after.join(',')}`);
    lines.push(`rows matched by ${csv.matchedBy}: ${csv.added.length} added, ${csv.removed.length} removed, ${csv.changed.length} changed`);
    lines.push(...limited(csv.added, (r) => `+ row ${r.join(',')}`));
    lines.push(...limited(csv.removed, (r) => `- row ${r.join(',')}`));
    lines.push(...limited(csv.changed, (c) => `~ ${c.key}: ${c.cells.map((x) => `${x.column} ${x.before} → ${x.after}`).join('; ')}`));
  }
  if (d.hdf5) lines.push(...limited(d.hdf5, (h) => `~ ${h.component}: ${stats(h.before)} → ${stats(h.after)}`));
  if (d.note) lines.push(`note: ${d.note}`);
  return lines;
}
