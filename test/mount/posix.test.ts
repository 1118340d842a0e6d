import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { exec, fairfs, fairfsJson } from '../helpers/cli.js';
import { emptyHome } from '../helpers/home.js';
import { mountSession } from '../helpers/mount.js';

/*
 * The writable area behaves as a local directory for what programs do with
 * files: modes and the exec bit, symbolic and hard links, FIFOs, times to the
 * nanosecond (the patched binding), tar, cp -a and rsync -a.
 */

const CONFIG = 'run_metadata:\n  description: posix\n  default_output_namespace: posix\n';

/** Type, permissions, link count and modification time to the nanosecond of every entry under a folder. */
async function shape(dir: string): Promise<string> {
  const format = '%F %A %h %y';
  const r = await exec('sh', ['-c', 'cd "$1" && find . -mindepth 1 | LC_ALL=C sort | while read -r p; do printf "%s %s\\n" "$p" "$(stat -c "$2" "$p")"; done', 'sh', dir, format]);
  if (r.code !== 0) throw new Error(r.stderr);
  return r.stdout;
}

t.test('modes, links, FIFOs and tar/cp -a on a session match a native folder', async (t) => {
  const h = emptyHome(t);
  const config = join(h.dir, 'config.yaml');
  writeFileSync(config, CONFIG);
  const mnt = join(h.dir, 'mnt');
  const live = await mountSession(t, h.home, config, mnt);

  // A script made executable runs.
  const script = join(mnt, 'run.sh');
  t.equal((await exec('sh', ['-c', 'printf "#!/bin/sh\\necho ran\\n" > "$1" && chmod +x "$1" && "$1"', 'sh', script])).stdout, 'ran\n', 'chmod +x, then ./script');
  t.match((await exec('stat', ['-c', '%A', script])).stdout, /^-rwxr-xr-x/, 'the mode is kept');
  t.equal((await exec('sh', ['-c', 'umask 077 && echo x > "$1" && stat -c %a "$1"', 'sh', join(mnt, 'private.txt')])).stdout, '600\n', 'create honours the umask');

  // Symbolic and hard links.
  t.equal((await exec('ln', ['-s', 'run.sh', join(mnt, 'link.sh')])).code, 0);
  t.equal((await exec('readlink', [join(mnt, 'link.sh')])).stdout, 'run.sh\n');
  t.equal((await exec(join(mnt, 'link.sh'), [])).stdout, 'ran\n', 'through the link');
  t.equal((await exec('ln', [join(mnt, 'private.txt'), join(mnt, 'hard.txt')])).code, 0);
  t.equal((await exec('stat', ['-c', '%h', join(mnt, 'hard.txt')])).stdout, '2\n', 'two names, one file');
  t.equal((await exec('sh', ['-c', 'echo more >> "$1" && cat "$2"', 'sh', join(mnt, 'hard.txt'), join(mnt, 'private.txt')])).stdout, 'x\nmore\n', 'one file under both names');

  // chown as on a local filesystem for root; a size past what a file can hold is EFBIG.
  t.equal((await exec('chown', ['1234:5678', join(mnt, 'hard.txt')])).code, 0, 'root may chown');
  t.equal((await exec('stat', ['-c', '%u %g', join(mnt, 'hard.txt')])).stdout, '1234 5678\n', 'owner and group kept');
  const big = await exec('truncate', ['-s', '999999999999999', join(mnt, 'private.txt')]);
  t.match(big.stderr, /File too large/, 'EFBIG, not EIO');
  t.equal((await exec('stat', ['-c', '%s', join(mnt, 'private.txt')])).stdout, '7\n', 'and the file is unchanged');

  // Every name of a hard link shows one inode (tar and rsync -H find hard links by it); links to links and FIFOs work.
  const inodes = await exec('stat', ['-c', '%i', join(mnt, 'hard.txt'), join(mnt, 'private.txt'), join(mnt, 'run.sh')]);
  const [i1, i2, i3] = inodes.stdout.trim().split('\n');
  t.ok(i1 === i2 && i1 !== i3, `one inode for both names, another for another file (${inodes.stdout.trim().replace(/\n/g, ' ')})`);
  t.equal((await exec('ln', [join(mnt, 'link.sh'), join(mnt, 'link-again.sh')])).code, 0, 'a hard link to a symbolic link');
  t.equal((await exec('readlink', [join(mnt, 'link-again.sh')])).stdout, 'run.sh\n');
  // A name longer than NAME_MAX is ENAMETOOLONG wherever it appears, not ENOENT.
  const long = 'x'.repeat(256);
  t.match((await exec('stat', [join(mnt, long)])).stderr, /File name too long/, 'stat of a too-long name');
  t.match((await exec('stat', [join(mnt, long, 'below')])).stderr, /File name too long/, 'and of a path through one');

  // A FIFO works and is never registered.
  t.equal((await exec('mkfifo', [join(mnt, 'pipe')])).code, 0);
  const fifo = await exec('sh', ['-c', 'echo through > "$1" & cat "$1"; wait', 'sh', join(mnt, 'pipe')]);
  t.equal(fifo.stdout, 'through\n', 'the FIFO carries data');
  t.equal((await exec('ln', [join(mnt, 'pipe'), join(mnt, 'pipe-again')])).code, 0, 'a hard link to a FIFO');
  t.equal((await exec('stat', ['-c', '%F %h', join(mnt, 'pipe-again')])).stdout, 'fifo 2\n');

  // tar of a tree with symlinks, hard links and modes, and cp -a of it: the same shape as natively.
  const src = join(h.dir, 'tree');
  mkdirSync(join(src, 'bin'), { recursive: true });
  writeFileSync(join(src, 'bin', 'tool'), '#!/bin/sh\necho tool\n', { mode: 0o750 });
  writeFileSync(join(src, 'data.csv'), 'a,b\n1,2\n', { mode: 0o640 });
  await exec('ln', [join(src, 'data.csv'), join(src, 'data-again.csv')]);
  await exec('ln', ['-s', 'bin/tool', join(src, 'tool')]);
  // Old times, to the nanosecond, on files, the folder and the link.
  await exec('touch', ['-h', '-d', '2001-02-03 04:05:06.123456789', join(src, 'data.csv'), join(src, 'bin', 'tool'), join(src, 'tool')]);
  await exec('touch', ['-d', '1999-12-31 23:59:59.5', join(src, 'bin')]);
  const archive = join(h.dir, 'tree.tar.gz');
  t.equal((await exec('tar', ['czf', archive, '-C', src, '.'])).code, 0);
  const native = join(h.dir, 'native');
  mkdirSync(native);
  t.equal((await exec('tar', ['xzf', archive, '-C', native])).code, 0);
  const unpacked = join(mnt, 'unpacked');
  mkdirSync(unpacked);
  const x = await exec('tar', ['xzf', archive, '-C', unpacked]);
  t.equal(x.code, 0, `tar xzf on the mount: ${x.stderr}`);
  const copied = await exec('cp', ['-a', native, join(mnt, 'copied')]);
  t.equal(copied.code, 0, `cp -a: ${copied.stderr}`);
  // libfuse 2's high-level API gives each name its own kernel inode: the older name of a new hard
  // link shows its new link count once the kernel's attribute cache (1 s here) lets go of it.
  await sleep(1100);
  // GNU tar sets the modification time alone (atime UTIME_OMIT): the patched binding lets that through.
  t.equal(await shape(unpacked), await shape(native), 'tar x: types, modes, link counts and mtimes as natively');
  t.equal(await shape(join(mnt, 'copied')), await shape(native), 'cp -a: the same');
  const synced = await exec('rsync', ['-aH', `${native}/`, join(mnt, 'synced')]);
  t.equal(synced.code, 0, `rsync -aH: ${synced.stderr}`);
  await sleep(1100);
  t.equal(await shape(join(mnt, 'synced')), await shape(native), 'rsync -aH: the same, times to the nanosecond');
  // Both times at once, to the nanosecond, then each alone (touch -m, touch -a), as on a native file.
  const stamped = join(mnt, 'stamped.txt');
  await exec('sh', ['-c', 'echo s > "$1" && touch -d "2003-04-05 06:07:08.987654321" "$1"', 'sh', stamped]);
  t.equal((await exec('stat', ['-c', '%x|%y', stamped])).stdout, '2003-04-05 06:07:08.987654321 +0000|2003-04-05 06:07:08.987654321 +0000\n');
  const nativeStamped = join(h.dir, 'stamped.txt');
  const alone = 'echo s > "$1" && touch -m -d "2004-01-02 03:04:05.000000001" "$1" && stat -c "%y" "$1" && touch -a -d "2005-06-07 08:09:10.5" "$1" && stat -c "%x|%y" "$1"';
  const onMount = await exec('sh', ['-c', alone, 'sh', join(mnt, 'alone.txt')]);
  const onNative = await exec('sh', ['-c', alone, 'sh', nativeStamped]);
  t.equal(onMount.stdout, onNative.stdout, 'touch -m and touch -a each set one time, the other kept');
  t.equal(onMount.stdout, '2004-01-02 03:04:05.000000001 +0000\n2005-06-07 08:09:10.500000000 +0000|2004-01-02 03:04:05.000000001 +0000\n');
  // A new file's access time is its creation time (not its later modification time), as natively.
  const created = await exec('sh', ['-c', 'echo n > "$1" && touch -m -d "2001-01-01" "$1" && stat -c "%X %Y" "$1"', 'sh', join(mnt, 'fresh.txt')]);
  const [atime, mtime] = created.stdout.trim().split(' ').map(Number);
  t.ok(atime! > mtime! && Math.abs(atime! * 1000 - Date.now()) < 60_000, `atime stays the creation time (${created.stdout.trim()})`);

  t.equal((await exec(join(mnt, 'unpacked', 'tool'), [])).stdout, 'tool\n', 'the unpacked tool runs through its link');

  t.equal((await fairfs(h.home, ['unmount', mnt])).code, 0);
  t.equal(await live.exited, 0);
  const products = (await fairfsJson<{ name: string }[]>(h.home, ['ls', 'posix:*'])).map((p) => p.name).sort();
  t.same(
    products,
    [
      'alone', 'copied/bin/tool', 'copied/data', 'copied/data-again', 'fresh', 'hard', 'private', 'run', 'stamped',
      'synced/bin/tool', 'synced/data', 'synced/data-again', 'unpacked/bin/tool', 'unpacked/data', 'unpacked/data-again',
    ],
    'every name of a regular file is registered (both hard-linked names); links and the FIFO are not',
  );
  const [run] = await fairfsJson<{ run_id: string }[]>(h.home, ['runs']);
  const log = await fairfs(h.home, ['show', run!.run_id, '--json']);
  t.equal(log.code, 0);
});

t.test('what changes behind a name shows through it within moments: other names of a hard link, the journal', async (t) => {
  const h = emptyHome(t);
  const config = join(h.dir, 'config.yaml');
  writeFileSync(config, CONFIG);
  const mnt = join(h.dir, 'mnt');
  await mountSession(t, h.home, config, mnt);
  const sh = (script: string) => exec('sh', ['-c', script], { cwd: mnt });
  /** The output of `script` once it is `want`, within 3 s (fuse3 caches attributes for a minute and is told of changes; fuse2 for a second). */
  const settles = async (script: string, want: string): Promise<string> => {
    let got = '';
    for (let i = 0; i < 30 && (got = (await sh(script)).stdout) !== want; i++) await sleep(100);
    return got;
  };
  await sh('echo one > a && ln a b');
  t.equal(await settles('stat -c "%h %a" a b', '2 644\n2 644\n'), '2 644\n2 644\n', 'a new name: both names show two links');
  // Each name is its own kernel inode: a change through one must reach the cached attributes of the other.
  await sh('chmod 600 b');
  t.equal(await settles('stat -c "%h %a %s" a', '2 600 4\n'), '2 600 4\n', 'chmod through b shows on a');
  await sh('echo longer > b');
  t.equal(await settles('stat -c "%s" a', '7\n'), '7\n', 'a write through b shows on a once closed');
  await sh('rm b');
  t.equal(await settles('stat -c "%h" a', '1\n'), '1\n', 'the link count drops on the name left');
  const size = async (): Promise<number> => Number((await sh('stat -c %s .fair/log.jsonl')).stdout);
  const before = await size();
  await sh('cat a > /dev/null');
  let after = before;
  for (let i = 0; i < 30 && after === before; i++) {
    await sleep(100);
    after = await size();
  }
  t.ok(after > before, `the journal's size follows its rows (${before} -> ${after} bytes)`);
  const u = await fairfs(h.home, ['unmount', mnt]);
  t.equal(u.code, 0, u.stderr);
});
