import { accessSync, constants, mkdirSync, readdirSync, statSync } from 'node:fs';
import type { Server } from 'node:net';
import { BusyError, MountError } from '../errors.js';
import type { Home } from '../home.js';
import { chooseBackend } from '../mount/backends.js';
import { fuseMounts, fusermountUnmount, isMounted } from '../mount/fusermount.js';
import { describeOwner, judgeMount, ownerFsname, SESSION_SUBTYPE } from '../mount/owner.js';
import type { Registry } from '../registry/registry.js';
import type { Backend, ServedMount } from '../vfs/served-fs.js';
import { serveControl, type ControlRequest } from './control.js';
import { finaliseSession, type FinaliseReport, type RunOutcome } from './finalise.js';
import { recoverStale } from './recover.js';
import type { Session } from './session.js';

export interface StopOptions {
  /** Finalise even if files are still open on the mount. */
  force?: boolean;
}

/**
 * A session served on a mountpoint: mount, control socket, and the
 * stop sequence (refuse while busy → unmount → finalise).
 */
export class MountedSession {
  private stopping: Promise<FinaliseReport> | null = null;

  private constructor(
    readonly session: Session,
    readonly mountpoint: string,
    private readonly fuse: ServedMount,
    private control: Server | null,
    private readonly log: (line: string) => void,
  ) {}

  static async start(
    session: Session,
    mountpoint: string,
    opts: {
      debug?: boolean;
      log?: (line: string) => void;
      /** Called once a `fairfs unmount` has been answered. */
      onControlStop?: () => void;
      /** Who serves the mount (the default backend unless told). */
      backend?: Backend;
    } = {},
  ): Promise<MountedSession> {
    const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
    let fuse: ServedMount;
    try {
      fuse = await (opts.backend ?? chooseBackend(undefined, log)).serve(mountpoint, session.vfs, {
        subtype: SESSION_SUBTYPE,
        inodes: true,
        fsname: ownerFsname('run', session.runId, session.home.root),
        ...(opts.debug ? { trace: (line: string) => log(`fuse ${line}`) } : {}),
        onUnexpected: (op, path, err) => log(`fairfs: unexpected error in ${op} ${path}: ${(err as Error)?.stack ?? err}`),
      });
    } catch (err) {
      throw new MountError(`cannot mount ${mountpoint}: ${(err as Error).message}`, {
        hint: 'run `fairfs doctor` to check /dev/fuse, fusermount3 and libfuse2',
        cause: err,
      });
    }
    const mounted = new MountedSession(session, mountpoint, fuse, null, log);
    session.recorder.onRecord((row) => {
      if (row.outcome === 'refused') log(`fairfs: refused ${row.op} ${row.path}: ${row.reason}`);
    });
    mounted.control = await serveControl(
      session.runId,
      async (req: ControlRequest) => {
        if (req.op === 'ping') return { runId: session.runId };
        return mounted.stop(
          req.abort ? { status: 'aborted', exitCode: null, message: 'aborted by `fairfs unmount --abort`' } : { status: 'completed', exitCode: null },
          { force: req.force ?? false },
        );
      },
      // Once finalising began the mount is gone, whatever its outcome (a busy refusal never starts it).
      (req) => {
        if (req.op === 'finalise' && mounted.finalising) opts.onControlStop?.();
      },
    );
    return mounted;
  }

  /** Whether the stop sequence has begun (the mount is gone or going). */
  get finalising(): boolean {
    return this.stopping !== null;
  }

  /** Refuse while files are open (unless forced), unmount, then finalise the run. */
  stop(outcome: RunOutcome, opts: StopOptions = {}): Promise<FinaliseReport> {
    if (this.stopping) return this.stopping;
    const open = this.session.vfs.openHandleCount();
    if (open > 0 && !opts.force && outcome.status === 'completed') {
      return Promise.reject(
        new BusyError(`${open} file(s) are still open on ${this.mountpoint}`, {
          hint: 'let the program finish (or close them), then unmount again; `fairfs unmount --force` finalises anyway',
        }),
      );
    }
    this.stopping = (async () => {
      try {
        await this.fuse.unmount();
      } catch (err) {
        // Already gone (someone ran fusermount -u) or stuck: finalise all the same, the outputs are in staging.
        this.log(`fairfs: unmounting ${this.mountpoint} failed (${(err as Error).message}); finalising anyway`);
      }
      this.control?.close();
      return finaliseSession(this.session, outcome);
    })();
    return this.stopping;
  }
}

/**
 * Make sure a mount can happen on `mountpoint` before any run is opened, so a
 * refused mount leaves no code run behind (exit 73 for each refusal). A dead
 * fairfs mount of this home is recovered first; a live one of any home, and
 * another home's dead one, are refused with their owner named, never touched.
 */
export async function prepareMountpoint(home: Home, registry: Registry, mountpoint: string): Promise<void> {
  try {
    accessSync('/dev/fuse', constants.R_OK | constants.W_OK);
  } catch (err) {
    throw new MountError(`cannot use /dev/fuse: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, {
      hint: 'load the fuse module (`modprobe fuse`) or run the container with --device /dev/fuse; `fairfs doctor` checks the rest',
    });
  }
  const entry = fuseMounts().find((m) => m.mountpoint === mountpoint);
  if (entry) {
    if (!entry.fstype.startsWith('fuse.fairfs')) {
      throw new MountError(`${mountpoint} is already a ${entry.fstype} mount`, { hint: 'choose an empty directory as the mountpoint' });
    }
    const mount = await judgeMount(entry);
    if (mount.state === 'live') {
      throw new MountError(`${mountpoint} is already mounted by ${describeOwner(mount)}`, {
        hint: mount.owner?.home === home.root ? `finish it first with \`fairfs unmount ${mountpoint}\`` : 'choose another mountpoint',
      });
    }
    const ours = mount.owner?.home === home.root;
    if (!ours) {
      throw new MountError(`${mountpoint} holds a dead mount of ${describeOwner(mount)}`, {
        hint: mount.owner ? `FAIRFS_HOME=${mount.owner.home} fairfs recover (or fairfs recover --all) removes it` : 'fairfs recover --all removes it',
      });
    }
    // A dead daemon of this home: recover its run (aborted, outputs quarantined) and free the mountpoint.
    if (mount.owner?.runId) await recoverStale(home, registry, mount.owner.runId);
    if (isMounted(mountpoint)) await fusermountUnmount(mountpoint, true);
  }
  let isDir: boolean;
  try {
    isDir = statSync(mountpoint).isDirectory();
  } catch {
    try {
      mkdirSync(mountpoint, { recursive: true });
    } catch (err) {
      throw new MountError(`cannot create the mountpoint ${mountpoint}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, {
        hint: 'choose an empty directory you can write to',
      });
    }
    isDir = true;
  }
  if (!isDir) throw new MountError(`${mountpoint} is not a directory`, { hint: 'choose an empty directory as the mountpoint' });
  if (readdirSync(mountpoint).length > 0) {
    throw new MountError(`${mountpoint} is not empty`, {
      hint: 'mount on an empty directory: files under it would be hidden from the model while the session runs',
    });
  }
}
