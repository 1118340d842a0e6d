import { statfsSync } from 'node:fs';
import { MountError, MountRefusal } from '../errors.js';
import type { Registry } from '../registry/registry.js';
import { Catalog, type CatalogOpen } from '../session/catalog.js';
import { closeOpenFile, readOpenFile } from '../session/open-file.js';
import type { FileStat } from '../session/stat.js';
import { loadHdf5 } from '../store/hdf5.js';
import { FuseMount, type ServedFs } from './fuse-adapter.js';
import { fuseMounts } from './fusermount.js';
import { ownerFsname } from './owner.js';

export const CATALOG_SUBTYPE = 'fairfs-catalog';

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
  access(path: string, mode: number): void {
    this.catalog.getattr(path);
    if (mode & 2) readOnly();
  }
  statfs(): object {
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

/** Serve the catalog until the mount goes away (`fairfs unmount` / fusermount -u) or a signal. */
export async function serveCatalog(registry: Registry, mountpoint: string, statDir: string, home: string): Promise<{ done: Promise<void> }> {
  await loadHdf5();
  let fuse: FuseMount;
  try {
    fuse = await FuseMount.mount(mountpoint, new CatalogFs(new Catalog(registry), statDir), { subtype: CATALOG_SUBTYPE, fsname: ownerFsname('catalog', null, home), cacheSeconds: 2 });
  } catch (err) {
    throw new MountError(`cannot mount the catalog on ${mountpoint}: ${(err as Error).message}`, { hint: 'run `fairfs doctor`' });
  }
  const done = new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      clearInterval(watch);
      fuse.unmount().then(resolve, resolve);
    };
    // fuse-native does not report an external unmount: notice it from mountinfo.
    const watch = setInterval(() => {
      if (!fuseMounts().some((m) => m.mountpoint === mountpoint)) stop();
    }, 500);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return { done };
}
