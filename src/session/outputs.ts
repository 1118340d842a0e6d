import { sha1File } from '../store/hash.js';

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

/** The SHA-1 of each output: as streamed, else read back from staging (in the page cache, usually). */
export async function hashOutputs(files: OutputFile[]): Promise<(OutputFile & { hash: string })[]> {
  const hashed: (OutputFile & { hash: string })[] = new Array(files.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < files.length; i = next++) {
      const f = files[i]!;
      hashed[i] = { ...f, hash: f.sha1 ?? (await sha1File(f.staging)) };
    }
  };
  await Promise.all(Array.from({ length: Math.min(HASH_CONCURRENCY, files.length) }, worker));
  return hashed;
}
