import { closeSync, fstatSync, ftruncateSync, openSync, rmSync, statfsSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { MountRefusal } from '../errors.js';
import { matchWrite, type ResolvedRead, type ResolvedWrite, type WorkingConfig } from '../config/resolve.js';
import type { Catalog } from './catalog.js';
import { closeOpenFile, readOpenFile } from './open-file.js';
import type { AccessRecorder } from './recorder.js';
import { makeStat, S_IFDIR, S_IFLNK, S_IFREG, type FileStat, type SetTimes, type TimeSpec } from './stat.js';
import { Callers, type Caller } from './callers.js';
import { StreamHash } from './stream-hash.js';

export type { FileStat };

/*
 * The platform-neutral session filesystem (rclone's `vfs/` idea): a tree of
 * inputs, outputs, directories and the `.fair/` control files, with a handle
 * table. Every method is synchronous and touches only backing files (the data
 * store and staging), never the mount, so the FUSE adapter can call it from the
 * JS thread. Refusals throw MountRefusal with an errno and a logged reason.
 */

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

interface DirNode extends SetTimes {
  kind: 'dir';
  /** Owner and group: the creator's, or chown's (root only). */
  uid?: number;
  gid?: number;
  children: Map<string, Node>;
  mtime: Date;
  ctime: Date;
  /** Permission bits (mkdir's mode after the caller's umask; chmod). */
  mode: number;
  /** `.fair/` and its subfolders: nothing may be created there. */
  control: boolean;
}
interface InputNode {
  kind: 'input';
  read: ResolvedRead;
  mtime: Date;
}
export interface OutputNode extends SetTimes {
  kind: 'output';
  /** Owner and group: the creator's, or chown's (root only). */
  uid?: number;
  gid?: number;
  staging: string;
  size: number;
  mtime: Date;
  ctime: Date;
  /** Permission bits (create's mode after the caller's umask; chmod). */
  mode: number;
  /** Names in the tree (hard links share one node and one staging file). */
  nlink: number;
  hash: StreamHash;
  openHandles: number;
}
/** A symbolic link in the writable area: recorded, never a data product, never followed by fairfs. */
interface SymlinkNode extends SetTimes {
  kind: 'symlink';
  /** Owner and group: the creator's, or chown's (root only). */
  uid?: number;
  gid?: number;
  target: string;
  mtime: Date;
  ctime: Date;
}
/** A FIFO, socket or device node made by mknod/mkfifo/bind: the kernel serves it; never registered. */
interface SpecialNode extends SetTimes {
  kind: 'special';
  /** The device number of a character or block device. */
  rdev: number;
  /** Owner and group: the creator's, or chown's (root only). */
  uid?: number;
  gid?: number;
  /** S_IFIFO or S_IFSOCK. */
  type: number;
  mode: number;
  mtime: Date;
  ctime: Date;
}
interface VirtualNode {
  kind: 'virtual';
  render: () => Buffer;
  snapshot: { data: Buffer; at: number } | null;
}
type Node = DirNode | InputNode | OutputNode | VirtualNode | SymlinkNode | SpecialNode;

interface Handle {
  node: Node | null;
  path: string;
  fd: number | null;
  data: Buffer | null;
  writable: boolean;
  bytesRead: number;
  bytesWritten: number;
  /** What a `.fair/catalog/` read logs at close. */
  catalog?: { dataProduct: number; component: string };
  /** Opened by a process that is not part of the run: its reads are journalled as outside. */
  outside?: string;
}

const CATALOG = '/.fair/catalog';

const NAME_MAX = 255;
/** Longest symlink target, as PATH_MAX. */
const SYMLINK_MAX = 4095;
const S_IFMT = 0o170000;
const S_IFIFO = 0o010000;
const S_IFSOCK = 0o140000;
const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const SPECIAL_TYPES: Record<number, string> = { [S_IFIFO]: 'fifo', [S_IFSOCK]: 'socket', [S_IFCHR]: 'character device', [S_IFBLK]: 'block device' };
const PERMISSIONS = 0o7777;
const O_ACCMODE = 0o3;
const O_RDONLY = 0o0;
const O_TRUNC = 0o1000;
/** How long a rendered `.fair/` file is reused, so getattr's size and read agree. */
const SNAPSHOT_MS = 1000;

export interface SessionVfsOptions {
  working: WorkingConfig;
  stagingDir: string;
  recorder: AccessRecorder;
  control: Record<string, () => string>;
  /** The whole local registry, browsable (and logged as inputs) under `.fair/catalog/`. */
  catalog?: Catalog;
  /** The run's id: processes carrying it in FAIRFS_RUN_ID belong to the run. */
  runId: string;
}

export class SessionVfs {
  private readonly root: DirNode;
  private readonly handles = new Map<number, Handle>();
  private nextHandle = 1;
  private nextStaging = 1;
  private readonly loggedInputs = new Set<string>();
  private readonly started = new Date();
  private readonly working: WorkingConfig;
  private readonly stagingDir: string;
  private readonly recorder: AccessRecorder;
  private readonly catalog: Catalog | null;
  private readonly callers: Callers;
  /** Who makes the request being served (the backend's answer; null: it cannot say). */
  private callerSource: () => Caller | null = () => null;
  private readonly loggedCatalog = new Set<string>();

  constructor(opts: SessionVfsOptions) {
    this.catalog = opts.catalog ?? null;
    this.working = opts.working;
    this.stagingDir = opts.stagingDir;
    this.recorder = opts.recorder;
    this.callers = new Callers(opts.runId);
    this.recorder.caller = () => {
      const pid = this.callerSource()?.pid ?? 0;
      return pid > 0 ? { pid, command: this.callers.info(pid)?.command ?? '?' } : null;
    };
    this.root = this.dir(false);
    for (const read of this.working.reads) {
      const { parent, name } = this.ensureParents(read.path);
      parent.children.set(name, { kind: 'input', read, mtime: new Date(read.registeredAt) });
    }
    for (const write of this.working.writes) {
      // Missing parents of declared outputs exist implicitly (DESIGN §5).
      const folders = write.path.split('/').slice(0, -1);
      const firstGlob = folders.findIndex((p) => p.includes('*'));
      const fixed = firstGlob === -1 ? folders : folders.slice(0, firstGlob);
      if (fixed.length) this.ensureParents(`${fixed.join('/')}/-`);
    }
    const fair = this.dir(true);
    this.root.children.set('.fair', fair);
    for (const [name, render] of Object.entries(opts.control)) {
      fair.children.set(name, { kind: 'virtual', render: () => Buffer.from(render()), snapshot: null });
    }
    if (this.catalog) fair.children.set('catalog', this.dir(true));
  }

  // ---- who asks ---------------------------------------------------------------

  /** The backend tells who makes the request being served; asked only when an access is journalled or checked. */
  callerFrom(source: () => Caller | null): void {
    this.callerSource = source;
  }

  /** From now on only `pid`'s process tree and processes with this run's FAIRFS_RUN_ID are the run's (`fairfs run`). */
  follow(pid: number): void {
    this.callers.follow(pid);
  }

  /** Why the current caller is not part of the run, or null when it is. */
  private outsider(): string | null {
    const pid = this.callerSource()?.pid ?? 0;
    if (this.callers.belongs(pid)) return null;
    return `pid ${pid} (${this.callers.info(pid)?.command ?? '?'}) is not part of the run`;
  }

  /** A new node's owner: its creator, as on a local filesystem (unknown callers leave the daemon's). */
  private owner(): { uid?: number; gid?: number } {
    const c = this.callerSource();
    return c ? { uid: c.uid, gid: c.gid } : {};
  }

  /**
   * chown as on a local filesystem: root may give any owner and group; anyone
   * else may only keep the owner (and set a group, which this filesystem
   * cannot check membership of, so it is refused too).
   */
  chown(path: string, uid: number, gid: number): void {
    this.mustBelong('chown', path);
    const node = this.writable(path, 'chown');
    const caller = this.callerSource();
    const keep = (v: number): boolean => v === 0xffffffff || v === -1;
    if (caller && caller.uid !== 0 && (!keep(uid) || !keep(gid))) {
      this.refuse('chown', path, 'EPERM', 'only root may change the owner or group of a file');
    }
    if (!keep(uid)) node.uid = uid;
    if (!keep(gid)) node.gid = gid;
    node.ctime = new Date();
  }

  /** A change by a process outside the run is refused: only the run makes its outputs. */
  private mustBelong(op: string, path: string): void {
    const why = this.outsider();
    if (why) this.refuse(op, path, 'EACCES', `${why}; only the run's processes may change its files`);
  }

  /** The catalog-relative path when `path` lies under `.fair/catalog`, else null. */
  private inCatalog(path: string): string | null {
    if (!this.catalog) return null;
    if (path === CATALOG) return '';
    return path.startsWith(`${CATALOG}/`) ? path.slice(CATALOG.length) : null;
  }

  // ---- queries -------------------------------------------------------------

  getattr(path: string): FileStat {
    const sub = this.inCatalog(path);
    if (sub !== null) return this.catalog!.getattr(sub);
    const node = this.lookup(path);
    switch (node.kind) {
      case 'dir':
        return this.stat(S_IFDIR | (node.control ? 0o555 : node.mode), 4096, node.mtime, 2, node.ctime, node);
      case 'input':
        return this.stat(S_IFREG | 0o444, node.read.size, node.mtime);
      case 'output':
        return this.stat(S_IFREG | node.mode, node.size, node.mtime, node.nlink, node.ctime, node);
      case 'virtual':
        return this.stat(S_IFREG | 0o444, this.render(node).length, this.started);
      case 'symlink':
        return this.stat(S_IFLNK | 0o777, Buffer.byteLength(node.target), node.mtime, 1, node.ctime, node);
      case 'special': {
        const stat = this.stat(node.type | node.mode, 0, node.mtime, 1, node.ctime, node);
        return node.rdev ? { ...stat, rdev: node.rdev } : stat;
      }
    }
  }

  readdir(path: string): string[] {
    const sub = this.inCatalog(path);
    if (sub !== null) return this.catalog!.readdir(sub);
    const node = this.lookup(path);
    if (node.kind !== 'dir') throw new MountRefusal('ENOTDIR', `${path} is not a directory`);
    return [...node.children.keys()];
  }

  readlink(path: string): string {
    const sub = this.inCatalog(path);
    if (sub !== null) return this.catalog!.readlink(sub);
    const node = this.lookup(path);
    if (node.kind !== 'symlink') throw new MountRefusal('EINVAL', `${path} is not a symbolic link`);
    return node.target;
  }

  access(path: string, mode: number): void {
    const W_OK = 2;
    const sub = this.inCatalog(path);
    if (sub !== null) {
      this.catalog!.getattr(sub);
      if (mode & W_OK) throw new MountRefusal('EACCES', `${path} is read-only`);
      return;
    }
    const node = this.lookup(path);
    if (mode & W_OK && (node.kind === 'input' || node.kind === 'virtual' || (node.kind === 'dir' && node.control))) {
      throw new MountRefusal('EACCES', `${path} is read-only`);
    }
  }

  statfs(): StatFs {
    const s = statfsSync(this.stagingDir);
    return {
      bsize: s.bsize,
      frsize: s.bsize,
      blocks: s.blocks,
      bfree: s.bfree,
      bavail: s.bavail,
      files: s.files,
      ffree: s.ffree,
      favail: s.ffree,
      namemax: 255,
    };
  }

  openHandleCount(): number {
    return this.handles.size;
  }

  /** Every output with its current path in the mount. */
  outputs(): { path: string; node: OutputNode }[] {
    const found: { path: string; node: OutputNode }[] = [];
    const walk = (dir: DirNode, prefix: string): void => {
      for (const [name, child] of dir.children) {
        const path = prefix ? `${prefix}/${name}` : name;
        if (child.kind === 'output') found.push({ path, node: child });
        else if (child.kind === 'dir' && !child.control) walk(child, path);
      }
    };
    walk(this.root, '');
    return found.sort((a, b) => a.path.localeCompare(b.path));
  }

  // ---- opening and I/O -------------------------------------------------------

  open(path: string, flags: number): number {
    const writing = (flags & O_ACCMODE) !== O_RDONLY || (flags & O_TRUNC) !== 0;
    const sub = this.inCatalog(path);
    if (sub !== null) return this.openCatalog(path, sub, writing);
    const node = this.lookup(path);
    switch (node.kind) {
      case 'dir':
        throw new MountRefusal('EISDIR', `${path} is a directory`);
      case 'input': {
        const { read } = node;
        const product = read.dataProductId;
        if (writing) {
          this.refuse('open', path, 'EACCES', `input ${label(read)} is read-only: a run may not modify registered data`, product);
        }
        // A component read is served from its rendered bytes; a whole object from the store file.
        const fd = read.content ? null : openSync(read.storedFile, 'r');
        const outside = this.outsider();
        if (outside) {
          // Served, journalled with who read it, and never linked to the run.
          this.recorder.record({ op: 'open', path, dataProduct: product, component: read.component, outcome: 'outside', reason: outside });
          return this.addHandle({ node, path, fd, data: read.content ?? null, writable: false, outside });
        }
        const key = `${product}#${read.component}`;
        const first = !this.loggedInputs.has(key);
        this.loggedInputs.add(key);
        this.recorder.record({
          op: 'open',
          path,
          dataProduct: product,
          component: read.component,
          hash: first ? read.hash : null,
        });
        return this.addHandle({ node, path, fd, data: read.content ?? null, writable: false });
      }
      case 'output': {
        if (writing) this.mustBelong('open', path);
        if (flags & O_TRUNC) this.truncateOutput(node, 0);
        const fd = openSync(node.staging, 'r+');
        node.openHandles++;
        this.recorder.record({ op: 'open', path, reason: writing ? 'write' : 'read' });
        return this.addHandle({ node, path, fd, data: null, writable: writing });
      }
      case 'virtual':
        if (writing) this.refuse('open', path, 'EACCES', `${path} is a read-only control file`);
        return this.addHandle({ node, path, fd: null, data: this.render(node), writable: false });
      case 'symlink':
      case 'special':
        // The kernel resolves links and serves FIFOs and sockets itself; an open never reaches here for them.
        throw new MountRefusal('ENXIO', `${path} is not a regular file`);
    }
  }

  /** Reading the catalog inside a session makes that product (component) an input of the run. */
  private openCatalog(path: string, sub: string, writing: boolean): number {
    if (writing) this.refuse('open', path, 'EACCES', 'the catalog is read-only');
    const opened = this.catalog!.open(sub);
    const outside = this.outsider();
    if (outside) {
      this.recorder.record({ op: 'open', path, dataProduct: opened.product.id, component: opened.component, outcome: 'outside', reason: outside });
      return this.addHandle({ node: null, path, fd: opened.fd, data: opened.data, writable: false, outside });
    }
    const key = `${opened.product.id}#${opened.component}`;
    const first = !this.loggedCatalog.has(key);
    this.loggedCatalog.add(key);
    this.recorder.record({ op: 'open', path, dataProduct: opened.product.id, component: opened.component, hash: first ? opened.product.hash : null });
    return this.addHandle({
      node: null,
      path,
      fd: opened.fd,
      data: opened.data,
      writable: false,
      catalog: { dataProduct: opened.product.id, component: opened.component },
    });
  }

  /** A new output; `mode` is the caller's, after its umask (the kernel applies it). */
  create(path: string, mode = 0o644): number {
    const node = this.newOutput(path, mode, 'create');
    node.openHandles = 1;
    const fd = openSync(node.staging, 'r+');
    return this.addHandle({ node, path, fd, data: null, writable: true });
  }

  private newOutput(path: string, mode: number, op: string): OutputNode {
    this.mustBelong(op, path);
    const { parent, name } = this.freeName(path, op, true);
    const staging = join(this.stagingDir, String(this.nextStaging++));
    closeSync(openSync(staging, 'w', 0o600));
    const now = new Date();
    const node: OutputNode = { kind: 'output', staging, size: 0, mtime: now, ctime: now, mode: mode & PERMISSIONS, nlink: 1, hash: new StreamHash(), openHandles: 0, ...this.owner() };
    parent.children.set(name, node);
    this.touched(parent, now);
    this.recorder.record({ op: 'create', path, reason: this.slotLabel(path) });
    return node;
  }

  read(fh: number, buffer: Buffer, length: number, position: number): number {
    const handle = this.handle(fh);
    let n: number;
    n = readOpenFile(handle, buffer, length, position);
    handle.bytesRead += n;
    return n;
  }

  write(fh: number, buffer: Buffer, length: number, position: number): number {
    const handle = this.handle(fh);
    const node = handle.node;
    if (node?.kind !== 'output' || !handle.writable) throw new MountRefusal('EBADF', `${handle.path} is not open for writing`);
    const n = writeSync(handle.fd!, buffer, 0, length, position);
    node.hash.wrote(position, buffer.subarray(0, n));
    node.size = Math.max(node.size, position + n);
    node.mtime = node.ctime = new Date();
    node.mtimeSubMs = 0;
    handle.bytesWritten += n;
    return n;
  }

  release(fh: number): void {
    const handle = this.handles.get(fh);
    if (!handle) return;
    this.handles.delete(fh);
    closeOpenFile(handle);
    const node = handle.node;
    if (handle.outside) {
      if (handle.bytesRead > 0) this.recorder.record({ op: 'read', path: handle.path, bytes: handle.bytesRead, outcome: 'outside', reason: handle.outside });
    } else if (handle.catalog && handle.bytesRead > 0) {
      this.recorder.record({ op: 'read', path: handle.path, ...handle.catalog, bytes: handle.bytesRead });
    } else if (node?.kind === 'input' && handle.bytesRead > 0) {
      this.recorder.record({
        op: 'read',
        path: handle.path,
        dataProduct: node.read.dataProductId,
        component: node.read.component,
        bytes: handle.bytesRead,
      });
    } else if (node?.kind === 'output') {
      node.openHandles--;
      if (handle.bytesWritten > 0) this.recorder.record({ op: 'write', path: handle.path, bytes: handle.bytesWritten });
      if (handle.bytesRead > 0) this.recorder.record({ op: 'read', path: handle.path, bytes: handle.bytesRead });
    }
  }

  truncate(path: string, size: number): void {
    this.mustBelong('truncate', path);
    const node = this.lookup(path);
    if (node.kind !== 'output') this.refuseChange('truncate', path, node);
    this.truncateOutput(node as OutputNode, size);
  }

  ftruncate(fh: number, size: number): void {
    const handle = this.handle(fh);
    if (handle.node?.kind !== 'output') this.refuse('truncate', handle.path, 'EACCES', `${handle.path} is read-only`);
    const node = handle.node as OutputNode;
    ftruncateSync(handle.fd!, size);
    node.hash.truncated(size);
    node.size = fstatSync(handle.fd!).size;
    node.mtime = node.ctime = new Date();
    node.mtimeSubMs = 0;
  }

  /** Access and modification times, each to the nanosecond, `now` or left as they are (utimensat). */
  utimens(path: string, atime: TimeSpec, mtime: TimeSpec): void {
    this.mustBelong('utimens', path);
    const node = this.writable(path, 'utimens');
    const now = new Date();
    const at = (t: Exclude<TimeSpec, 'omit'>): { date: Date; subMs: number } =>
      t === 'now' ? { date: now, subMs: 0 } : { date: new Date(t.sec * 1000 + Math.floor(t.nsec / 1e6)), subMs: t.nsec % 1e6 };
    if (atime !== 'omit') {
      const a = at(atime);
      node.atime = a.date;
      node.atimeSubMs = a.subMs;
    }
    if (mtime !== 'omit') {
      const m = at(mtime);
      node.mtime = m.date;
      node.mtimeSubMs = m.subMs;
    }
    node.ctime = now;
  }

  /** Modes are kept during the run (the exec bit works); finalise stores outputs read-only, as always. */
  chmod(path: string, mode: number): void {
    this.mustBelong('chmod', path);
    const node = this.writable(path, 'chmod');
    if (node.kind === 'symlink') throw new MountRefusal('EOPNOTSUPP', `${path} is a symbolic link`);
    node.mode = mode & PERMISSIONS;
    node.ctime = new Date();
  }

  /** A node of the writable area (an output, a folder the run may change, a link, a FIFO), else a refusal. */
  private writable(path: string, op: string): OutputNode | DirNode | SymlinkNode | SpecialNode {
    const node = this.lookup(path);
    if (node.kind === 'output' || node.kind === 'symlink' || node.kind === 'special' || (node.kind === 'dir' && !node.control)) return node;
    this.refuseChange(op, path, node);
  }

  /** A symbolic link: recorded with its target, never a data product. */
  symlink(target: string, path: string): void {
    this.mustBelong('symlink', path);
    if (Buffer.byteLength(target) > SYMLINK_MAX) this.refuse('symlink', path, 'ENAMETOOLONG', `a link target of ${Buffer.byteLength(target)} bytes`);
    const { parent, name } = this.freeName(path, 'symlink', false);
    const now = new Date();
    parent.children.set(name, { kind: 'symlink', target, mtime: now, ctime: now, ...this.owner() });
    this.touched(parent, now);
    this.recorder.record({ op: 'symlink', path, reason: `-> ${target}` });
  }

  /** A hard link to an output: one node and one staged file; every name left at finalise is registered. */
  link(from: string, to: string): void {
    this.mustBelong('link', to);
    const node = this.lookup(from);
    if (node.kind === 'dir') throw new MountRefusal('EPERM', `${from} is a directory`);
    if (node.kind !== 'output') this.refuse('link', to, 'EPERM', node.kind === 'input' ? `input ${label(node.read)} is read-only: link to a copy` : `${from} cannot be linked`);
    const { parent, name } = this.freeName(to, 'link', true);
    parent.children.set(name, node);
    node.nlink++;
    const now = new Date();
    node.ctime = now;
    this.touched(parent, now);
    this.recorder.record({ op: 'link', path: to, reason: `to ${from}; ${this.slotLabel(to)}` });
  }

  /** mknod: a regular file becomes an output; FIFOs, sockets and device nodes work (as on ext4) and are never registered. */
  mknod(path: string, mode: number, rdev = 0): void {
    this.mustBelong('mknod', path);
    const type = mode & S_IFMT;
    if (type === S_IFREG || type === 0) {
      this.newOutput(path, mode, 'mknod');
      return;
    }
    if (!SPECIAL_TYPES[type]) this.refuse('mknod', path, 'EINVAL', `mode ${mode.toString(8)} is no file type`);
    const { parent, name } = this.freeName(path, 'mknod', false);
    const now = new Date();
    const device = type === S_IFCHR || type === S_IFBLK;
    parent.children.set(name, { kind: 'special', type, rdev: device ? rdev : 0, mode: mode & PERMISSIONS, mtime: now, ctime: now, ...this.owner() });
    this.touched(parent, now);
    this.recorder.record({ op: 'mknod', path, reason: SPECIAL_TYPES[type]! });
  }

  // ---- namespace changes -----------------------------------------------------

  mkdir(path: string, mode = 0o755): void {
    this.mustBelong('mkdir', path);
    const { parent, name } = this.freeName(path, 'mkdir', false);
    const dir = { ...this.dir(false), ...this.owner() };
    dir.mode = mode & PERMISSIONS;
    parent.children.set(name, dir);
    this.touched(parent, dir.mtime);
  }

  rmdir(path: string): void {
    this.mustBelong('rmdir', path);
    const { parent, name } = this.parentOf(path);
    const node = parent.children.get(name);
    if (!node) throw new MountRefusal('ENOENT', `${path} does not exist`);
    if (node.kind !== 'dir') throw new MountRefusal('ENOTDIR', `${path} is not a directory`);
    if (node.control) this.refuse('rmdir', path, 'EACCES', '.fair/ is read-only');
    if (node.children.size > 0) throw new MountRefusal('ENOTEMPTY', `${path} is not empty`);
    parent.children.delete(name);
    this.touched(parent, new Date());
  }

  unlink(path: string): void {
    this.mustBelong('unlink', path);
    const { parent, name } = this.parentOf(path);
    const node = parent.children.get(name);
    if (!node) throw new MountRefusal('ENOENT', `${path} does not exist`);
    if (node.kind === 'dir') throw new MountRefusal('EISDIR', `${path} is a directory`);
    if (node.kind === 'input' || node.kind === 'virtual') this.refuseChange('unlink', path, node);
    this.dropName(node);
    parent.children.delete(name);
    this.touched(parent, new Date());
    this.recorder.record({ op: 'unlink', path });
  }

  /** One name of a node goes: an output's staged bytes go with its last name (open handles keep their fd). */
  private dropName(node: Node): void {
    if (node.kind !== 'output') return;
    node.nlink--;
    node.ctime = new Date();
    if (node.nlink === 0) rmSync(node.staging, { force: true });
  }

  /** A folder's entries changed: its mtime and ctime. */
  private touched(dir: DirNode, when: Date): void {
    dir.mtime = dir.ctime = when;
    dir.mtimeSubMs = 0;
  }

  rename(from: string, to: string): void {
    this.mustBelong('rename', from);
    const src = this.parentOf(from);
    const node = src.parent.children.get(src.name);
    if (!node) throw new MountRefusal('ENOENT', `${from} does not exist`);
    if (node.kind === 'input' || node.kind === 'virtual' || (node.kind === 'dir' && (node.control || containsFixed(node)))) {
      this.refuseChange('rename', from, node);
    }
    const dst = this.parentOf(to);
    const existing = dst.parent.children.get(dst.name);
    if (existing === node) return;
    if (existing) {
      if (existing.kind === 'input' || existing.kind === 'virtual') this.refuseChange('rename', to, existing);
      if (existing.kind === 'dir') {
        if (node.kind !== 'dir') throw new MountRefusal('EISDIR', `${to} is a directory`);
        if (existing.children.size > 0) throw new MountRefusal('ENOTEMPTY', `${to} is not empty`);
      } else if (node.kind === 'dir') {
        throw new MountRefusal('ENOTDIR', `${to} is not a directory`);
      }
    }
    if (node.kind === 'output') this.checkWritable(dst.parent, to, 'rename');
    else if (dst.parent.control) this.refuse('rename', to, 'EACCES', '.fair/ is read-only');
    if (existing) this.dropName(existing);
    src.parent.children.delete(src.name);
    dst.parent.children.set(dst.name, node);
    const now = new Date();
    this.touched(src.parent, now);
    this.touched(dst.parent, now);
    if (node.kind !== 'dir') node.ctime = now;
    this.recorder.record({ op: 'rename', path: to, reason: `from ${from}` });
  }

  // ---- helpers ---------------------------------------------------------------

  private dir(control: boolean): DirNode {
    const now = new Date();
    return { kind: 'dir', children: new Map(), mtime: now, ctime: now, mode: 0o755, control };
  }

  private stat(mode: number, size: number, mtime: Date, nlink = 1, ctime = mtime, node: SetTimes & { uid?: number; gid?: number } = {}): FileStat {
    const stat = makeStat(mode, size, mtime, nlink, ctime, node);
    if (node.uid !== undefined) stat.uid = node.uid;
    if (node.gid !== undefined) stat.gid = node.gid;
    return stat;
  }

  private render(node: VirtualNode): Buffer {
    const now = Date.now();
    if (!node.snapshot || now - node.snapshot.at > SNAPSHOT_MS) node.snapshot = { data: node.render(), at: now };
    return node.snapshot.data;
  }

  private lookup(path: string): Node {
    let node: Node = this.root;
    for (const part of split(path)) {
      if (node.kind !== 'dir') throw new MountRefusal('ENOTDIR', `${path}: a parent is not a directory`);
      const next: Node | undefined = node.children.get(part);
      if (!next) throw new MountRefusal('ENOENT', `${path} does not exist`);
      node = next;
    }
    return node;
  }

  private parentOf(path: string): { parent: DirNode; name: string } {
    const parts = split(path);
    const name = parts.pop();
    if (name === undefined) throw new MountRefusal('EBUSY', 'the mount root cannot be changed');
    // NAME_MAX as on every Linux filesystem (the FUSE kernel lets up to 1024 bytes through).
    if (Buffer.byteLength(name) > NAME_MAX) this.refuse('name', path, 'ENAMETOOLONG', `a name of ${Buffer.byteLength(name)} bytes is longer than ${NAME_MAX}`);
    const parent = this.lookup(parts.join('/'));
    if (parent.kind !== 'dir') throw new MountRefusal('ENOTDIR', `${path}: the parent is not a directory`);
    return { parent, name };
  }

  private ensureParents(path: string): { parent: DirNode; name: string } {
    const parts = split(path);
    const name = parts.pop()!;
    let dir = this.root;
    for (const part of parts) {
      let next = dir.children.get(part);
      if (!next) {
        next = this.dir(false);
        dir.children.set(part, next);
      }
      if (next.kind !== 'dir') throw new MountRefusal('ENOTDIR', `${path}: ${part} is a file`);
      dir = next;
    }
    return { parent: dir, name };
  }

  private handle(fh: number): Handle {
    const handle = this.handles.get(fh);
    if (!handle) throw new MountRefusal('EBADF', `no open file handle ${fh}`);
    return handle;
  }

  private addHandle(h: Omit<Handle, 'bytesRead' | 'bytesWritten'>): number {
    const id = this.nextHandle++;
    this.handles.set(id, { ...h, bytesRead: 0, bytesWritten: 0 });
    return id;
  }

  private truncateOutput(node: OutputNode, size: number): void {
    truncateSync(node.staging, size);
    node.hash.truncated(size);
    node.size = size;
    node.mtime = node.ctime = new Date();
    node.mtimeSubMs = 0;
  }

  /**
   * The parent and name for a new entry: the name must be free and the folder
   * writable; an output (or a name for one) also follows the undeclared-writes policy.
   */
  private freeName(path: string, op: string, output: boolean): { parent: DirNode; name: string } {
    const { parent, name } = this.parentOf(path);
    if (parent.children.has(name)) throw new MountRefusal('EEXIST', `${path} exists`);
    if (output) this.checkWritable(parent, path, op);
    else if (parent.control) this.refuse(op, path, 'EACCES', '.fair/ is read-only');
    return { parent, name };
  }

  /** Where a new output may appear: not in .fair/, and per the undeclared-writes policy. */
  private checkWritable(parent: DirNode, path: string, op: string): void {
    if (parent.control) this.refuse(op, path, 'EACCES', '.fair/ is read-only');
    if (this.working.undeclaredWrites === 'reject' && !this.writeSlot(path)) {
      this.refuse(op, path, 'EACCES', `undeclared write to ${path} refused (undeclared_writes: reject / --strict); declare it under write:`);
    }
  }

  writeSlot(path: string): ResolvedWrite | undefined {
    return matchWrite(this.working.writes, path);
  }

  private slotLabel(path: string): string {
    const slot = this.writeSlot(path);
    return slot ? `declared: ${slot.alias}` : 'undeclared';
  }

  private refuseChange(op: string, path: string, node: Node): never {
    if (node.kind === 'input') {
      this.refuse(op, path, 'EACCES', `input ${label(node.read)} is read-only: a run may not modify registered data`, node.read.dataProductId);
    }
    this.refuse(op, path, 'EACCES', `${path} is read-only`);
  }

  private refuse(op: string, path: string, errno: MountRefusal['errno'], reason: string, dataProduct?: number): never {
    this.recorder.record({ op, path, outcome: 'refused', reason: `${errno}: ${reason}`, dataProduct: dataProduct ?? null });
    throw new MountRefusal(errno, reason);
  }
}

function split(path: string): string[] {
  return path.split('/').filter((p) => p !== '');
}

function label(read: ResolvedRead): string {
  return `${read.namespace}:${read.name}@${read.version}`;
}

/** A folder holding inputs or control files cannot move: their paths are the config's. */
function containsFixed(dir: DirNode): boolean {
  for (const child of dir.children.values()) {
    if (child.kind === 'input' || child.kind === 'virtual') return true;
    if (child.kind === 'dir' && containsFixed(child)) return true;
  }
  return false;
}
