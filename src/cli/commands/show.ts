import { describeProduct } from '../../provenance/describe-product.js';
import { Lineage } from '../../registry/lineage.js';
import { describeRun } from '../../session/describe.js';
import { openHome, type GlobalOptions } from '../context.js';
import { formatBytes, printJson } from '../output.js';
import { resolveSubject } from '../subject.js';

export default async function show(g: GlobalOptions, what: string, o: { json?: boolean }): Promise<number> {
  const { home, registry } = openHome(g);
  const lineage = new Lineage(registry.db);
  const subject = resolveSubject(registry, lineage, what);
  if (subject.kind === 'product') return showProduct(lineage, subject.id, o);
  const run = describeRun(registry, home, subject.runId);
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
  if (run.rerun_of) lines.push(`rerun of   ${run.rerun_of}`);
  if (run.message) lines.push(`note       ${run.message}`);
  lines.push('inputs');
  for (const i of run.inputs) lines.push(`  ${i.product}  ${i.component}  sha1 ${i.hash}`);
  if (run.inputs.length === 0) lines.push('  none');
  lines.push('outputs');
  for (const i of run.outputs) lines.push(`  ${i.product}  ${i.component}  sha1 ${i.hash}`);
  if (run.outputs.length === 0) lines.push('  none');
  if (run.quarantined.length) {
    lines.push('quarantined (not registered)');
    for (const q of run.quarantined) lines.push(`  ${q.path}  ${formatBytes(q.size)}  sha1 ${q.sha1}  at ${q.file}`);
  }
  if (run.issues.length) {
    lines.push('issues');
    for (const i of run.issues) lines.push(`  ${i.product}#${i.component}  severity ${i.severity}: ${i.description}`);
  }
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

function showProduct(lineage: Lineage, productId: number, o: { json?: boolean }): number {
  const p = describeProduct(lineage, productId);
  if (o.json) {
    printJson(p);
    return 0;
  }
  const runs = (list: typeof p.made_by): string => list.map((r) => `${r.run_id.slice(0, 12)} (${r.status}, ${r.run_date})`).join(', ') || '-';
  const lines = [
    `product    ${p.product}`,
    `about      ${p.description ?? '-'}`,
    `file       ${p.file_type ?? '-'}, ${formatBytes(p.size)}, sha1 ${p.sha1 ?? '-'}`,
    `stored at  ${p.location ?? '-'}`,
    `registered ${p.registered}`,
    `authors    ${p.authors.map((a) => `${a.name}${a.identifier ? ` <${a.identifier}>` : ''}`).join(', ') || '-'}`,
    `made by    ${runs(p.made_by)}`,
    `read by    ${runs(p.read_by)}`,
    `versions   ${p.versions.join(' ')}`,
  ];
  if (p.external_object) lines.push(`external   ${p.external_object.title}${p.external_object.identifier ? ` (${p.external_object.identifier})` : ''}`);
  lines.push('components');
  for (const c of p.components) {
    lines.push(`  ${c.name}`);
    for (const i of c.issues) lines.push(`    issue (severity ${i.severity}): ${i.description}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
