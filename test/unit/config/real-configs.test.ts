import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parseConfig } from '../../../src/config/load.js';
import type { VariableContext } from '../../../src/config/variables.js';
import { ConfigError } from '../../../src/errors.js';
import { projectRoot } from '../../helpers/cli.js';

// The configs FAIR users actually write (test/fixtures/fair-configs/README.md says where each is from).
const dir = join(projectRoot, 'test', 'fixtures', 'fair-configs');
const vars: VariableContext = {
  start: new Date(2026, 11, 4, 9, 0, 0),
  user: 'ada',
  repoDir: '/repo',
  configDir: dir,
  sourceConfig: join(dir, 'config.yaml'),
  gitBranch: 'main',
  gitTag: null,
};
// FAIR-CLI takes the user's namespace from its settings; fairfs from settings.yaml (configDefaults).
const defaults = { inputNamespace: null, outputNamespace: 'ada' };
const load = (file: string) => parseConfig(join(dir, file), readFileSync(join(dir, file), 'utf8'), vars, defaults);

/** A documentation example with a typo (`Component:`) is refused, with the fix named. */
const TYPO = 'scrc2020-data-pipeline-api-doc.yaml';

t.test('every real config loads', async (t) => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  t.ok(files.length >= 9, 'the fixtures are there');
  for (const file of files.filter((f) => f !== TYPO)) {
    t.doesNotThrow(() => load(file), file);
  }
});

t.test('what the real configs say is what fairfs takes from them', async (t) => {
  const py = load('pySimpleModel-SEIRSconfig.yaml');
  t.equal(py.format, 'fair');
  t.match(py.writes[0], { namespace: 'ada', name: 'SEIRS_model/results/model_output/python', fileType: 'csv' }, 'no default_output_namespace: the user namespace');
  t.equal(py.script, 'python3 simpleModel/ext/SEIRSModelRun.py');
  t.equal(py.register.length, 2);

  const r = load('rSimpleModel-SEIRSconfig.yaml');
  t.match(r.writes[1], { alias: 'figure', name: 'SEIRS_model/results/figure/R', fileType: 'pdf' });

  const read = load('pyDataPipeline-read_csv.yaml');
  t.match(read.reads[0], { namespace: 'testing', name: 'test/csv', version: '0.0.1' });
  t.equal(read.remoteDataRegistryUrl, 'https://data.scrc.uk/api/');
  t.same(read.notActedOn, ['run_metadata.local_data_registry_url', 'run_metadata.latest_commit'], 'keys fairfs does not act on are listed');

  const working = load('pyDataPipeline-test_wildcard.yaml');
  t.match(working.writes[0], { namespace: 'ryanjfield', version: '0.0.1', public: true });
  t.ok(working.notActedOn.includes('write[0].use.symlink'));

  const scrc = load('DataRegistryUtils-data_config.yaml');
  t.equal(scrc.format, 'scrc2020');
  t.same(scrc.reads.map((x) => x.namespace), ['SCRC', 'EERA', 'SCRC', 'SCRC'], 'top-level namespace: is the default');
  t.same(scrc.notActedOn, ['fail_on_hash_mismatch']);

  const fileApi = load('scrc2020-file-api-test.yaml');
  t.equal(fileApi.format, 'scrc2020');
  t.same(fileApi.notActedOn, ['run_id', 'fail_on_hash_mismatch']);
});

t.test('the SCRC documentation example: its one typo is refused with the fix', async (t) => {
  const err = t.throws(() => load(TYPO)) as ConfigError;
  t.ok(err instanceof ConfigError);
  t.match(err.message, /unknown key Component/);
  t.match(err.hint, /did you mean `component`/);
  t.match(err.position, { line: 26 }, "the line of the typo");
  // Without the typo it loads, its numeric version taken as 1.0.0 and its SCRC names mapped.
  const text = readFileSync(join(dir, TYPO), 'utf8').replace('    Component:\n', '');
  const c = parseConfig(join(dir, TYPO), text, vars, defaults);
  t.equal(c.reads[0]!.version, '1.0.0');
  t.equal(c.remoteDataRegistryUrl, 'https://data.scrc.uk/api/', 'data_registry_url');
  t.equal(c.script, 'model.py', 'submission_script');
  t.same(c.notActedOn, ['fail_on_hash_mismatch', 'run_metadata.data_registry_url', 'run_metadata.remote_uri', 'run_metadata.remote_uri_override']);
});

t.test('v1.0.0 and 1.0.0 are one version; unknown keys still get a did-you-mean', async (t) => {
  const c = parseConfig(join(dir, 'x.yaml'), 'run_metadata:\n  default_input_namespace: A\nread:\n  - data_product: p\n    use:\n      version: v1.0.0\n', vars, defaults);
  t.equal(c.reads[0]!.version, '1.0.0');
  const err = t.throws(() => parseConfig(join(dir, 'x.yaml'), 'run_metadata:\n  latest_comit: abc\n', vars, defaults)) as ConfigError;
  t.match(err.hint, /did you mean `latest_commit`/);
  const shell = t.throws(() => parseConfig(join(dir, 'x.yaml'), 'run_metadata:\n  shell: fish\n', vars, defaults)) as ConfigError;
  t.match(shell.message, /unknown shell fish/);
});
