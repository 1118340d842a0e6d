import { parse, stringify, TomlError } from 'smol-toml';

export interface ComponentSpec {
  name: string;
  description: string | null;
}

export type ComponentParse = { ok: true; components: ComponentSpec[] } | { ok: false; error: string };

type Table = Record<string, unknown>;

function parseTables(text: string): { ok: true; doc: Table } | { ok: false; error: string } {
  try {
    return { ok: true, doc: parse(text) as Table };
  } catch (err) {
    const where = err instanceof TomlError ? ` at line ${err.line}, column ${err.column}` : '';
    return { ok: false, error: `does not parse as TOML${where}: ${(err as Error).message.split('\n')[0]}` };
  }
}

const isTable = (value: unknown): value is Table =>
  value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date);

/**
 * Components of a TOML parameter file (DESIGN §8): every top-level table is one,
 * described by its `type` (point-estimate, distribution, samples). Pure.
 */
export function tomlComponents(text: string): ComponentParse {
  const parsed = parseTables(text);
  if (!parsed.ok) return parsed;
  const components: ComponentSpec[] = [];
  for (const [name, value] of Object.entries(parsed.doc)) {
    if (isTable(value)) components.push({ name, description: describe(value) });
  }
  return { ok: true, components };
}

/** Every value of a TOML file by its dotted key path (`glasgow.peak_day`), as display text; null if it does not parse. */
export function tomlValues(text: string): Map<string, string> | null {
  const parsed = parseTables(text);
  if (!parsed.ok) return null;
  const out = new Map<string, string>();
  const walk = (value: unknown, path: string): void => {
    if (isTable(value)) for (const [k, v] of Object.entries(value)) walk(v, path ? `${path}.${k}` : k);
    else out.set(path, value instanceof Date ? value.toISOString() : JSON.stringify(value));
  };
  walk(parsed.doc, '');
  return out;
}

/** One component as a small TOML file of its own (what the catalog shows). */
export function tomlComponentText(text: string, component: string): string | null {
  const parsed = parseTables(text);
  if (!parsed.ok) return null;
  const table = parsed.doc[component];
  return isTable(table) ? `${stringify({ [component]: table })}\n` : null;
}

function describe(table: Table): string | null {
  const type = typeof table.type === 'string' ? table.type : null;
  if (type === 'distribution' && typeof table.distribution === 'string') return `distribution: ${table.distribution}`;
  return type;
}
