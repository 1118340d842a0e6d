import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import { cliPath, exec, fairfs, fairfsJson } from '../helpers/cli.js';
import { exampleHome } from '../helpers/home.js';
import { waitFor } from '../helpers/mount.js';

/*
 * Who did each access. Under `fairfs run` only the command's process tree, and
 * processes that carry the run's FAIRFS_RUN_ID (as srun or mpirun pass it to
 * ranks they start elsewhere), make the run's inputs and outputs.
 */

const CONFIG = `run_metadata:
  default_input_namespace: SCRC
  default_output_namespace: who
read:
  - data_product: population
    use: {data_product: human/population}
  - data_product: parameters
    use: {data_product: sir/parameters}
write:
  - data_product: result
    file_type: txt
`;

interface Shown {
  inputs: { product: string }[];
  processes: { pid: number; command: string; outside: boolean }[];
  refusals: { op: string; path: string; reason: string }[];
}

/** A home with the example's inputs, the config above, and a mountpoint. */
async function sessionHome(t: Test): Promise<{ h: Awaited<ReturnType<typeof exampleHome>>; config: string; mnt: string }> {
  const h = await exampleHome(t);
  const config = join(h.dir, 'config.yaml');
  writeFileSync(config, CONFIG);
  return { h, config, mnt: join(h.dir, 'mnt') };
}

t.test('a reader outside the run is journalled by pid and command, not linked; a process with the run id counts', async (t) => {
  const { h, config, mnt } = await sessionHome(t);
  const ready = join(h.dir, 'ready');
  const go = join(h.dir, 'go');
  // The command reads one input, then waits while others act, then ends.
  const script = `cat "$FAIRFS_MOUNT/parameters.toml" > /dev/null; echo "$FAIRFS_RUN_ID" > ${JSON.stringify(ready)}; while [ ! -e ${JSON.stringify(go)} ]; do sleep 0.05; done`;
  const run = spawn(process.execPath, [cliPath, 'run', config, '--mount', mnt, '--', 'sh', '-c', script], {
    env: { ...process.env, FAIRFS_HOME: h.home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  run.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  run.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => run.on('exit', (c) => r(c)));
  t.teardown(async () => {
    // The test folder may be gone by now: then end the run by its signal instead.
    try {
      writeFileSync(go, '');
    } catch {
      run.kill('SIGTERM');
    }
    await Promise.race([exited, sleep(15_000)]);
  });
  await waitFor(() => existsSync(ready), `the run to start:\n${out}`, 30_000);
  const runId = readFileSync(ready, 'utf8').trim();

  // Someone in another shell: a reader outside the run's tree, and a write it must not make.
  const outsider = await exec('sh', ['-c', 'cat "$1/population.csv"', 'outsider', mnt]);
  t.equal(outsider.code, 0, 'an outside reader is served');
  t.match(outsider.stdout, /^region,population/);
  const outsideWrite = await exec('sh', ['-c', 'echo no > "$1/result.txt"', 'outsider', mnt]);
  t.not(outsideWrite.code, 0, 'an outside write is refused');
  t.match(outsideWrite.stderr, /Permission denied/);
  // A rank started outside the tree with the run's environment (as srun does): it reads and writes for the run.
  const rank = await exec('sh', ['-c', 'cat "$1/population.csv" > /dev/null && echo from-rank > "$1/result.txt"', 'rank', mnt], { env: { ...process.env, FAIRFS_RUN_ID: runId } });
  t.equal(rank.code, 0, rank.stderr);

  writeFileSync(go, '');
  t.equal(await exited, 0, out);
  const shown = await fairfsJson<Shown>(h.home, ['show', runId]);
  t.same(shown.inputs.map((i) => i.product).sort(), ['SCRC:human/population@0.1.0', 'SCRC:sir/parameters@1.0.0'], "the rank's read is an input; the outsider's alone would not be");
  const outside = shown.processes.filter((p) => p.outside);
  t.equal(outside.length, 1, 'one process outside the run');
  t.match(outside[0]!.command, /^cat \S+\/mnt\/population\.csv$/, 'named by its command line');
  t.ok(shown.processes.some((p) => !p.outside && /^cat .*parameters\.toml/.test(p.command)), "the command's own reader, by command line");
  t.ok(shown.processes.some((p) => !p.outside && /rank/.test(p.command)), 'the rank counts for the run');
  t.ok(shown.refusals.some((r) => r.path === '/result.txt' && /pid \d+ \(sh -c echo no/.test(r.reason)), 'the refused write says whose it was');
  const products = (await fairfsJson<{ name: string }[]>(h.home, ['ls', 'who:*'])).map((p) => p.name);
  t.same(products, ['result'], "the rank's output is registered");
  const log = await fairfs(h.home, ['show', runId]);
  t.match(log.stdout, /processes\n(.*\n)*.*outside the run/);
});

t.test('without a followed tree (fairfs mount), every process counts and is named', async (t) => {
  const { h, config, mnt } = await sessionHome(t);
  t.equal((await fairfs(h.home, ['mount', config, mnt])).code, 0);
  t.teardown(async () => {
    await exec('fusermount3', ['-uz', mnt]).catch(() => undefined);
  });
  t.equal((await exec('cat', [join(mnt, 'population.csv')])).code, 0);
  const log = await exec('cat', [join(mnt, '.fair', 'log.jsonl')]);
  const rows = log.stdout.trim().split('\n').map((l) => JSON.parse(l) as { op: string; path: string; pid: number | null; command: string | null });
  const open = rows.find((r) => r.op === 'open' && r.path === '/population.csv');
  t.ok(open?.pid && open.pid > 0, 'the journal has the pid');
  t.match(open?.command, new RegExp(`^cat ${mnt}/population\\.csv$`), 'and the command line');
  t.equal((await fairfs(h.home, ['unmount', mnt])).code, 0);
  const [run] = await fairfsJson<{ run_id: string }[]>(h.home, ['runs']);
  const shown = await fairfsJson<Shown>(h.home, ['show', run!.run_id]);
  t.same(shown.inputs.map((i) => i.product), ['SCRC:human/population@0.1.0']);
});

t.test('fairfs mount --follow PID: only that process tree makes the run; others are outside', async (t) => {
  const { h, config, mnt } = await sessionHome(t);
  const go = join(h.dir, 'go');
  // The followed shell waits for the mount, then its children read an input and write the output.
  const followed = spawn('sh', ['-c', `while [ ! -e ${JSON.stringify(go)} ]; do sleep 0.05; done; cat "$1/parameters.toml" > /dev/null && echo mine > "$1/result.txt"`, 'model', mnt], { stdio: 'ignore' });
  const finished = new Promise<number | null>((r) => followed.on('exit', r));
  t.teardown(() => {
    followed.kill();
  });
  const bad = await fairfs(h.home, ['mount', config, mnt, '--follow', 'abc']);
  t.equal(bad.code, 64, 'a follow that is not a pid is a usage error');
  t.match(bad.stderr, /--follow takes a process id/);
  t.equal((await fairfs(h.home, ['mount', config, mnt, '--follow', String(followed.pid)])).code, 0);
  t.teardown(async () => {
    await exec('fusermount3', ['-uz', mnt]).catch(() => undefined);
  });
  t.equal((await exec('cat', [join(mnt, 'population.csv')])).code, 0, 'another process may read');
  const refused = await exec('sh', ['-c', 'echo theirs > "$1/other.txt"', 'sh', mnt]);
  t.match(refused.stderr, /Permission denied/, 'but not write');
  writeFileSync(go, '');
  t.equal(await finished, 0, 'the followed tree read and wrote');
  t.equal((await fairfs(h.home, ['unmount', mnt])).code, 0);
  const [run] = await fairfsJson<{ run_id: string }[]>(h.home, ['runs']);
  const shown = await fairfsJson<Shown & { outputs: { product: string }[] }>(h.home, ['show', run!.run_id]);
  t.same(shown.inputs.map((i) => i.product), ['SCRC:sir/parameters@1.0.0'], "only the followed tree's read is an input");
  t.same(shown.outputs.map((o) => o.product), ['who:result@0.0.1']);
  t.ok(shown.processes.some((p) => p.outside && /^cat /.test(p.command)), 'the outside reader is listed as outside');
  t.ok(shown.refusals.some((r) => r.path === '/other.txt' && /not part of the run/.test(r.reason)), 'the outside write is journalled as refused');
});
