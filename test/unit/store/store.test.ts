import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { DataStore } from '../../../src/store/store.js';
import { sha1 } from '../../../src/store/hash.js';

t.test('content-addressed, read-only, idempotent', async (t) => {
  const dir = t.testdir({ 'a.csv': 'x,y\n1,2\n', 'b.csv': 'x,y\n1,2\n' });
  const store = new DataStore(join(dir, 'store'));
  const first = await store.put(join(dir, 'a.csv'), 'ns', 'tbl/data', 'csv', { move: false });
  t.equal(first.hash, sha1('x,y\n1,2\n'));
  t.equal(first.path, `ns/tbl/data/${first.hash}.csv`);
  t.equal(statSync(store.absolute(first.path)).mode & 0o777, 0o444);
  const second = await store.put(join(dir, 'b.csv'), 'ns', 'tbl/data', 'csv', { move: true });
  t.same(second, first, 'same bytes, same stored file');
  t.notOk(existsSync(join(dir, 'b.csv')), 'moved source is consumed');
  t.same(readdirSync(join(dir, 'store', 'ns', 'tbl', 'data')), [`${first.hash}.csv`], 'no temp files left');
  t.throws(() => store.absolute('../outside'), /escapes the data store/);
});

t.test('putBytes stores generated content once', async (t) => {
  const store = new DataStore(t.testdir());
  const a = store.putBytes('run: 1\n', '.fairfs/configs', 'yaml');
  const b = store.putBytes('run: 1\n', '.fairfs/configs', 'yaml');
  t.same(a, b);
});
