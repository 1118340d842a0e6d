import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Test } from 'tap';
import { exec, fairfs, fairfsJson } from './cli.js';
import { exampleHome, type TestHome } from './home.js';

/*
 * Homes with real code runs in them, made through `fairfs run` on real mounts:
 * the example model from a git checkout, and chains of small runs that each
 * read the last one's output.
 */

export const AUTHOR = { name: 'Ada Lovelace', orcid: '0000-0002-1825-0097' };

export type ModelHome = TestHome & { runId: string; uuid: string };

async function ok(p: Promise<{ code: number | null; stderr: string }>, what: string): Promise<string> {
  const r = await p;
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}: ${r.stderr}`);
  return r.stderr;
}

/** The newest run of a home. */
export async function lastRun(home: string): Promise<{ run_id: string; uuid: string; status: string }> {
  const runs = await fairfsJson<{ run_id: string; uuid: string; status: string; started: string }[]>(home, ['runs']);
  return runs.sort((a, b) => a.started.localeCompare(b.started)).at(-1)!;
}

/**
 * A home with the example's inputs, an author in its settings, and one run of
 * the model from a git checkout (whose config names `remote` when given).
 */
export async function modelHome(t: Test, opts: { remote?: string } = {}): Promise<ModelHome> {
  const h = await exampleHome(t);
  appendFileSync(join(h.home, 'settings.yaml'), `author:\n  name: ${AUTHOR.name}\n  orcid: ${AUTHOR.orcid}\n`);
  const config = join(h.example, 'config.yaml');
  if (opts.remote) writeFileSync(config, readFileSync(config, 'utf8').replace('run_metadata:\n', `run_metadata:\n  remote_data_registry_url: ${opts.remote}\n`));
  for (const args of [['init', '-q'], ['remote', 'add', 'origin', 'https://github.com/example/sir-model.git'], ['add', '.'], ['-c', 'user.name=t', '-c', 'user.email=t@example.org', 'commit', '-qm', 'model']]) {
    const g = await exec('git', args, { cwd: h.example });
    if (g.code !== 0) throw new Error(`git ${args[0]}: ${g.stderr}`);
  }
  await ok(fairfs(h.home, ['run', config, '--', 'sh', '-c', 'python3 model.py "$FAIRFS_MOUNT"'], { cwd: h.example }), 'fairfs run of the example');
  const run = await lastRun(h.home);
  return { ...h, runId: run.run_id, uuid: run.uuid };
}

/**
 * One run that reads `input` (NAMESPACE:NAME@VERSION) as in.csv and writes
 * `output` (a name in namespace `chain`) as out.csv with `shell`, which sees
 * both files under $FAIRFS_MOUNT. Returns the run id.
 */
export async function chainRun(h: TestHome, input: string, output: string, shell = 'cp "$FAIRFS_MOUNT/in.csv" "$FAIRFS_MOUNT/out.csv"'): Promise<string> {
  const [, ns, name, version] = /^([^:]+):(.+)@(.+)$/.exec(input)!;
  const config = join(h.dir, `chain-${output.replace(/\W/g, '_')}.yaml`);
  writeFileSync(
    config,
    [
      'run_metadata:',
      `  description: derive ${output} from ${input}`,
      '  default_output_namespace: chain',
      'read:',
      '  - data_product: in',
      '    path: in.csv',
      `    use: {namespace: ${ns}, data_product: ${name}, version: ${version}}`,
      'write:',
      '  - data_product: out',
      '    path: out.csv',
      `    description: ${output}`,
      `    use: {data_product: ${output}}`,
      '',
    ].join('\n'),
  );
  await ok(fairfs(h.home, ['run', config, '--', 'sh', '-c', shell], { cwd: h.dir }), `chain run writing ${output}`);
  return (await lastRun(h.home)).run_id;
}
