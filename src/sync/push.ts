import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataConflictError, UsageError } from '../errors.js';
import type { Registry, SessionRecord } from '../registry/registry.js';
import { idOf, RegistryClient, type Record_ } from './client.js';
import type { TransferProgress } from './progress.js';
import type { Remote } from './remotes.js';

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
}

export interface PushOptions {
  registry: Registry;
  remote: Remote;
  runs?: string[];
  dryRun?: boolean;
  progress?: TransferProgress;
}

/** Which completed runs a push sends: those named, else every one not yet pushed there. */
export function runsToPush(registry: Registry, remote: Remote, requested: string[] = []): SessionRecord[] {
  if (requested.length) {
    return requested.map((id) => {
      const s = registry.getSession(id);
      if (!s) throw new UsageError(`no code run ${id}`, { hint: 'list runs with `fairfs runs`' });
      if (s.status !== 'completed') throw new UsageError(`run ${s.runId} is ${s.status}; only completed runs are pushed`);
      return s;
    });
  }
  return registry.listSessions('completed').filter((s) => !registry.journalHas(remote.apiUrl, 'push', `code_run ${s.runId}`));
}

/**
 * Push code runs with everything they depend on, in dependency order, each
 * record post-else-get and remembered in `remote_id`: a killed push resumes
 * where it stopped and a repeated push creates nothing.
 */
export async function push(opts: PushOptions): Promise<PushReport> {
  const runs = runsToPush(opts.registry, opts.remote, opts.runs);
  const report: PushReport = { runs: runs.map((r) => ({ runId: r.runId, uuid: r.uuid, url: null })), created: 0, found: 0, uploaded: 0 };
  if (opts.dryRun || runs.length === 0) return report;
  const client = new RegistryClient(opts.remote.apiUrl, opts.remote.token, { idleTimeoutMs: opts.remote.idleTimeoutMs });
  try {
    const pusher = new Pusher(opts.registry, client, opts.remote.apiUrl, report, opts.progress);
    for (const [i, run] of runs.entries()) report.runs[i]!.url = await pusher.codeRun(run);
  } finally {
    await client.close();
  }
  return report;
}

class Pusher {
  private readonly byValue = new Map<string, Promise<string>>();
  private readonly objects = new Map<number, Promise<string>>();

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
        objectUrl = (await this.ensure('object', objectId, { uuid: d.uuid, description: d.description, storage_location: location, file_type: fileType, authors: [] }, { uuid: d.uuid })).url;
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

  /** Public files of the local store are uploaded and stored on the remote by hash. */
  private async location(d: ReturnType<Registry['objectDetail']>): Promise<string | null> {
    if (!d.hash || !d.storageRoot || d.path === null) return null;
    let root = d.storageRoot;
    let path = d.path;
    const localFile = root.startsWith('file://') ? join(fileURLToPath(root), path) : null;
    if (localFile && d.public && existsSync(localFile)) {
      if (!this.byValue.has(`upload ${d.hash}`)) {
        const uploading = this.client.upload(d.hash, localFile, this.progress).then((uploaded) => {
          if (uploaded) this.report.uploaded++;
          return d.hash!;
        });
        this.byValue.set(`upload ${d.hash}`, uploading);
      }
      await this.byValue.get(`upload ${d.hash}`);
      root = `${this.client.base}/data/`;
      path = d.hash;
    }
    const rootUrl = await this.once(`storage_root ${root}`, 'storage_root', { root, local: false }, { root });
    return this.once(
      `storage_location ${root} ${d.hash} ${d.public}`,
      'storage_location',
      { path, hash: d.hash, public: d.public, storage_root: rootUrl },
      { storage_root: idOf(rootUrl), hash: d.hash, public: d.public },
    );
  }

  private async component(componentId: number): Promise<string> {
    await this.object(this.registry.componentObject(componentId));
    return this.registry.remoteUrl(this.remote, 'object_component', componentId)!;
  }

  async codeRun(run: SessionRecord): Promise<string> {
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
