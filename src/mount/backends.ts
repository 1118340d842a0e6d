import type { Backend } from '../vfs/served-fs.js';
import { fuseNativeBackend } from './fuse-adapter.js';

/** Every backend that can serve a session or the catalog, the default first. Each is tested with the same suites. */
export const backends: readonly Backend[] = [fuseNativeBackend];

export const defaultBackend: Backend = backends[0]!;
