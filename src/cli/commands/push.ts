import type { Home } from '../../home.js';
import type { Registry, SessionRecord } from '../../registry/registry.js';
import { push, runsToPush } from '../../sync/push.js';
import { planPush } from '../../sync/push-plan.js';
import { resolveRemote, type Remote } from '../../sync/remotes.js';
import { openHome, type GlobalOptions } from '../context.js';
import { formatBytes, info, printJson } from '../output.js';
import { terminalProgress } from '../progress.js';

/**
 * Where each run goes: `--remote` for all, else the remote its config named
 * (`run_metadata.remote_data_registry_url`, recorded with the run), else the
 * settings' default. Runs are grouped per remote.
 */
function targets(home: Home, registry: Registry, requested: string[], remoteOption: string | undefined): { remote: Remote; runs: SessionRecord[] }[] {
  if (remoteOption) {
    const remote = resolveRemote(home, remoteOption, null);
    return [{ remote, runs: runsToPush(registry, remote, requested) }];
  }
  const candidates = requested.length ? runsToPush(registry, null, requested) : registry.listSessions('completed');
  const groups = new Map<string, { remote: Remote; runs: SessionRecord[] }>();
  // Settings and token files are read once per distinct remote, not once per run.
  const resolved = new Map<string | null, Remote>();
  for (const run of candidates) {
    const remote = resolved.get(run.remote) ?? resolveRemote(home, undefined, run.remote);
    resolved.set(run.remote, remote);
    const group = groups.get(remote.apiUrl) ?? { remote, runs: [] };
    if (requested.length || !registry.journalHas(remote.apiUrl, 'push', `code_run ${run.runId}`)) group.runs.push(run);
    groups.set(remote.apiUrl, group);
  }
  // Nothing to push: still visit the default remote, which may hold files waiting for upload.
  if (groups.size === 0) {
    const remote = resolveRemote(home, undefined, null);
    groups.set(remote.apiUrl, { remote, runs: [] });
  }
  return [...groups.values()];
}

export default async function pushCommand(g: GlobalOptions, runs: string[], o: { remote?: string; dryRun?: boolean; json?: boolean }): Promise<number> {
  const { home, registry } = openHome(g);
  const progress = terminalProgress();
  let waiting = 0;
  for (const { remote, runs: selected } of targets(home, registry, runs, o.remote)) {
    const report = await push({
      registry,
      remote,
      runs: selected.map((r) => r.runId),
      dryRun: o.dryRun ?? false,
      ...(progress ? { progress } : {}),
    });
    if (o.dryRun) {
      const plans = planPush(registry, remote.apiUrl, selected);
      if (o.json) {
        printJson({ remote: remote.apiUrl, runs: plans });
        continue;
      }
      let [records, files] = [0, 0];
      for (const plan of plans) {
        const lines = [`run ${plan.run} → ${remote.apiUrl}`];
        for (const r of plan.records) lines.push(`  ${r.endpoint.padEnd(17)} ${r.what}${r.there ? `  (there: ${r.there})` : ''}`);
        for (const f of plan.files) lines.push(`  ${'upload'.padEnd(17)} ${f.path} (${formatBytes(f.size)}, sha1 ${f.hash})`);
        process.stdout.write(`${lines.join('\n')}\n`);
        records += plan.records.filter((r) => !r.there).length;
        files += plan.files.length;
      }
      info(`fairfs: dry run, nothing sent: ${plans.length} run(s), ${records} record(s) to post and ${files} file(s) to upload to ${remote.apiUrl}`);
      continue;
    }
    for (const r of report.runs) info(`pushed run ${r.runId} as ${r.url}`);
    info(
      `fairfs: pushed ${report.runs.length} run(s) to ${remote.apiUrl}: ${report.created} record(s) created, ${report.found} already there, ${report.uploaded} file(s) uploaded`,
    );
    const byReason = new Map<string, typeof report.notUploaded>();
    for (const f of report.notUploaded) byReason.set(f.reason, [...(byReason.get(f.reason) ?? []), f]);
    for (const [reason, files] of byReason) {
      info(`fairfs: ${files.length} file(s) not uploaded to ${remote.apiUrl}: ${reason}; their records point at this machine's copies:`);
      for (const f of files) info(`  ${f.file}`);
    }
    waiting += report.notUploaded.length;
  }
  if (waiting) info(`fairfs: ${waiting} file(s) wait for upload; \`fairfs push\` uploads them once the remote takes files`);
  return 0;
}
