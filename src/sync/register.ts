import { randomBytes, randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { semver } from '../config/semver.js';
import type { RunConfig } from '../config/load.js';
import type { ObjectItem } from '../config/register-items.js';
import { versionExpression } from '../config/variables.js';
import { resolveWriteVersion } from '../config/versions.js';
import { renderKeyPath } from '../config/yaml-source.js';
import { MissingDataError, RemoteDataError } from '../errors.js';
import type { Home } from '../home.js';
import type { Registry } from '../registry/registry.js';
import { sha1File } from '../store/hash.js';
import { DataStore } from '../store/store.js';
import { RegistryClient } from './client.js';

export interface RegisterReport {
  registered: string[];
  skipped: string[];
  namespaces: string[];
}

/**
 * The config's `register:` items (checked when the config loaded): namespaces,
 * authors, and external objects / data products fetched from `root` + `path`
 * (a folder, file:// or http(s)), hashed, stored and registered locally.
 * Products already registered are skipped.
 */
export async function registerItems(opts: { registry: Registry; home: Home; config: RunConfig }): Promise<RegisterReport> {
  const { registry } = opts;
  const report: RegisterReport = { registered: [], skipped: [], namespaces: [] };
  const staging = join(opts.home.staging, `register-${randomBytes(6).toString('hex')}`);
  const client = new RegistryClient('http://unused/api/', null);
  try {
    for (const [i, item] of opts.config.register.entries()) {
      if (item.kind === 'author') {
        registry.ensureAuthor({ name: item.name, identifier: item.identifier, uuid: randomUUID() });
        continue;
      }
      if (item.kind === 'namespace') {
        registry.upsertNamespace(item.name, item.fullName, item.website);
        report.namespaces.push(item.name);
        continue;
      }
      const label = await registerObject(opts, item, join(staging, String(i)), client);
      if (label.skipped) report.skipped.push(label.product);
      else report.registered.push(label.product);
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
    await client.close();
  }
  return report;
}

async function registerObject(
  opts: { registry: Registry; home: Home },
  item: ObjectItem,
  tmp: string,
  client: RegistryClient,
): Promise<{ product: string; skipped: boolean }> {
  const { registry } = opts;
  const { namespace, name } = item;
  registry.upsertNamespace(namespace, item.namespaceFullName, item.namespaceWebsite);
  const explicit = versionExpression(item.version) === null;
  if (explicit && registry.findProduct(namespace, name, item.version)) return { product: `${namespace}:${name}@${item.version}`, skipped: true };

  mkdirSync(dirname(tmp), { recursive: true });
  let hash: string;
  if (item.scheme === 'file') {
    const file = fileURLToPath(item.source);
    if (!existsSync(file)) {
      throw new MissingDataError(`${namespace}:${name}: ${file} does not exist (${renderKeyPath(item.at)})`, { hint: 'check root: and path: of the register item' });
    }
    copyFileSync(file, tmp);
    hash = await sha1File(tmp);
  } else {
    hash = await client.download(item.source, tmp);
  }
  const latest = explicit ? null : registry.versions(namespace, name).sort(semver.rcompare)[0];
  if (latest && registry.findProduct(namespace, name, latest)?.hash === hash) {
    // Same bytes as the newest version: nothing new to register.
    return { product: `${namespace}:${name}@${latest}`, skipped: true };
  }
  const extension = item.fileType ?? (extname(new URL(item.source).pathname).replace(/^\./, '') || 'bin');
  if (!/^[A-Za-z0-9_+-]+$/.test(extension)) throw new RemoteDataError(`odd file type ${JSON.stringify(extension)} for ${name}`);
  const store = new DataStore(opts.home.dataStore);
  const file = await store.put(tmp, namespace, name, extension, { move: true, knownHash: hash });
  const product = registry.transaction(() => {
    const version = resolveWriteVersion(item.version, registry.versions(namespace, name));
    const registered = registry.registerProduct({
      namespace,
      name,
      version,
      description: item.description,
      file: { storageRoot: store.rootUrl, path: file.path, hash: file.hash, size: file.size, extension, public: item.public },
    });
    registry.linkAuthors(
      registered.objectId,
      item.authors.map((identifier) => registry.ensureAuthor({ name: identifier, identifier, uuid: randomUUID() })),
    );
    if (item.external) {
      registry.addExternalObject(registered.dataProductId, {
        identifier: item.identifier,
        alternateIdentifier: item.alternateIdentifier,
        alternateIdentifierType: item.alternateIdentifierType,
        title: item.title ?? name,
        description: item.description,
        releaseDate: item.releaseDate,
        primary: item.primary,
        version,
        originalStore: { storageRoot: item.root, path: item.path, hash: file.hash, size: file.size, extension, public: true },
      });
    }
    return `${namespace}:${name}@${version}`;
  });
  return { product, skipped: false };
}
