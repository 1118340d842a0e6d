import { push } from '../../sync/push.js';
import { resolveRemote } from '../../sync/remotes.js';
import { openHome, type GlobalOptions } from '../context.js';
import { info } from '../output.js';
import { terminalProgress } from '../progress.js';

export default async function pushCommand(g: GlobalOptions, runs: string[], o: { remote?: string; dryRun?: boolean }): Promise<number> {
  const { home, registry } = openHome(g);
  const remote = resolveRemote(home, o.remote, null);
  const progress = terminalProgress();
  const report = await push({
    registry,
    remote,
    runs,
    dryRun: o.dryRun ?? false,
    ...(progress ? { progress } : {}),
  });
  if (o.dryRun) {
    for (const r of report.runs) info(`would push run ${r.runId}`);
    info(`fairfs: ${report.runs.length} run(s) to push to ${remote.apiUrl}`);
    return 0;
  }
  for (const r of report.runs) info(`pushed run ${r.runId} as ${r.url}`);
  info(
    `fairfs: pushed ${report.runs.length} run(s) to ${remote.apiUrl}: ${report.created} record(s) created, ${report.found} already there, ${report.uploaded} file(s) uploaded`,
  );
  return 0;
}
