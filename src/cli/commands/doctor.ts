import { accessSync, constants } from 'node:fs';
import { findFusermount } from '../../mount/fusermount.js';
import { describeOwner } from '../../mount/owner.js';
import { isLive, otherMounts } from '../../session/recover.js';
import { openHome, type GlobalOptions } from '../context.js';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

export default async function doctor(g: GlobalOptions): Promise<number> {
  const checks: Check[] = [];
  try {
    accessSync('/dev/fuse', constants.R_OK | constants.W_OK);
    checks.push({ name: '/dev/fuse', ok: true, detail: 'present and writable' });
  } catch (err) {
    checks.push({
      name: '/dev/fuse',
      ok: false,
      detail: (err as Error).message,
      fix: 'load the fuse module (`modprobe fuse`) or run the container with --device /dev/fuse',
    });
  }
  const fusermount = findFusermount();
  checks.push(
    fusermount
      ? { name: 'fusermount', ok: true, detail: fusermount }
      : { name: 'fusermount', ok: false, detail: 'neither fusermount3 nor fusermount found', fix: 'apt-get install -y fuse3' },
  );
  try {
    // Loaded here, not at start: a missing libfuse must be reported, not crash the doctor.
    const { backends } = await import('../../mount/backends.js');
    for (const backend of backends) checks.push(...backend.check());
  } catch (err) {
    checks.push({ name: 'libfuse2', ok: false, detail: (err as Error).message, fix: 'apt-get install -y libfuse2 (not `fuse`, which conflicts with fuse3)' });
  }
  const { home, registry } = openHome(g);
  const integrity = registry.integrityCheck();
  checks.push({ name: 'registry', ok: integrity === 'ok', detail: `${home.registryFile}: ${integrity}`, ...(integrity === 'ok' ? {} : { fix: 'restore registry.db from a backup' }) });
  const stale = [];
  for (const s of registry.listSessions('running')) if (!(await isLive(s))) stale.push(s.runId.slice(0, 12));
  checks.push(
    stale.length === 0
      ? { name: 'interrupted runs', ok: true, detail: 'none' }
      : { name: 'interrupted runs', ok: false, detail: stale.join(', '), fix: 'fairfs recover' },
  );
  // Other homes' live sessions are fine; dead mounts are reported by owner, and only this home's need this home's fix.
  const others = await otherMounts(home, registry);
  const dead = others.filter((m) => m.mount.state === 'dead');
  checks.push(
    dead.length === 0
      ? { name: 'stale mounts', ok: true, detail: 'none' }
      : {
          name: 'stale mounts',
          ok: false,
          detail: dead.map((m) => `${m.mount.mountpoint} (${describeOwner(m.mount)}; ${m.mount.why})`).join(', '),
          fix: dead.some((m) => m.ours) ? 'fairfs recover' : 'fairfs recover --all (they belong to other homes)',
        },
  );
  for (const m of others.filter((x) => x.mount.state === 'live')) {
    checks.push({ name: 'other sessions', ok: true, detail: `${m.mount.mountpoint}: live, ${describeOwner(m.mount)}` });
  }
  for (const c of checks) {
    process.stdout.write(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.name.padEnd(17)} ${c.detail}\n`);
    if (c.fix) process.stdout.write(`      fix: ${c.fix}\n`);
  }
  return checks.every((c) => c.ok) ? 0 : 73;
}
