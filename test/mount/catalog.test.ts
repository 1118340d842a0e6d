import { join } from 'node:path';
import t from 'tap';
import { exec, fairfs, fairfsJson } from '../helpers/cli.js';
import { exampleHome } from '../helpers/home.js';
import { fuseMountpoints, mountSession, waitFor } from '../helpers/mount.js';
import { backends, usableBackends } from '../../src/mount/backends.js';

t.test('fairfs mount DIR --catalog browses every product, read-only', async (t) => {
  const h = await exampleHome(t);
  const r = await fairfs(h.home, ['run', 'config.yaml', '--', 'sh', '-c', 'python3 model.py "$FAIRFS_MOUNT"'], { cwd: h.example });
  t.equal(r.code, 0, r.stderr);
  const mnt = join(h.dir, 'catalog');
  const m = await fairfs(h.home, ['mount', mnt, '--catalog']);
  t.equal(m.code, 0, m.stderr);
  t.teardown(async () => {
    if (fuseMountpoints().includes(mnt)) await exec('fusermount3', ['-uz', mnt]);
  });
  const sh = (script: string) => exec('sh', ['-c', script], { cwd: mnt });
  t.equal((await sh('ls')).stdout, 'SCRC\nsir-demo\n');
  t.equal((await sh('ls sir-demo/sir/trajectory')).stdout, '0.0.1.csv\nlatest.csv\n');
  t.equal((await sh('readlink sir-demo/sir/trajectory/latest.csv')).stdout, '0.0.1.csv\n', 'latest is a symlink to the highest version');
  t.equal((await sh('cat SCRC/human/population/0.1.0.csv')).stdout, (await exec('cat', [join(h.example, 'data', 'population.csv')])).stdout);
  t.equal((await sh('ls SCRC/sir/parameters/1.0.0.toml.d | sort')).stdout, 'beta\ndays\ngamma\ninfectious-period\n', 'TOML components as files');
  t.equal((await sh('cat SCRC/sir/parameters/1.0.0.toml.d/gamma')).stdout, '[gamma]\ntype = "point-estimate"\nvalue = 0.1\n\n');
  const w = await sh('echo x > SCRC/new.txt');
  t.match(w.stderr, /Read-only file system/, 'writes: EROFS');
  const u = await fairfs(h.home, ['unmount', mnt]);
  t.equal(u.code, 0, u.stderr);
  t.notOk(fuseMountpoints().includes(mnt));
});

t.test('reading .fair/catalog/ in a session records an input, down to the component', async (t) => {
  const h = await exampleHome(t);
  const mnt = join(h.dir, 'mnt');
  const live = await mountSession(t, h.home, join(h.example, 'config.yaml'), mnt);
  const cat = await exec('cat', [join(mnt, '.fair', 'catalog', 'SCRC', 'sir', 'parameters', '1.0.0.toml.d', 'beta')]);
  t.match(cat.stdout, /\[beta\]/);
  t.match((await exec('ls', [join(mnt, '.fair')])).stdout, /catalog/);
  const refused = await exec('sh', ['-c', `echo x > "${join(mnt, '.fair', 'catalog', 'SCRC', 'x')}"`]);
  t.not(refused.code, 0, 'the catalog is read-only in a session too');
  const un = await fairfs(h.home, ['unmount', mnt]);
  t.equal(un.code, 0, un.stderr);
  await waitFor(() => live.daemon.exitCode !== null, 'the daemon to exit');
  const [run] = await fairfsJson<{ run_id: string }[]>(h.home, ['runs']);
  const shown = await fairfsJson<{ inputs: { product: string; component: string }[] }>(h.home, ['show', run!.run_id]);
  t.same(
    shown.inputs.map((i) => [i.product, i.component]),
    [['SCRC:sir/parameters@1.0.0', 'beta']],
    'the component read is the input; declared inputs never opened are not',
  );
});

/** Poll an async check until it holds (the catalog looks at the registry's change log about once a second). */
async function eventually(check: () => Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

for (const backend of backends) {
  const unusable = usableBackends().includes(backend) ? false : `${backend.name} does not load here: ${backend.check()[0]?.detail}`;
  t.test(`a catalog mount (${backend.name}) shows data registered while it is mounted, and moves latest`, { skip: unusable }, async (t) => {
    const h = await exampleHome(t);
    const mnt = join(h.dir, 'catalog');
    const m = await fairfs(h.home, ['--backend', backend.name, 'mount', mnt, '--catalog']);
    t.equal(m.code, 0, m.stderr);
    t.teardown(async () => {
      if (fuseMountpoints().includes(mnt)) await exec('fusermount3', ['-uz', mnt]);
    });
    const sh = (script: string) => exec('sh', ['-c', script], { cwd: mnt });
    t.equal((await sh('ls SCRC/human/population')).stdout, '0.1.0.csv\nlatest.csv\n');
    t.equal((await sh('readlink SCRC/human/population/latest.csv')).stdout, '0.1.0.csv\n');
    t.equal((await sh('find . -type f | sort')).stdout, './SCRC/human/population/0.1.0.csv\n./SCRC/sir/parameters/1.0.0.toml\n' + (await sh('find . -path "*.d/*" -type f | sort')).stdout);

    const csv = join(h.dir, 'population-2.csv');
    await exec('sh', ['-c', `printf 'age,count\\n0-9,12\\n' > "${csv}"`]);
    for (const [file, ref] of [[csv, 'SCRC:human/population@0.2.0'], [csv, 'SCRC:new/thing@1.0.0']] as const) {
      const a = await fairfs(h.home, ['add', file, ref]);
      t.equal(a.code, 0, a.stderr);
    }
    await eventually(async () => (await sh('readlink SCRC/human/population/latest.csv')).stdout === '0.2.0.csv\n', 'latest to move to 0.2.0');
    t.equal((await sh('ls SCRC/human/population')).stdout, '0.1.0.csv\n0.2.0.csv\nlatest.csv\n', 'the new version is listed');
    t.equal((await sh('cat SCRC/human/population/latest.csv')).stdout, 'age,count\n0-9,12\n', 'latest reads the new bytes');
    await eventually(async () => (await sh('ls SCRC')).stdout === 'human\nnew\nsir\n', 'the new name to be listed');
    t.equal((await sh('cat SCRC/new/thing/1.0.0.csv')).stdout, 'age,count\n0-9,12\n');
    const u = await fairfs(h.home, ['unmount', mnt]);
    t.equal(u.code, 0, u.stderr);
  });
}
