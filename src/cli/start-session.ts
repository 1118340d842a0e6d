import type { Home } from '../home.js';
import type { Backend } from '../vfs/served-fs.js';
import { MountedSession, prepareMountpoint } from '../session/served.js';
import type { Registry } from '../registry/registry.js';
import { discardSession, Session, type OpenSessionOptions } from '../session/session.js';
import { info, noteNotActedOn } from './output.js';

export interface StartOptions extends Pick<OpenSessionOptions, 'configFile' | 'strict' | 'command' | 'needScript'> {
  mountpoint: string;
  debug: boolean;
  backend?: Backend;
  /** Runs between opening the session and mounting it (e.g. to settle the command). */
  beforeMount?: (session: Session) => void;
  onControlStop?: () => void;
}

/**
 * What `mount` and `run` share: refuse a mountpoint that is not free before any
 * run exists, open the session, mount it, and say what the user should know.
 * A failure after the run opened ends it aborted, never left running.
 */
export async function startSession(home: Home, registry: Registry, opts: StartOptions): Promise<{ session: Session; mounted: MountedSession }> {
  let session: Session | undefined;
  try {
    await prepareMountpoint(home, registry, opts.mountpoint);
    session = await Session.open({
      home,
      registry,
      configFile: opts.configFile,
      mountpoint: opts.mountpoint,
      strict: opts.strict ?? false,
      command: opts.command ?? null,
      needScript: opts.needScript ?? false,
    });
    opts.beforeMount?.(session);
    const mounted = await MountedSession.start(session, opts.mountpoint, { debug: opts.debug, ...(opts.backend ? { backend: opts.backend } : {}), ...(opts.onControlStop ? { onControlStop: opts.onControlStop } : {}) });
    info(`fairfs: run ${session.runId} mounted on ${opts.mountpoint}`);
    noteNotActedOn(session.config.notActedOn);
    for (const notice of session.notices) info(`fairfs: ${notice}`);
    return { session, mounted };
  } catch (err) {
    if (session) discardSession(session, `could not start: ${(err as Error).message}`);
    throw err;
  }
}
