import { resolve } from 'node:path';
import { loadConfig } from '../../config/load.js';
import { readSettings } from '../../home.js';
import { pull } from '../../sync/pull.js';
import { resolveRemote } from '../../sync/remotes.js';
import { openHome, type GlobalOptions } from '../context.js';
import { formatBytes, info } from '../output.js';

export default async function pullCommand(g: GlobalOptions, configFile: string, o: { remote?: string }): Promise<number> {
  const { home, registry } = openHome(g);
  const config = loadConfig(resolve(configFile), {
    start: new Date(),
    user: readSettings(home).user,
    repoDir: null,
    gitBranch: null,
    gitTag: null,
  });
  const remote = resolveRemote(home, o.remote, config.remoteDataRegistryUrl);
  const report = await pull({ registry, home, config, remote, ...(process.stderr.isTTY ? { onStep: (s: string) => info(`  ${s}`) } : {}) });
  for (const p of report.fetched) info(`pulled ${p}`);
  for (const p of report.skipped) info(`already here: ${p}`);
  info(`fairfs: pulled ${report.fetched.length} data product(s), ${formatBytes(report.bytes)}, from ${remote.apiUrl}; ${report.skipped.length} already present`);
  return 0;
}
