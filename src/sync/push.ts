import { DataConflictError, UsageError } from '../errors.js';
import type { ObjectDetail, Registry, SessionRecord } from '../registry/registry.js';
import { idOf, RegistryClient, type Record_ } from './client.js';
import type { TransferProgress } from './progress.js';
import type { Remote } from './remotes.js';
import { uploadableFile } from './store-file.js';

export interface PushedRun {
  runId: string;
  uuid: string;
  url: string | null;
}

export interface PushReport {
  runs: PushedRun[];
  created: number;
  found: number;
  uploaded: number;
  /** Files the remote could not take: their records point at their true (local) location. */
  notUploaded: { hash: string; file: string; reason: string }[];
}

export interface PushOptions {
  registry: Registry;
  remote: Remote;
  /** Run ids to push; every completed run not yet pushed there when absent. */
  runs?: string[];
  dryRun?: boolean;
  progress?: TransferProgress;
}

/** Which completed runs a push sends: those named, else every one not yet pushed to `remote`. */
export function runsToPush(registry: Registry, remote: Remote | null, requested: string[] = []): SessionRecord[] {
  if (requested.length) {
    return requested.map((id) => {
      const s = registry.getSession(id);
      if (!s) throw new UsageError(`no code run ${id}`, { hint: 'list runs with `fairfs runs`' });
      // `recorded`: a run a FAIR client made through the API, complete as far as the registry knows.
      if (s.status !== 'completed' && s.status !== 'recorded') throw new UsageError(`run ${s.runId} is ${s.status}; only completed runs are pushed`);
      return s;
    });
  }
  return registry.listSessions('completed').filter((s) => remote === null || !registry.journalHas(remote.apiUrl, 'push', `code_run ${s.runId}`));
}

/**
 * Push code runs with everything they depend on, in dependency order, each
 * record post-else-get and remembered in `remote_id`: a killed push resumes
 * where it stopped and a repeated push creates nothing.
 */
export async function push(opts: PushOptions): Promise<PushReport> {
  const runs = opts.runs === undefined ? runsToPush(opts.registry, opts.remote) : opts.runs.length ? runsToPush(opts.registry, opts.remote, opts.runs) : [];
  const report: PushReport = { runs: runs.map((r) => ({ runId: r.runId, uuid: r.uuid, url: null })), created: 0, found: 0, uploaded: 0, notUploaded: [] };
  const pending = opts.registry.pendingUploads(opts.remote.apiUrl);
  if (opts.dryRun || (runs.length === 0 && pending.length === 0)) return report;
  const client = new RegistryClient(opts.remote.apiUrl, opts.remote.token, { idleTimeoutMs: opts.remote.idleTimeoutMs });
  try {
    const pusher = new Pusher(opts.registry, client, opts.remote.apiUrl, report, opts.progress);
    // Files an earlier push could not upload go first: the remote may take them now.
    for (const p of pending) await pusher.retryUpload(p.objectId, p.hash);
    for (const [i, run] of runs.entries()) report.runs[i]!.url = await pusher.codeRun(run);
  } finally {
    await client.close();
  }
  return report;
}

class Pusher {
  private readonly byValue = new Map<string, Promise<string>>();
  private readonly objects = new Map<number, Promise<string>>();
  private readonly uploads = new Map<string, Promise<string | null>>();
  private readonly runnerLinked = new Map<string, Promise<void>>();

  constructor(
    private readonly registry: Registry,
    private readonly client: RegistryClient,
    private readonly remote: string,
    private readonly report: PushReport,
    private readonly progress: TransferProgress | undefined,
  ) {}

  /** post-else-get once per distinct value within this push (namespaces, roots, file types). */
  private once(key: string, endpoint: string, body: Record<string, unknown>, filter: Record<string, string | number | boolean>): Promise<string> {
    let p = this.byValue.get(key);
    if (!p) {
      p = this.client.postElseGet(endpoint, body, filter).then(({ record, created }) => this.count(record, created));
      this.byValue.set(key, p);
    }
    return p;
  }

  private count(record: Record_, created: boolean): string {
    if (created) this.report.created++;
    else this.report.found++;
    return record.url;
  }

  /** A local row's remote twin: remembered in remote_id, else post-else-get and remember. */
  private async ensure(table: string, localId: number, body: Record<string, unknown>, filter: Record<string, string | number | boolean>): Promise<Record_> {
    const { record, created } = await this.client.postElseGet(table, body, filter);
    this.count(record, created);
    this.registry.setRemoteUrl(this.remote, table, localId, record.url);
    return record;
  }

  object(objectId: number): Promise<string> {
    let p = this.objects.get(objectId);
    if (!p) {
      p = this.pushObject(objectId);
      this.objects.set(objectId, p);
    }
    return p;
  }

  private async pushObject(objectId: number): Promise<string> {
    const d = this.registry.objectDetail(objectId);
    let objectUrl = this.registry.remoteUrl(this.remote, 'object', objectId);
    if (!objectUrl) {
      const [existing] = await this.client.list('object', { uuid: d.uuid });
      if (existing) {
        objectUrl = existing.url;
        this.report.found++;
        this.registry.setRemoteUrl(this.remote, 'object', objectId, objectUrl);
      } else {
        const location = await this.location(d);
        const fileType = d.extension
          ? await this.once(`file_type ${d.fileTypeName}.${d.extension}`, 'file_type', { name: d.fileTypeName, extension: d.extension }, { name: d.fileTypeName!, extension: d.extension })
          : null;
        const authors = await this.authors(d);
        objectUrl = (await this.ensure('object', objectId, { uuid: d.uuid, description: d.description, storage_location: location, file_type: fileType, authors }, { uuid: d.uuid })).url;
      }
    }
    for (const c of d.components) {
      if (this.registry.remoteUrl(this.remote, 'object_component', c.id)) continue;
      await this.ensure('object_component', c.id, { object: objectUrl, name: c.name, description: c.description, whole_object: c.wholeObject }, { object: idOf(objectUrl), name: c.name });
    }
    for (const dp of d.dataProducts) {
      if (this.registry.remoteUrl(this.remote, 'data_product', dp.id)) continue;
      const ns = await this.once(`namespace ${dp.namespace}`, 'namespace', { name: dp.namespace }, { name: dp.namespace });
      const record = await this.ensure('data_product', dp.id, { namespace: ns, name: dp.name, version: dp.version, object: objectUrl }, { namespace: idOf(ns), name: dp.name, version: dp.version });
      if (idOf(String(record.object)) !== idOf(objectUrl)) {
        throw new DataConflictError(`${dp.namespace}:${dp.name}@${dp.version} exists on ${this.remote} with other data`, {
          hint: 'registered data is immutable: register your data under a new version',
        });
      }
    }
    return objectUrl;
  }

  /**
   * The object's storage location on the remote. A public file of the local
   * store is uploaded and located under the remote's own data root (path =
   * SHA-1, which the registry serves at `/data/<sha1>`). A file the remote
   * cannot take keeps its true root, is reported, and waits in pending_upload
   * for a later push: nothing pushed points at bytes that are not there.
   */
  private async location(d: ObjectDetail): Promise<string | null> {
    if (!d.hash || !d.storageRoot || d.path === null) return null;
    const file = uploadableFile(d);
    if (file) {
      const uploaded = await this.uploadedLocation(d.hash, file, d.id);
      if (uploaded) return uploaded;
    }
    return this.storageLocation(d.storageRoot, d.path, d.hash, d.public);
  }

  private storageLocation(root: string, path: string, hash: string, isPublic: boolean): Promise<string> {
    // A file:// root is a disk of some machine, not a service (pyDataPipeline finds its data store with local=True).
    const local = root.startsWith('file://');
    const rootUrl = this.once(`storage_root ${root}`, 'storage_root', { root, local }, { root });
    return rootUrl.then((url) =>
      this.once(`storage_location ${root} ${hash} ${isPublic}`, 'storage_location', { path, hash, public: isPublic, storage_root: url }, {
        storage_root: idOf(url),
        hash,
        public: isPublic,
      }),
    );
  }

  /** The remote's data root: `<registry site>/data/`. */
  private get dataRoot(): string {
    return `${this.client.base}/data/`;
  }

  /** Upload once per hash per push; the location under the remote's data root, or null when the remote takes no files. */
  private uploadedLocation(hash: string, file: string, objectId: number): Promise<string | null> {
    let p = this.uploads.get(hash);
    if (!p) {
      p = this.upload(hash, file, objectId);
      this.uploads.set(hash, p);
    }
    return p;
  }

  private async upload(hash: string, file: string, objectId: number): Promise<string | null> {
    // Already stored there (an earlier push, or another user's): no second upload.
    const [root] = await this.client.list('storage_root', { root: this.dataRoot });
    const [stored] = root ? await this.client.list('storage_location', { storage_root: idOf(root.url), hash, public: true }) : [];
    if (stored) {
      this.report.found++;
      this.registry.clearPendingUpload(this.remote, hash);
      return stored.url;
    }
    const outcome = await this.client.upload(hash, file, this.progress);
    if (outcome.kind === 'refused') {
      this.registry.setPendingUpload(this.remote, hash, objectId, outcome.reason);
      this.report.notUploaded.push({ hash, file, reason: outcome.reason });
      return null;
    }
    if (outcome.kind === 'uploaded') this.report.uploaded++;
    const location = await this.storageLocation(this.dataRoot, hash, hash, true);
    this.registry.clearPendingUpload(this.remote, hash);
    return location;
  }

  /**
   * A file an earlier push left at its local root: upload it now if the
   * remote takes files. The remote's object keeps its first location (objects
   * are immutable there), and the bytes become reachable at `/data/<sha1>`.
   */
  async retryUpload(objectId: number, hash: string): Promise<void> {
    const file = uploadableFile(this.registry.objectDetail(objectId));
    if (!file) {
      this.registry.clearPendingUpload(this.remote, hash);
      return;
    }
    await this.uploadedLocation(hash, file, objectId);
  }

  /** The object's authors on the remote (post-else-get by uuid), as FAIR-CLI links them. */
  private authors(d: ObjectDetail): Promise<string[]> {
    return Promise.all(
      d.authors.map(async (a) => {
        const url = await this.once(`author ${a.uuid}`, 'author', { name: a.name, identifier: a.identifier, uuid: a.uuid }, { uuid: a.uuid });
        this.registry.setRemoteUrl(this.remote, 'author', a.id, url);
        return url;
      }),
    );
  }

  private async component(componentId: number): Promise<string> {
    await this.object(this.registry.componentObject(componentId));
    return this.registry.remoteUrl(this.remote, 'object_component', componentId)!;
  }

  /**
   * Link the token's account on the remote to the author who ran the run
   * (`user_author`, once): the registry names a run's runner by that link, and
   * without it its provenance reports say "User Not Found". An account that
   * already speaks for an author is left as it is.
   */
  private linkRunner(login: string): Promise<void> {
    let p = this.runnerLinked.get(login);
    if (!p) this.runnerLinked.set(login, (p = this.doLinkRunner(login)));
    return p;
  }

  private async doLinkRunner(login: string): Promise<void> {
    const author = this.registry.linkedAuthor(login);
    if (!author) return;
    // A remote without the endpoint (an older server) gets no link; nothing else depends on it.
    const me = await this.client.get(`${this.remote}username/`).catch(() => null);
    if (typeof me?.username !== 'string') return;
    const [user] = await this.client.list('users', { username: me.username });
    if (!user) return;
    const [linked] = await this.client.list('user_author', { user: idOf(user.url) });
    if (linked) return;
    const authorUrl = await this.once(`author ${author.uuid}`, 'author', { name: author.name, identifier: author.identifier, uuid: author.uuid }, { uuid: author.uuid });
    await this.client.postElseGet('user_author', { user: user.url, author: authorUrl }, { user: idOf(user.url) });
  }

  async codeRun(run: SessionRecord): Promise<string> {
    if (run.status !== 'recorded') await this.linkRunner(run.user);
    const d = this.registry.codeRunDetail(run.codeRunId);
    const objectUrl = (id: number | null): Promise<string | null> => (id === null ? Promise.resolve(null) : this.object(id));
    const inputs: string[] = [];
    for (const c of d.inputs) inputs.push(await this.component(c));
    const outputs: string[] = [];
    for (const c of d.outputs) outputs.push(await this.component(c));
    const body = {
      uuid: d.uuid,
      run_date: d.runDate,
      description: d.description,
      model_config: await objectUrl(d.modelConfig),
      submission_script: await objectUrl(d.submissionScript),
      code_repo: await objectUrl(d.codeRepo),
      inputs,
      outputs,
    };
    const record = await this.ensure('code_run', run.codeRunId, body, { uuid: d.uuid });
    // Already there (an earlier or interrupted push): send the union of inputs and outputs.
    const union = (a: unknown, b: string[]): string[] => [...new Set([...((a as string[]) ?? []), ...b])];
    const inputsUnion = union(record.inputs, inputs);
    const outputsUnion = union(record.outputs, outputs);
    if (inputsUnion.length !== (record.inputs as string[]).length || outputsUnion.length !== (record.outputs as string[]).length) {
      await this.client.patch(record.url, { inputs: inputsUnion, outputs: outputsUnion });
    }
    this.registry.journal(this.remote, 'push', `code_run ${run.runId}`);
    return record.url;
  }
}
