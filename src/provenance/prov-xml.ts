import { isDateTime, isQName, RELATION_ARGS, type Attributes, type ProvDocument, type Scalar } from './document.js';

/* PROV-XML (W3C Working Group Note, 2013): elements in the prov namespace, values typed with xsi:type. */

const escape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function typed(v: Scalar): { type: string | null; text: string } {
  if (isQName(v)) return { type: 'xsd:QName', text: v.qname };
  if (isDateTime(v)) return { type: 'xsd:dateTime', text: v.dateTime };
  if (typeof v === 'number') return { type: Number.isInteger(v) ? 'xsd:int' : 'xsd:double', text: String(v) };
  if (typeof v === 'boolean') return { type: 'xsd:boolean', text: String(v) };
  return { type: null, text: v };
}

function attributes(list: Attributes, indent: string): string[] {
  return list.flatMap(([name, v]) =>
    (Array.isArray(v) ? v : [v]).map((x) => {
      const { type, text } = typed(x);
      return `${indent}<${name}${type ? ` xsi:type="${type}"` : ''}>${escape(text)}</${name}>`;
    }),
  );
}

export function toProvXml(doc: ProvDocument): string {
  const ns = [
    ['prov', 'http://www.w3.org/ns/prov#'],
    ['xsd', 'http://www.w3.org/2001/XMLSchema'],
    ['xsi', 'http://www.w3.org/2001/XMLSchema-instance'],
    ...doc.prefixes,
  ];
  const lines = ["<?xml version='1.0' encoding='UTF-8'?>", `<prov:document ${ns.map(([p, u]) => `xmlns:${p}="${escape(u!)}"`).join(' ')}>`];
  for (const e of doc.elements) {
    lines.push(`  <prov:${e.kind} prov:id="${escape(e.id)}">`);
    if (e.startTime) lines.push(`    <prov:startTime>${escape(e.startTime)}</prov:startTime>`);
    if (e.endTime) lines.push(`    <prov:endTime>${escape(e.endTime)}</prov:endTime>`);
    lines.push(...attributes(e.attributes, '    '), `  </prov:${e.kind}>`);
  }
  for (const r of doc.relations) {
    lines.push(`  <prov:${r.kind}>`);
    for (const key of RELATION_ARGS[r.kind]) {
      const v = r.args[key];
      if (v === undefined) continue;
      const local = key.replace('prov:', '');
      lines.push(local === 'time' ? `    <prov:time>${escape(v)}</prov:time>` : `    <prov:${local} prov:ref="${escape(v)}"/>`);
    }
    lines.push(...attributes(r.attributes, '    '), `  </prov:${r.kind}>`);
  }
  lines.push('</prov:document>');
  return `${lines.join('\n')}\n`;
}
