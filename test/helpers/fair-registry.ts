import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Test } from 'tap';
import { exec, projectRoot } from './cli.js';

/** The real FAIR data-registry harness (`../shared/fair-registry`), when this checkout has it. */
export const harnessDir = join(projectRoot, '..', 'shared', 'fair-registry');

/** Why the real-registry tests cannot run here, or null when they can. */
export function fairRegistryMissing(): string | null {
  if (!existsSync(join(harnessDir, 'setup.sh'))) return `the real FAIR data-registry harness is not here (${harnessDir})`;
  if (!existsSync('/usr/bin/python3')) return 'the real FAIR data-registry needs /usr/bin/python3';
  return null;
}

/**
 * One set-up of the registry (source, Django, migrated clean DB, admin token)
 * per user, shared by every test and kept between runs; `scripts/setup.sh`
 * makes it too. Instances copy its clean DB and run on their own ports.
 */
export const baseWorkdir = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'fairfs', 'fair-registry');

async function ensureBase(): Promise<void> {
  if (existsSync(join(baseWorkdir, 'db.clean.sqlite3')) && existsSync(join(baseWorkdir, 'token'))) return;
  mkdirSync(join(baseWorkdir, '..'), { recursive: true });
  // Two test runs of one user must not set it up at once: a lock folder, waited on.
  const lock = `${baseWorkdir}.lock`;
  for (let i = 0; ; i++) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (i > 600) throw new Error(`${lock} held for 10 minutes; remove it if no set-up is running`);
      await sleep(1000);
    }
  }
  try {
    if (existsSync(join(baseWorkdir, 'db.clean.sqlite3'))) return;
    const r = await exec('bash', [join(harnessDir, 'setup.sh'), baseWorkdir]);
    if (r.code !== 0) throw new Error(`fair-registry setup.sh failed (${r.code}):\n${r.stderr.slice(-3000)}`);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface RealRegistry {
  /** API root, e.g. http://127.0.0.1:41234/api/ */
  api: string;
  base: string;
  token: string;
  workdir: string;
  /** The S3-compatible object store's folder, when the registry has one. */
  objectStore: string | null;
  /** The port of its own PostgreSQL cluster, when it runs on PostgreSQL as production does. */
  postgresPort: number | null;
}

export interface RegistryOptions {
  objectStore?: boolean;
  /** PostgreSQL instead of SQLite (a cluster of its own under the work dir). */
  postgres?: boolean;
}

/**
 * A fresh, empty real FAIR data-registry on 127.0.0.1 and a free port for one
 * test, optionally with an S3-compatible object store (s3rver, in this
 * process: it serves no mount). Stopped and removed in teardown.
 */
export async function startRealRegistry(t: Test, opts: RegistryOptions = {}): Promise<RealRegistry> {
  await ensureBase();
  const workdir = mkdtempSync(join(tmpdir(), 'fairfs-fr-'));
  // An instance: the base's code and Django, its own DB, pid file and log.
  const env = readFileSync(join(baseWorkdir, 'env.sh'), 'utf8').replace(/^export FAIR_HARNESS_DB=.*$/m, `export FAIR_HARNESS_DB="${join(workdir, 'db.sqlite3')}"`);
  writeFileSync(join(workdir, 'env.sh'), env);
  copyFileSync(join(baseWorkdir, 'db.clean.sqlite3'), join(workdir, 'db.clean.sqlite3'));
  copyFileSync(join(baseWorkdir, 'token'), join(workdir, 'token'));
  const token = readFileSync(join(baseWorkdir, 'token'), 'utf8').trim();
  // The cluster runs as the postgres user, who must reach its folder inside the work dir.
  if (opts.postgres) chmodSync(workdir, 0o755);

  const port = await freePort();
  t.teardown(async () => {
    await exec('bash', [join(harnessDir, 'stop.sh'), workdir]);
    rmSync(workdir, { recursive: true, force: true });
  });
  return launch(t, workdir, port, token, { objectStore: opts.objectStore ?? false, postgresPort: opts.postgres ? await freePort() : null }, true);
}

/** Stop a registry and start it again on the same port and database, e.g. now with object storage. */
export async function restartRealRegistry(t: Test, r: RealRegistry, opts: { objectStore?: boolean } = {}): Promise<RealRegistry> {
  const stopped = await exec('bash', [join(harnessDir, 'stop.sh'), r.workdir]);
  if (stopped.code !== 0) throw new Error(`stop.sh failed: ${stopped.stderr}`);
  return launch(t, r.workdir, Number(new URL(r.base).port), r.token, { objectStore: opts.objectStore ?? false, postgresPort: r.postgresPort }, false);
}

async function launch(
  t: Test,
  workdir: string,
  port: number,
  token: string,
  opts: { objectStore: boolean; postgresPort: number | null },
  fresh: boolean,
): Promise<RealRegistry> {
  let objectStore: string | null = null;
  const extraEnv: Record<string, string> = {};
  if (opts.postgresPort !== null) extraEnv.FAIR_HARNESS_PG_PORT = String(opts.postgresPort);
  if (opts.objectStore) {
    const { default: S3rver } = await import('s3rver');
    objectStore = join(workdir, 's3');
    const s3 = new S3rver({ address: '127.0.0.1', port: 0, directory: objectStore, silent: true, configureBuckets: [{ name: 'fair', configs: [] }] });
    const { port: s3Port } = (await s3.run()) as { port: number };
    extraEnv.FAIR_HARNESS_S3_URL = `http://127.0.0.1:${s3Port}/`;
    t.teardown(() => s3.close());
  }
  const args = [join(harnessDir, 'start.sh'), workdir, String(port), ...(fresh ? ['--fresh-db'] : [])];
  const started = await exec('bash', args, { env: { ...process.env, ...extraEnv } });
  if (started.code !== 0) throw new Error(`fair-registry start.sh failed:\n${started.stderr.slice(-3000)}`);
  const base = `http://127.0.0.1:${port}`;
  return { api: `${base}/api/`, base, token, workdir, objectStore, postgresPort: opts.postgresPort };
}
