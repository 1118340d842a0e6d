import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import Database from 'better-sqlite3';
import { exec, fairfs, fairfsJson } from '../helpers/cli.js';
import { exampleHome } from '../helpers/home.js';
import { fuseMountpoints, mountSession, waitFor } from '../helpers/mount.js';

interface RunRow {
  run_id: string;
  status: string;
}

t.test('two sessions on one registry at once both complete', async (t) => {
  const h = await exampleHome(t);
  const a = join(h.dir, 'a');
  const b = join(h.dir, 'b');
  await mountSession(t, h.home, join(h.example, 'config.yaml'), a);
  await mountSession(t, h.home, join(h.example, 'config.yaml'), b);
  const [ra, rb] = await Promise.all([
    exec('python3', [join(h.example, 'model.py'), a]),
    exec('python3', [join(h.example, 'model.py'), b]),
  ]);
  t.equal(ra.code, 0, ra.stderr);
  t.equal(rb.code, 0, rb.stderr);
  const [ua, ub] = await Promise.all([fairfs(h.home, ['unmount', a]), fairfs(h.home, ['unmount', b])]);
  t.equal(ua.code, 0, ua.stderr);
  t.equal(ub.code, 0, ub.stderr);
  const runs = await fairfsJson<RunRow[]>(h.home, ['runs']);
  t.same(runs.map((r) => r.status), ['completed', 'completed']);
  const versions = (await fairfsJson<{ name: string; version: string }[]>(h.home, ['ls']))
    .filter((p) => p.name === 'sir/trajectory')
    .map((p) => p.version)
    .sort();
  t.same(versions, ['0.0.1', '0.0.2'], 'each run got its own version of the shared output');
});

t.test('the daemonised mount serves until `fairfs unmount`, which refuses while files are open', async (t) => {
  const h = await exampleHome(t);
  const mnt = join(h.dir, 'mnt');
  const m = await fairfs(h.home, ['mount', join(h.example, 'config.yaml'), mnt]);
  t.equal(m.code, 0, m.stderr);
  t.teardown(async () => {
    if (fuseMountpoints().includes(mnt)) {
      await fairfs(h.home, ['unmount', mnt, '--force']);
      await exec('fusermount3', ['-uz', mnt]);
    }
  });
  t.ok(fuseMountpoints().includes(mnt), 'mounted when the command returns');
  // Hold a file open from another process while unmount is asked for.
  const holder = exec('sh', ['-c', `exec 3<"${join(mnt, 'inputs', 'population.csv')}"; sleep 2`]);
  await sleep(300);
  const busy = await fairfs(h.home, ['unmount', mnt]);
  t.equal(busy.code, 75, 'refused while busy');
  t.match(busy.stderr, /1 file\(s\) are still open/);
  t.ok(fuseMountpoints().includes(mnt), 'still mounted');
  await holder;
  const un = await fairfs(h.home, ['unmount', mnt]);
  t.equal(un.code, 0, un.stderr);
  t.notOk(fuseMountpoints().includes(mnt), 'unmounted');
  const [run] = await fairfsJson<RunRow[]>(h.home, ['runs']);
  t.equal(run!.status, 'completed');
});

t.test('kill -9 of the daemon during a write, then recover', async (t) => {
  const h = await exampleHome(t);
  const mnt = join(h.dir, 'mnt');
  const live = await mountSession(t, h.home, join(h.example, 'config.yaml'), mnt);
  // Appends that each open the file again: every open needs the daemon (under passthrough the bytes would not).
  const out = join(mnt, 'outputs', 'trajectory.csv');
  const writer = exec('sh', ['-c', `while :; do head -c 65536 /dev/zero >> "${out}" || exit 1; done`]);
  const staging = join(h.home, 'staging');
  await waitFor(() => readdirSync(staging).some((run) => readdirSync(join(staging, run)).length > 0), 'a staged output');
  await sleep(200);
  live.daemon.kill('SIGKILL');
  await live.exited;
  const w = await writer;
  t.not(w.code, 0, 'the writer saw the daemon die');
  t.ok(fuseMountpoints().includes(mnt), 'the dead mount is still there before recovery');

  const stat = await exec('stat', [mnt]);
  t.match(stat.stderr, /Transport endpoint is not connected/);

  const doctor = await fairfs(h.home, ['doctor']);
  t.equal(doctor.code, 73, 'doctor reports the problem');
  t.match(doctor.stdout, /FAIL\s+interrupted runs[\s\S]*fix: fairfs recover/, 'and names the fix');
  t.match(doctor.stdout, /ok\s+\/dev\/fuse/);

  const r = await fairfs(h.home, ['recover']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, /marked aborted, stale mount .* removed, staged outputs kept in/);
  t.match(r.stderr, /registry integrity: ok/);
  const healthy = await fairfs(h.home, ['doctor']);
  t.equal(healthy.code, 0, healthy.stdout);
  t.notOk(fuseMountpoints().includes(mnt), 'mount gone');
  const [run] = await fairfsJson<RunRow[]>(h.home, ['runs']);
  t.equal(run!.status, 'aborted');
  const q = join(h.home, 'quarantine', run!.run_id);
  t.ok(existsSync(join(q, 'manifest.json')), 'staged outputs kept in quarantine with a manifest');
  t.same(readdirSync(staging), [], 'staging emptied');
  const db = new Database(join(h.home, 'registry.db'), { readonly: true });
  t.equal(db.pragma('integrity_check', { simple: true }), 'ok', 'PRAGMA integrity_check is ok');
  t.equal((db.prepare("SELECT count(*) AS n FROM data_product").get() as { n: number }).n, 2, 'nothing half-registered');
  db.close();

  // The same directory mounts again afterwards.
  const again = await fairfs(h.home, ['run', join(h.example, 'config.yaml'), '--mount', mnt, '--', 'python3', join(h.example, 'model.py'), mnt]);
  t.equal(again.code, 0, again.stderr);
});

t.test('a new mount on a dead daemon\'s mountpoint cleans it up first', async (t) => {
  const h = await exampleHome(t);
  const mnt = join(h.dir, 'mnt');
  const live = await mountSession(t, h.home, join(h.example, 'config.yaml'), mnt);
  live.daemon.kill('SIGKILL');
  await live.exited;
  const config = join(h.dir, 'c.yaml');
  writeFileSync(config, 'run_metadata:\n  default_output_namespace: x\n');
  const r = await fairfs(h.home, ['run', config, '--mount', mnt, '--', 'sh', '-c', `echo ok > "${mnt}/note.txt"`]);
  t.equal(r.code, 0, r.stderr);
  const runs = await fairfsJson<RunRow[]>(h.home, ['runs']);
  t.same(runs.map((x) => x.status), ['aborted', 'completed']);
});

t.test('a daemon whose finalise fails still exits, and unmount reports why', async (t) => {
  const h = await exampleHome(t);
  const config = join(h.dir, 'explicit.yaml');
  writeFileSync(config, 'run_metadata:\n  default_output_namespace: race\nwrite:\n  - data_product: result\n    file_type: txt\n    version: 1.0.0\n');
  const mnt = join(h.dir, 'mnt');
  const live = await mountSession(t, h.home, config, mnt);
  t.equal((await exec('sh', ['-c', `echo mine > "${mnt}/result.txt"`])).code, 0);
  const other = join(h.dir, 'other.txt');
  writeFileSync(other, 'theirs\n');
  t.equal((await fairfs(h.home, ['add', other, 'race:result@1.0.0'])).code, 0, 'another registration takes the version');
  const un = await fairfs(h.home, ['unmount', mnt]);
  t.equal(un.code, 65, un.stderr);
  t.match(un.stderr, /race:result@1\.0\.0 already exists/);
  t.equal(await live.exited, 0, 'the daemon exits');
  t.notOk(fuseMountpoints().includes(mnt), 'the mount is gone');
  const [run] = await fairfsJson<RunRow[]>(h.home, ['runs']);
  t.equal(run!.status, 'failed');
});
