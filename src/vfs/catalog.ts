import { openSync } from 'node:fs';
import { storedFilePath } from '../config/resolve.js';
import { MountRefusal } from '../errors.js';
import { componentBytes, isHdf5 } from '../store/components.js';
import { hdf5Loaded } from '../store/hdf5.js';
import { highestVersion } from '../config/versions.js';
import type { ProductRecord, Registry } from '../registry/registry.js';
import type { OpenFile } from './open-file.js';
import { makeStat, S_IFDIR, S_IFLNK, S_IFREG, type FileStat } from './stat.js';

/*
 * The whole local registry as a read-only tree (DESIGN §5):
 * `<namespace>/<name…>/<version>.<ext>`, a `latest.<ext>` symlink to the
 * highest version, and for TOML files `<version>.<ext>.d/<component>`.
 * Used by `fairfs mount DIR --catalog` and a session's `.fair/catalog/`.
 */

type Entry =
  | { kind: 'dir'; children: Map<string, Entry>; mtime: Date }
  | { kind: 'file'; product: ProductRecord }
  | { kind: 'component'; product: ProductRecord; component: string; text: Buffer | null }
  | { kind: 'link'; target: string; mtime: Date };

/** What opening a catalog file gives: a backing fd or rendered bytes, and what to log. */
export interface CatalogOpen extends OpenFile {
  product: ProductRecord;
  component: string;
}

const REFRESH_MS = 2000;

export class Catalog {
  private root: Entry & { kind: 'dir' } = { kind: 'dir', children: new Map(), mtime: new Date() };
  private builtAt = 0;

  constructor(private readonly registry: Registry) {}

  /** Rebuild from the registry when the tree is older than a moment (other runs may have registered data). */
  private fresh(): Entry & { kind: 'dir' } {
    if (Date.now() - this.builtAt > REFRESH_MS) this.build();
    return this.root;
  }

  private build(): void {
    const root: Entry & { kind: 'dir' } = { kind: 'dir', children: new Map(), mtime: new Date() };
    const byName = new Map<string, ProductRecord[]>();
    for (const p of this.registry.listProducts()) {
      const key = `${p.namespace}/${p.name}`;
      byName.set(key, [...(byName.get(key) ?? []), p]);
      const dir = ensureDir(root, [p.namespace, ...p.name.split('/')]);
      const file = `${p.version}${p.extension ? `.${p.extension}` : ''}`;
      dir.children.set(file, { kind: 'file', product: p });
      // Components as files: TOML tables as TOML, HDF5 groups (nested by their path) as CSV
      // when this process loaded h5wasm (a product registered after the mount shows whole).
      if (p.extension === 'toml' || (isHdf5(p.extension) && hdf5Loaded())) {
        const components = this.registry.components(p.objectId).filter((c) => !c.wholeObject);
        if (components.length) {
          const d: Entry & { kind: 'dir' } = { kind: 'dir', children: new Map(), mtime: new Date(p.lastUpdated) };
          for (const c of components) {
            const parts = c.name.split('/');
            const leaf = parts.pop()!;
            ensureDir(d, parts).children.set(leaf, { kind: 'component', product: p, component: c.name, text: null });
          }
          dir.children.set(`${file}.d`, d);
        }
      }
    }
    for (const [key, versions] of byName) {
      const latest = highestVersion(versions.map((v) => v.version));
      const p = versions.find((v) => v.version === latest);
      if (!p) continue;
      const ext = p.extension ? `.${p.extension}` : '';
      ensureDir(root, key.split('/')).children.set(`latest${ext}`, { kind: 'link', target: `${p.version}${ext}`, mtime: new Date(p.lastUpdated) });
    }
    this.root = root;
    this.builtAt = Date.now();
  }

  private lookup(path: string): Entry {
    let entry: Entry = this.fresh();
    for (const part of path.split('/').filter(Boolean)) {
      if (entry.kind !== 'dir') throw new MountRefusal('ENOTDIR', `${path}: not a directory`);
      const next = entry.children.get(part);
      if (!next) throw new MountRefusal('ENOENT', `${path} is not in the catalog`);
      entry = next;
    }
    return entry;
  }

  getattr(path: string): FileStat {
    const e = this.lookup(path);
    switch (e.kind) {
      case 'dir':
        return makeStat(S_IFDIR | 0o555, 4096, e.mtime, 2);
      case 'file':
        return makeStat(S_IFREG | 0o444, e.product.size, new Date(e.product.lastUpdated));
      case 'component':
        return makeStat(S_IFREG | 0o444, this.componentText(e).length, new Date(e.product.lastUpdated));
      case 'link':
        return makeStat(S_IFLNK | 0o777, e.target.length, e.mtime);
    }
  }

  readdir(path: string): string[] {
    const e = this.lookup(path);
    if (e.kind !== 'dir') throw new MountRefusal('ENOTDIR', `${path} is not a directory`);
    return [...e.children.keys()];
  }

  readlink(path: string): string {
    const e = this.lookup(path);
    if (e.kind !== 'link') throw new MountRefusal('EINVAL', `${path} is not a symlink`);
    return e.target;
  }

  open(path: string): CatalogOpen {
    let e = this.lookup(path);
    if (e.kind === 'link') e = this.lookup(path.replace(/[^/]*$/, e.target));
    if (e.kind === 'dir') throw new MountRefusal('EISDIR', `${path} is a directory`);
    if (e.kind === 'component') return { fd: null, data: this.componentText(e), product: e.product, component: e.component };
    if (e.kind !== 'file') throw new MountRefusal('ENOENT', `${path} is not a file`);
    return { fd: openSync(storedFilePath(e.product), 'r'), data: null, product: e.product, component: 'whole_object' };
  }

  private componentText(e: Entry & { kind: 'component' }): Buffer {
    const file = storedFilePath(e.product);
    e.text ??= componentBytes(file, e.product.extension, e.component);
    return e.text;
  }
}

function ensureDir(root: Entry & { kind: 'dir' }, parts: string[]): Entry & { kind: 'dir' } {
  let dir = root;
  for (const part of parts) {
    let next = dir.children.get(part);
    if (!next || next.kind !== 'dir') {
      next = { kind: 'dir', children: new Map(), mtime: new Date() };
      dir.children.set(part, next);
    }
    dir = next;
  }
  return dir;
}
