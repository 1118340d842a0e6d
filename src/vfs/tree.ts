import { MountRefusal } from '../errors.js';
import type { FileDigest } from './served-fs.js';
import type { SetTimes } from './stat.js';
import type { StreamHash } from './stream-hash.js';

/*
 * The tree a session serves: folders, read-only files backed by the data store,
 * files being written (backed by staging files), links, FIFOs and rendered
 * control files. It knows paths, names and times; what a run may do with them
 * is decided by the session's rules, not here.
 */

/** A read-only file the tree serves from a backing file or rendered bytes. */
export interface BackedFile {
  size: number;
  storedFile: string;
  /** Bytes rendered before mounting (a component of a core-format file), served instead of the file. */
  content?: Buffer;
  registeredAt: string;
}

interface Owned {
  /** Owner and group: the creator's, or chown's (root only); unset means the serving process's. */
  uid?: number;
  gid?: number;
}

export interface DirNode<I> extends SetTimes, Owned {
  kind: 'dir';
  /** Entries: change them through attach/detach, which keep `subdirs` true. */
  children: Map<string, Node<I>>;
  /** Folders among the children: a folder's link count is 2 + this, as on ext4. */
  subdirs: number;
  mtime: Date;
  ctime: Date;
  /** Permission bits (mkdir's mode after the caller's umask; chmod). */
  mode: number;
  /** `.fair/` and its subfolders: nothing may be created there. */
  control: boolean;
}
export interface InputNode<I> {
  kind: 'input';
  read: I;
  mtime: Date;
}
export interface OutputNode extends SetTimes, Owned {
  kind: 'output';
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
  /** Open handles whose writes a backend serves itself (DataPath): the staged file, not `size`, knows the length. */
  nativeWriters?: number;
  /** Counts every chance the staged bytes had to change (a writable open, a write, a truncate). */
  generation: number;
  /** A hash of the staged file begun when its last writer released it, good while `generation` is unchanged. */
  digest?: { generation: number; pending: Promise<FileDigest | null> };
}
/** A symbolic link: kept, never followed by fairfs (the kernel resolves it). */
export interface SymlinkNode extends SetTimes, Owned {
  kind: 'symlink';
  target: string;
  /** Names in the tree (a hard link to a link shares the node). */
  nlink: number;
  mtime: Date;
  ctime: Date;
}
/** A FIFO, socket or device node made by mknod/mkfifo/bind: the kernel serves it. */
export interface SpecialNode extends SetTimes, Owned {
  kind: 'special';
  /** The device number of a character or block device. */
  rdev: number;
  /** S_IFIFO, S_IFSOCK, S_IFCHR or S_IFBLK. */
  type: number;
  mode: number;
  /** Names in the tree (hard links share the node). */
  nlink: number;
  mtime: Date;
  ctime: Date;
}
/** A control file rendered on demand (`.fair/run.json`, ...). */
export interface VirtualNode {
  kind: 'virtual';
  render: () => Buffer;
  snapshot: { data: Buffer; at: number } | null;
}
export type Node<I> = DirNode<I> | InputNode<I> | OutputNode | VirtualNode | SymlinkNode | SpecialNode;

export const NAME_MAX = 255;

/** The FUSE kernel lets names of up to 1024 bytes through; ext4 and friends stop at NAME_MAX, so does this tree. */
export function checkName(name: string): void {
  const bytes = Buffer.byteLength(name);
  if (bytes > NAME_MAX) throw new MountRefusal('ENAMETOOLONG', `a name of ${bytes} bytes is longer than ${NAME_MAX}`);
}

export function split(path: string): string[] {
  return path.split('/').filter((p) => p !== '');
}

/** A new folder, stamped now (atime too, as a local filesystem does). */
export function newDir<I>(control: boolean, mode = 0o755): DirNode<I> {
  const now = new Date();
  return { kind: 'dir', children: new Map(), subdirs: 0, mtime: now, ctime: now, atime: now, mode, control };
}

/** Put a node under a name in a folder (replacing what was there). */
export function attach<I>(dir: DirNode<I>, name: string, node: Node<I>): void {
  detach(dir, name);
  dir.children.set(name, node);
  if (node.kind === 'dir') dir.subdirs++;
}

/** Take a name out of a folder. */
export function detach<I>(dir: DirNode<I>, name: string): void {
  const old = dir.children.get(name);
  if (!old) return;
  dir.children.delete(name);
  if (old.kind === 'dir') dir.subdirs--;
}

export class Tree<I extends BackedFile> {
  readonly root: DirNode<I> = newDir(false);

  lookup(path: string): Node<I> {
    let node: Node<I> = this.root;
    for (const part of split(path)) {
      if (node.kind !== 'dir') throw new MountRefusal('ENOTDIR', `${path}: a parent is not a directory`);
      checkName(part);
      const next: Node<I> | undefined = node.children.get(part);
      if (!next) throw new MountRefusal('ENOENT', `${path} does not exist`);
      node = next;
    }
    return node;
  }

  /** The folder holding `path` and the last name; the name's length is checked as on every Linux filesystem. */
  parentOf(path: string): { parent: DirNode<I>; name: string } {
    const parts = split(path);
    const name = parts.pop();
    if (name === undefined) throw new MountRefusal('EBUSY', 'the mount root cannot be changed');
    checkName(name);
    const parent = this.lookup(parts.join('/'));
    if (parent.kind !== 'dir') throw new MountRefusal('ENOTDIR', `${path}: the parent is not a directory`);
    return { parent, name };
  }

  /** The folder for `path`, made (with its parents) where missing. */
  ensureParents(path: string): { parent: DirNode<I>; name: string } {
    const parts = split(path);
    const name = parts.pop()!;
    let dir = this.root;
    for (const part of parts) {
      let next = dir.children.get(part);
      if (!next) {
        next = newDir<I>(false);
        attach(dir, part, next);
      }
      if (next.kind !== 'dir') throw new MountRefusal('ENOTDIR', `${path}: ${part} is a file`);
      dir = next;
    }
    return { parent: dir, name };
  }

  /** Every name of a node (a hard-linked file has several), as absolute paths; control folders excluded. */
  namesOf(node: Node<I>): string[] {
    const found: string[] = [];
    const walk = (dir: DirNode<I>, prefix: string): void => {
      for (const [name, child] of dir.children) {
        if (child === node) found.push(`${prefix}/${name}`);
        else if (child.kind === 'dir' && !child.control) walk(child, `${prefix}/${name}`);
      }
    };
    walk(this.root, '');
    return found;
  }

  /** Every file being written, by its current path (a hard-linked file once per name), sorted. */
  outputs(): { path: string; node: OutputNode }[] {
    const found: { path: string; node: OutputNode }[] = [];
    const walk = (dir: DirNode<I>, prefix: string): void => {
      for (const [name, child] of dir.children) {
        const path = prefix ? `${prefix}/${name}` : name;
        if (child.kind === 'output') found.push({ path, node: child });
        else if (child.kind === 'dir' && !child.control) walk(child, path);
      }
    };
    walk(this.root, '');
    return found.sort((a, b) => a.path.localeCompare(b.path));
  }
}

/** A folder's entries changed: its mtime and ctime. */
export function touched<I>(dir: DirNode<I>, when: Date): void {
  dir.mtime = dir.ctime = when;
  dir.mtimeSubMs = 0;
}

/** Whether a folder holds files whose paths are fixed (inputs, control files) anywhere below it. */
export function holdsFixed<I>(dir: DirNode<I>): boolean {
  for (const child of dir.children.values()) {
    if (child.kind === 'input' || child.kind === 'virtual') return true;
    if (child.kind === 'dir' && holdsFixed(child)) return true;
  }
  return false;
}
