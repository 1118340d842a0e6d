import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Test } from 'tap';
import { cliPath, fairfs } from './cli.js';

export interface LiveServer {
  /** API root, e.g. http://127.0.0.1:41234/api/ */
  api: string;
  base: string;
  token: string;
}

/** `fairfs registry serve` on 127.0.0.1, a free port, for one test; stopped in teardown. */
export async function startServer(t: Test, home: string, extra: string[] = []): Promise<LiveServer> {
  const made = await fairfs(home, ['registry', 'token', 'create', '--user', 'admin']);
  if (made.code !== 0) throw new Error(`token create failed: ${made.stderr}`);
  const token = made.stdout.trim();
  const child = spawn(process.execPath, [cliPath, 'registry', 'serve', '--host', '127.0.0.1', '--port', '0', ...extra], {
    env: { ...process.env, FAIRFS_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise((r) => child.on('exit', r));
  t.teardown(async () => {
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(5000)]);
    child.kill('SIGKILL');
  });
  const deadline = Date.now() + 15_000;
  let api: string | undefined;
  while (!(api = /listening on (http:\/\/\S+)/.exec(out)?.[1])) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`registry server did not start:\n${out}`);
    await sleep(20);
  }
  return { api, base: api.replace(/\/api\/$/, ''), token };
}

/** A JSON request to the server (fetch is fine here: the test process serves no mount). */
export async function api(method: string, url: string, opts: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; json: any }> {
  const res = await fetch(url, {
    method,
    redirect: 'manual',
    headers: {
      ...(opts.token ? { authorization: `token ${opts.token}` } : {}),
      ...(opts.body !== undefined || opts.raw !== undefined ? { 'content-type': 'application/json' } : {}),
      ...opts.headers,
    },
    ...(opts.raw !== undefined ? { body: opts.raw } : opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  return { status: res.status, json };
}
