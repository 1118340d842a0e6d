import { hostname } from 'node:os';
import type { Home } from '../home.js';
import { pidAlive } from '../processes.js';
import type { Registry, SessionRecord } from '../registry/registry.js';
import { fusermountUnmount } from '../mount/fusermount.js';
import { fairfsMounts, type FairfsMount } from '../mount/owner.js';
import { sendControl } from './control.js';
import { quarantineOrphanedStaging } from './finalise.js';
import { inputComponentsOf } from './inputs.js';

export interface RecoveredRun {
  runId: string;
  mountpoint: string | null;
  quarantine: string | null;
  unmounted: boolean;
  inputs: number;
}

/** A running session is live when its daemon answers on its control socket. */
export async function isLive(session: SessionRecord): Promise<boolean> {
  if (session.host !== hostname()) return true; // another machine's run: not ours to judge
  if (!pidAlive(session.pid)) return false;
  return (await sendControl(session.runId, { op: 'ping' })) !== null;
}

/** The mount of this run, if the machine has one: by the owner it names, else (older mounts) by mountpoint. */
function mountOf(session: SessionRecord, mounts: FairfsMount[]): FairfsMount | undefined {
  return (
    mounts.find((m) => m.owner?.runId === session.runId) ??
    mounts.find((m) => !m.owner && m.mountpoint === session.mountpoint)
  );
}

/**
 * Clean up after daemons that died (DESIGN §4.5): lazily unmount their mounts
 * (only a mount that names this run, or an unnamed one proven dead), link what
 * the run read to it, keep staged outputs in quarantine, mark it aborted. Live
 * sessions are left alone. `only` limits it to one run.
 */
export async function recoverStale(home: Home, registry: Registry, only?: string): Promise<RecoveredRun[]> {
  const recovered: RecoveredRun[] = [];
  const mounts = await fairfsMounts();
  for (const session of registry.listSessions('running')) {
    if (only && session.runId !== only) continue;
    if (await isLive(session)) continue;
    const mount = mountOf(session, mounts);
    let unmounted = false;
    if (mount && mount.state === 'dead') {
      await fusermountUnmount(mount.mountpoint, true);
      unmounted = true;
    }
    const quarantine = await quarantineOrphanedStaging(home, session.runId);
    const inputs = inputComponentsOf(registry, session.runId);
    registry.transaction(() => {
      registry.linkRun(session.codeRunId, 'input', inputs);
      registry.endSession(
        session.runId,
        'aborted',
        null,
        `the session daemon (pid ${session.pid}) died; ${quarantine ? `staged outputs kept in ${quarantine}` : 'nothing was staged'}`,
      );
    });
    recovered.push({ runId: session.runId, mountpoint: session.mountpoint, quarantine, unmounted, inputs: inputs.length });
  }
  return recovered;
}

export interface OtherMount {
  mount: FairfsMount;
  /** Whether this home owns it (by the home it names). */
  ours: boolean;
}

/**
 * fairfs mounts that no running session of this home accounts for: dead
 * mounts of this home (left by a crash), and every mount of other homes, live
 * or dead, so they can be reported by owner.
 */
export async function otherMounts(home: Home, registry: Registry): Promise<OtherMount[]> {
  const running = new Set(registry.listSessions('running').map((s) => s.runId));
  const out: OtherMount[] = [];
  for (const mount of await fairfsMounts()) {
    const ours = mount.owner ? mount.owner.home === home.root : false;
    if (ours && mount.owner?.runId && running.has(mount.owner.runId)) continue;
    if (ours && mount.state === 'live') continue; // a live catalog of this home
    out.push({ mount, ours });
  }
  return out;
}

/** Remove a dead mount; refuses (returns false) a live one, whoever asks. */
export async function removeDeadMount(m: FairfsMount): Promise<boolean> {
  if (m.state !== 'dead') return false;
  await fusermountUnmount(m.mountpoint, true);
  return true;
}

