import { ensureHome, resolveHome } from '../../home.js';
import { Registry } from '../../registry/registry.js';
import type { GlobalOptions } from '../context.js';
import { info } from '../output.js';

export default async function init(g: GlobalOptions): Promise<number> {
  const home = resolveHome(g.home);
  const { created } = ensureHome(home);
  new Registry(home.registryFile).close();
  info(`${created ? 'created' : 'already set up:'} ${home.root} (registry ${home.registryFile}, data store ${home.dataStore})`);
  return 0;
}
