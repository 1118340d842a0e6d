import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { cliPath, exec, fairfs, fairfsJson } from '../helpers/cli.js';
import { exampleHome } from '../helpers/home.js';
import { fuseMountpoints, mountSession, waitFor } from '../helpers/mount.js';

/*
 * Several homes on one machine: what home B does must never touch home A's
 * live session, and no failure leaves a run `running`.
 */

interface RunRow {
  run_id: string;
  status: string;
}

const mountSource = (mnt: string): string | undefined =>
  readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .find((l) => l.split(' ')[4] === mnt)
    ?.split(' - ')[1]
    ?.split(' ')[1];

t.test("home B's recover, doctor, mount and unmount leave home A's live, busy session alone", async (t) => {
  const a = await exampleHome(t);
  const b = await exampleHome(t);
  const mnt = join(a.dir, 'mnt');
  await mountSession(t, a.home, join(a.example, 'config.yaml'), mnt);
  const [runA] = await fairfsJson<RunRow[]>(a.home, ['runs']);
  t.match(mountSource(mnt), new RegExp(`^fairfs:run:${runA!.run_id}:\\d+:\\d+:`), 'the mount names its run and serving process');
  t.ok(mountSource(mnt)!.endsWith(encodeURIComponent(a.home)), 'and its home');

  // A holds an input open: the session is busy.
  const holder = spawn('sh', ['-c', `exec 3< "${join(mnt, 'inputs', 'population.csv')}"; exec sleep 30`], { stdio: 'ignore' });
  t.teardown(() => holder.kill('SIGKILL'));
  await sleep(300);

  const recover = await fairfs(b.home, ['recover']);
  t.equal(recover.code, 0, recover.stderr);
  t.match(recover.stderr, new RegExp(`left alone: ${mnt}, live, run ${runA!.run_id.slice(0, 12)} of home ${a.home}`), 'recover names the owner');
  t.ok(fuseMountpoints().includes(mnt), "B's recover did not unmount A's session");
  const recoverAll = await fairfs(b.home, ['recover', '--all']);
  t.equal(recoverAll.code, 0);
  t.ok(fuseMountpoints().includes(mnt), 'not even with --all: it is live');

  const doctor = await fairfs(b.home, ['doctor']);
  t.equal(doctor.code, 0, doctor.stdout);
  t.match(doctor.stdout, new RegExp(`other sessions\\s+${mnt}: live, run ${runA!.run_id.slice(0, 12)} of home ${a.home}`));

  const mountB = await fairfs(b.home, ['mount', join(b.example, 'config.yaml'), mnt]);
  t.equal(mountB.code, 73, "B cannot mount over A's live session");
  t.match(mountB.stderr, /already mounted by run .* of home/);
  t.same(await fairfsJson<RunRow[]>(b.home, ['runs']), [], 'and the refused mount left no run in B');

  const unmountB = await fairfs(b.home, ['unmount', mnt]);
  t.equal(unmountB.code, 66);
  t.match(unmountB.stderr, new RegExp(`FAIRFS_HOME=${a.home} fairfs unmount`), "B's unmount points to A's home");
  t.ok(fuseMountpoints().includes(mnt), 'still mounted');

  holder.kill('SIGKILL');
  await new Promise((r) => holder.once('exit', r));
  const unmountA = await fairfs(a.home, ['unmount', mnt]);
  t.equal(unmountA.code, 0, unmountA.stderr);
  const [after] = await fairfsJson<RunRow[]>(a.home, ['runs']);
  t.equal(after!.status, 'completed', "A's run finalised normally");
});

t.test('a dead mount of another home is reported, removed only by recover --all; its own home links what it read', async (t) => {
  const a = await exampleHome(t);
  const b = await exampleHome(t);
  const mnt = join(a.dir, 'mnt');
  const live = await mountSession(t, a.home, join(a.example, 'config.yaml'), mnt);
  const cat = await exec('cat', [join(mnt, 'inputs', 'population.csv')]);
  t.equal(cat.code, 0);
  await sleep(400); // the journal flushes every ~100 ms
  live.daemon.kill('SIGKILL');
  await live.exited;

  const recoverB = await fairfs(b.home, ['recover']);
  t.equal(recoverB.code, 0);
  t.match(recoverB.stderr, /dead mount of another home: .*its daemon \(pid \d+\) is gone.*fairfs recover --all/);
  t.ok(fuseMountpoints().includes(mnt), 'reported, not removed');
  const doctorB = await fairfs(b.home, ['doctor']);
  t.equal(doctorB.code, 73);
  t.match(doctorB.stdout, /stale mounts .*of home .*fix: fairfs recover --all/s);

  const all = await fairfs(b.home, ['recover', '--all']);
  t.equal(all.code, 0);
  t.match(all.stderr, /removed dead fairfs mount/);
  t.notOk(fuseMountpoints().includes(mnt), 'removed with --all');

  const recoverA = await fairfs(a.home, ['recover']);
  t.equal(recoverA.code, 0, recoverA.stderr);
  t.match(recoverA.stderr, /marked aborted.*1 input\(s\) it read linked/);
  const [run] = await fairfsJson<RunRow[]>(a.home, ['runs']);
  t.equal(run!.status, 'aborted');
  const shown = await fairfsJson<{ inputs: { product: string }[] }>(a.home, ['show', run!.run_id]);
  t.same(shown.inputs.map((i) => i.product), ['SCRC:human/population@0.1.0'], 'the crashed run keeps what it read');
});

t.test('a refused mount leaves no run behind and exits 73', async (t) => {
  const h = await exampleHome(t);
  const config = join(h.example, 'config.yaml');
  const full = join(h.dir, 'full');
  mkdirSync(full);
  writeFileSync(join(full, 'x'), 'x');
  const file = join(h.dir, 'a-file');
  writeFileSync(file, 'not a directory');
  const mnt = join(h.dir, 'mnt');
  await mountSession(t, h.home, config, mnt);
  const before = (await fairfsJson<RunRow[]>(h.home, ['runs'])).length;
  for (const [what, dir, message] of [
    ['non-empty mountpoint', full, /is not empty/],
    ['a regular file as mountpoint', file, /is not a directory/],
    ['already mounted', mnt, /already mounted by run/],
  ] as const) {
    for (const cmd of [['mount', config, dir], ['run', config, '--mount', dir, '--', 'true']]) {
      const r = await fairfs(h.home, cmd);
      t.equal(r.code, 73, `${cmd[0]} on ${what}: 73`);
      t.match(r.stderr, message);
      t.notMatch(r.stderr, /internal error|this is a bug/);
    }
  }
  t.equal((await fairfsJson<RunRow[]>(h.home, ['runs'])).length, before, 'no run was created by any refused mount');
  t.equal((await fairfs(h.home, ['unmount', mnt])).code, 0, 'the live session was untouched and finalises');
});

t.test('fairfs run: a signal reaches the whole process group, no orphan survives', async (t) => {
  const h = await exampleHome(t);
  const pidFile = join(h.dir, 'pids');
  const child = spawn(process.execPath, [cliPath, 'run', join(h.example, 'config.yaml'), '--',
    'sh', '-c', `sleep 30 & echo $! > "${pidFile}"; trap '' TERM; wait`], { env: { ...process.env, FAIRFS_HOME: h.home }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  t.teardown(() => child.kill('SIGKILL'));
  await waitFor(() => {
    try {
      return statSync(pidFile).size > 0;
    } catch {
      return false;
    }
  }, 'the background sleep');
  const sleeper = Number(readFileSync(pidFile, 'utf8'));
  child.kill('SIGTERM');
  const code = await exited;
  t.type(code, 'number', err);
  let alive = true;
  try {
    process.kill(sleeper, 0);
  } catch {
    alive = false;
  }
  t.notOk(alive, 'the sleep started by the command is gone too (the shell itself ignored TERM and was killed)');
  const [run] = await fairfsJson<RunRow[]>(h.home, ['runs']);
  t.equal(run!.status, 'aborted');
});

t.test('--strict and undeclared_writes: reject refuse only undeclared files', async (t) => {
  const h = await exampleHome(t);
  const ok = await fairfs(h.home, ['run', join(h.example, 'config.yaml'), '--strict', '--', 'python3', join(h.example, 'model.py'), '$FAIRFS_MOUNT'], {
    cwd: h.example,
  });
  // model.py takes the mount as its argument: give it through a shell.
  const viaShell = await fairfs(h.home, ['run', join(h.example, 'config.yaml'), '--strict', '--', 'sh', '-c', `python3 "${join(h.example, 'model.py')}" "$FAIRFS_MOUNT"`]);
  t.equal(viaShell.code, 0, viaShell.stderr);
  t.ok(ok.code !== null);
  const refused = await fairfs(h.home, ['run', join(h.example, 'config.yaml'), '--strict', '--', 'sh', '-c', 'echo x > "$FAIRFS_MOUNT/outputs/extra.txt"']);
  t.not(refused.code, 0, 'an undeclared file is refused');
  t.match(refused.stderr, /undeclared write to \/outputs\/extra\.txt refused/);
});

t.test('a name over 255 bytes gets ENAMETOOLONG; the run still completes', async (t) => {
  const h = await exampleHome(t);
  const long = 'n'.repeat(300);
  const r = await fairfs(h.home, ['run', join(h.example, 'config.yaml'), '--', 'python3', '-c',
    `import os,errno,sys\nm=os.environ['FAIRFS_MOUNT']\ntry:\n  open(os.path.join(m,'${long}.txt'),'w')\nexcept OSError as e:\n  print(errno.errorcode[e.errno]); sys.exit(0)\nsys.exit(9)`]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /ENAMETOOLONG/);
  const [run] = await fairfsJson<RunRow[]>(h.home, ['runs']);
  t.equal(run!.status, 'completed');
});

t.test('the home, the registry and settings are private; token --out writes 0600', async (t) => {
  const h = await exampleHome(t);
  const mode = (p: string): number => statSync(p).mode & 0o777;
  t.equal(mode(h.home), 0o700, 'home 0700');
  for (const f of ['registry.db', 'registry.db-wal', 'registry.db-shm', 'settings.yaml']) {
    try {
      t.equal(mode(join(h.home, f)), 0o600, `${f} 0600`);
    } catch {
      t.ok(f.endsWith('-shm') || f.endsWith('-wal'), `${f} absent between connections`);
    }
  }
  const out = join(h.dir, 'token');
  const made = await fairfs(h.home, ['registry', 'token', 'create', '--out', out]);
  t.equal(made.code, 0, made.stderr);
  t.equal(made.stdout, '', 'the token is not printed');
  t.equal(mode(out), 0o600, 'token file 0600');
  t.match(readFileSync(out, 'utf8'), /^[0-9a-f]{40}\n$/);
});
