import type { AccessRow, Registry } from '../registry/registry.js';

export type AccessEvent = Omit<AccessRow, 'runId' | 'time' | 'dataProduct' | 'component' | 'bytes' | 'hash' | 'reason' | 'outcome'> &
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
  private readonly listeners: ((row: AccessRow) => void)[] = [];

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
    };
    this.queue.push(row);
    for (const listener of this.listeners) listener(row);
    if (this.queue.length >= FLUSH_AT_EVENTS) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), FLUSH_EVERY_MS);
      this.timer.unref();
    }
  }

  /** Called for every event as it is recorded (e.g. to print refusals). */
  onRecord(listener: (row: AccessRow) => void): void {
    this.listeners.push(listener);
  }

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
