import t from 'tap';
import { fairRegistryMissing, startRealRegistry } from '../helpers/fair-registry.js';
import { emptyHome } from '../helpers/home.js';
import { startServer } from '../helpers/server.js';

// `fairfs registry serve` against the real FAIR data-registry: the same requests to both,
// the same status codes and field sets back. Where they differ on purpose, the reason is below.
const missing = fairRegistryMissing();
if (missing) t.plan(0, `skipped: ${missing}`);

interface Target {
  api: string;
  token: string;
  /** Relation URLs made by the seed, by name. */
  refs: Map<string, string>;
}

interface Answer {
  status: number;
  /** The field names of the body (of its first result for lists); null when not JSON. */
  fields: string[] | null;
  headers: Headers;
  json: any;
}

interface Step {
  name: string;
  method?: string;
  path: string;
  body?: unknown;
  /** A raw body, sent with `contentType`. */
  raw?: string;
  contentType?: string;
  accept?: string;
  anonymous?: boolean;
  /** Remember the record's URL under this name (seed steps). */
  as?: string;
}

const SHA = 'a'.repeat(40);
const SHA2 = 'b'.repeat(40);

/** `${ref}` in a path or body becomes that target's URL for the ref; `#ref` its integer id. */
function fill(t: Target, v: unknown): unknown {
  if (typeof v === 'string') {
    return v
      .replace(/\$\{(\w+)\}/g, (_, k: string) => t.refs.get(k) ?? `missing-${k}`)
      .replace(/#(\w+)/g, (_, k: string) => /(\d+)\/$/.exec(t.refs.get(k) ?? '')?.[1] ?? `missing-${k}`);
  }
  if (Array.isArray(v)) return v.map((x) => fill(t, x));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(t, x)]));
  return v;
}

async function send(target: Target, step: Step): Promise<Answer> {
  const path = fill(target, step.path) as string;
  const url = path.startsWith('/') ? `${target.api.replace(/\/api\/$/, '')}${path}` : `${target.api}${path}`;
  const headers: Record<string, string> = { accept: step.accept ?? 'application/json; version=1.0.0' };
  if (!step.anonymous) headers.authorization = `token ${target.token}`;
  let body: string | undefined;
  if (step.raw !== undefined) {
    body = step.raw;
    headers['content-type'] = step.contentType ?? 'application/json';
  } else if (step.body !== undefined) {
    body = JSON.stringify(fill(target, step.body));
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(url, { method: step.method ?? 'GET', headers, body, redirect: 'manual' });
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  const shape = json && typeof json === 'object' && Array.isArray(json.results) ? (json.results[0] ?? {}) : json;
  const fields = shape && typeof shape === 'object' && !Array.isArray(shape) ? Object.keys(shape).sort() : null;
  if (step.as && json?.url) target.refs.set(step.as, json.url);
  return { status: res.status, fields, headers: res.headers, json };
}

/** The same records on both servers, made through the API. */
const SEED: Step[] = [
  { name: 'namespace', method: 'POST', path: 'namespace/', body: { name: 'ns1', full_name: 'Namespace one' }, as: 'ns' },
  { name: 'storage root', method: 'POST', path: 'storage_root/', body: { root: 'https://example.org/data/', local: false }, as: 'root' },
  { name: 'storage location', method: 'POST', path: 'storage_location/', body: { path: 'a.csv', hash: SHA, public: true, storage_root: '${root}' }, as: 'loc' },
  { name: 'storage location 2', method: 'POST', path: 'storage_location/', body: { path: 'run.sh', hash: SHA2, public: true, storage_root: '${root}' }, as: 'loc2' },
  { name: 'file type', method: 'POST', path: 'file_type/', body: { name: 'csv', extension: 'csv' }, as: 'ft' },
  { name: 'author', method: 'POST', path: 'author/', body: { name: 'Ada Lovelace', identifier: 'https://orcid.org/0000-0002-1825-0097' }, as: 'author' },
  { name: 'object', method: 'POST', path: 'object/', body: { description: 'data', storage_location: '${loc}', file_type: '${ft}', authors: ['${author}'] }, as: 'obj' },
  { name: 'script object', method: 'POST', path: 'object/', body: { description: 'script', storage_location: '${loc2}' }, as: 'script' },
  { name: 'data product', method: 'POST', path: 'data_product/', body: { namespace: '${ns}', name: 'p/a', version: '1.0.0', object: '${obj}' }, as: 'dp' },
  { name: 'code run', method: 'POST', path: 'code_run/', body: { run_date: '2026-12-04T09:00:00Z', description: 'a run', submission_script: '${script}', inputs: [], outputs: [] }, as: 'run' },
  { name: 'form-encoded namespace', method: 'POST', path: 'namespace/', raw: 'name=ns-form&full_name=Form', contentType: 'application/x-www-form-urlencoded' },
  { name: 'author by identifier only', method: 'POST', path: 'author/', body: { identifier: 'https://ror.org/04p491231' }, as: 'org' },
  ...['pg-a', 'pg-b', 'pg-c'].map((name): Step => ({ name: `namespace ${name}`, method: 'POST', path: 'namespace/', body: { name } })),
];

/** What is compared; `same: 'status'` compares only the status where the bodies differ by nature. */
const STEPS: (Step & { same?: 'status' })[] = [
  { name: 'api root', path: '' },
  { name: 'username', path: 'username/' },
  { name: 'users, authenticated', path: 'users/' },
  { name: 'users, anonymous', path: 'users/', anonymous: true, same: 'status' },
  { name: 'wrong API version', path: 'namespace/', accept: 'application/json; version=2.0.0', same: 'status' },
  { name: 'namespace detail', path: 'namespace/#ns/' },
  { name: 'storage root detail', path: 'storage_root/#root/' },
  { name: 'storage location detail', path: 'storage_location/#loc/' },
  { name: 'file type detail', path: 'file_type/#ft/' },
  { name: 'author detail', path: 'author/#author/' },
  { name: 'object detail', path: 'object/#obj/' },
  { name: 'components of the object', path: 'object_component/?object=#obj' },
  { name: 'data product detail', path: 'data_product/#dp/' },
  { name: 'detail without the slash', path: 'namespace/#ns', same: 'status' },
  { name: 'missing detail', path: 'namespace/999/', same: 'status' },
  { name: 'invalid characters in a namespace name', method: 'POST', path: 'namespace/', body: { name: 'bad name!' }, same: 'status' },
  { name: 'text/plain body', method: 'POST', path: 'namespace/', raw: '{"name": "ns-plain"}', contentType: 'text/plain', same: 'status' },
  { name: 'form-encoded body', method: 'POST', path: 'namespace/', raw: 'name=ns-form', contentType: 'application/x-www-form-urlencoded', same: 'status' },
  { name: 'page_size', path: 'namespace/?page_size=1', same: 'status' },
  { name: 'ordering', path: 'namespace/?ordering=name', same: 'status' },
  { name: 'format', path: 'namespace/?format=json', same: 'status' },
  { name: 'filter on a reverse relation', path: 'storage_root/?locations=#loc', same: 'status' },
  { name: 'filter on updated_by', path: 'data_product/?updated_by=1', same: 'status' },
  { name: 'filter on last_updated', path: 'data_product/?last_updated=2020-01-01T00:00:00Z', same: 'status' },
  { name: 'filter on data_products of an object', path: 'object/?data_products=#dp', same: 'status' },
  { name: 'an integer for a relation', method: 'POST', path: 'data_product/', body: { namespace: 1, name: 'p/int', version: '1.0.0', object: '${obj}' }, same: 'status' },
  { name: 'a URL as a relation filter', path: 'data_product/?namespace=${ns}', same: 'status' },
  { name: 'version 1.0', method: 'POST', path: 'data_product/', body: { namespace: '${ns}', name: 'p/short', version: '1.0', object: '${obj}' }, same: 'status' },
  { name: 'uuid filter, not a uuid', path: 'code_run/?uuid=not-a-uuid', same: 'status' },
  { name: 'whole_object=yes', path: 'object_component/?whole_object=yes', same: 'status' },
  { name: 'author with only an identifier', method: 'POST', path: 'author/', body: { identifier: 'https://orcid.org/0000-0001-5109-3700' }, same: 'status' },
  { name: 'duplicate namespace', method: 'POST', path: 'namespace/', body: { name: 'ns1' }, same: 'status' },
  { name: 'no token', method: 'POST', path: 'namespace/', body: { name: 'anon' }, anonymous: true, same: 'status' },
  { name: 'PATCH a namespace', method: 'PATCH', path: 'namespace/#ns/', body: { full_name: 'x' }, same: 'status' },
  { name: 'file link', path: '/data_product/ns1:p/a@9.9.9', same: 'status' },
  { name: 'code run detail', path: 'code_run/#run/' },
  // The real registry answers this with components the run never read (its reverse filter does not
  // join through the run); fairfs returns the run's inputs. Only the status is compared.
  { name: 'components by inputs_of', path: 'object_component/?inputs_of=#run', same: 'status' },
  { name: 'users by the token', path: 'users/?username=admin' },
  { name: 'bad cursor', path: 'namespace/?cursor=bm9wZQ', same: 'status' },
];

t.test('fairfs registry serve answers as the real FAIR data-registry does', async (t) => {
  const real = await startRealRegistry(t);
  const h = emptyHome(t);
  const own = await startServer(t, h.home);
  const targets: [Target, Target] = [
    { api: real.api, token: real.token, refs: new Map() },
    { api: own.api, token: own.token, refs: new Map() },
  ];
  for (const step of SEED) {
    const [a, b] = [await send(targets[0], step), await send(targets[1], step)];
    t.same([b.status, b.fields], [a.status, a.fields], `seed ${step.name}: ${a.status} on the real registry`);
  }
  for (const step of STEPS) {
    const [a, b] = [await send(targets[0], step), await send(targets[1], step)];
    if (step.same === 'status') t.equal(b.status, a.status, `${step.name}: ${a.status} as the real registry`);
    else t.same([b.status, b.fields], [a.status, a.fields], `${step.name}: ${a.status}, same fields`);
  }

  // Headers of a create: Location of the new record, Allow of the endpoint.
  const made = await Promise.all(targets.map((x) => send(x, { name: 'h', method: 'POST', path: 'namespace/', body: { name: 'hdr' } })));
  for (const [i, m] of made.entries()) {
    t.equal(m.headers.get('location'), m.json.url, `${i ? 'fairfs' : 'real'}: Location names the new record`);
    t.equal(m.headers.get('allow'), 'GET, POST, HEAD, OPTIONS', `${i ? 'fairfs' : 'real'}: Allow`);
  }
  t.equal(made[1]!.headers.get('allow'), made[0]!.headers.get('allow'));

  // Pagination: the same pages in the same order, by id and by name; the real registry's cursor works on fairfs.
  // (Ordered by a field some rows leave null, the real registry's cursor drops those rows; fairfs keeps them.)
  for (const query of ['namespace/?page_size=2', 'namespace/?page_size=2&ordering=name', 'namespace/?page_size=3&ordering=-name']) {
    const pages = async (x: Target): Promise<string[][]> => {
      const out: string[][] = [];
      let url: string | null = `${x.api}${query}`;
      while (url && out.length < 20) {
        const page: any = (await send(x, { name: 'page', path: url.slice(x.api.length) })).json;
        out.push(page.results.map((r: any) => r.name));
        url = page.next;
      }
      return out;
    };
    t.same(await pages(targets[1]), await pages(targets[0]), `${query}: the same pages`);
  }
  const realFirst = (await send(targets[0], { name: 'p', path: 'namespace/?page_size=2' })).json;
  const cursor = new URL(realFirst.next).searchParams.get('cursor')!;
  const second = await Promise.all(targets.map((x) => send(x, { name: 'p', path: `namespace/?page_size=2&cursor=${encodeURIComponent(cursor)}` })));
  t.same(second[1]!.json.results.map((r: any) => r.name), second[0]!.json.results.map((r: any) => r.name), "the real registry's cursor, on fairfs");
});
