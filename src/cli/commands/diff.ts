import { UsageError } from '../../errors.js';
import { describeDiff, diffObjects, diffRuns } from '../../provenance/diff.js';
import { Lineage } from '../../registry/lineage.js';
import { DataStore } from '../../store/store.js';
import { openHome, type GlobalOptions } from '../context.js';
import { printJson } from '../output.js';
import { resolveSubject } from '../subject.js';

/** `fairfs diff A B`: two versions of a product, or two runs, component by component. */
export default async function diff(g: GlobalOptions, first: string, second: string, o: { json?: boolean }): Promise<number> {
  const { home, registry } = openHome(g);
  const lineage = new Lineage(registry.db);
  const store = new DataStore(home.dataStore);
  const a = resolveSubject(registry, lineage, first);
  const b = resolveSubject(registry, lineage, second);
  if (a.kind !== b.kind) throw new UsageError('fairfs diff compares two data products or two runs, not one of each');

  if (a.kind === 'product' && b.kind === 'product') {
    const d = await diffObjects(lineage, store, lineage.product(a.id)!.objectId, lineage.product(b.id)!.objectId);
    if (o.json) printJson({ a: a.label, b: b.label, ...d });
    else process.stdout.write(`${a.label} → ${b.label}\n${describeDiff(d).map((l) => `  ${l}`).join('\n')}\n`);
    return 0;
  }
  if (a.kind !== 'run' || b.kind !== 'run') return 0;
  const d = await diffRuns(lineage, store, a.codeRunId, b.codeRunId);
  if (o.json) {
    printJson({ a: a.runId, b: b.runId, ...d });
    return 0;
  }
  const lines = [`run ${a.runId.slice(0, 12)} → run ${b.runId.slice(0, 12)}`, 'inputs'];
  for (const i of d.inputs) {
    const same = i.before === i.after ? (i.sameBytes ? 'same' : 'same version, other bytes') : `${i.before ?? 'not read'} → ${i.after ?? 'not read'}`;
    lines.push(`  ${i.product}: ${same}`);
  }
  lines.push('outputs');
  for (const out of d.outputs) {
    lines.push(`  ${out.product}: ${out.before ?? 'not written'} → ${out.after ?? 'not written'}`);
    if (out.diff) lines.push(...describeDiff(out.diff).map((l) => `    ${l}`));
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
