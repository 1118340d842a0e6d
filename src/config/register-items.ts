import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { KeyPath } from './yaml-source.js';

/*
 * A config's `register:` items, checked when the config loads, so that `run`,
 * `mount` and `pull` refuse a bad item alike, with its file, line and key.
 * Fetching and registering them is sync/register.ts's job.
 */

export type RegisterItem = NamespaceItem | AuthorItem | ObjectItem;

export interface NamespaceItem {
  kind: 'namespace';
  name: string;
  fullName: string | null;
  website: string | null;
  at: KeyPath;
}

/** FAIR-CLI's author item: a local label, a name and an identifier URL. */
export interface AuthorItem {
  kind: 'author';
  name: string;
  identifier: string | null;
  at: KeyPath;
}

/** An external object or data product fetched from root + path. */
export interface ObjectItem {
  kind: 'object';
  external: boolean;
  name: string;
  namespace: string;
  namespaceFullName: string | null;
  namespaceWebsite: string | null;
  /** The root as given (recorded as the external object's original store) and the full source URL. */
  root: string;
  path: string;
  source: string;
  scheme: 'file' | 'http' | 'https';
  /** A semver or a version expression. */
  version: string;
  fileType: string | null;
  title: string | null;
  description: string | null;
  identifier: string | null;
  alternateIdentifier: string | null;
  alternateIdentifierType: string | null;
  releaseDate: string | null;
  primary: boolean;
  public: boolean;
  /** Identifier URLs of the object's authors. */
  authors: string[];
  at: KeyPath;
}

const ITEM_KEYS = [
  'external_object', 'data_product', 'namespace', 'namespace_name', 'namespace_full_name', 'namespace_website', 'full_name', 'website',
  'root', 'path', 'title', 'description', 'identifier', 'unique_name', 'alternate_identifier', 'alternate_identifier_type',
  'file_type', 'release_date', 'version', 'primary', 'public', 'accessibility', 'authors', 'use', 'author', 'name',
];
const USE_KEYS = ['namespace', 'data_product', 'version'];

const URL_RE = /^https?:\/\/\S+$/;

/** What parsing needs from the config loader: its checks, which fail with the exact position. */
export interface ItemChecks {
  keys(map: Record<string, unknown>, at: KeyPath, allowed: readonly string[]): void;
  mapping(value: unknown, at: KeyPath, what: string): Record<string, unknown>;
  optionalString(value: unknown, at: KeyPath): string | null;
  optionalBoolean(value: unknown, at: KeyPath): boolean | null;
  version(value: unknown, at: KeyPath): string;
  fail(at: KeyPath, message: string, hint: string): never;
}

export function parseRegisterItems(items: unknown[], checks: ItemChecks, ctx: { configDir: string; defaultNamespace: string | null }): RegisterItem[] {
  return items.map((raw, i) => {
    const at: KeyPath = ['register', i];
    const item = checks.mapping(raw, at, 'a register item');
    checks.keys(item, at, ITEM_KEYS);
    const str = (key: string, from: Record<string, unknown> = item, base: KeyPath = at): string | null => checks.optionalString(from[key], [...base, key]);
    if (item.author !== undefined) {
      const identifier = str('identifier');
      if (identifier !== null && !URL_RE.test(identifier)) checks.fail([...at, 'identifier'], `author identifier ${identifier} is not a URL`, 'give an ORCID or ROR URL');
      return { kind: 'author', name: str('name') ?? identifier ?? str('author')!, identifier, at };
    }
    if (item.external_object === undefined && item.data_product === undefined) {
      const name = str('namespace');
      if (!name) checks.fail(at, 'a register item needs external_object:, data_product:, namespace: or author:', 'name what it registers');
      return { kind: 'namespace', name, fullName: str('full_name'), website: str('website'), at };
    }
    const external = item.external_object !== undefined;
    const name = str(external ? 'external_object' : 'data_product')!;
    if (!name) checks.fail([...at, external ? 'external_object' : 'data_product'], 'a name is required here', 'give the product a name');
    const use = item.use === undefined ? {} : checks.mapping(item.use, [...at, 'use'], 'use');
    checks.keys(use, [...at, 'use'], USE_KEYS);
    // `namespace:` on an object item means what `namespace_name:` does (FAIR-CLI accepts both), as does use.namespace.
    const namespace = str('namespace_name') ?? str('namespace') ?? str('namespace', use, [...at, 'use']) ?? ctx.defaultNamespace;
    if (!namespace) checks.fail(at, `no namespace for ${name}`, 'add namespace_name: or run_metadata.default_input_namespace');
    const rootGiven = str('root');
    if (!rootGiven) checks.fail([...at, 'root'], `${name} has no root`, 'give the URL or folder the data comes from as root:, and the rest as path:');
    // A root with no scheme is a folder on this machine (FAIR-CLI takes local paths), relative to the config.
    const hasScheme = /^[a-z][a-z0-9+.-]*:/i.test(rootGiven);
    const root = hasScheme ? rootGiven : `${pathToFileURL(isAbsolute(rootGiven) ? rootGiven : resolve(ctx.configDir, rootGiven)).href}/`;
    const path = str('path') ?? '';
    const source = `${root}${root.endsWith('/') || path === '' || path.startsWith('/') ? '' : '/'}${path}`;
    const scheme = /^([a-z]+):/i.exec(source)?.[1]?.toLowerCase();
    if (scheme !== 'file' && scheme !== 'http' && scheme !== 'https') {
      checks.fail([...at, 'root'], `${source} is neither a folder, file:// nor http(s)://`, 'fetch the data yourself and `fairfs add` it');
    }
    const fileType = str('file_type');
    if (fileType !== null && !/^[A-Za-z0-9_+-]+$/.test(fileType.replace(/^\./, ''))) checks.fail([...at, 'file_type'], `file type ${fileType} is not an extension`, 'e.g. file_type: csv');
    const versionValue = item.version ?? str('version', use, [...at, 'use']) ?? '${{PATCH}}';
    return {
      kind: 'object',
      external,
      name,
      namespace,
      namespaceFullName: str('namespace_full_name'),
      namespaceWebsite: str('namespace_website'),
      root: rootGiven,
      path,
      source,
      scheme,
      version: checks.version(versionValue, [...at, 'version']),
      fileType: fileType?.replace(/^\./, '') ?? null,
      title: str('title'),
      description: str('description'),
      identifier: str('identifier'),
      alternateIdentifier: str('alternate_identifier') ?? str('unique_name'),
      alternateIdentifierType: str('alternate_identifier_type') ?? (str('unique_name') ? 'unique_name' : null),
      releaseDate: str('release_date'),
      primary: checks.optionalBoolean(item.primary, [...at, 'primary']) ?? true,
      public: checks.optionalBoolean(item.public, [...at, 'public']) ?? true,
      authors: authorList(item.authors, (message) => checks.fail([...at, 'authors'], message, 'list identifier URLs (ORCID, ROR, GitHub), one per line')),
      at,
    } satisfies ObjectItem;
  });
}

/** A register item's `authors`: identifier URLs as a YAML list or one per line of a block string. */
function authorList(value: unknown, fail: (message: string) => never): string[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/\s+/).filter(Boolean) : fail('authors must be a list of identifier URLs');
  return list.map((a) => {
    if (typeof a !== 'string' || !URL_RE.test(a.trim())) fail(`author ${JSON.stringify(a)} is not an identifier URL`);
    return a.trim();
  });
}
