// Types for the parts of fuse-native 2.2.6 that fairfs uses.
declare module 'fuse-native' {
  type Cb = (err: number) => void;
  type CbWith<T> = (err: number, value?: T) => void;

  export interface Stat {
    mode: number;
    uid: number;
    gid: number;
    size: number;
    nlink: number;
    mtime: Date;
    atime: Date;
    ctime: Date;
    blksize?: number;
    blocks?: number;
    rdev?: number;
    /** Nanoseconds within the millisecond (read by fairfs's patch of the binding). */
    atimeSubMs?: number;
    mtimeSubMs?: number;
    ctimeSubMs?: number;
  }

  export interface Ops {
    init?(cb: Cb): void;
    getattr?(path: string, cb: CbWith<Stat>): void;
    readdir?(path: string, cb: (err: number, names?: string[], stats?: Stat[]) => void): void;
    access?(path: string, mode: number, cb: Cb): void;
    statfs?(path: string, cb: CbWith<object>): void;
    open?(path: string, flags: number, cb: CbWith<number>): void;
    create?(path: string, mode: number, cb: CbWith<number>): void;
    /** cb(bytesRead) or cb(-errno) */
    read?(path: string, fd: number, buf: Buffer, len: number, pos: number, cb: Cb): void;
    /** cb(bytesWritten) or cb(-errno) */
    write?(path: string, fd: number, buf: Buffer, len: number, pos: number, cb: Cb): void;
    release?(path: string, fd: number, cb: Cb): void;
    flush?(path: string, fd: number, cb: Cb): void;
    fsync?(path: string, datasync: boolean, fd: number, cb: Cb): void;
    truncate?(path: string, size: number, cb: Cb): void;
    ftruncate?(path: string, fd: number, size: number, cb: Cb): void;
    /** [seconds, nanoseconds] with fairfs's patch of the binding; milliseconds (atime twice) without. */
    utimens?(path: string, atime: number | [number, number], mtime: number | [number, number], cb: Cb): void;
    chmod?(path: string, mode: number, cb: Cb): void;
    chown?(path: string, uid: number, gid: number, cb: Cb): void;
    unlink?(path: string, cb: Cb): void;
    rename?(src: string, dest: string, cb: Cb): void;
    mkdir?(path: string, mode: number, cb: Cb): void;
    rmdir?(path: string, cb: Cb): void;
    readlink?(path: string, cb: CbWith<string>): void;
    symlink?(src: string, dest: string, cb: Cb): void;
    link?(src: string, dest: string, cb: Cb): void;
    mknod?(path: string, mode: number, dev: number, cb: Cb): void;
  }

  export interface FuseOptions {
    timeout?: number | false;
    force?: boolean;
    mkdir?: boolean;
    fsname?: string;
    subtype?: string;
    autoCache?: boolean;
    kernelCache?: boolean;
    attrTimeout?: number;
    entryTimeout?: number;
    maxRead?: number;
    debug?: boolean;
  }

  export default class Fuse {
    constructor(mnt: string, ops: Ops, opts?: FuseOptions);
    mnt: string;
    mount(cb: (err: Error | null) => void): void;
    unmount(cb: (err: Error | null) => void): void;
    protected _fuseOptions(): string;
    static unmount(mnt: string, cb: (err: Error | null) => void): void;
  }
}
