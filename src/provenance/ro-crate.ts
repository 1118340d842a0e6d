import { copyFileSync, createWriteStream, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import yazl from 'yazl';
import { MissingDataError, UsageError } from '../errors.js';
import type { Lineage, LineageObject, LineageRun } from '../registry/lineage.js';
import type { AuthorRecord } from '../registry/registry.js';
import type { DataStore } from '../store/store.js';

/*
 * A code run as an RO-Crate following the Workflow Run RO-Crate "Process Run
 * Crate" profile (https://w3id.org/ro/wfrun/process/0.5): the run is a
 * CreateAction whose instrument is the code (the repository at its commit,
 * else the submission script), whose object is what it read (inputs, working
 * config, script) and whose result is what it wrote. Entities are modelled as
 * the FAIR data-registry's own RO-Crate export models them (licences, CC BY
 * 4.0 when none is recorded, CC0 for the metadata file). Files are copied
 * from the data store (never from outside it) unless `data` is false, when
 * each file is named by its storage location instead.
 */

export const PROCESS_RUN_CRATE = 'https://w3id.org/ro/wfrun/process/0.5';
const RO_CRATE = 'https://w3id.org/ro/crate/1.1';
const CC_BY = 'https://creativecommons.org/licenses/by/4.0/';
const CC0 = 'https://creativecommons.org/publicdomain/zero/1.0/';
const SCHEMA = 'http://schema.org/';

/** encodingFormat: the media type where one is registered, as RO-Crate asks. */
const MEDIA_TYPES: Record<string, string> = {
  csv: 'text/csv',
  toml: 'application/toml',
  h5: 'application/x-hdf5',
  hdf5: 'application/x-hdf5',
  yaml: 'application/yaml',
  yml: 'application/yaml',
  json: 'application/json',
  txt: 'text/plain',
  sh: 'application/x-sh',
  py: 'text/x-python',
  r: 'text/x-r',
  nc: 'application/x-netcdf',
};

/** Own keys only: an extension registered as `constructor` is no media type. */
const mediaType = (extension: string): string | undefined => {
  const ext = extension.toLowerCase();
  return Object.hasOwn(MEDIA_TYPES, ext) ? MEDIA_TYPES[ext] : undefined;
};

type Ref = { '@id': string };
type Entity = Record<string, unknown> & { '@id': string; '@type': string | string[] };
const ref = (id: string): Ref => ({ '@id': id });

export interface CrateOptions {
  /** Copy the files into the crate (default), or only describe them. */
  data: boolean;
  /** The crate's licence (URL or SPDX id); default: the objects' recorded licences, else CC BY 4.0. */
  licence?: string;
  /** When the crate is published; default now. */
  now?: string;
}

interface CrateFile {
  entity: Entity;
  /** Where it goes inside the crate. */
  disk: string;
  /** The stored file to copy, when it is in the data store. */
  source: string | null;
}

export class RunCrate {
  private readonly entities = new Map<string, Entity>();
  private readonly files = new Map<string, CrateFile>();

  constructor(
    private readonly lineage: Lineage,
    private readonly store: DataStore,
    private readonly opts: CrateOptions,
  ) {}

  /** The crate of one code run. */
  static ofRun(lineage: Lineage, store: DataStore, codeRunId: number, opts: CrateOptions): RunCrate {
    const crate = new RunCrate(lineage, store, opts);
    crate.build(codeRunId);
    return crate;
  }

  /** The crate of the run that made a data product. */
  static ofProduct(lineage: Lineage, store: DataStore, productId: number, opts: CrateOptions): RunCrate {
    const product = lineage.product(productId)!;
    const [maker] = lineage.producersOf(product.objectId);
    if (maker === undefined) {
      throw new MissingDataError(`${product.namespace}:${product.name}@${product.version} was not made by a code run, and a Process Run Crate describes a run`, {
        hint: 'give the run that read it (`fairfs runs`), or export its provenance as prov-json',
      });
    }
    return RunCrate.ofRun(lineage, store, maker, opts);
  }

  private add(e: Entity): Ref {
    if (!this.entities.has(e['@id'])) this.entities.set(e['@id'], e);
    return ref(e['@id']);
  }

  private build(codeRunId: number): void {
    const run = this.lineage.run(codeRunId);
    if (!run) throw new MissingDataError(`no code run ${codeRunId}`);
    const actionId = `#run-${run.runId}`;
    const inputs = this.productFiles(run.inputs, 'inputs');
    const outputs = run.status === 'completed' || run.status === 'recorded' ? this.productFiles(run.outputs, 'outputs') : [];
    const config = run.modelConfig !== null ? this.objectFile(run.modelConfig, 'config', 'working config', []) : null;
    const script = run.submissionScript !== null ? this.objectFile(run.submissionScript, 'script', 'submission script', ['SoftwareSourceCode']) : null;
    const instrument = this.instrument(run, script);
    const agent = this.agent(run);

    const action: Entity = {
      '@id': actionId,
      '@type': 'CreateAction',
      name: `code run ${run.runId}`,
      description: run.description,
      identifier: run.runId,
      startTime: run.runDate,
      ...(run.endedAt ? { endTime: run.endedAt } : {}),
      instrument,
      object: [...inputs, ...(config ? [config] : []), ...(script ? [script] : [])],
      result: outputs,
      ...(agent ? { agent } : {}),
      actionStatus: ref(`${SCHEMA}${actionStatus(run)}`),
      ...(run.status === 'failed' || run.status === 'aborted' ? { error: runError(run) } : {}),
    };
    this.add(action);

    const licences = this.licences([...run.inputs, ...run.outputs]);
    const root: Entity = {
      '@id': './',
      '@type': 'Dataset',
      conformsTo: ref(PROCESS_RUN_CRATE),
      name: `fairfs code run ${run.runId.slice(0, 12)}: ${run.description}`,
      description: `Provenance of the FAIR Data Pipeline code run ${run.runId} (${run.status}), recorded by fairfs: what it read, what it wrote, its config, script and code.`,
      datePublished: this.opts.now ?? new Date().toISOString(),
      license: licences.length === 1 ? licences[0]! : licences,
      hasPart: [...this.files.values()].map((f) => ref(f.entity['@id'])),
      mentions: ref(actionId),
    };
    this.add(root);
    this.add({ '@id': PROCESS_RUN_CRATE, '@type': 'CreativeWork', name: 'Process Run Crate', version: '0.5' });
    this.add({ '@id': CC0, '@type': 'CreativeWork', name: 'CC0 Public Domain Dedication', identifier: CC0, description: 'CC0 1.0 Universal (CC0 1.0) Public Domain Dedication' });
  }

  private instrument(run: LineageRun, script: Ref | null): Ref {
    const repo = run.codeRepo !== null ? this.lineage.object(run.codeRepo) : undefined;
    if (repo?.location) {
      const release = this.lineage.codeRepoRelease(repo.id);
      return this.add({
        '@id': repo.location,
        '@type': 'SoftwareApplication',
        name: release?.name ?? run.codeRepoUrl ?? repo.location,
        url: repo.location,
        ...(release ? { softwareVersion: release.version } : run.codeCommit ? { softwareVersion: run.codeCommit } : {}),
        ...this.authorsOf(repo.authors),
      });
    }
    if (script) return script;
    // Nothing recorded of the code: the command line is all there is.
    return this.add({ '@id': '#command', '@type': 'SoftwareApplication', name: run.command ?? 'unrecorded program' });
  }

  private agent(run: LineageRun): Ref | null {
    const r = run.runner;
    if (!r) return null;
    if (r.author) return this.person(r.author);
    return this.add({ '@id': `#user-${encodeURIComponent(r.username)}`, '@type': 'Person', name: r.username });
  }

  private person(a: AuthorRecord): Ref {
    return this.add({ '@id': a.identifier ?? `#author-${a.uuid}`, '@type': 'Person', name: a.name ?? a.identifier ?? a.uuid });
  }

  private authorsOf(authors: AuthorRecord[]): { author?: Ref[] } {
    return authors.length ? { author: authors.map((a) => this.person(a)) } : {};
  }

  /** Each data product owning these components, as a File in `folder/<namespace>/<name>/<version>.<ext>`. */
  private productFiles(componentIds: number[], folder: string): Ref[] {
    const out: Ref[] = [];
    for (const objectId of this.lineage.byObject(componentIds).keys()) {
      const object = this.lineage.object(objectId);
      if (!object) continue;
      for (const dp of object.dataProducts) {
        const ext = object.extension ? `.${object.extension}` : '';
        const inCrate = cratePath([folder, dp.namespace, ...dp.name.split('/'), `${dp.version}${ext}`]);
        out.push(
          this.file(object, inCrate, {
            name: `${dp.namespace}:${dp.name}@${dp.version}`,
            identifier: `${dp.namespace}:${dp.name}@${dp.version}`,
            ...(object.description ? { description: object.description } : {}),
          }),
        );
      }
    }
    return out;
  }

  /** The run's config or script, at the crate's top as `config.yaml`, `script.sh`. */
  private objectFile(objectId: number, base: string, what: string, types: string[]): Ref | null {
    const object = this.lineage.object(objectId);
    if (!object?.path) return null;
    const ext = object.extension ? `.${object.extension}` : '';
    return this.file(object, cratePath([`${base}${ext}`]), { name: what, ...(object.description ? { description: object.description } : {}) }, types);
  }

  private file(object: LineageObject, inCrate: { id: string; disk: string }, extra: Record<string, unknown>, types: string[] = []): Ref {
    const source = object.storageRoot === this.store.rootUrl && object.path ? this.store.containedFile(object.path) : null;
    const id = this.opts.data && source ? inCrate.id : (object.location ?? inCrate.id);
    const entity: Entity = {
      '@id': id,
      '@type': types.length ? ['File', ...types] : 'File',
      ...extra,
      ...(object.extension ? { encodingFormat: mediaType(object.extension) ?? object.fileType ?? object.extension } : {}),
      ...(object.size !== null ? { contentSize: String(object.size) } : {}),
      ...(object.hash ? { sha1: object.hash } : {}),
      dateModified: object.lastUpdated,
      ...this.authorsOf(object.authors),
    };
    this.files.set(id, { entity, disk: inCrate.disk, source: this.opts.data ? source : null });
    return this.add(entity);
  }

  /** The crate's licence: given, else the objects' recorded licences, else CC BY 4.0 (as the registry's crates). */
  private licences(componentIds: number[]): Ref[] {
    if (this.opts.licence) {
      const id = /^[A-Za-z0-9.+-]+$/.test(this.opts.licence) ? `https://spdx.org/licenses/${this.opts.licence}` : this.opts.licence;
      return [this.add({ '@id': id, '@type': 'CreativeWork', name: this.opts.licence, identifier: id })];
    }
    const recorded = new Set<string>();
    for (const objectId of this.lineage.byObject(componentIds).keys()) for (const l of this.lineage.licences(objectId)) recorded.add(l);
    if (recorded.size === 0) return [this.add({ '@id': CC_BY, '@type': 'CreativeWork', name: 'CC BY 4.0', identifier: CC_BY, description: 'Attribution 4.0 International' })];
    return [...recorded].map((l) => this.add({ '@id': l, '@type': 'CreativeWork', name: l, identifier: l }));
  }

  /** The crate as a zip, streamed to `out` (files are read as they go, never held). Returns how many files it holds. */
  zipTo(out: Writable): number {
    const zip = new yazl.ZipFile();
    zip.addBuffer(Buffer.from(this.metadataText()), 'ro-crate-metadata.json');
    const copies = this.copies();
    for (const f of copies) zip.addFile(f.source!, f.disk);
    zip.end();
    // A file that cannot be read mid-way (removed under us) ends the output with the error, never the process.
    zip.outputStream.on('error', (err: Error) => out.destroy(err));
    zip.outputStream.pipe(out);
    return copies.length;
  }

  private copies(): CrateFile[] {
    return [...this.files.values()].filter((f) => f.source !== null);
  }

  private metadataText(): string {
    return `${JSON.stringify(this.metadata(), null, 2)}\n`;
  }

  /** The ro-crate-metadata.json document. */
  metadata(): Record<string, unknown> {
    const descriptor: Entity = {
      '@id': 'ro-crate-metadata.json',
      '@type': 'CreativeWork',
      conformsTo: ref(RO_CRATE),
      about: ref('./'),
      license: ref(CC0),
    };
    return {
      '@context': ['https://w3id.org/ro/crate/1.1/context', 'https://w3id.org/ro/terms/workflow-run/context', { sha1: 'urn:fairfs:vocab#sha1' }],
      '@graph': [descriptor, ...this.entities.values()],
    };
  }

  /** Write the crate as a folder (which must not exist or be empty) or, for a `.zip` path, a zip file. */
  async write(target: string): Promise<{ files: number }> {
    if (target.endsWith('.zip')) {
      if (existsSync(target)) throw new UsageError(`${target} exists`, { hint: 'give a new file name, or remove it first' });
      const out = createWriteStream(target, { flags: 'wx' });
      const files = this.zipTo(out);
      await finished(out);
      return { files };
    }
    const json = this.metadataText();
    const copies = this.copies();
    if (existsSync(target) && readdirSync(target).length > 0) {
      throw new UsageError(`${target} is not empty`, { hint: 'give a new or empty folder for the crate' });
    }
    mkdirSync(target, { recursive: true });
    for (const f of copies) {
      const dest = join(target, f.disk);
      mkdirSync(dirname(dest), { recursive: true });
      copyFileSync(f.source!, dest);
    }
    writeFileSync(join(target, 'ro-crate-metadata.json'), json);
    return { files: copies.length };
  }
}

/**
 * A path inside the crate from registry names, which API clients may have
 * written: no segment may climb out (`..`), and the @id is its URI form.
 */
function cratePath(segments: string[]): { id: string; disk: string } {
  const safe = segments.map((s) => (s === '' || s === '.' || s === '..' ? s.replace(/\./g, '_') || '_' : s.replace(/\0/g, '_')));
  return { id: safe.map(encodeURIComponent).join('/'), disk: safe.join('/') };
}

function actionStatus(run: LineageRun): string {
  switch (run.status) {
    case 'completed':
    case 'recorded':
      return 'CompletedActionStatus';
    case 'running':
      return 'ActiveActionStatus';
    default:
      return 'FailedActionStatus';
  }
}

function runError(run: LineageRun): string {
  const why = run.message ?? (run.status === 'aborted' ? 'the run was aborted' : 'the command failed');
  return run.exitCode !== null ? `${why} (exit code ${run.exitCode})` : why;
}
