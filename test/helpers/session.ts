import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Test } from 'tap';
import { ensureHome, resolveHome } from '../../src/home.js';
import { Registry } from '../../src/registry/registry.js';
import { Session } from '../../src/session/session.js';
import { DataStore } from '../../src/store/store.js';

export const INPUT_TEXT = 'region,population\nglasgow,635640\n';

/** An in-process session on a temp home with one registered input (`in/data.csv`). */
export async function openTestSession(t: Test, extraConfig = ''): Promise<{ session: Session; dir: string }> {
  const dir = t.testdir({ 'data.csv': INPUT_TEXT });
  const home = resolveHome(join(dir, 'home'));
  ensureHome(home);
  const registry = new Registry(home.registryFile);
  const store = new DataStore(home.dataStore);
  const stored = await store.put(join(dir, 'data.csv'), 'T', 'data', 'csv', { move: false });
  registry.transaction(() =>
    registry.registerProduct({
      namespace: 'T',
      name: 'data',
      version: '1.0.0',
      file: { storageRoot: store.rootUrl, path: stored.path, hash: stored.hash, size: stored.size, extension: 'csv' },
    }),
  );
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    `run_metadata:
  default_input_namespace: T
  default_output_namespace: out
read:
  - data_product: in/data
    use:
      data_product: data
write:
  - data_product: results/table
    file_type: csv
${extraConfig}`,
  );
  const session = await Session.open({ home, registry, configFile: config, mountpoint: null, cwd: dir });
  t.teardown(() => registry.close());
  return { session, dir };
}
