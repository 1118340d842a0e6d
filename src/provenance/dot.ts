import { isDateTime, isQName, type Element, type ProvDocument, type Scalar, type Value } from './document.js';

/*
 * A lineage picture in Graphviz DOT: PROV's shapes and colours (entities
 * yellow ellipses, activities blue boxes, agents orange houses, as the
 * registry's pictures have them), labelled for people rather than with raw
 * identifiers. What needs attention stands out in red: failed and aborted
 * runs, and products with an issue raised against them.
 */

const STYLE = {
  entity: 'shape=ellipse, style=filled, fillcolor="#FFFC87", color="#808080"',
  activity: 'shape=box, style=filled, fillcolor="#9FB1FC", color="#0000FF"',
  agent: 'shape=house, style=filled, fillcolor="#FED37F", color="#808080"',
  issue: 'style="filled,bold", fillcolor="#FF9999", color="#CC0000", penwidth=3',
  failed: 'style="filled,bold", fillcolor="#F4A6A6", color="#CC0000", penwidth=3',
};

const EDGE: Record<string, string> = {
  used: 'color="#A0A0A0"',
  wasGeneratedBy: 'color="darkgreen", fontcolor="darkgreen"',
  wasDerivedFrom: 'style=dashed, color="#808080"',
  wasAttributedTo: 'color="#FED37F"',
  wasStartedBy: 'color="#FED37F"',
  specializationOf: 'style=dotted',
  wasAssociatedWith: 'color="#FED37F"',
};

const quote = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

/** A value as text: the first of several, a qualified name or date by its lexical form. */
const text = (v: Value | undefined): string | undefined => {
  const one: Scalar | undefined = Array.isArray(v) ? v[0] : v;
  if (one === undefined) return undefined;
  return isQName(one) ? one.qname : isDateTime(one) ? one.dateTime : String(one);
};

const get = (e: Element, name: string): Value | undefined => e.attributes.find(([n]) => n === name)?.[1];
const all = (e: Element, name: string): Value[] => e.attributes.filter(([n]) => n === name).map(([, v]) => v);

/** What kind of node a record is, for its label and class. */
export function nodeClass(e: Element): string {
  if (e.kind === 'activity') {
    const status = text(get(e, 'fairfs:status'));
    return status === 'failed' || status === 'aborted' ? 'run failed' : 'run';
  }
  if (e.kind === 'agent') return 'person';
  if (all(e, 'fair:issue').length) return 'product issue';
  if (text(get(e, 'rdf:type')) === 'dcat:Dataset' && get(e, 'dcterms:title') !== undefined) return 'product';
  return 'object';
}

function label(e: Element): string {
  if (e.kind === 'agent') return text(get(e, 'foaf:name')) ?? e.id;
  if (e.kind === 'activity') {
    const runId = text(get(e, 'fairfs:runId'));
    const status = text(get(e, 'fairfs:status'));
    const exit = text(get(e, 'fairfs:exitCode'));
    return [
      `run ${runId ? runId.slice(0, 12) : e.id.replace(/^.*\//, '')}`,
      e.startTime?.replace('T', ' ').replace(/\.\d+Z?$|Z$/, '') ?? '',
      status ? `${status}${exit !== undefined && exit !== '0' ? ` (exit ${exit})` : ''}` : '',
    ]
      .filter(Boolean)
      .join('\n');
  }
  const title = text(get(e, 'dcterms:title'));
  const namespace = text(get(e, 'fair:namespace'));
  const version = text(get(e, 'dcat:hasVersion'));
  const issues = all(e, 'fair:issue').map((i) => `issue: ${text(i)!.replace(/ severity: .*$/, '')}`);
  if (title && namespace) return [`${namespace}:${title}@${version ?? '?'}`, ...issues].join('\n');
  const description = text(get(e, 'dcterms:description')) ?? e.id;
  const what = description.replace(/ of a fairfs code run$/, '');
  // A code repository is known by where it lives (`…/repo.git/<commit>`): show that, shortened.
  const location = text(get(e, 'prov:atLocation'));
  const where = location && /^https?:\/\//.test(location) ? location.replace(/^https?:\/\//, '').replace(/([0-9a-f]{12})[0-9a-f]{28}$/, '$1') : undefined;
  return [title && version ? `${title} ${version}` : what, ...(where ? [where] : []), ...issues].join('\n');
}

export function toDot(doc: ProvDocument, title = 'provenance'): string {
  const ids = new Map<string, string>();
  const node = (id: string): string => {
    let n = ids.get(id);
    if (!n) ids.set(id, (n = `n${ids.size + 1}`));
    return n;
  };
  const lines = [
    `digraph ${quote(title)} {`,
    '  rankdir=BT;',
    '  node [fontname="Helvetica", fontsize=11];',
    '  edge [fontname="Helvetica", fontsize=9];',
  ];
  for (const e of doc.elements) {
    const cls = nodeClass(e);
    const style = [STYLE[e.kind], cls.includes('failed') ? STYLE.failed : '', cls.includes('issue') ? STYLE.issue : ''].filter(Boolean).join(', ');
    lines.push(`  ${node(e.id)} [id=${quote(e.id)}, class=${quote(cls)}, label=${quote(label(e))}, tooltip=${quote(e.id)}, ${style}];`);
  }
  for (const r of doc.relations) {
    const [from, to] = Object.values(r.args).filter((v) => doc.has(v));
    if (!from || !to) continue;
    const role = text(r.attributes.find(([n]) => n === 'prov:role')?.[1])?.replace(/^[^:]*:/, '');
    const name = role ? `${r.kind}\n(${role})` : r.kind;
    lines.push(`  ${node(from)} -> ${node(to)} [label=${quote(name)}, ${EDGE[r.kind]}];`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
