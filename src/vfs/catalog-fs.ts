import { statfsSync } from 'node:fs';
import { MountRefusal } from '../errors.js';
import type { Catalog, CatalogOpen } from './catalog.js';
import { closeOpenFile, readOpenFile } from './open-file.js';
import type { DataPath, KnownEntry, ServedFs, StatFs } from './served-fs.js';
import type { FileStat } from './stat.js';

/** How often a mount whose backend answers by itself looks for newly registered data. */
const WATCH_MS = 1000;

const readOnly = (): never => {
  throw new MountRefusal('EROFS', 'the catalog is read-only');
};

/** `fairfs mount DIR --catalog`: the registry as a read-only tree, no code run. */
export class CatalogFs implements ServedFs {
  private readonly handles = new Map<number, CatalogOpen>();
  private next = 1;

  constructor(
    private readonly catalog: Catalog,
    private readonly statDir: string,
  ) {}

  getattr(path: string): FileStat {
    return this.catalog.getattr(path);
  }
  readdir(path: string): string[] {
    return this.catalog.readdir(path);
  }
  readlink(path: string): string {
    return this.catalog.readlink(path);
  }
  readdirPlus(path: string): { names: string[]; stats: (FileStat | null)[] } {
    return this.catalog.readdirPlus(path);
  }
  knownEntries(): KnownEntry[] {
    return this.catalog.known();
  }
  knownEntry(path: string): KnownEntry | null {
    return this.catalog.knownAt(path);
  }
  /** The backend answers without asking, so the catalog looks at the registry's change log on a timer. */
  onChange(listener: (paths: string[]) => void): () => void {
    const unsubscribe = this.catalog.onChange(listener);
    const stopRefreshing = this.catalog.refreshEvery(WATCH_MS);
    return () => {
      stopRefreshing();
      unsubscribe();
    };
  }
  access(path: string, mode: number): void {
    this.catalog.getattr(path);
    if (mode & 2) readOnly();
  }
  statfs(): StatFs {
    const s = statfsSync(this.statDir);
    return { bsize: s.bsize, frsize: s.bsize, blocks: s.blocks, bfree: 0, bavail: 0, files: s.files, ffree: 0, favail: 0, namemax: 255 };
  }
  open(path: string, flags: number): number {
    if ((flags & 3) !== 0) readOnly();
    const id = this.next++;
    this.handles.set(id, this.catalog.open(path));
    return id;
  }
  read(fh: number, buf: Buffer, len: number, pos: number): number {
    const h = this.handles.get(fh);
    if (!h) throw new MountRefusal('EBADF', `no open file handle ${fh}`);
    return readOpenFile(h, buf, len, pos);
  }
  /** Registered bytes never change: the backend may read the store file itself and the kernel may keep them. */
  dataPath(fh: number): DataPath {
    const h = this.handles.get(fh);
    if (!h) throw new MountRefusal('EBADF', `no open file handle ${fh}`);
    return { fd: h.fd, writable: false, immutable: true, direct: false };
  }
  release(fh: number): void {
    const h = this.handles.get(fh);
    this.handles.delete(fh);
    if (h) closeOpenFile(h);
  }
  create = readOnly;
  write = readOnly;
  truncate = readOnly;
  ftruncate = readOnly;
  utimens = readOnly;
  chmod = readOnly;
  unlink = readOnly;
  rename = readOnly;
  mkdir = readOnly;
  rmdir = readOnly;
}
