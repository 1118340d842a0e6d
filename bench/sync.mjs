#!/usr/bin/env node
// fairfs sync benchmark: pull and push of one large file against `curl` over
// loopback, and of many small products, between two fairfs homes on this
// machine (one serving with `fairfs registry serve`). Options: --quick.
import { spawn } from 'node:child_process';
import { run, timed } from './lib.mjs';
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'bundle', 'fairfs.mjs');
const quick = process.argv.includes('--quick');
const BIG_MB = quick ? 128 : 1024;
const SMALL = quick ? 200 : 1000;

async function sha1(file) {
  const h = createHash('sha1');
  for await (const c of createReadStream(file)) h.update(c);
  return h.digest('hex');
}

const work = mkdtempSync(join(process.env.FAIRFS_BENCH_DIR ?? tmpdir(), 'fairfs-sync-bench-'));
const serverHome = join(work, 'server');
const clientHome = join(work, 'client');
const as = (home) => ({ env: { ...process.env, FAIRFS_HOME: home } });
const fairfs = (home, args, extra = {}) => run(process.execPath, [cli, ...args], { ...as(home), ...extra });
let server;

async function main() {
  const big = join(work, 'big.bin');
  await run('sh', ['-c', `head -c ${BIG_MB * 1048576} /dev/urandom > "${big}"`]);
  const bigHash = await sha1(big);
  await fairfs(serverHome, ['add', big, `bench:big@1.0.0`]);
  // Many small products, registered in one process through the library.
  await run(process.execPath, [
    '--input-type=module',
    '-e',
    `import { Registry } from '${join(root, 'dist/registry/registry.js')}';
     import { DataStore } from '${join(root, 'dist/store/store.js')}';
     import { writeFileSync } from 'node:fs';
     const reg = new Registry('${join(serverHome, 'registry.db')}');
     const store = new DataStore('${join(serverHome, 'data')}');
     for (let i = 0; i < ${SMALL}; i++) {
       const f = '${join(work, 'small.tmp')}';
       writeFileSync(f, 'product ' + i + '\\n'.repeat(64));
       const s = await store.put(f, 'bench', 'small/p' + i, 'txt', { move: true });
       reg.transaction(() => reg.registerProduct({ namespace: 'bench', name: 'small/p' + i, version: '1.0.0', file: { storageRoot: store.rootUrl, ...s, extension: 'txt' } }));
     }`,
  ]);
  const token = (await fairfs(serverHome, ['registry', 'token', 'create'])).trim();
  server = spawn(process.execPath, [cli, 'registry', 'serve', '--port', '0'], { ...as(serverHome), stdio: ['ignore', 'pipe', 'inherit'] });
  const api = await new Promise((r) => server.stdout.on('data', (d) => { const m = /listening on (\S+)/.exec(String(d)); if (m) r(m[1]); }));
  const base = api.replace(/\/api\/$/, '');

  const curlDown = await timed(() => run('curl', ['-sf', '-o', join(work, 'curl.bin'), `${base}/data/${bigHash}`]));
  const bigConfig = join(work, 'big.yaml');
  writeFileSync(bigConfig, `run_metadata:\n  default_input_namespace: bench\nread:\n  - data_product: big\n`);
  const pullBig = await timed(() => fairfs(clientHome, ['pull', bigConfig, '--remote', api]));
  const smallConfig = join(work, 'small.yaml');
  writeFileSync(smallConfig, `run_metadata:\n  default_input_namespace: bench\nread:\n  - data_product: small/*\n`);
  const pullSmall = await timed(() => fairfs(clientHome, ['pull', smallConfig, '--remote', api]));

  // Push: a run whose one output is a fresh large file, then a run with SMALL outputs.
  const out = join(work, 'out.yaml');
  writeFileSync(out, `run_metadata:\n  default_output_namespace: pushed\n`);
  const big2 = join(work, 'big2.bin');
  await run('sh', ['-c', `head -c ${BIG_MB * 1048576} /dev/urandom > "${big2}"`]);
  const big2Hash = await sha1(big2);
  const curlUp = await timed(() =>
    run('curl', ['-sf', '-X', 'POST', '-H', `Authorization: token ${token}`, `${api}data/${big2Hash}`]).then((body) =>
      run('curl', ['-sf', '-T', big2, '-H', `Authorization: token ${token}`, JSON.parse(body).url]),
    ),
  );
  const big3 = join(work, 'big3.bin');
  await run('sh', ['-c', `head -c ${BIG_MB * 1048576} /dev/urandom > "${big3}"`]);
  await fairfs(clientHome, ['run', out, '--', 'sh', '-c', `cp "${big3}" "$FAIRFS_MOUNT/big.bin"`]);
  const pushBig = await timed(() => fairfs(clientHome, ['push', '--remote', api], { env: { ...as(clientHome).env, FAIRFS_TOKEN: token } }));
  const writeSmall = `import os\nd = os.path.join(os.environ['FAIRFS_MOUNT'], 'small')\nos.makedirs(d, exist_ok=True)\nfor i in range(${SMALL}):\n    open(os.path.join(d, f'o{i}.txt'), 'w').write(f'out {i}\\n')`;
  await fairfs(clientHome, ['run', out, '--', 'python3', '-c', writeSmall]);
  const pushSmall = await timed(() => fairfs(clientHome, ['push', '--remote', api], { env: { ...as(clientHome).env, FAIRFS_TOKEN: token } }));

  const mbps = (s) => `${(BIG_MB / s).toFixed(0)} MiB/s`;
  console.log(
    [
      '| sync workload | curl (loopback) | fairfs | fairfs ÷ curl (throughput) |',
      '|---|---|---|---|',
      `| pull of one ${BIG_MB} MiB product | ${mbps(curlDown)} | ${mbps(pullBig)} | ${(curlDown / pullBig).toFixed(2)}× |`,
      `| push of one ${BIG_MB} MiB output (run + all its records) | ${mbps(curlUp)} | ${mbps(pushBig)} | ${(curlUp / pushBig).toFixed(2)}× |`,
      `| pull of ${SMALL} small products | – | ${(SMALL / pullSmall).toFixed(0)} products/s | – |`,
      `| push of a run with ${SMALL} small outputs | – | ${(SMALL / pushSmall).toFixed(0)} products/s | – |`,
    ].join('\n'),
  );
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => {
    server?.kill('SIGTERM');
    rmSync(work, { recursive: true, force: true });
  });
