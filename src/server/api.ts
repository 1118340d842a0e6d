import type { Field, Resource } from '../formats/fair-resources.js';
import { RESOURCES } from '../formats/fair-resources.js';
import { authorUuidFor } from '../formats/fair-ids.js';
import type { FilterValue, RestTables, Row } from '../registry/rest-tables.js';
import { detail, HttpError } from './http.js';

/*
 * The FAIR REST resources over RestTables: representation (relations as full
 * URLs, no `id`), filters, cursor pagination, validation and unique-key 409s.
 * Pure request → response logic; server.ts does the HTTP.
 */

export interface ApiContext {
  tables: RestTables;
  base: string;
  pageSize: number;
  /** The authenticated user, recorded as updated_by on writes. */
  userId: number | null;
}

/** The largest page a client may ask for with `page_size`. */
const MAX_PAGE_SIZE = 1000;

const apiUrl = (ctx: ApiContext, endpoint: string, id?: number): string =>
  `${ctx.base}/api/${endpoint}/${id === undefined ? '' : `${id}/`}`;

/** The id at the end of a relation URL (the host part is ignored, as the registry does). */
export function idFromUrl(value: unknown, target: string): number | null {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value !== 'string') return null;
  const m = /\/api\/([a-z_]+)\/(\d+)\/?$/.exec(value) ?? /^(\d+)$/.exec(value);
  if (!m) return null;
  if (m.length === 3 && m[1] !== target) return null;
  return Number(m[m.length - 1]);
}

export function represent(ctx: ApiContext, resource: Resource, row: Row): Record<string, unknown> {
  const out: Record<string, unknown> = { url: apiUrl(ctx, resource.endpoint, row.id) };
  for (const f of resource.fields) {
    const v = row[f.name];
    if (f.kind === 'fk') out[f.name] = v === null || v === undefined ? null : apiUrl(ctx, f.target!, Number(v));
    else if (f.kind === 'm2m') out[f.name] = (v as number[]).map((id) => apiUrl(ctx, f.target!, id));
    else if (f.kind === 'bool') out[f.name] = v === 1 || v === true;
    else out[f.name] = v ?? null;
  }
  if (resource.lastUpdated) {
    out.last_updated = row.last_updated ?? null;
    out.updated_by = row.updated_by === null || row.updated_by === undefined ? null : apiUrl(ctx, 'users', Number(row.updated_by));
  }
  for (const r of resource.reverse) {
    const ids = ctx.tables.reverseIds(r, row.id).map((id) => apiUrl(ctx, r.target, id));
    out[r.name] = r.single ? (ids[0] ?? null) : ids;
  }
  // Links and fields the data registry adds to these records.
  if (resource.endpoint === 'data_product') {
    out.internal_format = false;
    out.prov_report = `${ctx.base}/api/prov-report/${row.id}/`;
    out.ro_crate = `${ctx.base}/api/ro-crate/data-product/${row.id}/`;
  }
  if (resource.endpoint === 'code_run') out.ro_crate = `${ctx.base}/api/ro-crate/code-run/${row.id}/`;
  if (resource.endpoint === 'users') Object.assign(out, { full_name: row.username, email: '', orgs: [] });
  return out;
}

export function apiRoot(ctx: ApiContext): Record<string, string> {
  return { ...Object.fromEntries(RESOURCES.map((r) => [r.endpoint, apiUrl(ctx, r.endpoint)])), groups: apiUrl(ctx, 'groups') };
}

/** The DRF cursor: base64 of `p=<position>` (and `o=<offset>` when the position repeats). */
function encodeCursor(position: unknown, offset: number): string {
  const q = new URLSearchParams(offset ? { o: String(offset), p: String(position) } : { p: String(position) });
  return Buffer.from(q.toString()).toString('base64');
}

function decodeCursor(raw: string): { p: string; o: number } {
  // Neither step throws: a cursor that is not one simply has no `p`.
  const q = new URLSearchParams(Buffer.from(raw, 'base64').toString('utf8'));
  const p = q.get('p');
  const o = Number(q.get('o') ?? 0);
  if (p === null || !Number.isSafeInteger(o) || o < 0) throw detail(404, 'Invalid cursor');
  return { p, o };
}

/** Columns a list may be ordered by: its scalar fields, id and last_updated. */
function orderable(resource: Resource): Map<string, Field['kind']> {
  const m = new Map<string, Field['kind']>([['id', 'int']]);
  for (const f of resource.fields) if (f.kind !== 'm2m' && !f.readOnly) m.set(f.name, f.kind === 'fk' ? 'int' : f.kind);
  if (resource.lastUpdated) m.set('last_updated', 'datetime');
  return m;
}

export function list(ctx: ApiContext, resource: Resource, params: URLSearchParams): unknown {
  const filters = new Map<string, FilterValue>();
  let cursor: { p: string; o: number } | null = null;
  let limit = ctx.pageSize;
  let order = { column: 'id', descending: true };
  const columns = orderable(resource);
  for (const [key, raw] of params) {
    switch (key) {
      case 'cursor':
        cursor = decodeCursor(raw);
        continue;
      case 'page_size': {
        // As DRF: a page size that is no positive integer means the default.
        const n = Number(raw);
        if (Number.isSafeInteger(n) && n > 0) limit = Math.min(n, MAX_PAGE_SIZE);
        continue;
      }
      case 'ordering': {
        // The first known field wins; unknown ones are dropped, as DRF's OrderingFilter does.
        const first = raw.split(',').map((x) => x.trim()).find((x) => columns.has(x.replace(/^-/, '')));
        if (first) order = { column: first.replace(/^-/, ''), descending: first.startsWith('-') };
        continue;
      }
      case 'format':
        if (raw !== 'json') throw detail(404, 'Not found.');
        continue;
    }
    const field: Field | undefined =
      resource.fields.find((f) => f.name === key) ??
      (resource.reverse.some((r) => r.name === key) ? { name: key, kind: 'fk' } : undefined) ??
      (resource.lastUpdated && key === 'updated_by' ? { name: key, kind: 'fk' } : undefined) ??
      (resource.lastUpdated && key === 'last_updated' ? { name: key, kind: 'datetime' } : undefined);
    if (!field) {
      throw detail(400, `unknown query parameter ${key}; ${resource.endpoint} filters on ${filterNames(resource).join(', ')}`);
    }
    // Clients that filter by every posted field send empty lists as `authors=`: no constraint.
    if (field.kind === 'm2m' && (raw === '' || raw === '[]')) continue;
    filters.set(key, filterValue(field, raw));
  }
  const kind = columns.get(order.column)!;
  const position = (v: string): FilterValue => (kind === 'int' || kind === 'bool' ? Number(v) : v);
  const after = cursor ? { position: position(cursor.p), offset: cursor.o } : null;
  const { rows, count } = ctx.tables.list(resource, { filters, order, after, limit });
  const last = rows.at(-1);
  let next: string | null = null;
  if (last && rows.length === limit) {
    // The next page starts past the last row's position; rows sharing it are counted so none is skipped twice.
    const value = order.column === 'id' ? last.id : (last[order.column] ?? '');
    const ties = order.column === 'id' ? 0 : rows.filter((r) => (r[order.column] ?? '') === value).length;
    const offset = ties === 0 ? 0 : ties + (cursor && cursor.p === String(value) && rows.length === ties ? cursor.o : 0);
    const nextAfter = { position: position(String(value)), offset };
    if (ctx.tables.list(resource, { filters, order, after: nextAfter, limit: 1 }).rows.length > 0) {
      const q = new URLSearchParams(params);
      q.set('cursor', encodeCursor(value, offset));
      next = `${apiUrl(ctx, resource.endpoint)}?${q.toString()}`;
    }
  }
  return { count, next, previous: null, results: rows.map((r) => represent(ctx, resource, r)) };
}

function filterNames(resource: Resource): string[] {
  return [...resource.fields.map((f) => f.name), ...resource.reverse.map((r) => r.name), ...(resource.lastUpdated ? ['updated_by', 'last_updated'] : [])];
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
/** Semantic versioning 2.0.0, as the registry's validator (Python semver) reads it. */
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
/** Characters the registry refuses in names: they are its glob syntax. */
const GLOB_CHARS = /[[\]?*]/;

/** A filter value as django-filter reads it; what it cannot read is a 400 naming the field. */
function filterValue(field: Field, raw: string): FilterValue {
  const bad = (message: string): never => {
    throw new HttpError(400, { [field.name]: [message] });
  };
  switch (field.kind) {
    case 'fk':
    case 'm2m':
      // Relations filter by the integer id (a URL is refused, as the registry does).
      return /^\d+$/.test(raw) ? Number(raw) : bad('Enter a number.');
    case 'bool':
      if (/^(true|1|yes|on)$/i.test(raw)) return true;
      if (/^(false|0|no|off)$/i.test(raw)) return false;
      return bad('Select a valid choice.');
    case 'int':
      return /^-?\d+$/.test(raw) ? Number(raw) : bad('Enter a whole number.');
    case 'uuid':
      return UUID.test(raw) ? raw : bad('Enter a valid UUID.');
    case 'datetime':
      return Number.isNaN(Date.parse(raw)) ? bad('Enter a valid date/time.') : raw;
    default:
      return raw;
  }
}

export function getOne(ctx: ApiContext, resource: Resource, id: number): Record<string, unknown> {
  const row = ctx.tables.get(resource, id);
  if (!row) throw detail(404, 'Not found.');
  return represent(ctx, resource, row);
}

/** Validate a POST/PATCH body into column values (relations as ids); every bad field is named in one 400. */
function values(ctx: ApiContext, resource: Resource, body: Record<string, unknown>, partial: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const errors: Record<string, string[]> = {};
  const columns = ctx.tables.columns(resource.table);
  for (const f of resource.fields) {
    if (f.readOnly) continue;
    const v = body[f.name];
    // A column the schema holds NOT NULL without a default must be given, whatever the field spec says.
    const col = f.kind === 'm2m' ? undefined : columns.get(f.name);
    const mustExist = f.required || (col?.notNull === true && !col.hasDefault && !f.default);
    if (v === undefined) {
      if (!partial && f.default) out[f.name] = f.default();
      else if (!partial && mustExist) errors[f.name] = ['This field is required.'];
      continue;
    }
    if (v === null) {
      if (f.required || f.kind === 'm2m' || col?.notNull) errors[f.name] = ['This field may not be null.'];
      else out[f.name] = null;
      continue;
    }
    const problem = checkValue(ctx, f, v, out);
    if (problem) errors[f.name] = [problem];
    else if (mustExist && out[f.name] === '') errors[f.name] = ['This field may not be blank.'];
  }
  // The registry's check constraint (a name or an identifier) answered as validation, naming the fields.
  if (resource.oneOf && !partial && resource.oneOf.every((name) => out[name] === undefined || out[name] === null)) {
    for (const name of resource.oneOf) errors[name] ??= [`Give ${resource.oneOf.join(' or ')}.`];
  }
  if (Object.keys(errors).length) throw new HttpError(400, errors);
  return out;
}

/** Convert one non-null value into `out[f.name]`, or say what is wrong with it. */
function checkValue(ctx: ApiContext, f: Field, v: unknown, out: Record<string, unknown>): string | null {
  switch (f.kind) {
    case 'fk': {
      const problem = hyperlinkProblem(ctx, f.target!, v);
      if (problem) return problem;
      out[f.name] = idFromUrl(v, f.target!);
      return null;
    }
    case 'm2m': {
      if (!Array.isArray(v)) return 'Expected a list of items but got type "' + typeof v + '".';
      const problem = v.map((item) => hyperlinkProblem(ctx, f.target!, item)).find((p) => p !== null);
      if (problem) return problem;
      out[f.name] = v.map((item) => idFromUrl(item, f.target!));
      return null;
    }
    case 'bool':
      if (typeof v === 'boolean') out[f.name] = v;
      else if (v === 'True' || v === 'true') out[f.name] = true;
      else if (v === 'False' || v === 'false') out[f.name] = false;
      else return 'Must be a valid boolean.';
      return null;
    case 'int':
      if ((typeof v !== 'number' && typeof v !== 'string') || !Number.isSafeInteger(Number(v)) || String(v).trim() === '') return 'A valid integer is required.';
      out[f.name] = Number(v);
      return null;
    case 'name':
      if (typeof v !== 'string' && typeof v !== 'number') return 'Not a valid string.';
      if (GLOB_CHARS.test(String(v))) return `Name ${v} contains invalid characters ([]?*).`;
      out[f.name] = String(v);
      return null;
    case 'semver':
      if (typeof v !== 'string' && typeof v !== 'number') return 'Not a valid string.';
      if (!SEMVER.test(String(v))) return `Version ${v} is not a valid semantic version.`;
      out[f.name] = String(v);
      return null;
    default:
      if (typeof v !== 'string' && typeof v !== 'number') return 'Not a valid string.';
      out[f.name] = String(v);
      return null;
  }
}

/** What DRF's HyperlinkedRelatedField says of a value that is not a link to an existing record, or null. */
function hyperlinkProblem(ctx: ApiContext, target: string, v: unknown): string | null {
  if (typeof v !== 'string') return `Incorrect type. Expected URL string, received ${typeof v === 'number' ? 'int' : typeof v}.`;
  const id = /\/api\/([a-z_]+)\/(\d+)\/?$/.exec(v);
  if (!id || id[1] !== target) return 'Invalid hyperlink - No URL match.';
  if (!ctx.tables.exists(target, Number(id[2]))) return 'Invalid hyperlink - Object does not exist.';
  return null;
}

export function create(ctx: ApiContext, resource: Resource, body: Record<string, unknown>): Record<string, unknown> {
  if (!resource.post) throw detail(405, `Method "POST" not allowed.`);
  const vals = values(ctx, resource, body, false);
  const id = ctx.tables.transaction(() => {
    if (ctx.tables.clash(resource, vals) !== undefined) throw detail(409, `${resource.endpoint} with these values already exists.`);
    const newId = ctx.tables.insert(resource, vals, ctx.userId);
    afterInsert(ctx, resource, newId, vals);
    return newId;
  });
  return getOne(ctx, resource, id);
}

/** Side effects the data registry performs on save. */
function afterInsert(ctx: ApiContext, resource: Resource, id: number, vals: Record<string, unknown>): void {
  if (resource.endpoint === 'object') {
    const component = RESOURCES.find((r) => r.endpoint === 'object_component')!;
    ctx.tables.insert(component, { object: id, name: 'whole_object', whole_object: true, description: 'the whole object' }, ctx.userId);
  }
  if (resource.endpoint === 'author' && typeof vals.identifier === 'string') {
    // As Author.save: an author with an identifier has the uuid derived from it.
    ctx.tables.update({ ...resource, fields: [{ name: 'uuid', kind: 'uuid' }], lastUpdated: false }, id, { uuid: authorUuidFor(vals.identifier) });
  }
  if (resource.endpoint === 'external_object') {
    const dp = ctx.tables.get(RESOURCES.find((r) => r.endpoint === 'data_product')!, vals.data_product as number);
    ctx.tables.update({ ...resource, fields: [{ name: 'version', kind: 'text' }], lastUpdated: false }, id, { version: dp?.version ?? null });
  }
}

export function modify(ctx: ApiContext, resource: Resource, id: number, body: Record<string, unknown>, method: 'PATCH' | 'PUT'): Record<string, unknown> {
  if (!resource.patch) throw detail(405, `Method "${method}" not allowed.`);
  if (!ctx.tables.get(resource, id)) throw detail(404, 'Not found.');
  const vals = values(ctx, resource, body, method === 'PATCH');
  ctx.tables.transaction(() => {
    const existing = ctx.tables.get(resource, id)!;
    if (ctx.tables.clash(resource, { ...existing, ...vals }, id) !== undefined) throw detail(409, `${resource.endpoint} with these values already exists.`);
    ctx.tables.update(resource, id, vals, ctx.userId);
  });
  return getOne(ctx, resource, id);
}

export function remove(ctx: ApiContext, resource: Resource, id: number): void {
  if (!resource.delete) throw detail(405, 'Method "DELETE" not allowed.');
  if (!ctx.tables.get(resource, id)) throw detail(404, 'Not found.');
  ctx.tables.transaction(() => ctx.tables.delete(resource, id));
}

export function options(resource: Resource, authenticated: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = {
    name: resource.endpoint,
    renders: ['application/json'],
    parses: ['application/json'],
    filter_fields: resource.fields.map((f) => f.name),
  };
  if (authenticated && resource.post) {
    body.actions = {
      POST: Object.fromEntries(
        resource.fields.map((f) => [f.name, { type: f.kind === 'fk' || f.kind === 'm2m' ? 'field' : f.kind, required: f.required === true, read_only: f.readOnly === true }]),
      ),
    };
  }
  return body;
}
