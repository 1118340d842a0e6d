import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import t from 'tap';
import { projectRoot } from '../helpers/cli.js';

/*
 * The layout is the architecture: cli → session/sync/server → provenance → registry/store/formats → errors/processes.
 * provenance/ is the read side of lineage: reports and pictures built from the registry, no writes.
 * A session is served by a backend: session → mount (the FUSE backends) → vfs (the neutral tree and
 * the ServedFs contract). The run's rules live in session/ only; vfs/ and mount/ know nothing of runs,
 * and mount/ knows nothing but vfs/. Each native or network library has exactly one home.
 */

const src = join(projectRoot, 'src');
const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
const imports = (file: string): string[] =>
  [...readFileSync(file, 'utf8').matchAll(/^\s*(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
const layer = (file: string): string => relative(src, file).split('/')[0]!.replace(/\.ts$/, '');
const sources = files(src).map((file) => ({ file: relative(src, file), layer: layer(file), imports: imports(file) }));

t.test('each outside library is imported by one layer only', async (t) => {
  const owners: Record<string, string> = {
    'better-sqlite3': 'registry',
    'fuse-native': 'mount',
    undici: 'sync',
    'cli-progress': 'cli',
    commander: 'cli',
    '@hpcc-js/wasm-graphviz': 'provenance',
    yazl: 'provenance',
  };
  for (const { file, layer: l, imports: list } of sources) {
    for (const [lib, owner] of Object.entries(owners)) {
      if (list.includes(lib)) t.equal(l, owner, `${file} imports ${lib}, which belongs to ${owner}/`);
    }
  }
});

t.test('dependencies point one way', async (t) => {
  // What each layer may import from inside src/.
  const allowed: Record<string, string[]> = {
    errors: [],
    processes: [],
    home: ['errors'],
    formats: ['errors'],
    registry: ['errors', 'formats'],
    store: ['errors', 'formats', 'processes'],
    provenance: ['errors', 'formats', 'registry', 'store'],
    config: ['errors', 'registry', 'store', 'formats'],
    vfs: ['errors', 'config', 'registry', 'store', 'formats'],
    mount: ['errors', 'processes', 'vfs'],
    session: ['errors', 'processes', 'home', 'config', 'registry', 'store', 'formats', 'vfs', 'mount'],
    server: ['errors', 'processes', 'registry', 'store', 'formats', 'provenance'],
    sync: ['errors', 'processes', 'home', 'config', 'registry', 'store', 'formats'],
    cli: ['errors', 'processes', 'home', 'config', 'registry', 'store', 'formats', 'vfs', 'session', 'mount', 'server', 'sync', 'provenance'],
  };
  for (const { file, layer: l, imports: list } of sources) {
    for (const target of list.filter((i) => i.startsWith('.'))) {
      const resolved = relative(src, join(src, file, '..', target)).split('/')[0]!.replace(/\.js$/, '');
      if (resolved === l) continue;
      t.ok(allowed[l]?.includes(resolved), `${file} (${l}) imports ${target} (${resolved})`);
    }
  }
});

t.test('formats/ is pure: no file system, network or process', async (t) => {
  for (const { file, layer: l, imports: list } of sources) {
    if (l !== 'formats') continue;
    t.same(list.filter((i) => /^node:(fs|net|http|child_process)/.test(i)), [], `${file} does no I/O`);
  }
});

t.test('only the CLI exits the process', async (t) => {
  for (const { file, layer: l } of sources) {
    if (l === 'cli') continue;
    t.notMatch(readFileSync(join(src, file), 'utf8'), /process\.exit\(/, `${file} does not call process.exit`);
  }
});

t.test('the neutral tree does not know the run: vfs/ never reads the config of a run', async (t) => {
  for (const { file, layer: l, imports: list } of sources) {
    if (l !== 'vfs') continue;
    const run = list.filter((i) => /config\/(resolve|load|register-items)\.js$/.test(i) && !/catalog\.ts$/.test(file));
    t.same(run, [], `${file} does not import the run's config`);
  }
});

t.test('every backend serves the ServedFs contract of vfs/, and only mount/ speaks FUSE', async (t) => {
  const served = readFileSync(join(src, 'vfs', 'served-fs.ts'), 'utf8');
  t.match(served, /export interface ServedFs\b/, 'the contract lives in vfs/');
  t.match(served, /export interface Backend\b/);
  for (const { file, layer: l } of sources) {
    if (l === 'mount') continue;
    t.notMatch(readFileSync(join(src, file), 'utf8'), /import\(\s*['"]fuse-native['"]\s*\)/, `${file} leaves fuse-native to mount/`);
  }
  t.match(readFileSync(join(src, 'session', 'session-fs.ts'), 'utf8'), /class SessionVfs implements ServedFs/, 'the session filesystem is served through the contract');
  t.match(readFileSync(join(src, 'session', 'session-fs.ts'), 'utf8'), /this\.rules\.decide\(/, 'and puts every change to the run\'s rules');
});
