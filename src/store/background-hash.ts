import { Worker } from 'node:worker_threads';

/** A staged file's SHA-1 and the size and mtime it was taken at: good while the file still shows both. */
export interface StagedHash {
  size: number;
  mtimeNs: bigint;
  sha1: string;
}

/*
 * One worker thread reads and hashes a file the kernel has flushed (an output
 * whose bytes the backend never saw: passthrough, native writes), while the
 * run goes on, so finalise finds the digest ready. The file is stat'ed before
 * and after: a change meanwhile gives no answer and finalise reads it again.
 */
const WORKER = `
const { parentPort } = require('node:worker_threads');
const { closeSync, openSync, readSync, statSync } = require('node:fs');
const { createHash } = require('node:crypto');
const chunk = Buffer.allocUnsafe(1 << 20);
parentPort.on('message', ({ id, path }) => {
  let result = null;
  try {
    const before = statSync(path, { bigint: true });
    const fd = openSync(path, 'r');
    const hash = createHash('sha1');
    try {
      for (let n; (n = readSync(fd, chunk, 0, chunk.length, null)) > 0; ) hash.update(chunk.subarray(0, n));
    } finally {
      closeSync(fd);
    }
    const after = statSync(path, { bigint: true });
    if (before.size === after.size && before.mtimeNs === after.mtimeNs) result = { size: Number(after.size), mtimeNs: after.mtimeNs, sha1: hash.digest('hex') };
  } catch {}
  parentPort.postMessage({ id, result });
});
`;

export class BackgroundHasher {
  private worker: Worker | null = null;
  private next = 1;
  private readonly waiting = new Map<number, (result: StagedHash | null) => void>();

  hash(path: string): Promise<StagedHash | null> {
    const worker = this.started();
    const id = this.next++;
    return new Promise((resolve) => {
      // Keeps the process alive while an answer is owed (finalise may be waiting for it), not after.
      if (this.waiting.size === 0) worker.ref();
      this.waiting.set(id, resolve);
      worker.postMessage({ id, path });
    });
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER, { eval: true });
    worker.on('message', ({ id, result }: { id: number; result: StagedHash | null }) => {
      this.waiting.get(id)?.(result);
      this.waiting.delete(id);
      if (this.waiting.size === 0) worker.unref();
    });
    const failAll = (): void => {
      for (const resolve of this.waiting.values()) resolve(null);
      this.waiting.clear();
      this.worker = null;
    };
    worker.on('error', failAll);
    worker.on('exit', failAll);
    // Idle, never what keeps a process alive (after the listeners: adding one refs the worker again).
    worker.unref();
    return (this.worker = worker);
  }
}
