import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** SHA-1 of a file, streamed so large outputs never sit in memory. */
export async function sha1File(path: string): Promise<string> {
  const hash = createHash('sha1');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}

export function sha1(data: string | Buffer): string {
  return createHash('sha1').update(data).digest('hex');
}
