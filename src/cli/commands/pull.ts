import { resolve } from 'node:path';
import { loadConfig } from '../../config/load.js';
import { configDefaults, readSettings } from '../../home.js';
import { pull, pullableReads } from '../../sync/pull.js';
import { registerItems } from '../../sync/register.js';
import { resolveRemote } from '../../sync/remotes.js';
import { openHome, type GlobalOptions } from '../context.js';
import { formatBytes, info } from '../output.js';
import { terminalProgress } from '../progress.js';

export default async function pullCommand(g: GlobalOptions, configFile: string, o: { remote?: string }): Promise<number> {
  const { home, registry } = openHome(g);
  const settings = readSettings(home);
  const config = loadConfig(
    resolve(configFile),
    { start: new Date(), user: settings.user, repoDir: null, gitBranch: null, gitTag: null },
    configDefaults(settings),
  );
  if (config.register.length) {
    const r = await registerItems({ registry, home, config });
    for (const p of r.registered) info(`registered ${p}`);
    for (const p of r.skipped) info(`already here: ${p}`);
  }
  const explicitRemote = o.remote ?? config.remoteDataRegistryUrl;
  const localAlready = config.reads.length - pullableReads(config, registry).length;
  if (localAlready === config.reads.length && !explicitRemote) {
    info(`fairfs: every read item of ${configFile} is already in the local registry`);
    return 0;
  }
  const remote = resolveRemote(home, o.remote, config.remoteDataRegistryUrl);
  const progress = terminalProgress();
  const report = await pull({ registry, home, config, remote, ...(progress ? { progress } : {}) });
  for (const p of report.fetched) info(`pulled ${p}`);
  info(`fairfs: pulled ${report.fetched.length} data product(s), ${formatBytes(report.bytes)}, from ${remote.apiUrl}; ${localAlready + report.skipped.length} already present`);
  return 0;
}
