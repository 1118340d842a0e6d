import { createHash, type Hash } from 'node:crypto';

/**
 * SHA-1 computed while an output streams in. Stays valid only while every
 * write lands exactly at the end of what was hashed (sequential writes, appends);
 * any seek-back, hole or shrink turns it off and finalise re-reads the file.
 */
export class StreamHash {
  // Made on the first byte and dropped as soon as it cannot be used: a session holds one per
  // output, and each OpenSSL context costs native memory that V8 does not see (thousands of
  // outputs written through passthrough, which never reach here, held tens of MB for nothing).
  private hash: Hash | null = null;
  private hashed = 0;
  private sequential = true;
  private digest: string | null = null;

  wrote(position: number, data: Buffer): void {
    this.digest = null;
    if (!this.sequential) return;
    if (position !== this.hashed) {
      this.giveUp();
      return;
    }
    (this.hash ??= createHash('sha1')).update(data);
    this.hashed += data.length;
  }

  truncated(size: number): void {
    this.digest = null;
    if (size === 0) {
      this.hash = null;
      this.hashed = 0;
      this.sequential = true;
    } else if (size !== this.hashed) {
      this.giveUp();
    }
  }

  /** Bytes arrived without passing here (a backend wrote them itself): finalise re-reads the file. */
  bypassed(): void {
    this.digest = null;
    this.giveUp();
  }

  /** The digest if it covers exactly `size` bytes, else null (re-hash needed). Asking again gives the same answer. */
  digestFor(size: number): string | null {
    if (this.digest !== null) return this.hashed === size ? this.digest : null;
    if (!this.sequential || this.hashed !== size) return null;
    this.digest = (this.hash ?? createHash('sha1')).digest('hex');
    this.giveUp(); // a Hash can be digested once; any later write needs a re-read
    return this.digest;
  }

  private giveUp(): void {
    this.sequential = false;
    this.hash = null;
  }
}
