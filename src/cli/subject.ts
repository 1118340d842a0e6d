import { MissingDataError } from '../errors.js';
import type { Lineage } from '../registry/lineage.js';
import type { Registry } from '../registry/registry.js';
import { formatRef, parseProductRef } from './product-ref.js';

/** What a lineage command is about: a data product or a code run. */
export type Subject = { kind: 'product'; id: number; label: string } | { kind: 'run'; codeRunId: number; runId: string; label: string };

const looksLikeProduct = (text: string): boolean => /^[^:@\s]+:[^@\s]+@[^@\s]+$/.test(text);

/** `NS:NAME@VERSION`, or a run id (a unique prefix will do) or code run uuid. */
export function resolveSubject(registry: Registry, lineage: Lineage, text: string): Subject {
  if (looksLikeProduct(text)) {
    const ref = parseProductRef(text);
    const product = lineage.productByKey(ref.namespace, ref.name, ref.version);
    if (!product) {
      throw new MissingDataError(`${formatRef(ref)} is not in the local registry`, {
        hint: '`fairfs ls` lists the data products here; `fairfs pull CONFIG` fetches one from a remote registry',
      });
    }
    return { kind: 'product', id: product.id, label: formatRef(ref) };
  }
  const session = registry.getSession(text);
  if (!session) throw new MissingDataError(`no code run ${text} in the local registry`, { hint: '`fairfs runs` lists the runs, by run id' });
  return { kind: 'run', codeRunId: session.codeRunId, runId: session.runId, label: `run ${session.runId}` };
}

/** The product a subject must be, for commands that take only products. */
export function productOf(subject: Subject, command: string): number {
  if (subject.kind !== 'product') throw new MissingDataError(`${command} takes a data product (NAMESPACE:NAME@VERSION), not a run`, { hint: 'e.g. SCRC:human/population@0.1.0' });
  return subject.id;
}
