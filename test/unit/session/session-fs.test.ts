import t from 'tap';
import { MountRefusal } from '../../../src/errors.js';
import type { ServedFs } from '../../../src/vfs/served-fs.js';
import { conformance, type Driver } from '../../helpers/conformance.js';
import { openTestSession } from '../../helpers/session.js';

const O_WRONLY = 1;
const O_APPEND = 0o2000;

/** Drive a ServedFs directly, the way a backend does. */
function directDriver(vfs: ServedFs): Driver {
  const p = (path: string): string => `/${path}`;
  const wrap = async <T>(fn: () => T): Promise<T> => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof MountRefusal) throw Object.assign(new Error(err.message), { code: err.errno });
      throw err;
    }
  };
  const writeAt = (fh: number, data: string, position: number): void => {
    const buf = Buffer.from(data);
    vfs.write(fh, buf, buf.length, position);
  };
  return {
    write: (path, data) =>
      wrap(() => {
        let fh: number;
        try {
          fh = vfs.create(p(path));
        } catch (err) {
          if (!(err instanceof MountRefusal) || err.errno !== 'EEXIST') throw err;
          vfs.truncate(p(path), 0);
          fh = vfs.open(p(path), O_WRONLY);
        }
        writeAt(fh, data, 0);
        vfs.release(fh);
      }),
    append: (path, data) =>
      wrap(() => {
        const fh = vfs.open(p(path), O_WRONLY | O_APPEND);
        writeAt(fh, data, vfs.getattr(p(path)).size);
        vfs.release(fh);
      }),
    read: (path) =>
      wrap(() => {
        const fh = vfs.open(p(path), 0);
        const buf = Buffer.alloc(1 << 16);
        const n = vfs.read(fh, buf, buf.length, 0);
        vfs.release(fh);
        return buf.subarray(0, n).toString();
      }),
    size: (path) => wrap(() => vfs.getattr(p(path)).size),
    list: (path) => wrap(() => vfs.readdir(p(path))),
    rename: (from, to) => wrap(() => vfs.rename(p(from), p(to))),
    unlink: (path) => wrap(() => vfs.unlink(p(path))),
    mkdir: (path) => wrap(() => vfs.mkdir(p(path))),
    rmdir: (path) => wrap(() => vfs.rmdir(p(path))),
    openForWrite: (path) => wrap(() => vfs.release(vfs.open(p(path), O_WRONLY))),
  };
}

t.test('conformance on the VFS directly', async (t) => {
  const { session } = await openTestSession(t);
  await conformance(t, directDriver(session.vfs), session);
});

t.test('a backend that caches long is told what changes behind its requests', async (t) => {
  const { session } = await openTestSession(t);
  const vfs = session.vfs;
  const told: string[][] = [];
  const stop = vfs.onChange!((paths) => told.push([...paths].sort()));
  t.teardown(stop);
  vfs.release(vfs.create('/a.txt'));
  vfs.link('/a.txt', '/b.txt');
  t.same(told.pop(), ['/a.txt', '/b.txt'], 'a new name: every name shows the new link count');
  vfs.chmod('/b.txt', 0o600);
  t.same(told.pop(), ['/a.txt', '/b.txt'], 'a change through one name reaches the other');
  vfs.unlink('/b.txt');
  await new Promise((r) => setImmediate(r));
  t.same(told.pop(), ['/a.txt'], 'the name left is told its link count dropped');
  vfs.chmod('/a.txt', 0o644);
  t.equal(told.length, 0, 'a file with one name: the kernel saw the change itself');
  session.recorder.record({ op: 'open', path: '/a.txt' });
  await new Promise((r) => setTimeout(r, 400));
  t.ok(told.some((paths) => paths.includes('/.fair/log.jsonl')), 'the journal grew: the control files are told');
});
