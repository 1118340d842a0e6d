import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/*
 * What this machine can prove about a process. On a shared machine fairfs
 * removes nothing (a mount, a temp file) unless its owner is provably dead:
 * a pid alone can be reused, so the owner is named by pid and start time.
 */

/** Whether a process with this pid exists (EPERM: it does, as another user's). */
export function pidAlive(pid: number | null | undefined): boolean {
  if (!pid || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Fields 3… of /proc/PID/stat (state, ppid, …), null when the process is gone. */
function statFields(pid: number | string): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** The process's start time in clock ticks since boot (/proc/PID/stat field 22), null when it is gone. */
export function processStartTime(pid: number): number | null {
  const start = Number(statFields(pid)?.[19]);
  return Number.isFinite(start) ? start : null;
}

/** A process identity that survives pid reuse. */
export interface ProcessId {
  pid: number;
  start: number | null;
}

export const thisProcess = (): ProcessId => ({ pid: process.pid, start: processStartTime(process.pid) });

/**
 * Whether the process is provably gone: no such pid, or the pid now belongs to
 * a process started at another time. Unknown start times count as alive.
 */
export function provablyDead(id: ProcessId): boolean {
  if (!pidAlive(id.pid)) return true;
  if (id.start === null) return false;
  const now = processStartTime(id.pid);
  return now !== null && now !== id.start;
}

/** Every process descended from `pid` (read from /proc), children before grandchildren. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return [];
  }
  for (const e of entries) {
    const fields = statFields(e);
    if (!fields) continue; // it exited while we looked
    const ppid = Number(fields[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(e)]);
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length) {
    for (const c of children.get(queue.shift()!) ?? []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

/**
 * A name for a temporary file or folder that says which process made it:
 * `<prefix><pid>-<start>-<random>`, so `sweepDeadTagged` can tell a live
 * writer's from a dead one's.
 */
export function processTag(prefix: string, random: string): string {
  const me = thisProcess();
  return `${prefix}${me.pid}-${me.start ?? 0}-${random}`;
}

/**
 * Remove the entries of `dir` named with `prefix` whose process is provably
 * dead (or that carry no pid: an older layout). Returns how many went.
 */
export function sweepDeadTagged(dir: string, prefix: string): number {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const [pid, start] = name.slice(prefix.length).split('-').map(Number);
    if (pid && Number.isInteger(pid) && !provablyDead({ pid, start: start || null })) continue;
    rmSync(join(dir, name), { recursive: true, force: true });
    removed++;
  }
  return removed;
}

/** What a request's caller is, as /proc tells it. */
export interface ProcessInfo extends ProcessId {
  ppid: number | null;
  /** The command line (argv joined by spaces), or the short name when it cannot be read. */
  command: string;
  /** `FAIRFS_RUN_ID` from its environment, when it has one. */
  runId: string | null;
}

/** /proc facts of one process, null when it is gone. Reading another user's environment needs root (else runId is null). */
export function processInfo(pid: number): ProcessInfo | null {
  const fields = statFields(pid);
  if (!fields) return null;
  let command = '';
  try {
    command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    // gone, or not ours to read
  }
  if (!command) {
    try {
      command = `[${readFileSync(`/proc/${pid}/comm`, 'utf8').trim()}]`;
    } catch {
      command = '?';
    }
  }
  let runId: string | null = null;
  try {
    const env = readFileSync(`/proc/${pid}/environ`, 'utf8');
    runId = /(?:^|\0)FAIRFS_RUN_ID=([0-9a-f]{40})(?:\0|$)/.exec(env)?.[1] ?? null;
  } catch {
    runId = null;
  }
  const start = Number(fields[19]);
  return { pid, start: Number.isFinite(start) ? start : null, ppid: Number(fields[1]) || null, command: command.slice(0, 500), runId };
}
