import { openSync } from 'node:fs';
import { storedFilePath } from '../config/resolve.js';
import { MountRefusal } from '../errors.js';
import { componentBytes, isHdf5 } from '../store/components.js';
import { hdf5Loaded } from '../store/hdf5.js';
import { highestVersion } from '../config/versions.js';
import type { ProductRecord, Registry } from '../registry/registry.js';
import type { OpenFile } from './open-file.js';
import type { KnownEntry } from './served-fs.js';
import { makeStat, S_IFDIR, S_IFLNK, S_IFREG, type FileStat } from './stat.js';

/*
 * The whole local registry as a read-only tree (DESIGN §5):
 * `<namespace>/<name…>/<version>.<ext>`, a `latest.<ext>` symlink to the
 * highest version, and for TOML files `<version>.<ext>.d/<component>`.
 * Used by `fairfs mount DIR --catalog` and a session's `.fair/catalog/`.
 *
 * The tree is an index kept in step with the registry's change log
 * (`catalog_change`, filled by triggers on data_product whoever registers):
 * built once, then only the products added, changed or removed since are
 * applied, so browsing never rebuilds it.
 */

/** `components`: a `<version>.<ext>.d` tree of a product's components. */
type Dir = { kind: 'dir'; children: Map<string, Entry>; mtime: Date; components?: true };
type Entry =
  | Dir
  | { kind: 'file'; product: ProductRecord }
  | { kind: 'component'; product: ProductRecord; component: string; text: Buffer | null }
  | { kind: 'link'; target: string; mtime: Date };

/** What opening a catalog file gives: a backing fd or rendered bytes, and what to log. */
export interface CatalogOpen extends OpenFile {
  product: ProductRecord;
  component: string;
}

/** Where a product sits in the tree. */
interface Placement {
  key: string;
  dir: string[];
  file: string;
}

/** How often the request path looks at the change log (one indexed query). */
const REFRESH_MS = 500;

const newDir = (mtime = new Date()): Dir => ({ kind: 'dir', children: new Map(), mtime });
const fileName = (p: ProductRecord): string => `${p.version}${p.extension ? `.${p.extension}` : ''}`;
const join = (parts: string[]): string => `/${parts.join('/')}`;

export class Catalog {
  private readonly root: Dir = newDir();
  private seq = -1;
  private checkedAt = 0;
  private readonly placed = new Map<number, Placement>();
  private readonly byName = new Map<string, Map<number, ProductRecord>>();
  private readonly listeners = new Set<(paths: string[]) => void>();

  constructor(private readonly registry: Registry) {}

  /**
   * Apply the registry's changes since the last look; returns the paths whose
   * entry or listing changed (every path on the first call is new).
   */
  refresh(): string[] {
    this.checkedAt = Date.now();
    const touched = new Set<string>();
    if (this.seq < 0) {
      // Read the log's position first: a product registered during the listing is applied again next time.
      this.seq = this.registry.catalogSeq();
      for (const p of this.registry.listProducts()) this.add(p, touched);
      for (const key of this.byName.keys()) this.relink(key, touched);
      return [];
    }
    const changes = this.registry.catalogChangesSince(this.seq);
    if (!changes.products.length) return [];
    this.seq = changes.seq;
    const keys = new Set<string>();
    for (const id of changes.products) {
      const was = this.placed.get(id);
      if (was) keys.add(was.key);
      this.remove(id, touched);
      const now = this.registry.productById(id);
      if (now) {
        this.add(now, touched);
        keys.add(this.placed.get(id)!.key);
      }
    }
    for (const key of keys) this.relink(key, touched);
    const paths = [...touched];
    for (const listen of this.listeners) listen(paths);
    return paths;
  }

  /** Called with the changed paths whenever a refresh changes the tree; returns the unsubscribe. */
  onChange(listener: (paths: string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Look at the change log every `ms` (for a backend that answers without
   * asking). Only a catalog already built is kept up to date: one nobody has
   * looked at is built on first use, so a session on a registry of 100,000
   * products does not list them all while its model runs. A failure here ends
   * nothing: the next request meets it and it is reported there. Returns the
   * stop.
   */
  refreshEvery(ms: number): () => void {
    const timer = setInterval(() => {
      if (!this.built) return;
      try {
        this.refresh();
      } catch {
        // Met again, and reported, on the request path.
      }
    }, ms);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** Whether the tree has been listed from the registry yet (it is on first use). */
  get built(): boolean {
    return this.seq >= 0;
  }

  private fresh(): Dir {
    if (this.seq < 0 || Date.now() - this.checkedAt > REFRESH_MS) this.refresh();
    return this.root;
  }

  private add(p: ProductRecord, touched: Set<string>): void {
    const key = `${p.namespace}/${p.name}`;
    const dirParts = key.split('/');
    const dir = this.ensureDir(dirParts, touched);
    const file = fileName(p);
    dir.children.set(file, { kind: 'file', product: p });
    touched.add(join([...dirParts, file]));
    // Components as files: TOML tables as TOML, HDF5 groups (nested by their path) as CSV
    // when this process loaded h5wasm (a product registered after the mount shows whole).
    if (p.extension === 'toml' || (isHdf5(p.extension) && hdf5Loaded())) {
      const components = this.registry.components(p.objectId).filter((c) => !c.wholeObject);
      if (components.length) {
        const d: Dir = { ...newDir(new Date(p.lastUpdated)), components: true };
        for (const c of components) {
          const parts = c.name.split('/');
          const leaf = parts.pop()!;
          ensureIn(d, parts).children.set(leaf, { kind: 'component', product: p, component: c.name, text: null });
        }
        dir.children.set(`${file}.d`, d);
        for (const path of subtree(d, [...dirParts, `${file}.d`])) touched.add(path);
      }
    }
    this.placed.set(p.id, { key, dir: dirParts, file });
    let versions = this.byName.get(key);
    if (!versions) this.byName.set(key, (versions = new Map()));
    versions.set(p.id, p);
  }

  private remove(id: number, touched: Set<string>): void {
    const at = this.placed.get(id);
    if (!at) return;
    this.placed.delete(id);
    this.byName.get(at.key)?.delete(id);
    const dir = this.dirAt(at.dir);
    if (!dir) return;
    for (const name of [at.file, `${at.file}.d`]) {
      const entry = dir.children.get(name);
      if (!entry) continue;
      for (const path of subtree(entry, [...at.dir, name])) touched.add(path);
      dir.children.delete(name);
    }
    dir.mtime = new Date();
    touched.add(join(at.dir));
  }

  /** `latest.<ext>` of one product name: pointed at the highest version, or gone with the last one. */
  private relink(key: string, touched: Set<string>): void {
    const dirParts = key.split('/');
    const dir = this.dirAt(dirParts);
    if (!dir) return;
    for (const name of [...dir.children.keys()]) {
      if (name.startsWith('latest') && dir.children.get(name)!.kind === 'link') {
        dir.children.delete(name);
        touched.add(join([...dirParts, name]));
      }
    }
    const versions = [...(this.byName.get(key)?.values() ?? [])];
    const latest = highestVersion(versions.map((v) => v.version));
    const p = versions.find((v) => v.version === latest);
    if (p) {
      const ext = p.extension ? `.${p.extension}` : '';
      dir.children.set(`latest${ext}`, { kind: 'link', target: fileName(p), mtime: new Date(p.lastUpdated) });
      touched.add(join([...dirParts, `latest${ext}`]));
    } else {
      this.byName.delete(key);
      this.prune(dirParts, touched);
    }
    touched.add(join(dirParts));
  }

  /** Remove directories left empty, from `parts` upwards. */
  private prune(parts: string[], touched: Set<string>): void {
    for (let n = parts.length; n > 0; n--) {
      const dir = this.dirAt(parts.slice(0, n));
      const parent = this.dirAt(parts.slice(0, n - 1));
      if (!dir || !parent || dir.children.size) return;
      parent.children.delete(parts[n - 1]!);
      parent.mtime = new Date();
      touched.add(join(parts.slice(0, n)));
      touched.add(join(parts.slice(0, n - 1)));
    }
  }

  private ensureDir(parts: string[], touched: Set<string>): Dir {
    let dir = this.root;
    for (let i = 0; i < parts.length; i++) {
      const next = dir.children.get(parts[i]!);
      if (next?.kind === 'dir') {
        dir = next;
        continue;
      }
      const made = newDir();
      dir.children.set(parts[i]!, made);
      dir.mtime = made.mtime;
      touched.add(join(parts.slice(0, i)));
      touched.add(join(parts.slice(0, i + 1)));
      dir = made;
    }
    return dir;
  }

  private dirAt(parts: string[]): Dir | undefined {
    let dir = this.root;
    for (const part of parts) {
      const next = dir.children.get(part);
      if (next?.kind !== 'dir') return undefined;
      dir = next;
    }
    return dir;
  }

  private lookup(path: string): Entry {
    let entry: Entry = this.fresh();
    for (const part of path.split('/')) {
      if (!part) continue;
      if (entry.kind !== 'dir') throw new MountRefusal('ENOTDIR', `${path}: not a directory`);
      const next: Entry | undefined = entry.children.get(part);
      if (!next) throw new MountRefusal('ENOENT', `${path} is not in the catalog`);
      entry = next;
    }
    return entry;
  }

  getattr(path: string): FileStat {
    return this.statOf(this.lookup(path));
  }

  private statOf(e: Entry): FileStat {
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

  readdirPlus(path: string): { names: string[]; stats: (FileStat | null)[] } {
    const e = this.lookup(path);
    if (e.kind !== 'dir') throw new MountRefusal('ENOTDIR', `${path} is not a directory`);
    const names = [...e.children.keys()];
    // Component sizes need the file rendered: left to getattr when it is asked.
    return { names, stats: [...e.children.values()].map((c) => (c.kind === 'component' ? null : this.statOf(c))) };
  }

  readlink(path: string): string {
    const e = this.lookup(path);
    if (e.kind !== 'link') throw new MountRefusal('EINVAL', `${path} is not a symlink`);
    return e.target;
  }

  /**
   * What a backend may answer by itself: every entry outside the component
   * trees (whose sizes need the file parsed, so they stay with `getattr`), or
   * the one at `path` (null when it is gone).
   */
  known(): KnownEntry[] {
    const out: KnownEntry[] = [];
    const walk = (dir: Dir, path: string): void => {
      out.push(this.knownOf(dir, path || '/'));
      for (const [name, e] of dir.children) {
        const child = `${path}/${name}`;
        if (e.kind === 'dir' && !e.components) walk(e, child);
        else out.push(this.knownOf(e, child));
      }
    };
    walk(this.fresh(), '');
    return out;
  }

  knownAt(path: string): KnownEntry | null {
    let entry: Entry = this.fresh();
    for (const part of path.split('/')) {
      if (!part) continue;
      if (entry.kind !== 'dir' || entry.components) return null;
      const next: Entry | undefined = entry.children.get(part);
      if (!next) return null;
      entry = next;
    }
    return this.knownOf(entry, path);
  }

  private knownOf(e: Entry, path: string): KnownEntry {
    const stat = this.statOf(e);
    if (e.kind === 'link') return { path, stat, target: e.target };
    if (e.kind === 'dir' && !e.components) return { path, stat, children: [...e.children.keys()] };
    return { path, stat };
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

function ensureIn(root: Dir, parts: string[]): Dir {
  let dir = root;
  for (const part of parts) {
    let next = dir.children.get(part);
    if (!next || next.kind !== 'dir') {
      next = newDir();
      dir.children.set(part, next);
    }
    dir = next;
  }
  return dir;
}

/** Every path in an entry's subtree, the entry's own first. */
function subtree(e: Entry, parts: string[]): string[] {
  const out = [join(parts)];
  if (e.kind === 'dir') for (const [name, child] of e.children) out.push(...subtree(child, [...parts, name]));
  return out;
}
