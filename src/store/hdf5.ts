import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import type { Dataset, Group } from 'h5wasm/node';
import { arrayCsv, labelledArrayCsv, tableCsv, type ArrayLabels, type H5Group } from '../formats/hdf5.js';

/*
 * HDF5 files through h5wasm (WebAssembly HDF5, no native build). Loading the
 * module is asynchronous and done once; after it, reads are synchronous, so
 * the catalog can render components inside a FUSE handler.
 */

type H5wasm = (typeof import('h5wasm/node'))['default'];

// Importing h5wasm instantiates its WebAssembly heap (tens of MB): only when a file needs it.
let h5wasm: H5wasm | null = null;
let loading: Promise<void> | null = null;

export function loadHdf5(): Promise<void> {
  loading ??= import('h5wasm/node').then(async (mod) => {
    await mod.default.ready;
    h5wasm = mod.default;
  });
  return loading;
}

export function hdf5Loaded(): boolean {
  return h5wasm !== null;
}

function lib(): H5wasm {
  if (!h5wasm) throw new Error('HDF5 support is not loaded yet');
  return h5wasm;
}

function open(file: string): InstanceType<H5wasm['File']> {
  return new (lib().File)(file, 'r');
}

const SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Whether the file carries the HDF5 signature (at 0, 512, 1024, 2048… as the
 * format allows a user block). Checked first so that a file that is not HDF5
 * is refused quietly: the HDF5 library prints its error stack to stderr.
 */
export function looksLikeHdf5(file: string): boolean {
  const size = statSync(file).size;
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(SIGNATURE.length);
    for (let offset = 0; offset + SIGNATURE.length <= size; offset = offset === 0 ? 512 : offset * 2) {
      if (readSync(fd, head, 0, head.length, offset) === head.length && head.equals(SIGNATURE)) return true;
    }
    return false;
  } finally {
    closeSync(fd);
  }
}

/** The group/dataset tree of an HDF5 file. Throws if it is not HDF5. */
export function describeHdf5(file: string): H5Group {
  if (!looksLikeHdf5(file)) throw new Error('no HDF5 signature');
  const f = open(file);
  try {
    const walk = (g: Group, path: string): H5Group => {
      const node: H5Group = { path, datasets: [], groups: [] };
      for (const name of g.keys()) {
        const child = g.get(name);
        const childPath = path ? `${path}/${name}` : name;
        if (child instanceof lib().Group) node.groups.push(walk(child, childPath));
        else if (child instanceof lib().Dataset) node.datasets.push({ name, shape: child.shape ?? [], columns: columnsOf(child) });
      }
      return node;
    };
    return walk(f, '');
  } finally {
    f.close();
  }
}

/** The FAIR layout's labels beside an array: dimension titles, names and units, and the array's units. */
function arrayLabels(f: InstanceType<H5wasm['File']>, component: string, dimensions: number): ArrayLabels {
  const read = (name: string): unknown => {
    const d = f.get(`${component}/${name}`);
    return d instanceof lib().Dataset ? d.value : undefined;
  };
  const text = (v: unknown): string | null => {
    const first = Array.isArray(v) || ArrayBuffer.isView(v) ? (v as ArrayLike<unknown>)[0] : v;
    return first === undefined || first === null ? null : String(first);
  };
  const list = (v: unknown): string[] | null => (Array.isArray(v) || ArrayBuffer.isView(v) ? Array.from(v as ArrayLike<unknown>, String) : null);
  const dims = Array.from({ length: dimensions }, (_, i) => i + 1);
  return {
    titles: dims.map((n) => text(read(`Dimension_${n}_title`))),
    names: dims.map((n) => list(read(`Dimension_${n}_names`))),
    units: dims.map((n) => text(read(`Dimension_${n}_units`))),
    valueUnits: text(read('units')),
  };
}

function columnsOf(d: Dataset): string[] | null {
  const members = d.metadata.compound_type?.members;
  return members ? members.map((m) => m.name) : null;
}

/** One component (`<group>/array` or `<group>/table`) as CSV. */
export function hdf5ComponentCsv(file: string, component: string): string {
  const f = open(file);
  try {
    const array = f.get(`${component}/array`);
    if (array instanceof lib().Dataset) {
      const values = (array.value ?? []) as ArrayLike<unknown>;
      const shape = array.shape ?? [];
      return labelledArrayCsv(values, shape, arrayLabels(f, component, shape.length)) ?? arrayCsv(values, shape);
    }
    const table = f.get(`${component}/table`);
    if (table instanceof lib().Dataset) return tableCsv(columnsOf(table) ?? [], (table.value ?? []) as unknown[][]);
    return '';
  } finally {
    f.close();
  }
}

/** What a diff shows of one component: an array's shape and summary statistics, a table's size. */
export type Hdf5Summary =
  | { kind: 'array'; shape: number[]; count: number; min: number | null; max: number | null; mean: number | null; hash: string }
  | { kind: 'table'; rows: number; columns: string[]; hash: string }
  | { kind: 'none' };

export function hdf5Summary(file: string, component: string): Hdf5Summary {
  const f = open(file);
  try {
    const array = f.get(`${component}/array`);
    if (array instanceof lib().Dataset) {
      const values = Array.from((array.value ?? []) as ArrayLike<unknown>);
      let [min, max, sum, n] = [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, 0];
      for (const v of values) {
        const x = Number(v);
        if (!Number.isFinite(x)) continue;
        if (x < min) min = x;
        if (x > max) max = x;
        sum += x;
        n++;
      }
      return {
        kind: 'array',
        shape: array.shape ?? [],
        count: values.length,
        min: n ? min : null,
        max: n ? max : null,
        mean: n ? sum / n : null,
        hash: contentHash(values),
      };
    }
    const table = f.get(`${component}/table`);
    if (table instanceof lib().Dataset) {
      const rows = (table.value ?? []) as unknown[][];
      return { kind: 'table', rows: rows.length, columns: columnsOf(table) ?? [], hash: contentHash(rows) };
    }
    return { kind: 'none' };
  } finally {
    f.close();
  }
}

const contentHash = (v: unknown): string =>
  createHash('sha1')
    .update(JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x)))
    .digest('hex');
