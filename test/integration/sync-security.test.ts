import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { fairfs, fairfsJson } from '../helpers/cli.js';
import { emptyHome } from '../helpers/home.js';

/*
 * A hostile registry: pull must send its token only to the registry's own
 * origin, refuse relation URLs outside its API, fetch files elsewhere without
 * the token, and never hang on a stalled body. These are faults a real
 * registry does not produce on purpose, so a small server in the test plays it.
 */

const TOKEN = 'a'.repeat(40);
const BYTES = Buffer.from('region,population\nA,100\n');
const HASH = createHash('sha1').update(BYTES).digest('hex');

interface Seen {
  origin: 'registry' | 'other';
  path: string;
  auth: string | undefined;
}

type Handler = (req: IncomingMessage, res: ServerResponse, urls: { registry: string; other: string }) => boolean;

async function listen(t: Test, handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server: Server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  const a = server.address();
  return `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
}

/** A registry that answers pull's queries for N:p@1.0.0; `twist` changes one answer. */
async function hostileRegistry(t: Test, twist: Handler, otherHandler?: (req: IncomingMessage, res: ServerResponse) => void) {
  const seen: Seen[] = [];
  const urls = { registry: '', other: '' };
  const json = (res: ServerResponse, body: unknown) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const page = (results: unknown[]) => ({ count: results.length, next: null, previous: null, results });
  urls.other = await listen(t, (req, res) => {
    seen.push({ origin: 'other', path: req.url ?? '', auth: req.headers.authorization });
    if (otherHandler) return otherHandler(req, res);
    if (req.url?.startsWith('/files/')) {
      res.writeHead(200, { 'content-length': BYTES.length });
      return void res.end(BYTES);
    }
    json(res, { url: `${urls.other}/api/object/1/`, storage_location: `${urls.other}/api/storage_location/1/` });
  });
  urls.registry = await listen(t, (req, res) => {
    seen.push({ origin: 'registry', path: req.url ?? '', auth: req.headers.authorization });
    if (twist(req, res, urls)) return;
    const api = `${urls.registry}/api`;
    const u = new URL(req.url ?? '/', urls.registry);
    switch (u.pathname) {
      case '/api/namespace/':
        return json(res, page([{ url: `${api}/namespace/1/`, name: 'N' }]));
      case '/api/data_product/':
        return json(res, page([{ url: `${api}/data_product/1/`, name: 'p', version: '1.0.0', namespace: `${api}/namespace/1/`, object: `${api}/object/1/` }]));
      case '/api/object/1/':
        return json(res, { url: `${api}/object/1/`, storage_location: `${api}/storage_location/1/`, file_type: null, uuid: '7a4e6f66-0000-4000-8000-000000000001', description: null });
      case '/api/storage_location/1/':
        return json(res, { url: `${api}/storage_location/1/`, path: 'p.csv', hash: HASH, public: true, storage_root: `${api}/storage_root/1/` });
      case '/api/storage_root/1/':
        return json(res, { url: `${api}/storage_root/1/`, root: `${urls.registry}/files/`, local: false });
      case '/api/object_component/':
        return json(res, page([{ url: `${api}/object_component/1/`, name: 'whole_object', whole_object: true, description: null }]));
      case '/files/p.csv':
        res.writeHead(200, { 'content-length': BYTES.length });
        return void res.end(BYTES);
      default:
        res.writeHead(404);
        res.end();
    }
  });
  return { seen, urls };
}

function clientHome(t: Test) {
  const h = emptyHome(t);
  const config = join(h.dir, 'config.yaml');
  writeFileSync(config, 'run_metadata:\n  description: pull test\n  default_input_namespace: N\n  default_output_namespace: N\nread:\n  - data_product: p\n    version: 1.0.0\n');
  return { ...h, config };
}

const pull = (home: string, config: string, registry: string) => fairfs(home, ['pull', config, '--remote', `${registry}/api/`], { env: { FAIRFS_TOKEN: TOKEN } });

t.test('a relation URL on another origin is refused, and the token never goes there', async (t) => {
  const { seen, urls } = await hostileRegistry(t, (req, res, u) => {
    if (!req.url?.startsWith('/api/data_product/')) return false;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ count: 1, next: null, previous: null, results: [{ url: `${u.registry}/api/data_product/1/`, name: 'p', version: '1.0.0', object: `${u.other}/api/object/1/` }] }));
    return true;
  });
  const c = clientHome(t);
  const r = await pull(c.home, c.config, urls.registry);
  t.equal(r.code, 65, r.stderr);
  t.match(r.stderr, /outside its own API/);
  t.same(seen.filter((s) => s.origin === 'other'), [], 'nothing was asked of the other origin');
  t.ok(seen.filter((s) => s.origin === 'registry').every((s) => s.auth === `token ${TOKEN}`), 'the registry itself got the token');
  t.same(await fairfsJson(c.home, ['ls']), [], 'nothing registered');
});

t.test('files on another origin, and redirects there, are fetched without the token', async (t) => {
  const { seen, urls } = await hostileRegistry(t, (req, res, u) => {
    if (req.url === '/files/p.csv') {
      res.writeHead(302, { location: `${u.other}/files/p.csv?signature=x` });
      res.end();
      return true;
    }
    return false;
  });
  const c = clientHome(t);
  const r = await pull(c.home, c.config, urls.registry);
  t.equal(r.code, 0, r.stderr);
  const other = seen.filter((s) => s.origin === 'other');
  t.same(other.map((s) => s.path), ['/files/p.csv?signature=x'], 'the redirect was followed');
  t.equal(other[0]?.auth, undefined, 'without the registry token');
  const [p] = await fairfsJson<{ hash: string }[]>(c.home, ['ls']);
  t.equal(p?.hash, HASH, 'registered after the hash check');
});

t.test('a stalled download ends after the idle timeout and leaves no partial file', async (t) => {
  const { urls } = await hostileRegistry(t, (req, res) => {
    if (req.url === '/files/p.csv') {
      res.writeHead(200, { 'content-length': 10_000_000 });
      res.write(BYTES); // then nothing, for ever
      return true;
    }
    return false;
  });
  const c = clientHome(t);
  await fairfs(c.home, ['init']);
  writeFileSync(join(c.home, 'settings.yaml'), 'user: tester\ntransfer_idle_timeout: 1\n');
  const started = Date.now();
  const r = await pull(c.home, c.config, urls.registry);
  t.equal(r.code, 69, r.stderr);
  t.match(r.stderr, /broke off|timeout/i);
  t.ok(Date.now() - started < 60_000, 'it did not wait for the default minute');
  t.same(readdirSync(join(c.home, 'staging')), [], 'no partial download left in staging');
  t.same(await fairfsJson(c.home, ['ls']), [], 'nothing registered');
});

t.test('partial downloads of a killed pull are swept by the next pull', async (t) => {
  const { urls } = await hostileRegistry(t, () => false);
  const c = clientHome(t);
  await fairfs(c.home, ['init']);
  mkdirSync(join(c.home, 'staging', 'pull-999999999-1-abcdef'), { recursive: true });
  writeFileSync(join(c.home, 'staging', 'pull-999999999-1-abcdef', '0'), 'half a file');
  const r = await pull(c.home, c.config, urls.registry);
  t.equal(r.code, 0, r.stderr);
  t.same(readdirSync(join(c.home, 'staging')), [], 'the dead pull\'s staging is gone');
});
