import type { IncomingMessage, ServerResponse } from 'node:http';
import { toDot } from '../provenance/dot.js';
import { toProvJson } from '../provenance/prov-json.js';
import { toProvN } from '../provenance/prov-n.js';
import { toProvXml } from '../provenance/prov-xml.js';
import { provReport } from '../provenance/report.js';
import { renderSvg } from '../provenance/svg.js';
import type { Lineage } from '../registry/lineage.js';
import { detail, sendJson } from './http.js';

/*
 * `GET /api/prov-report/<data product id>/`, as the FAIR data-registry
 * answers it: PROV-JSON by default, PROV-N, PROV-XML or SVG by `?format=`
 * (json, provn, xml, svg) or the Accept header; `depth` levels of code runs.
 * A format it does not render is a 404, as DRF answers an unknown format.
 */

const MEDIA: Record<string, string> = {
  json: 'application/json',
  provn: 'text/provenance-notation; charset=utf-8',
  xml: 'text/xml; charset=utf-8',
  svg: 'image/svg+xml',
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
  if (!(format in MEDIA)) throw detail(404, 'Not found.');
  if (!lineage.product(productId)) throw detail(404, 'Not found.');
  // As the registry: a depth that is not a whole number is 1.
  const depth = Math.max(1, Number.parseInt(query.get('depth') ?? '1', 10) || 1);
  const doc = provReport(lineage, { product: productId }, { base: `${base}/`, depth: Math.min(depth, 100) });
  if (format === 'json') return sendJson(res, 200, toProvJson(doc), { Vary: 'Accept' });
  const body = format === 'provn' ? toProvN(doc) : format === 'xml' ? toProvXml(doc) : await renderSvg(toDot(doc, `data product ${productId}`));
  res.writeHead(200, { 'Content-Type': MEDIA[format]!, 'Content-Length': Buffer.byteLength(body), Vary: 'Accept' });
  res.end(body);
}
