import { finished } from 'node:stream/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { toProvJson } from '../provenance/prov-json.js';
import { provReport } from '../provenance/report.js';
import { RunCrate } from '../provenance/ro-crate.js';
import { renderProv, type TextFormat } from '../provenance/render.js';
import { MAX_DRAWN_RECORDS } from '../provenance/svg.js';
import type { Lineage } from '../registry/lineage.js';
import type { DataStore } from '../store/store.js';
import { detail, sendJson } from './http.js';

/*
 * The registry's provenance endpoints. `GET /api/prov-report/<data product id>/`, as the FAIR data-registry
 * answers it: PROV-JSON by default, PROV-N, PROV-XML or SVG by `?format=`
 * (json, provn, xml, svg) or the Accept header; `depth` levels of code runs.
 * A format it does not render is a 404, as DRF answers an unknown format.
 */

/** The registry's format names, with their media types and the serialisations they are. */
const FORMATS: Record<string, { media: string; as: TextFormat }> = {
  json: { media: 'application/json', as: 'prov-json' },
  provn: { media: 'text/provenance-notation; charset=utf-8', as: 'prov-n' },
  xml: { media: 'text/xml; charset=utf-8', as: 'prov-xml' },
  svg: { media: 'image/svg+xml', as: 'svg' },
};

function formatOf(req: IncomingMessage, query: URLSearchParams): string {
  const asked = query.get('format');
  if (asked !== null) return asked;
  const accept = req.headers.accept ?? '';
  if (accept.includes('text/provenance-notation')) return 'provn';
  if (accept.includes('image/svg+xml')) return 'svg';
  if (/\b(text|application)\/xml\b/.test(accept)) return 'xml';
  return 'json';
}

export async function sendProvReport(req: IncomingMessage, res: ServerResponse, lineage: Lineage, productId: number, query: URLSearchParams, base: string): Promise<void> {
  const format = formatOf(req, query);
  // Own keys only: `?format=constructor` must not find Object's.
  const wanted = Object.hasOwn(FORMATS, format) ? FORMATS[format] : undefined;
  if (!wanted) throw detail(404, 'Not found.');
  if (!lineage.product(productId)) throw detail(404, 'Not found.');
  // As the registry: a depth that is not a whole number is 1.
  const depth = Math.max(1, Number.parseInt(query.get('depth') ?? '1', 10) || 1);
  const doc = provReport(lineage, { product: productId }, { base: `${base}/`, depth: Math.min(depth, 100) });
  if (format === 'json') return sendJson(res, 200, toProvJson(doc), { Vary: 'Accept' });
  if (format === 'svg' && doc.elements.length > MAX_DRAWN_RECORDS) {
    throw detail(400, `${doc.elements.length} records are too many to draw here (at most ${MAX_DRAWN_RECORDS}); ask for format=json, provn or xml`);
  }
  const body = await renderProv(doc, wanted.as, `data product ${productId}`);
  res.writeHead(200, { 'Content-Type': wanted.media, 'Content-Length': Buffer.byteLength(body), Vary: 'Accept' });
  res.end(body);
}

/**
 * `GET /api/ro-crate/code-run/<id>/` and `/api/ro-crate/data-product/<id>/`,
 * the links every code_run and data_product record carries: the run's Process
 * Run Crate as a zip, streamed (a product's is that of the run that made it).
 */
export async function sendRoCrate(res: ServerResponse, lineage: Lineage, store: DataStore, kind: string, id: number): Promise<void> {
  let crate: RunCrate;
  if (kind === 'code-run' && lineage.run(id)) crate = RunCrate.ofRun(lineage, store, id, { data: true });
  else if (kind === 'data-product' && lineage.product(id)) {
    const [maker] = lineage.producersOf(lineage.product(id)!.objectId);
    if (maker === undefined) throw detail(404, 'This data product was not made by a code run, and a Process Run Crate describes a run.');
    crate = RunCrate.ofRun(lineage, store, maker, { data: true });
  } else throw detail(404, 'Not found.');
  res.writeHead(200, { 'Content-Type': 'application/zip', 'Content-Disposition': `attachment; filename="${kind}-${id}-ro-crate.zip"` });
  crate.zipTo(res);
  await finished(res);
}
