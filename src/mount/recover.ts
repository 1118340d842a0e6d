import { hostname } from 'node:os';
import type { Home } from '../home.js';
import type { Registry, SessionRecord } from '../registry/registry.js';
import { quarantineOrphanedStaging } from '../session/finalise.js';
import { sendControl } from './control.js';
import { fuseMounts, fusermountUnmount } from './fusermount.js';

export interface RecoveredRun {
  runId: string;
  mountpoint: string | null;
  quarantine: string | null;
  unmounted: boolean;
}

function pidAlive(pid: number | null): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A running session is live when its daemon answers on its control socket. */
export async function isLive(session: SessionRecord): Promise<boolean> {
  if (session.host !== hostname()) return true; // another machine's run: not ours to judge
  if (!pidAlive(session.pid)) return false;
  return (await sendControl(session.runId, { op: 'ping' })) !== null;
}

/**
 * Clean up after daemons that died (DESIGN §4.5): lazily unmount their stale
 * mounts, keep staged outputs in quarantine, mark the runs aborted. Live
 * sessions are left alone. `only` limits it to one run.
 */
export async function recoverStale(home: Home, registry: Registry, only?: string): Promise<RecoveredRun[]> {
  const recovered: RecoveredRun[] = [];
  const mounts = fuseMounts();
  for (const session of registry.listSessions('running')) {
    if (only && session.runId !== only) continue;
    if (await isLive(session)) continue;
    let unmounted = false;
    if (session.mountpoint && mounts.some((m) => m.mountpoint === session.mountpoint)) {
      await fusermountUnmount(session.mountpoint, true);
      unmounted = true;
    }
    const quarantine = await quarantineOrphanedStaging(home, session.runId);
    registry.endSession(
      session.runId,
      'aborted',
      null,
      `the session daemon (pid ${session.pid}) died; ${quarantine ? `staged outputs kept in ${quarantine}` : 'nothing was staged'}`,
    );
    recovered.push({ runId: session.runId, mountpoint: session.mountpoint, quarantine, unmounted });
  }
  return recovered;
}

/** fairfs mounts that no running session owns (left by a crash of an older home). */
export function orphanMounts(registry: Registry): string[] {
  const owned = new Set(registry.listSessions('running').map((s) => s.mountpoint));
  return fuseMounts()
    .filter((m) => m.fstype === 'fuse.fairfs' && !owned.has(m.mountpoint))
    .map((m) => m.mountpoint);
}
