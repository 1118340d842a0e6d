import { randomBytes, randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import type { RunConfig } from '../config/load.js';
import { versionExpression } from '../config/variables.js';
import { resolveWriteVersion } from '../config/versions.js';
import { renderKeyPath } from '../config/yaml-source.js';
import { ConfigError, RemoteDataError } from '../errors.js';
import { authorUuidFor } from '../formats/fair-ids.js';
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

type Item = Record<string, unknown>;

const ITEM_KEYS = new Set([
  'external_object', 'data_product', 'namespace', 'namespace_name', 'namespace_full_name', 'namespace_website', 'full_name', 'website',
  'root', 'path', 'title', 'description', 'identifier', 'unique_name', 'alternate_identifier', 'alternate_identifier_type',
  'file_type', 'release_date', 'version', 'primary', 'public', 'accessibility', 'authors', 'use', 'author', 'name',
]);

/**
 * The config's `register:` items: namespaces, and external objects / data
 * products fetched from `root` + `path` (file:// or http(s)), hashed, stored
 * and registered locally. Products already registered are skipped.
 */
export async function registerItems(opts: { registry: Registry; home: Home; config: RunConfig }): Promise<RegisterReport> {
  const { registry, config } = opts;
  const report: RegisterReport = { registered: [], skipped: [], namespaces: [] };
  const fail = (i: number, key: string, message: string, hint: string): never => {
    throw new ConfigError(message, { position: config.source.position(['register', i, key]), key: renderKeyPath(['register', i, key]), hint });
  };
  const str = (item: Item, key: string): string | null => (item[key] === undefined || item[key] === null ? null : String(item[key]));
  const staging = join(opts.home.staging, `register-${randomBytes(6).toString('hex')}`);
  const client = new RegistryClient('http://unused/api/', null);
  try {
    for (const [i, raw] of config.register.entries()) {
      const item = raw as Item;
      for (const key of Object.keys(item)) if (!ITEM_KEYS.has(key)) fail(i, key, `unknown key ${key} in a register item`, `allowed: ${[...ITEM_KEYS].join(', ')}`);
      if (item.author !== undefined) {
        // FAIR-CLI's author item: a local label, a name and an identifier URL.
        const identifier = str(item, 'identifier');
        if (identifier !== null && !/^https?:\/\/\S+$/.test(identifier)) fail(i, 'identifier', `author identifier ${identifier} is not a URL`, 'give an ORCID or ROR URL');
        registry.ensureAuthor({ name: str(item, 'name') ?? identifier ?? String(item.author), identifier, uuid: identifier ? authorUuidFor(identifier) : randomUUID() });
        continue;
      }
      if (item.namespace !== undefined && item.external_object === undefined && item.data_product === undefined) {
        registry.upsertNamespace(String(item.namespace), str(item, 'full_name'), str(item, 'website'));
        report.namespaces.push(String(item.namespace));
        continue;
      }
      const external = item.external_object !== undefined;
      const name = str(item, external ? 'external_object' : 'data_product');
      if (!name) fail(i, 'data_product', 'a register item needs external_object:, data_product: or namespace:', 'name what it registers');
      const use = item.use === undefined ? {} : (item.use as Item);
      if (typeof use !== 'object' || use === null || Array.isArray(use)) fail(i, 'use', 'use must be a mapping', 'e.g. use: {namespace: PSU}');
      // `namespace:` on an object item means what `namespace_name:` does (FAIR-CLI accepts both), as does use.namespace.
      const namespace = str(item, 'namespace_name') ?? str(item, 'namespace') ?? str(use, 'namespace') ?? config.defaultInputNamespace;
      const authors = authorList(item.authors, (message) => fail(i, 'authors', message, 'list identifier URLs (ORCID, ROR, GitHub), one per line'));
      if (!namespace) fail(i, 'namespace_name', `no namespace for ${name}`, 'add namespace_name: or run_metadata.default_input_namespace');
      const root = str(item, 'root');
      const path = str(item, 'path') ?? '';
      if (!root) fail(i, 'root', `${name} has no root`, 'give the URL or file:// folder the data comes from as root:, and the rest as path:');
      const source = `${root}${path}`;
      const scheme = /^([a-z]+):/i.exec(source)?.[1]?.toLowerCase();
      if (scheme !== 'file' && scheme !== 'http' && scheme !== 'https') fail(i, 'root', `${source} is neither file:// nor http(s)://`, 'fetch the data yourself and `fairfs add` it');
      const versionSpec = str(item, 'version') ?? '${{PATCH}}';
      if (!versionExpression(versionSpec) && !semver.valid(versionSpec)) fail(i, 'version', `version ${versionSpec} is not a semantic version`, 'write e.g. 0.1.0');
      registry.upsertNamespace(namespace!, str(item, 'namespace_full_name'), str(item, 'namespace_website'));
      const explicit = versionExpression(versionSpec) === null;
      if (explicit && registry.findProduct(namespace!, name!, versionSpec)) {
        report.skipped.push(`${namespace}:${name}@${versionSpec}`);
        continue;
      }

      mkdirSync(staging, { recursive: true });
      const tmp = join(staging, String(i));
      let hash: string;
      if (scheme === 'file') {
        copyFileSync(fileURLToPath(source), tmp);
        hash = await sha1File(tmp);
      } else {
        hash = await client.download(source, tmp);
      }
      const latest = explicit ? null : registry.versions(namespace!, name!).sort(semver.rcompare)[0];
      if (latest && registry.findProduct(namespace!, name!, latest)?.hash === hash) {
        // Same bytes as the newest version: nothing new to register.
        report.skipped.push(`${namespace}:${name}@${latest}`);
        continue;
      }
      const extension = str(item, 'file_type') ?? (extname(new URL(source).pathname).replace(/^\./, '') || 'bin');
      if (!/^[A-Za-z0-9_+-]+$/.test(extension)) throw new RemoteDataError(`odd file type ${JSON.stringify(extension)} for ${name}`);
      const store = new DataStore(opts.home.dataStore);
      const file = await store.put(tmp, namespace!, name!, extension, { move: true, knownHash: hash });
      const label = registry.transaction(() => {
        const version = resolveWriteVersion(versionSpec, registry.versions(namespace!, name!));
        const product = registry.registerProduct({
          namespace: namespace!,
          name: name!,
          version,
          description: str(item, 'description'),
          file: { storageRoot: store.rootUrl, path: file.path, hash: file.hash, size: file.size, extension, public: item.public !== false },
        });
        registry.linkAuthors(
          product.objectId,
          authors.map((identifier) => registry.ensureAuthor({ name: identifier, identifier, uuid: authorUuidFor(identifier) })),
        );
        if (external) {
          registry.addExternalObject(product.dataProductId, {
            identifier: str(item, 'identifier'),
            alternateIdentifier: str(item, 'alternate_identifier') ?? str(item, 'unique_name'),
            alternateIdentifierType: str(item, 'alternate_identifier_type') ?? (str(item, 'unique_name') ? 'unique_name' : null),
            title: str(item, 'title') ?? name!,
            description: str(item, 'description'),
            releaseDate: str(item, 'release_date'),
            primary: item.primary !== false && item.primary !== 'False' && item.primary !== 'false',
            version,
            originalStore: { storageRoot: root!, path, hash: file.hash, size: file.size, extension, public: true },
          });
        }
        return `${namespace}:${name}@${version}`;
      });
      report.registered.push(label);
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
    await client.close();
  }
  return report;
}

/** A register item's `authors`: identifier URLs as a YAML list or one per line of a block string. */
function authorList(value: unknown, fail: (message: string) => never): string[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/\s+/).filter(Boolean) : fail('authors must be a list of identifier URLs');
  return list.map((a) => {
    if (typeof a !== 'string' || !/^https?:\/\/\S+$/.test(a.trim())) fail(`author ${JSON.stringify(a)} is not an identifier URL`);
    return a.trim();
  });
}
