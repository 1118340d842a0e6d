import { UsageError } from '../errors.js';
import type { Backend } from '../vfs/served-fs.js';
import { fuseNativeBackend } from './fuse-adapter.js';
import { fuse3Backend, fuse3Unavailable } from './fuse3-adapter.js';

/** Every backend that can serve a session or the catalog, native first. Each is tested with the same suites. */
export const backends: readonly Backend[] = [fuse3Backend, fuseNativeBackend];

/** The backends that load here (the tests run each suite on every one of them). */
export function usableBackends(): Backend[] {
  return backends.filter((b) => b !== fuse3Backend || fuse3Unavailable() === null);
}

/** The usable backends a mount gets only when asked for by name (the suite runs test/mount on each). */
export function otherBackends(): string[] {
  const chosen = chooseBackend(undefined, () => {});
  return usableBackends()
    .filter((b) => b !== chosen)
    .map((b) => b.name);
}

/**
 * The backend to serve with: the one asked for (`--backend`, $FAIRFS_BACKEND,
 * `backend:` in settings), else the fastest that loads here: fuse3, the native
 * one (docs/decisions.md). Where fuse3 cannot load, fuse2 serves, with one
 * line saying why.
 */
export function chooseBackend(requested: string | undefined, say: (line: string) => void): Backend {
  if (requested !== undefined && !backends.some((b) => b.name === requested)) {
    throw new UsageError(`no backend named ${JSON.stringify(requested)}`, { hint: `use one of: ${backends.map((b) => b.name).join(', ')}` });
  }
  if (requested === fuseNativeBackend.name) return fuseNativeBackend;
  const why = fuse3Unavailable();
  if (why === null) return fuse3Backend;
  say(`fairfs: serving with fuse2: ${why}`);
  return fuseNativeBackend;
}
