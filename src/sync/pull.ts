import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { extname, join } from 'node:path';
import { semver } from '../config/semver.js';
import type { RunConfig } from '../config/load.js';
import { versionExpression } from '../config/variables.js';
import { MissingDataError, RemoteDataError } from '../errors.js';
import type { Home } from '../home.js';
import { processTag, sweepDeadTagged } from '../processes.js';
import type { Registry } from '../registry/registry.js';
import { DataStore, type StoredFile } from '../store/store.js';
import { idOf, RegistryClient, type Record_ } from './client.js';
import type { TransferProgress } from './progress.js';
import type { Remote } from './remotes.js';

export interface PullReport {
  fetched: string[];
  skipped: string[];
  bytes: number;
}

interface Planned {
  label: string;
  namespace: string;
  name: string;
  version: string;
  dataProduct: Record_;
  object: Record_;
  hash: string;
  extension: string;
  /** Where the bytes may be fetched from, tried in order. */
  urls: string[];
  authors: { name: string; identifier: string | null; uuid: string }[];
  components: { name: string; description: string | null; url: string; whole: boolean }[];
}

const SHA1 = /^[0-9a-f]{40}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A storage path from a remote must stay inside our store once joined to its
 * root: relative, no `..`, no backslashes, no NUL.
 */
export function checkRemotePath(path: string): void {
  if (path === '' || path.startsWith('/') || /^[a-z]+:/i.test(path) || path.includes('\\') || path.includes('\0') || path.split('/').includes('..')) {
    throw new RemoteDataError(`the remote storage path ${JSON.stringify(path)} would escape the data store`, {
      hint: 'the remote registry holds a bad storage_location; ask its maintainers to fix it',
    });
  }
}

/**
 * Where the bytes of a remote storage location are fetched from, in order. An
 * http(s) root is fetched directly. A file:// root is a disk the remote
 * serves: by hash at `/data/<sha1>` (fairfs, and the real registry once the
 * file is in its object store), else through
 * `/data_product/<namespace>:<name>@<version>` (the real local registry).
 */
export function downloadUrls(root: string, path: string, hash: string, remoteBase: string, product: string): string[] {
  checkRemotePath(path);
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(root)?.[1]?.toLowerCase();
  if (scheme === 'http' || scheme === 'https') return [`${root}${root.endsWith('/') ? '' : '/'}${path}`];
  if (scheme === 'file') return [`${remoteBase}/data/${hash}`, `${remoteBase}/data_product/${product.split('/').map(encodeURIComponent).join('/')}`];
  throw new RemoteDataError(`the remote storage root ${root} uses an unsupported scheme`, { hint: 'fairfs fetches http(s) roots and files the registry serves itself' });
}

/**
 * Resolve the config's read items on the remote and copy each data product's
 * chain (namespace, file, object, components) into the local registry. Every
 * file is downloaded and verified first; then everything is registered in one
 * transaction, so a bad file registers nothing.
 */
export async function pull(opts: {
  registry: Registry;
  home: Home;
  config: RunConfig;
  remote: Remote;
  progress?: TransferProgress;
}): Promise<PullReport> {
  const { registry, config } = opts;
  const client = new RegistryClient(opts.remote.apiUrl, opts.remote.token, { idleTimeoutMs: opts.remote.idleTimeoutMs });
  const report: PullReport = { fetched: [], skipped: [], bytes: 0 };
  sweepPullStaging(opts.home);
  const staging = join(opts.home.staging, processTag(PULL_PREFIX, randomBytes(6).toString('hex')));
  const downloaded: { plan: Planned; file: string }[] = [];
  // Ctrl-C or a TERM mid-download: remove the partial files, then die of the signal as usual.
  const onSignal = (signal: NodeJS.Signals): void => {
    rmSync(staging, { recursive: true, force: true });
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const plans: Planned[] = [];
    for (const spec of pullableReads(config, registry)) {
      const [ns] = await client.list('namespace', { name: spec.namespace });
      if (!ns) throw new MissingDataError(`namespace ${spec.namespace} is not on ${opts.remote.apiUrl}`, { hint: 'check the namespace in the config, or the remote' });
      const products = await client.list('data_product', { namespace: idOf(ns.url), name: spec.name });
      const byName = new Map<string, Record_[]>();
      for (const p of products) byName.set(String(p.name), [...(byName.get(String(p.name)) ?? []), p]);
      if (byName.size === 0) {
        throw new MissingDataError(`${spec.namespace}:${spec.name} is not on ${opts.remote.apiUrl}`, { hint: 'check the data product name and namespace in the config' });
      }
      for (const [name, versions] of byName) {
        const chosen = chooseVersion(versions, spec.version);
        if (!chosen) throw new MissingDataError(`${spec.namespace}:${name}@${spec.version} is not on ${opts.remote.apiUrl}`, { hint: `it has ${versions.map((v) => v.version).join(', ')}` });
        const label = `${spec.namespace}:${name}@${String(chosen.version)}`;
        if (registry.findProduct(spec.namespace, name, String(chosen.version)) || plans.some((p) => p.label === label)) {
          report.skipped.push(label);
          continue;
        }
        plans.push(await plan(client, spec.namespace, name, chosen, label));
      }
    }
    mkdirSync(staging, { recursive: true });
    for (const p of plans) {
      const file = join(staging, `${downloaded.length}`);
      let actual: string | null = null;
      for (const url of p.urls) if ((actual = await client.downloadIfThere(url, file, opts.progress, p.label)) !== null) break;
      if (actual === null) {
        throw new MissingDataError(`${p.label}: the remote has its record but not its bytes (tried ${p.urls.join(', ')})`, {
          hint: 'nothing was registered; whoever pushed it may not have uploaded the file yet (`fairfs push` uploads pending files)',
        });
      }
      if (actual !== p.hash) {
        throw new RemoteDataError(`${p.label}: the downloaded file hashes to ${actual}, the registry says ${p.hash}`, {
          hint: 'nothing was registered; the remote copy is damaged or was replaced: tell its maintainers',
        });
      }
      downloaded.push({ plan: p, file });
    }
    const store = new DataStore(opts.home.dataStore);
    const stored: { p: Planned; file: StoredFile }[] = [];
    for (const { plan: p, file } of downloaded) {
      stored.push({ p, file: await store.put(file, p.namespace, p.name, p.extension, { move: true, knownHash: p.hash }) });
    }
    registry.transaction(() => {
      for (const { p, file } of stored) {
        const product = registry.registerProduct({
          namespace: p.namespace,
          name: p.name,
          version: p.version,
          description: (p.object.description as string | null) ?? null,
          file: { storageRoot: store.rootUrl, path: file.path, hash: file.hash, size: file.size, extension: p.extension },
          components: p.components.filter((c) => !c.whole).map((c) => ({ name: c.name, description: c.description })),
          objectUuid: String(p.object.uuid),
        });
        registry.linkAuthors(product.objectId, p.authors.map((a) => registry.ensureAuthor(a)));
        // Remember the remote twins so a later push links to them instead of copying.
        registry.setRemoteUrl(opts.remote.apiUrl, 'data_product', product.dataProductId, p.dataProduct.url);
        registry.setRemoteUrl(opts.remote.apiUrl, 'object', product.objectId, p.object.url);
        for (const c of p.components) {
          const local = product.componentIds.get(c.name);
          if (local !== undefined) registry.setRemoteUrl(opts.remote.apiUrl, 'object_component', local, c.url);
        }
        registry.journal(opts.remote.apiUrl, 'pull', `data_product ${p.label}`);
        report.fetched.push(p.label);
        report.bytes += file.size;
      }
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    rmSync(staging, { recursive: true, force: true });
    await client.close();
  }
  return report;
}

const PULL_PREFIX = 'pull-';

/** Remove the download folders of pulls whose process is provably dead (a SIGKILL leaves them). Returns how many. */
export const sweepPullStaging = (home: Home): number => sweepDeadTagged(home.staging, PULL_PREFIX);

/** Read items that need the remote: all but explicit versions already registered here. */
export function pullableReads(config: RunConfig, registry: Registry): RunConfig['reads'] {
  return config.reads.filter(
    (r) => r.name.includes('*') || versionExpression(r.version) !== null || !registry.findProduct(r.namespace, r.name, r.version),
  );
}

function chooseVersion(versions: Record_[], spec: string): Record_ | undefined {
  if (!versionExpression(spec)) return versions.find((v) => v.version === spec);
  const valid = versions.filter((v) => semver.valid(String(v.version)));
  return valid.sort((a, b) => semver.rcompare(String(a.version), String(b.version)))[0];
}

async function plan(client: RegistryClient, namespace: string, name: string, dp: Record_, label: string): Promise<Planned> {
  const object = await client.get(String(dp.object));
  if (!object.storage_location) throw new RemoteDataError(`${label} has no stored file on the remote`, { hint: 'it cannot be pulled' });
  const location = await client.get(String(object.storage_location));
  const root = await client.get(String(location.storage_root));
  const hash = String(location.hash);
  if (!SHA1.test(hash)) throw new RemoteDataError(`${label}: the remote hash ${hash} is not a SHA-1`);
  const path = String(location.path);
  const urls = downloadUrls(String(root.root), path, hash, client.base, `${namespace}:${name}@${String(dp.version)}`);
  const fileType = object.file_type ? await client.get(String(object.file_type)) : null;
  const extension = String(fileType?.extension ?? extname(path).replace(/^\./, ''));
  if (!/^[A-Za-z0-9_+-]*$/.test(extension)) throw new RemoteDataError(`${label}: odd file extension ${JSON.stringify(extension)}`);
  const components = (await client.list('object_component', { object: idOf(object.url) })).map((c) => ({
    name: String(c.name),
    description: (c.description as string | null) ?? null,
    url: c.url,
    whole: c.whole_object === true,
  }));
  const authors = [];
  for (const url of Array.isArray(object.authors) ? object.authors : []) {
    const a = await client.get(String(url));
    if (typeof a.uuid !== 'string' || !UUID.test(a.uuid)) throw new RemoteDataError(`${label}: author ${a.url} has no valid uuid`);
    const name = typeof a.name === 'string' && a.name ? a.name : typeof a.identifier === 'string' ? a.identifier : null;
    if (!name) throw new RemoteDataError(`${label}: author ${a.url} has neither name nor identifier`);
    authors.push({ name, identifier: typeof a.identifier === 'string' ? a.identifier : null, uuid: a.uuid.toLowerCase() });
  }
  return { label, namespace, name, version: String(dp.version), dataProduct: dp, object, hash, extension, urls, authors, components };
}
