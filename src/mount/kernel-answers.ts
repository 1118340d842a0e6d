import { Errno, errnoOf, MountRefusal } from '../errors.js';
import type { ServeOptions, TimeSpec } from '../vfs/served-fs.js';

/*
 * What both backends hand the kernel the same way: utimensat's special
 * nanosecond values, and a refusal or failure as a negative errno.
 */

const UTIME_NOW = (1 << 30) - 1;
const UTIME_OMIT = (1 << 30) - 2;

/** A utimensat time as seconds and nanoseconds, `now`, or `omit` (leave it). */
export function timeSpecOf(sec: number, nsec: number): TimeSpec {
  if (nsec === UTIME_NOW) return 'now';
  if (nsec === UTIME_OMIT) return 'omit';
  return { sec, nsec };
}

/** -errno for what an operation threw; anything that is not a refusal and maps to EIO is reported as unexpected. */
export function negativeErrno(opts: ServeOptions): (op: string, path: string, err: unknown) => number {
  return (op, path, err) => {
    if (!(err instanceof MountRefusal) && errnoOf(err) === 'EIO') opts.onUnexpected?.(op, path, err);
    return -Errno[errnoOf(err)];
  };
}
