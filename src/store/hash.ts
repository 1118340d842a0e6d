import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';

/** Files up to this size are read whole: one right-sized buffer instead of a 1 MiB stream chunk each. */
export const WHOLE_FILE_MAX = 1 << 20;

/**
 * SHA-1 of a small file, read synchronously: for a page-cached file of a few
 * KiB one read is ~10 µs, where the thread pool's open/stat/read/close round
 * trips cost ~60 µs (12,000 outputs: 0.08 s against 0.7 s). Never on a mount.
 */
export function sha1SmallFileSync(path: string): string {
  return sha1(readFileSync(path));
}

/** SHA-1 of a file; large ones streamed so they never sit in memory. */
export async function sha1File(path: string): Promise<string> {
  if ((await stat(path)).size <= WHOLE_FILE_MAX) return sha1(await readFile(path));
  const hash = createHash('sha1');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}

export function sha1(data: string | Buffer): string {
  return createHash('sha1').update(data).digest('hex');
}
