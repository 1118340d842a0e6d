import type { ComponentSpec } from './toml.js';

/*
 * HDF5 core-format rules (DESIGN §8), over a plain description of the file so
 * they stay pure: a group holding a dataset `array` or `table` is a component
 * named by its group path; the catalog shows each component as CSV.
 */

export interface H5Dataset {
  name: string;
  shape: number[];
  /** Field names of a compound (table) dataset, else null. */
  columns: string[] | null;
}

export interface H5Group {
  /** Path from the root without the leading slash ('' for the root). */
  path: string;
  datasets: H5Dataset[];
  groups: H5Group[];
}

export function hdf5Components(root: H5Group): ComponentSpec[] {
  const out: ComponentSpec[] = [];
  const walk = (g: H5Group): void => {
    const array = g.datasets.find((d) => d.name === 'array');
    const table = g.datasets.find((d) => d.name === 'table');
    if (g.path && array) out.push({ name: g.path, description: `array ${array.shape.join('×') || 'scalar'}` });
    else if (g.path && table) out.push({ name: g.path, description: `table of ${table.shape[0] ?? 0} rows (${(table.columns ?? []).join(', ')})` });
    for (const child of g.groups) walk(child);
  };
  walk(root);
  return out;
}

const cell = (v: unknown): string => {
  const s = typeof v === 'bigint' ? v.toString() : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** An array as CSV: 1-D one value a line, 2-D a matrix, more dimensions as index columns + value. */
export function arrayCsv(values: ArrayLike<unknown>, shape: number[]): string {
  if (shape.length === 0) return `${cell(values[0])}\n`;
  if (shape.length === 1) return Array.from(values, (v) => `${cell(v)}\n`).join('');
  if (shape.length === 2) {
    const [rows, cols] = shape as [number, number];
    let out = '';
    for (let r = 0; r < rows; r++) {
      const row: string[] = [];
      for (let c = 0; c < cols; c++) row.push(cell(values[r * cols + c]));
      out += `${row.join(',')}\n`;
    }
    return out;
  }
  let out = `${shape.map((_, i) => `dim${i + 1}`).join(',')},value\n`;
  for (let i = 0; i < values.length; i++) {
    const index: number[] = [];
    let rest = i;
    for (let d = shape.length - 1; d >= 0; d--) {
      index.unshift(rest % shape[d]!);
      rest = Math.floor(rest / shape[d]!);
    }
    out += `${index.join(',')},${cell(values[i])}\n`;
  }
  return out;
}

/** What the FAIR HDF5 array layout says of each dimension: `Dimension_<n>_title`, `_names`, `_units`, and the array's `units`. */
export interface ArrayLabels {
  titles: (string | null)[];
  names: (string[] | null)[];
  units: (string | null)[];
  valueUnits: string | null;
}

/**
 * A labelled array (the FAIR layout) as CSV: for 1-D, a name column and the
 * values; for 2-D, the dimension-2 names as the header and the dimension-1
 * names leading each row. Titles carry their units: `age (years)`.
 */
export function labelledArrayCsv(values: ArrayLike<unknown>, shape: number[], labels: ArrayLabels): string | null {
  const withUnits = (title: string | null, units: string | null, fallback: string): string => `${title ?? fallback}${units ? ` (${units})` : ''}`;
  const names1 = labels.names[0] ?? null;
  if (shape.length === 1 && names1 !== null && names1.length === shape[0]) {
    const head = `${cell(withUnits(labels.titles[0] ?? null, labels.units[0] ?? null, 'dim1'))},${cell(withUnits('value', labels.valueUnits, 'value'))}`;
    return `${[head, ...Array.from(values, (v, i) => `${cell(names1[i])},${cell(v)}`)].join('\n')}\n`;
  }
  const names2 = labels.names[1] ?? null;
  if (shape.length === 2 && names1 !== null && names2 !== null && names1.length === shape[0] && names2.length === shape[1]) {
    const [rows, cols] = shape as [number, number];
    const corner = `${withUnits(labels.titles[0] ?? null, labels.units[0] ?? null, 'dim1')} \\ ${withUnits(labels.titles[1] ?? null, labels.units[1] ?? null, 'dim2')}${labels.valueUnits ? ` [${labels.valueUnits}]` : ''}`;
    const out = [[corner, ...names2].map(cell).join(',')];
    for (let r = 0; r < rows; r++) {
      const row = [cell(names1[r])];
      for (let c = 0; c < cols; c++) row.push(cell(values[r * cols + c]));
      out.push(row.join(','));
    }
    return `${out.join('\n')}\n`;
  }
  return null;
}

/** A compound dataset as CSV with its field names as the header. */
export function tableCsv(columns: string[], rows: unknown[][]): string {
  return [columns.map(cell).join(','), ...rows.map((r) => r.map(cell).join(','))].join('\n') + '\n';
}
