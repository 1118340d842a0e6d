import { MountRefusal } from '../errors.js';
import type { OpenFile } from './open-file.js';

/** An open file of a served tree, with what was read and written through it. */
export type Handle<T> = OpenFile & T & { path: string; bytesRead: number; bytesWritten: number };

/** The file handles a backend passes back on read, write and release. */
export class HandleTable<T> {
  private readonly open = new Map<number, Handle<T>>();
  private next = 1;

  add(h: Omit<Handle<T>, 'bytesRead' | 'bytesWritten'>): number {
    const id = this.next++;
    this.open.set(id, { ...h, bytesRead: 0, bytesWritten: 0 } as Handle<T>);
    return id;
  }

  get(fh: number): Handle<T> {
    const handle = this.open.get(fh);
    if (!handle) throw new MountRefusal('EBADF', `no open file handle ${fh}`);
    return handle;
  }

  /** Take the handle out of the table (release); undefined when it was never open. */
  take(fh: number): Handle<T> | undefined {
    const handle = this.open.get(fh);
    this.open.delete(fh);
    return handle;
  }

  get size(): number {
    return this.open.size;
  }
}
