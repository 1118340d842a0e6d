import type { Lineage, LineageObject, LineageRun, ProductAccess } from '../registry/lineage.js';
import type { AuthorRecord } from '../registry/registry.js';
import { dateTime, ProvDocument, qname, type Attributes, type Value } from './document.js';

/*
 * The provenance report of a data product or a code run, built the way the
 * FAIR data-registry builds `/api/prov-report/<id>/` (data_management/prov.py):
 * the same prefixes, identifiers (`lreg:api/<table>/<id>`), record types,
 * roles and attribute names, level by level for `depth`. What fairfs knows
 * beyond the registry (status, exit code, end time, SHA-1, commit, the
 * components used and generated, the processes that made the accesses) is
 * added under the `fairfs` prefix. Unlike the registry, each record appears
 * once however many components lead to it.
 */

export const CENTRAL_REGISTRY = 'https://data.fairdatapipeline.org/';
export const FAIRFS_VOCAB = 'urn:fairfs:vocab#';
/** The base fairfs names its own registry by when no server URL is given (that of `fairfs registry serve`). */
export const DEFAULT_BASE = 'http://127.0.0.1:8000/';

const VOCABULARIES: [string, string][] = [
  ['fair', `${CENTRAL_REGISTRY}vocab/#`],
  ['dcat', 'http://www.w3.org/ns/dcat#'],
  ['dcmitype', 'http://purl.org/dc/dcmitype/'],
  ['dcterms', 'http://purl.org/dc/terms/'],
  ['foaf', 'http://xmlns.com/foaf/spec/#'],
  ['rdf', 'http://www.w3.org/1999/02/22-rdf-syntax-ns#'],
  ['fairfs', FAIRFS_VOCAB],
];

export interface ReportOptions {
  /** The registry's site URL the identifiers are relative to (`lreg`). */
  base?: string;
  /** How many levels of code runs (the registry's `depth`, at least 1). */
  depth?: number;
}

/** One product (and what made it), one run (and all it made), or several runs (an impact picture). */
export type ReportSubject = { product: number } | { run: number } | { runs: number[] };

export function provReport(lineage: Lineage, subject: ReportSubject, opts: ReportOptions = {}): ProvDocument {
  const base = (opts.base ?? DEFAULT_BASE).replace(/\/?$/, '/');
  const doc = new ProvDocument();
  const reg = base === CENTRAL_REGISTRY ? 'reg' : 'lreg';
  doc.addPrefix(reg, base);
  for (const [p, uri] of VOCABULARIES) doc.addPrefix(p, uri);
  const builder = new ReportBuilder(lineage, doc, reg);
  let inputs =
    'product' in subject ? builder.productLevel(subject.product) : 'run' in subject ? builder.runLevel(subject.run) : subject.runs.flatMap((r) => builder.runLevel(r));
  for (let depth = Math.max(1, Math.floor(opts.depth ?? 1)); depth > 1 && inputs.length; depth--) {
    inputs = [...new Set(inputs.flatMap((p) => builder.productLevel(p)))];
  }
  return doc;
}

class ReportBuilder {
  private readonly levelsDone = new Set<string>();
  private readonly accesses = new Map<string, Map<number, ProductAccess>>();
  private readonly groups = new Map<string, Map<number, string[]>>();

  constructor(
    private readonly lineage: Lineage,
    private readonly doc: ProvDocument,
    private readonly reg: string,
  ) {}

  private id(table: string, id: number): string {
    return `${this.reg}:api/${table}/${id}`;
  }

  /** One product and the runs that made it: the registry's `_generate_prov_document`. Returns the inputs' product ids. */
  productLevel(productId: number): number[] {
    if (this.levelsDone.has(`p${productId}`)) return [];
    this.levelsDone.add(`p${productId}`);
    const product = this.lineage.product(productId);
    if (!product) return [];
    const entity = this.productEntity(productId);
    const inputs: number[] = [];
    for (const runId of this.lineage.producersOf(product.objectId)) {
      const run = this.lineage.run(runId);
      if (!run) continue;
      const used = this.runCore(run);
      this.generated(entity, productId, run, used);
      inputs.push(...used.map((u) => u.productId));
    }
    return inputs;
  }

  /** One run with everything it generated. Returns the inputs' product ids. */
  runLevel(codeRunId: number): number[] {
    const run = this.lineage.run(codeRunId);
    if (!run) return [];
    const used = this.runCore(run);
    if (generates(run)) {
      for (const productId of this.productsOf(run, 'outputs')) {
        this.levelsDone.add(`p${productId}`);
        this.generated(this.productEntity(productId), productId, run, used);
      }
    }
    return used.map((u) => u.productId);
  }

  /** The run's activity, its runner, code, config, script and inputs (`_add_code_run` and what follows it). */
  private runCore(run: LineageRun): { productId: number; entity: string }[] {
    const activity = this.id('code_run', run.codeRunId);
    const first = !this.doc.has(activity);
    this.doc.add(
      'activity',
      activity,
      [
        ['rdf:type', qname('fair:Run')],
        ['dcterms:description', run.description],
        ...fairfsRunAttributes(run),
      ],
      { startTime: run.runDate, ...(run.endedAt ? { endTime: run.endedAt } : {}) },
    );
    const inputs = this.productsOf(run, 'inputs').map((productId) => ({ productId, entity: this.productEntity(productId) }));
    if (!first) return inputs;

    const runner = this.runnerAgent(run);
    if (runner) {
      this.doc.relate('wasStartedBy', { 'prov:activity': activity, 'prov:trigger': runner, 'prov:time': run.runDate }, [['prov:role', qname('fair:code_runner')]]);
    }
    if (run.codeRepo !== null) this.codeRepo(activity, run.codeRepo);
    if (run.modelConfig !== null) this.usedObject(activity, run.modelConfig, 'fair:model_configuration', []);
    if (run.submissionScript !== null) this.usedObject(activity, run.submissionScript, 'fair:submission_script', [['rdf:type', qname('dcmitype:Software')]]);
    const journal = this.journal(run);
    for (const input of inputs) {
      this.doc.relate('used', { 'prov:activity': activity, 'prov:entity': input.entity }, [
        ['prov:role', qname('fair:input_data')],
        ...this.componentAttributes(run, 'inputs', input.productId, journal.get(input.productId)),
      ]);
    }
    return inputs;
  }

  /** The product was generated by the run and derived from what it read; a run that failed generated nothing. */
  private generated(entity: string, productId: number, run: LineageRun, used: { entity: string }[]): void {
    if (!generates(run)) return;
    this.doc.relate(
      'wasGeneratedBy',
      { 'prov:entity': entity, 'prov:activity': this.id('code_run', run.codeRunId) },
      this.componentAttributes(run, 'outputs', productId, this.journal(run).get(productId)),
    );
    for (const input of used) this.doc.relate('wasDerivedFrom', { 'prov:generatedEntity': entity, 'prov:usedEntity': input.entity });
  }

  /** fairfs:component (the components this run read or wrote of the product) and fairfs:process. */
  private componentAttributes(run: LineageRun, direction: 'inputs' | 'outputs', productId: number, access: ProductAccess | undefined): Attributes {
    const product = this.lineage.product(productId);
    const names = (product && this.grouped(run, direction).get(product.objectId)) ?? [];
    const out: Attributes = [];
    if (names.length) out.push(['fairfs:component', names.length === 1 ? names[0]! : names]);
    if (access?.processes.length) out.push(['fairfs:process', access.processes.length === 1 ? access.processes[0]! : access.processes]);
    return out;
  }

  private journal(run: LineageRun): Map<number, ProductAccess> {
    let j = this.accesses.get(run.runId);
    if (!j) this.accesses.set(run.runId, (j = run.status === 'recorded' ? new Map() : this.lineage.accessesOf(run.runId)));
    return j;
  }

  /** A run's inputs or outputs by object, worked out once per run (a run may have thousands). */
  private grouped(run: LineageRun, direction: 'inputs' | 'outputs'): Map<number, string[]> {
    const key = `${run.codeRunId} ${direction}`;
    let g = this.groups.get(key);
    if (!g) this.groups.set(key, (g = this.lineage.byObject(run[direction])));
    return g;
  }

  /** The data products that own a run's inputs or outputs, each once, in order. */
  private productsOf(run: LineageRun, direction: 'inputs' | 'outputs'): number[] {
    const out = new Set<number>();
    for (const objectId of this.grouped(run, direction).keys()) {
      for (const p of this.lineage.object(objectId)?.dataProducts ?? []) out.add(p.id);
    }
    return [...out];
  }

  /** A data product as an entity, with its authors and external object (`_add_prime_data_product`). */
  private productEntity(productId: number): string {
    const id = this.id('data_product', productId);
    if (this.doc.has(id)) return id;
    const product = this.lineage.product(productId)!;
    const object = this.lineage.object(product.objectId)!;
    this.doc.add('entity', id, [['rdf:type', qname('dcat:Dataset')], ...objectMeta(object), ...fairfsObjectAttributes(object)]);
    this.attribute(id, object.authors);
    const external = this.lineage.externalObject(productId);
    if (external) {
      const eid = this.id('external_object', external.id);
      const attrs = present([
        ['rdf:type', qname('dcat:Dataset')],
        ['dcterms:title', external.title],
        ['dcterms:issued', external.releaseDate ? dateTime(external.releaseDate) : null],
        ['dcat:hasVersion', external.version],
        ['dcterms:identifier', external.identifier],
        ['fair:alternate_identifier', external.alternateIdentifier],
        ['fair:alternate_identifier_type', external.alternateIdentifierType],
        ['dcterms:description', external.description],
        ['prov:atLocation', external.originalStore],
      ]);
      this.doc.add('entity', eid, attrs);
      this.doc.relate('specializationOf', { 'prov:specificEntity': eid, 'prov:generalEntity': id });
    }
    return id;
  }

  private codeRepo(activity: string, objectId: number): void {
    const object = this.lineage.object(objectId);
    if (!object) return;
    const release = this.lineage.codeRepoRelease(objectId);
    const id = release ? this.id('code_repo_release', release.id) : this.id('object', objectId);
    const attrs: Attributes = release
      ? [
          ['rdf:type', qname('dcmitype:Software')],
          ...objectMeta(object),
          ['dcterms:title', release.name],
          ['dcat:hasVersion', release.version],
          ...(release.website ? ([['fair:website', release.website]] as Attributes) : []),
        ]
      : objectMeta(object);
    this.doc.add('entity', id, [...attrs, ...fairfsObjectAttributes(object)]);
    this.attribute(id, object.authors);
    this.doc.relate('used', { 'prov:activity': activity, 'prov:entity': id }, [['prov:role', qname('fair:software')]]);
  }

  private usedObject(activity: string, objectId: number, role: string, extra: Attributes): void {
    const object = this.lineage.object(objectId);
    if (!object) return;
    const id = this.id('object', objectId);
    this.doc.add('entity', id, [...extra, ...objectMeta(object), ...fairfsObjectAttributes(object)]);
    this.attribute(id, object.authors);
    this.doc.relate('used', { 'prov:activity': activity, 'prov:entity': id }, [['prov:role', qname(role)]]);
  }

  private attribute(entity: string, authors: AuthorRecord[]): void {
    for (const a of authors) {
      const agent = this.authorAgent(a, 'dcterms:identifier');
      this.doc.relate('wasAttributedTo', { 'prov:entity': entity, 'prov:agent': agent }, [['prov:role', qname('dcterms:creator')]]);
    }
  }

  private authorAgent(a: AuthorRecord, identifierAttribute: string): string {
    const id = this.id('author', a.id);
    const attrs: Attributes = [['rdf:type', qname('prov:Person')]];
    if (a.name) attrs.push(['foaf:name', a.name]);
    if (a.identifier) attrs.push([identifierAttribute, a.identifier]);
    this.doc.add('agent', id, attrs);
    return id;
  }

  /** Who ran it: the author linked to the user (as the registry does), else the user. */
  private runnerAgent(run: LineageRun): string | null {
    const r = run.runner;
    if (!r) return null;
    if (r.author) return this.authorAgent(r.author, 'fair:identifier');
    const id = r.userId !== null ? this.id('users', r.userId) : `fairfs:user/${encodeURIComponent(r.username)}`;
    this.doc.add('agent', id, [
      ['rdf:type', qname('prov:Person')],
      ['foaf:name', r.username],
    ]);
    return id;
  }
}

/** A failed or aborted run generated nothing; a running one nothing yet. */
const generates = (run: LineageRun): boolean => run.status === 'completed' || run.status === 'recorded';

/** The registry's `_generate_object_meta`, attribute for attribute. */
function objectMeta(o: LineageObject): Attributes {
  const out: Attributes = [['dcterms:modified', dateTime(o.lastUpdated)]];
  if (o.location) out.push(['prov:atLocation', o.location]);
  if (o.description) out.push(['dcterms:description', o.description]);
  for (const dp of o.dataProducts) {
    out.push(['fair:namespace', dp.namespace], ['dcterms:title', dp.name], ['dcat:hasVersion', dp.version]);
  }
  for (const i of o.issues) out.push(['fair:issue', `${i.description} severity: ${i.severity} ID: ${i.id}`]);
  if (o.fileType) out.push(['dcterms:format', o.fileType]);
  return out;
}

function fairfsObjectAttributes(o: LineageObject): Attributes {
  const out: Attributes = [];
  // A code repository's "hash" is its commit, and it has no size: only files get these.
  if (o.hash && o.fileType !== null) out.push(['fairfs:sha1', o.hash]);
  if (o.size !== null && o.fileType !== null) out.push(['fairfs:size', o.size]);
  const parts = o.components.filter((c) => !c.wholeObject).map((c) => c.name);
  if (parts.length) out.push(['fairfs:components', parts]);
  return out;
}

function fairfsRunAttributes(run: LineageRun): Attributes {
  return present([
    ['fairfs:runId', run.runId],
    ['fairfs:status', run.status],
    ['fairfs:exitCode', run.exitCode],
    ['fairfs:message', run.message],
    ['fairfs:command', run.command],
    ['fairfs:codeRepo', run.codeRepoUrl],
    ['fairfs:commit', run.codeCommit],
    ['fairfs:host', run.host],
    ['fairfs:rerunOf', run.rerunOf],
  ]);
}

/** The attributes that have a value (null and '' are left out, as the registry leaves out what is not set). */
function present(list: [string, Value | null | undefined][]): Attributes {
  return list.filter((a): a is [string, Value] => a[1] !== null && a[1] !== undefined && a[1] !== '');
}
