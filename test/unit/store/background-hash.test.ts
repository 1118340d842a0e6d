import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { hashOutputs } from '../../../src/session/outputs.js';
import { BackgroundHasher } from '../../../src/store/background-hash.js';
import { sha1 } from '../../../src/store/hash.js';

t.test('a staged file hashed in the background is used only while it still holds', async (t) => {
  const dir = t.testdir();
  const file = join(dir, 'staged');
  writeFileSync(file, 'first bytes\n');
  const hasher = new BackgroundHasher();
  const done = await hasher.hash(file);
  t.equal(done?.sha1, sha1('first bytes\n'), 'the worker hashes what is on disk');
  t.equal(done?.size, 12);

  const output = { path: 'out.txt', staging: file, size: 12, sha1: null };
  const [kept] = await hashOutputs([{ ...output, stagedHash: Promise.resolve(done) }]);
  t.equal(kept!.hash, sha1('first bytes\n'));

  // A forged digest for the same size and mtime is taken as is: this is what proves the shortcut is used.
  const forged = Promise.resolve(done && { ...done, sha1: 'f'.repeat(40) });
  t.equal((await hashOutputs([{ ...output, stagedHash: forged }]))[0]!.hash, 'f'.repeat(40));

  await new Promise((r) => setTimeout(r, 20));
  writeFileSync(file, 'changed after the hash\n');
  const [again] = await hashOutputs([{ ...output, size: 23, stagedHash: forged }]);
  t.equal(again!.hash, sha1('changed after the hash\n'), 'a file changed since is read again');
  t.equal(await hasher.hash(join(dir, 'missing')), null, 'a file gone: no answer, finalise decides');
});
