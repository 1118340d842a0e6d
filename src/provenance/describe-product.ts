import type { Lineage, LineageRun } from '../registry/lineage.js';

/* Everything `fairfs show NAMESPACE:NAME@VERSION` prints about one data product, as data. */

interface RunRef {
  run_id: string;
  status: LineageRun['status'];
  run_date: string;
  description: string;
}

export interface ProductDescription {
  product: string;
  description: string | null;
  file_type: string | null;
  size: number | null;
  sha1: string | null;
  location: string | null;
  registered: string;
  authors: { name: string; identifier: string | null }[];
  components: { name: string; issues: { severity: number; description: string }[] }[];
  made_by: RunRef[];
  read_by: RunRef[];
  versions: string[];
  external_object: { title: string; identifier: string | null; release_date: string | null } | null;
}

export function describeProduct(lineage: Lineage, productId: number): ProductDescription {
  const p = lineage.product(productId)!;
  const o = lineage.object(p.objectId)!;
  const ref = (codeRunId: number): RunRef[] => {
    const r = lineage.run(codeRunId);
    return r ? [{ run_id: r.runId, status: r.status, run_date: r.runDate, description: r.description }] : [];
  };
  const external = lineage.externalObject(productId);
  return {
    product: `${p.namespace}:${p.name}@${p.version}`,
    description: o.description,
    file_type: o.fileType,
    size: o.size,
    sha1: o.hash,
    location: o.location,
    registered: o.lastUpdated,
    authors: o.authors.map((a) => ({ name: a.name, identifier: a.identifier })),
    components: o.components.map((c) => ({
      name: c.name,
      issues: o.issues.filter((i) => i.component === c.name).map((i) => ({ severity: i.severity, description: i.description })),
    })),
    made_by: lineage.producersOf(p.objectId).flatMap(ref),
    read_by: lineage.consumersOf(p.objectId).flatMap(ref),
    versions: lineage.productVersions(p.namespace, p.name).map((v) => v.version),
    external_object: external ? { title: external.title, identifier: external.identifier, release_date: external.releaseDate } : null,
  };
}
