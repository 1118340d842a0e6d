import { setImmediate as yieldToEvents } from 'node:timers/promises';
import { sha1File, sha1SmallFileSync, WHOLE_FILE_MAX } from '../store/hash.js';

/** One name in a run's output set, as the session filesystem hands it to finalise. */
export interface OutputFile {
  /** Path in the mount (no leading slash). */
  path: string;
  /** The staged bytes (hard-linked names share one). */
  staging: string;
  size: number;
  /** SHA-1 hashed while the file streamed in; null when it was written out of order (re-read at finalise). */
  sha1: string | null;
}

/** How many staged files are read back at once: enough to keep the disk busy, few enough for the fd limit. */
const HASH_CONCURRENCY = 8;

/** How long small files are hashed in one go before other events get a turn. */
const SYNC_SLICE_MS = 20;

/**
 * The SHA-1 of each output: as streamed, else read back from staging (in the
 * page cache, usually). Finalise runs after the mount is gone, so small files
 * are read synchronously (in slices, so signals and the control socket still
 * get answers) and large ones streamed a few at a time.
 */
export async function hashOutputs(files: OutputFile[]): Promise<(OutputFile & { hash: string })[]> {
  const hashed: (OutputFile & { hash: string })[] = new Array(files.length);
  const large: number[] = [];
  let sliceStart = performance.now();
  for (const [i, f] of files.entries()) {
    if (f.sha1 !== null) hashed[i] = { ...f, hash: f.sha1 };
    else if (f.size > WHOLE_FILE_MAX) large.push(i);
    else {
      hashed[i] = { ...f, hash: sha1SmallFileSync(f.staging) };
      if (performance.now() - sliceStart > SYNC_SLICE_MS) {
        await yieldToEvents();
        sliceStart = performance.now();
      }
    }
  }
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let k = next++; k < large.length; k = next++) {
      const f = files[large[k]!]!;
      hashed[large[k]!] = { ...f, hash: await sha1File(f.staging) };
    }
  };
  await Promise.all(Array.from({ length: Math.min(HASH_CONCURRENCY, large.length) }, worker));
  return hashed;
}
