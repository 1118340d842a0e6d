import { createHash } from 'node:crypto';
import t from 'tap';
import { runIdFor, uuidFor } from '../../../src/session/session.js';

t.test('run id is SHA-1 of the config bytes then the ISO start time; uuid is its first 32 hex digits', async (t) => {
  const start = new Date('2026-11-25T13:05:09.123Z');
  const id = runIdFor('run_metadata: {}\n', start);
  t.equal(id, createHash('sha1').update('run_metadata: {}\n2026-11-25T13:05:09.123Z').digest('hex'));
  t.equal(uuidFor(id), `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20, 32)}`);
  t.not(runIdFor('run_metadata: {}\n', new Date(start.getTime() + 1)), id, 'a millisecond later is another run');
});
