import { ensureHome, resolveHome, type Home } from '../home.js';
import { Registry } from '../registry/registry.js';

export interface GlobalOptions {
  home?: string;
  debug?: boolean;
}

/** The home (created on first use) and its registry, for one command. */
export function openHome(opts: GlobalOptions): { home: Home; registry: Registry } {
  const home = resolveHome(opts.home);
  ensureHome(home);
  return { home, registry: new Registry(home.registryFile) };
}
