import { appendFile, mkdir, open, readdir, readFile, rename, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { backends, usableBackends } from '../../src/mount/backends.js';
import { MountedSession, prepareMountpoint } from '../../src/session/served.js';
import { conformance, type Driver } from '../helpers/conformance.js';
import { exec } from '../helpers/cli.js';
import { fuseMountpoints } from '../helpers/mount.js';
import { openTestSession } from '../helpers/session.js';

/** Drive a real mount served by this process; only async fs calls, so the JS thread stays free to serve. */
function mountDriver(root: string): Driver {
  const p = (path: string): string => join(root, path);
  return {
    write: (path, data) => writeFile(p(path), data),
    append: (path, data) => appendFile(p(path), data),
    read: (path) => readFile(p(path), 'utf8'),
    size: async (path) => (await stat(p(path))).size,
    list: (path) => readdir(p(path)),
    rename: (from, to) => rename(p(from), p(to)),
    unlink: (path) => unlink(p(path)),
    mkdir: (path) => mkdir(p(path)),
    rmdir: (path) => rmdir(p(path)),
    openForWrite: async (path) => (await open(p(path), 'r+')).close(),
  };
}

for (const backend of backends) {
  const unusable = usableBackends().includes(backend) ? false : `${backend.name} does not load here: ${backend.check()[0]?.detail}`;
  t.test(`conformance through a real FUSE mount served by ${backend.name}`, { skip: unusable }, async (t) => {
    const { session, dir } = await openTestSession(t);
    const mnt = join(dir, 'mnt');
    await prepareMountpoint(session.home, session.registry, mnt);
    const mounted = await MountedSession.start(session, mnt, { log: () => {}, backend });
    let stopped = false;
    t.teardown(async () => {
      if (!stopped) await mounted.stop({ status: 'aborted', exitCode: null }, { force: true }).catch(() => {});
      if (fuseMountpoints().includes(mnt)) await exec('fusermount3', ['-uz', mnt]);
    });
    await conformance(t, mountDriver(mnt), session);
    const report = await mounted.stop({ status: 'completed', exitCode: 0 });
    stopped = true;
    t.same(report.outputs.map((o) => `${o.path} -> ${o.product}`), ['results/table.csv -> out:results/table@0.0.1']);
    t.notOk(fuseMountpoints().includes(mnt), 'unmounted after finalise');
  });
}
