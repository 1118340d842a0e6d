import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { ConfigError, DataConflictError, MissingDataError } from '../errors.js';
import type { ProductRecord, Registry } from '../registry/registry.js';
import { extensionOf } from '../store/store.js';
import type { RunConfig, UndeclaredWrites, WriteSpec } from './load.js';
import { versionExpression } from './variables.js';
import { highestVersion, resolveWriteVersion } from './versions.js';
import { renderKeyPath } from './yaml-source.js';

/** An input as the mount serves it. */
export interface ResolvedRead {
  alias: string;
  namespace: string;
  name: string;
  version: string;
  path: string;
  dataProductId: number;
  wholeComponentId: number;
  hash: string;
  size: number;
  storedFile: string;
  registeredAt: string;
  /** The component the path shows: `whole_object`, or one table/array of a core-format file. */
  component: string;
  /** The product's file extension (which renders a component: toml as TOML, HDF5 as CSV). */
  extension: string;
  /** A component read's bytes, rendered by the session before mounting (size is then theirs). */
  content?: Buffer;
}

/** What a component read appears as: a TOML table stays TOML, an HDF5 array or table becomes CSV. */
export const componentExtension = (extension: string): string | null =>
  extension === 'toml' ? 'toml' : extension === 'h5' || extension === 'hdf5' ? 'csv' : null;

/** An output slot: a fixed mount path, or a glob that outputs may match. */
export interface ResolvedWrite {
  alias: string;
  namespace: string;
  name: string;
  /** Exact version when known now; for expressions, the version it would get now (re-resolved at finalise). */
  version: string;
  versionSpec: string;
  path: string;
  glob: RegExp | null;
  extension: string;
  description: string | null;
  public: boolean;
}

/** The resolved config: every alias → exact namespace/name/version/path (DESIGN §3). */
export interface WorkingConfig {
  description: string;
  format: RunConfig['format'];
  sourceConfig: string;
  defaultOutputNamespace: string | null;
  writeDataStore: string | null;
  remoteDataRegistryUrl: string | null;
  undeclaredWrites: UndeclaredWrites;
  reads: ResolvedRead[];
  writes: ResolvedWrite[];
}

export function storedFilePath(product: Pick<ProductRecord, 'storageRoot' | 'path'>): string {
  const root = product.storageRoot.startsWith('file://') ? fileURLToPath(product.storageRoot) : product.storageRoot;
  return join(root, product.path);
}

/**
 * Resolve a config against the local registry. Nothing is mounted if any read
 * is missing or any explicit write version already exists (DESIGN §4.1).
 */
export function resolveConfig(config: RunConfig, registry: Registry, opts: { strict?: boolean } = {}): WorkingConfig {
  const reads: ResolvedRead[] = [];
  for (const spec of config.reads) {
    const names = spec.name.includes('*') ? registry.productNames(spec.namespace, spec.name) : [spec.name];
    if (names.length === 0) {
      throw new MissingDataError(`no data product in the local registry matches ${spec.namespace}:${spec.name} (${renderKeyPath(spec.at)})`, {
        hint: `run \`fairfs pull ${config.file}\` to fetch it, or register a file with \`fairfs add FILE ${spec.namespace}:NAME@VERSION\``,
      });
    }
    for (const name of names) {
      const product = findReadVersion(registry, spec.namespace, name, spec.version, config.file);
      const storedFile = storedFilePath(product);
      if (!existsSync(storedFile)) {
        throw new MissingDataError(`${spec.namespace}:${name}@${product.version} is registered but its file ${storedFile} is missing from the data store`, {
          hint: `run \`fairfs pull ${config.file}\` to fetch it again`,
        });
      }
      const alias = spec.name.includes('*') ? name : spec.alias;
      const component = spec.component ?? 'whole_object';
      if (component !== 'whole_object') checkComponent(registry, product, component, spec);
      const shown = component === 'whole_object' ? product.extension : componentExtension(product.extension);
      const ext = shown ? `.${shown}` : '';
      reads.push({
        alias,
        namespace: spec.namespace,
        name,
        version: product.version,
        path: spec.path && !spec.name.includes('*') ? spec.path : `${alias}${ext}`,
        dataProductId: product.id,
        wholeComponentId: product.wholeComponentId,
        hash: product.hash,
        size: product.size,
        storedFile,
        registeredAt: product.lastUpdated,
        component,
        extension: product.extension,
      });
    }
  }

  const writes = config.writes.map((spec) => resolveWrite(spec, registry));
  const working: WorkingConfig = {
    description: config.description,
    format: config.format,
    sourceConfig: config.file,
    defaultOutputNamespace: config.defaultOutputNamespace,
    writeDataStore: config.writeDataStore,
    remoteDataRegistryUrl: config.remoteDataRegistryUrl,
    undeclaredWrites: opts.strict ? 'reject' : config.undeclaredWrites,
    reads,
    writes,
  };
  checkPathClashes(working, config);
  return working;
}

function findReadVersion(registry: Registry, namespace: string, name: string, versionSpec: string, configFile: string): ProductRecord {
  const expression = versionExpression(versionSpec);
  const hint = `run \`fairfs pull ${configFile}\` to fetch it from the remote registry, or \`fairfs add FILE ${namespace}:${name}@VERSION\` to register a local file`;
  if (!expression) {
    const product = registry.findProduct(namespace, name, versionSpec);
    if (!product) {
      const others = registry.versions(namespace, name);
      throw new MissingDataError(
        `${namespace}:${name}@${versionSpec} is not in the local registry` +
          (others.length ? ` (it has ${others.join(', ')})` : ''),
        { hint },
      );
    }
    return product;
  }
  const latest = highestVersion(registry.versions(namespace, name));
  if (!latest) throw new MissingDataError(`${namespace}:${name} has no version in the local registry`, { hint });
  // MAJOR/MINOR/PATCH on a read mean "the latest" too: there is nothing to bump.
  return registry.findProduct(namespace, name, latest)!;
}

function resolveWrite(spec: WriteSpec, registry: Registry): ResolvedWrite {
  const path = spec.path ?? `${spec.alias}${spec.fileType ? `.${spec.fileType}` : ''}`;
  const isGlob = path.includes('*') || spec.name.includes('*');
  const extension = spec.fileType ?? extensionOf(path.replace(/\*/g, 'x'));
  let version = spec.version;
  if (!isGlob) {
    const existing = registry.versions(spec.namespace, spec.name);
    if (!versionExpression(spec.version) && existing.includes(spec.version)) {
      throw new DataConflictError(`${spec.namespace}:${spec.name}@${spec.version} already exists; registered data is immutable`, {
        hint: 'give the write item a new version, or use a version expression such as ${{PATCH}} to take the next free one',
      });
    }
    version = resolveWriteVersion(spec.version, existing);
  }
  return {
    alias: spec.alias,
    namespace: spec.namespace,
    name: spec.name,
    version,
    versionSpec: spec.version,
    path,
    glob: isGlob ? globToRegExp(path) : null,
    extension,
    description: spec.description,
    public: spec.public,
  };
}

/** The write item a mount path belongs to: its exact path, or the first glob it matches. */
export function matchWrite(writes: readonly ResolvedWrite[], path: string): ResolvedWrite | undefined {
  // Write items are relative to the mount root; the filesystem asks with absolute mount paths.
  const rel = path.replace(/^\/+/, '');
  return writes.find((w) => (w.glob ? w.glob.test(rel) : w.path === rel));
}

/** `outputs/run_*.txt` → a RegExp over mount paths; `*` stays inside one path segment. */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('([^/]*)');
  return new RegExp(`^${body}$`);
}

function checkPathClashes(working: WorkingConfig, config: RunConfig): void {
  const seen = new Map<string, string>();
  const items = [...working.reads.map((r) => [r.path, r.alias] as const), ...working.writes.filter((w) => !w.glob).map((w) => [w.path, w.alias] as const)];
  for (const [path, alias] of items) {
    const other = seen.get(path);
    if (other !== undefined) {
      throw new ConfigError(`${alias} and ${other} both appear at ${path} in the mount`, {
        position: config.source.position([]),
        hint: 'give one of them a different `path:`',
      });
    }
    seen.set(path, alias);
  }
}

/** A read of one component needs a core-format product that has it. */
function checkComponent(registry: Registry, product: ProductRecord, component: string, spec: RunConfig['reads'][number]): void {
  const label = `${product.namespace}:${product.name}@${product.version}`;
  if (componentExtension(product.extension) === null) {
    throw new ConfigError(`${label} is a .${product.extension} file: only TOML and HDF5 products have components to read`, {
      key: renderKeyPath([...spec.at, 'component']),
      hint: 'drop component: to read the whole file',
    });
  }
  if (registry.componentIdFor(product.id, component) === undefined) {
    const names = registry.components(product.objectId).filter((c) => !c.wholeObject).map((c) => c.name);
    throw new MissingDataError(`${label} has no component ${component} (${renderKeyPath(spec.at)})`, {
      hint: names.length ? `its components: ${names.join(', ')}` : 'it has no components; read the whole object',
    });
  }
}
