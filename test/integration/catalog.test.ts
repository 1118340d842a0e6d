import { join } from 'node:path';
import t from 'tap';
import { exec, fairfs, fairfsJson } from '../helpers/cli.js';
import { exampleHome } from '../helpers/home.js';
import { fuseMountpoints, mountSession, waitFor } from '../helpers/mount.js';

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
