import type { Lineage, LineageRun } from '../registry/lineage.js';

/*
 * What depends on a data product: every code run that read it, every output
 * of those runs, and so on down, breadth first. The answer to "an issue was
 * raised against this input: which results must be looked at again?".
 */

export interface ImpactedRun {
  /** 1: read the product itself; 2: read an output of a level-1 run; … */
  level: number;
  codeRunId: number;
  runId: string;
  status: LineageRun['status'];
  runDate: string;
  description: string;
  /** What it read that leads back to the product. */
  via: string[];
  /** What it wrote (NAMESPACE:NAME@VERSION), each downstream in turn. */
  outputs: string[];
}

const label = (p: { namespace: string; name: string; version: string }): string => `${p.namespace}:${p.name}@${p.version}`;

export function impactOf(lineage: Lineage, productId: number, maxLevels = Number.POSITIVE_INFINITY): ImpactedRun[] {
  const start = lineage.product(productId);
  if (!start) return [];
  const out: ImpactedRun[] = [];
  const seenRuns = new Set<number>();
  const seenObjects = new Set<number>([start.objectId]);
  let frontier: { objectId: number; label: string }[] = [{ objectId: start.objectId, label: label(start) }];
  for (let level = 1; frontier.length && level <= maxLevels; level++) {
    const next: { objectId: number; label: string }[] = [];
    const byRun = new Map<number, ImpactedRun>();
    for (const item of frontier) {
      for (const codeRunId of lineage.consumersOf(item.objectId)) {
        if (seenRuns.has(codeRunId) && !byRun.has(codeRunId)) continue;
        let entry = byRun.get(codeRunId);
        if (!entry) {
          const run = lineage.run(codeRunId);
          if (!run) continue;
          seenRuns.add(codeRunId);
          const outputs: string[] = [];
          for (const objectId of lineage.byObject(run.outputs).keys()) {
            for (const p of lineage.object(objectId)?.dataProducts ?? []) {
              outputs.push(label(p));
              if (!seenObjects.has(objectId)) next.push({ objectId, label: label(p) });
            }
            seenObjects.add(objectId);
          }
          entry = { level, codeRunId, runId: run.runId, status: run.status, runDate: run.runDate, description: run.description, via: [], outputs };
          byRun.set(codeRunId, entry);
          out.push(entry);
        }
        if (!entry.via.includes(item.label)) entry.via.push(item.label);
      }
    }
    frontier = next;
  }
  return out;
}
