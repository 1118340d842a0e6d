/** File attributes as the FUSE adapter hands them to the kernel. */
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
}

export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;

const uid = process.getuid?.() ?? 0;
const gid = process.getgid?.() ?? 0;

export function makeStat(mode: number, size: number, mtime: Date, nlink = 1, ctime = mtime): FileStat {
  return { mode, size, mtime, atime: mtime, ctime, nlink, uid, gid, blksize: 4096, blocks: Math.ceil(size / 512) };
}
