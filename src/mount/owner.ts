import { stat } from 'node:fs/promises';
import { provablyDead, thisProcess } from '../processes.js';
import { fuseMounts, type MountEntry } from './fusermount.js';

/*
 * Every fairfs mount says whose it is: its FUSE fsname (the `source` column of
 * /proc/self/mountinfo) carries the run id, the serving process (pid + start
 * time) and the home. So `recover`, `doctor`, `mount` and `unmount` of any home
 * can tell a live session of another home from a dead one, and name its owner.
 */

export interface MountOwner {
  kind: 'run' | 'catalog';
  runId: string | null;
  pid: number;
  start: number | null;
  home: string;
}

const PREFIX = 'fairfs:';

/** The FUSE subtypes (`fuse.<subtype>` in mountinfo) of a session and of a catalog mount. */
export const SESSION_SUBTYPE = 'fairfs';
export const CATALOG_SUBTYPE = 'fairfs-catalog';

/** The fsname for a mount served by this process. Encoded: no comma, space or colon reaches the mount options. */
export function ownerFsname(kind: MountOwner['kind'], runId: string | null, home: string): string {
  const me = thisProcess();
  return `${PREFIX}${kind}:${runId ?? '-'}:${me.pid}:${me.start ?? 0}:${encodeURIComponent(home)}`;
}

export function parseOwner(source: string): MountOwner | null {
  if (!source.startsWith(PREFIX)) return null;
  const [kind, runId, pid, start, home] = source.slice(PREFIX.length).split(':');
  if ((kind !== 'run' && kind !== 'catalog') || !runId || !pid || home === undefined) return null;
  const pidNumber = Number(pid);
  if (!Number.isInteger(pidNumber) || pidNumber <= 0) return null;
  let decodedHome: string;
  try {
    decodedHome = decodeURIComponent(home);
  } catch {
    return null;
  }
  return { kind, runId: runId === '-' ? null : runId, pid: pidNumber, start: Number(start) || null, home: decodedHome };
}

export type MountState = 'live' | 'dead';

export interface FairfsMount extends MountEntry {
  owner: MountOwner | null;
  state: MountState;
  /** Why it is judged dead (or live), for doctor and recover to print. */
  why: string;
}

/** Whether a mount answers ENOTCONN: its daemon is gone. A mount that does not answer in time counts as live. */
async function notConnected(mountpoint: string): Promise<boolean> {
  const probe = stat(mountpoint).then(
    () => false,
    (err: NodeJS.ErrnoException) => err.code === 'ENOTCONN',
  );
  const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2000).unref());
  return Promise.race([probe, timeout]);
}

/**
 * Judge one FUSE mount. Dead only when proven: its serving process is gone
 * (pid absent, or reused by a process started at another time), or the mount
 * answers ENOTCONN. Never stat a mount this process serves (it would hang).
 */
export async function judgeMount(entry: MountEntry): Promise<FairfsMount> {
  const owner = parseOwner(entry.source);
  if (owner?.pid === process.pid) return { ...entry, owner, state: 'live', why: 'served by this process' };
  if (owner && provablyDead({ pid: owner.pid, start: owner.start })) {
    return { ...entry, owner, state: 'dead', why: `its daemon (pid ${owner.pid}) is gone` };
  }
  if (await notConnected(entry.mountpoint)) return { ...entry, owner, state: 'dead', why: 'it answers "Transport endpoint is not connected"' };
  return { ...entry, owner, state: 'live', why: owner ? `served by pid ${owner.pid}` : 'it answers' };
}

/** Every fairfs mount on the machine (sessions and catalogs of any home), judged. */
export async function fairfsMounts(): Promise<FairfsMount[]> {
  const entries = fuseMounts().filter((m) => m.fstype === 'fuse.fairfs' || m.fstype === 'fuse.fairfs-catalog');
  return Promise.all(entries.map(judgeMount));
}

/** A person-readable owner: "run 3f2a… of home /x (pid 123)". */
export function describeOwner(m: FairfsMount): string {
  if (!m.owner) return 'an unknown owner (a mount from an older fairfs)';
  const what = m.owner.kind === 'catalog' ? 'a catalog' : `run ${m.owner.runId?.slice(0, 12)}`;
  return `${what} of home ${m.owner.home} (pid ${m.owner.pid})`;
}

