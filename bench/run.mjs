#!/usr/bin/env node
// fairfs benchmark: the same workloads, in one run, on a native directory, a
// bindfs passthrough FUSE mount (C, libfuse) and a fairfs session mount.
// Prints wall times and ratios. Run with `npm run bench` (needs root for bindfs
// only if /dev/fuse is restricted). Options: --quick (smaller sizes).
import { spawn } from 'node:child_process';
import { median, run, timed } from './lib.mjs';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir, cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'cli', 'main.js');
const example = join(root, 'examples', 'sir-model');
const quick = process.argv.includes('--quick');
const BIG_MB = quick ? 128 : 1024;
const SMALL_FILES = quick ? 500 : 2000;
const STAT_ENTRIES = quick ? 2000 : 10000;
const MODEL_RUNS = quick ? 5 : 15;

const mounted = (mnt) => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === mnt);
async function waitMounted(mnt) {
  for (let i = 0; i < 400 && !mounted(mnt); i++) await new Promise((r) => setTimeout(r, 25));
  if (!mounted(mnt)) throw new Error(`${mnt} did not mount`);
}
const fusermount = async (mnt) => run('fusermount3', ['-uz', mnt]).catch(() => run('fusermount', ['-uz', mnt]));

const work = mkdtempSync(join(process.env.FAIRFS_BENCH_DIR ?? tmpdir(), 'fairfs-bench-'));
const home = join(work, 'home');
const env = { ...process.env, FAIRFS_HOME: home };
const fairfs = (args, opts = {}) => run(process.execPath, [cli, ...args], { env, ...opts });
const targets = {
  native: join(work, 'native'),
  bindfs: join(work, 'bindfs'),
  fairfs: join(work, 'fairfs'),
};
const bindBacking = join(work, 'bind-backing');
let daemon;

async function setup() {
  for (const dir of [targets.native, targets.bindfs, targets.fairfs, bindBacking]) mkdirSync(dir, { recursive: true });
  // Inputs: the example's two files plus one BIG_MB file, in every target.
  const big = join(work, 'big-input.bin');
  await run('sh', ['-c', `head -c ${BIG_MB * 1048576} /dev/urandom > "${big}"`]);
  for (const dir of [targets.native, bindBacking]) {
    mkdirSync(join(dir, 'inputs'), { recursive: true });
    copyFileSync(join(example, 'data', 'population.csv'), join(dir, 'inputs', 'population.csv'));
    copyFileSync(join(example, 'data', 'parameters.toml'), join(dir, 'inputs', 'parameters.toml'));
    copyFileSync(big, join(dir, 'inputs', 'big.bin'));
  }
  await run('bindfs', ['--no-allow-other', bindBacking, targets.bindfs]);
  await waitMounted(targets.bindfs);

  await fairfs(['init']);
  await fairfs(['add', join(example, 'data', 'population.csv'), 'SCRC:human/population@0.1.0']);
  await fairfs(['add', join(example, 'data', 'parameters.toml'), 'SCRC:sir/parameters@1.0.0']);
  await fairfs(['add', big, 'bench:big@1.0.0']);
  rmSync(big);
  const config = join(work, 'bench.yaml');
  writeFileSync(
    config,
    `run_metadata:
  description: fairfs benchmark
  default_input_namespace: SCRC
  default_output_namespace: bench
read:
  - data_product: inputs/population
    use: { data_product: human/population }
  - data_product: inputs/parameters
    use: { data_product: sir/parameters }
  - data_product: inputs/big
    path: inputs/big.bin
    use: { namespace: bench, data_product: big }
`,
  );
  daemon = spawn(process.execPath, [cli, 'mount', config, targets.fairfs, '-f'], { env, stdio: 'ignore' });
  await waitMounted(targets.fairfs);
}

async function teardown() {
  try {
    if (daemon && mounted(targets.fairfs)) await fairfs(['unmount', targets.fairfs, '--abort', '--force']);
  } catch (err) {
    console.error(`fairfs unmount failed: ${err.message}`);
  }
  for (const mnt of [targets.fairfs, targets.bindfs]) if (mounted(mnt)) await fusermount(mnt);
  rmSync(work, { recursive: true, force: true });
}

const workloads = [
  {
    name: `sequential write ${BIG_MB} MiB (dd bs=1M)`,
    unit: 'MiB/s',
    amount: BIG_MB,
    run: (dir) => median(1, () => run('dd', ['if=/dev/zero', `of=${join(dir, 'seq.bin')}`, 'bs=1M', `count=${BIG_MB}`])),
  },
  {
    // First read through each mount: the backing file is in the page cache, the mount's own cache is cold.
    name: `sequential read ${BIG_MB} MiB, first (dd bs=1M)`,
    unit: 'MiB/s',
    amount: BIG_MB,
    run: (dir) => timed(() => run('dd', [`if=${join(dir, 'inputs', 'big.bin')}`, 'of=/dev/null', 'bs=1M'])),
  },
  {
    // Inputs are immutable, so fairfs keeps the kernel page cache across opens.
    name: `sequential read ${BIG_MB} MiB, repeated (dd bs=1M)`,
    unit: 'MiB/s',
    amount: BIG_MB,
    run: (dir) => median(3, () => run('dd', [`if=${join(dir, 'inputs', 'big.bin')}`, 'of=/dev/null', 'bs=1M'])),
  },
  {
    name: `${SMALL_FILES} small files written (4 KiB each)`,
    unit: 'files/s',
    amount: SMALL_FILES,
    run: (dir) =>
      timed(() =>
        run('python3', [
          '-c',
          `import os,sys\nd=os.path.join(sys.argv[1],'small')\nos.makedirs(d,exist_ok=True)\nb=b'x'*4096\nfor i in range(${SMALL_FILES}):\n  f=open(os.path.join(d,f'{i}.dat'),'wb');f.write(b);f.close()`,
          dir,
        ]),
      ),
  },
  {
    name: `stat of ${STAT_ENTRIES} entries`,
    unit: 'stats/s',
    amount: STAT_ENTRIES,
    prepare: (dir) =>
      run('python3', ['-c', `import os,sys\nd=os.path.join(sys.argv[1],'many')\nos.makedirs(d,exist_ok=True)\nfor i in range(${STAT_ENTRIES}): open(os.path.join(d,str(i)),'wb').close()`, dir]),
    run: (dir) =>
      median(3, () =>
        run('python3', ['-c', `import os,sys\nd=os.path.join(sys.argv[1],'many')\nfor i in range(${STAT_ENTRIES}): os.stat(os.path.join(d,str(i)))`, dir]),
      ),
  },
  {
    name: `example model (median of ${MODEL_RUNS} runs)`,
    unit: 'runs/s',
    amount: 1,
    run: (dir) => median(MODEL_RUNS, () => run('python3', [join(example, 'model.py'), dir])),
  },
];

function fmt(n) {
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}

async function main() {
  console.error(`fairfs bench: ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, work dir ${work}${quick ? ' (quick)' : ''}`);
  await setup();
  const rows = [];
  for (const w of workloads) {
    const seconds = {};
    for (const [name, dir] of Object.entries(targets)) {
      if (w.prepare) await w.prepare(dir);
      seconds[name] = await w.run(dir);
      console.error(`  ${w.name} on ${name}: ${seconds[name].toFixed(3)} s`);
    }
    rows.push({ workload: w.name, unit: w.unit, amount: w.amount, seconds });
  }
  // `fairfs run` end to end: mount + model + finalise, against the model on a native dir.
  const e2e = await median(3, () =>
    run('sh', ['-c', `"${process.execPath}" "${cli}" run "${join(example, 'config.yaml')}" -- sh -c 'python3 "${join(example, 'model.py')}" "$FAIRFS_MOUNT"'`], { env }),
  );
  const lines = [
    '| workload | native | bindfs | fairfs | fairfs ÷ native (time) | fairfs vs bindfs (throughput) |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const rate = (s) => `${fmt(r.amount / s)} ${r.unit}`;
    const cell = (s) => (r.unit === 'runs/s' ? `${(s * 1000).toFixed(0)} ms` : rate(s));
    lines.push(
      `| ${r.workload} | ${cell(r.seconds.native)} | ${cell(r.seconds.bindfs)} | ${cell(r.seconds.fairfs)} | ${(r.seconds.fairfs / r.seconds.native).toFixed(2)}× | ${(r.seconds.bindfs / r.seconds.fairfs).toFixed(2)}× |`,
    );
  }
  const native = rows.at(-1).seconds.native;
  lines.push(`| \`fairfs run\` end to end (mount + model + finalise) | ${(native * 1000).toFixed(0)} ms | – | ${(e2e * 1000).toFixed(0)} ms | ${(e2e / native).toFixed(2)}× | – |`);
  // `fairfs add` of a folder of small files: one process, one transaction (against `cp -r` of it).
  const folder = join(work, 'to-add');
  await run('python3', ['-c', `import os,sys\nos.makedirs(sys.argv[1])\nfor i in range(${SMALL_FILES}): open(os.path.join(sys.argv[1],f'f{i}.csv'),'w').write(f'a,b\\n{i},{i}\\n')`, folder]);
  const copied = await timed(() => run('cp', ['-r', folder, join(work, 'to-add-copy')]));
  const added = await timed(() => fairfs(['add', folder, 'bench:added@1.0.0']));
  lines.push(`| \`fairfs add\` of a folder of ${SMALL_FILES} small files (native: \`cp -r\`) | ${fmt(SMALL_FILES / copied)} files/s | – | ${fmt(SMALL_FILES / added)} files/s | ${(added / copied).toFixed(2)}× | – |`);
  console.log(lines.join('\n'));
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(teardown);
