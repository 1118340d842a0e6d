import { Agent, request as httpRequest } from 'node:http';
import fc from 'fast-check';
import t, { type Test } from 'tap';
import { RESOURCES } from '../../src/formats/fair-resources.js';
import { emptyHome } from '../helpers/home.js';
import { api, startServer } from '../helpers/server.js';

/*
 * A seeded fuzz test of the REST API: every endpoint × method × malformed
 * body, query and header. The server must answer each request (no dropped
 * connection) with no 5xx, no stack trace and no path of this host, and must
 * still answer afterwards. One fixed seed always runs; a random one too,
 * printed so a failure can be replayed with FAIRFS_FUZZ_SEED.
 */

interface Answer {
  status: number;
  text: string;
  error?: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

function send(url: string, method: string, headers: Record<string, string>, body: Buffer | null): Promise<Answer> {
  return new Promise((resolve) => {
    const h = { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) };
    const req = httpRequest(url, { method, headers: h, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', (err) => resolve({ status: 0, text, error: err.message }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timed out')));
    req.on('error', (err) => resolve({ status: 0, text: '', error: (err as NodeJS.ErrnoException).code ?? err.message }));
    req.end(body ?? undefined);
  });
}

const endpoints = [...RESOURCES.map((r) => r.endpoint), 'data', 'prov-report', 'nope', ''];
const fieldNames = [...new Set(RESOURCES.flatMap((r) => r.fields.map((f) => f.name))), 'cursor', 'page', 'format', 'id', 'url'];

function arbitraries(base: string, token: string) {
  const scalar = fc.oneof(
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double(),
    fc.string({ maxLength: 40 }),
    fc.constantFrom('True', 'false', '', '*', '../../registry.db', 'file:///etc/passwd', '\u0000', '1e400', '-1', '9007199254740993'),
    fc.constantFrom(...endpoints).chain((e) => fc.nat({ max: 5 }).map((id) => `${base}/api/${e}/${id}/`)),
    fc.constant('x'.repeat(5000)),
  );
  const value = fc.oneof(scalar, fc.array(scalar, { maxLength: 4 }), fc.dictionary(fc.string({ maxLength: 8 }), scalar, { maxKeys: 3 }));
  const jsonBody = fc.dictionary(fc.oneof(fc.constantFrom(...fieldNames), fc.string({ maxLength: 10 })), value, { maxKeys: 6 }).map((o) => JSON.stringify(o));
  const body = fc.oneof(
    jsonBody,
    fc.constantFrom('', '{', 'null', '[]', '"x"', '{"a":', '\u0000\u0001', 'name=a&x=1', '{"name": "a"}{"name": "b"}'),
    fc.string({ maxLength: 200 }),
    fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a).toString('latin1')),
  );
  const idPart = fc.oneof(fc.nat({ max: 6 }).map(String), fc.constantFrom('0', '99999999999999999999', '-1', 'abc', '1.5', '%2e%2e', '..', 'a'.repeat(40), '1'.repeat(40)));
  const path = fc.oneof(
    fc.constantFrom(...endpoints).map((e) => `/api/${e}/`),
    fc.constantFrom(...endpoints).map((e) => `/api/${e}`),
    fc.tuple(fc.constantFrom(...endpoints), idPart).map(([e, id]) => `/api/${e}/${id}/`),
    fc.tuple(fc.constantFrom(...endpoints), idPart).map(([e, id]) => `/api/${e}/${id}`),
    idPart.map((id) => `/data/${id}`),
    idPart.map((id) => `/data/upload/${id}`),
    idPart.map((id) => `/api/data/${id}`),
    fc.constantFrom('/', '/api', '/api/', '//api/namespace/', '/api/namespace/1/extra/', '/data/../registry.db', '/%00', '/api/%zz/'),
  );
  const queryValue = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('', '*', 'null', 'True', '1', '-5', 'abc', `${base}/api/namespace/1/`, '%', '%zz', 'AAAA', 'MQ', '=')); 
  const query = fc.array(fc.tuple(fc.oneof(fc.constantFrom(...fieldNames), fc.string({ maxLength: 8 })), queryValue), { maxLength: 4 }).map((pairs) =>
    pairs.length ? `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}` : '',
  );
  const headers = fc.record({
    authorization: fc.constantFrom(undefined, `token ${token}`, `token ${token}`, 'token nope', 'Bearer x', 'token', '', `token ${token} extra`),
    'content-type': fc.constantFrom(undefined, 'application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '*/*'),
    accept: fc.constantFrom(undefined, 'application/json', 'application/json; version=1.0.0', 'application/json; version=2.0.0', 'text/html', '*/*', 'garbage;;;'),
  }, { requiredKeys: [] });
  const method = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD');
  const anyRequest = fc.record({ method, path, query, headers, body: fc.option(body, { nil: null }) });
  // Most requests look almost right: an endpoint's own fields, authenticated, with one value or shape off.
  const nearMiss = fc.constantFrom(...RESOURCES).chain((res) => {
    const own = fc.dictionary(fc.constantFrom(...res.fields.map((f) => f.name)), value, { minKeys: 0, maxKeys: res.fields.length });
    return fc.record({
      method: fc.constantFrom('POST', 'POST', 'PATCH', 'PUT', 'GET'),
      path: fc.oneof(fc.constant(`/api/${res.endpoint}/`), fc.nat({ max: 3 }).map((id) => `/api/${res.endpoint}/${id}/`)),
      query: fc.oneof(fc.constant(''), fc.tuple(fc.constantFrom(...res.fields.map((f) => f.name)), queryValue).map(([k, v]) => `?${k}=${encodeURIComponent(v)}`)),
      headers: fc.constant({ authorization: `token ${token}`, 'content-type': 'application/json' } as Record<string, string | undefined>),
      body: own.map((o) => JSON.stringify(o)) as fc.Arbitrary<string | null>,
    });
  });
  return fc.oneof({ arbitrary: anyRequest, weight: 1 }, { arbitrary: nearMiss, weight: 2 });
}

async function fuzz(t: Test, seed: number, runs: number): Promise<void> {
  const h = emptyHome(t);
  const s = await startServer(t, h.home, ['--page-size', '3']);
  // Some records, so relation URLs and detail ids can point at something real.
  const post = (e: string, body: unknown) => api('POST', `${s.api}${e}/`, { token: s.token, body });
  await post('namespace', { name: 'N' });
  const root = await post('storage_root', { root: 'https://example.org/store/' });
  const loc = await post('storage_location', { path: 'a.csv', hash: 'a'.repeat(40), storage_root: root.json.url });
  await post('object', { storage_location: loc.json.url });
  await post('author', { name: 'A', identifier: 'https://orcid.org/0000' });

  const failures: string[] = [];
  let sent = 0;
  await fc.assert(
    fc.asyncProperty(arbitraries(s.base, s.token), async (r) => {
      const headers = Object.fromEntries(Object.entries(r.headers).filter(([, v]) => v !== undefined)) as Record<string, string>;
      const answer = await send(`${s.base}${r.path}${r.query}`, r.method, headers, r.body === null || r.method === 'GET' || r.method === 'HEAD' ? null : Buffer.from(r.body, 'latin1'));
      sent++;
      const what = `${r.method} ${r.path}${r.query} ${JSON.stringify(headers)} ${JSON.stringify(r.body)?.slice(0, 200)}`;
      if (answer.error) failures.push(`dropped: ${answer.error} on ${what}`);
      else if (answer.status >= 500) failures.push(`${answer.status} on ${what}: ${answer.text.slice(0, 200)}`);
      else if (/\bat .*\.(js|ts):\d+|node_modules|\/dist\/|Traceback/.test(answer.text) || answer.text.includes(h.home)) {
        failures.push(`leaky body on ${what}: ${answer.text.slice(0, 200)}`);
      }
      return failures.length === 0;
    }),
    { seed, numRuns: runs, endOnFailure: true },
  );
  t.same(failures, [], `seed ${seed}: ${sent} requests, no 5xx, no dropped connection, no trace or host path`);
  t.equal((await api('GET', s.api)).status, 200, 'the server still answers afterwards');
  t.equal((await api('GET', `${s.api}namespace/?name=N`)).json.count, 1, 'and its data is intact');
}

t.teardown(() => agent.destroy());

t.test('fixed seed', async (t) => fuzz(t, 20261203, 2000));

const seed = Number(process.env.FAIRFS_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
t.test(`random seed ${seed} (replay with FAIRFS_FUZZ_SEED=${seed})`, async (t) => fuzz(t, seed, 1000));
