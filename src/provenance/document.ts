/*
 * A W3C PROV document, as much of PROV-DM as provenance reports use: entities,
 * activities, agents and seven relations, each with attributes. Serialisers
 * (PROV-JSON, PROV-N, DOT) read it; nothing here knows the registry.
 */

/** A qualified name (`dcat:Dataset`) used as a value. */
export interface QName {
  qname: string;
}
/** An xsd:dateTime literal. */
export interface DateTime {
  dateTime: string;
}
export type Scalar = string | number | boolean | QName | DateTime;
export type Value = Scalar | Scalar[];

export const qname = (q: string): QName => ({ qname: q });
export const dateTime = (iso: string): DateTime => ({ dateTime: iso });
export const isQName = (v: Scalar): v is QName => typeof v === 'object' && 'qname' in v;
export const isDateTime = (v: Scalar): v is DateTime => typeof v === 'object' && 'dateTime' in v;

export type ElementKind = 'entity' | 'activity' | 'agent';
export type RelationKind = 'wasGeneratedBy' | 'used' | 'wasStartedBy' | 'wasAttributedTo' | 'wasDerivedFrom' | 'specializationOf' | 'wasAssociatedWith';

/** The formal (positional) arguments of each relation, in PROV-N order, with their PROV-JSON keys. */
export const RELATION_ARGS: Record<RelationKind, readonly string[]> = {
  wasGeneratedBy: ['prov:entity', 'prov:activity', 'prov:time'],
  used: ['prov:activity', 'prov:entity', 'prov:time'],
  wasStartedBy: ['prov:activity', 'prov:trigger', 'prov:starter', 'prov:time'],
  wasAttributedTo: ['prov:entity', 'prov:agent'],
  wasDerivedFrom: ['prov:generatedEntity', 'prov:usedEntity', 'prov:activity', 'prov:generation', 'prov:usage'],
  specializationOf: ['prov:specificEntity', 'prov:generalEntity'],
  wasAssociatedWith: ['prov:activity', 'prov:agent', 'prov:plan'],
};

export type Attributes = [name: string, value: Value][];

export interface Element {
  kind: ElementKind;
  id: string;
  /** Activities only: prov:startTime and prov:endTime. */
  startTime?: string;
  endTime?: string;
  attributes: Attributes;
}

export interface Relation {
  kind: RelationKind;
  /** Blank-node id (`_:id3`) as PROV-JSON needs one per relation. */
  id: string;
  /** Formal arguments by PROV-JSON key; absent ones are omitted (PROV-N `-`). */
  args: Record<string, string>;
  attributes: Attributes;
}

export class ProvDocument {
  readonly prefixes = new Map<string, string>();
  readonly elements: Element[] = [];
  readonly relations: Relation[] = [];
  private readonly byId = new Map<string, Element>();
  private readonly relationKeys = new Set<string>();
  private blank = 0;

  addPrefix(prefix: string, uri: string): void {
    this.prefixes.set(prefix, uri);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  element(id: string): Element | undefined {
    return this.byId.get(id);
  }

  /** Add an element once: a second add of the same id returns the first. */
  add(kind: ElementKind, id: string, attributes: Attributes, times: { startTime?: string; endTime?: string } = {}): Element {
    const known = this.byId.get(id);
    if (known) return known;
    const e: Element = { kind, id, attributes, ...times };
    this.elements.push(e);
    this.byId.set(id, e);
    return e;
  }

  /** Add a relation once: the same kind, arguments and attributes are one statement. */
  relate(kind: RelationKind, args: Record<string, string | null | undefined>, attributes: Attributes = []): void {
    const present = Object.fromEntries(Object.entries(args).filter((a): a is [string, string] => typeof a[1] === 'string'));
    const key = JSON.stringify([kind, present, attributes]);
    if (this.relationKeys.has(key)) return;
    this.relationKeys.add(key);
    this.relations.push({ kind, id: `_:id${++this.blank}`, args: present, attributes });
  }
}
