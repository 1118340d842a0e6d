import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ObjectDetail } from '../registry/registry.js';

/** A public file of this machine's store that exists: what a push uploads. */
export function uploadableFile(d: ObjectDetail): string | null {
  if (!d.public || !d.storageRoot?.startsWith('file://') || d.path === null) return null;
  const file = join(fileURLToPath(d.storageRoot), d.path);
  return existsSync(file) ? file : null;
}
