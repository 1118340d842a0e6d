import { statSync } from 'node:fs';
import { setImmediate as yieldToEvents } from 'node:timers/promises';
import { sha1File, sha1SmallFileSync, WHOLE_FILE_MAX } from '../store/hash.js';
import type { FileDigest } from '../vfs/served-fs.js';

/** One name in a run's output set, as the session filesystem hands it to finalise. */
export interface OutputFile {
  /** Path in the mount (no leading slash). */
  path: string;
  /** The staged bytes (hard-linked names share one). */
  staging: string;
  size: number;
  /** SHA-1 hashed while the file streamed in; null when it was written out of order (re-read at finalise). */
  sha1: string | null;
  /** A hash begun off the request thread when the last writer released the file (native writes). */
  digest?: Promise<FileDigest | null>;
}

/** How many staged files are read back at once: enough to keep the disk busy, few enough for the fd limit. */
const HASH_CONCURRENCY = 8;

/** How long small files are hashed in one go before other events get a turn. */
const SYNC_SLICE_MS = 20;

/**
 * A hash made in the background, if the staged file is still exactly as it
 * was hashed (same inode, size and change times to the nanosecond).
 */
function stillTrue(staging: string, digest: FileDigest | null): string | null {
  if (!digest) return null;
  try {
    const st = statSync(staging, { bigint: true });
    const same = Number(st.ino) === digest.ino && Number(st.size) === digest.size && st.mtimeNs === digest.mtimeNs && st.ctimeNs === digest.ctimeNs;
    return same ? digest.sha1 : null;
  } catch {
    return null;
  }
}

/**
 * The SHA-1 of each output: as streamed, else as hashed in the background
 * when its writers released it (if the file is unchanged since), else read
 * back from staging (in the page cache, usually). Finalise runs after the
 * mount is gone, so small files are read synchronously (in slices, so signals
 * and the control socket still get answers) and large ones streamed a few at
 * a time.
 */
export async function hashOutputs(files: OutputFile[]): Promise<(OutputFile & { hash: string })[]> {
  const hashed: (OutputFile & { hash: string })[] = new Array(files.length);
  const large: number[] = [];
  const ready = await Promise.all(files.map((f) => (f.sha1 === null && f.digest ? f.digest : null)));
  let sliceStart = performance.now();
  for (const [i, f] of files.entries()) {
    const background = f.sha1 === null ? stillTrue(f.staging, ready[i]!) : null;
    if (f.sha1 !== null) hashed[i] = { ...f, hash: f.sha1 };
    else if (background !== null) hashed[i] = { ...f, hash: background };
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
