import { createHash } from 'node:crypto';
import t from 'tap';
import { StreamHash } from '../../../src/vfs/stream-hash.js';

const sha1 = (s: string): string => createHash('sha1').update(s).digest('hex');

t.test('sequential writes give the digest of what was written; asking twice gives the same', async (t) => {
  const h = new StreamHash();
  h.wrote(0, Buffer.from('hello '));
  h.wrote(6, Buffer.from('world'));
  t.equal(h.digestFor(11), sha1('hello world'));
  t.equal(h.digestFor(11), sha1('hello world'));
  t.equal(h.digestFor(12), null, 'not for another size');
});

t.test('an empty file, a rewrite from zero, and what turns the stream hash off', async (t) => {
  t.equal(new StreamHash().digestFor(0), sha1(''), 'nothing written: the empty digest');
  const again = new StreamHash();
  again.wrote(0, Buffer.from('first'));
  again.truncated(0);
  again.wrote(0, Buffer.from('second'));
  t.equal(again.digestFor(6), sha1('second'), 'O_TRUNC starts over');
  const seek = new StreamHash();
  seek.wrote(0, Buffer.from('abc'));
  seek.wrote(1, Buffer.from('x'));
  t.equal(seek.digestFor(3), null, 'a write behind the end: re-read at finalise');
  const hole = new StreamHash();
  hole.wrote(5, Buffer.from('x'));
  t.equal(hole.digestFor(6), null, 'a hole');
  const shrunk = new StreamHash();
  shrunk.wrote(0, Buffer.from('abcdef'));
  shrunk.truncated(3);
  t.equal(shrunk.digestFor(3), null, 'a shrink');
  const passed = new StreamHash();
  passed.wrote(0, Buffer.from('a'));
  passed.bypassed();
  t.equal(passed.digestFor(1), null, 'bytes that did not pass here');
  const late = new StreamHash();
  late.wrote(0, Buffer.from('a'));
  t.equal(late.digestFor(1), sha1('a'));
  late.wrote(1, Buffer.from('b'));
  t.equal(late.digestFor(2), null, 'a write after the digest was taken');
});
