import { join } from 'node:path';
import t from 'tap';
import Database from 'better-sqlite3';
import { migrations } from '../../../src/registry/migrations.js';
import { openDatabase, schemaVersion } from '../../../src/registry/database.js';
import { Registry } from '../../../src/registry/registry.js';
import { DataConflictError } from '../../../src/errors.js';

const file = { storageRoot: 'file:///store/', path: 'ns/a/abc.csv', hash: 'abc', size: 3, extension: 'csv' };

t.test('migrations bring a fresh file to the current schema, once', async (t) => {
  const path = join(t.testdir(), 'r.db');
  const db = openDatabase(path);
  t.equal(schemaVersion(db), migrations.length);
  t.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  t.equal(db.pragma('foreign_keys', { simple: true }), 1);
  db.close();
  const again = openDatabase(path);
  t.equal(schemaVersion(again), migrations.length, 'reopening applies nothing twice');
  again.close();
});

t.test('a registry newer than this fairfs is refused', async (t) => {
  const path = join(t.testdir(), 'r.db');
  const raw = new Database(path);
  raw.pragma(`user_version = ${migrations.length + 1}`);
  raw.close();
  t.throws(() => openDatabase(path), /newer than this fairfs understands/);
});

t.test('registered products are immutable and share identical storage', async (t) => {
  const reg = new Registry(join(t.testdir(), 'r.db'));
  const a = reg.transaction(() => reg.registerProduct({ namespace: 'ns', name: 'a', version: '0.1.0', file, components: [{ name: 'beta' }] }));
  t.same([...a.componentIds.keys()], ['whole_object', 'beta']);
  t.throws(() => reg.transaction(() => reg.registerProduct({ namespace: 'ns', name: 'a', version: '0.1.0', file })), DataConflictError);
  reg.transaction(() => reg.registerProduct({ namespace: 'ns', name: 'a', version: '0.2.0', file }));
  const rows = reg.db.prepare('SELECT count(*) AS n FROM storage_location').get() as { n: number };
  t.equal(rows.n, 1, 'one storage location for identical bytes');
  t.same(reg.versions('ns', 'a').sort(), ['0.1.0', '0.2.0']);
  t.equal(reg.findProduct('ns', 'a', '0.2.0')?.hash, 'abc');
  reg.close();
});

t.test('a failing transaction leaves nothing behind', async (t) => {
  const reg = new Registry(join(t.testdir(), 'r.db'));
  t.throws(() =>
    reg.transaction(() => {
      reg.registerProduct({ namespace: 'ns', name: 'x', version: '1.0.0', file });
      throw new Error('boom');
    }),
  );
  t.equal(reg.listProducts().length, 0);
  reg.close();
});
