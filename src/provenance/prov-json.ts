import { isDateTime, isQName, RELATION_ARGS, type Attributes, type ProvDocument, type Scalar, type Value } from './document.js';

/*
 * PROV-JSON (W3C Member Submission, 2013), as the python `prov` package the
 * FAIR data-registry uses writes it: qualified names and dates as typed
 * literals, several values of one attribute as an array.
 */

type JsonScalar = string | number | boolean | { $: string; type: string };

const scalar = (v: Scalar): JsonScalar =>
  isQName(v) ? { $: v.qname, type: 'prov:QUALIFIED_NAME' } : isDateTime(v) ? { $: v.dateTime, type: 'xsd:dateTime' } : v;
const value = (v: Value): JsonScalar | JsonScalar[] => (Array.isArray(v) ? v.map(scalar) : scalar(v));

function attributes(list: Attributes): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, v] of list) out[name] = value(v);
  return out;
}

export function toProvJson(doc: ProvDocument): Record<string, unknown> {
  const out: Record<string, Record<string, unknown>> = { prefix: Object.fromEntries(doc.prefixes) };
  for (const e of doc.elements) {
    const times: Record<string, string> = {};
    if (e.startTime) times['prov:startTime'] = e.startTime;
    if (e.endTime) times['prov:endTime'] = e.endTime;
    (out[e.kind] ??= {})[e.id] = { ...times, ...attributes(e.attributes) };
  }
  for (const r of doc.relations) {
    const args: Record<string, string> = {};
    for (const key of RELATION_ARGS[r.kind]) if (r.args[key]) args[key] = r.args[key]!;
    (out[r.kind] ??= {})[r.id] = { ...args, ...attributes(r.attributes) };
  }
  return out;
}
