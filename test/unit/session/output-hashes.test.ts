import { createHash } from 'node:crypto';
import { mkdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { nativeHasher } from '../../../src/mount/fuse3-adapter.js';
import { hashOutputs, type OutputFile } from '../../../src/session/outputs.js';
import type { FileDigest } from '../../../src/vfs/served-fs.js';

const sha1 = (b: Buffer | string): string => createHash('sha1').update(b).digest('hex');

/** A digest as the backend reports it, with its own claim of the SHA-1. */
function digestOf(path: string, claimed: string): FileDigest {
  const st = statSync(path, { bigint: true });
  return { sha1: claimed, size: Number(st.size), ino: Number(st.ino), mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs };
}

t.test('finalise takes a background hash only while the staged file is as it was hashed', async (t) => {
  const dir = t.testdir({ 'a': 'alpha\n', 'b': 'beta\n', 'c': 'gamma\n' });
  const file = (name: string, digest?: Promise<FileDigest | null>): OutputFile => ({
    path: name, staging: join(dir, name), size: statSync(join(dir, name)).size, sha1: null, ...(digest ? { digest } : {}),
  });
  // A claim that is not the file's SHA-1 proves which source finalise used.
  const unchanged = file('a', Promise.resolve(digestOf(join(dir, 'a'), 'f'.repeat(40))));
  const staleDigest = digestOf(join(dir, 'b'), 'e'.repeat(40));
  writeFileSync(join(dir, 'b'), 'BETA\n');
  const changed = file('b', Promise.resolve(staleDigest));
  const gaveUp = file('c', Promise.resolve(null));
  const [a, b, c] = await hashOutputs([unchanged, changed, gaveUp]);
  t.equal(a!.hash, 'f'.repeat(40), 'an unchanged file keeps the hash made when its writer left');
  t.equal(b!.hash, sha1('BETA\n'), 'a file written since is read again');
  t.equal(c!.hash, sha1('gamma\n'), 'a file that changed while hashed is read again');
});

t.test('a truncate of the same size still counts as a change (ctime moves)', async (t) => {
  const dir = t.testdir({ 'a': 'x'.repeat(10) });
  const path = join(dir, 'a');
  const before = digestOf(path, 'f'.repeat(40));
  await new Promise((r) => setTimeout(r, 5));
  truncateSync(path, 10);
  const [a] = await hashOutputs([{ path: 'a', staging: path, size: 10, sha1: null, digest: Promise.resolve(before) }]);
  t.equal(a!.hash, sha1('x'.repeat(10)));
});

t.test('the native hasher: SHA-1 of files of every size class, errors as rejections', async (t) => {
  const hasher = nativeHasher();
  if (!hasher) return t.skip('native-shims/fuse3 is not built here (npm run setup builds it)');
  const dir = t.testdir({});
  for (const size of [0, 1, 63, 64, 65, (1 << 20) - 1, 1 << 20, (1 << 20) + 1, 3_000_007]) {
    const path = join(dir, `f${size}`);
    const bytes = Buffer.alloc(size);
    for (let i = 0; i < size; i++) bytes[i] = (i * 131 + 7) & 0xff;
    writeFileSync(path, bytes);
    const got = await hasher(path);
    t.equal(got?.sha1, sha1(bytes), `${size} bytes`);
    t.equal(got?.size, size);
    t.equal(got?.mtimeNs, statSync(path, { bigint: true }).mtimeNs, 'with the attributes it had');
  }
  await t.rejects(hasher(join(dir, 'missing')), /No such file/);
  mkdirSync(join(dir, 'folder'));
  await t.rejects(hasher(join(dir, 'folder')), 'a folder is no file to hash');
});
