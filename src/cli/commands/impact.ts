import { writeFileSync } from 'node:fs';
import { UsageError } from '../../errors.js';
import { toDot } from '../../provenance/dot.js';
import { impactOf } from '../../provenance/impact.js';
import { provReport } from '../../provenance/report.js';
import { renderSvg } from '../../provenance/svg.js';
import { Lineage } from '../../registry/lineage.js';
import { openHome, type GlobalOptions } from '../context.js';
import { info, printJson, printTable } from '../output.js';
import { productOf, resolveSubject } from '../subject.js';

export interface ImpactOptions {
  json?: boolean;
  format?: string;
  output?: string;
  depth?: string;
}

export default async function impact(g: GlobalOptions, what: string, o: ImpactOptions): Promise<number> {
  if (o.format !== undefined && o.format !== 'dot' && o.format !== 'svg') throw new UsageError(`unknown format ${o.format}`, { hint: 'the picture is --format dot or --format svg' });
  const levels = o.depth === undefined ? Number.POSITIVE_INFINITY : Number(o.depth);
  if (!(levels >= 1) || (Number.isFinite(levels) && !Number.isInteger(levels))) throw new UsageError(`--depth ${o.depth} is not a whole number ≥ 1`);
  const { registry } = openHome(g);
  const lineage = new Lineage(registry.db);
  const subject = resolveSubject(registry, lineage, what);
  const rows = impactOf(lineage, productOf(subject, 'impact'), levels);

  if (o.format) {
    const dot = toDot(provReport(lineage, { runs: rows.map((r) => r.codeRunId) }), `downstream of ${subject.label}`);
    const text = o.format === 'svg' ? await renderSvg(dot) : dot;
    if (o.output) writeFileSync(o.output, text);
    else process.stdout.write(text);
    if (o.output) info(`fairfs: wrote the ${o.format} picture of what depends on ${subject.label} to ${o.output}`);
    return 0;
  }
  if (o.json) {
    printJson(rows.map((r) => ({ level: r.level, run_id: r.runId, status: r.status, run_date: r.runDate, description: r.description, via: r.via, outputs: r.outputs })));
    return 0;
  }
  if (rows.length === 0) {
    info(`fairfs: nothing depends on ${subject.label}: no code run has read it`);
    return 0;
  }
  printTable(
    ['LEVEL', 'RUN', 'STATUS', 'DATE', 'READ', 'WROTE'],
    rows.map((r) => [r.level, r.runId.slice(0, 12), r.status, r.runDate, r.via.join(' '), r.outputs.join(' ') || '-']),
  );
  const outputs = rows.reduce((n, r) => n + r.outputs.length, 0);
  info(`fairfs: ${rows.length} run(s) and ${outputs} output(s) downstream of ${subject.label}, ${Math.max(...rows.map((r) => r.level))} level(s) deep`);
  return 0;
}
