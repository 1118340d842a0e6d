import { isDateTime, isQName, RELATION_ARGS, type Attributes, type ProvDocument, type Scalar } from './document.js';

/* PROV-N (W3C Recommendation, 2013), laid out as the python `prov` package writes it. */

const string = (s: string): string => `"${s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}"`;

function literal(v: Scalar): string {
  if (isQName(v)) return `'${v.qname}'`;
  if (isDateTime(v)) return `${string(v.dateTime)} %% xsd:dateTime`;
  if (typeof v === 'number') return `${string(String(v))} %% ${Number.isInteger(v) ? 'xsd:int' : 'xsd:double'}`;
  if (typeof v === 'boolean') return `${string(String(v))} %% xsd:boolean`;
  return string(v);
}

function attributes(list: Attributes): string {
  const pairs = list.flatMap(([name, v]) => (Array.isArray(v) ? v : [v]).map((x) => `${name}=${literal(x)}`));
  return pairs.length ? `[${pairs.join(', ')}]` : '';
}

const args = (parts: string[], attrs: Attributes): string => [...parts, attributes(attrs)].filter((p) => p !== '').join(', ');

export function toProvN(doc: ProvDocument): string {
  const lines = ['document'];
  for (const [p, uri] of doc.prefixes) lines.push(`  prefix ${p} <${uri}>`);
  lines.push('  ');
  for (const e of doc.elements) {
    const formal = e.kind === 'activity' ? [e.id, e.startTime ?? '-', e.endTime ?? '-'] : [e.id];
    lines.push(`  ${e.kind}(${args(formal, e.attributes)})`);
  }
  for (const r of doc.relations) {
    lines.push(`  ${r.kind}(${args(RELATION_ARGS[r.kind].map((k) => r.args[k] ?? '-'), r.attributes)})`);
  }
  lines.push('endDocument');
  return `${lines.join('\n')}\n`;
}
