import { readFileSync, statSync } from 'node:fs';
import { hdf5Components } from '../formats/hdf5.js';
import { tomlComponents, tomlComponentText, type ComponentParse } from '../formats/toml.js';
import { describeHdf5, hdf5ComponentCsv, loadHdf5 } from './hdf5.js';

/** Largest core-format file parsed for components; bigger ones stay whole objects. */
const MAX_PARSE_BYTES = 64 * 1024 * 1024;

export const isHdf5 = (extension: string): boolean => ['h5', 'hdf5'].includes(extension.toLowerCase());

/** Named components of a file in a core format (TOML, HDF5), or null for other files. */
export async function componentsOf(file: string, extension: string): Promise<ComponentParse | null> {
  const ext = extension.toLowerCase();
  if (ext === 'toml') {
    if (statSync(file).size > MAX_PARSE_BYTES) return null;
    return tomlComponents(readFileSync(file, 'utf8'));
  }
  if (isHdf5(ext)) {
    await loadHdf5();
    try {
      return { ok: true, components: hdf5Components(describeHdf5(file)) };
    } catch (err) {
      return { ok: false, error: `does not open as HDF5: ${(err as Error).message.split('\n')[0]}` };
    }
  }
  return null;
}

/**
 * One component of a stored core-format file as a file of its own: a TOML
 * table as TOML, an HDF5 array or table as CSV (HDF5 must be loaded).
 */
export function componentBytes(file: string, extension: string, component: string): Buffer {
  return Buffer.from(isHdf5(extension) ? hdf5ComponentCsv(file, component) : (tomlComponentText(readFileSync(file, 'utf8'), component) ?? ''));
}
