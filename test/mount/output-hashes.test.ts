import { join } from 'node:path';
import t from 'tap';
import { exec, fairfs, fairfsJson } from '../helpers/cli.js';
import { exampleHome } from '../helpers/home.js';
import { mountSession } from '../helpers/mount.js';

/*
 * Outputs are hashed as their last writer releases them (fuse3: off the
 * request thread) and at finalise otherwise. Every way a program can change a
 * file after such a hash began must still end with the SHA-1 of the bytes it
 * left: rewrites of the same size right after a close, path truncation, writes
 * through a mapping that outlives its descriptor, another hard-linked name,
 * out-of-order writes, and appends racing the hash of a large file.
 */
const PROGRAM = String.raw`
import hashlib, json, mmap, os, sys
root = sys.argv[1]
expected = {}
def put(name, data):
    with open(os.path.join(root, name), 'wb') as f:
        f.write(data)
def final(name):
    with open(os.path.join(root, name), 'rb') as f:
        expected[name] = hashlib.sha1(f.read()).hexdigest()

put('seq.bin', os.urandom(3 << 20)); final('seq.bin')

put('rewrite.bin', b'a' * (2 << 20))
for i in range(20):
    with open(os.path.join(root, 'rewrite.bin'), 'r+b') as f:
        f.write(bytes([98 + i]))
final('rewrite.bin')

put('trunc.bin', os.urandom(100 << 10))
os.truncate(os.path.join(root, 'trunc.bin'), 1000); final('trunc.bin')

put('mapped.bin', bytes(64 << 10))
f = open(os.path.join(root, 'mapped.bin'), 'r+b')
m = mmap.mmap(f.fileno(), 0)
f.close()
m[100:105] = b'hello'
m.flush(); m.close()
final('mapped.bin')

put('linked.bin', b'first name\n')
os.link(os.path.join(root, 'linked.bin'), os.path.join(root, 'other.bin'))
with open(os.path.join(root, 'other.bin'), 'r+b') as f:
    f.write(b'OTHER')
final('linked.bin'); final('other.bin')

with open(os.path.join(root, 'backwards.bin'), 'wb') as f:
    f.seek(2 << 20); f.write(b'z' * 10); f.seek(0); f.write(b'start')
final('backwards.bin')

for i in range(5):
    put('racing-%d.bin' % i, os.urandom(8 << 20))
    with open(os.path.join(root, 'racing-%d.bin' % i), 'ab') as f:
        f.write(b'!')
    final('racing-%d.bin' % i)

print(json.dumps(expected))
`;

interface Product {
  namespace: string;
  name: string;
  hash: string;
  size: number;
}

t.test('every output is registered with the SHA-1 of the bytes its program left, however they were written', async (t) => {
  const h = await exampleHome(t);
  const mnt = join(h.dir, 'mnt');
  await mountSession(t, h.home, join(h.example, 'config.yaml'), mnt);
  const ran = await exec('python3', ['-c', PROGRAM, mnt]);
  t.equal(ran.code, 0, `the program ran: ${ran.stderr}`);
  const expected = JSON.parse(ran.stdout) as Record<string, string>;
  const done = await fairfs(h.home, ['unmount', mnt]);
  t.equal(done.code, 0, `unmount finalises: ${done.stderr.slice(-500)}`);
  const products = await fairfsJson<Product[]>(h.home, ['ls']);
  const byName = new Map(products.map((p) => [p.name, p.hash]));
  t.equal(Object.keys(expected).length, 12, 'the program reported every file');
  for (const [file, sha1] of Object.entries(expected)) {
    t.equal(byName.get(file.replace(/\.bin$/, '')), sha1, `${file} is registered with its final SHA-1`);
  }
});
