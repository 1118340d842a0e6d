import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { exec, fairfs } from '../helpers/cli.js';
import { modelHome } from '../helpers/lineage.js';
import { startServer } from '../helpers/server.js';

// The registry's HTML view, served by `fairfs registry serve`, read as a person would: in a real browser.

const h = await modelHome(t);
const hostile = '<script>alert("x")</script>';
const added = await fairfs(h.home, ['add', join(h.example, 'data', 'population.csv'), 'SCRC:human/population@0.2.0', '--description', hostile]);
if (added.code !== 0) throw new Error(added.stderr);
const server = await startServer(t, h.home);
const base = server.base;

async function get(path: string): Promise<{ status: number; type: string | null; csp: string | null; body: string }> {
  const res = await fetch(`${base}${path}`);
  return { status: res.status, type: res.headers.get('content-type'), csp: res.headers.get('content-security-policy'), body: await res.text() };
}

t.test('the index lists runs and products, links each, and runs no script', async (t) => {
  const page = await get('/');
  t.equal(page.status, 200);
  t.match(page.type, /^text\/html; charset=utf-8/);
  t.match(page.csp, /default-src 'none'/, 'no script may run');
  t.match(page.body, `<a href="/view/run/${h.runId}"><code>${h.runId.slice(0, 12)}</code></a>`);
  t.match(page.body, /<a href="\/view\/product\/\d+">sir-demo:sir\/summary@0\.0\.1<\/a>/);
  t.match(page.body, /Code runs \(1\)/);
  t.notMatch(page.body, /<script/i);
});

t.test('one run with its lineage picture; one product with versions, components and its own lineage', async (t) => {
  const run = await get(`/view/run/${h.runId}`);
  t.equal(run.status, 200);
  t.match(run.body, /<div class="lineage" id="lineage"><svg /, 'the lineage SVG inline');
  t.match(run.body, /class="node run"/);
  t.match(run.body, /SCRC:human\/population@0\.1\.0/);
  t.match(run.body, /<span class="completed">completed<\/span>/);
  const id = /href="\/view\/product\/(\d+)">SCRC:human\/population@0\.2\.0/.exec((await get('/')).body)?.[1];
  const product = await get(`/view/product/${id}`);
  t.equal(product.status, 200);
  t.match(product.body, /<strong>0\.2\.0<\/strong>/, 'this version, among the others');
  t.match(product.body, /<a href="\/view\/product\/\d+">0\.1\.0<\/a>/);
  t.notMatch(product.body, hostile, 'a description with markup is shown as text');
  t.match(product.body, '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
  const summaryId = /href="\/view\/product\/(\d+)">sir-demo:sir\/summary@0\.0\.1/.exec((await get('/')).body)?.[1];
  const summary = await get(`/view/product/${summaryId}`);
  for (const c of ['whole_object', 'glasgow', 'edinburgh']) t.match(summary.body, `<td>${c}</td>`, `component ${c}`);
  t.match(summary.body, /class="node run"/, 'the run that made it is in its picture');
  for (const path of ['/view/run/nosuch', '/view/product/999999', '/view/product/x', '/view/nothing/1', '/view/run/%ZZ', '/view/run/%3Cscript%3E', '/api/prov-report/x/']) {
    t.equal((await get(path)).status, 404, path);
  }
  t.equal((await get('/api/prov-report/1/?depth=99999999999')).status, 200, 'a huge depth is bounded, not a hang or a 500');
});

t.test('a run with hundreds of outputs: its page lists them and leaves the picture to the CLI', async (t) => {
  const config = join(h.dir, 'many.yaml');
  writeFileSync(config, 'run_metadata:\n  description: many outputs\n  default_output_namespace: many\n');
  const made = await fairfs(h.home, ['run', config, '--', 'sh', '-c', 'for i in $(seq 1 450); do echo "$i" > "$FAIRFS_MOUNT/out$i.csv"; done']);
  t.equal(made.code, 0, made.stderr);
  const runId = /run ([0-9a-f]{40}) completed/.exec(made.stderr)![1]!;
  const page = await get(`/view/run/${runId}`);
  t.equal(page.status, 200);
  t.match(page.body, /\d+ records: too many to draw here/, 'no layout of hundreds of nodes on the server');
  t.equal(page.body.match(/href="\/view\/product\/\d+">many:out\d+@0\.0\.1/g)?.length, 450, 'every output listed');
  const prov = await fairfs(h.home, ['prov', runId]);
  t.equal(prov.code, 0, 'its provenance is written all the same');
  const products = Object.values<Record<string, unknown>>(JSON.parse(prov.stdout).entity).filter((e) => e['fair:namespace'] === 'many');
  t.equal(products.length, 450, 'with every output');
});

const chromium = ['chromium', 'chromium-browser'].map((c) => `/usr/bin/${c}`).find((p) => existsSync(p));
t.test('in headless Chromium: the run page renders and the lineage picture is on screen', { skip: chromium ? false : 'Chromium is not installed (scripts/setup.sh installs Debian\'s chromium)' }, async (t) => {
  const profile = mkdtempSync(join(h.dir, 'chromium-'));
  const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', `--user-data-dir=${profile}`, '--window-size=1400,1600'];
  const dom = await exec(chromium!, [...flags, '--dump-dom', `${base}/view/run/${h.runId}`]);
  if (dom.code !== 0) t.comment(dom.stderr.slice(-2000));
  t.equal(dom.code, 0, 'chromium loads the page and dumps its DOM');
  t.match(dom.stdout, /<svg[^>]*>/, 'the browser built the SVG into the page');
  const nodes = dom.stdout.match(/<g id="[^"]+" class="node [a-z ]+"/g) ?? [];
  t.ok(nodes.length >= 9, `every record is a node of the picture (${nodes.length})`);

  const shot = join(h.dir, 'run.png');
  const r = await exec(chromium!, [...flags, `--screenshot=${shot}`, `${base}/view/run/${h.runId}`]);
  if (r.code !== 0) t.comment(r.stderr.slice(-2000));
  t.equal(r.code, 0, 'chromium takes a screenshot');
  const { PNG } = await import('pngjs');
  const png = PNG.sync.read(readFileSync(shot));
  const count = (rgb: [number, number, number]): number => {
    let n = 0;
    for (let i = 0; i < png.data.length; i += 4) if (png.data[i] === rgb[0] && png.data[i + 1] === rgb[1] && png.data[i + 2] === rgb[2]) n++;
    return n;
  };
  t.ok(count([0xff, 0xfc, 0x87]) > 2000, 'the products are drawn (their yellow fills are on screen)');
  t.ok(count([0x9f, 0xb1, 0xfc]) > 1000, 'the run is drawn (its blue box is on screen)');
});
