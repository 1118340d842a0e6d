import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import Database from 'better-sqlite3';
import { cliPath, fairfs, fairfsJson } from '../helpers/cli.js';
import { emptyHome, exampleHome, type TestHome } from '../helpers/home.js';
import { api, startServer, type LiveServer } from '../helpers/server.js';
import { waitFor } from '../helpers/mount.js';

const sha1 = (b: Buffer): string => createHash('sha1').update(b).digest('hex');
const TABLES = ['namespace', 'file_type', 'storage_root', 'storage_location', 'object', 'object_component', 'data_product', 'code_run', 'code_run_input', 'code_run_output'];

function rowCounts(home: string): Record<string, number> {
  const db = new Database(join(home, 'registry.db'), { readonly: true });
  const counts = Object.fromEntries(TABLES.map((tb) => [tb, (db.prepare(`SELECT count(*) AS n FROM ${tb}`).get() as { n: number }).n]));
  db.close();
  return counts;
}

async function ok(r: Promise<{ code: number | null; stderr: string }>): Promise<string> {
  const res = await r;
  if (res.code !== 0) throw new Error(`exited ${res.code}: ${res.stderr}`);
  return res.stderr;
}

/** A client home that pulls the example inputs from the server and runs the model once. */
async function clientRun(t: Test, s: LiveServer, namespace = 'sir-demo'): Promise<TestHome> {
  const a = emptyHome(t);
  const config = join(a.example, 'config.yaml');
  writeFileSync(config, readFileSync(config, 'utf8').replace('default_output_namespace: sir-demo', `default_output_namespace: ${namespace}`));
  await ok(fairfs(a.home, ['pull', config, '--remote', s.api]));
  await ok(fairfs(a.home, ['run', config, '--', 'sh', '-c', 'python3 model.py "$FAIRFS_MOUNT"'], { cwd: a.example }));
  return a;
}

const push = (home: string, s: LiveServer, args: string[] = []) => fairfs(home, ['push', '--remote', s.api, ...args], { env: { FAIRFS_TOKEN: s.token } });

t.test('pull, run, push: the code run arrives with its uuid, links and files', async (t) => {
  const b = await exampleHome(t);
  const s = await startServer(t, b.home);
  const a = await clientRun(t, s);
  const pulled = await fairfsJson<{ name: string; hash: string }[]>(a.home, ['ls', 'SCRC:*']);
  t.same(pulled.map((p) => p.name).sort(), ['human/population', 'sir/parameters'], 'inputs pulled');
  const again = await fairfs(a.home, ['pull', join(a.example, 'config.yaml'), '--remote', s.api]);
  t.match(again.stderr, /pulled 0 data product\(s\).*2 already present/, 'already-present products are skipped');

  const [run] = await fairfsJson<{ run_id: string; uuid: string }[]>(a.home, ['runs']);
  const pushed = await push(a.home, s);
  t.equal(pushed.code, 0, pushed.stderr);

  const remoteRuns = await api('GET', `${s.api}code_run/?uuid=${run!.uuid}`);
  t.equal(remoteRuns.json.count, 1, 'the code run exists on the server with the same uuid');
  const remote = remoteRuns.json.results[0];
  const describe = async (componentUrl: string): Promise<string> => {
    const c = (await api('GET', componentUrl)).json;
    const dp = (await api('GET', `${s.api}data_product/?object=${c.object.match(/(\d+)\/$/)[1]}`)).json.results[0];
    const ns = (await api('GET', dp.namespace)).json;
    return `${ns.name}:${dp.name}@${dp.version}#${c.name}`;
  };
  const inputs = await Promise.all(remote.inputs.map(describe));
  t.same(inputs.sort(), ['SCRC:human/population@0.1.0#whole_object', 'SCRC:sir/parameters@1.0.0#whole_object'], 'inputs are the pulled components, not copies');
  const outputs = await Promise.all(remote.outputs.map(describe));
  t.ok(outputs.includes('sir-demo:sir/trajectory@0.0.1#whole_object'));
  t.ok(outputs.includes('sir-demo:sir/summary@0.0.1#glasgow'), 'output components linked');
  for (const field of ['model_config', 'submission_script']) t.match(remote[field], /\/api\/object\/\d+\/$/, `${field} pushed`);

  for (const p of (await fairfsJson<{ namespace: string; hash: string; path: string }[]>(a.home, ['ls'])).filter((x) => x.namespace === 'sir-demo')) {
    const res = await fetch(`${s.base}/data/${p.hash}`);
    const remoteBytes = Buffer.from(await res.arrayBuffer());
    t.equal(sha1(remoteBytes), p.hash, 'the server has the file');
    t.ok(remoteBytes.equals(readFileSync(join(a.home, 'data', p.path))), 'byte-identical');
  }

  const before = rowCounts(b.home);
  const second = await push(a.home, s, [run!.run_id]);
  t.equal(second.code, 0, second.stderr);
  t.match(second.stderr, /0 record\(s\) created/);
  t.same(rowCounts(b.home), before, 'a second push creates nothing new');
});

t.test('a push killed part-way completes on re-run without duplicates', async (t) => {
  const b = await exampleHome(t);
  const s = await startServer(t, b.home);
  const a = emptyHome(t);
  const config = join(a.example, 'config.yaml');
  await ok(fairfs(a.home, ['pull', config, '--remote', s.api]));
  // A large extra output makes the upload long enough to be interrupted.
  await ok(
    fairfs(a.home, ['run', config, '--', 'sh', '-c', 'python3 model.py "$FAIRFS_MOUNT" && head -c 400000000 /dev/urandom > "$FAIRFS_MOUNT/outputs/big.bin"'], { cwd: a.example }),
  );
  const uploads = join(b.home, 'data', '.fairfs', 'uploads');
  const child = spawn(process.execPath, [cliPath, 'push', '--remote', s.api], { env: { ...process.env, FAIRFS_HOME: a.home, FAIRFS_TOKEN: s.token }, stdio: 'ignore' });
  const exited = new Promise((r) => child.on('exit', r));
  await waitFor(() => readdirSync(uploads).some((f) => f.startsWith('.tmp-')), 'the large upload to start', 60_000);
  child.kill('SIGKILL');
  await exited;
  await sleep(200);
  t.equal((await api('GET', `${s.api}code_run/`)).json.count, 0, 'the run was not pushed yet');

  const resumed = await push(a.home, s);
  t.equal(resumed.code, 0, resumed.stderr);
  t.match(resumed.stderr, /already there/, 'the records the killed push made are found, not duplicated');
  const counts = rowCounts(b.home);
  t.equal(counts.code_run, 1);
  const db = new Database(join(b.home, 'registry.db'), { readonly: true });
  const dupes = db.prepare('SELECT count(*) AS n FROM (SELECT uuid FROM object GROUP BY uuid HAVING count(*) > 1)').get() as { n: number };
  t.equal(dupes.n, 0, 'no object twice');
  t.equal((db.prepare("SELECT count(*) AS n FROM data_product WHERE name = 'outputs/big'").get() as { n: number }).n, 1, 'the big output once');
  db.close();
  const again = rowCounts(b.home);
  await ok(push(a.home, s));
  t.same(rowCounts(b.home), again, 'and a further push adds nothing');
});

t.test('pull refuses unsafe paths, odd schemes and hash mismatches; registers nothing', async (t) => {
  const b = await exampleHome(t);
  const s = await startServer(t, b.home);
  const post = async (endpoint: string, body: unknown): Promise<string> => {
    const r = await api('POST', `${s.api}${endpoint}/`, { body, token: s.token });
    if (r.status !== 201) throw new Error(`${endpoint}: ${r.status} ${JSON.stringify(r.json)}`);
    return r.json.url;
  };
  const ns = await post('namespace', { name: 'EVIL' });
  const realHash = sha1(readFileSync(join(b.example, 'data', 'population.csv')));
  const fakeHash = (name: string): string => sha1(Buffer.from(name));
  // name, storage root, path, declared hash: each a way a remote record can be unsafe.
  const bad: [string, string, string, string][] = [
    ['escape', `${s.base}/data/`, '../../registry.db', fakeHash('escape')],
    ['absolute', `${s.base}/data/`, '/etc/passwd', fakeHash('absolute')],
    ['scheme', 'ftp://127.0.0.1/', 'x.csv', fakeHash('scheme')],
    // The path names real bytes on the server, but the declared hash is another.
    ['mismatch', `${s.base}/data/`, realHash, fakeHash('mismatch')],
  ];
  const roots = new Map<string, string>();
  for (const [name, root, path, hash] of bad) {
    if (!roots.has(root)) roots.set(root, await post('storage_root', { root }));
    const location = await post('storage_location', { path, hash, storage_root: roots.get(root) });
    const obj = await post('object', { storage_location: location, description: name });
    await post('data_product', { namespace: ns, name: `bad/${name}`, version: '1.0.0', object: obj });
  }
  const a = emptyHome(t);
  for (const [name] of bad) {
    const config = join(a.dir, `${name}.yaml`);
    writeFileSync(config, `run_metadata:\n  default_input_namespace: EVIL\nread:\n  - data_product: bad/${name}\n`);
    const r = await fairfs(a.home, ['pull', config, '--remote', s.api]);
    t.equal(r.code, 65, `${name}: refused with exit 65`);
    t.match(r.stderr, name === 'mismatch' ? /hashes to .*the registry says/ : name === 'scheme' ? /unsupported scheme/ : /would escape the data store/, `${name}: says why`);
  }
  t.same(await fairfsJson<unknown[]>(a.home, ['ls']), [], 'nothing registered');
});

t.test('concurrent pushes from two homes keep every row', async (t) => {
  const b = await exampleHome(t);
  const s = await startServer(t, b.home);
  const [a1, a2] = await Promise.all([clientRun(t, s, 'team-one'), clientRun(t, s, 'team-two')]);
  const [p1, p2] = await Promise.all([push(a1.home, s), push(a2.home, s)]);
  t.equal(p1.code, 0, p1.stderr);
  t.equal(p2.code, 0, p2.stderr);
  t.equal((await api('GET', `${s.api}code_run/`)).json.count, 2, 'both code runs');
  for (const team of ['team-one', 'team-two']) {
    const ns = (await api('GET', `${s.api}namespace/?name=${team}`)).json.results[0];
    t.ok(ns, `${team} namespace`);
    t.equal((await api('GET', `${s.api}data_product/?namespace=${ns.url.match(/(\d+)\/$/)[1]}`)).json.count, 2, `${team}'s two outputs`);
  }
  t.equal((await api('GET', `${s.api}namespace/?name=SCRC`)).json.count, 1, 'shared records once');
  t.equal((await api('GET', `${s.api}data_product/?name=human/population`)).json.count, 1, 'the shared input once');
});

t.test('writes need a valid token; anonymous pull works', async (t) => {
  const b = await exampleHome(t);
  const s = await startServer(t, b.home);
  const a = await clientRun(t, s);
  const none = await fairfs(a.home, ['push', '--remote', s.api], { env: { FAIRFS_TOKEN: '' } });
  t.equal(none.code, 77, 'no token: exit 77');
  t.match(none.stderr, /needs an API token/);
  const wrong = await fairfs(a.home, ['push', '--remote', s.api], { env: { FAIRFS_TOKEN: 'wrong' } });
  t.equal(wrong.code, 77, 'wrong token: exit 77');
  t.notMatch(wrong.stderr, /wrong/, 'the token is never printed');
  const down = await fairfs(a.home, ['push', '--remote', 'http://127.0.0.1:9/api/'], { env: { FAIRFS_TOKEN: s.token } });
  t.equal(down.code, 69, 'unreachable remote: exit 69');
});

t.test('register: items fetch external objects from file:// and http(s) sources', async (t) => {
  const b = await exampleHome(t);
  const s = await startServer(t, b.home);
  const a = emptyHome(t);
  const population = join(a.example, 'data', 'population.csv');
  const hash = sha1(readFileSync(population));
  const config = join(a.dir, 'register.yaml');
  writeFileSync(
    config,
    `run_metadata:
  default_input_namespace: PHE
register:
  - namespace: PHE
    full_name: Public Health Example
    website: https://example.org/
  - external_object: records/population
    namespace_name: PHE
    root: file://${join(a.example, 'data')}/
    path: population.csv
    title: Population by region
    unique_name: population-by-region
    file_type: csv
    release_date: \${{DATETIME}}
    version: "1.0.\${{DATE}}"
    primary: True
  - data_product: records/parameters
    namespace_name: PHE
    root: ${s.base}/data/
    path: ${sha1(readFileSync(join(a.example, 'data', 'parameters.toml')))}
    file_type: toml
    version: 0.1.0
`,
  );
  const r = await fairfs(a.home, ['pull', config]);
  t.equal(r.code, 0, r.stderr);
  const products = await fairfsJson<{ namespace: string; name: string; version: string; hash: string }[]>(a.home, ['ls']);
  const pop = products.find((p) => p.name === 'records/population')!;
  t.match(pop, { namespace: 'PHE', hash }, 'file:// source registered with its hash');
  t.match(pop.version, /^1\.0\.\d{8}$/, 'template variables in register items');
  t.ok(products.some((p) => p.name === 'records/parameters' && p.version === '0.1.0'), 'http source registered');
  const db = new Database(join(a.home, 'registry.db'), { readonly: true });
  const ext = db.prepare('SELECT title, alternate_identifier, alternate_identifier_type, version FROM external_object').all();
  t.same(ext, [{ title: 'Population by region', alternate_identifier: 'population-by-region', alternate_identifier_type: 'unique_name', version: pop.version }]);
  t.equal((db.prepare("SELECT full_name FROM namespace WHERE name = 'PHE'").get() as { full_name: string }).full_name, 'Public Health Example');
  db.close();
  const again = await fairfs(a.home, ['pull', config]);
  t.equal(again.code, 0, again.stderr);
  t.match(again.stderr, /already here: PHE:records\/population/, 'a second pull registers nothing new');
});
