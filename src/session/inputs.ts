import type { Registry } from '../registry/registry.js';

/**
 * The components a run opened, from its access journal: declared inputs
 * (whole objects) and anything read from `.fair/catalog/`. Finalise links
 * them; so does recovery of a crashed run, so what it read is never lost.
 */
export function inputComponentsOf(registry: Registry, runId: string): number[] {
  // A model may open the same input thousands of times: look each (product, component) up once.
  const opened = new Map<string, { dataProduct: number; component: string }>();
  for (const a of registry.accesses(runId)) {
    if (a.op !== 'open' || a.outcome !== 'ok' || a.dataProduct === null) continue;
    const component = a.component ?? 'whole_object';
    opened.set(`${a.dataProduct}#${component}`, { dataProduct: a.dataProduct, component });
  }
  const ids: number[] = [];
  for (const { dataProduct, component } of opened.values()) {
    const id = registry.componentIdFor(dataProduct, component);
    if (id !== undefined) ids.push(id);
  }
  return ids;
}
