import { resolve } from 'node:path';
import { InternalError, MissingDataError } from '../../errors.js';
import { CATALOG_SUBTYPE } from '../../mount/owner.js';
import { fromWire, sendControl } from '../../session/control.js';
import { fuseMounts, fusermountUnmount, isMounted } from '../../mount/fusermount.js';
import { info } from '../output.js';
import { recoverStale } from '../../session/recover.js';
import { describeOwner, judgeMount } from '../../mount/owner.js';
import type { FinaliseReport } from '../../session/finalise.js';
import { openHome, type GlobalOptions } from '../context.js';
import { printFinaliseReport } from '../report.js';

export default async function unmount(g: GlobalOptions, dir: string, o: { abort?: boolean; force?: boolean }): Promise<number> {
  const mountpoint = resolve(dir);
  const { home, registry } = openHome(g);
  const session = registry.listSessions('running').find((s) => s.mountpoint === mountpoint);
  if (!session && fuseMounts().some((m) => m.mountpoint === mountpoint && m.fstype === `fuse.${CATALOG_SUBTYPE}`)) {
    // A catalog mount has no run to finalise; its daemon exits once the mount is gone.
    await fusermountUnmount(mountpoint, false);
    info(`fairfs: catalog unmounted from ${mountpoint}`);
    return 0;
  }
  if (!session) {
    const entry = fuseMounts().find((m) => m.mountpoint === mountpoint);
    const mount = entry ? await judgeMount(entry) : null;
    const foreign = mount?.owner && mount.owner.home !== home.root ? mount.owner.home : null;
    throw new MissingDataError(`no running fairfs session of ${home.root} is mounted on ${mountpoint}`, {
      hint: foreign
        ? `it is ${describeOwner(mount!)}: FAIRFS_HOME=${foreign} fairfs unmount ${mountpoint}`
        : isMounted(mountpoint)
          ? 'the mount has no live session: run `fairfs recover` to remove it'
          : 'list runs with `fairfs runs`',
    });
  }
  const reply = await sendControl(session.runId, { op: 'finalise', abort: o.abort ?? false, force: o.force ?? false });
  if (reply === null) {
    const [recovered] = await recoverStale(home, registry, session.runId);
    throw new InternalError(`the daemon serving ${mountpoint} had died; run ${session.runId} was marked aborted`, {
      hint: recovered?.quarantine ? `its staged outputs are kept in ${recovered.quarantine}` : 'nothing had been written',
    });
  }
  if (!reply.ok) throw fromWire(reply.error);
  printFinaliseReport(reply.result as FinaliseReport);
  return 0;
}
