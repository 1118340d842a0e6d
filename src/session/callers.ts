import { processInfo, processStartTime, type ProcessInfo } from '../processes.js';


interface Known {
  info: ProcessInfo;
  member: boolean | null;
}

/**
 * The processes that make a session's requests: their command lines for the
 * journal, and whether each belongs to the run. Under `fairfs run` only the
 * command's process tree and processes whose environment carries the run's
 * FAIRFS_RUN_ID (as `srun`/`mpirun` pass it to ranks started elsewhere) belong;
 * a mount without a root counts every process. Known per pid and start time,
 * so a reused pid is looked at afresh.
 */
export class Callers {
  private root: { pid: number; start: number | null } | null = null;
  private readonly known = new Map<number, Known>();

  constructor(private readonly runId: string) {}

  /** From now on only `pid`'s tree (and processes with this run's FAIRFS_RUN_ID) belong to the run. */
  follow(pid: number): void {
    const info = processInfo(pid);
    this.root = { pid, start: info?.start ?? null };
  }

  get following(): boolean {
    return this.root !== null;
  }

  /**
   * The process, looked up once per pid and start time; null for the kernel
   * (pid 0) or a process already gone. `start`, when the backend read it with
   * the request, saves reading it here.
   */
  info(pid: number, start?: number): ProcessInfo | null {
    if (pid <= 0) return null;
    const cached = this.known.get(pid);
    // One small read tells a known process from a new one with its pid; the rest is read once.
    if (cached && cached.info.start !== null && (start ?? processStartTime(pid)) === cached.info.start) return cached.info;
    const fresh = processInfo(pid);
    if (!fresh) return cached?.info ?? null;
    this.known.set(pid, { info: fresh, member: null });
    return fresh;
  }

  /** Whether the process's requests are the run's own. */
  belongs(pid: number, start?: number): boolean {
    if (!this.root || pid <= 0 || pid === process.pid) return true;
    const info = this.info(pid, start);
    if (!info) return true; // gone before we could look: its request was already made; count it
    const entry = this.known.get(pid)!;
    if (entry.member !== null) return entry.member;
    entry.member = info.runId === this.runId || this.descends(info);
    return entry.member;
  }

  private descends(info: ProcessInfo): boolean {
    let at: ProcessInfo | null = info;
    for (let depth = 0; at && depth < 64; depth++) {
      if (at.pid === this.root!.pid && (this.root!.start === null || at.start === this.root!.start)) return true;
      if (!at.ppid || at.ppid <= 1) return false;
      const parent = this.known.get(at.ppid);
      if (parent && parent.member !== null && parent.info.start !== null) return parent.member;
      at = this.info(at.ppid);
    }
    return false;
  }
}
