import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { asFairfsError, MountError, UsageError } from '../../errors.js';
import { pidAlive } from '../../processes.js';
import type { Session } from '../../session/session.js';
import type { Home } from '../../home.js';
import type { Registry } from '../../registry/registry.js';
import type { Backend } from '../../vfs/served-fs.js';
import { CATALOG_SUBTYPE, ownerFsname } from '../../mount/owner.js';
import { serveUntilUnmounted } from '../../mount/serve.js';
import { fromWire, type ControlReply } from '../../session/control.js';
import { prepareMountpoint } from '../../session/served.js';
import { loadHdf5 } from '../../store/hdf5.js';
import { Catalog } from '../../vfs/catalog.js';
import { CatalogFs } from '../../vfs/catalog-fs.js';
import { backendFor, openHome, type GlobalOptions } from '../context.js';
import { info } from '../output.js';
import { startSession } from '../start-session.js';
import { printFinaliseReport } from '../report.js';

interface MountOptions {
  foreground?: boolean;
  strict?: boolean;
  catalog?: boolean;
  notifyParent?: boolean;
  follow?: string;
}

type DaemonMessage = { type: 'ready'; runId: string } | { type: 'error'; error: Extract<ControlReply, { ok: false }>['error'] };

export default async function mount(g: GlobalOptions, configOrDir: string, dirArg: string | undefined, o: MountOptions): Promise<number> {
  if (o.catalog && dirArg) throw new UsageError('a catalog mount takes no config', { hint: 'fairfs mount DIR --catalog' });
  if (!o.catalog && !dirArg) throw new UsageError('missing the directory to mount on', { hint: 'fairfs mount CONFIG DIR (or fairfs mount DIR --catalog)' });
  const config = o.catalog ? null : configOrDir;
  const dir = o.catalog ? configOrDir : dirArg!;
  const mountpoint = resolve(dir);
  const follow = o.follow === undefined ? null : followedPid(o.follow);
  if (follow !== null && config === null) throw new UsageError('a catalog mount has no run to follow a process for', { hint: 'fairfs mount CONFIG DIR --follow PID' });
  if (!o.foreground) return daemonize(g, config, mountpoint, o);

  const notify = o.notifyParent && process.send ? (msg: DaemonMessage) => process.send!(msg) : null;
  const { home, registry } = openHome(g);
  if (config === null) return catalogMount(home, registry, mountpoint, backendFor(g, home), notify);
  let finished!: () => void;
  const done = new Promise<void>((r) => (finished = r));
  let started: Awaited<ReturnType<typeof startSession>>;
  try {
    started = await startSession(home, registry, {
      configFile: config,
      mountpoint,
      strict: o.strict ?? false,
      command: `fairfs mount ${config} ${dir}`,
      debug: g.debug ?? false,
      backend: backendFor(g, home),
      onControlStop: () => finished(),
      ...(follow !== null ? { beforeMount: (s: Session) => s.vfs.follow(follow) } : {}),
    });
  } catch (err) {
    const e = asFairfsError(err);
    notify?.({ type: 'error', error: { name: e.name, message: e.message, exitCode: e.exitCode, errno: e.errno, ...(e.hint ? { hint: e.hint } : {}) } });
    throw err;
  }
  const { session, mounted } = started;
  notify?.({ type: 'ready', runId: session.runId });
  if (notify) process.disconnect?.();

  let signalled = false;
  const onSignal = (): void => {
    if (signalled) return;
    signalled = true;
    mounted.stop({ status: 'completed', exitCode: null, message: 'finalised on signal' }, { force: true }).then(
      (report) => {
        printFinaliseReport(report);
        finished();
      },
      (err: unknown) => {
        info(`fairfs: ${asFairfsError(err).message}`);
        process.exitCode = asFairfsError(err).exitCode;
        finished();
      },
    );
  };
  // A second signal while finalising must not kill it half-way: the first one already asked for the end.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, onSignal);
  await done;
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}

async function catalogMount(home: Home, registry: Registry, mountpoint: string, backend: Backend, notify: ((msg: DaemonMessage) => void) | null): Promise<number> {
  let served: Awaited<ReturnType<typeof serveUntilUnmounted>>;
  try {
    await prepareMountpoint(home, registry, mountpoint);
    await loadHdf5();
    served = await serveUntilUnmounted(backend, mountpoint, new CatalogFs(new Catalog(registry), home.dataStore), {
      subtype: CATALOG_SUBTYPE,
      fsname: ownerFsname('catalog', null, home.root),
      // Registered data never changes: the kernel keeps what it has seen for the mount's life.
      immutable: true,
      cacheSeconds: 2,
    });
  } catch (err) {
    const e = asFairfsError(err);
    notify?.({ type: 'error', error: { name: e.name, message: e.message, exitCode: e.exitCode, errno: e.errno, ...(e.hint ? { hint: e.hint } : {}) } });
    throw err;
  }
  info(`fairfs: catalog of ${home.root} mounted on ${mountpoint} (read-only)`);
  notify?.({ type: 'ready', runId: 'catalog' });
  if (notify) process.disconnect?.();
  await served.done;
  return 0;
}

/** The process a session follows: it must exist now, or its tree could never be told from others. */
function followedPid(value: string): number {
  const pid = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(pid) || pid <= 1) {
    throw new UsageError(`--follow takes a process id, not ${JSON.stringify(value)}`, { hint: 'fairfs mount CONFIG DIR --follow "$$" follows this shell and what it starts' });
  }
  if (!pidAlive(pid)) throw new UsageError(`--follow ${pid}: no such process`, { hint: 'start the program first, or follow the shell that will start it' });
  return pid;
}

/**
 * V8 flags for the daemon. Its data path is native (or the kernel's), so its
 * heap holds the tree, handles and the journal queue, and V8's default young
 * generation (16 MiB semi-spaces) mostly holds garbage between scavenges. With
 * 1 MiB semi-spaces the daemon that served 12,000 new files held 105 MB
 * instead of 126 MB (heap committed 36 MB instead of 60).
 */
const DAEMON_NODE_FLAGS = ['--max-semi-space-size=1'];

/** Start the same command in the foreground as a detached daemon and wait until it serves. */
function daemonize(g: GlobalOptions, config: string | null, mountpoint: string, o: MountOptions): Promise<number> {
  const { home } = openHome(g);
  const logFile = join(home.logDir, `mount-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}.log`);
  const log = openSync(logFile, 'a');
  const args = [
    process.argv[1]!,
    '--home',
    home.root,
    ...(g.debug ? ['--debug'] : []),
    ...(g.backend ? ['--backend', g.backend] : []),
    'mount',
    ...(config === null ? [mountpoint, '--catalog'] : [config, mountpoint]),
    '--foreground',
    '--notify-parent',
    ...(o.strict ? ['--strict'] : []),
    ...(o.follow !== undefined ? ['--follow', o.follow] : []),
  ];
  const child = spawn(process.execPath, [...DAEMON_NODE_FLAGS, ...args], { detached: true, stdio: ['ignore', log, log, 'ipc'] });
  return new Promise((resolvePromise, reject) => {
    child.once('message', (msg: DaemonMessage) => {
      if (msg.type === 'ready') {
        info(`fairfs: ${config === null ? 'catalog' : `run ${msg.runId}`} mounted on ${mountpoint} (daemon pid ${child.pid}, log ${logFile})`);
        info(`fairfs: finish with \`fairfs unmount ${mountpoint}\``);
        child.disconnect();
        child.unref();
        resolvePromise(0);
      } else {
        reject(fromWire(msg.error));
      }
    });
    child.once('exit', (code) =>
      reject(new MountError(`the session daemon exited (status ${code}) before mounting`, { hint: `see ${logFile}` })),
    );
  });
}
