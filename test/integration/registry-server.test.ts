import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { emptyHome, exampleHome } from '../helpers/home.js';
import { api, startServer } from '../helpers/server.js';

t.test('the REST API behaves like the FAIR data registry', async (t) => {
  const h = emptyHome(t);
  const s = await startServer(t, h.home, ['--page-size', '2']);

  const root = await api('GET', s.api);
  t.equal(root.status, 200);
  t.equal(root.json.data_product, `${s.api}data_product/`, 'root lists endpoints with the base URL the client used');

  t.equal((await api('POST', `${s.api}namespace/`, { body: { name: 'A' } })).status, 403, 'write without a token: 403');
  const bad = await api('POST', `${s.api}namespace/`, { body: { name: 'A' }, token: 'nope' });
  t.equal(bad.status, 403, 'write with a wrong token: 403');
  t.match(bad.json.detail, /Invalid token/);
  t.equal((await api('POST', `${s.api}namespace/`, { body: { name: 'A' }, headers: { authorization: `Bearer ${s.token}` } })).status, 403, 'only the token scheme');

  const created = await api('POST', `${s.api}namespace/`, { body: { name: 'A', full_name: 'Alpha' }, token: s.token });
  t.equal(created.status, 201, 'POST answers 201');
  t.match(created.json, { url: `${s.api}namespace/1/`, name: 'A', full_name: 'Alpha' });
  t.notOk('id' in created.json, 'records carry url, not id');
  const dup = await api('POST', `${s.api}namespace/`, { body: { name: 'A' }, token: s.token });
  t.equal(dup.status, 409, 'duplicate POST: 409');
  t.type(dup.json.detail, 'string');

  for (const name of ['B', 'C', 'D', 'E']) t.equal((await api('POST', `${s.api}namespace/`, { body: { name }, token: s.token })).status, 201);
  const page1 = await api('GET', `${s.api}namespace/`);
  t.equal(page1.json.count, 5);
  t.equal(page1.json.results.length, 2, 'one page of 2');
  t.same(page1.json.results.map((r: { name: string }) => r.name), ['E', 'D'], 'newest first');
  const names: string[] = [];
  let next: string | null = `${s.api}namespace/`;
  let pages = 0;
  while (next) {
    const page = await api('GET', next);
    names.push(...page.json.results.map((r: { name: string }) => r.name));
    next = page.json.next;
    pages++;
  }
  t.equal(pages, 3, 'pagination follows next over more than one page');
  t.same(names.sort(), ['A', 'B', 'C', 'D', 'E']);

  t.equal((await api('GET', `${s.api}namespace/?page=2`)).status, 400, 'unknown query parameter (even page): 400');
  t.equal((await api('GET', `${s.api}namespace/?name=A`)).json.count, 1, 'filter by field');
  t.equal((await api('GET', `${s.api}namespace/?name=*`)).json.count, 5, 'glob on name fields');
  const noSlash = await api('GET', `${s.api}namespace/1`);
  t.same([noSlash.status, noSlash.json], [301, null], 'detail GET without the trailing slash redirects, as Django does');
  t.equal((await api('GET', `${s.api}namespace`)).status, 301, 'list GET without the slash redirects');
  t.equal((await api('POST', `${s.api}namespace`, { body: { name: 'Z' }, token: s.token })).status, 404, 'POST without the slash fails');
  t.equal((await api('POST', `${s.api}namespace/`, { raw: '{"name": ', token: s.token })).status, 400, 'malformed JSON: 400');
  t.equal((await api('POST', `${s.api}namespace/`, { raw: JSON.stringify({ name: 'x'.repeat(2 << 20) }), token: s.token })).status, 413, 'oversized body: 413');
  const missing = await api('POST', `${s.api}data_product/`, { body: { name: 'p' }, token: s.token });
  t.equal(missing.status, 400);
  t.same(missing.json.version, ['This field is required.'], 'missing fields are named');

  const anonymousOptions = await api('OPTIONS', `${s.api}object/`);
  t.ok(anonymousOptions.json.filter_fields.includes('uuid'));
  t.notOk(anonymousOptions.json.actions, 'no POST schema anonymously');
  t.ok((await api('OPTIONS', `${s.api}object/`, { token: s.token })).json.actions.POST.storage_location, 'POST schema when authenticated');

  // object → whole_object component created by the server; relations as URLs; filters by integer id.
  const ft = await api('POST', `${s.api}file_type/`, { body: { name: 'csv', extension: 'csv' }, token: s.token });
  const obj = await api('POST', `${s.api}object/`, { body: { description: 'o', file_type: ft.json.url, authors: [] }, token: s.token });
  t.equal(obj.status, 201);
  t.equal(obj.json.components.length, 1, 'posting an object creates its whole_object component');
  t.equal((await api('GET', `${s.api}object/?authors=&description=o`)).json.count, 1, 'an empty list filter is no constraint');
  const comps = await api('GET', `${s.api}object_component/?object=${obj.json.url.match(/(\d+)\/$/)[1]}&whole_object=True`);
  t.equal(comps.json.count, 1);
  t.equal((await api('POST', `${s.api}object/`, { body: { file_type: 'http://elsewhere/api/file_type/99/' }, token: s.token })).status, 400, 'a relation to nothing: 400');
  t.equal((await api('PATCH', `${s.api}namespace/1/`, { body: { full_name: 'x' }, token: s.token })).status, 405, 'namespace is not patchable');

  // Files: upload by hash, verified on arrival; 409 when already stored; download by hash.
  const bytes = Buffer.from('hello, registry\n');
  const sha = createHash('sha1').update(bytes).digest('hex');
  t.equal((await api('POST', `${s.api}data/${sha}`)).status, 403, 'upload needs a token');
  const up = await api('POST', `${s.api}data/${sha}`, { token: s.token });
  t.equal(up.status, 200, 'the upload URL, with 200 as the production registry answers');
  const wrong = await fetch(up.json.url, { method: 'PUT', body: 'other bytes', headers: { authorization: `token ${s.token}` } });
  t.equal(wrong.status, 400, 'bytes that do not match the hash are refused');
  const put = await fetch(up.json.url, { method: 'PUT', body: bytes, headers: { authorization: `token ${s.token}` } });
  t.equal(put.status, 201);
  t.equal((await api('POST', `${s.api}data/${sha}`, { token: s.token })).status, 409, 'already stored: 409');
  const got = await fetch(`${s.base}/data/${sha}`);
  t.equal(Buffer.from(await got.arrayBuffer()).toString(), bytes.toString(), 'download by hash');
  t.equal((await fetch(`${s.base}/data/..%2F..%2Fregistry.db`)).status, 404, 'no path outside the store');
});

t.test('GET /data_product/<namespace>:<name>@<version> serves the file, as the real registry does', async (t) => {
  const h = await exampleHome(t);
  const s = await startServer(t, h.home);
  const res = await fetch(`${s.base}/data_product/SCRC:human/population@0.1.0`);
  t.equal(res.status, 200);
  t.same(Buffer.from(await res.arrayBuffer()), readFileSync(join(h.example, 'data', 'population.csv')), 'the bytes of the product');
  for (const bad of ['SCRC:human/population@9.9.9', 'SCRC:human/population', 'nope', '..%2F..%2Fregistry.db', 'SCRC:%E0%A4%A@1.0.0']) {
    t.equal((await fetch(`${s.base}/data_product/${bad}`)).status, 404, `${bad}: 404`);
  }
});

t.test('lists: ordering, page_size and cursors page through every row, nulls too; reverse filters join', async (t) => {
  const h = emptyHome(t);
  const s = await startServer(t, h.home);
  for (const [name, full] of [['a', 'Fa'], ['b', null], ['c', 'Fc'], ['d', null], ['e', 'Fe']]) {
    t.equal((await api('POST', `${s.api}namespace/`, { body: { name, full_name: full }, token: s.token })).status, 201);
  }
  const walk = async (query: string): Promise<string[]> => {
    const names: string[] = [];
    let url: string | null = `${s.api}namespace/?${query}`;
    while (url) {
      const page = (await api('GET', url)).json;
      names.push(...page.results.map((r: { name: string }) => r.name));
      url = page.next;
    }
    return names;
  };
  t.same(await walk('page_size=2'), ['e', 'd', 'c', 'b', 'a'], 'newest first');
  t.same(await walk('page_size=2&ordering=name'), ['a', 'b', 'c', 'd', 'e']);
  t.same((await walk('page_size=2&ordering=-full_name')).sort(), ['a', 'b', 'c', 'd', 'e'], 'rows with a null in the ordering field are not lost');
  t.same(await walk('page_size=1&ordering=full_name'), ['b', 'd', 'a', 'c', 'e'], 'ties on a value (null) page one by one');
  t.equal((await api('GET', `${s.api}namespace/?cursor=bm9wZQ`)).status, 404, 'a cursor that is none: 404');
  t.equal((await api('GET', `${s.api}namespace/?format=api`)).status, 404, 'only the JSON format');
  t.equal((await api('GET', `${s.api}namespace/?ordering=nonsense`)).status, 200, 'an unknown ordering is dropped, as DRF does');
  t.equal((await api('GET', `${s.api}namespace/?updated_by=1`)).json.count, 5, 'made by the token user');
  t.equal((await api('GET', `${s.api}namespace/?updated_by=2`)).json.count, 0);
});
