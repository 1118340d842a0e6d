import { readdirSync, readFileSync } from 'node:fs';

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

/** The process's start time in clock ticks since boot (/proc/PID/stat field 22), null when it is gone. */
export function processStartTime(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const start = Number(fields[19]);
    return Number.isFinite(start) ? start : null;
  } catch {
    return null;
  }
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
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(e)]);
    } catch {
      // it exited while we looked
    }
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
