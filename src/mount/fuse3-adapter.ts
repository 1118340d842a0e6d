import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { MountRefusal } from '../errors.js';
import type { Backend, Caller, DataPath, FileDigest, FileHasher, KnownEntry, ServedFs, ServedMount, ServeOptions } from '../vfs/served-fs.js';
import type { FileStat } from '../vfs/stat.js';
import { fusermountUnmount } from './fusermount.js';
import { negativeErrno, timeSpecOf } from './kernel-answers.js';

/*
 * The native backend (native-shims/fuse3): libfuse 3 on native threads with the
 * kernel's write-back cache. Reads and writes of files with a backing file never
 * enter JavaScript; every other request reaches `dispatch` below, which puts it
 * to the ServedFs and answers with a number (-errno on refusal), a string or a
 * list of names, and writes numeric answers into the shared `out` array.
 */

/** Kept in step with `enum op` in native-shims/fuse3/src/fuse3_backend.c. */
const OP = {
  GETATTR: 1, READDIR: 2, ACCESS: 3, STATFS: 4, OPEN: 5, CREATE: 6, READ: 7, WRITE: 8,
  RELEASE: 9, TRUNCATE: 10, UTIMENS: 11, CHMOD: 12, CHOWN: 13, UNLINK: 14, RENAME: 15, MKDIR: 16,
  RMDIR: 17, READLINK: 18, SYMLINK: 19, LINK: 20, MKNOD: 21, EXIT: 22,
} as const;
const OP_NAMES: Record<number, string> = Object.fromEntries(Object.entries(OP).map(([k, v]) => [v, k.toLowerCase()]));

const OPEN_KEEP_CACHE = 1;
const OPEN_DIRECT_IO = 2;
const OPEN_WRITABLE = 4;
const RENAME_NOREPLACE = 1;
/**
 * FUSE passthrough (the kernel reads and writes backing files itself) where
 * the kernel offers it; FAIRFS_PASSTHROUGH=0 turns it off (to measure, or to
 * get byte counts per handle back).
 */
const passthroughWanted = (): boolean => process.env.FAIRFS_PASSTHROUGH !== '0';
/** Trees that report their changes (sessions): the kernel keeps entries and attributes this long. */
const NOTIFIED_CACHE_SECONDS = 60;
/** Immutable trees: the kernel keeps entries and attributes this long (a day; the mount's life in practice). */
const IMMUTABLE_CACHE_SECONDS = 86_400;

type Dispatch = (op: number, path: string | undefined, path2: string | undefined, n0: number, n1: number, n2: number, n3: number, n4: number, buf: Buffer | undefined) => number | string | string[];

interface Addon {
  mount(mountpoint: string, options: string, cacheSeconds: number, inodes: boolean, writeback: boolean, dispatch: Dispatch, out: Float64Array, caller: Float64Array, immutable: boolean, passthrough: boolean): object;
  destroy(mount: object): void;
  /** Answer lookups, getattr, readdir and readlink of `path` natively (stat as `out` holds one). */
  know(mount: object, path: string, stat: Float64Array, target: string | undefined, children: string[] | undefined): void;
  forget(mount: object, path: string): void;
  /** The kernel drops what it cached of these paths (on a native thread). */
  invalidate(mount: object, paths: string[]): void;
  version(): number;
  /** A folder whose names change only through this mount, with all it holds: lookups of other names are answered natively. */
  listed(mount: object, folder: string, names: string[]): void;
  /** SHA-1 of a file on libuv's thread pool, with its attributes as hashed (null: it changed meanwhile). */
  sha1File(path: string): Promise<FileDigest | null>;
}

const ADDON = fileURLToPath(new URL('../../native-shims/fuse3/build/Release/fairfs_fuse3.node', import.meta.url));

/** The addon, or why it cannot be used. */
function load(): { addon: Addon } | { why: string } {
  if (!existsSync(ADDON)) return { why: 'native-shims/fuse3 is not built (npm run setup builds it; it needs libfuse3-dev)' };
  try {
    return { addon: createRequire(import.meta.url)(ADDON) as Addon };
  } catch (err) {
    return { why: `native-shims/fuse3 does not load: ${(err as Error).message.split('\n')[0]}` };
  }
}

let loaded: ReturnType<typeof load> | null = null;
function addon(): ReturnType<typeof load> {
  return (loaded ??= load());
}

/** Seconds and nanoseconds of a Date plus the nanoseconds within its millisecond. */
function writeTime(out: Float64Array, at: number, date: Date, subMs: number | undefined): void {
  const ms = date.getTime();
  const sec = Math.floor(ms / 1000);
  out[at] = sec;
  out[at + 1] = (ms - sec * 1000) * 1e6 + (subMs ?? 0);
}

/** `out` slots: answers from 0; a create also hands the new file's attributes from CREATED_STAT (CREATED_STAT in backend.h). */
const OUT_SLOTS = 32;
const CREATED_STAT = 16;
/** pid, uid, gid, umask and start time of the request being served (CALLER_SLOTS in backend.h). */
const CALLER_SLOTS = 5;

function writeStat(out: Float64Array, st: FileStat, at = 0): void {
  out[at] = st.mode;
  out[at + 1] = st.size;
  out[at + 2] = st.nlink;
  out[at + 3] = st.uid;
  out[at + 4] = st.gid;
  out[at + 5] = st.rdev ?? 0;
  out[at + 6] = st.ino ?? 0;
  out[at + 7] = st.blksize;
  out[at + 8] = st.blocks;
  writeTime(out, at + 9, st.atime, st.atimeSubMs);
  writeTime(out, at + 11, st.mtime, st.mtimeSubMs);
  writeTime(out, at + 13, st.ctime, st.ctimeSubMs);
}

function writeOpen(out: Float64Array, fh: number, path: DataPath | null): void {
  out[0] = fh;
  out[1] = path?.fd ?? -1;
  out[2] = path ? (path.immutable ? OPEN_KEEP_CACHE : 0) | (path.direct ? OPEN_DIRECT_IO : 0) | (path.writable ? OPEN_WRITABLE : 0) : OPEN_DIRECT_IO;
  out[CREATED_STAT] = 0;
}

/** fsname and subtype as libfuse's option parser takes them (a comma ends an option). */
function fuseOptions(opts: ServeOptions): string {
  const escape = (v: string): string => v.replace(/\\/g, '\\\\').replace(/,/g, '\\,');
  // Read-only immutable trees: the kernel then keeps access times to itself instead of asking after every listing.
  return `fsname=${escape(opts.fsname)},subtype=${escape(opts.subtype)}${opts.immutable ? ',ro' : ''}`;
}

class Fuse3Mount implements ServedMount {
  private exited!: Promise<void>;
  private unmounting: Promise<void> | null = null;

  private constructor(readonly mountpoint: string) {}

  static mount(lib: Addon, mountpoint: string, fs: ServedFs, opts: ServeOptions): Fuse3Mount {
    const self = new Fuse3Mount(mountpoint);
    const out = new Float64Array(OUT_SLOTS);
    const caller = new Float64Array(CALLER_SLOTS);
    // Outputs are written by the kernel or native threads: they are hashed there too, as their writers release them.
    fs.hashWith?.((path) => lib.sha1File(path));
    fs.callerFrom?.((): Caller | null =>
      caller[0]! > 0 ? { pid: caller[0]!, uid: caller[1]!, gid: caller[2]!, umask: caller[3]!, ...(caller[4]! >= 0 ? { start: caller[4]! } : {}) } : null,
    );
    let onExit!: () => void;
    self.exited = new Promise((resolve) => (onExit = resolve));
    let handle: object | null = null;
    let stopWatching = (): void => {};
    const dispatch = buildDispatch(fs, opts, out, () => {
      stopWatching();
      if (handle) lib.destroy(handle);
      onExit();
    });
    const immutable = opts.immutable ?? false;
    // A tree that says what changed behind the kernel's back may be cached long; the kernel is told to drop it.
    const cache = immutable ? IMMUTABLE_CACHE_SECONDS : fs.onChange ? NOTIFIED_CACHE_SECONDS : (opts.cacheSeconds ?? 1);
    handle = lib.mount(mountpoint, fuseOptions(opts), cache, opts.inodes ?? false, !immutable, dispatch, out, caller, immutable, passthroughWanted());
    const mounted = handle;
    // Before any request is answered (they wait for this thread): from here the addon keeps these up to date itself.
    for (const folder of fs.stableFolders?.() ?? []) lib.listed(mounted, folder.path, folder.names);
    if (immutable) stopWatching = answerNatively(lib, mounted, fs);
    else if (fs.onChange) stopWatching = fs.onChange((paths) => lib.invalidate(mounted, paths));
    return self;
  }

  /** Resolves when the kernel connection has ended, whoever unmounted (fusermount3 -u, `fairfs unmount`). */
  get done(): Promise<void> {
    return this.exited;
  }

  unmount(): Promise<void> {
    // fusermount runs as a child process, so this thread stays free to answer the last requests.
    this.unmounting ??= fusermountUnmount(this.mountpoint, true).then(() => this.exited);
    return this.unmounting;
  }
}

/**
 * An immutable tree's entries go to the addon, which answers them without
 * JavaScript; when the tree changes, the changed paths are handed over again
 * (or forgotten) and the kernel is told to drop what it cached of them.
 */
function answerNatively(lib: Addon, handle: object, fs: ServedFs): () => void {
  if (!fs.knownEntries || !fs.knownEntry || !fs.onChange) return () => {};
  const stat = new Float64Array(16);
  const know = (e: KnownEntry): void => {
    writeStat(stat, e.stat);
    lib.know(handle, e.path, stat, e.target, e.children);
  };
  for (const e of fs.knownEntries()) know(e);
  return fs.onChange((paths) => {
    for (const path of paths) {
      const e = fs.knownEntry!(path);
      if (e) know(e);
      else lib.forget(handle, path);
    }
    lib.invalidate(handle, paths);
  });
}

function buildDispatch(fs: ServedFs, opts: ServeOptions, out: Float64Array, exited: () => void): Dispatch {
  const { trace } = opts;
  const errno = negativeErrno(opts);
  const getattr = (path: string | undefined, fh: number): FileStat => {
    if (path !== undefined) return fs.getattr(path);
    if (fh >= 0 && fs.fgetattr) return fs.fgetattr(fh);
    throw new MountRefusal('ENOENT', 'the file is gone');
  };
  /** The attributes of a file just created, or null (the file is made and open either way). */
  const attributesOf = (path: string, fh: number): FileStat | null => {
    try {
      return getattr(path, fh);
    } catch {
      return null;
    }
  };
  const opened = (fh: number): number => {
    writeOpen(out, fh, fs.dataPath ? fs.dataPath(fh) : null);
    return 0;
  };

  function serve(op: number, path = '', path2 = '', n0: number, n1: number, n2: number, n3: number, buf: Buffer | undefined): number | string | string[] {
    switch (op) {
      case OP.GETATTR:
        writeStat(out, getattr(path || undefined, n0));
        return 0;
      case OP.READDIR:
        return fs.readdir(path);
      case OP.ACCESS:
        fs.access(path, n0);
        return 0;
      case OP.STATFS: {
        const s = fs.statfs();
        out.set([s.bsize, s.frsize, s.blocks, s.bfree, s.bavail, s.files, s.ffree, s.favail, s.namemax]);
        return 0;
      }
      case OP.OPEN:
        return opened(fs.open(path, n0));
      case OP.CREATE: {
        const fh = fs.create(path, n0);
        opened(fh);
        // libfuse looks the new file up next: its attributes go with this answer (if not, libfuse asks for them).
        const created = attributesOf(path, fh);
        if (created) writeStat(out, created, CREATED_STAT);
        return 0;
      }
      case OP.READ:
        return fs.read(n0, buf!, n1, n2);
      case OP.WRITE:
        return fs.write(n0, buf!, n1, n2);
      case OP.RELEASE:
        fs.release(n0, { bytesRead: n1, bytesWritten: n2, passthrough: n3 === 1 });
        return 0;
      case OP.TRUNCATE:
        if (n1 >= 0) fs.ftruncate(n1, n0);
        else fs.truncate(path, n0);
        return 0;
      case OP.UTIMENS:
        fs.utimens(path, timeSpecOf(n0, n1), timeSpecOf(n2, n3));
        return 0;
      case OP.CHMOD:
        fs.chmod(path, n0);
        return 0;
      case OP.CHOWN:
        fs.chown?.(path, n0, n1);
        return 0;
      case OP.UNLINK:
        fs.unlink(path);
        return 0;
      case OP.RENAME:
        if (n0 & ~RENAME_NOREPLACE) throw new MountRefusal('EINVAL', 'only RENAME_NOREPLACE is supported');
        if (n0 & RENAME_NOREPLACE && exists(fs, path2)) throw new MountRefusal('EEXIST', `${path2} exists`);
        fs.rename(path, path2);
        return 0;
      case OP.MKDIR:
        fs.mkdir(path, n0);
        return 0;
      case OP.RMDIR:
        fs.rmdir(path);
        return 0;
      case OP.READLINK:
        if (!fs.readlink) throw new MountRefusal('EINVAL', `${path} is not a symbolic link`);
        return fs.readlink(path);
      case OP.SYMLINK:
        if (!fs.symlink) throw new MountRefusal('EPERM', 'symbolic links are not supported here');
        fs.symlink(path2, path);
        return 0;
      case OP.LINK:
        if (!fs.link) throw new MountRefusal('EPERM', 'hard links are not supported here');
        fs.link(path, path2);
        return 0;
      case OP.MKNOD:
        if (!fs.mknod) throw new MountRefusal('EPERM', 'mknod is not supported here');
        fs.mknod(path, n0, n1);
        return 0;
      default:
        throw new MountRefusal('ENOSYS', `request ${op}`);
    }
  }

  return (op, path, path2, n0, n1, n2, n3, _n4, buf) => {
    if (op === OP.EXIT) {
      exited();
      return 0;
    }
    const name = OP_NAMES[op] ?? String(op);
    const started = trace ? performance.now() : 0;
    let result: number | string | string[];
    try {
      result = serve(op, path, path2, n0, n1, n2, n3, buf);
    } catch (err) {
      result = errno(name, path ?? '', err);
    }
    trace?.(`${name} ${path ?? `#${n0}`} -> ${typeof result === 'number' ? result : 'ok'} (${(performance.now() - started).toFixed(3)} ms)`);
    return result;
  };
}

function exists(fs: ServedFs, path: string): boolean {
  try {
    fs.getattr(path);
    return true;
  } catch {
    return false;
  }
}

/** libfuse 3 on native threads: the write-back cache, native reads and writes, kernel-cached inputs. */
export const fuse3Backend: Backend = {
  name: 'fuse3',
  serve: async (mountpoint, fs, opts) => {
    const state = addon();
    if ('why' in state) throw new Error(state.why);
    return Fuse3Mount.mount(state.addon, mountpoint, fs, opts);
  },
  check: () => {
    const state = addon();
    if ('why' in state) return [{ name: 'fuse3', ok: false, detail: state.why, fix: 'npm run setup (apt: libfuse3-dev, pkg-config)' }];
    const v = state.addon.version();
    return [{ name: 'fuse3', ok: true, detail: `native backend on libfuse ${Math.floor(v / 100)}.${v % 100}: write-back cache, native reads and writes` }];
  },
};

/** The addon's hasher (libuv's thread pool, Node's OpenSSL), or null where the addon does not load. */
export function nativeHasher(): FileHasher | null {
  const state = addon();
  if ('why' in state) return null;
  const lib = state.addon;
  return (path) => lib.sha1File(path);
}

/** Whether the native backend can be used here, and if not, why. */
export function fuse3Unavailable(): string | null {
  const state = addon();
  return 'why' in state ? state.why : null;
}
