import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { exec, fairfs, fairfsJson, projectRoot } from '../helpers/cli.js';
import { emptyHome, exampleHome } from '../helpers/home.js';

// `fair run` habits: the config's own script, FAIR-CLI's environment, the user's namespace, real configs.

/** The bytes recorded as a run's submission script. */
function submissionScript(home: string, runId: string): string {
  const db = new Database(join(home, 'registry.db'), { readonly: true });
  const row = db
    .prepare(
      `SELECT sl.path FROM session s JOIN code_run cr ON cr.id = s.code_run JOIN object o ON o.id = cr.submission_script
         JOIN storage_location sl ON sl.id = o.storage_location WHERE s.run_id = ?`,
    )
    .get(runId) as { path: string };
  db.close();
  return readFileSync(join(home, 'data', row.path), 'utf8');
}

const withScript = (config: string, script: string, extra = ''): void =>
  writeFileSync(config, readFileSync(config, 'utf8').replace('run_metadata:\n', `run_metadata:\n${extra}  script: |\n${script.replace(/^/gm, '    ')}\n`));

t.test('fairfs run CONFIG with no command runs the config script as fair run does, and records what ran', async (t) => {
  const h = await exampleHome(t);
  const config = join(h.example, 'config.yaml');
  withScript(config, 'echo "id=${{RUN_ID}} dir=$FDP_CONFIG_DIR repo=$FDP_LOCAL_REPO"\npython3 model.py "$FAIRFS_MOUNT"', '  shell: bash\n');
  const r = await fairfs(h.home, ['run', config], { cwd: h.example });
  t.equal(r.code, 0, r.stderr);
  const [run] = await fairfsJson<{ run_id: string; status: string }[]>(h.home, ['runs']);
  t.equal(run!.status, 'completed');
  const line = /id=(\S+) dir=(\S+) repo=(\S+)/.exec(r.stdout);
  t.ok(line, `the script ran: ${r.stdout}`);
  t.equal(line?.[1], run!.run_id, '${{RUN_ID}} is the run id');
  t.equal(line?.[2], join(h.home, 'run', run!.run_id) + '/', 'FDP_CONFIG_DIR: the job folder');
  t.match(readFileSync(join(line![2]!, 'config.yaml'), 'utf8'), /run_id: /, 'holding the working config');
  const top = await exec('git', ['rev-parse', '--show-toplevel'], { cwd: h.example });
  t.equal(line?.[3], top.code === 0 ? top.stdout.trim() : h.example, 'FDP_LOCAL_REPO: the checkout it runs from');
  const recorded = submissionScript(h.home, run!.run_id);
  t.match(recorded, new RegExp(`echo "id=${run!.run_id} `), 'the submission script is the substituted script that ran');
  const shown = await fairfs(h.home, ['show', run!.run_id]);
  t.match(shown.stdout, /command\s+bash -eo pipefail \S+script\.sh/, 'run by the configured shell');
});

t.test('bash -eo pipefail: a failing pipe fails the run, as under fair run', async (t) => {
  const h = await exampleHome(t);
  const config = join(h.example, 'config.yaml');
  withScript(config, 'false | true\necho unreachable', '  shell: bash\n');
  const r = await fairfs(h.home, ['run', config], { cwd: h.example });
  t.equal(r.code, 1, 'the script exit status');
  t.notMatch(r.stdout, /unreachable/);
  const [run] = await fairfsJson<{ status: string }[]>(h.home, ['runs']);
  t.equal(run!.status, 'failed');
});

t.test('no script and no command: refused before any run is opened', async (t) => {
  const h = await exampleHome(t);
  const r = await fairfs(h.home, ['run', join(h.example, 'config.yaml')], { cwd: h.example });
  t.equal(r.code, 64, r.stderr);
  t.match(r.stderr, /has no run_metadata\.script or script_path, and no command was given/);
  t.same(await fairfsJson<unknown[]>(h.home, ['runs']), [], 'no run recorded');
});

t.test('a command given beside a config script: the command is what is recorded', async (t) => {
  const h = await exampleHome(t);
  const config = join(h.example, 'config.yaml');
  withScript(config, 'echo the config script');
  const r = await fairfs(h.home, ['run', config, '--', 'sh', '-c', 'python3 model.py "$FAIRFS_MOUNT"'], { cwd: h.example });
  t.equal(r.code, 0, r.stderr);
  t.notMatch(r.stdout, /the config script/);
  const [run] = await fairfsJson<{ run_id: string }[]>(h.home, ['runs']);
  t.equal(submissionScript(h.home, run!.run_id), `#!/bin/sh\nsh -c 'python3 model.py "$FAIRFS_MOUNT"'\n`);
});

t.test('a config with no output namespace writes to the user namespace of the settings', async (t) => {
  const h = await exampleHome(t);
  writeFileSync(join(h.home, 'settings.yaml'), `${readFileSync(join(h.home, 'settings.yaml'), 'utf8').replace(/^namespace:.*\n/m, '')}namespace: ada\n`);
  const config = join(h.example, 'config.yaml');
  writeFileSync(config, readFileSync(config, 'utf8').replace(/^\s*default_output_namespace: .*\n/m, ''));
  const r = await fairfs(h.home, ['run', config, '--', 'sh', '-c', 'python3 model.py "$FAIRFS_MOUNT"'], { cwd: h.example });
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, /wrote ada:sir\/summary@0\.0\.1/);
});

t.test("pyDataPipeline's read_csv.yaml runs here as published", async (t) => {
  const h = emptyHome(t);
  const csv = join(h.dir, 'test.csv');
  writeFileSync(csv, 'a,b\n1,2\n');
  t.equal((await fairfs(h.home, ['add', csv, 'testing:test/csv@0.0.1'])).code, 0);
  const config = join(h.dir, 'read_csv.yaml');
  copyFileSync(join(projectRoot, 'test', 'fixtures', 'fair-configs', 'pyDataPipeline-read_csv.yaml'), config);
  const r = await fairfs(h.home, ['run', config, '--', 'sh', '-c', 'cat "$FAIRFS_MOUNT/test/csv.csv"'], { cwd: h.dir });
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'a,b\n1,2\n', 'the model read the registered product');
  t.match(r.stderr, /accepted but not acted on: run_metadata\.local_data_registry_url, run_metadata\.latest_commit/);
  const [run] = await fairfsJson<{ run_id: string }[]>(h.home, ['runs']);
  const shown = await fairfs(h.home, ['show', run!.run_id]);
  t.match(shown.stdout, /testing:test\/csv@0\.0\.1/, 'recorded as the input');
});

t.test("FAIR-CLI's register items: folders as roots, namespaces three ways, authors", async (t) => {
  const h = emptyHome(t);
  const data = join(h.dir, 'test-data');
  mkdirSync(data);
  for (const n of [1, 2, 3, 4]) writeFileSync(join(data, `test${n}.csv`), `a,b\n${n},${n * 2}\n`);
  const config = join(h.dir, 'test_register.yaml');
  const published = readFileSync(join(projectRoot, 'test', 'fixtures', 'fair-configs', 'FAIR-CLI-test_register.yaml'), 'utf8');
  writeFileSync(config, published.replaceAll('<TEST_DATA_DIR>', data));
  const r = await fairfs(h.home, ['pull', config]);
  t.equal(r.code, 0, r.stderr);
  const products = (await fairfsJson<{ namespace: string; name: string; version: string }[]>(h.home, ['ls'])).map((p) => `${p.namespace}:${p.name}@${p.version}`);
  t.same(products.sort(), [
    'PSU:Namespace/test/use/namespace@1.0.0',
    'TestDataProduct:Namespace/test/no/namespace@1.0.0',
    'TestNameSpace:Namespace/test/namespace/name@1.0.0',
    'UnregisteredNamespace:Namespace/test/use/namespace/unregistered@1.0.0',
    'UnregisteredNamespace:Namespace/test/use/same/file@1.0.0',
  ]);
  const db = new Database(join(h.home, 'registry.db'), { readonly: true });
  const authors = db
    .prepare(`SELECT dp.name, a.identifier FROM object_author oa JOIN author a ON a.id = oa.author JOIN data_product dp ON dp.object = oa.object ORDER BY dp.name`)
    .all();
  db.close();
  t.same(authors, [
    { name: 'Namespace/test/namespace/name', identifier: 'https://ror.org/04v2xmd71' },
    { name: 'Namespace/test/no/namespace', identifier: 'https://github.com/FAIRDataPipeline' },
    { name: 'Namespace/test/use/namespace', identifier: 'https://orcid.org/0000-0002-4424-9890' },
  ]);
  const again = await fairfs(h.home, ['pull', config]);
  t.match(again.stderr, /already here: PSU:Namespace\/test\/use\/namespace@1\.0\.0/, 'a second pull skips them');
});

t.test('a bad register item stops run as it stops pull: file, line, key and fix, before any run', async (t) => {
  const h = await exampleHome(t);
  const config = join(h.example, 'config.yaml');
  writeFileSync(config, `${readFileSync(config, 'utf8')}\nregister:\n  - external_object: raw\n    root: ftp://example.org/\n    path: raw.csv\n`);
  for (const args of [['run', config, '--', 'true'], ['pull', config]]) {
    const r = await fairfs(h.home, args, { cwd: h.example });
    t.equal(r.code, 78, `${args[0]}: config error`);
    t.match(r.stderr, /ftp:\/\/example\.org\/raw\.csv is neither a folder, file:\/\/ nor http\(s\):\/\//);
    t.match(r.stderr, /register\[0\]\.root/);
    t.match(r.stderr, /config\.yaml:\d+/);
  }
  t.same(await fairfsJson<unknown[]>(h.home, ['runs']), [], 'no run was opened');
});

t.test('the run id is provable from the kept config bytes; latest is ${{LATEST}}; a new write_data_store is announced', async (t) => {
  const h = await exampleHome(t);
  const config = join(h.example, 'config.yaml');
  const store = join(h.dir, 'elsewhere', 'store');
  writeFileSync(
    config,
    readFileSync(config, 'utf8')
      .replace('run_metadata:\n', `run_metadata:\n  write_data_store: ${store}\n`)
      .replace('      data_product: sir/parameters    # version: latest in the local registry', '      data_product: sir/parameters\n      version: latest'),
  );
  const bytes = readFileSync(config);
  const r = await fairfs(h.home, ['run', config, '--', 'sh', '-c', 'python3 model.py "$FAIRFS_MOUNT"'], { cwd: h.example });
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, new RegExp(`created the write_data_store ${store} \\(outside ${h.home}\\)`), 'said, not silent');
  const [run] = await fairfsJson<{ run_id: string; started: string }[]>(h.home, ['runs']);
  t.equal(createHash('sha1').update(Buffer.concat([bytes, Buffer.from(run!.started)])).digest('hex'), run!.run_id, 'SHA-1(config ‖ start time)');
  const shown = await fairfs(h.home, ['show', run!.run_id]);
  t.match(shown.stdout, /\(= SHA-1 of the kept config bytes and the start time\)/);
  t.match(shown.stdout, /SCRC:sir\/parameters@1\.0\.0/, 'latest resolved like ${{LATEST}}');
  const json = await fairfsJson<{ run_id_verified: boolean }>(h.home, ['show', run!.run_id]);
  t.equal(json.run_id_verified, true);
});

t.test('fairfs add takes v2.0.0 as 2.0.0', async (t) => {
  const h = emptyHome(t);
  const file = join(h.dir, 'x.csv');
  writeFileSync(file, 'a\n1\n');
  const r = await fairfs(h.home, ['add', file, 'demo:x@v2.0.0']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, /registered demo:x@2\.0\.0/);
  t.same((await fairfsJson<{ version: string }[]>(h.home, ['ls'])).map((p) => p.version), ['2.0.0']);
});
