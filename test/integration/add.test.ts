import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { Registry } from '../../src/registry/registry.js';
import { fairfs, fairfsJson } from '../helpers/cli.js';
import { emptyHome } from '../helpers/home.js';

/*
 * `fairfs add DIR NS:PREFIX@VERSION`: every file under a folder, one process,
 * one transaction, each named by its path without extension.
 */

interface Listed {
  namespace: string;
  name: string;
  version: string;
  hash: string;
}

t.test('a folder of 2,000 files is registered in one command, named by path; all or nothing', async (t) => {
  const h = emptyHome(t);
  const folder = join(h.dir, 'results');
  mkdirSync(join(folder, 'tables'), { recursive: true });
  for (let i = 0; i < 2000; i++) writeFileSync(join(folder, `run-${i}.csv`), `step,value\n${i},${i * 2}\n`);
  writeFileSync(join(folder, 'tables', 'params.toml'), '[model]\nbeta = 0.3\n');
  symlinkSync(join(folder, 'run-1.csv'), join(folder, 'link.csv'));

  const add = await fairfs(h.home, ['add', folder, 'SCRC:results@1.0.0']);
  t.equal(add.code, 0, add.stderr);
  t.match(add.stderr, /registered 2001 data products as SCRC:results\/…@1\.0\.0/);
  // Listed through a pipe: more than 64 KiB of JSON, all of it (the CLI waits for stdout before exiting).
  const listed = await fairfsJson<Listed[]>(h.home, ['ls', 'SCRC:results/*']);
  t.equal(listed.length, 2001, 'every regular file, the symbolic link not followed');
  t.ok(listed.some((p) => p.name === 'results/run-1999' && p.version === '1.0.0'));
  t.ok(listed.some((p) => p.name === 'results/tables/params'));
  const registry = new Registry(join(h.home, 'registry.db'));
  const params = registry.findProduct('SCRC', 'results/tables/params', '1.0.0');
  t.ok(params && registry.componentIdFor(params.id, 'model') !== undefined, 'a TOML file is recorded down to its components');
  registry.close();

  // Registering again: nothing new, and nothing half-done.
  writeFileSync(join(folder, 'new.csv'), 'a\n');
  const again = await fairfs(h.home, ['add', folder, 'SCRC:results@1.0.0']);
  t.equal(again.code, 65, 'already registered data is a conflict');
  t.match(again.stderr, /SCRC:results\/run-0@1\.0\.0, .* and 1996 more are already registered/);
  t.equal((await fairfsJson<Listed[]>(h.home, ['ls', 'SCRC:results/*'])).length, 2001, 'the new file was not registered either');

  // Two files that would be one product.
  writeFileSync(join(folder, 'run-1.txt'), 'x\n');
  const clash = await fairfs(h.home, ['add', folder, 'SCRC:results@2.0.0']);
  t.equal(clash.code, 78);
  t.match(clash.stderr, /run-1\.csv and run-1\.txt would both be SCRC:results\/run-1@2\.0\.0/);
  t.equal((await fairfsJson<Listed[]>(h.home, ['ls', 'SCRC:results/*@2.0.0'])).length, 0);

  const missing = await fairfs(h.home, ['add', join(h.dir, 'nope'), 'SCRC:x@1.0.0']);
  t.equal(missing.code, 66);
  t.match(missing.stderr, /nope does not exist/);
});
