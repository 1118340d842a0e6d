import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { exec, fairfs, fairfsJson, projectRoot } from '../helpers/cli.js';
import { exampleHome } from '../helpers/home.js';
import { mountSession, peakRss } from '../helpers/mount.js';

/*
 * Unmodified programs in sh, Python and C against one real session mount,
 * then finalise and check what was registered.
 */

interface Product {
  namespace: string;
  name: string;
  version: string;
  hash: string;
  size: number;
}
const sha1 = (data: Buffer | string): string => createHash('sha1').update(data).digest('hex');
async function sha1Stream(file: string): Promise<string> {
  const h = createHash('sha1');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

const CONFIG = `run_metadata:
  description: programs against a fairfs mount
  default_input_namespace: SCRC
  default_output_namespace: progs
read:
  - data_product: inputs/population
    use:
      data_product: human/population
  - data_product: inputs/parameters
    use:
      data_product: sir/parameters
write:
  - data_product: outputs/python
    file_type: txt
`;

t.test('sh, Python and C programs run unmodified on a session', async (t) => {
  const h = await exampleHome(t);
  const config = join(h.dir, 'config.yaml');
  writeFileSync(config, CONFIG);
  const mnt = join(h.dir, 'mnt');
  const live = await mountSession(t, h.home, config, mnt);
  const population = readFileSync(join(h.example, 'data', 'population.csv'));
  const sh = (script: string) => exec('sh', ['-c', script], { cwd: mnt });

  await t.test('shell tools', async (t) => {
    t.equal((await sh('cat inputs/population.csv')).stdout, population.toString(), 'cat reads an input');
    t.equal((await sh('cp inputs/population.csv copy.csv && cat copy.csv')).stdout, population.toString(), 'cp makes an output');
    t.equal((await sh('dd if=inputs/population.csv of=dd.out bs=7 2>/dev/null && cat dd.out')).stdout, population.toString(), 'dd with small blocks');
    t.equal((await sh('echo one > redir.txt && echo two >> redir.txt && cat redir.txt')).stdout, 'one\ntwo\n', 'redirection and append');
    t.equal((await sh('echo draft > report.tmp && echo final > report.tmp && mv report.tmp report.txt && cat report.txt')).stdout, 'final\n', 'rewrite then rename');
    t.match((await sh('ls -l inputs/population.csv')).stdout, /^-r--r--r-- .* 80 .*population\.csv/, 'ls -l shows a read-only file of the right size');
    t.equal((await sh('stat -c %s:%F inputs/population.csv')).stdout, '80:regular file\n', 'stat');
    t.equal((await sh('echo gone > scratch.txt && rm scratch.txt && ls')).stdout.includes('scratch.txt'), false, 'rm removes an output');
    t.equal((await sh('mkdir -p deep/er && echo x > deep/er/leaf.txt && rmdir deep/er 2>&1; echo $?')).stdout.trim().endsWith('1'), true, 'rmdir of a non-empty folder fails');
    const find = (await sh('find . -type f | sort')).stdout.split('\n').filter(Boolean);
    t.same(
      find.filter((f) => !f.startsWith('./.fair/')),
      ['./copy.csv', './dd.out', './deep/er/leaf.txt', './inputs/parameters.toml', './inputs/population.csv', './redir.txt', './report.txt'],
      'find sees inputs and outputs',
    );
    t.match((await sh('cat .fair/run')).stdout, /^[0-9a-f]{40}\n$/, '.fair/run holds the run id');
    t.match((await sh('cat .fair/config.yaml')).stdout, /human\/population[\s\S]*version: 0\.1\.0/, '.fair/config.yaml is the working config');
    t.equal((await sh('cat .fair/status')).stdout, 'running\n');
  });

  await t.test('Python: csv, tomllib, mmap, patch in place', async (t) => {
    const r = await exec('python3', [join(projectRoot, 'test', 'fixtures', 'python_ops.py'), mnt]);
    t.equal(r.code, 0, r.stderr);
    t.equal(r.stdout, "4 regions, beta 0.32, head 'region,population'\n0123456789\n");
  });

  await t.test('C: fopen/fread/fwrite/fseek', async (t) => {
    const bin = join(h.dir, 'records');
    const cc = await exec('cc', ['-O2', '-o', bin, join(projectRoot, 'test', 'fixtures', 'records.c')]);
    t.equal(cc.code, 0, cc.stderr);
    const r = await exec(bin, [join(mnt, 'inputs', 'population.csv'), join(mnt, 'records.dat')]);
    t.equal(r.code, 0, r.stderr);
    t.equal(r.stdout, '80\n', 'read the whole input');
  });

  let bigHash = '';
  await t.test('1 GiB written and read back with a correct hash, daemon RSS under 200 MB', async (t) => {
    const w = await sh('head -c 1073741824 /dev/urandom | dd of=big.bin bs=1M iflag=fullblock 2>/dev/null && stat -c %s big.bin');
    t.equal(w.stdout, '1073741824\n', w.stderr);
    bigHash = await sha1Stream(join(mnt, 'big.bin'));
    const rss = peakRss(live.daemon.pid!);
    t.ok(rss < 200 * 1024 * 1024, `daemon peak RSS ${(rss / 1048576).toFixed(0)} MB < 200 MB`);
  });

  const un = await fairfs(h.home, ['unmount', mnt]);
  t.equal(un.code, 0, un.stderr);
  t.equal(await live.exited, 0, 'the daemon exits after finalising');

  const products = (await fairfsJson<Product[]>(h.home, ['ls'])).filter((p) => p.namespace === 'progs');
  const byName = new Map(products.map((p) => [p.name, p]));
  t.same(
    [...byName.keys()].sort(),
    ['big', 'copy', 'dd', 'deep/er/leaf', 'outputs/python', 'records', 'redir', 'report'],
    'every output registered under its final name; removed and renamed-away files are not',
  );
  t.equal(byName.get('copy')!.hash, sha1(population), 'cp output hash');
  t.equal(byName.get('redir')!.hash, sha1('one\ntwo\n'), 'appended output hash');
  t.equal(byName.get('records')!.hash, sha1('alpha---\nBRAVO!!!\ncharlie-\n'), 'seek-and-overwrite output hash');
  t.equal(byName.get('outputs/python')!.hash, sha1("4 regions, beta 0.32, head 'region,population'\n0123456789\n"), 'patched-in-place output hash');
  t.equal(byName.get('big')!.hash, bigHash, '1 GiB output hash matches what was read back');
  t.equal(byName.get('big')!.size, 1073741824);
});
