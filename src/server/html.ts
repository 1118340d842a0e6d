import type { ServerResponse } from 'node:http';
import { describeProduct } from '../provenance/describe-product.js';
import { toDot } from '../provenance/dot.js';
import { provReport } from '../provenance/report.js';
import { MAX_DRAWN_RECORDS, renderSvg } from '../provenance/svg.js';
import type { Lineage, LineageRun } from '../registry/lineage.js';
import { detail } from './http.js';

/*
 * A small HTML view of the registry for people: `/` lists runs and products,
 * `/view/run/<run id>` shows one run with its lineage picture,
 * `/view/product/<id>` one product with its versions and components. Plain
 * server-rendered pages, no script at all (the Content-Security-Policy says
 * so); every value from the registry is escaped, since API clients wrote it.
 */

const LIST_LIMIT = 500;
/** Rows of a run's inputs or outputs shown on its page. */
const ROW_LIMIT = 1000;

const esc = (v: unknown): string =>
  String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const STYLE = `
  body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #222; }
  h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
  table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #ddd; vertical-align: top; }
  th { background: #f4f4f4; } code { font-size: 12px; } a { color: #0645ad; }
  .failed, .aborted { color: #b00; font-weight: bold; } .issue { color: #b00; }
  .lineage { border: 1px solid #ddd; padding: .5rem; overflow: auto; } .lineage svg { max-width: 100%; height: auto; }
  nav { margin-bottom: 1rem; } .muted { color: #777; }`;

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)} · fairfs</title><style>${STYLE}</style></head>
<body><nav><a href="/">fairfs registry</a> · <a href="/api/">REST API</a></nav>
<h1>${esc(title)}</h1>
${body}
</body></html>
`;
}

function send(res: ServerResponse, html: string): void {
  res.writeHead(200, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(html),
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:",
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(html);
}

const runLink = (r: LineageRun): string => `<a href="/view/run/${encodeURIComponent(r.runId)}"><code>${esc(r.runId.slice(0, 12))}</code></a>`;
const productLink = (p: { id: number; namespace: string; name: string; version: string }): string =>
  `<a href="/view/product/${p.id}">${esc(`${p.namespace}:${p.name}@${p.version}`)}</a>`;
const status = (s: string): string => `<span class="${esc(s)}">${esc(s)}</span>`;
const table = (head: string[], rows: string[][]): string =>
  rows.length
    ? `<table><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n')}</table>`
    : '<p class="muted">none</p>';
const rowsOf = (head: string[], rows: string[][], what: string): string => `${table(head, rows.slice(0, ROW_LIMIT))}${more(Math.min(rows.length, ROW_LIMIT), rows.length, what)}`;
const more = (shown: number, total: number, what: string): string =>
  total > shown ? `<p class="muted">the newest ${shown} of ${total} ${what}; the REST API lists them all</p>` : '';

/** The lineage picture, inline (no script, no second request); too big a graph is not drawn. */
async function lineagePicture(doc: Parameters<typeof toDot>[0], title: string): Promise<string> {
  if (doc.elements.length > MAX_DRAWN_RECORDS) {
    return `<p class="muted">${doc.elements.length} records: too many to draw here. <code>fairfs prov … --format svg</code> draws them on your machine.</p>`;
  }
  const svg = await renderSvg(toDot(doc, title));
  // Inline SVG starts at its element: no XML declaration, DOCTYPE or generator comment inside HTML.
  return `<div class="lineage" id="lineage">${svg.slice(svg.indexOf('<svg'))}</div>`;
}

export function sendIndex(res: ServerResponse, lineage: Lineage): void {
  const runs = lineage.recentRuns(LIST_LIMIT);
  const products = lineage.recentProducts(LIST_LIMIT);
  const runRows = runs.runs.flatMap((id) => {
    const r = lineage.run(id);
    return r ? [[runLink(r), status(r.status), esc(r.runDate), esc(r.description), String(new Set(r.inputs).size), String(new Set(r.outputs).size)]] : [];
  });
  const productRows = products.products.map((p) => [productLink(p), esc(p.extension ?? '-'), esc(p.size ?? '-'), esc(p.lastUpdated)]);
  send(
    res,
    page(
      'fairfs registry',
      `<h2 id="runs">Code runs (${runs.total})</h2>${table(['run', 'status', 'started', 'description', 'input components', 'output components'], runRows)}${more(runRows.length, runs.total, 'runs')}
<h2 id="products">Data products (${products.total})</h2>${table(['product', 'type', 'bytes', 'registered'], productRows)}${more(productRows.length, products.total, 'products')}`,
    ),
  );
}

export async function sendRunPage(res: ServerResponse, lineage: Lineage, runId: string): Promise<void> {
  const codeRunId = lineage.runIdFor(runId);
  const run = codeRunId === undefined ? undefined : lineage.run(codeRunId);
  if (!run) throw detail(404, 'Not found.');
  const products = (components: number[]): string[][] => {
    const rows: string[][] = [];
    for (const [objectId, names] of lineage.byObject(components)) {
      const o = lineage.object(objectId)!;
      for (const p of o.dataProducts) rows.push([productLink(p), esc(names.join(', ')), `<code>${esc(o.hash ?? '-')}</code>`, o.issues.length ? `<span class="issue">${esc(o.issues.map((i) => i.description).join('; '))}</span>` : '']);
    }
    return rows;
  };
  const facts: [string, string][] = [
    ['run id', `<code>${esc(run.runId)}</code>`],
    ['status', `${status(run.status)}${run.exitCode !== null ? ` (exit ${esc(run.exitCode)})` : ''}`],
    ['started', esc(run.runDate)],
    ['ended', esc(run.endedAt ?? '-')],
    ['command', `<code>${esc(run.command ?? '-')}</code>`],
    ['code', run.codeRepoUrl ? `${esc(run.codeRepoUrl)} @ <code>${esc(run.codeCommit ?? '?')}</code>` : '-'],
    ['run by', esc(run.runner?.author?.name ?? run.runner?.username ?? '-')],
  ];
  if (run.rerunOf) facts.push(['rerun of', `<a href="/view/run/${encodeURIComponent(run.rerunOf)}"><code>${esc(run.rerunOf.slice(0, 12))}</code></a>`]);
  if (run.message) facts.push(['note', esc(run.message)]);
  send(
    res,
    page(
      `Run ${run.runId.slice(0, 12)}: ${run.description}`,
      `<table>${facts.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`).join('')}</table>
<h2>Lineage</h2>${await lineagePicture(provReport(lineage, { run: codeRunId! }), `run ${run.runId}`)}
<h2>Inputs</h2>${rowsOf(['product', 'components read', 'sha1', 'issues'], products(run.inputs), 'inputs')}
<h2>Outputs</h2>${rowsOf(['product', 'components written', 'sha1', 'issues'], products(run.outputs), 'outputs')}`,
    ),
  );
}

export async function sendProductPage(res: ServerResponse, lineage: Lineage, productId: number): Promise<void> {
  const p = lineage.product(productId);
  if (!p) throw detail(404, 'Not found.');
  const d = describeProduct(lineage, productId);
  const runRows = (list: typeof d.made_by): string =>
    list.map((r) => `<a href="/view/run/${encodeURIComponent(r.run_id)}"><code>${esc(r.run_id.slice(0, 12))}</code></a> ${status(r.status)}`).join(', ') || '-';
  const versions = lineage.productVersions(p.namespace, p.name).map((v) => (v.id === productId ? `<strong>${esc(v.version)}</strong>` : `<a href="/view/product/${v.id}">${esc(v.version)}</a>`));
  const facts: [string, string][] = [
    ['description', esc(d.description ?? '-')],
    ['file', `${esc(d.file_type ?? '-')}, ${esc(d.size ?? '?')} bytes`],
    ['sha1', `<code>${esc(d.sha1 ?? '-')}</code>`],
    ['stored at', `<code>${esc(d.location ?? '-')}</code>`],
    ['registered', esc(d.registered)],
    ['authors', esc(d.authors.map((a) => a.name).join(', ') || '-')],
    ['made by', runRows(d.made_by)],
    ['read by', runRows(d.read_by)],
    ['versions', versions.join(' ')],
  ];
  const components = d.components.map((c) => [esc(c.name), c.issues.map((i) => `<span class="issue">severity ${esc(i.severity)}: ${esc(i.description)}</span>`).join('<br>')]);
  send(
    res,
    page(
      d.product,
      `<table>${facts.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`).join('')}</table>
<h2>Components</h2>${table(['component', 'issues'], components)}
<h2>Lineage</h2>${await lineagePicture(provReport(lineage, { product: productId }), d.product)}
<p><a href="/api/prov-report/${productId}/">PROV-JSON</a> · <a href="/api/prov-report/${productId}/?format=provn">PROV-N</a> · <a href="/api/prov-report/${productId}/?format=svg">SVG</a></p>`,
    ),
  );
}
