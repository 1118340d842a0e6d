import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import t from 'tap';
import { fairfs, fairfsJson } from '../helpers/cli.js';
import { exampleHome } from '../helpers/home.js';

interface Product {
  namespace: string;
  name: string;
  version: string;
  hash: string;
  path: string;
  produced_by: string | null;
}
interface Run {
  run_id: string;
  status: string;
  inputs: { product: string; component: string; hash: string }[];
  outputs: { product: string; component: string; hash: string }[];
  command: string | null;
  model_config: { path: string; hash: string } | null;
  submission_script: { path: string; hash: string } | null;
}

const sha1 = (file: string): string => createHash('sha1').update(readFileSync(file)).digest('hex');

async function runModel(home: string, cwd: string, config: string): Promise<Run> {
  const r = await fairfs(home, ['run', config, '--', 'sh', '-c', 'python3 model.py "$FAIRFS_MOUNT"'], { cwd });
  if (r.code !== 0) throw new Error(`fairfs run exited ${r.code}:\n${r.stderr}`);
  const runs = await fairfsJson<{ run_id: string }[]>(home, ['runs']);
  return fairfsJson<Run>(home, ['show', runs.at(-1)!.run_id]);
}

t.test('the example model runs unmodified and its run is registered', async (t) => {
  const { home, example } = await exampleHome(t);
  const run = await runModel(home, example, 'config.yaml');
  t.equal(run.status, 'completed');
  t.match(run.command ?? '', /python3 model\.py/, 'the command is the submission');
  t.ok(run.model_config?.hash, 'working config stored as an object of the run');
  t.ok(run.submission_script?.hash, 'submission script stored as an object of the run');

  const wholeInputs = run.inputs.filter((i) => i.component === 'whole_object');
  t.same(
    wholeInputs.map((i) => [i.product, i.hash]).sort(),
    [
      ['SCRC:human/population@0.1.0', sha1(join(example, 'data', 'population.csv'))],
      ['SCRC:sir/parameters@1.0.0', sha1(join(example, 'data', 'parameters.toml'))],
    ],
    'inputs are the two registered products with their hashes',
  );

  const products = await fairfsJson<Product[]>(home, ['ls']);
  const outputs = products.filter((p) => p.namespace === 'sir-demo');
  t.same(outputs.map((p) => `${p.name}@${p.version}`).sort(), ['sir/summary@0.0.1', 'sir/trajectory@0.0.1']);
  for (const p of outputs) {
    const stored = join(home, 'data', p.path);
    t.equal(basename(stored), `${p.hash}.${p.name.endsWith('summary') ? 'toml' : 'csv'}`, `${p.name} is stored under its SHA-1`);
    t.equal(sha1(stored), p.hash, `${p.name} matches its SHA-1`);
    t.equal(statSync(stored).mode & 0o222, 0, `${p.name} is read-only in the store`);
    t.equal(p.produced_by, run.run_id);
  }
  const summaryComponents = run.outputs.filter((o) => o.product === 'sir-demo:sir/summary@0.0.1').map((o) => o.component);
  t.same(summaryComponents.sort(), ['aberdeen', 'dundee', 'edinburgh', 'glasgow', 'whole_object'], 'TOML output has a component per region');

  const second = await runModel(home, example, 'config.yaml');
  t.equal(second.status, 'completed');
  const after = (await fairfsJson<Product[]>(home, ['ls'])).filter((p) => p.namespace === 'sir-demo');
  t.same(
    after.map((p) => `${p.name}@${p.version}`).sort(),
    ['sir/summary@0.0.1', 'sir/summary@0.0.2', 'sir/trajectory@0.0.1', 'sir/trajectory@0.0.2'],
    'a second run makes 0.0.2',
  );
  const trajectoryFiles = readdirSync(join(home, 'data', 'sir-demo', 'sir', 'trajectory'));
  t.equal(trajectoryFiles.length, 1, 'identical output bytes are stored once');
  const v1 = after.find((p) => p.name === 'sir/trajectory' && p.version === '0.0.1')!;
  const v2 = after.find((p) => p.name === 'sir/trajectory' && p.version === '0.0.2')!;
  t.equal(v1.path, v2.path, 'both versions point at the one stored file');
});

t.test('the SCRC 2020 config gives the same inputs and outputs', async (t) => {
  const { home, example } = await exampleHome(t);
  const fair = await runModel(home, example, 'config.yaml');
  const scrc = await runModel(home, example, 'config-scrc2020.yaml');
  t.equal(scrc.status, 'completed');
  const whole = (links: Run['inputs']) =>
    links.filter((l) => l.component === 'whole_object').map((l) => l.hash).sort();
  t.same(whole(scrc.inputs), whole(fair.inputs), 'same input products and hashes');
  t.same(whole(scrc.outputs), whole(fair.outputs), 'same output bytes');
  // SCRC 2020 names outputs by the path the model wrote (`outputs/*`), in the config's namespace.
  t.same(
    scrc.outputs.filter((o) => o.component === 'whole_object').map((o) => o.product).sort(),
    ['sir-demo:outputs/summary@0.0.1', 'sir-demo:outputs/trajectory@0.0.1'],
  );
});
