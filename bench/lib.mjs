// Helpers shared by the benchmark scripts.
import { spawn } from 'node:child_process';

/** Run a program to completion; resolve its stdout, reject with its stderr. */
export function run(cmd, args, opts = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolvePromise(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err}`))));
  });
}

/** Wall time of `fn` in seconds, after flushing dirty pages so no step pays for the last one's writeback. */
export async function timed(fn) {
  await run('sync', []);
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

export async function median(reps, fn) {
  const times = [];
  for (let i = 0; i < reps; i++) times.push(await timed(fn));
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}
