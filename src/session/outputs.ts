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

/** The SHA-1 of each output: as streamed, else read back from staging. */
export function hashOutputs(files: OutputFile[]): Promise<(OutputFile & { hash: string })[]> {
  return Promise.all(files.map(async (f) => ({ ...f, hash: f.sha1 ?? (await sha1File(f.staging)) })));
}
