import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { exec, fairfs, fairfsJson, projectRoot } from '../helpers/cli.js';
import { fairRegistryMissing, startRealRegistry } from '../helpers/fair-registry.js';
import { chainRun, modelHome, type ModelHome } from '../helpers/lineage.js';
import { normalise, provJsonValidator, type ProvJson } from '../helpers/prov.js';
import { api, startServer } from '../helpers/server.js';

// `fairfs prov`: provenance that leaves the machine in standard formats, checked by standard tools.

const PY = '/usr/bin/python3';
const fixture = (name: string): string => join(projectRoot, 'test', 'fixtures', name);
const hasPythonProv = async (): Promise<boolean> => (await exec(PY, ['-c', 'import prov.model'])).code === 0;

async function prov(h: ModelHome, args: string[]): Promise<string> {
  const r = await fairfs(h.home, ['prov', ...args]);
  if (r.code !== 0) throw new Error(`fairfs prov ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}
const provJson = async (h: ModelHome, args: string[]): Promise<ProvJson> => JSON.parse(await prov(h, args));

const h = await modelHome(t);
const SUMMARY = 'sir-demo:sir/summary@0.0.1';

t.test('PROV-JSON of a run and of a product validates against the W3C PROV-JSON schema, which does catch a broken document', async (t) => {
  const validate = await provJsonValidator();
  const run = await provJson(h, [h.runId]);
  t.equal(validate(run), null, 'the run');
  t.equal(validate(await provJson(h, [SUMMARY, '--depth', '3'])), null, 'a product, three levels deep');
  const broken = structuredClone(run);
  for (const u of Object.values(broken.used!)) delete u['prov:activity'];
  t.not(validate(broken), null, 'a usage without its activity is refused');
  const badTime = structuredClone(run);
  Object.values(badTime.activity!)[0]['prov:startTime'] = 'yesterday';
  t.not(validate(badTime), null, 'a start time that is no date-time is refused');
});

t.test('the run as PROV: what it read, wrote, ran with and who ran it, with what fairfs adds under its own prefix', async (t) => {
  const doc = await provJson(h, [h.runId]);
  t.same(Object.keys(doc.prefix!).sort(), ['dcat', 'dcmitype', 'dcterms', 'fair', 'fairfs', 'foaf', 'lreg', 'rdf']);
  const [activityId, activity] = Object.entries(doc.activity!)[0]!;
  t.match(activityId, /^lreg:api\/code_run\/\d+$/);
  t.same(activity['rdf:type'], { $: 'fair:Run', type: 'prov:QUALIFIED_NAME' });
  t.equal(activity['fairfs:runId'], h.runId);
  t.equal(activity['fairfs:status'], 'completed');
  t.equal(activity['fairfs:exitCode'], 0);
  t.match(activity['fairfs:commit'], /^[0-9a-f]{40}$/, 'the commit');
  t.ok(Date.parse(activity['prov:endTime']) >= Date.parse(activity['prov:startTime']), 'start and end time');
  const titles = Object.values(doc.entity!).map((e) => `${e['fair:namespace']}:${e['dcterms:title']}@${e['dcat:hasVersion']}`);
  for (const p of ['SCRC:human/population@0.1.0', 'SCRC:sir/parameters@1.0.0', SUMMARY, 'sir-demo:sir/trajectory@0.0.1']) t.ok(titles.includes(p), p);
  const roles = Object.values(doc.used!).map((u) => u['prov:role'].$).sort();
  t.same(roles, ['fair:input_data', 'fair:input_data', 'fair:model_configuration', 'fair:software', 'fair:submission_script']);
  const generated = Object.values(doc.wasGeneratedBy!);
  t.equal(generated.length, 2, 'two outputs generated');
  const summary = generated.find((g) => doc.entity![g['prov:entity']]['dcterms:title'] === 'sir/summary')!;
  t.same([...summary['fairfs:component']].sort(), ['aberdeen', 'dundee', 'edinburgh', 'glasgow', 'whole_object'], 'the components generated');
  const input = Object.values(doc.used!).find((u) => u['prov:role'].$ === 'fair:input_data')!;
  t.match(input['fairfs:process'], /^\d+ .*python3? model\.py/, 'the process that read it');
  const sha1s = Object.values(doc.entity!).map((e) => e['fairfs:sha1']).filter(Boolean);
  t.ok(sha1s.every((s) => /^[0-9a-f]{40}$/.test(s)) && sha1s.length >= 6, 'the SHA-1 of each file');
  const [agent] = Object.values(doc.agent!);
  t.equal(agent['foaf:name'], 'Ada Lovelace', 'the runner, by the author linked to the login');
  t.equal(Object.values(doc.wasDerivedFrom!).length, 4, 'each output derived from each input');
});

t.test('PROV-JSON and PROV-XML round-trip through python3-prov; PROV-N has one statement per record', async (t) => {
  if (!(await hasPythonProv())) return t.skip('python3-prov is not installed (scripts/setup.sh installs it)');
  for (const [format, pyFormat] of [['prov-json', 'json'], ['prov-xml', 'xml']] as const) {
    const file = join(h.dir, `run.${format}`);
    writeFileSync(file, await prov(h, [h.runId, '--format', format, '--depth', '2']));
    const back = await exec(PY, [fixture('prov_roundtrip.py'), file, pyFormat]);
    t.equal(back.code, 0, back.stderr);
    const ours = normalise(await provJson(h, [h.runId, '--depth', '2']));
    const theirs = normalise(JSON.parse(back.stdout));
    t.same([...theirs.elements.keys()].sort(), [...ours.elements.keys()].sort(), `${format}: the same elements`);
    if (format === 'prov-json') t.same(Object.fromEntries(theirs.elements), Object.fromEntries(ours.elements), 'with the same attributes');
    t.same(theirs.relations.length, ours.relations.length, `${format}: as many relations`);
    if (format === 'prov-json') t.same(theirs.relations, ours.relations, 'the same relations');
  }
  const provn = await prov(h, [h.runId, '--format', 'prov-n']);
  const json = await provJson(h, [h.runId]);
  const count = Object.entries(json)
    .filter(([k]) => k !== 'prefix')
    .reduce((n, [, v]) => n + Object.keys(v).length, 0);
  t.match(provn, /^document\n  prefix lreg <http:\/\/127\.0\.0\.1:8000\/>\n/);
  t.match(provn, /\nendDocument\n$/);
  t.equal(provn.split('\n').filter((l) => /^  [a-zA-Z]+\(/.test(l)).length, count, 'one statement per PROV-JSON record');
  t.match(provn, /used\(lreg:api\/code_run\/\d+, lreg:api\/data_product\/\d+, -, \[prov:role='fair:input_data'/);
});

/** The DOT with what changes from run to run (run id, times, pids, ids) named instead. */
function stable(dot: string, h: ModelHome): string {
  return dot
    .replaceAll(h.runId, 'RUN_ID')
    .replaceAll(h.runId.slice(0, 12), 'RUN12')
    .replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/g, 'DATE')
    .replace(/github\.com\/example\/sir-model\.git\/[0-9a-f]{12}/g, 'github.com/example/sir-model.git/COMMIT');
}

t.test('golden DOT of the example model, and an SVG that is valid XML with one node per record', async (t) => {
  const dot = stable(await prov(h, [h.runId, '--format', 'dot']), h);
  const golden = fixture('golden/example-run.dot');
  if (process.env.FAIRFS_UPDATE_GOLDEN) writeFileSync(golden, dot);
  t.equal(dot, readFileSync(golden, 'utf8'), 'the DOT is the golden one (FAIRFS_UPDATE_GOLDEN=1 rewrites it after a deliberate change)');

  const svgFile = join(h.dir, 'run.svg');
  const r = await fairfs(h.home, ['prov', h.runId, '--format', 'svg', '-o', svgFile]);
  t.equal(r.code, 0, r.stderr);
  const nodes = await exec(PY, [fixture('svg_nodes.py'), svgFile]);
  t.equal(nodes.code, 0, `the SVG parses as XML: ${nodes.stderr}`);
  const json = await provJson(h, [h.runId]);
  const ids = ['entity', 'activity', 'agent'].flatMap((k) => Object.keys(json[k] ?? {}));
  t.same(nodes.stdout.trim().split('\n').sort(), ids.sort(), 'one node per entity, activity and agent');
});

t.test('failed and aborted runs generate nothing; a failed run stands out in red', async (t) => {
  const runId = await chainRun(h, SUMMARY.replace('summary', 'trajectory'), 'fails', 'cat "$FAIRFS_MOUNT/in.csv" > "$FAIRFS_MOUNT/out.csv"; exit 3').catch((e: Error) => e.message);
  t.match(runId, /exited 3/, 'the run failed with its command');
  const failed = (await fairfsJson<{ run_id: string; status: string }[]>(h.home, ['runs'])).find((r) => r.status === 'failed')!;
  const doc = await provJson(h, [failed.run_id]);
  const activity = Object.values(doc.activity!)[0];
  t.equal(activity['fairfs:status'], 'failed');
  t.equal(activity['fairfs:exitCode'], 3);
  t.notOk(doc.wasGeneratedBy, 'no generation');
  t.notOk(doc.wasDerivedFrom, 'no derivation');
  t.ok(Object.values(doc.used!).some((u) => u['prov:role'].$ === 'fair:input_data'), 'what it read is still there');
  t.match(await prov(h, [failed.run_id, '--format', 'dot']), /class="run failed".*fillcolor="#F4A6A6"/, 'drawn in red');

  // Registered anyway (--register-failed): the product is there, its making is not claimed.
  const config = join(h.dir, 'kept.yaml');
  writeFileSync(config, 'run_metadata:\n  description: fails but keeps its output\n  default_output_namespace: kept\nread:\n  - data_product: in\n    path: in.csv\n    use: {namespace: SCRC, data_product: human/population, version: 0.1.0}\nwrite:\n  - data_product: out\n    path: out.csv\n');
  const kept = await fairfs(h.home, ['run', config, '--register-failed', '--', 'sh', '-c', 'cat "$FAIRFS_MOUNT/in.csv" > "$FAIRFS_MOUNT/out.csv"; exit 2']);
  t.equal(kept.code, 2, kept.stderr);
  const product = await provJson(h, ['kept:out@0.0.1']);
  t.ok(Object.values(product.entity!).some((e) => e['dcterms:title'] === 'out'), 'the product');
  t.equal(Object.values(product.activity!)[0]['fairfs:status'], 'failed', 'and the failed run that wrote it');
  t.notOk(product.wasGeneratedBy, 'no generation');
  t.notOk(product.wasDerivedFrom, 'no derivation from what the failed run read');
});

/** Each rule of the Process Run Crate profile 0.5 (and the RO-Crate 1.1 rules it builds on) that a crate must meet. */
function checkProcessRunCrate(t: Test, dir: string | null, meta: any, opts: { status: string; files: boolean }): void {
  const graph: any[] = meta['@graph'];
  const byId = new Map(graph.map((e) => [e['@id'], e]));
  const types = (e: any): string[] => [e?.['@type']].flat();
  t.ok(meta['@context'].includes('https://w3id.org/ro/crate/1.1/context'), 'RO-Crate 1.1 context');
  t.ok(meta['@context'].includes('https://w3id.org/ro/terms/workflow-run/context'), 'the workflow-run terms context');
  t.ok(graph.every((e) => typeof e['@id'] === 'string' && e['@type']), 'every entity has @id and @type');
  t.equal(new Set(graph.map((e) => e['@id'])).size, graph.length, 'no @id twice');
  const descriptor = byId.get('ro-crate-metadata.json');
  t.same([descriptor?.conformsTo, descriptor?.about], [{ '@id': 'https://w3id.org/ro/crate/1.1' }, { '@id': './' }], 'metadata descriptor');
  const root = byId.get('./');
  t.ok(types(root).includes('Dataset'), 'root data entity is a Dataset');
  t.ok([root.conformsTo].flat().some((c: any) => c['@id'] === 'https://w3id.org/ro/wfrun/process/0.5'), 'root conforms to Process Run Crate 0.5');
  const profile = byId.get('https://w3id.org/ro/wfrun/process/0.5');
  t.same([types(profile), profile?.name, profile?.version], [['CreativeWork'], 'Process Run Crate', '0.5'], 'the profile entity');
  for (const key of ['name', 'description', 'license']) t.ok(root[key], `root has ${key}`);
  t.ok(!Number.isNaN(Date.parse(root.datePublished)), 'root datePublished is a date');
  t.ok([root.license].flat().every((l: any) => byId.has(l['@id'])), 'licence entities are in the crate');
  const actions = graph.filter((e) => types(e).includes('CreateAction'));
  t.equal(actions.length, 1, 'one CreateAction');
  const action = actions[0];
  t.ok([root.mentions].flat().some((m: any) => m['@id'] === action['@id']), 'the root mentions the action');
  const instrument = byId.get(action.instrument?.['@id']);
  t.ok(types(instrument).some((x) => ['SoftwareApplication', 'SoftwareSourceCode', 'ComputationalWorkflow'].includes(x)), 'instrument is the software');
  for (const key of ['object', 'result']) t.ok([action[key]].flat().every((x: any) => byId.has(x['@id'])), `every ${key} is an entity of the crate`);
  t.ok(!Number.isNaN(Date.parse(action.startTime)) && !Number.isNaN(Date.parse(action.endTime)), 'start and end time');
  t.ok(types(byId.get(action.agent?.['@id'])).includes('Person'), 'the agent is a Person');
  t.equal(action.actionStatus?.['@id'], `http://schema.org/${opts.status}`, 'actionStatus');
  if (opts.status === 'FailedActionStatus') t.ok(action.error, 'a failed action says why');
  const files = graph.filter((e) => types(e).includes('File'));
  const parts = new Set([root.hasPart].flat().map((p: any) => p['@id']));
  t.ok(files.every((f) => parts.has(f['@id'])), 'every File is part of the root (hasPart)');
  for (const f of files) {
    if (!opts.files) {
      t.match(f['@id'], /^file:\/\//, `${f.name} is named by where it is stored`);
      continue;
    }
    t.notMatch(f['@id'], /^[a-z]+:|^\/|\.\./, `${f['@id']} is a path inside the crate`);
    if (dir) {
      const path = join(dir, decodeURIComponent(f['@id']));
      t.ok(existsSync(path), `${f['@id']} is in the crate`);
      if (existsSync(path)) {
        t.equal(String(statSync(path).size), f.contentSize, 'its size');
        t.equal(createHash('sha1').update(readFileSync(path)).digest('hex'), f.sha1, 'its SHA-1');
      }
    }
  }
}

t.test('RO-Crate of a run: a folder and a zip that follow the Process Run Crate profile; --no-data describes without copying', async (t) => {
  const dir = join(h.dir, 'crate');
  const r = await fairfs(h.home, ['prov', h.runId, '--format', 'ro-crate', '-o', dir]);
  t.equal(r.code, 0, r.stderr);
  const meta = JSON.parse(readFileSync(join(dir, 'ro-crate-metadata.json'), 'utf8'));
  checkProcessRunCrate(t, dir, meta, { status: 'CompletedActionStatus', files: true });
  const action = meta['@graph'].find((e: any) => e['@type'] === 'CreateAction');
  t.equal([action.object].flat().length, 4, 'object: two inputs, the config and the script');
  t.equal([action.result].flat().length, 2, 'result: two outputs');
  t.ok(existsSync(join(dir, 'config.yaml')), 'the working config');

  const again = await fairfs(h.home, ['prov', h.runId, '--format', 'ro-crate', '-o', dir]);
  t.equal(again.code, 64, 'a folder that is not empty is refused');

  const zip = join(h.dir, 'crate.zip');
  t.equal((await fairfs(h.home, ['prov', SUMMARY, '--format', 'ro-crate', '-o', zip])).code, 0, 'the crate of the run that made a product');
  const listing = await exec('python3', ['-c', 'import sys,zipfile; print("\\n".join(sorted(zipfile.ZipFile(sys.argv[1]).namelist())))', zip]);
  t.equal(listing.code, 0, listing.stderr);
  t.same(
    listing.stdout.trim().split('\n'),
    ['config.yaml', 'inputs/SCRC/human/population/0.1.0.csv', 'inputs/SCRC/sir/parameters/1.0.0.toml', 'outputs/sir-demo/sir/summary/0.0.1.toml', 'outputs/sir-demo/sir/trajectory/0.0.1.csv', 'ro-crate-metadata.json', 'script.sh'],
    'the zip holds the metadata and every file',
  );

  const bare = join(h.dir, 'bare');
  t.equal((await fairfs(h.home, ['prov', h.runId, '--format', 'ro-crate', '--no-data', '-o', bare])).code, 0);
  checkProcessRunCrate(t, null, JSON.parse(readFileSync(join(bare, 'ro-crate-metadata.json'), 'utf8')), { status: 'CompletedActionStatus', files: false });

  const failed = (await fairfsJson<{ run_id: string; status: string }[]>(h.home, ['runs'])).find((x) => x.status === 'failed');
  if (failed) {
    const fdir = join(h.dir, 'failed-crate');
    t.equal((await fairfs(h.home, ['prov', failed.run_id, '--format', 'ro-crate', '-o', fdir])).code, 0);
    const fmeta = JSON.parse(readFileSync(join(fdir, 'ro-crate-metadata.json'), 'utf8'));
    checkProcessRunCrate(t, fdir, fmeta, { status: 'FailedActionStatus', files: true });
    t.match(fmeta['@graph'].find((e: any) => e['@type'] === 'CreateAction').error, /exit code 3/, 'the error names the exit code');
  }
});

t.test('bad requests: unknown format, depth, run or product', async (t) => {
  const cases: [string[], number, RegExp][] = [
    [[h.runId, '--format', 'pdf'], 64, /unknown format pdf/],
    [[h.runId, '--depth', '0'], 64, /--depth 0/],
    [['nosuchrun'], 66, /no code run nosuchrun.*\n.*fairfs runs/],
    [['SCRC:no/such@1.0.0'], 66, /SCRC:no\/such@1\.0\.0 is not in the local registry/],
    [['SCRC:human/population@0.1.0', '--format', 'ro-crate', '-o', join(h.dir, 'x')], 66, /was not made by a code run/],
  ];
  for (const [args, code, message] of cases) {
    const r = await fairfs(h.home, ['prov', ...args]);
    t.equal(r.code, code, args.join(' '));
    t.match(r.stderr, message);
  }
});

t.test('fairfs registry serve answers /api/prov-report/<id>/ as the registry does: json, provn, xml, svg, depth', async (t) => {
  const server = await startServer(t, h.home);
  const products = await fairfsJson<{ id?: number; namespace: string; name: string; version: string }[]>(h.home, ['ls']);
  t.ok(products.length >= 4);
  const listed = await api('GET', `${server.api}data_product/?name=sir/summary`);
  const id = Number(/(\d+)\/$/.exec(listed.json.results[0].url)![1]);
  t.equal(listed.json.results[0].prov_report, `${server.api}prov-report/${id}/`, 'each data product links its report');
  const report = await api('GET', `${server.api}prov-report/${id}/`);
  t.equal(report.status, 200);
  t.same(report.json, await provJson(h, [SUMMARY, '--base-url', `${server.base}/`]), 'the same document as `fairfs prov` with that base');
  t.equal(report.json.prefix.lreg, `${server.base}/`, 'identifiers relative to the server');
  const deeper = await api('GET', `${server.api}prov-report/${id}/?depth=2`);
  t.equal(deeper.status, 200);
  for (const [query, type, body] of [
    ['format=provn', /^text\/provenance-notation/, /^document\n/],
    ['format=xml', /^text\/xml/, /<prov:document /],
    ['format=svg', /^image\/svg\+xml/, /<svg /],
  ] as const) {
    const res = await fetch(`${server.api}prov-report/${id}/?${query}`);
    t.equal(res.status, 200, query);
    t.match(res.headers.get('content-type'), type);
    t.match(await res.text(), body);
  }
  const byAccept = await fetch(`${server.api}prov-report/${id}/`, { headers: { accept: 'text/provenance-notation' } });
  t.match(await byAccept.text(), /^document\n/, 'PROV-N by the Accept header');
  t.equal((await api('GET', `${server.api}prov-report/999999/`)).status, 404, 'an unknown product');
  t.same((await api('GET', `${server.api}prov-report/${id}/?format=jpg`)).json, { detail: 'Not found.' }, 'a format it does not render');
  for (const hostile of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
    t.equal((await api('GET', `${server.api}prov-report/${id}/?format=${hostile}`)).status, 404, `format=${hostile} names no format`);
  }
  t.equal((await api('GET', `${server.api}prov-report/${id}/?depth=lots`)).status, 200, 'a depth that is no number is 1, as the registry takes it');

  // The ro_crate links of data_product and code_run records: a zip of the Process Run Crate.
  const runRecord = (await api('GET', `${server.api}code_run/`)).json.results.find((r: any) => r.uuid === h.uuid);
  for (const link of [runRecord.ro_crate, listed.json.results[0].ro_crate]) {
    const res = await fetch(link);
    t.equal(res.status, 200, link);
    t.equal(res.headers.get('content-type'), 'application/zip');
    const zip = join(h.dir, `served-${link.split('/').slice(-3, -1).join('-')}.zip`);
    writeFileSync(zip, Buffer.from(await res.arrayBuffer()));
    const meta = await exec(PY, ['-c', 'import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); print(z.read("ro-crate-metadata.json").decode())', zip]);
    t.equal(meta.code, 0, meta.stderr);
    checkProcessRunCrate(t, null, JSON.parse(meta.stdout), { status: 'CompletedActionStatus', files: true });
  }
  const inputId = /(\d+)\/$/.exec((await api('GET', `${server.api}data_product/?name=human/population`)).json.results[0].url)![1];
  const none = await api('GET', `${server.api}ro-crate/data-product/${inputId}/`);
  t.equal(none.status, 404, 'a product no run made has no run crate');
  t.match(none.json.detail, /not made by a code run/);
  t.equal((await api('GET', `${server.api}ro-crate/code-run/999999/`)).status, 404);
});

const missing = fairRegistryMissing();
t.test('lined up with the real FAIR data-registry: its prov-report of the pushed run, record by record', { skip: missing ?? false }, async (t) => {
  const r = await startRealRegistry(t);
  const a = await modelHome(t, { remote: r.api });
  const pushed = await fairfs(a.home, ['push'], { env: { FAIRFS_TOKEN: r.token } });
  t.equal(pushed.code, 0, pushed.stderr);
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(join(a.home, 'registry.db'), { readonly: true });
  const mapped = db.prepare('SELECT table_name AS tableName, local_id AS localId, url FROM remote_id WHERE remote = ?').all(r.api) as { tableName: string; localId: number; url: string }[];
  db.close();
  // The registry's identifiers are its own row ids: name each record by the local row it came from.
  const local = new Map(mapped.map((m) => [`lreg:${new URL(m.url).pathname.replace(/^\//, '').replace(/\/$/, '')}`, `lreg:api/${m.tableName}/${m.localId}`]));
  const summary = (await api('GET', `${r.api}data_product/?name=sir/summary`, { token: r.token })).json.results[0];
  const remoteId = /(\d+)\/$/.exec(summary.url)![1];
  const real = (await api('GET', `${r.base}/api/prov-report/${remoteId}/?format=json`, { token: r.token })).json as ProvJson;
  const ours = JSON.parse((await fairfs(a.home, ['prov', 'sir-demo:sir/summary@0.0.1', '--base-url', `${r.base}/`])).stdout) as ProvJson;

  t.same(Object.entries(real.prefix!), Object.entries(ours.prefix!).filter(([p]) => p !== 'fairfs'), 'the same prefixes, in order; fairfs adds its own');
  const theirs = normalise(real, (id) => local.get(id) ?? id);
  const mine = normalise(ours);
  t.same([...theirs.elements.keys()].sort(), [...mine.elements.keys()].sort(), 'the same entities, activities and agents, by identifier');
  for (const [key, attrs] of theirs.elements) {
    const own = mine.elements.get(key) ?? {};
    t.same(Object.keys(own).filter((k) => !k.startsWith('fairfs:') && k !== 'prov:endTime').sort(), Object.keys(attrs).sort(), `${key}: the same attribute names`);
    for (const [name, value] of Object.entries(attrs)) {
      // Modification times are each registry's own; everything else is the same value.
      if (name === 'dcterms:modified') continue;
      t.same(own[name], value, `${key} ${name}`);
    }
  }
  const strip = (relations: string[]): string[] =>
    relations.map((r) => {
      const [kind, fields] = JSON.parse(r) as [string, [string, unknown][]];
      return JSON.stringify([kind, fields.filter(([k]) => !k.startsWith('fairfs:'))]);
    });
  t.same(strip(mine.relations), theirs.relations, 'the same relations with the same roles');
});

t.test('a crate never writes outside its folder, whatever names API clients gave products', async (t) => {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(join(h.home, 'registry.db'));
  // As if a client of `fairfs registry serve` had named the product so.
  db.prepare("UPDATE data_product SET name = '../../../../escaped/x' WHERE name = 'sir/trajectory'").run();
  db.close();
  const dir = join(h.dir, 'hostile', 'crate');
  const r = await fairfs(h.home, ['prov', h.runId, '--format', 'ro-crate', '-o', dir]);
  t.equal(r.code, 0, r.stderr);
  const listing = await exec('find', [join(h.dir, 'hostile'), '-type', 'f']);
  const files = listing.stdout.trim().split('\n');
  t.ok(files.every((f) => f.startsWith(`${dir}/`)), 'every file is inside the crate');
  t.notOk(existsSync(join(h.dir, 'escaped')), 'nothing escaped');
  const meta = JSON.parse(readFileSync(join(dir, 'ro-crate-metadata.json'), 'utf8'));
  const odd = meta['@graph'].find((e: any) => e.name === 'sir-demo:../../../../escaped/x@0.0.1');
  t.match(odd?.['@id'], /^outputs\/sir-demo\/(__\/){4}escaped\/x\/0\.0\.1\.csv$/, 'climbing segments are renamed');
});
