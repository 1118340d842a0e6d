import { writeFileSync } from 'node:fs';
import { UsageError } from '../../errors.js';
import { provReport } from '../../provenance/report.js';
import { RunCrate } from '../../provenance/ro-crate.js';
import { MAX_DRAWN_RECORDS } from '../../provenance/svg.js';
import { renderProv, TEXT_FORMATS, type TextFormat } from '../../provenance/render.js';
import { Lineage } from '../../registry/lineage.js';
import { DataStore } from '../../store/store.js';
import { openHome, type GlobalOptions } from '../context.js';
import { info } from '../output.js';
import { resolveSubject } from '../subject.js';

export const PROV_FORMATS = [...TEXT_FORMATS, 'ro-crate'] as const;

export interface ProvOptions {
  format: string;
  depth: string;
  output?: string;
  baseUrl?: string;
  data: boolean;
  licence?: string;
}

export default async function prov(g: GlobalOptions, what: string, o: ProvOptions): Promise<number> {
  if (!(PROV_FORMATS as readonly string[]).includes(o.format)) {
    throw new UsageError(`unknown format ${o.format}`, { hint: `use one of ${PROV_FORMATS.join(', ')}` });
  }
  const depth = Number(o.depth);
  if (!Number.isInteger(depth) || depth < 1) throw new UsageError(`--depth ${o.depth} is not a whole number ≥ 1`, { hint: 'e.g. --depth 2 adds the runs that made the inputs' });
  const { home, registry } = openHome(g);
  const lineage = new Lineage(registry.db);
  const subject = resolveSubject(registry, lineage, what);

  if (o.format === 'ro-crate') {
    const store = new DataStore(home.dataStore);
    const opts = { data: o.data, ...(o.licence ? { licence: o.licence } : {}) };
    const crate = subject.kind === 'run' ? RunCrate.ofRun(lineage, store, subject.codeRunId, opts) : RunCrate.ofProduct(lineage, store, subject.id, opts);
    const target = o.output ?? `${subject.kind === 'run' ? subject.runId.slice(0, 12) : 'product'}-ro-crate`;
    const { files } = await crate.write(target);
    info(`fairfs: wrote the RO-Crate of ${subject.label} to ${target} (${files} file(s) copied)`);
    return 0;
  }

  const doc = provReport(lineage, subject.kind === 'run' ? { run: subject.codeRunId } : { product: subject.id }, { depth, ...(o.baseUrl ? { base: o.baseUrl } : {}) });
  if (o.format === 'svg' && doc.elements.length > MAX_DRAWN_RECORDS) info(`fairfs: drawing ${doc.elements.length} records may take a while; --format dot writes the graph at once`);
  const text = await renderProv(doc, o.format as TextFormat, subject.label);
  if (o.output) {
    writeFileSync(o.output, text);
    info(`fairfs: wrote the ${o.format} provenance of ${subject.label} to ${o.output}`);
  } else {
    process.stdout.write(text);
  }
  return 0;
}
