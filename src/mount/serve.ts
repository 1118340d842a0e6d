import { MountError } from '../errors.js';
import type { Backend, ServedFs, ServeOptions } from '../vfs/served-fs.js';
import { fuseMounts } from './fusermount.js';

/**
 * Serve a tree until its mount goes away (`fairfs unmount`, fusermount -u) or
 * the process is asked to stop (SIGINT, SIGTERM): the catalog mount's life.
 */
export async function serveUntilUnmounted(backend: Backend, mountpoint: string, fs: ServedFs, opts: ServeOptions): Promise<{ done: Promise<void> }> {
  let mount;
  try {
    mount = await backend.serve(mountpoint, fs, opts);
  } catch (err) {
    throw new MountError(`cannot mount on ${mountpoint}: ${(err as Error).message}`, { hint: 'run `fairfs doctor`' });
  }
  const done = new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      clearInterval(watch);
      mount.unmount().then(resolve, resolve);
    };
    // fuse-native does not report an external unmount: notice it from mountinfo.
    const watch = setInterval(() => {
      if (!fuseMounts().some((m) => m.mountpoint === mountpoint)) stop();
    }, 500);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return { done };
}
