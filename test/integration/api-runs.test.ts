import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { fairfs, fairfsJson } from '../helpers/cli.js';
import { emptyHome } from '../helpers/home.js';
import { startServer } from '../helpers/server.js';

// A code run a FAIR client makes through the API (the calls pyDataPipeline's initialise,
// link_write and finalise send, in their order) is an ordinary run for fairfs.

const sha1 = (b: Buffer | string): string => createHash('sha1').update(b).digest('hex');

t.test('a pyDataPipeline-style run through registry serve: listed, explained, its products sized and attributed', async (t) => {
  const h = emptyHome(t);
  const s = await startServer(t, h.home);
  const headers = { accept: 'application/json; version=1.0.0', authorization: `token ${s.token}`, 'content-type': 'application/json' };
  const post = async (endpoint: string, data: unknown): Promise<any> => {
    const res = await fetch(`${s.api}${endpoint}/`, { method: 'POST', headers, body: JSON.stringify(data) });
    const json = await res.json();
    if (res.status !== 201) throw new Error(`POST ${endpoint}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const get = async (query: string): Promise<any[]> => (await (await fetch(`${s.api}${query}`, { headers })).json()).results;

  // fair init: the user's author and user_author.
  const [user] = await get('users/?username=admin');
  const author = await post('author', { name: 'Ada Lovelace', identifier: 'https://orcid.org/0000-0002-1825-0097' });
  await post('user_author', { user: user.url, author: author.url });

  // initialise: the data store root, the working config and the script, the code repo, the code run.
  const store = join(h.dir, 'datastore');
  mkdirSync(join(store, 'jobs'), { recursive: true });
  const config = join(store, 'jobs', 'config.yaml');
  const script = join(store, 'jobs', 'script.sh');
  writeFileSync(config, 'run_metadata:\n  description: SEIRS Model python\n');
  writeFileSync(script, 'python3 model.py\n');
  const root = await post('storage_root', { root: `file://${store}/`, local: true });
  const location = async (file: string): Promise<string> =>
    (await post('storage_location', { path: file.replace(`${store}/`, ''), hash: sha1(readFileSync(file)), public: true, storage_root: root.url })).url;
  const yamlType = await post('file_type', { name: 'yaml', extension: 'yaml' });
  const configObject = await post('object', { description: 'Working config.yaml location in datastore', storage_location: await location(config), authors: [author.url], file_type: yamlType.url });
  const scriptObject = await post('object', { description: 'Working script location in datastore', storage_location: await location(script), authors: [author.url] });
  const github = await post('storage_root', { root: 'https://github.com/', local: false });
  const repoLocation = await post('storage_location', { path: 'FAIRDataPipeline/pySimpleModel', hash: 'ddcbb77a75b941b56417802bce20f2d9a7f32b26', public: true, storage_root: github.url });
  const repoObject = await post('object', { description: 'Analysis / processing script location', storage_location: repoLocation.url, authors: [author.url] });
  const run = await post('code_run', {
    run_date: '2026-12-04 09:15:02.123456',
    description: 'SEIRS Model python',
    code_repo: repoObject.url,
    model_config: configObject.url,
    submission_script: scriptObject.url,
    input_urls: [],
    output_urls: [],
  });

  // link_write + finalise: the output renamed by its hash into the store, registered, linked to the run.
  const csv = 'time,S,E,I,R\n0,0.99,0.01,0,0\n';
  const hash = sha1(csv);
  mkdirSync(join(store, 'rfield', 'SEIRS_model', 'results'), { recursive: true });
  const outPath = `rfield/SEIRS_model/results/${hash}.csv`;
  writeFileSync(join(store, outPath), csv);
  const ns = await post('namespace', { name: 'rfield' });
  const outLocation = await post('storage_location', { path: outPath, hash, public: true, storage_root: root.url });
  const csvType = await post('file_type', { name: 'csv', extension: 'csv' });
  const outObject = await post('object', { description: 'SEIRS model results', storage_location: outLocation.url, authors: [author.url], file_type: csvType.url });
  const [component] = await get(`object_component/?object=${/(\d+)\/$/.exec(outObject.url)![1]}`);
  await post('data_product', { name: 'SEIRS_model/results', version: '0.0.1', object: outObject.url, namespace: ns.url });
  const patched = await fetch(run.url, { method: 'PATCH', headers, body: JSON.stringify({ inputs: [], outputs: [component.url] }) });
  t.equal(patched.status, 200);

  const runs = await fairfsJson<{ run_id: string; uuid: string; status: string; description: string }[]>(h.home, ['runs']);
  t.match(runs, [{ run_id: run.uuid, uuid: run.uuid, status: 'recorded', description: 'SEIRS Model python' }], 'fairfs runs lists it');
  const shown = await fairfs(h.home, ['show', run.uuid.slice(0, 8)]);
  t.equal(shown.code, 0, shown.stderr);
  t.match(shown.stdout, /status\s+recorded/);
  t.match(shown.stdout, /by\s+admin, through the registry API/);
  t.match(shown.stdout, /command\s+jobs\/script\.sh \(sha1 [0-9a-f]{40}\)/, 'the submission script stands for the command');
  t.match(shown.stdout, new RegExp(`outputs\\n  rfield:SEIRS_model/results@0\\.0\\.1  whole_object  sha1 ${hash}`));
  const [product] = await fairfsJson<{ size: number | null; produced_by: string | null }[]>(h.home, ['ls', 'rfield:*']);
  t.equal(product!.size, csv.length, 'the size of the file in the store');
  t.equal(product!.produced_by, run.uuid, 'produced by the API run');
  const table = await fairfs(h.home, ['ls']);
  t.notMatch(table.stdout, /null B/);
  t.match(table.stdout, new RegExp(`rfield:SEIRS_model/results@0\\.0\\.1\\s+csv\\s+${csv.length} B\\s+${hash.slice(0, 12)}\\s+${run.uuid.slice(0, 12)}`));
});
