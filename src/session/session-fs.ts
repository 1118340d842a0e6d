import { closeSync, fstatSync, ftruncateSync, openSync, rmSync, statfsSync, statSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { MountRefusal } from '../errors.js';
import type { ResolvedRead, ResolvedWrite, WorkingConfig } from '../config/resolve.js';
import type { Catalog } from '../vfs/catalog.js';
import { HandleTable, type Handle } from '../vfs/handles.js';
import { closeOpenFile, readOpenFile } from '../vfs/open-file.js';
import type { Caller, DataPath, FileHasher, HandleUsage, ServedFs, StatFs, TimeSpec } from '../vfs/served-fs.js';
import { makeStat, S_IFDIR, S_IFLNK, S_IFREG, type FileStat, type SetTimes } from '../vfs/stat.js';
import { StreamHash } from '../vfs/stream-hash.js';
import { attach, detach, holdsFixed, NAME_MAX, newDir, split, touched, Tree, type DirNode, type Node as TreeNode, type OutputNode, type SymlinkNode, type SpecialNode, type VirtualNode } from '../vfs/tree.js';
import { Callers } from './callers.js';
import type { OutputFile } from './outputs.js';
import type { AccessRecorder } from './recorder.js';
import { label, RunRules, type Decision, type Target } from './rules.js';

export type { FileStat };

/*
 * A run's filesystem: the neutral tree (vfs/) of its inputs, outputs, folders
 * and `.fair/` files, served by any backend, with every operation put to the
 * run's rules (rules.ts) and journalled (recorder.ts). Every method is
 * synchronous and touches only backing files (the data store and staging),
 * never the mount. Refusals throw MountRefusal with an errno and a logged reason.
 */

type Node = TreeNode<ResolvedRead>;
type Dir = DirNode<ResolvedRead>;

interface SessionHandle {
  node: Node | null;
  writable: boolean;
  /** What a `.fair/catalog/` read logs at close. */
  catalog?: { dataProduct: number; component: string };
  /** Opened by a process that is not part of the run: its reads are journalled as outside. */
  outside?: string;
  /** The backend writes this handle's bytes itself (DataPath). */
  nativeWrites?: boolean;
  /** The staged file when the backend took the writes over: a change by release means the handle wrote. */
  stagedBefore?: { size: number; mtimeNs: bigint };
  /** The kernel served the bytes (FUSE passthrough): an open for reading is the read, byte counts unknown. */
  passthrough?: boolean;
}

const CATALOG = '/.fair/catalog';
/** How often control files (the journal) and `.fair/catalog/` are looked at for changes to tell the kernel of. */
const CONTROL_CHANGE_MS = 250;

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

export class SessionVfs implements ServedFs {
  private readonly tree = new Tree<ResolvedRead>();
  private readonly handles = new HandleTable<SessionHandle>();
  private nextStaging = 1;
  private readonly loggedInputs = new Set<string>();
  private readonly started = new Date();
  private readonly working: WorkingConfig;
  private readonly stagingDir: string;
  private readonly recorder: AccessRecorder;
  private readonly catalog: Catalog | null;
  private readonly callers: Callers;
  private readonly rules: RunRules;
  /** Who makes the request being served (the backend's answer; null: it cannot say). */
  private callerSource: () => Caller | null = () => null;
  /** Hashes a staged file off the request thread (a backend that writes natively offers one). */
  private hasher: FileHasher | null = null;
  private readonly loggedCatalog = new Set<string>();
  /** Inode numbers: one per node (every name of a hard link shares it), one per catalog path. */
  private readonly inos = new WeakMap<object, number>();
  private readonly catalogInos = new Map<string, number>();
  private nextIno = 2;
  /** Told of paths whose attributes changed behind the kernel's back (onChange). */
  private readonly changeListeners = new Set<(paths: string[]) => void>();
  private readonly controlPaths: string[];

  constructor(opts: SessionVfsOptions) {
    this.catalog = opts.catalog ?? null;
    this.working = opts.working;
    this.stagingDir = opts.stagingDir;
    this.recorder = opts.recorder;
    this.callers = new Callers(opts.runId);
    this.rules = new RunRules(opts.working, this.callers);
    this.recorder.caller = () => {
      const caller = this.callerSource();
      const pid = caller?.pid ?? 0;
      return pid > 0 ? { pid, command: this.callers.info(pid, caller?.start)?.command ?? '?' } : null;
    };
    for (const read of this.working.reads) {
      const { parent, name } = this.tree.ensureParents(read.path);
      attach(parent, name, { kind: 'input', read, mtime: new Date(read.registeredAt) });
    }
    for (const write of this.working.writes) {
      // Missing parents of declared outputs exist implicitly (DESIGN §5).
      const folders = write.path.split('/').slice(0, -1);
      const firstGlob = folders.findIndex((p) => p.includes('*'));
      const fixed = firstGlob === -1 ? folders : folders.slice(0, firstGlob);
      if (fixed.length) this.tree.ensureParents(`${fixed.join('/')}/-`);
    }
    const fair = newDir<ResolvedRead>(true);
    attach(this.tree.root, '.fair', fair);
    for (const [name, render] of Object.entries(opts.control)) {
      attach(fair, name, { kind: 'virtual', render: () => Buffer.from(render()), snapshot: null });
    }
    this.controlPaths = Object.keys(opts.control).map((name) => `/.fair/${name}`);
    if (this.catalog) attach(fair, 'catalog', newDir(true));
  }

  // ---- who asks ---------------------------------------------------------------

  /** The backend tells who makes the request being served; asked only when an access is journalled or checked. */
  callerFrom(source: () => Caller | null): void {
    this.callerSource = source;
  }

  /**
   * Every folder of the run's tree but `.fair/` (the catalog there changes with
   * the registry): names in them change only through requests on the mount.
   */
  stableFolders(): { path: string; names: string[] }[] {
    const folders: { path: string; names: string[] }[] = [];
    const walk = (dir: Dir, path: string): void => {
      folders.push({ path, names: [...dir.children.keys()] });
      for (const [name, node] of dir.children) {
        if (node.kind === 'dir' && !node.control) walk(node, path === '/' ? `/${name}` : `${path}/${name}`);
      }
    };
    walk(this.tree.root, '/');
    return folders;
  }

  /** Outputs the backend wrote natively are hashed with this as their last writer releases them. */
  hashWith(hasher: FileHasher): void {
    this.hasher = hasher;
  }

  /** From now on only `pid`'s process tree and processes with this run's FAIRFS_RUN_ID are the run's (`fairfs run`). */
  follow(pid: number): void {
    this.callers.follow(pid);
  }

  /** Put a change of `path` to the run's rules: a refusal is journalled and thrown. */
  private decide(op: string, path: string, target: Target, change = true): Exclude<Decision, { kind: 'refused' }> {
    const decision = this.rules.decide(path, target, this.callerSource(), change);
    if (decision.kind === 'refused') this.refuse(op, path, decision.errno, decision.reason, decision.dataProduct);
    return decision;
  }

  /** What an existing node is to the rules. */
  private targetOf(node: Node): Target {
    if (node.kind === 'input') return { kind: 'input', read: node.read };
    if (node.kind === 'virtual' || (node.kind === 'dir' && node.control)) return { kind: 'control' };
    return { kind: 'writable' };
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
    const node = this.writable(path, 'chown');
    const caller = this.callerSource();
    const keep = (v: number): boolean => v === 0xffffffff || v === -1;
    if (caller && caller.uid !== 0 && (!keep(uid) || !keep(gid))) {
      this.refuse('chown', path, 'EPERM', 'only root may change the owner or group of a file');
    }
    if (!keep(uid)) node.uid = uid;
    if (!keep(gid)) node.gid = gid;
    node.ctime = new Date();
    this.namesChanged(node);
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
    if (sub !== null) {
      const stat = this.catalog!.getattr(sub);
      let ino = this.catalogInos.get(sub);
      if (ino === undefined) this.catalogInos.set(sub, (ino = this.nextIno++));
      stat.ino = ino;
      return stat;
    }
    const node = this.tree.lookup(path);
    const stat = this.attributes(node);
    stat.ino = this.inoOf(node);
    return stat;
  }

  private inoOf(node: Node): number {
    if (node === this.tree.root) return 1;
    let ino = this.inos.get(node);
    if (ino === undefined) this.inos.set(node, (ino = this.nextIno++));
    return ino;
  }

  private attributes(node: Node): FileStat {
    switch (node.kind) {
      case 'dir':
        return this.stat(S_IFDIR | (node.control ? 0o555 : node.mode), 4096, node.mtime, 2 + node.subdirs, node.ctime, node);
      case 'input':
        return this.stat(S_IFREG | 0o444, node.read.size, node.mtime);
      case 'output':
        return this.stat(S_IFREG | node.mode, this.sizeOf(node), node.mtime, node.nlink, node.ctime, node);
      case 'virtual':
        return this.stat(S_IFREG | 0o444, this.render(node).length, this.started);
      case 'symlink':
        return this.stat(S_IFLNK | 0o777, Buffer.byteLength(node.target), node.mtime, node.nlink, node.ctime, node);
      case 'special': {
        const stat = this.stat(node.type | node.mode, 0, node.mtime, node.nlink, node.ctime, node);
        return node.rdev ? { ...stat, rdev: node.rdev } : stat;
      }
    }
  }

  readdir(path: string): string[] {
    const sub = this.inCatalog(path);
    if (sub !== null) return this.catalog!.readdir(sub);
    const node = this.tree.lookup(path);
    if (node.kind !== 'dir') throw new MountRefusal('ENOTDIR', `${path} is not a directory`);
    return [...node.children.keys()];
  }

  readlink(path: string): string {
    const sub = this.inCatalog(path);
    if (sub !== null) return this.catalog!.readlink(sub);
    const node = this.tree.lookup(path);
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
    const target = this.targetOf(this.tree.lookup(path));
    if (mode & W_OK && target.kind !== 'writable') throw new MountRefusal('EACCES', `${path} is read-only`);
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
      namemax: NAME_MAX,
    };
  }

  openHandleCount(): number {
    return this.handles.size;
  }

  /** The run's output set as it stands: every name of a regular file written in the mount, which finalise consumes. */
  outputs(): OutputFile[] {
    return this.tree.outputs().map(({ path, node }) => {
      const size = this.sizeOf(node);
      const digest = node.digest?.generation === node.generation ? node.digest.pending : undefined;
      return { path, staging: node.staging, size, sha1: node.hash.digestFor(size), ...(digest ? { digest } : {}) };
    });
  }

  /** An output's length: the staged file's while a backend writes it itself, else as tracked. */
  private sizeOf(node: OutputNode): number {
    if (node.nativeWriters) node.size = statSync(node.staging).size;
    return node.size;
  }

  // ---- opening and I/O -------------------------------------------------------

  open(path: string, flags: number): number {
    const writing = (flags & O_ACCMODE) !== O_RDONLY || (flags & O_TRUNC) !== 0;
    const sub = this.inCatalog(path);
    if (sub !== null) return this.openCatalog(path, sub, writing);
    const node = this.tree.lookup(path);
    if (node.kind === 'dir') throw new MountRefusal('EISDIR', `${path} is a directory`);
    // The kernel resolves links and serves FIFOs and sockets itself; an open never reaches here for them.
    if (node.kind === 'symlink' || node.kind === 'special') throw new MountRefusal('ENXIO', `${path} is not a regular file`);
    const decision = this.decide('open', path, node.kind === 'virtual' ? { kind: 'control' } : this.targetOf(node), writing);
    switch (node.kind) {
      case 'input': {
        const { read } = node;
        const product = read.dataProductId;
        // A component read is served from its rendered bytes; a whole object from the store file.
        const fd = read.content ? null : openSync(read.storedFile, 'r');
        const { outside } = decision;
        if (outside) {
          // Served, journalled with who read it, and never linked to the run.
          this.recorder.record({ op: 'open', path, dataProduct: product, component: read.component, outcome: 'outside', reason: outside });
          return this.handles.add({ node, path, fd, data: read.content ?? null, writable: false, outside });
        }
        const key = `${product}#${read.component}`;
        const first = !this.loggedInputs.has(key);
        this.loggedInputs.add(key);
        this.recorder.record({ op: 'open', path, dataProduct: product, component: read.component, hash: first ? read.hash : null });
        return this.handles.add({ node, path, fd, data: read.content ?? null, writable: false });
      }
      case 'output': {
        if (flags & O_TRUNC) {
          this.truncateOutput(node, 0);
          this.namesChanged(node);
        }
        const fd = openSync(node.staging, 'r+');
        node.openHandles++;
        this.recorder.record({ op: 'open', path, reason: writing ? 'write' : 'read' });
        return this.handles.add({ node, path, fd, data: null, writable: writing });
      }
      case 'virtual':
        return this.handles.add({ node, path, fd: null, data: this.render(node), writable: false });
    }
  }

  /** Reading the catalog inside a session makes that product (component) an input of the run. */
  private openCatalog(path: string, sub: string, writing: boolean): number {
    if (writing) this.refuse('open', path, 'EACCES', 'the catalog is read-only');
    const opened = this.catalog!.open(sub);
    const { outside } = this.decide('open', path, { kind: 'control' }, false);
    if (outside) {
      this.recorder.record({ op: 'open', path, dataProduct: opened.product.id, component: opened.component, outcome: 'outside', reason: outside });
      return this.handles.add({ node: null, path, fd: opened.fd, data: opened.data, writable: false, outside });
    }
    const key = `${opened.product.id}#${opened.component}`;
    const first = !this.loggedCatalog.has(key);
    this.loggedCatalog.add(key);
    this.recorder.record({ op: 'open', path, dataProduct: opened.product.id, component: opened.component, hash: first ? opened.product.hash : null });
    return this.handles.add({
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
    const { node, fd } = this.newOutput(path, mode, 'create');
    node.openHandles = 1;
    return this.handles.add({ node, path, fd, data: null, writable: true });
  }

  /** A new output and its staged file, opened for reading and writing (one open serves create). */
  private newOutput(path: string, mode: number, op: string): { node: OutputNode; fd: number } {
    const { parent, name, slot } = this.freeName(path, op, true);
    const staging = join(this.stagingDir, String(this.nextStaging++));
    const fd = openSync(staging, 'w+', 0o600);
    const now = new Date();
    const node: OutputNode = {
      kind: 'output', staging, size: 0, mtime: now, ctime: now, atime: now,
      mode: mode & PERMISSIONS, nlink: 1, hash: new StreamHash(), openHandles: 0, generation: 0, ...this.owner(),
    };
    attach(parent, name, node);
    touched(parent, now);
    this.recorder.record({ op: 'create', path, reason: slotLabel(slot) });
    return { node, fd };
  }

  read(fh: number, buffer: Buffer, length: number, position: number): number {
    const handle = this.handles.get(fh);
    const n = readOpenFile(handle, buffer, length, position);
    handle.bytesRead += n;
    return n;
  }

  write(fh: number, buffer: Buffer, length: number, position: number): number {
    const handle = this.handles.get(fh);
    const node = handle.node;
    if (node?.kind !== 'output' || !handle.writable) throw new MountRefusal('EBADF', `${handle.path} is not open for writing`);
    const n = writeSync(handle.fd!, buffer, 0, length, position);
    changing(node);
    node.hash.wrote(position, buffer.subarray(0, n));
    node.size = Math.max(node.size, position + n);
    node.mtime = node.ctime = new Date();
    node.mtimeSubMs = 0;
    handle.bytesWritten += n;
    return n;
  }

  /**
   * Where a backend may read and write an open file itself: inputs and
   * registered data from their store file (never changing), outputs from their
   * staged file; rendered control files only through read().
   */
  dataPath(fh: number): DataPath {
    const handle = this.handles.get(fh);
    const node = handle.node;
    if (node?.kind === 'virtual') return { fd: null, writable: false, immutable: false, direct: true };
    const writable = node?.kind === 'output' && handle.writable && handle.fd !== null;
    if (writable && !handle.nativeWrites) {
      handle.nativeWrites = true;
      changing(node);
      const st = fstatSync(handle.fd!, { bigint: true });
      handle.stagedBefore = { size: Number(st.size), mtimeNs: st.mtimeNs };
      node.nativeWriters = (node.nativeWriters ?? 0) + 1;
      node.hash.bypassed();
    }
    return { fd: handle.fd, writable, immutable: node?.kind === 'input' || handle.catalog !== undefined, direct: false };
  }

  /** An open file's attributes once its last name is gone. */
  fgetattr(fh: number): FileStat {
    const handle = this.handles.get(fh);
    return handle.node ? this.attributes(handle.node) : this.getattr(handle.path);
  }

  release(fh: number, usage?: HandleUsage): void {
    const handle = this.handles.take(fh);
    if (!handle) return;
    if (usage?.passthrough) {
      handle.passthrough = true;
    } else if (usage) {
      handle.bytesRead += usage.bytesRead;
      handle.bytesWritten += usage.bytesWritten;
    }
    const node = handle.node;
    if (handle.nativeWrites && node?.kind === 'output') {
      // The kernel has flushed this handle's pages (close waits for write-back): the staged length is the length.
      node.size = fstatSync(handle.fd!).size;
      node.nativeWriters!--;
      // The last writer is gone: hash the bytes now, off this thread, so finalise finds the hash ready.
      if (node.nativeWriters === 0 && this.hasher) {
        node.digest = { generation: node.generation, pending: this.hasher(node.staging).catch(() => null) };
      }
    }
    closeOpenFile(handle);
    this.recordClose(handle);
  }

  /** What a handle did, journalled when it closes. */
  private recordClose(handle: Handle<SessionHandle>): void {
    const node = handle.node;
    // Under passthrough the kernel reads without asking: opening an input to read is reading it (bytes unknown).
    const read = handle.passthrough ? !handle.writable : handle.bytesRead > 0;
    const bytes = handle.passthrough ? undefined : handle.bytesRead;
    if (handle.outside) {
      if (read) this.recorder.record({ op: 'read', path: handle.path, bytes, outcome: 'outside', reason: handle.outside });
    } else if (handle.catalog && read) {
      this.recorder.record({ op: 'read', path: handle.path, ...handle.catalog, bytes });
    } else if (node?.kind === 'input' && read) {
      this.recorder.record({ op: 'read', path: handle.path, dataProduct: node.read.dataProductId, component: node.read.component, bytes });
    } else if (node?.kind === 'output') {
      node.openHandles--;
      if (handle.passthrough) {
        if (this.stagedChanged(handle)) {
          this.recorder.record({ op: 'write', path: handle.path });
          this.namesChanged(node);
        }
      } else {
        if (handle.bytesWritten > 0) this.recorder.record({ op: 'write', path: handle.path, bytes: handle.bytesWritten });
        if (handle.bytesRead > 0) this.recorder.record({ op: 'read', path: handle.path, bytes: handle.bytesRead });
      }
    }
  }

  /**
   * A backend that lets the kernel keep attributes long is told the paths
   * whose attributes change without a request on that path: the other names
   * of a hard-linked file, the control files (the journal grows), and
   * `.fair/catalog/` (data registered meanwhile). Returns the unsubscribe.
   */
  onChange(listener: (paths: string[]) => void): () => void {
    this.changeListeners.add(listener);
    let journalGrew = false;
    const stopRecording = this.recorder.onRecord(() => (journalGrew = true));
    const stopCatalog = this.catalog?.onChange((paths) => this.changed(paths.map((p) => `${CATALOG}${p}`)));
    const stopRefreshing = this.catalog?.refreshEvery(CONTROL_CHANGE_MS);
    const timer = setInterval(() => {
      if (journalGrew) {
        // Render afresh when the kernel asks again, not from a snapshot older than the change.
        for (const path of this.controlPaths) {
          const node = this.tree.lookup(path);
          if (node.kind === 'virtual') node.snapshot = null;
        }
        this.changed(this.controlPaths);
      }
      journalGrew = false;
    }, CONTROL_CHANGE_MS);
    timer.unref();
    return () => {
      clearInterval(timer);
      stopRecording();
      stopRefreshing?.();
      stopCatalog?.();
      this.changeListeners.delete(listener);
    };
  }

  private changed(paths: string[]): void {
    if (paths.length) for (const listen of this.changeListeners) listen(paths);
  }

  /** Every name of a node with more than one (each is its own kernel inode under libfuse's high-level API). */
  private namesChanged(node: Node, evenOne = false): void {
    if (!this.changeListeners.size || !('nlink' in node) || (node.nlink < 2 && !evenOne)) return;
    this.changed(this.tree.namesOf(node));
  }

  /** Whether a handle whose writes the kernel served changed its staged file (closed already: stat the path). */
  private stagedChanged(handle: Handle<SessionHandle>): boolean {
    const before = handle.stagedBefore;
    if (!before || handle.node?.kind !== 'output') return false;
    try {
      const st = statSync(handle.node.staging, { bigint: true });
      return Number(st.size) !== before.size || st.mtimeNs !== before.mtimeNs;
    } catch {
      return true;
    }
  }

  truncate(path: string, size: number): void {
    const node = this.tree.lookup(path);
    this.decide('truncate', path, this.targetOf(node));
    if (node.kind !== 'output') this.refuse('truncate', path, 'EACCES', `${path} is read-only`);
    this.truncateOutput(node, size);
    this.namesChanged(node);
  }

  ftruncate(fh: number, size: number): void {
    const handle = this.handles.get(fh);
    const node = handle.node;
    if (node?.kind !== 'output') this.refuse('truncate', handle.path, 'EACCES', `${handle.path} is read-only`);
    ftruncateSync(handle.fd!, size);
    changing(node);
    node.hash.truncated(size);
    node.size = fstatSync(handle.fd!).size;
    node.mtime = node.ctime = new Date();
    node.mtimeSubMs = 0;
    this.namesChanged(node);
  }

  /** Access and modification times, each to the nanosecond, `now` or left as they are (utimensat). */
  utimens(path: string, atime: TimeSpec, mtime: TimeSpec): void {
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
    this.namesChanged(node);
  }

  /** Modes are kept during the run (the exec bit works); finalise stores outputs read-only, as always. */
  chmod(path: string, mode: number): void {
    const node = this.writable(path, 'chmod');
    if (node.kind === 'symlink') throw new MountRefusal('EOPNOTSUPP', `${path} is a symbolic link`);
    node.mode = mode & PERMISSIONS;
    node.ctime = new Date();
    this.namesChanged(node);
  }

  /** A node the run may change (an output, a folder of its own, a link, a FIFO), else a journalled refusal. */
  private writable(path: string, op: string): OutputNode | Dir | SymlinkNode | SpecialNode {
    const node = this.tree.lookup(path);
    this.decide(op, path, this.targetOf(node));
    return node as OutputNode | Dir | SymlinkNode | SpecialNode;
  }

  /** A symbolic link: recorded with its target, never a data product. */
  symlink(target: string, path: string): void {
    if (Buffer.byteLength(target) > SYMLINK_MAX) this.refuse('symlink', path, 'ENAMETOOLONG', `a link target of ${Buffer.byteLength(target)} bytes`);
    const { parent, name } = this.freeName(path, 'symlink', false);
    const now = new Date();
    attach(parent, name, { kind: 'symlink', target, nlink: 1, mtime: now, ctime: now, atime: now, ...this.owner() });
    touched(parent, now);
    this.recorder.record({ op: 'symlink', path, reason: `-> ${target}` });
  }

  /**
   * A hard link: one node under two names. An output's names share one staged
   * file and every name left at finalise is registered; links to symbolic
   * links, FIFOs, sockets and devices work as on ext4 and are never registered.
   */
  link(from: string, to: string): void {
    const node = this.tree.lookup(from);
    if (node.kind === 'dir') throw new MountRefusal('EPERM', `${from} is a directory`);
    if (node.kind === 'input') this.refuse('link', to, 'EPERM', `input ${label(node.read)} is read-only: link to a copy`, node.read.dataProductId);
    if (node.kind === 'virtual') this.refuse('link', to, 'EPERM', `${from} is a control file`);
    const { parent, name, slot } = this.freeName(to, 'link', node.kind === 'output');
    attach(parent, name, node);
    node.nlink++;
    const now = new Date();
    node.ctime = now;
    touched(parent, now);
    this.namesChanged(node);
    this.recorder.record({ op: 'link', path: to, reason: node.kind === 'output' ? `to ${from}; ${slotLabel(slot)}` : `to ${from}` });
  }

  /** mknod: a regular file becomes an output; FIFOs, sockets and device nodes work (as on ext4) and are never registered. */
  mknod(path: string, mode: number, rdev = 0): void {
    const type = mode & S_IFMT;
    if (type === S_IFREG || type === 0) {
      closeSync(this.newOutput(path, mode, 'mknod').fd);
      return;
    }
    if (!SPECIAL_TYPES[type]) this.refuse('mknod', path, 'EINVAL', `mode ${mode.toString(8)} is no file type`);
    const { parent, name } = this.freeName(path, 'mknod', false);
    const now = new Date();
    const device = type === S_IFCHR || type === S_IFBLK;
    attach(parent, name, { kind: 'special', type, rdev: device ? rdev : 0, mode: mode & PERMISSIONS, nlink: 1, mtime: now, ctime: now, atime: now, ...this.owner() });
    touched(parent, now);
    this.recorder.record({ op: 'mknod', path, reason: SPECIAL_TYPES[type]! });
  }

  // ---- namespace changes -----------------------------------------------------

  mkdir(path: string, mode = 0o755): void {
    const { parent, name } = this.freeName(path, 'mkdir', false);
    const dir: Dir = { ...newDir<ResolvedRead>(false, mode & PERMISSIONS), ...this.owner() };
    attach(parent, name, dir);
    touched(parent, dir.mtime);
  }

  rmdir(path: string): void {
    const { parent, name } = this.parentOf(path, 'rmdir');
    const node = parent.children.get(name);
    if (!node) throw new MountRefusal('ENOENT', `${path} does not exist`);
    if (node.kind !== 'dir') throw new MountRefusal('ENOTDIR', `${path} is not a directory`);
    this.decide('rmdir', path, this.targetOf(node));
    if (node.children.size > 0) throw new MountRefusal('ENOTEMPTY', `${path} is not empty`);
    detach(parent, name);
    touched(parent, new Date());
  }

  unlink(path: string): void {
    const { parent, name } = this.parentOf(path, 'unlink');
    const node = parent.children.get(name);
    if (!node) throw new MountRefusal('ENOENT', `${path} does not exist`);
    if (node.kind === 'dir') throw new MountRefusal('EISDIR', `${path} is a directory`);
    this.decide('unlink', path, this.targetOf(node));
    this.dropName(node);
    detach(parent, name);
    touched(parent, new Date());
    this.recorder.record({ op: 'unlink', path });
  }

  /** One name of a node goes: an output's staged bytes go with its last name (open handles keep their fd). */
  private dropName(node: Node): void {
    if (node.kind !== 'output' && node.kind !== 'symlink' && node.kind !== 'special') return;
    node.nlink--;
    node.ctime = new Date();
    if (node.kind === 'output' && node.nlink === 0) rmSync(node.staging, { force: true });
    // Called before the name is detached: the remaining names are told after this request.
    if (node.nlink > 0) queueMicrotask(() => this.namesChanged(node, true));
  }

  rename(from: string, to: string): void {
    const src = this.parentOf(from, 'rename');
    const node = src.parent.children.get(src.name);
    if (!node) throw new MountRefusal('ENOENT', `${from} does not exist`);
    // A folder holding inputs or control files cannot move: their paths are the config's.
    const fixed = node.kind === 'dir' && !node.control && holdsFixed(node);
    this.decide('rename', from, fixed ? { kind: 'control' } : this.targetOf(node));
    const dst = this.parentOf(to, 'rename');
    const existing = dst.parent.children.get(dst.name);
    if (existing === node) return;
    if (existing) {
      this.decide('rename', to, this.targetOf(existing));
      if (existing.kind === 'dir') {
        if (node.kind !== 'dir') throw new MountRefusal('EISDIR', `${to} is a directory`);
        if (existing.children.size > 0) throw new MountRefusal('ENOTEMPTY', `${to} is not empty`);
      } else if (node.kind === 'dir') {
        throw new MountRefusal('ENOTDIR', `${to} is not a directory`);
      }
    }
    const arriving: Target = node.kind === 'output' ? { kind: 'new-output', inControl: dst.parent.control } : { kind: 'new-entry', inControl: dst.parent.control };
    this.decide('rename', to, arriving);
    if (existing) this.dropName(existing);
    detach(src.parent, src.name);
    attach(dst.parent, dst.name, node);
    const now = new Date();
    touched(src.parent, now);
    touched(dst.parent, now);
    if (node.kind === 'output' || node.kind === 'symlink' || node.kind === 'special') node.ctime = now;
    this.recorder.record({ op: 'rename', path: to, reason: `from ${from}` });
  }

  // ---- helpers ---------------------------------------------------------------

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

  /** The tree's parentOf, with a name longer than NAME_MAX journalled as the refusal it is. */
  private parentOf(path: string, op: string): { parent: Dir; name: string } {
    const name = split(path).pop() ?? '';
    if (Buffer.byteLength(name) > NAME_MAX) this.refuse(op, path, 'ENAMETOOLONG', `a name of ${Buffer.byteLength(name)} bytes is longer than ${NAME_MAX}`);
    return this.tree.parentOf(path);
  }

  private truncateOutput(node: OutputNode, size: number): void {
    truncateSync(node.staging, size);
    changing(node);
    node.hash.truncated(size);
    node.size = size;
    node.mtime = node.ctime = new Date();
    node.mtimeSubMs = 0;
  }

  /**
   * The parent and name for a new entry: the name must be free and the run's
   * rules must allow it there (a new output also follows the undeclared-writes policy).
   */
  private freeName(path: string, op: string, output: boolean): { parent: Dir; name: string; slot?: ResolvedWrite } {
    const { parent, name } = this.parentOf(path, op);
    if (parent.children.has(name)) throw new MountRefusal('EEXIST', `${path} exists`);
    const decision = this.decide(op, path, { kind: output ? 'new-output' : 'new-entry', inControl: parent.control });
    return decision.kind === 'allowed' && decision.slot ? { parent, name, slot: decision.slot } : { parent, name };
  }

  writeSlot(path: string): ResolvedWrite | undefined {
    return this.rules.slot(path);
  }

  private refuse(op: string, path: string, errno: MountRefusal['errno'], reason: string, dataProduct?: number | null): never {
    this.recorder.record({ op, path, outcome: 'refused', reason: `${errno}: ${reason}`, dataProduct: dataProduct ?? null });
    throw new MountRefusal(errno, reason);
  }
}

function slotLabel(slot: ResolvedWrite | undefined): string {
  return slot ? `declared: ${slot.alias}` : 'undeclared';
}

/** The staged bytes may change from here on: a hash begun before no longer speaks for them. */
function changing(node: OutputNode): void {
  node.generation++;
}
