#!/usr/bin/env node
// fairfs benchmark: the same workloads, in one run, on a native directory, a
// bindfs passthrough FUSE mount (C, libfuse) and a fairfs session on each
// backend (fuse2: fuse-native on libfuse 2.9; fuse3: the native addon).
// Prints a markdown table of rates and ratios. Run with `npm run bench`.
// Options: --quick (smaller sizes, no 100,000-product catalog).
import { spawn } from 'node:child_process';
import { median, run, timed } from './lib.mjs';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'bundle', 'fairfs.mjs');
const example = join(root, 'examples', 'sir-model');
const quick = process.argv.includes('--quick');
const BIG_MB = quick ? 128 : 1024;
const SMALL_FILES = quick ? 500 : 2000;
const STAT_ENTRIES = quick ? 2000 : 10000;
const MODEL_RUNS = quick ? 5 : 15;
const FLUSHED_WRITES = 30000;
const CATALOG_PRODUCTS = quick ? 2000 : 10000;
const BIG_CATALOG_PRODUCTS = quick ? 0 : 100000;

const mounted = (mnt) => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === mnt);
async function waitMounted(mnt) {
  for (let i = 0; i < 400 && !mounted(mnt); i++) await new Promise((r) => setTimeout(r, 25));
  if (!mounted(mnt)) throw new Error(`${mnt} did not mount`);
}
const fusermount = async (mnt) => run('fusermount3', ['-uz', mnt]).catch(() => run('fusermount', ['-uz', mnt]));

const work = mkdtempSync(join(process.env.FAIRFS_BENCH_DIR ?? tmpdir(), 'fairfs-bench-'));
const home = join(work, 'home');
const envFor = (h) => ({ ...process.env, FAIRFS_HOME: h });
const fairfsIn = (h, args, opts = {}) => run(process.execPath, [cli, ...args], { env: envFor(h), ...opts });
const fairfs = (args, opts) => fairfsIn(home, args, opts);

/** The fairfs backends that load here (fuse3 needs the addon the set-up builds), as `fairfs doctor` says. */
async function loadableBackends() {
  const out = await fairfs(['doctor']).catch((err) => String(err.message));
  return /^ok\s+fuse3\b/m.test(out) ? ['fuse2', 'fuse3'] : ['fuse2'];
}

const targets = { native: join(work, 'native'), bindfs: join(work, 'bindfs') };
const daemons = {};
const bindBacking = join(work, 'bind-backing');

async function setup(backends) {
  for (const b of backends) targets[`fairfs-${b}`] = join(work, `fairfs-${b}`);
  for (const dir of [...Object.values(targets), bindBacking]) mkdirSync(dir, { recursive: true });
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
  for (const b of backends) {
    const mnt = targets[`fairfs-${b}`];
    // Started as users start it: `fairfs mount` daemonises and names the daemon's pid.
    const said = await runBoth(process.execPath, [cli, '--backend', b, 'mount', config, mnt], { env: envFor(home) });
    const pid = Number(/daemon pid (\d+)/.exec(said)?.[1]);
    if (!pid) throw new Error(`fairfs mount did not name its daemon: ${said}`);
    daemons[b] = { pid };
    await waitMounted(mnt);
  }
  // The legacy-model write pattern: many short lines, each flushed with a write(2) of its own.
  writeFileSync(
    join(work, 'flushed.c'),
    `#include <stdio.h>
int main(int argc, char **argv) {
  FILE *f = fopen(argv[1], "w");
  if (!f) return 1;
  for (int i = 0; i < ${FLUSHED_WRITES}; i++) { fprintf(f, "t=%06d x=%.4f\\n", i, i * 0.25); fflush(f); }
  return fclose(f) != 0;
}
`,
  );
  await run('cc', ['-O2', '-o', join(work, 'flushed'), join(work, 'flushed.c')]);
}

const unmountAll = async () => {
  for (const mnt of Object.values(targets)) if (mounted(mnt)) await fusermount(mnt);
};

async function teardown() {
  for (const [b, d] of Object.entries(daemons)) {
    const mnt = targets[`fairfs-${b}`];
    if (alive(d.pid) && mounted(mnt)) await fairfs(['unmount', mnt, '--abort', '--force']).catch((err) => console.error(`fairfs unmount failed: ${err.message}`));
  }
  await unmountAll();
  rmSync(work, { recursive: true, force: true });
}

const python = (code, ...args) => run('python3', ['-c', code, ...args]);

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Run to completion and resolve stdout and stderr together (fairfs mount reports on stderr). */
function runBoth(cmd, args, opts) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolvePromise(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${out}`))));
  });
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
    name: `${FLUSHED_WRITES.toLocaleString('en')} flushed ~20-byte writes (C, fprintf + fflush)`,
    unit: 'writes/s',
    amount: FLUSHED_WRITES,
    run: (dir) => median(3, () => run(join(work, 'flushed'), [join(dir, 'flushed.log')])),
  },
  {
    name: `${SMALL_FILES} small files written (4 KiB each)`,
    unit: 'files/s',
    amount: SMALL_FILES,
    run: (dir) =>
      timed(() =>
        python(
          `import os,sys\nd=os.path.join(sys.argv[1],'small')\nos.makedirs(d,exist_ok=True)\nb=b'x'*4096\nfor i in range(${SMALL_FILES}):\n  f=open(os.path.join(d,f'{i}.dat'),'wb');f.write(b);f.close()`,
          dir,
        ),
      ),
  },
  {
    name: `stat of ${STAT_ENTRIES} entries`,
    unit: 'stats/s',
    amount: STAT_ENTRIES,
    prepare: (dir) => python(`import os,sys\nd=os.path.join(sys.argv[1],'many')\nos.makedirs(d,exist_ok=True)\nfor i in range(${STAT_ENTRIES}): open(os.path.join(d,str(i)),'wb').close()`, dir),
    run: (dir) => median(3, () => python(`import os,sys\nd=os.path.join(sys.argv[1],'many')\nfor i in range(${STAT_ENTRIES}): os.stat(os.path.join(d,str(i)))`, dir)),
  },
  {
    // A program probing its search path (Python's imports, a compiler's include path): names that are not there.
    name: `lookup of ${STAT_ENTRIES} missing names`,
    unit: 'lookups/s',
    amount: STAT_ENTRIES,
    prepare: (dir) => python(`import os,sys\nos.makedirs(os.path.join(sys.argv[1],'probe'),exist_ok=True)`, dir),
    run: (dir) => median(3, () => python(`import os,sys\nd=os.path.join(sys.argv[1],'probe')\nfor i in range(${STAT_ENTRIES}): os.path.exists(os.path.join(d,f'missing{i}.py'))`, dir)),
  },
  {
    name: `example model (median of ${MODEL_RUNS} runs)`,
    unit: 'ms',
    amount: 1,
    run: (dir) => median(MODEL_RUNS, () => run('python3', [join(example, 'model.py'), dir])),
  },
];

const fmt = (n) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
const cell = (row, s) => (s === undefined ? '–' : row.unit === 'ms' ? `${(s * 1000).toFixed(0)} ms` : row.unit === 's' ? `${s.toFixed(2)} s` : `${fmt(row.amount / s)} ${row.unit}`);

/** Peak resident memory of a process so far (VmHWM), in MiB. */
function peakRssMiB(pid) {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** A registry of `count` tiny products in 1% groups (three entries each in the catalog: dir, version, latest). */
async function catalogHome(count) {
  const h = join(work, `catalog-${count}`);
  const src = join(work, `catalog-src-${count}`);
  await python(
    `import os,sys\nn=int(sys.argv[2])\nfor i in range(n):\n  d=os.path.join(sys.argv[1],f'g{i%100}')\n  os.makedirs(d,exist_ok=True)\n  open(os.path.join(d,f'p{i}.csv'),'w').write(f'a,b\\n{i},{i}\\n')`,
    src,
    String(count),
  );
  await fairfsIn(h, ['add', src, 'bench:catalog@1.0.0']);
  rmSync(src, { recursive: true, force: true });
  return h;
}

/** `find` and `ls -R` of a catalog mount on each backend (first listing and repeated) against a native copy. */
async function catalogRows(count, backends) {
  const h = await catalogHome(count);
  const seconds = {};
  let copied = false;
  const nativeCopy = join(work, `catalog-copy-${count}`);
  for (const b of backends) {
    const mnt = join(work, `catalog-${b}-${count}`);
    mkdirSync(mnt, { recursive: true });
    await fairfsIn(h, ['--backend', b, 'mount', mnt, '--catalog']);
    try {
      seconds[b] = { first: await timed(() => run('find', [mnt])) };
      seconds[b].find = await median(3, () => run('find', [mnt]));
      seconds[b].ls = await median(3, () => run('sh', ['-c', `ls -R "${mnt}" > /dev/null`]));
      if (!copied) {
        await run('cp', ['-a', `${mnt}/.`, nativeCopy]);
        copied = true;
      }
    } finally {
      await fairfsIn(h, ['unmount', mnt]);
    }
  }
  seconds.native = {
    first: await timed(() => run('find', [nativeCopy])),
    find: await median(3, () => run('find', [nativeCopy])),
    ls: await median(3, () => run('sh', ['-c', `ls -R "${nativeCopy}" > /dev/null`])),
  };
  rmSync(nativeCopy, { recursive: true, force: true });
  rmSync(h, { recursive: true, force: true });
  const label = count.toLocaleString('en');
  return [
    { workload: `catalog of ${label} products: first \`find\` after mounting (native: the copy, warm)`, key: 'first' },
    { workload: `catalog of ${label} products: \`find\`, repeated`, key: 'find' },
    { workload: `catalog of ${label} products: \`ls -R\`, repeated`, key: 'ls' },
  ].map(({ workload, key }) => ({
    workload,
    unit: 's',
    amount: 1,
    seconds: Object.fromEntries(Object.entries(seconds).map(([t, s]) => [t === 'native' ? 'native' : `fairfs-${t}`, s[key]])),
  }));
}

async function main() {
  console.error(`fairfs bench: ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, work dir ${work}${quick ? ' (quick)' : ''}`);
  const backends = await loadableBackends();
  if (!backends.includes('fuse3')) console.error('fairfs bench: the fuse3 backend does not load here; its column stays empty');
  await setup(backends);
  const columns = ['native', 'bindfs', ...backends.map((b) => `fairfs-${b}`)];
  const rows = [];
  let streamingRss = null;
  for (const w of workloads) {
    const seconds = {};
    for (const name of columns) {
      const dir = targets[name];
      if (w.prepare) await w.prepare(dir);
      // Each column starts with no dirty pages of the one before (a 1 GiB write leaves seconds of write-back behind).
      await run('sync', []);
      seconds[name] = await w.run(dir);
      console.error(`  ${w.name} on ${name}: ${seconds[name].toFixed(3)} s`);
    }
    rows.push({ workload: w.name, unit: w.unit, amount: w.amount, seconds });
    // The target is the daemon's memory while the big file streams: taken once both directions have run.
    if (w.name.startsWith('sequential read') && w.name.includes('repeated')) {
      streamingRss = Object.fromEntries(backends.map((b) => [`fairfs-${b}`, peakRssMiB(daemons[b].pid)]));
    }
  }
  const rss = Object.fromEntries(backends.map((b) => [`fairfs-${b}`, peakRssMiB(daemons[b].pid)]));
  // Finalise: every output of the workloads above hashed, stored and registered (the write rows' other half).
  const finalise = {};
  for (const b of backends) {
    await run('sync', []);
    finalise[`fairfs-${b}`] = await timed(() => fairfs(['unmount', targets[`fairfs-${b}`]]));
    console.error(`  finalise on fairfs-${b}: ${finalise[`fairfs-${b}`].toFixed(3)} s`);
  }
  rows.push({ workload: `unmount: finalise every output above (hash, store, register; ${BIG_MB} MiB + ${SMALL_FILES + STAT_ENTRIES} files)`, unit: 's', amount: 1, seconds: finalise });

  // `fairfs run` end to end: mount + model + finalise, against the model on a native dir.
  const e2e = { native: rows.find((r) => r.unit === 'ms').seconds.native };
  for (const b of backends) {
    e2e[`fairfs-${b}`] = await median(3, () =>
      run('sh', ['-c', `"${process.execPath}" "${cli}" --backend ${b} run "${join(example, 'config.yaml')}" -- sh -c 'python3 "${join(example, 'model.py')}" "$FAIRFS_MOUNT"'`], { env: envFor(home) }),
    );
  }
  rows.push({ workload: '`fairfs run` of the example model, end to end (native: the model alone)', unit: 'ms', amount: 1, seconds: e2e });

  // A big output end to end: written, hashed, stored and registered, against the same dd on a native dir.
  await run('sync', []);
  const bigWrite = { native: await timed(() => run('dd', ['if=/dev/zero', `of=${join(targets.native, 'seq-e2e.bin')}`, 'bs=1M', `count=${BIG_MB}`])) };
  for (const b of backends) {
    await run('sync', []);
    bigWrite[`fairfs-${b}`] = await timed(() =>
      run('sh', ['-c', `"${process.execPath}" "${cli}" --backend ${b} run "${join(work, 'bench.yaml')}" -- sh -c 'dd if=/dev/zero of="$FAIRFS_MOUNT/seq-e2e.bin" bs=1M count=${BIG_MB} 2>/dev/null'`], { env: envFor(home) }),
    );
  }
  rows.push({ workload: `\`fairfs run\` of dd writing ${BIG_MB} MiB, end to end: written, hashed, stored, registered (native: dd alone)`, unit: 'MiB/s', amount: BIG_MB, seconds: bigWrite });

  // `fairfs add` of a folder of small files: one process, one transaction (against `cp -r` of it).
  const folder = join(work, 'to-add');
  await python(`import os,sys\nos.makedirs(sys.argv[1])\nfor i in range(${SMALL_FILES}): open(os.path.join(sys.argv[1],f'f{i}.csv'),'w').write(f'a,b\\n{i},{i}\\n')`, folder);
  const copied = await timed(() => run('cp', ['-r', folder, join(work, 'to-add-copy')]));
  const added = await timed(() => fairfs(['add', folder, 'bench:added@1.0.0']));
  const addRow = { workload: `\`fairfs add\` of a folder of ${SMALL_FILES} small files (native: \`cp -r\`)`, unit: 'files/s', amount: SMALL_FILES, seconds: { native: copied } };
  for (const b of backends) addRow.seconds[`fairfs-${b}`] = added;
  rows.push(addRow);

  rows.push(...(await catalogRows(CATALOG_PRODUCTS, backends)));
  if (BIG_CATALOG_PRODUCTS) rows.push(...(await catalogRows(BIG_CATALOG_PRODUCTS, backends.filter((b) => b === 'fuse3'))));

  const fairfsColumns = columns.filter((c) => c.startsWith('fairfs-'));
  const lines = [
    `| workload | ${columns.join(' | ')} | ${fairfsColumns.map((c) => `${c} ÷ native (time)`).join(' | ')} |`,
    `|---|${columns.map(() => '---').join('|')}|${fairfsColumns.map(() => '---').join('|')}|`,
  ];
  for (const r of rows) {
    const ratio = (c) => (r.seconds[c] !== undefined && r.seconds.native ? `${(r.seconds[c] / r.seconds.native).toFixed(2)}×` : '–');
    lines.push(`| ${r.workload} | ${columns.map((c) => cell(r, r.seconds[c])).join(' | ')} | ${fairfsColumns.map(ratio).join(' | ')} |`);
  }
  if (streamingRss) {
    lines.push(`| daemon peak RSS while ${BIG_MB} MiB streams each way | – | – | ${fairfsColumns.map((c) => `${streamingRss[c].toFixed(0)} MiB`).join(' | ')} | ${fairfsColumns.map(() => '–').join(' | ')} |`);
  }
  lines.push(`| daemon peak RSS over the whole run (then ${(SMALL_FILES + STAT_ENTRIES).toLocaleString("en")} files more) | – | – | ${fairfsColumns.map((c) => `${rss[c].toFixed(0)} MiB`).join(' | ')} | ${fairfsColumns.map(() => '–').join(' | ')} |`);
  console.log(lines.join('\n'));
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(teardown);
