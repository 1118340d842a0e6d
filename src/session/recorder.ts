import type { AccessRow, Registry } from '../registry/registry.js';

export type AccessEvent = Omit<AccessRow, 'runId' | 'time' | 'dataProduct' | 'component' | 'bytes' | 'hash' | 'reason' | 'outcome' | 'pid' | 'command'> &
  Partial<Pick<AccessRow, 'dataProduct' | 'component' | 'bytes' | 'hash' | 'reason' | 'outcome'>>;

const FLUSH_EVERY_MS = 100;
const FLUSH_AT_EVENTS = 500;

/**
 * The access journal writer. FUSE handlers only push to an in-memory queue;
 * rows reach SQLite in one transaction every ~100 ms or 500 events, so no
 * handler ever waits on a disk flush (DESIGN §4.3).
 */
export class AccessRecorder {
  private queue: AccessRow[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** The last timed flush found the write lock taken: wait for the retry timer. */
  private blocked = false;
  private readonly listeners: ((row: AccessRow) => void)[] = [];
  /** Who makes the request being served (set by the session filesystem). */
  caller: () => { pid: number; command: string } | null = () => null;

  constructor(
    private readonly registry: Registry,
    private readonly runId: string,
  ) {}

  record(event: AccessEvent): void {
    const row: AccessRow = {
      runId: this.runId,
      time: new Date().toISOString(),
      op: event.op,
      path: event.path,
      dataProduct: event.dataProduct ?? null,
      component: event.component ?? null,
      bytes: event.bytes ?? null,
      hash: event.hash ?? null,
      outcome: event.outcome ?? 'ok',
      reason: event.reason ?? null,
      pid: null,
      command: null,
    };
    const who = this.caller();
    if (who) {
      row.pid = who.pid;
      row.command = who.command;
    }
    this.queue.push(row);
    for (const listener of this.listeners) listener(row);
    this.flushSoon(this.queue.length >= FLUSH_AT_EVENTS && !this.blocked ? 0 : FLUSH_EVERY_MS);
  }

  private flushSoon(ms: number): void {
    if (this.timer) {
      if (ms > 0) return;
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => this.background(), ms);
    this.timer.unref();
  }

  /** A timed flush never waits for another process's write lock: rows stay queued and it tries again. */
  private background(): void {
    this.timer = null;
    if (this.queue.length === 0) return;
    const rows = this.queue;
    this.queue = [];
    this.blocked = !this.registry.tryInsertAccesses(rows);
    if (this.blocked) {
      this.queue = rows.concat(this.queue);
      this.flushSoon(FLUSH_EVERY_MS);
    }
  }

  /** Rows recorded but not yet in SQLite. */
  pending(): readonly AccessRow[] {
    return this.queue;
  }

  /** Called for every event as it is recorded (e.g. to print refusals). */
  onRecord(listener: (row: AccessRow) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const at = this.listeners.indexOf(listener);
      if (at >= 0) this.listeners.splice(at, 1);
    };
  }

  /** Write everything now, waiting for the lock if need be (before finalise, or to show the log). */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.queue.length === 0) return;
    const rows = this.queue;
    this.queue = [];
    this.registry.insertAccesses(rows);
  }
}
