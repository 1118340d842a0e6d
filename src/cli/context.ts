import { chooseBackend } from '../mount/backends.js';
import { ensureHome, readSettings, resolveHome, type Home } from '../home.js';
import type { Backend } from '../vfs/served-fs.js';
import { info } from './output.js';
import { Registry } from '../registry/registry.js';

export interface GlobalOptions {
  home?: string;
  debug?: boolean;
  backend?: string;
}

/** The backend a mount is served with: `--backend`, else $FAIRFS_BACKEND, else settings' `backend:`, else fuse3 where it loads. */
export function backendFor(opts: GlobalOptions, home: Home): Backend {
  const requested = opts.backend ?? (process.env.FAIRFS_BACKEND || undefined) ?? readSettings(home).backend;
  return chooseBackend(requested, info);
}

/** The home (created on first use) and its registry, for one command. */
export function openHome(opts: GlobalOptions): { home: Home; registry: Registry } {
  const home = resolveHome(opts.home);
  ensureHome(home);
  return { home, registry: new Registry(home.registryFile) };
}
