import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { fairfs, fairfsJson } from '../helpers/cli.js';
import { fairRegistryMissing, restartRealRegistry, startRealRegistry, type RealRegistry } from '../helpers/fair-registry.js';
import { emptyHome, type TestHome } from '../helpers/home.js';
import { AUTHOR, modelHome, type ModelHome } from '../helpers/lineage.js';
import { api } from '../helpers/server.js';

// push and pull against the FAIR Data Pipeline's own registry (Django), as its users run it.
const missing = fairRegistryMissing();
if (missing) t.plan(0, `skipped: ${missing}`);

const sha1 = (b: Buffer): string => createHash('sha1').update(b).digest('hex');
const ENDPOINTS = ['namespace', 'author', 'file_type', 'storage_root', 'storage_location', 'object', 'object_component', 'data_product', 'code_run'];

/** How many records of each kind the registry holds. */
async function counts(r: RealRegistry): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const e of ENDPOINTS) out[e] = (await api('GET', `${r.api}${e}/`, { token: r.token })).json.count;
  return out;
}

async function ok(p: Promise<{ code: number | null; stderr: string }>): Promise<string> {
  const res = await p;
  if (res.code !== 0) throw new Error(`exited ${res.code}: ${res.stderr}`);
  return res.stderr;
}

const runExample = (t: Test, r: RealRegistry): Promise<ModelHome> => modelHome(t, { remote: r.api });

/** `fairfs push` with no --remote: the run's own config names the registry. */
const push = (h: TestHome, r: RealRegistry) => fairfs(h.home, ['push'], { env: { FAIRFS_TOKEN: r.token } });

const get = async (r: RealRegistry, url: string): Promise<any> => {
  const res = await api('GET', url, { token: r.token });
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
  return res.json;
};

/** `ns:name@version#component` for each component URL of a code run. */
async function describeComponents(r: RealRegistry, urls: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const url of urls) {
    const c = await get(r, url);
    const object = await get(r, c.object);
    const dps = (await get(r, `${r.api}data_product/?object=${/(\d+)\/$/.exec(object.url)![1]}`)).results;
    for (const dp of dps) out.push(`${(await get(r, dp.namespace)).name}:${dp.name}@${dp.version}#${c.name}`);
  }
  return out.sort();
}

/** A config reading back the run's outputs, for pulling them into another home. */
function pullConfig(h: TestHome, r: RealRegistry): string {
  const file = join(h.dir, 'pull.yaml');
  writeFileSync(
    file,
    `run_metadata:\n  default_input_namespace: sir-demo\n  remote_data_registry_url: ${r.api}\nread:\n  - data_product: sir/summary\n  - data_product: sir/trajectory\n  - data_product: human/population\n    use: {namespace: SCRC, version: 0.1.0}\n`,
  );
  return file;
}

/** Pulled into a fresh home, products, components, uuids, hashes and authors match the pushing home's. */
async function checkPulledMatches(t: Test, a: TestHome, r: RealRegistry): Promise<void> {
  const b = emptyHome(t);
  await ok(fairfs(b.home, ['pull', pullConfig(b, r)]));
  const view = async (home: string): Promise<string[]> => {
    const rows = await fairfsJson<{ namespace: string; name: string; version: string; hash: string }[]>(home, ['ls']);
    return rows.map((p) => `${p.namespace}:${p.name}@${p.version} ${p.hash}`).sort();
  };
  const wanted = (await view(a.home)).filter((l) => /^(sir-demo:sir\/(summary|trajectory)|SCRC:human\/population)@/.test(l));
  t.same(await view(b.home), wanted, 'products and hashes match');
  const { default: Database } = await import('better-sqlite3');
  const detail = (home: string): string[] => {
    const db = new Database(join(home, 'registry.db'), { readonly: true });
    const rows = db
      .prepare(
        `SELECT ns.name || ':' || dp.name || '@' || dp.version || ' ' || o.uuid || ' ' ||
                (SELECT group_concat(oc.name, ',') FROM (SELECT name FROM object_component WHERE object = o.id ORDER BY name) oc) || ' ' ||
                coalesce((SELECT group_concat(a.name || '|' || coalesce(a.identifier, '') || '|' || a.uuid) FROM object_author oa JOIN author a ON a.id = oa.author WHERE oa.object = o.id), '-') AS line
           FROM data_product dp JOIN namespace ns ON ns.id = dp.namespace JOIN object o ON o.id = dp.object
          WHERE ns.name = 'sir-demo' OR dp.name = 'human/population' ORDER BY 1`,
      )
      .all() as { line: string }[];
    db.close();
    return rows.map((x) => x.line);
  };
  t.same(detail(b.home), detail(a.home), 'object uuids, components and authors match');
  t.match(detail(b.home).join('\n'), new RegExp(`sir/summary@0\\.0\\.1 \\S+ \\S*glasgow\\S* ${AUTHOR.name}\\|https://orcid.org/${AUTHOR.orcid}`), 'the author came along');
}

/** Push to a registry with object storage, check everything is there once, push again, pull back. */
async function roundTripThroughObjectStore(t: Test, r: RealRegistry): Promise<void> {
  const a = await runExample(t, r);
  const first = await push(a, r);
  t.equal(first.code, 0, first.stderr);
  t.match(first.stderr, /6 file\(s\) uploaded/, 'inputs, outputs, config and script uploaded');
  t.notMatch(first.stderr, /not uploaded/);

  const runs = await get(r, `${r.api}code_run/?uuid=${a.uuid}`);
  t.equal(runs.count, 1, 'the code run is on the registry with its uuid');
  const run = runs.results[0];
  t.same(await describeComponents(r, run.inputs), ['SCRC:human/population@0.1.0#whole_object', 'SCRC:sir/parameters@1.0.0#whole_object'], 'inputs');
  const outputs = await describeComponents(r, run.outputs);
  for (const c of ['sir-demo:sir/summary@0.0.1#whole_object', 'sir-demo:sir/summary@0.0.1#glasgow', 'sir-demo:sir/trajectory@0.0.1#whole_object']) {
    t.ok(outputs.includes(c), `output ${c}`);
  }
  for (const field of ['model_config', 'submission_script', 'code_repo']) t.match(run[field], /\/api\/object\/\d+\/$/, `${field} pushed`);

  // Every file is in the object store and reachable as the registry serves it: /data/<sha1> → 302 → bytes.
  const roots = (await get(r, `${r.api}storage_root/`)).results;
  const dataRoot = roots.find((x: any) => x.root === `${r.base}/data/`);
  t.ok(dataRoot, 'storage root under the registry\'s own data root');
  t.equal(dataRoot?.local, false, 'the data root is not local');
  t.notOk(roots.some((x: any) => x.root.startsWith('file://')), 'no location points at the pushing machine');
  for (const p of (await fairfsJson<{ namespace: string; hash: string; path: string }[]>(a.home, ['ls'])).filter((x) => x.namespace === 'sir-demo')) {
    const redirect = await fetch(`${r.base}/data/${p.hash}`, { redirect: 'manual' });
    t.equal(redirect.status, 302, `/data/${p.hash.slice(0, 8)} redirects to the object store`);
    const bytes = Buffer.from(await (await fetch(redirect.headers.get('location')!)).arrayBuffer());
    t.equal(sha1(bytes), p.hash, 'the object store holds the bytes');
  }
  const summary = (await get(r, `${r.api}data_product/?name=sir/summary`)).results[0];
  const object = await get(r, summary.object);
  t.equal(object.authors.length, 1, 'the output object has its author');
  const author = await get(r, object.authors[0]);
  t.same([author.name, author.identifier], [AUTHOR.name, `https://orcid.org/${AUTHOR.orcid}`], 'author from the settings');

  const before = await counts(r);
  const second = await push(a, r);
  t.equal(second.code, 0, second.stderr);
  const forced = await fairfs(a.home, ['push', a.runId], { env: { FAIRFS_TOKEN: r.token } });
  t.equal(forced.code, 0, forced.stderr);
  t.match(forced.stderr, /0 record\(s\) created.*0 file\(s\) uploaded/, 'pushing the run again creates nothing');
  t.same(await counts(r), before, 'the registry holds the same records');

  await checkPulledMatches(t, a, r);
}

t.test('with object storage: push uploads to the object store, records everything once, and pulls back the same', async (t) => {
  await roundTripThroughObjectStore(t, await startRealRegistry(t, { objectStore: true }));
});

// The harness runs the cluster as the postgres user (runuser) and installs it with apt: root only.
const notRoot = process.getuid?.() !== 0 ? 'skipped: the PostgreSQL harness needs root (it runs the cluster as the postgres user)' : false;

t.test('as production runs it, on PostgreSQL with object storage: the same round trip', { skip: notRoot }, async (t) => {
  const r = await startRealRegistry(t, { objectStore: true, postgres: true });
  t.ok(r.postgresPort, 'on its own PostgreSQL cluster');
  await roundTripThroughObjectStore(t, r);
});

t.test('without object storage: records are pushed, files wait, and go up once the registry can take them', async (t) => {
  const r = await startRealRegistry(t);
  const a = await runExample(t, r);
  const first = await push(a, r);
  t.equal(first.code, 0, `a registry without object storage does not fail the push: ${first.stderr}`);
  t.match(first.stderr, /6 file\(s\) not uploaded to \S+: the registry takes no files: POST \/api\/data\/<sha1> answered 500 \(no object storage\)/);
  t.match(first.stderr, /sir\/summary\/[0-9a-f]{40}\.toml/, 'each file is named');
  t.match(first.stderr, /6 file\(s\) wait for upload/);

  const runs = await get(r, `${r.api}code_run/?uuid=${a.uuid}`);
  t.equal(runs.count, 1, 'the code run is there');
  // Each location keeps its true root: this machine's store, which the local registry serves itself.
  const roots = (await get(r, `${r.api}storage_root/`)).results;
  const store = roots.filter((x: any) => x.root.startsWith('file://'));
  t.same(store.map((x: any) => [x.root, x.local]), [[`file://${join(a.home, 'data')}/`, true]], 'files keep the local store as root, flagged local');
  t.notOk(roots.some((x: any) => x.root === `${r.base}/data/`), 'nothing claims to be in the registry\'s data root');
  const stored = (await get(r, `${r.api}storage_location/`)).results.filter((l: any) => l.storage_root === store[0]?.url);
  t.equal(stored.length, 6, 'inputs, outputs, config and script');
  for (const loc of stored) t.equal(sha1(readFileSync(join(a.home, 'data', loc.path))), loc.hash, `${loc.path} points at bytes that are there`);
  const dp = await fetch(`${r.base}/data_product/sir-demo:sir/summary@0.0.1`);
  t.equal(dp.status, 200, 'the registry serves the file through /data_product/');
  await checkPulledMatches(t, a, r);

  // The operator adds object storage; the next push uploads what waited.
  const withStore = await restartRealRegistry(t, r, { objectStore: true });
  const later = await push(a, withStore);
  t.equal(later.code, 0, later.stderr);
  t.match(later.stderr, /6 file\(s\) uploaded/, 'the waiting files go up');
  t.notMatch(later.stderr, /wait for upload/);
  // The registry's objects are immutable (no PATCH), so each keeps its first location; the bytes now
  // also sit in the object store under the data root, where any later object with that hash finds them.
  const dataRoot = (await get(r, `${r.api}storage_root/?root=${encodeURIComponent(`${r.base}/data/`)}`)).results[0];
  t.equal(dataRoot?.local, false, 'the data root now exists, not local');
  const inStore = (await get(r, `${r.api}storage_location/?storage_root=${/(\d+)\/$/.exec(dataRoot.url)![1]}`)).results;
  t.same(inStore.map((l: any) => l.path).sort(), inStore.map((l: any) => l.hash).sort(), 'located by hash under the data root');
  t.equal(inStore.length, 6);
  for (const l of inStore) {
    const key = join(withStore.objectStore!, 'fair', l.hash);
    t.equal(sha1(readFileSync(`${key}._S3rver_object`)), l.hash, `${l.hash.slice(0, 8)} is in the object store`);
  }
  const quiet = await push(a, withStore);
  t.match(quiet.stderr, /0 record\(s\) created.*0 file\(s\) uploaded/, 'nothing left to do');
});
