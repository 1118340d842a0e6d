import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import * as yaml from 'js-yaml';
import { loadConfig, type RunConfig } from '../config/load.js';
import { resolveConfig, type WorkingConfig } from '../config/resolve.js';
import type { Home } from '../home.js';
import { configDefaults, readSettings } from '../home.js';
import { UsageError } from '../errors.js';
import { Registry, type SessionRecord } from '../registry/registry.js';
import { sha1 } from '../store/hash.js';
import { componentBytes } from '../store/components.js';
import { loadHdf5 } from '../store/hdf5.js';
import { DataStore } from '../store/store.js';
import { gitInfo, type GitInfo } from './git.js';
import { Catalog } from '../vfs/catalog.js';
import { AccessRecorder } from './recorder.js';
import { SessionVfs } from './session-fs.js';

export interface OpenSessionOptions {
  home: Home;
  configFile: string;
  mountpoint: string | null;
  strict?: boolean;
  /** The command line `fairfs run` executes (recorded as the submission script). */
  command?: string | null;
  cwd?: string;
  registry?: Registry;
  /** The run will execute the config's own script: refuse before opening a run if it has none. */
  needScript?: boolean;
}

/** run id = SHA-1(config bytes ‖ ISO-8601 start time with milliseconds), DESIGN §4.2. */
export function runIdFor(configBytes: Buffer | string, start: Date): string {
  return sha1(Buffer.concat([Buffer.from(configBytes), Buffer.from(start.toISOString())]));
}

/** The FAIR uuid of a code run: the first 32 hex digits of the run id. */
export function uuidFor(runId: string): string {
  const h = runId.slice(0, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** One open code run: its registry row, its VFS and where its outputs stage. */
export class Session {
  /** The script file `fairfs run` executed for the config (recorded as the submission script), if any. */
  scriptFile: string | null = null;
  /** What the user should know about how the run was opened (said once by the CLI). */
  readonly notices: string[] = [];

  private constructor(
    readonly home: Home,
    readonly registry: Registry,
    readonly config: RunConfig,
    readonly working: WorkingConfig,
    readonly record: SessionRecord,
    readonly store: DataStore,
    readonly stagingDir: string,
    readonly recorder: AccessRecorder,
    readonly vfs: SessionVfs,
    readonly git: GitInfo | null,
  ) {}

  get runId(): string {
    return this.record.runId;
  }

  /** Resolve the config, open the run and build its filesystem. Nothing is mounted here. */
  static async open(opts: OpenSessionOptions): Promise<Session> {
    const start = new Date();
    const settings = readSettings(opts.home);
    const cwd = opts.cwd ?? process.cwd();
    const configPath = resolve(cwd, opts.configFile);
    const initialGit = await gitInfo(cwd);
    const config = loadConfig(configPath, {
      start,
      user: settings.user,
      repoDir: initialGit?.repoDir ?? null,
      gitBranch: initialGit?.branch ?? null,
      gitTag: initialGit?.tag ?? null,
    }, configDefaults(settings));
    if (opts.needScript && config.script === null && config.scriptPath === null) {
      throw new UsageError(`${configPath} has no run_metadata.script or script_path, and no command was given`, {
        hint: 'add `script:` to run_metadata, or give the command: fairfs run CONFIG -- CMD ARGS…',
      });
    }
    const git = config.localRepo ? await gitInfo(config.localRepo) : initialGit;
    const registry = opts.registry ?? new Registry(opts.home.registryFile);
    const working = resolveConfig(config, registry, { strict: opts.strict ?? false });
    const creatingStore = config.writeDataStore !== null && !existsSync(config.writeDataStore);
    const store = new DataStore(config.writeDataStore ?? opts.home.dataStore);

    const configBytes = readFileSync(configPath);
    const runId = runIdFor(configBytes, start);
    const workingYaml = renderWorkingConfig(runId, working);
    const stored = store.putBytes(workingYaml, '.fairfs/configs', 'yaml');
    const record = registry.createRun({
      runId,
      uuid: uuidFor(runId),
      runDate: start.toISOString(),
      description: config.description || `fairfs run of ${configPath}`,
      configPath,
      workingConfig: workingYaml,
      modelConfig: { storageRoot: store.rootUrl, path: stored.path, hash: stored.hash, size: stored.size, extension: 'yaml' },
      command: opts.command ?? null,
      codeRepo: git ? (config.remoteRepo ?? git.remoteUrl ?? git.repoDir) : null,
      codeCommit: git?.commit ? `${git.commit}${git.dirty ? '-dirty' : ''}` : null,
      host: hostname(),
      user: settings.user,
      mountpoint: opts.mountpoint,
      pid: process.pid,
      remote: config.remoteDataRegistryUrl,
      configBytes,
    });

    // HDF5 components in .fair/catalog/ are rendered inside FUSE handlers, where nothing may wait,
    // so h5wasm (some tens of MB of WebAssembly heap) loads before mounting, and only when needed.
    if (registry.hasFileType(['h5', 'hdf5'])) await loadHdf5();
    // A read of one component shows that component as a file of its own, rendered once here (not in a FUSE handler).
    for (const read of working.reads) {
      if (read.component === 'whole_object') continue;
      read.content = componentBytes(read.storedFile, read.extension, read.component);
      read.size = read.content.length;
    }
    const stagingDir = resolve(opts.home.staging, runId);
    mkdirSync(stagingDir, { recursive: true });
    const recorder = new AccessRecorder(registry, runId);
    const vfs = new SessionVfs({
      runId,
      working,
      stagingDir,
      recorder,
      catalog: new Catalog(registry),
      control: {
        run: () => `${runId}\n`,
        status: () => `${registry.getSession(runId)?.status ?? 'running'}\n`,
        'config.yaml': () => workingYaml,
        // Journalled rows plus those still queued: reading the log never waits for a write lock.
        'log.jsonl': () =>
          [...registry.accesses(runId), ...recorder.pending()].map((a) => `${JSON.stringify(a)}\n`).join(''),
      },
    });
    const session = new Session(opts.home, registry, config, working, record, store, stagingDir, recorder, vfs, git);
    if (creatingStore) {
      const outside = !`${store.root}/`.startsWith(`${opts.home.root}/`);
      session.notices.push(`created the write_data_store ${store.root}${outside ? ` (outside ${opts.home.root})` : ''}: outputs of this run are stored there`);
    }
    return session;
  }
}

/** The working config as shown at `.fair/config.yaml` and stored with the run. */
export function renderWorkingConfig(runId: string, working: WorkingConfig): string {
  const doc = {
    run_id: runId,
    run_metadata: {
      description: working.description,
      source_config: working.sourceConfig,
      format: working.format,
      default_output_namespace: working.defaultOutputNamespace,
      undeclared_writes: working.undeclaredWrites,
      ...(working.remoteDataRegistryUrl ? { remote_data_registry_url: working.remoteDataRegistryUrl } : {}),
      ...(working.writeDataStore ? { write_data_store: working.writeDataStore } : {}),
    },
    read: working.reads.map((r) => ({
      data_product: r.alias,
      use: { namespace: r.namespace, data_product: r.name, version: r.version, ...(r.component !== 'whole_object' ? { component: r.component } : {}) },
      path: r.path,
      hash: r.hash,
    })),
    write: working.writes.map((w) => ({
      data_product: w.alias,
      use: { namespace: w.namespace, data_product: w.name, version: w.glob ? w.versionSpec : w.version },
      path: w.path,
      file_type: w.extension,
      ...(w.description ? { description: w.description } : {}),
    })),
  };
  return yaml.dump(doc, { lineWidth: 120 });
}

/** Give up a run that never served (its mount failed): mark it aborted, drop staging. */
export function discardSession(session: Session, reason: string): void {
  session.recorder.flush();
  session.registry.endSession(session.runId, 'aborted', null, reason);
  rmSync(session.stagingDir, { recursive: true, force: true });
}
