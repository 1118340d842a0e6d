import { lstatSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { ConfigError, DataConflictError, MissingDataError } from '../../errors.js';
import type { NewProduct } from '../../registry/registry.js';
import { componentsOf } from '../../store/components.js';
import { DataStore, extensionOf } from '../../store/store.js';
import { openHome, type GlobalOptions } from '../context.js';
import { info } from '../output.js';
import { formatRef, parseProductRef, type ProductRef } from '../product-ref.js';
import { countProgress } from '../progress.js';

/** One file to register and the product it becomes. */
interface Entry {
  source: string;
  ref: ProductRef;
}

/**
 * `fairfs add FILE NS:NAME@VERSION` registers one file; `fairfs add DIR
 * NS:PREFIX@VERSION` registers every regular file under DIR as
 * NS:PREFIX/<path without extension>@VERSION, in one process and one
 * transaction: all of them or none.
 */
export default async function add(g: GlobalOptions, path: string, product: string, o: { description?: string }): Promise<number> {
  const ref = parseProductRef(product);
  const root = resolve(path);
  const entries = filesToAdd(path, root, ref);
  const { home, registry } = openHome(g);
  const taken = entries.filter((e) => registry.findProduct(e.ref.namespace, e.ref.name, e.ref.version));
  if (taken.length > 0) {
    const names = taken.slice(0, 5).map((e) => formatRef(e.ref)).join(', ');
    throw new DataConflictError(`${names}${taken.length > 5 ? ` and ${taken.length - 5} more` : ''} ${taken.length === 1 ? 'is' : 'are'} already registered`, {
      hint: 'registered data is immutable: register the files under a new version',
    });
  }
  const store = new DataStore(home.dataStore);
  const progress = entries.length > 1 ? countProgress('registering', entries.length) : undefined;
  const products: NewProduct[] = [];
  let bytes = 0;
  try {
    for (const e of entries) {
      const extension = extensionOf(e.source);
      const parsed = await componentsOf(e.source, extension);
      if (parsed && !parsed.ok) {
        throw new ConfigError(`${relative(process.cwd(), e.source) || e.source} ${parsed.error}`, {
          hint: 'fix the file, or register it under another extension to keep it as an opaque object',
        });
      }
      const stored = await store.put(e.source, e.ref.namespace, e.ref.name, extension, { move: false });
      bytes += stored.size;
      products.push({
        ...e.ref,
        description: o.description ?? null,
        file: { storageRoot: store.rootUrl, path: stored.path, hash: stored.hash, size: stored.size, extension },
        components: parsed?.components ?? [],
      });
      progress?.advance(1);
    }
  } finally {
    progress?.stop();
  }
  const registered = registry.transaction(() => products.map((p) => registry.registerProduct(p)));
  if (registered.length === 1) {
    const p = products[0]!;
    const named = p.components?.length ? `; components ${p.components.map((c) => c.name).join(', ')}` : '';
    info(`registered ${formatRef(p)} (sha1 ${p.file.hash}, ${p.file.size} bytes${named})`);
  } else {
    info(`registered ${registered.length} data products as ${ref.namespace}:${ref.name}/…@${ref.version} (${bytes} bytes) from ${path}`);
  }
  return 0;
}

/** The file, or every regular file under the folder with the product each becomes. */
function filesToAdd(given: string, root: string, ref: ProductRef): Entry[] {
  let stat;
  try {
    stat = lstatSync(root);
  } catch {
    throw new MissingDataError(`${given} does not exist`, { hint: 'give the path of the file (or folder of files) to register' });
  }
  if (stat.isFile()) return [{ source: root, ref }];
  if (!stat.isDirectory()) throw new MissingDataError(`${given} is not a regular file or a folder`, { hint: 'give the path of the file (or folder of files) to register' });
  const entries: Entry[] = [];
  const byName = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const d of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = join(dir, d.name);
      // Symbolic links are not followed: what is registered is what lies in the folder.
      if (d.isDirectory()) walk(full);
      else if (d.isFile()) {
        const rel = relative(root, full);
        const ext = extensionOf(rel);
        const name = `${ref.name}/${ext ? rel.slice(0, -(ext.length + 1)) : rel}`;
        const clash = byName.get(name);
        if (clash) {
          throw new ConfigError(`${clash} and ${rel} would both be ${ref.namespace}:${name}@${ref.version}`, {
            hint: 'a data product has one file: rename one of them, or register them separately',
          });
        }
        byName.set(name, rel);
        entries.push({ source: full, ref: { ...ref, name } });
      }
    }
  };
  walk(root);
  if (entries.length === 0) throw new MissingDataError(`${given} holds no files`, { hint: 'give a folder with the files to register' });
  return entries;
}
