import { request as httpRequest } from 'node:http';
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { emptyHome } from '../helpers/home.js';
import { api, startServer } from '../helpers/server.js';

const HASH = '1'.repeat(40);

/** A raw request with an explicit Host header and body (fetch cannot forge Host). */
function raw(url: string, opts: { method: string; headers?: Record<string, string>; body?: Buffer }): Promise<{ status: number; text: string; error?: string }> {
  return new Promise((resolve) => {
    // An explicit length: Node sends DELETE bodies unframed otherwise.
    const headers = { ...opts.headers, ...(opts.body ? { 'content-length': String(opts.body.length) } : {}) };
    const req = httpRequest(url, { method: opts.method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', (err) => resolve({ status: 0, text: '', error: (err as NodeJS.ErrnoException).code ?? err.message }));
    req.end(opts.body);
  });
}

t.test('the server serves bytes only from files of its own store', async (t) => {
  const h = emptyHome(t);
  const s = await startServer(t, h.home);
  const post = (endpoint: string, body: unknown) => api('POST', `${s.api}${endpoint}/`, { token: s.token, body });

  // A storage root elsewhere on the machine, and a location in it: metadata, nothing more.
  const etc = await post('storage_root', { root: 'file:///etc/', local: true });
  t.equal(etc.status, 201);
  t.equal((await post('storage_location', { path: 'passwd', hash: HASH, storage_root: etc.json.url })).status, 201);
  const passwd = await api('GET', `${s.base}/data/${HASH}`);
  t.equal(passwd.status, 404, 'a location under file:///etc/ is not served');
  t.notMatch(JSON.stringify(passwd.json), /root:/, 'no byte of /etc/passwd in the answer');

  // The home's own root, with paths that climb out of the store or through a symlink.
  const ownRoot = `file://${join(h.home, 'data')}/`;
  const own = await post('storage_root', { root: ownRoot, local: true });
  t.equal(own.status, 201);
  const hashes = ['2', '3', '4'].map((c) => c.repeat(40));
  mkdirSync(join(h.home, 'data', 'evil'), { recursive: true });
  symlinkSync('/etc/passwd', join(h.home, 'data', 'evil', 'link'));
  symlinkSync(join(h.home, 'registry.db'), join(h.home, 'data', 'evil', 'db'));
  const paths = ['../registry.db', 'evil/link', 'evil/db'];
  for (const [i, path] of paths.entries()) {
    t.equal((await post('storage_location', { path, hash: hashes[i], storage_root: own.json.url })).status, 201);
    const got = await api('GET', `${s.base}/data/${hashes[i]}`);
    t.equal(got.status, 404, `${path} under the store's own root is not served`);
  }
  // A real stored file still is.
  writeFileSync(join(h.home, 'data', 'evil', 'ok.txt'), 'hello\n');
  const good = 'f572d396fae9206628714fb2ce00f72e94f2258f'; // sha1("hello\n")
  t.equal((await post('storage_location', { path: 'evil/ok.txt', hash: good, storage_root: own.json.url })).status, 201);
  const served = await fetch(`${s.base}/data/${good}`);
  t.equal(served.status, 200, 'a file inside the store is served');
  t.equal(await served.text(), 'hello\n');
});

t.test('URLs never come from a forged Host header', async (t) => {
  const h = emptyHome(t);
  const s = await startServer(t, h.home);
  const auth = { authorization: `token ${s.token}` };
  const evil = await raw(`${s.api}data/${HASH}`, { method: 'POST', headers: { ...auth, host: 'evil.example:9999' } });
  t.equal(evil.status, 400, 'a Host the server is not: 400');
  t.notMatch(evil.text, /evil\.example:9999\/data/, 'no upload URL on the forged host');
  const listed = await raw(s.api, { method: 'GET', headers: { host: 'evil.example' } });
  t.equal(listed.status, 400, 'GETs too');
  const port = new URL(s.api).port;
  const ok = await raw(`${s.api}data/${HASH}`, { method: 'POST', headers: { ...auth, host: `127.0.0.1:${port}` } });
  t.equal(ok.status, 200, 'an upload URL, answered 200 as the production registry does');
  t.equal(JSON.parse(ok.text).url, `http://127.0.0.1:${port}/data/upload/${HASH}`, 'the listening address builds the URL');
  const local = await raw(s.api, { method: 'GET', headers: { host: `localhost:${port}` } });
  t.equal(local.status, 200, 'localhost is the loopback listener too');
  t.equal(JSON.parse(local.text).namespace, `http://localhost:${port}/api/namespace/`, 'URLs start with the base the client used');
});

t.test('--public-url names the one other Host the server answers to', async (t) => {
  const h = emptyHome(t);
  const s = await startServer(t, h.home, ['--public-url', 'https://registry.example.org']);
  const r = await raw(s.api, { method: 'GET', headers: { host: 'registry.example.org' } });
  t.equal(r.status, 200);
  t.equal(JSON.parse(r.text).namespace, 'https://registry.example.org/api/namespace/');
  t.equal((await raw(s.api, { method: 'GET', headers: { host: 'other.example.org' } })).status, 400);
});

t.test('null, missing and malformed fields are 400s that name the field', async (t) => {
  const h = emptyHome(t);
  const s = await startServer(t, h.home);
  const post = (endpoint: string, body: unknown) => api('POST', `${s.api}${endpoint}/`, { token: s.token, body });
  const ns = await post('namespace', { name: 'N' });
  const root = await post('storage_root', { root: 'https://example.org/x/' });
  const loc = await post('storage_location', { path: 'a', hash: HASH, storage_root: root.json.url });
  const obj = await post('object', { storage_location: loc.json.url });
  t.equal(obj.status, 201);
  const cases: [string, unknown, string][] = [
    ['author', {}, 'name'],
    ['author', { name: null }, 'name'],
    ['issue', { description: 'd', severity: null }, 'severity'],
    ['storage_root', { root: 'https://example.org/y/', local: null }, 'local'],
    ['object_component', { object: obj.json.url, name: 'c', whole_object: null }, 'whole_object'],
    ['object', { authors: null }, 'authors'],
    ['issue', { description: 'd', component_issues: null }, 'component_issues'],
    ['code_run', { run_date: '2026-01-01T00:00:00', description: 'd', submission_script: obj.json.url, inputs: null }, 'inputs'],
    ['issue', { description: 'd', severity: { a: 1 } }, 'severity'],
    ['namespace', { name: ['x'] }, 'name'],
  ];
  for (const [endpoint, body, field] of cases) {
    const r = await post(endpoint, body);
    t.equal(r.status, 400, `${endpoint} ${JSON.stringify(body)}: 400`);
    t.ok(r.json && Array.isArray(r.json[field]), `${endpoint}: the answer names ${field}`);
  }
  const issue = await post('issue', { description: 'd' });
  t.equal(issue.status, 201);
  const patched = await api('PATCH', issue.json.url, { token: s.token, body: { severity: null } });
  t.equal(patched.status, 400, 'PATCH to null on a NOT NULL column: 400');
  t.ok(Array.isArray(patched.json.severity));
  t.ok(ns.status === 201);
});

t.test('a refusal reaches a client that is still sending its body', async (t) => {
  const h = emptyHome(t);
  const s = await startServer(t, h.home);
  const big = Buffer.alloc(8 << 20, 0x61);
  const json = { 'content-type': 'application/json' };
  const noToken = await raw(`${s.api}namespace/`, { method: 'POST', headers: json, body: big });
  t.same([noToken.status, noToken.error], [403, undefined], '403 before the body was read, delivered');
  const tooBig = await raw(`${s.api}namespace/`, { method: 'POST', headers: { ...json, authorization: `token ${s.token}` }, body: big });
  t.same([tooBig.status, tooBig.error], [413, undefined], '413 for a body over the limit, delivered');
  const notAllowed = await raw(`${s.api}namespace/1/`, { method: 'DELETE', headers: { authorization: `token ${s.token}` }, body: big });
  t.same([notAllowed.status, notAllowed.error], [405, undefined], '405 with a body, delivered');
  t.equal((await api('GET', s.api)).status, 200, 'the server still answers');
});

t.test('partial uploads of dead processes are swept at server start, a live one is kept', async (t) => {
  const h = emptyHome(t);
  const uploads = join(h.home, 'data', '.fairfs', 'uploads');
  mkdirSync(uploads, { recursive: true });
  writeFileSync(join(uploads, '.tmp-999999999-1-deadbeef'), 'half');
  writeFileSync(join(uploads, '.tmp-0123456789abcdef'), 'older layout');
  const live = `.tmp-${process.pid}-0-cafe`;
  writeFileSync(join(uploads, live), 'in flight');
  writeFileSync(join(uploads, HASH), 'complete upload');
  await startServer(t, h.home);
  t.same(readdirSync(uploads).sort(), [live, HASH].sort(), 'only the dead partials are gone');
});
