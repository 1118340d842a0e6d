import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { cliPath, exec, fairfs, fairfsJson } from '../helpers/cli.js';
import { exampleHome } from '../helpers/home.js';
import { mountSession } from '../helpers/mount.js';

interface Run {
  run_id: string;
  status: string;
  exit_code: number | null;
  outputs: unknown[];
  inputs: { product: string }[];
  refusals: { op: string; path: string; reason: string }[];
}
const lastRun = async (home: string): Promise<Run> => {
  const runs = await fairfsJson<{ run_id: string }[]>(home, ['runs']);
  return fairfsJson<Run>(home, ['show', runs.at(-1)!.run_id]);
};
const sha1 = (buf: Buffer): string => createHash('sha1').update(buf).digest('hex');

t.test('opening an input for writing is refused, logged, and changes nothing', async (t) => {
  const h = await exampleHome(t);
  const mnt = join(h.dir, 'mnt');
  await mountSession(t, h.home, join(h.example, 'config.yaml'), mnt);
  const input = join(mnt, 'inputs', 'population.csv');
  const before = readFileSync(join(h.example, 'data', 'population.csv'));

  const shell = await exec('sh', ['-c', `echo overwritten > "${input}"`]);
  t.not(shell.code, 0, 'shell redirection onto an input fails');
  t.match(shell.stderr, /Permission denied/);
  const py = await exec('python3', ['-c', `open(${JSON.stringify(input)}, "r+b")`]);
  t.match(py.stderr, /PermissionError: \[Errno 13\]/, 'Python sees EACCES');
  const append = await exec('sh', ['-c', `echo more >> "${input}"`]);
  t.not(append.code, 0, 'append to an input fails');
  const rm = await exec('rm', ['-f', input]);
  t.not(rm.code, 0, 'unlink of an input fails');
  const mv = await exec('mv', [input, join(mnt, 'moved.csv')]);
  t.not(mv.code, 0, 'rename of an input fails');
  const cat = await exec('cat', [input]);
  t.equal(cat.stdout, before.toString(), 'the input still reads as registered');

  const log = await exec('cat', [join(mnt, '.fair', 'log.jsonl')]);
  const refused = log.stdout.trim().split('\n').map((l) => JSON.parse(l) as { outcome: string; path: string; reason: string });
  t.ok(refused.some((r) => r.outcome === 'refused' && r.path === '/inputs/population.csv' && /read-only/.test(r.reason)), '.fair/log.jsonl shows the refusal');
  const un = await fairfs(h.home, ['unmount', mnt]);
  t.equal(un.code, 0, un.stderr);

  const run = await lastRun(h.home);
  t.ok(run.refusals.length >= 4, 'every refusal is in the run log');
  t.ok(run.refusals.every((r) => /^EACCES: input SCRC:human\/population@0\.1\.0 is read-only/.test(r.reason)), 'with the errno and the reason');
  const stored = (await fairfsJson<{ name: string; path: string; hash: string }[]>(h.home, ['ls'])).find((p) => p.name === 'human/population')!;
  t.equal(sha1(readFileSync(join(h.home, 'data', stored.path))), sha1(before), 'the stored input is unchanged');
});

t.test('a command exiting 3 fails the run; outputs are quarantined, not registered', async (t) => {
  const h = await exampleHome(t);
  const r = await fairfs(h.home, ['run', 'config.yaml', '--', 'sh', '-c', 'python3 model.py "$FAIRFS_MOUNT" && exit 3'], { cwd: h.example });
  t.equal(r.code, 3, 'fairfs run passes the status through');
  const run = await lastRun(h.home);
  t.equal(run.status, 'failed');
  t.equal(run.exit_code, 3);
  t.same(run.outputs, [], 'no outputs registered');
  t.equal(run.inputs.length >= 2, true, 'inputs are still recorded');
  const products = await fairfsJson<{ namespace: string }[]>(h.home, ['ls']);
  t.notOk(products.some((p) => p.namespace === 'sir-demo'), 'no output product exists');
  const q = join(h.home, 'quarantine', run.run_id);
  t.ok(existsSync(join(q, 'files', 'outputs', 'trajectory.csv')), 'outputs kept in quarantine under their paths');
  const manifest = JSON.parse(readFileSync(join(q, 'manifest.json'), 'utf8')) as { path: string; sha1: string }[];
  const traj = manifest.find((m) => m.path === 'outputs/trajectory.csv')!;
  t.equal(traj.sha1, sha1(readFileSync(join(q, 'files', 'outputs', 'trajectory.csv'))), 'manifest hash matches');
  t.same(readdirSync(join(h.home, 'staging')), [], 'staging is empty');
});

t.test('a command killed by a signal exits 128+n and the run is failed', async (t) => {
  const h = await exampleHome(t);
  const r = await fairfs(h.home, ['run', 'config.yaml', '--', 'sh', '-c', 'kill -TERM $$'], { cwd: h.example });
  t.equal(r.code, 143);
  t.equal((await lastRun(h.home)).status, 'failed');
});

t.test('--strict refuses undeclared writes with EACCES and logs why', async (t) => {
  const h = await exampleHome(t);
  const script = join(h.dir, 'undeclared.sh');
  writeFileSync(script, 'echo x > "$FAIRFS_MOUNT/outputs/extra.txt" || exit 9\n');
  const r = await fairfs(h.home, ['run', 'config.yaml', '--strict', '--', 'sh', script], { cwd: h.example });
  t.equal(r.code, 9, 'the write failed inside the command');
  t.match(r.stderr, /refused create \/outputs\/extra\.txt: EACCES: undeclared write/);
  const run = await lastRun(h.home);
  t.match(run.refusals[0]?.reason ?? '', /undeclared_writes: reject/);
});

t.test('an undeclared write is registered by its path with a warning', async (t) => {
  const h = await exampleHome(t);
  const r = await fairfs(h.home, ['run', 'config.yaml', '--', 'sh', '-c', 'mkdir -p "$FAIRFS_MOUNT/extra" && echo hi > "$FAIRFS_MOUNT/extra/note.txt"'], { cwd: h.example });
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, /warning: undeclared output extra\/note\.txt registered as sir-demo:extra\/note/);
  const products = await fairfsJson<{ namespace: string; name: string; version: string }[]>(h.home, ['ls']);
  t.ok(products.some((p) => p.namespace === 'sir-demo' && p.name === 'extra/note' && p.version === '0.0.1'));
});

t.test('an explicit version taken by another run meanwhile fails the run, outputs kept in quarantine', async (t) => {
  const h = await exampleHome(t);
  const config = join(h.dir, 'explicit.yaml');
  writeFileSync(config, 'run_metadata:\n  default_output_namespace: race\nwrite:\n  - data_product: result\n    file_type: txt\n    version: 1.0.0\n');
  const other = join(h.dir, 'other.txt');
  writeFileSync(other, 'registered by someone else\n');
  // While the session runs, another process registers race:result@1.0.0.
  const script = `echo mine > "$FAIRFS_MOUNT/result.txt" && node ${JSON.stringify(cliPath)} add ${JSON.stringify(other)} race:result@1.0.0`;
  const r = await fairfs(h.home, ['run', config, '--', 'sh', '-c', script]);
  t.equal(r.code, 65, r.stderr);
  t.match(r.stderr, /race:result@1\.0\.0 already exists/);
  const run = await lastRun(h.home);
  t.equal(run.status, 'failed');
  t.same(run.outputs, []);
  t.equal(readFileSync(join(h.home, 'quarantine', run.run_id, 'files', 'result.txt'), 'utf8'), 'mine\n', 'the output is kept');
  const products = await fairfsJson<{ name: string; hash: string }[]>(h.home, ['ls', 'race:*']);
  t.same(products.map((p) => p.hash), [sha1(Buffer.from('registered by someone else\n'))], 'only the other registration exists');
});
