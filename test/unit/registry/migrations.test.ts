import Database from 'better-sqlite3';
import t from 'tap';
import { migrate } from '../../../src/registry/database.js';
import { migrations } from '../../../src/registry/migrations.js';

t.test('migration 4 rebuilds author with ids, links and users intact', async (t) => {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  for (let i = 0; i < 3; i++) {
    db.exec(migrations[i]!);
    db.pragma(`user_version = ${i + 1}`);
  }
  db.exec(`INSERT INTO storage_root (root) VALUES ('file:///x/');
    INSERT INTO storage_location (path, hash, storage_root) VALUES ('a', 'h', 1);
    INSERT INTO object (uuid, storage_location, last_updated) VALUES ('u1', 1, 'then');
    INSERT INTO author (id, name, identifier, uuid) VALUES (7, 'Ada', 'https://orcid.org/0000-0002-1825-0097', 'au1');
    INSERT INTO object_author VALUES (1, 7);
    INSERT INTO users (username) VALUES ('me');
    INSERT INTO user_author (user, author) VALUES (1, 7);`);
  migrate(db);
  t.equal(db.pragma('user_version', { simple: true }), migrations.length);
  t.same(db.prepare('SELECT id, name, identifier, uuid FROM author').all(), [{ id: 7, name: 'Ada', identifier: 'https://orcid.org/0000-0002-1825-0097', uuid: 'au1' }]);
  t.same(db.pragma('foreign_key_check'), [], 'every link still points at its author');
  t.same(db.prepare('SELECT object, author FROM object_author').all(), [{ object: 1, author: 7 }]);
  db.prepare("INSERT INTO author (identifier, uuid) VALUES ('https://ror.org/04p491231', 'au2')").run();
  t.throws(() => db.prepare("INSERT INTO author (uuid) VALUES ('au3')").run(), /CHECK/, 'a name or an identifier');
  t.throws(() => db.prepare('INSERT INTO object_author VALUES (1, 99)').run(), /FOREIGN KEY/, 'foreign keys still enforced');
});
