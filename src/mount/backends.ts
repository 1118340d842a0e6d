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

/**
 * The backend to serve with: the one asked for (`--backend`, $FAIRFS_BACKEND,
 * `backend:` in settings), else fuse2. The native fuse3 backend is opt-in until
 * the whole mount suite passes on it (docs/decisions.md); asked for where it
 * cannot load, it falls back to fuse2 with one line saying why.
 */
export function chooseBackend(requested: string | undefined, say: (line: string) => void): Backend {
  if (requested !== undefined && !backends.some((b) => b.name === requested)) {
    throw new UsageError(`no backend named ${JSON.stringify(requested)}`, { hint: `use one of: ${backends.map((b) => b.name).join(', ')}` });
  }
  if (requested !== fuse3Backend.name) return fuseNativeBackend;
  const why = fuse3Unavailable();
  if (why === null) return fuse3Backend;
  say(`fairfs: serving with fuse2: ${why}`);
  return fuseNativeBackend;
}
