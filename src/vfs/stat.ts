/** File attributes as a backend hands them to the kernel. */
export interface FileStat {
  mode: number;
  size: number;
  mtime: Date;
  atime: Date;
  ctime: Date;
  nlink: number;
  uid: number;
  gid: number;
  blksize: number;
  blocks: number;
  /** The device number of a device node. */
  rdev?: number;
  /** The inode number when the served tree keeps them (ServeOptions.inodes), else 0. */
  ino?: number;
  /** Nanoseconds within the millisecond of each time (the patched binding passes them on). */
  atimeSubMs?: number;
  mtimeSubMs?: number;
  ctimeSubMs?: number;
}

/** Times a program set to the nanosecond (utimensat): kept beside the millisecond Dates. */
export interface SetTimes {
  atime?: Date;
  atimeSubMs?: number;
  mtimeSubMs?: number;
}

export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;

const uid = process.getuid?.() ?? 0;
const gid = process.getgid?.() ?? 0;

export function makeStat(mode: number, size: number, mtime: Date, nlink = 1, ctime = mtime, times: SetTimes = {}): FileStat {
  return {
    mode,
    size,
    mtime,
    atime: times.atime ?? mtime,
    ctime,
    nlink,
    uid,
    gid,
    blksize: 4096,
    blocks: Math.ceil(size / 512),
    atimeSubMs: times.atime ? (times.atimeSubMs ?? 0) : (times.mtimeSubMs ?? 0),
    mtimeSubMs: times.mtimeSubMs ?? 0,
    // Set by trees that keep inode numbers; 0 (in the object from the start, one shape for every stat) otherwise.
    ino: 0,
  };
}
