import { parse, TomlError } from 'smol-toml';

export interface ComponentSpec {
  name: string;
  description: string | null;
}

export type ComponentParse = { ok: true; components: ComponentSpec[] } | { ok: false; error: string };

/**
 * Components of a TOML parameter file (DESIGN §8): every top-level table is one,
 * described by its `type` (point-estimate, distribution, samples). Pure.
 */
export function tomlComponents(text: string): ComponentParse {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (err) {
    const where = err instanceof TomlError ? ` at line ${err.line}, column ${err.column}` : '';
    return { ok: false, error: `does not parse as TOML${where}: ${(err as Error).message.split('\n')[0]}` };
  }
  const components: ComponentSpec[] = [];
  for (const [name, value] of Object.entries(doc)) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Date) continue;
    const table = value as Record<string, unknown>;
    components.push({ name, description: describe(table) });
  }
  return { ok: true, components };
}

function describe(table: Record<string, unknown>): string | null {
  const type = typeof table.type === 'string' ? table.type : null;
  if (type === 'distribution' && typeof table.distribution === 'string') return `distribution: ${table.distribution}`;
  return type;
}
