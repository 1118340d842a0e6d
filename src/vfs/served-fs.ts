import type { FileStat } from './stat.js';

/*
 * What a backend serves and how it plugs in. A backend (fuse-native today; a
 * native libfuse 3 one next) turns kernel requests into calls on a ServedFs and
 * says who made each request; it knows nothing of runs, inputs or outputs. The
 * session's rules live behind the ServedFs (session/session-fs.ts), so every
 * backend gives the same journal and the same registry rows.
 */

/** Who made the request being served: the process and its credentials. */
export interface Caller {
  pid: number;
  uid: number;
  gid: number;
  umask: number;
  /** The process's start time (clock ticks since boot) as the backend read it with the request, when it did. */
  start?: number;
}

/**
 * An entry of an immutable tree that a backend may answer lookups, getattr,
 * readdir and readlink of by itself, until the tree says it changed.
 */
export interface KnownEntry {
  path: string;
  stat: FileStat;
  /** A symbolic link's target. */
  target?: string;
  /** A directory's names, when the backend may list it by itself. */
  children?: string[];
}

/** A time as utimensat gives it: seconds and nanoseconds, now, or leave it as it is. */
export type TimeSpec = { sec: number; nsec: number } | 'now' | 'omit';

/**
 * Where an open file's bytes are: a backing file in this process that the
 * backend reads and writes itself, or none (rendered bytes: read() is asked).
 */
export interface DataPath {
  fd: number | null;
  /** Writes on this handle may go to `fd`. */
  writable: boolean;
  /** The bytes never change while the mount lives (inputs, registered data): the kernel may cache them across opens. */
  immutable: boolean;
  /** Bytes rendered at open (control files): no page cache, the size is what read() gives. */
  direct: boolean;
}

/** What a handle served through its DataPath read and wrote, told at release. */
export interface HandleUsage {
  bytesRead: number;
  bytesWritten: number;
  /** The kernel read and wrote the backing file itself (FUSE passthrough): the counts are unknown. */
  passthrough?: boolean;
}

export interface StatFs {
  bsize: number;
  frsize: number;
  blocks: number;
  bfree: number;
  bavail: number;
  files: number;
  ffree: number;
  favail: number;
  namemax: number;
}

/**
 * A filesystem as a backend drives it: paths are absolute within the mount
 * ("/", "/a/b"), every method is synchronous and touches only backing files
 * (never the mount itself), and a refusal throws MountRefusal with its errno.
 */
export interface ServedFs {
  getattr(path: string): FileStat;
  readdir(path: string): string[];
  access(path: string, mode: number): void;
  statfs(): StatFs;
  open(path: string, flags: number): number;
  create(path: string, mode: number): number;
  read(fh: number, buf: Buffer, len: number, pos: number): number;
  write(fh: number, buf: Buffer, len: number, pos: number): number;
  /** `usage`: what a backend that serves the bytes itself (dataPath) read and wrote through the handle. */
  release(fh: number, usage?: HandleUsage): void;
  truncate(path: string, size: number): void;
  ftruncate(fh: number, size: number): void;
  utimens(path: string, atime: TimeSpec, mtime: TimeSpec): void;
  chmod(path: string, mode: number): void;
  unlink(path: string): void;
  rename(from: string, to: string): void;
  mkdir(path: string, mode: number): void;
  rmdir(path: string): void;
  readlink?(path: string): string;
  symlink?(target: string, path: string): void;
  link?(from: string, to: string): void;
  mknod?(path: string, mode: number, rdev: number): void;
  chown?(path: string, uid: number, gid: number): void;
  /**
   * How an open handle's bytes may be served without a read() or write() call
   * each: asked right after open/create by backends that can (fuse3). Without it,
   * every read and write goes through the ServedFs.
   */
  dataPath?(fh: number): DataPath;
  /** Attributes of an open handle whose name is gone (an unlinked file still open). */
  fgetattr?(fh: number): FileStat;
  /** Names with their attributes, for a backend that hands both to the kernel at once (readdirplus, d_type). */
  readdirPlus?(path: string): { names: string[]; stats: (FileStat | null)[] };
  /**
   * Immutable trees (the catalog): every entry a backend may answer natively,
   * and the entry at one path now (null: gone).
   */
  knownEntries?(): KnownEntry[];
  knownEntry?(path: string): KnownEntry | null;
  /**
   * A subscription to the paths whose entry or attributes changed without a
   * request on that path (data registered while mounted, another name of a
   * hard-linked file, a control file): a backend that can tell the kernel to
   * drop what it cached may let it cache long. Returns the unsubscribe.
   */
  onChange?(listener: (paths: string[]) => void): () => void;
  /**
   * Folders whose names change only through requests on this mount, with the
   * names they hold now (asked once, at mount). A backend may answer lookups
   * of other names in them itself, keeping them up to date from the requests
   * it serves.
   */
  stableFolders?(): { path: string; names: string[] }[];
  /** Told once by the backend how to learn the caller of the request being served. */
  callerFrom?(source: () => Caller | null): void;
  /**
   * Told once by a backend that serves writes itself how to hash a backing
   * file off the thread that answers requests (the native addon's thread
   * pool), so outputs are hashed as their writers release them.
   */
  hashWith?(hasher: FileHasher): void;
}

/** A file's SHA-1 and the attributes it had while it was read; null when it changed meanwhile. */
export interface FileDigest {
  sha1: string;
  size: number;
  ino: number;
  mtimeNs: bigint;
  ctimeNs: bigint;
}
export type FileHasher = (path: string) => Promise<FileDigest | null>;

export interface ServeOptions {
  /** Shown as `fuse.<subtype>` in /proc/self/mountinfo. */
  subtype: string;
  /** The mount's source in mountinfo: who serves it (mount/owner.ts). */
  fsname: string;
  /** Kernel attribute/entry cache in seconds (longer for immutable trees). */
  cacheSeconds?: number;
  /** The tree never changes while mounted (the catalog): the kernel may keep entries and attributes for the mount's life. */
  immutable?: boolean;
  /** The ServedFs gives every entry its own `ino` (one for all names of a hard-linked file): show those. */
  inodes?: boolean;
  trace?: (line: string) => void;
  onUnexpected?: (op: string, path: string, err: unknown) => void;
}

/** A ServedFs mounted by a backend. */
export interface ServedMount {
  readonly mountpoint: string;
  unmount(): Promise<void>;
}

/** One line of `fairfs doctor` about a backend. */
export interface BackendCheck {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

/** A way of putting a ServedFs on a mountpoint: the sessions and the catalog are served through one. */
export interface Backend {
  readonly name: string;
  serve(mountpoint: string, fs: ServedFs, opts: ServeOptions): Promise<ServedMount>;
  /** What `fairfs doctor` says about it: loaded, and what it can do. */
  check(): BackendCheck[];
}
