import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { fairfs, fairfsJson } from '../helpers/cli.js';
import { exampleHome, type TestHome } from '../helpers/home.js';
import { fuseMountpoints } from '../helpers/mount.js';

/** Products and runs, to show a refused mount registered nothing. */
async function registryState(home: string): Promise<{ products: number; runs: number }> {
  const products = await fairfsJson<unknown[]>(home, ['ls']);
  const runs = await fairfsJson<unknown[]>(home, ['runs']);
  return { products: products.length, runs: runs.length };
}

async function refusedMount(t: Test, h: TestHome, configText: string): Promise<{ code: number | null; stderr: string }> {
  const config = join(h.dir, 'config.yaml');
  writeFileSync(config, configText);
  const before = await registryState(h.home);
  const mountpoint = join(h.dir, 'mnt');
  const r = await fairfs(h.home, ['run', config, '--mount', mountpoint, '--', 'true']);
  t.same(await registryState(h.home), before, 'nothing was registered');
  t.notOk(fuseMountpoints().includes(mountpoint), 'nothing was mounted');
  return r;
}

const write = `write:
  - data_product: out
    file_type: csv
`;

t.test('a read item missing from the registry names the product and the fix (exit 66)', async (t) => {
  const h = await exampleHome(t);
  const r = await refusedMount(
    t,
    h,
    `run_metadata:
  default_input_namespace: SCRC
  default_output_namespace: demo
read:
  - data_product: human/mortality
    version: 0.2.0
${write}`,
  );
  t.equal(r.code, 66);
  t.match(r.stderr, /SCRC:human\/mortality@0\.2\.0 is not in the local registry/);
  t.match(r.stderr, /fix: run `fairfs pull .*config\.yaml`/);
});

t.test('a read with no version at all says to pull (exit 66)', async (t) => {
  const h = await exampleHome(t);
  const r = await refusedMount(t, h, `run_metadata:\n  default_input_namespace: SCRC\n  default_output_namespace: demo\nread:\n  - data_product: human/nothing\n${write}`);
  t.equal(r.code, 66);
  t.match(r.stderr, /SCRC:human\/nothing has no version in the local registry/);
});

t.test('an explicit write version that exists is refused before mounting (exit 65)', async (t) => {
  const h = await exampleHome(t);
  const r = await refusedMount(
    t,
    h,
    `run_metadata:
  default_output_namespace: SCRC
write:
  - data_product: human/population
    file_type: csv
    version: 0.1.0
`,
  );
  t.equal(r.code, 65);
  t.match(r.stderr, /SCRC:human\/population@0\.1\.0 already exists/);
  t.match(r.stderr, /fix: .*\$\{\{PATCH\}\}/);
});

t.test('bad YAML reports line and column (exit 78)', async (t) => {
  const h = await exampleHome(t);
  const r = await refusedMount(t, h, `run_metadata:\n  description: fine\nread:\n  - data_product: "unclosed\n`);
  t.equal(r.code, 78);
  t.match(r.stderr, /config\.yaml:\d+:\d+: invalid YAML/);
});

t.test('an unknown key reports file, line, column and a did-you-mean (exit 78)', async (t) => {
  const h = await exampleHome(t);
  const r = await refusedMount(
    t,
    h,
    `run_metadata:
  default_input_namespace: SCRC
read:
  - data_product: human/population
    verison: 0.1.0
`,
  );
  t.equal(r.code, 78);
  t.match(r.stderr, /config\.yaml:5:5: read\[0\]\.verison: unknown key verison/);
  t.match(r.stderr, /did you mean `version`/);
});

t.test('an unknown template variable is named with its position (exit 78)', async (t) => {
  const h = await exampleHome(t);
  const r = await refusedMount(
    t,
    h,
    `run_metadata:
  default_output_namespace: demo
  description: run on \${{ NOT_A_VAR }}
`,
  );
  t.equal(r.code, 78);
  t.match(r.stderr, /config\.yaml:3:3: run_metadata\.description: unknown variable \$\{\{NOT_A_VAR\}\}/);
});

t.test('a version that is not semver is refused with its position (exit 78)', async (t) => {
  const h = await exampleHome(t);
  const r = await refusedMount(t, h, `run_metadata:\n  default_input_namespace: SCRC\nread:\n  - data_product: human/population\n    version: 1.0\n`);
  t.equal(r.code, 78);
  t.match(r.stderr, /config\.yaml:5:5: read\[0\]\.version: version 1 is neither/);
});

t.test('usage errors exit 64', async (t) => {
  const h = await exampleHome(t);
  const r = await fairfs(h.home, ['add', join(h.example, 'data', 'population.csv'), 'not-a-ref']);
  t.equal(r.code, 64);
  t.match(r.stderr, /NAMESPACE:NAME@VERSION/);
  const unknown = await fairfs(h.home, ['frobnicate']);
  t.equal(unknown.code, 64);
});
