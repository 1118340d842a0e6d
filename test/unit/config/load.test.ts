import t from 'tap';
import { parseConfig } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/errors.js';
import type { VariableContext } from '../../../src/config/variables.js';

const vars: VariableContext = {
  start: new Date(2026, 10, 25, 13, 5, 9),
  user: 'ada',
  repoDir: '/repo',
  configDir: '/cfg',
  sourceConfig: '/cfg/config.yaml',
  gitBranch: 'main',
  gitTag: null,
};
const parse = (text: string) => parseConfig('/cfg/config.yaml', text, vars);

t.test('FAIR user config: aliases, use-mapping and defaults', async (t) => {
  const c = parse(`run_metadata:
  description: d
  default_input_namespace: SCRC
  default_output_namespace: out
read:
  - data_product: population
    path: inputs/population.csv
    use:
      data_product: human/population
      version: 0.1.0
  - data_product: other
    namespace: ELSE
write:
  - data_product: results/a
    file_type: .csv
  - data_product: results/b
    path: out/b_*.txt
    version: 1.0.0
`);
  t.equal(c.format, 'fair');
  t.match(c.reads[0], { alias: 'population', namespace: 'SCRC', name: 'human/population', version: '0.1.0', path: 'inputs/population.csv' });
  t.match(c.reads[1], { alias: 'other', namespace: 'ELSE', name: 'other', version: '${{LATEST}}', path: null });
  t.match(c.writes[0], { namespace: 'out', name: 'results/a', version: '${{PATCH}}', fileType: 'csv' });
  t.match(c.writes[1], { path: 'out/b_*.txt', version: '1.0.0', fileType: null });
});

t.test('SCRC 2020 format converts where/use items', async (t) => {
  const c = parse(`data_directory: data
access_log: access.yaml
run_metadata:
  default_input_namespace: SCRC
read:
  - where:
      data_product: inputs/population
    use:
      data_product: human/population
      version: 0.1.0
write:
  - where:
      data_product: outputs/*
    use:
      namespace: sir-demo
`);
  t.equal(c.format, 'scrc2020');
  t.match(c.reads[0], { alias: 'inputs/population', name: 'human/population', version: '0.1.0' });
  t.match(c.writes[0], { alias: 'outputs/*', namespace: 'sir-demo', name: 'outputs/*', path: 'outputs/*' });
});

t.test('template variables are substituted; version expressions and RUN_ID wait', async (t) => {
  const c = parse(`run_metadata:
  description: by \${{USER}} on \${{ DATE }} at \${{DATETIME-%H%M%S}} from \${{GIT_BRANCH}} in \${{CONFIG_DIR}}
  default_output_namespace: out
write:
  - data_product: run_\${{RUN_ID}}
    file_type: txt
    version: \${{ MINOR }}
`);
  t.equal(c.description, 'by ada on 20261125 at 130509 from main in /cfg');
  t.equal(c.writes[0]!.name, 'run_${{RUN_ID}}');
  t.equal(c.writes[0]!.version, '${{MINOR}}');
});

t.test('errors carry file, line, column, key and a fix', async (t) => {
  const cases: [string, RegExp, RegExp][] = [
    ['read:\n  - data_product: a\n    versoin: 1.0.0\n', /config\.yaml:3:5: read\[0\]\.versoin: unknown key versoin/, /did you mean `version`/],
    ['run_metadata:\n  undeclared_writes: maybe\n', /:2:3: run_metadata\.undeclared_writes: must be register or reject/, /undeclared_writes: reject/],
    ['read:\n  - data_product: a\n', /:2:5: read\[0\]: no namespace for this input/, /default_input_namespace/],
    ['write:\n  - data_product: a\n    namespace: n\n', /:2:5: write\[0\]: write item a has no file_type/, /file_type/],
    ['read: nope\n', /:1:1: read: must be a list/, /- /],
    ['run_metadata:\n  description: [1, 2]\n', /:2:3: run_metadata\.description: expected a string, found a list/, /plain value/],
    ['run_metadata:\n  description: ${{GIT_TAG}}\n', /:2:3: .*GIT_TAG.* cannot be substituted/, /known variables/],
    ['read:\n  - data_product: a\n    path: ../escape.csv\n    namespace: n\n', /:3:5: read\[0\]\.path: path \.\.\/escape\.csv must stay inside/, /relative path/],
    ['a: [\n', /config\.yaml:\d+:\d+: invalid YAML/, /YAML syntax/],
  ];
  for (const [text, message, hint] of cases) {
    try {
      parse(text);
      t.fail(`accepted: ${JSON.stringify(text)}`);
    } catch (err) {
      t.type(err, ConfigError);
      t.match((err as ConfigError).message, message);
      t.match((err as ConfigError).hint, hint);
      t.equal((err as ConfigError).exitCode, 78);
    }
  }
});
