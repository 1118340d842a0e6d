import { join } from 'node:path';
import t from 'tap';
import { exec, fairfs } from '../helpers/cli.js';
import { exampleHome } from '../helpers/home.js';
import { mountSession } from '../helpers/mount.js';

/*
 * The fuse3 backend answers lookups of names a folder does not hold without
 * asking the session (names.c), keeping each folder's names up to date from
 * the changes it serves. A wrong "no such file" there would lose data
 * silently, so the same random changes (create, mkdir, unlink, rmdir, rename
 * of files and of folders over files, folders and nothing, hard links,
 * symlinks, FIFOs) go to the mount and to a native folder, and after every
 * one each candidate path must exist in both or in neither.
 */
const PROGRAM = String.raw`
import errno, json, os, random, sys
mount, native, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
rng = random.Random(seed)
names = ['a', 'b', 'c']
paths = ['/'.join(p) for p in [(x,) for x in names] + [(x, y) for x in names for y in names] + [(x, y, z) for x in names for y in names for z in names[:2]]]
def both(fn, *rel):
    out = []
    for root in (mount, native):
        try:
            fn(*[os.path.join(root, 'w', r) for r in rel]); out.append(0)
        except OSError as e:
            out.append(e.errno)
    return out
def touch(p):
    # Non-blocking: a FIFO there has no reader (ENXIO on both sides) instead of waiting for one.
    fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NONBLOCK, 0o644)
    try: os.write(fd, b'x')
    finally: os.close(fd)
ops = [
    ('create', touch, 1), ('mkdir', os.mkdir, 1), ('unlink', os.unlink, 1), ('rmdir', os.rmdir, 1),
    ('rename', os.rename, 2), ('link', os.link, 2), ('symlink', lambda p: os.symlink('target', p), 1),
    ('mkfifo', os.mkfifo, 1),
]
for root in (mount, native): os.makedirs(os.path.join(root, 'w'))
mismatches, done = [], 0
for step in range(int(sys.argv[4])):
    name, fn, arity = rng.choice(ops)
    rel = [rng.choice(paths) for _ in range(arity)]
    got = both(fn, *rel)
    done += 1
    if got[0] != got[1] and not (name == 'rename' and 0 not in got):
        mismatches.append({'step': step, 'op': name, 'args': rel, 'mount': got[0], 'native': got[1]})
    for p in paths:
        m, n = (os.path.lexists(os.path.join(root, 'w', p)) for root in (mount, native))
        if m != n:
            mismatches.append({'step': step, 'after': name, 'args': rel, 'path': p, 'mount': m, 'native': n})
    if len(mismatches) > 5: break
print(json.dumps({'steps': done, 'mismatches': mismatches}))
`;

/*
 * A folder renamed over an empty one brings names the latter's record does
 * not have. The kernel moves its cached entries along, so the case only shows
 * once the kernel forgets one: the session makes it forget both names of a
 * hard-linked file when one of them changes.
 */
const RENAMED_OVER = String.raw`
import os, sys, time
w = os.path.join(sys.argv[1], 'over')
os.makedirs(os.path.join(w, 'empty'))
os.makedirs(os.path.join(w, 'full'))
with open(os.path.join(w, 'full', 'f'), 'wb') as f: f.write(b'kept')
os.rename(os.path.join(w, 'full'), os.path.join(w, 'empty'))
os.link(os.path.join(w, 'empty', 'f'), os.path.join(w, 'other-name'))
os.chmod(os.path.join(w, 'other-name'), 0o600)
time.sleep(0.5)
print(os.path.exists(os.path.join(w, 'empty', 'f')))
`;

t.test('a folder renamed over an empty one keeps its names when the kernel asks again', async (t) => {
  const h = await exampleHome(t);
  const mnt = join(h.dir, 'mnt');
  await mountSession(t, h.home, join(h.example, 'config.yaml'), mnt);
  const ran = await exec('python3', ['-c', RENAMED_OVER, mnt]);
  t.equal(ran.code, 0, `the program ran: ${ran.stderr}`);
  t.equal(ran.stdout.trim(), 'True', 'the moved file is found under its new folder');
  const done = await fairfs(h.home, ['unmount', mnt, '--abort']);
  t.equal(done.code, 0, `unmount: ${done.stderr.slice(-300)}`);
});

t.test('after every change, a path exists on the mount exactly when it exists on a native folder', async (t) => {
  const h = await exampleHome(t);
  const mnt = join(h.dir, 'mnt');
  const native = join(h.dir, 'native');
  await mountSession(t, h.home, join(h.example, 'config.yaml'), mnt);
  for (const seed of [1, 2, 3]) {
    const ran = await exec('python3', ['-c', PROGRAM, mnt, `${native}-${seed}`, String(seed), '400']);
    t.equal(ran.code, 0, `the program ran: ${ran.stderr}`);
    // Each seed works in its own folder on the mount too.
    await exec('python3', ['-c', `import os,sys; os.rename(os.path.join(sys.argv[1], 'w'), os.path.join(sys.argv[1], 'done-${seed}'))`, mnt]);
    const out = JSON.parse(ran.stdout) as { steps: number; mismatches: unknown[] };
    t.equal(out.steps, 400, `seed ${seed}: every step ran`);
    t.same(out.mismatches, [], `seed ${seed}: no path differs`);
  }
  const done = await fairfs(h.home, ['unmount', mnt, '--abort']);
  t.equal(done.code, 0, `unmount: ${done.stderr.slice(-300)}`);
});
