import { describeRun } from '../../session/describe.js';
import { openHome, type GlobalOptions } from '../context.js';
import { printJson } from '../output.js';

export default async function show(g: GlobalOptions, runId: string, o: { json?: boolean }): Promise<number> {
  const { registry } = openHome(g);
  const run = describeRun(registry, runId);
  if (o.json) {
    printJson(run);
    return 0;
  }
  const lines = [
    `run        ${run.run_id}${run.run_id_verified === true ? '  (= SHA-1 of the kept config bytes and the start time)' : run.run_id_verified === false ? '  (does NOT match the kept config bytes and start time)' : ''}`,
    `uuid       ${run.uuid}`,
    `status     ${run.status}${run.exit_code !== null ? ` (exit ${run.exit_code})` : ''}`,
    `started    ${run.started}`,
    `ended      ${run.ended ?? '-'}`,
    `config     ${run.config || (run.model_config ? `${run.model_config.path} (sha1 ${run.model_config.hash})` : '-')}`,
    `command    ${run.command ?? (run.submission_script ? `${run.submission_script.path} (sha1 ${run.submission_script.hash})` : '-')}`,
    `code       ${run.code_repo ? `${run.code_repo}@${run.code_commit ?? '?'}` : '-'}`,
    run.status === 'recorded'
      ? `by         ${run.user || '?'}, through the registry API (fairfs did not run it)`
      : `host       ${run.user}@${run.host}${run.mountpoint ? ` on ${run.mountpoint}` : ''}`,
  ];
  if (run.message) lines.push(`note       ${run.message}`);
  lines.push('inputs');
  for (const i of run.inputs) lines.push(`  ${i.product}  ${i.component}  sha1 ${i.hash}`);
  if (run.inputs.length === 0) lines.push('  none');
  lines.push('outputs');
  for (const i of run.outputs) lines.push(`  ${i.product}  ${i.component}  sha1 ${i.hash}`);
  if (run.outputs.length === 0) lines.push('  none');
  if (run.processes.length) {
    lines.push('processes');
    for (const p of run.processes) lines.push(`  ${p.pid}  ${p.command}  (${p.accesses} access${p.accesses === 1 ? '' : 'es'}${p.outside ? ', outside the run' : ''})`);
  }
  if (run.refusals.length) {
    lines.push('refusals');
    for (const r of run.refusals) lines.push(`  ${r.op} ${r.path}: ${r.reason}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
