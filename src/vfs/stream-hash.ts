import { createHash, type Hash } from 'node:crypto';

/**
 * SHA-1 computed while an output streams in. Stays valid only while every
 * write lands exactly at the end of what was hashed (sequential writes, appends);
 * any seek-back, hole or shrink turns it off and finalise re-reads the file.
 */
export class StreamHash {
  private hash: Hash = createHash('sha1');
  private hashed = 0;
  private sequential = true;
  private digest: string | null = null;

  wrote(position: number, data: Buffer): void {
    this.digest = null;
    if (!this.sequential) return;
    if (position !== this.hashed) {
      this.sequential = false;
      return;
    }
    this.hash.update(data);
    this.hashed += data.length;
  }

  truncated(size: number): void {
    this.digest = null;
    if (size === 0) {
      this.hash = createHash('sha1');
      this.hashed = 0;
      this.sequential = true;
    } else if (size !== this.hashed) {
      this.sequential = false;
    }
  }

  /** Bytes arrived without passing here (a backend wrote them itself): finalise re-reads the file. */
  bypassed(): void {
    this.digest = null;
    this.sequential = false;
  }

  /** The digest if it covers exactly `size` bytes, else null (re-hash needed). Asking again gives the same answer. */
  digestFor(size: number): string | null {
    if (this.digest !== null) return this.hashed === size ? this.digest : null;
    if (!this.sequential || this.hashed !== size) return null;
    this.digest = this.hash.digest('hex');
    this.sequential = false; // a Hash can be digested once; any later write needs a re-read
    return this.digest;
  }
}
