import { join } from 'node:path';
import t from 'tap';
import { Registry } from '../../../src/registry/registry.js';
import { Catalog } from '../../../src/vfs/catalog.js';

const file = { storageRoot: 'file:///store/', path: 'ns/a/abc.csv', hash: 'abc', size: 3, extension: 'csv' };

t.test('the catalog applies the change log: added, removed and renamed products, latest moved, empty dirs pruned', async (t) => {
  const reg = new Registry(join(t.testdir(), 'r.db'));
  t.teardown(() => reg.close());
  const add = (name: string, version: string) => reg.transaction(() => reg.registerProduct({ namespace: 'ns', name, version, file }));
  add('group/a', '0.1.0');
  const catalog = new Catalog(reg);
  t.same(catalog.readdir('/ns/group/a'), ['0.1.0.csv', 'latest.csv']);
  t.same(catalog.refresh(), [], 'nothing changed, nothing to apply');

  add('group/a', '0.10.0');
  add('group/b', '1.0.0');
  const changed = catalog.refresh();
  t.ok(changed.includes('/ns/group/a/0.10.0.csv') && changed.includes('/ns/group/a/latest.csv') && changed.includes('/ns/group/b'), changed.join(' '));
  t.equal(catalog.readlink('/ns/group/a/latest.csv'), '0.10.0.csv', 'latest follows semver, not text order');
  t.same(catalog.readdir('/ns/group'), ['a', 'b']);
  t.same(catalog.knownAt('/ns/group')?.children, ['a', 'b'], 'what a backend is told matches the tree');

  // Whoever removes or renames a product (the REST API can), the log says so.
  const b = reg.findProduct('ns', 'group/b', '1.0.0')!;
  reg.db.prepare('UPDATE data_product SET name = ? WHERE id = ?').run('other/b', b.id);
  catalog.refresh();
  t.same(catalog.readdir('/ns'), ['group', 'other']);
  t.same(catalog.readdir('/ns/group'), ['a'], 'the old place is gone');
  const a10 = reg.findProduct('ns', 'group/a', '0.10.0')!;
  reg.db.prepare('DELETE FROM data_product WHERE id = ?').run(a10.id);
  const removed = catalog.refresh();
  t.ok(removed.includes('/ns/group/a/0.10.0.csv'), 'the removed file is named for the kernel to forget');
  t.equal(catalog.readlink('/ns/group/a/latest.csv'), '0.1.0.csv', 'latest falls back');
  t.equal(catalog.knownAt('/ns/group/a/0.10.0.csv'), null);
  const a1 = reg.findProduct('ns', 'group/a', '0.1.0')!;
  reg.db.prepare('DELETE FROM data_product WHERE id = ?').run(a1.id);
  catalog.refresh();
  t.same(catalog.readdir('/ns'), ['other'], 'a name with no versions left is pruned with its empty folders');
  // An output without an extension (a run may write `many/123`): no file type, no crash on the way in.
  reg.transaction(() => reg.registerProduct({ namespace: 'ns', name: 'plain', version: '0.1.0', file: { ...file, extension: '' } }));
  catalog.refresh();
  t.same(catalog.readdir('/ns/plain'), ['0.1.0', 'latest']);
  t.throws(() => catalog.getattr('/ns/group'), { errno: 'ENOENT' });
});

t.test('the refresh timer keeps a catalog someone looked at up to date, and never lists one nobody did', async (t) => {
  const reg = new Registry(join(t.testdir(), 'r.db'));
  t.teardown(() => reg.close());
  const add = (name: string) => reg.transaction(() => reg.registerProduct({ namespace: 'ns', name, version: '1.0.0', file }));
  add('first');
  const catalog = new Catalog(reg);
  const stop = catalog.refreshEvery(5);
  t.teardown(stop);
  await new Promise((r) => setTimeout(r, 60));
  t.equal(catalog.built, false, 'a session whose model never opens .fair/catalog does not pay for listing the registry');
  t.same(catalog.readdir('/ns'), ['first'], 'first use builds it');
  t.equal(catalog.built, true);
  const changed = new Promise<string[]>((resolve) => catalog.onChange(resolve));
  add('second');
  // The timer does not hold the process open (unref): wait on one that does, at most 5 s.
  let keepAlive: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<string[]>((r) => (keepAlive = setTimeout(() => r([]), 5000)));
  const paths = await Promise.race([changed, gaveUp]);
  clearTimeout(keepAlive);
  t.ok(paths.includes('/ns/second'), 'a product registered meanwhile reaches the tree without a request');
  t.same(catalog.readdir('/ns'), ['first', 'second']);
});
