import { execFile } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** fusermount3 (Debian's fuse3) or fusermount (FUSE 2 only), whichever exists. */
export function findFusermount(env: NodeJS.ProcessEnv = process.env): string | null {
  const dirs = (env.PATH ?? '').split(delimiter).concat(['/usr/bin', '/bin', '/usr/local/bin']);
  for (const name of ['fusermount3', 'fusermount']) {
    for (const dir of dirs) {
      const candidate = join(dir, name);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // keep looking
      }
    }
  }
  return null;
}

/** Detach a FUSE mount; `lazy` also clears a dead daemon's "not connected" mount. */
export function fusermountUnmount(mountpoint: string, lazy: boolean): Promise<void> {
  const tool = findFusermount();
  if (!tool) return Promise.reject(new Error('neither fusermount3 nor fusermount is installed'));
  return new Promise((resolve, reject) => {
    let settled = false;
    // Seen once in a full test run: fusermount exited (a zombie) but its exit never reached the event
    // loop, and the unmount waited forever. Once the mount is gone from mountinfo, it is done.
    const watch = setInterval(() => {
      if (!settled && !isMounted(mountpoint)) {
        settled = true;
        clearInterval(watch);
        resolve();
      }
    }, UNMOUNT_WATCH_MS);
    watch.unref();
    execFile(tool, [lazy ? '-uz' : '-u', mountpoint], (err, _stdout, stderr) => {
      clearInterval(watch);
      if (settled) return;
      settled = true;
      if (err) reject(new Error(stderr.trim() || err.message));
      else resolve();
    });
  });
}

/** How often an unmount in progress looks at mountinfo, in case fusermount's exit is never reported. */
const UNMOUNT_WATCH_MS = 2000;

export interface MountEntry {
  mountpoint: string;
  fstype: string;
  source: string;
}

/** FUSE mounts from /proc/self/mountinfo (never stat a mountpoint to find out). */
export function fuseMounts(): MountEntry[] {
  let text: string;
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const mountpoint = unescapeMountPath(left.split(' ')[4] ?? '');
    const [fstype = '', source = ''] = right.split(' ');
    if (fstype.startsWith('fuse')) entries.push({ mountpoint, fstype, source });
  }
  return entries;
}

export function isMounted(mountpoint: string): boolean {
  return fuseMounts().some((m) => m.mountpoint === mountpoint);
}

function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}
