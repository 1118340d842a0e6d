#!/usr/bin/env node
// Bundle the compiled CLI (dist/cli/main.js) into dist/bundle/: the fairfs that users and tests run.
// Node 20 resolves, reads and links each ES module on its own (~0.5 ms apiece) and `fairfs run`
// loaded about 120 of them before it did anything; a few bundled chunks load in a fraction of that.
// Commands still load on demand (each dynamic import is a chunk of its own). Packages with native
// or WebAssembly parts stay outside, loaded from node_modules as before: they find their files
// relative to their own location. dist/bundle/ sits two levels down like dist/<layer>/, so paths
// such as the fuse3 addon's (../../native-shims/…) hold in both.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

// esbuild adds to its folder: chunks of an older build would linger beside the new ones.
rmSync('dist/bundle', { recursive: true, force: true });

await build({
  entryPoints: ['dist/cli/main.js'],
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: 'dist/bundle',
  entryNames: 'fairfs',
  chunkNames: '[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  external: ['better-sqlite3', 'fuse-native', 'h5wasm', '@hpcc-js/wasm-graphviz'],
  // CommonJS packages inside an ES module bundle still call require() for Node's own modules.
  banner: { js: "import { createRequire as __fairfsRequire } from 'node:module'; const require = __fairfsRequire(import.meta.url);" },
  logLevel: 'warning',
});
