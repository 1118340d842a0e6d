import { createRequire } from 'node:module';
import type Fuse from 'fuse-native';
import type { Ops, Stat } from 'fuse-native';
import type { FileStat } from '../vfs/stat.js';
import type { Backend, Caller, ServedFs, ServedMount, ServeOptions, TimeSpec } from '../vfs/served-fs.js';
import { fusermountUnmount } from './fusermount.js';
import { negativeErrno, timeSpecOf } from './kernel-answers.js';

/**
 * A utimens time as the binding hands it: [seconds, nanoseconds] from the
 * patched binding; milliseconds from the prebuilt one, which passes the access
 * time for both, so there only the modification time is taken, as before.
 */
function timeSpec(t: number | [number, number]): TimeSpec {
  if (typeof t === 'number') return { sec: Math.floor(t / 1000), nsec: (t % 1000) * 1e6 };
  return timeSpecOf(t[0], t[1]);
}

type FairfsFuse = Fuse & { useIno: boolean };

interface FuseNative {
  FairfsFuse: new (...args: ConstructorParameters<typeof Fuse>) => FairfsFuse;
  /** The binding patched by scripts/patch-fuse-native.sh (both utimens times, nanoseconds, callers). */
  patched: boolean;
}

let loaded: FuseNative | null = null;

/** fuse-native and libfuse 2, loaded on first use: commands and fuse3 mounts never pay for them. */
function fuseNative(): FuseNative {
  if (loaded) return loaded;
  const Binding = createRequire(import.meta.url)('fuse-native') as typeof Fuse;
  // fuse-native unmounts with `fusermount -uz`; Debian's fuse3 ships only fusermount3.
  (Binding as unknown as { unmount: typeof Fuse.unmount }).unmount = (mnt, cb) => {
    fusermountUnmount(mnt, true).then(() => cb(null), cb);
  };
  /**
   * fuse-native passes only the options it knows; libfuse 2.9 splits 4 KiB
   * writes unless asked for big_writes, which costs a JS round trip per page.
   */
  class WithOptions extends Binding {
    /** use_ino: the ServedFs's inode numbers reach programs (every name of a hard link shows one inode). */
    useIno = false;

    protected override _fuseOptions(): string {
      return `${super._fuseOptions()},big_writes,max_write=131072,max_read=131072${this.useIno ? ',use_ino' : ''}`;
    }
  }
  loaded = { FairfsFuse: WithOptions, patched: (Binding as unknown as { FAIRFS_PATCH?: number }).FAIRFS_PATCH === 1 };
  return loaded;
}

/** A live fuse-native mount of a ServedFs. */
class FuseMount implements ServedMount {
  private constructor(
    private readonly fuse: Fuse,
    readonly mountpoint: string,
  ) {}

  static mount(mountpoint: string, fs: ServedFs, opts: ServeOptions): Promise<FuseMount> {
    const cache = opts.cacheSeconds ?? 1;
    const { FairfsFuse, patched } = fuseNative();
    const fuse = new FairfsFuse(mountpoint, buildOps(fs, opts), {
      // fuse-native's default 15 s per-op timeout answers ETIMEDOUT to slow but healthy ops.
      timeout: false,
      fsname: opts.fsname,
      subtype: opts.subtype,
      autoCache: true,
      attrTimeout: cache,
      entryTimeout: cache,
      maxRead: 131072,
    });
    fuse.useIno = opts.inodes ?? false;
    // The patched binding knows each request's caller while its handler runs.
    const withContext = fuse as unknown as { context?: () => Caller | null };
    if (patched && withContext.context) fs.callerFrom?.(() => withContext.context!.call(fuse));
    return new Promise((resolve, reject) => {
      fuse.mount((err) => (err ? reject(err) : resolve(new FuseMount(fuse, mountpoint))));
    });
  }

  unmount(): Promise<void> {
    return new Promise((resolve, reject) => this.fuse.unmount((err) => (err ? reject(err) : resolve())));
  }
}

/** fuse-native on libfuse 2.9: every request is a round trip to the JavaScript thread. */
export const fuseNativeBackend: Backend = {
  name: 'fuse2',
  serve: (mountpoint, fs, opts) => FuseMount.mount(mountpoint, fs, opts),
  check: () => {
    let patched: boolean;
    try {
      patched = fuseNative().patched;
    } catch (err) {
      return [{ name: 'libfuse2', ok: false, detail: `fuse-native does not load: ${(err as Error).message.split('\n')[0]}`, fix: 'npm run setup (apt: libfuse2)' }];
    }
    return [
      { name: 'libfuse2', ok: true, detail: 'fuse-native loaded libfuse.so.2' },
      patched
        ? { name: 'binding', ok: true, detail: "fuse-native patched: both file times with nanoseconds, each request's caller" }
        : { name: 'binding', ok: false, detail: 'the prebuilt fuse-native: file times set by programs are lost', fix: 'bash scripts/patch-fuse-native.sh (needs g++, make, patch)' },
    ];
  },
};

function buildOps(fs: ServedFs, opts: ServeOptions): Ops {
  const { trace } = opts;
  const errno = negativeErrno(opts);

  /** One wrapper for every op: cb called exactly once, errors through one errno map. */
  function call<T>(op: string, path: string, cb: (err: number, value?: T) => void, fn: () => T): void {
    const started = trace ? performance.now() : 0;
    let result: T;
    try {
      result = fn();
    } catch (err) {
      const code = errno(op, path, err);
      trace?.(`${op} ${path} -> ${code} (${(performance.now() - started).toFixed(3)} ms)`);
      cb(code);
      return;
    }
    trace?.(`${op} ${path} -> ok (${(performance.now() - started).toFixed(3)} ms)`);
    cb(0, result);
  }
  /** read/write answer with the byte count in the error slot. */
  function count(op: string, path: string, cb: (n: number) => void, fn: () => number): void {
    const started = trace ? performance.now() : 0;
    let n: number;
    try {
      n = fn();
    } catch (err) {
      n = errno(op, path, err);
    }
    trace?.(`${op} ${path} -> ${n} (${(performance.now() - started).toFixed(3)} ms)`);
    cb(n);
  }
  const noop = (cb: (err: number) => void): void => cb(0);

  return {
    getattr: (path, cb) => call('getattr', path, cb, () => fs.getattr(path)),
    // With attributes where the tree gives them: the kernel learns each entry's type without a getattr.
    readdir: (path, cb) => {
      if (!fs.readdirPlus) return call('readdir', path, cb, () => fs.readdir(path));
      const listed = (err: number, listing?: { names: string[]; stats: (FileStat | null)[] }): void =>
        listing ? cb(0, listing.names, listing.stats as Stat[]) : cb(err);
      call('readdir', path, listed, () => fs.readdirPlus!(path));
    },
    access: (path, mode, cb) => call('access', path, cb, () => fs.access(path, mode)),
    statfs: (path, cb) => call('statfs', path, cb, () => fs.statfs()),
    open: (path, flags, cb) => call('open', path, cb, () => fs.open(path, flags)),
    create: (path, mode, cb) => call('create', path, cb, () => fs.create(path, mode)),
    read: (path, fd, buf, len, pos, cb) => count('read', path, cb, () => fs.read(fd, buf, len, pos)),
    write: (path, fd, buf, len, pos, cb) => count('write', path, cb, () => fs.write(fd, buf, len, pos)),
    release: (path, fd, cb) => call('release', path, cb, () => fs.release(fd)),
    flush: (_path, _fd, cb) => noop(cb),
    fsync: (_path, _datasync, _fd, cb) => noop(cb),
    truncate: (path, size, cb) => call('truncate', path, cb, () => fs.truncate(path, size)),
    ftruncate: (path, fd, size, cb) => call('ftruncate', path, cb, () => fs.ftruncate(fd, size)),
    utimens: (path, atime, mtime, cb) => call('utimens', path, cb, () => fs.utimens(path, timeSpec(atime), timeSpec(mtime))),
    chmod: (path, mode, cb) => call('chmod', path, cb, () => fs.chmod(path, mode)),
    chown: (path, uid, gid, cb) => (fs.chown ? call('chown', path, cb, () => fs.chown!(path, uid, gid)) : noop(cb)),
    unlink: (path, cb) => call('unlink', path, cb, () => fs.unlink(path)),
    rename: (from, to, cb) => call('rename', from, cb, () => fs.rename(from, to)),
    mkdir: (path, mode, cb) => call('mkdir', path, cb, () => fs.mkdir(path, mode)),
    rmdir: (path, cb) => call('rmdir', path, cb, () => fs.rmdir(path)),
    ...(fs.readlink ? { readlink: (path: string, cb: (err: number, v?: string) => void) => call('readlink', path, cb, () => fs.readlink!(path)) } : {}),
    // fuse-native hands symlink and link (source, destination) as libfuse does: the target first, the new name second.
    ...(fs.symlink ? { symlink: (target: string, path: string, cb: (err: number) => void) => call('symlink', path, cb, () => fs.symlink!(target, path)) } : {}),
    ...(fs.link ? { link: (from: string, to: string, cb: (err: number) => void) => call('link', to, cb, () => fs.link!(from, to)) } : {}),
    ...(fs.mknod ? { mknod: (path: string, mode: number, dev: number, cb: (err: number) => void) => call('mknod', path, cb, () => fs.mknod!(path, mode, dev)) } : {}),
  };
}
