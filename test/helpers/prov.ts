import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from './cli.js';

/*
 * Reading PROV-JSON documents for comparison: written by fairfs, by the
 * python `prov` library, or by the real FAIR data-registry (which repeats a
 * record once per component that leads to it, as an array).
 */

export const ELEMENTS = ['entity', 'activity', 'agent'] as const;
export const RELATIONS = ['wasGeneratedBy', 'used', 'wasStartedBy', 'wasAttributedTo', 'wasDerivedFrom', 'specializationOf', 'wasAssociatedWith', 'wasInformedBy'] as const;

export type ProvJson = Record<string, Record<string, any>>;

const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

/** A value with formatting differences taken out: times as instants, typed numbers as numbers, sets sorted. */
export function canon(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canon).map((x) => JSON.stringify(x)).sort();
  if (v && typeof v === 'object' && '$' in v) {
    const { $: value, type } = v as { $: unknown; type?: string };
    if (type === 'xsd:dateTime') return `time ${Date.parse(String(value))}`;
    if (type === 'xsd:int' || type === 'xsd:double') return Number(value);
    return { $: value, type };
  }
  if (typeof v === 'string' && TIME.test(v)) return `time ${Date.parse(v)}`;
  return v;
}

const records = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v : [v]) as Record<string, unknown>[];

/** Elements by `kind id` with canonical attributes; relations as a sorted list of canonical statements. */
export function normalise(doc: ProvJson, rename: (id: string) => string = (id) => id): { elements: Map<string, Record<string, unknown>>; relations: string[] } {
  const elements = new Map<string, Record<string, unknown>>();
  for (const kind of ELEMENTS) {
    for (const [id, value] of Object.entries(doc[kind] ?? {})) {
      const [first] = records(value);
      elements.set(`${kind} ${rename(id)}`, Object.fromEntries(Object.entries(first!).map(([k, x]) => [k, canon(x)])));
    }
  }
  const relations = new Set<string>();
  for (const kind of RELATIONS) {
    for (const value of Object.values(doc[kind] ?? {})) {
      for (const r of records(value)) {
        const fields = Object.entries(r)
          .map(([k, x]) => [k, typeof x === 'string' && !TIME.test(x) ? rename(x) : canon(x)] as const)
          .sort(([a], [b]) => a.localeCompare(b));
        relations.add(JSON.stringify([kind, fields]));
      }
    }
  }
  return { elements, relations: [...relations].sort() };
}

export const provJsonSchema = (): object => JSON.parse(readFileSync(join(projectRoot, 'test', 'fixtures', 'prov-json.schema.json'), 'utf8'));

/** The W3C PROV-JSON schema as an ajv validator (offline). */
export async function provJsonValidator(): Promise<(doc: unknown) => string | null> {
  const { default: Ajv } = await import('ajv');
  const { default: addFormats } = await import('ajv-formats');
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate = ajv.compile(provJsonSchema());
  return (doc) => (validate(doc) ? null : ajv.errorsText(validate.errors));
}
