/** Printing helpers: the only place (with main.ts) that writes to the terminal. */

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A plain aligned table; empty lists print `none`. */
export function printTable(headers: string[], rows: (string | number | null)[][]): void {
  if (rows.length === 0) {
    process.stdout.write('none\n');
    return;
  }
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null ? '-' : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  for (const row of cells) {
    process.stdout.write(`${row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}\n`);
  }
}

export function info(line: string): void {
  process.stderr.write(`${line}\n`);
}

export function formatBytes(n: number | null): string {
  if (n === null) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** Keys of a FAIR config that fairfs accepts but does not act on: said once, so nobody relies on them unknowingly. */
export function noteNotActedOn(keys: readonly string[]): void {
  if (keys.length) info(`fairfs: accepted but not acted on: ${keys.join(', ')} (kept with the run's config)`);
}
