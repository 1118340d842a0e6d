import { closeSync, readSync } from 'node:fs';

/** An open file as the mounts hold it: a backing fd (pread) or bytes rendered in memory. */
export interface OpenFile {
  fd: number | null;
  data: Buffer | null;
}

/** pread into the FUSE buffer, or copy from the rendered bytes. */
export function readOpenFile(file: OpenFile, buffer: Buffer, length: number, position: number): number {
  if (file.data) {
    const n = Math.max(0, Math.min(length, file.data.length - position));
    if (n > 0) file.data.copy(buffer, 0, position, position + n);
    return n;
  }
  return readSync(file.fd!, buffer, 0, length, position);
}

export function closeOpenFile(file: OpenFile): void {
  if (file.fd !== null) closeSync(file.fd);
}
