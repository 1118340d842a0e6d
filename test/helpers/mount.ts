import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Test } from 'tap';
import { cliPath, exec } from './cli.js';

export function fuseMountpoints(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => / - fuse\.fairfs /.test(l))
    .map((l) => l.split(' ')[4]!);
}

export async function waitFor(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

export interface LiveMount {
  mountpoint: string;
  daemon: ChildProcess;
  output: () => string;
  /** Wait for the daemon to exit (after `fairfs unmount` or a signal). */
  exited: Promise<number | null>;
}

/**
 * Serve a session in the foreground in a child process and wait until
 * `fuse.fairfs` shows in mountinfo (never stat the mountpoint to check).
 * Teardown always unmounts, whatever happened.
 */
export async function mountSession(t: Test, home: string, config: string, mountpoint: string, extra: string[] = []): Promise<LiveMount> {
  mkdirSync(mountpoint, { recursive: true });
  const daemon = spawn(process.execPath, [cliPath, 'mount', config, mountpoint, '-f', ...extra], {
    env: { ...process.env, FAIRFS_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  daemon.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  daemon.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((r) => daemon.on('exit', (code) => r(code)));
  let gone = false;
  void exited.then(() => (gone = true));
  t.teardown(async () => {
    if (!gone) {
      daemon.kill('SIGTERM');
      await Promise.race([exited, sleep(15_000)]);
    }
    if (fuseMountpoints().includes(mountpoint)) await exec('fusermount3', ['-uz', mountpoint]).catch(() => exec('fusermount', ['-uz', mountpoint]));
  });
  await waitFor(() => fuseMountpoints().includes(mountpoint) || gone, `the mount on ${mountpoint}`);
  if (gone) throw new Error(`fairfs mount exited before mounting:\n${output}`);
  return { mountpoint, daemon, output: () => output, exited };
}

/** Peak resident memory (VmHWM) of a process, in bytes. */
export function peakRss(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}
