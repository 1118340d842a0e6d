import { readFileSync, statSync } from 'node:fs';
import { tomlComponents, type ComponentParse } from '../formats/toml.js';

/** Largest core-format file parsed for components; bigger ones stay whole objects. */
const MAX_PARSE_BYTES = 64 * 1024 * 1024;

/** Named components of a file in a core format, or null for other files. */
export function componentsOf(file: string, extension: string): ComponentParse | null {
  if (extension.toLowerCase() !== 'toml') return null;
  if (statSync(file).size > MAX_PARSE_BYTES) return null;
  return tomlComponents(readFileSync(file, 'utf8'));
}
