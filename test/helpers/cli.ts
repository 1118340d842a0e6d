import { spawn, type SpawnOptions } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The CLI as users run it: the bundle the set-up builds (scripts/bundle.mjs). */
export const cliPath = join(projectRoot, 'dist', 'bundle', 'fairfs.mjs');
export const exampleDir = join(projectRoot, 'examples', 'sir-model');

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Run any program asynchronously (never execSync near a mount) and collect its output. */
export function exec(cmd: string, args: string[], opts: SpawnOptions & { input?: string } = {}): Promise<Result> {
  return new Promise((resolvePromise, reject) => {
    // No stdin unless there is input: writing to a child that already exited raises EPIPE.
    const child = spawn(cmd, args, { ...opts, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
    if (opts.input !== undefined) {
      child.stdin!.on('error', () => {});
      child.stdin!.end(opts.input);
    }
  });
}

/** Run the built fairfs CLI against a given home. */
export function fairfs(home: string, args: string[], opts: SpawnOptions = {}): Promise<Result> {
  return exec(process.execPath, [cliPath, ...args], {
    ...opts,
    env: { ...process.env, ...opts.env, FAIRFS_HOME: home },
  });
}

/** Parse the JSON a `--json` listing printed, failing loudly with its stderr. */
export async function fairfsJson<T>(home: string, args: string[]): Promise<T> {
  const r = await fairfs(home, [...args, '--json']);
  if (r.code !== 0) throw new Error(`fairfs ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
