import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import Database from 'better-sqlite3';
import { Registry } from '../../../src/registry/registry.js';
import { AccessRecorder } from '../../../src/session/recorder.js';

t.test('a timed flush never waits for another process holding the write lock', async (t) => {
  const file = join(t.testdir(), 'r.db');
  const registry = new Registry(file);
  t.teardown(() => registry.close());
  // A session row for the journal's foreign key.
  registry.db.exec(`
    INSERT INTO code_run (uuid, run_date, description, last_updated) VALUES ('u', 'd', 'x', 'd');
    INSERT INTO session (run_id, code_run, status, config_path, working_config, host, user, started_at)
      VALUES ('run', 1, 'running', 'c', 'w', 'h', 'u', 's');`);
  const recorder = new AccessRecorder(registry, 'run');

  const other = new Database(file);
  other.exec('BEGIN IMMEDIATE');
  recorder.record({ op: 'open', path: '/a' });
  await sleep(300);
  // With a blocking flush this point comes only after the 10 s busy timeout, with SQLITE_BUSY thrown.
  t.equal(recorder.pending().length, 1, 'the row waits in memory while the lock is taken');
  t.equal(registry.accesses('run').length, 0);

  other.exec('COMMIT');
  other.close();
  await sleep(300);
  t.equal(recorder.pending().length, 0, 'and is written once the lock is free');
  t.same(registry.accesses('run').map((a) => a.path), ['/a']);
});
