import type { Field, Resource } from '../formats/fair-resources.js';
import { RESOURCES } from '../formats/fair-resources.js';
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
}

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
  if (resource.lastUpdated) out.last_updated = row.last_updated ?? null;
  if (resource.endpoint === 'object') {
    out.components = ctx.tables.idsWhere('object_component', 'object', row.id).map((id) => apiUrl(ctx, 'object_component', id));
    out.data_products = ctx.tables.idsWhere('data_product', 'object', row.id).map((id) => apiUrl(ctx, 'data_product', id));
  }
  return out;
}

export function apiRoot(ctx: ApiContext): Record<string, string> {
  return Object.fromEntries(RESOURCES.map((r) => [r.endpoint, apiUrl(ctx, r.endpoint)]));
}

export function list(ctx: ApiContext, resource: Resource, params: URLSearchParams): unknown {
  const filters = new Map<string, FilterValue>();
  let beforeId: number | null = null;
  for (const [key, raw] of params) {
    if (key === 'cursor') {
      beforeId = Number(Buffer.from(raw, 'base64url').toString('utf8'));
      if (!Number.isInteger(beforeId)) throw detail(400, 'invalid cursor');
      continue;
    }
    const field = resource.fields.find((f) => f.name === key);
    if (!field) {
      throw detail(400, `unknown query parameter ${key}; ${resource.endpoint} filters on ${resource.fields.map((f) => f.name).join(', ')}`);
    }
    // Clients that filter by every posted field send empty lists as `authors=`: no constraint.
    if (field.kind === 'm2m' && (raw === '' || raw === '[]')) continue;
    filters.set(key, filterValue(field, raw));
  }
  const { rows, count } = ctx.tables.list(resource, { filters, beforeId, limit: ctx.pageSize });
  const last = rows.at(-1);
  let next: string | null = null;
  if (last && rows.length === ctx.pageSize && ctx.tables.list(resource, { filters, beforeId: last.id, limit: 1 }).rows.length > 0) {
    const q = new URLSearchParams(params);
    q.set('cursor', Buffer.from(String(last.id)).toString('base64url'));
    next = `${apiUrl(ctx, resource.endpoint)}?${q.toString()}`;
  }
  return { count, next, previous: null, results: rows.map((r) => represent(ctx, resource, r)) };
}

function filterValue(field: Field, raw: string): FilterValue {
  switch (field.kind) {
    case 'fk':
    case 'm2m': {
      const id = idFromUrl(raw, field.target!);
      if (id === null) throw detail(400, `${field.name} filters by the integer id of a ${field.target}`);
      return id;
    }
    case 'bool':
      if (/^(true|1)$/i.test(raw)) return true;
      if (/^(false|0)$/i.test(raw)) return false;
      throw detail(400, `${field.name} takes true or false`);
    case 'int':
      if (!/^-?\d+$/.test(raw)) throw detail(400, `${field.name} takes an integer`);
      return Number(raw);
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
  if (Object.keys(errors).length) throw new HttpError(400, errors);
  return out;
}

/** Convert one non-null value into `out[f.name]`, or say what is wrong with it. */
function checkValue(ctx: ApiContext, f: Field, v: unknown, out: Record<string, unknown>): string | null {
  switch (f.kind) {
    case 'fk': {
      const id = idFromUrl(v, f.target!);
      if (id === null || !ctx.tables.exists(f.target!, id)) return 'Invalid hyperlink - Object does not exist.';
      out[f.name] = id;
      return null;
    }
    case 'm2m': {
      if (!Array.isArray(v)) return 'Expected a list of items.';
      const ids = v.map((item) => idFromUrl(item, f.target!));
      if (ids.some((id) => id === null || !ctx.tables.exists(f.target!, id))) return 'Invalid hyperlink - Object does not exist.';
      out[f.name] = ids;
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
    default:
      if (typeof v !== 'string' && typeof v !== 'number') return 'Not a valid string.';
      out[f.name] = String(v);
      return null;
  }
}

export function create(ctx: ApiContext, resource: Resource, body: Record<string, unknown>): Record<string, unknown> {
  if (!resource.post) throw detail(405, `Method "POST" not allowed.`);
  const vals = values(ctx, resource, body, false);
  const id = ctx.tables.transaction(() => {
    if (ctx.tables.clash(resource, vals) !== undefined) throw detail(409, `${resource.endpoint} with these values already exists.`);
    const newId = ctx.tables.insert(resource, vals);
    afterInsert(ctx, resource, newId, vals);
    return newId;
  });
  return getOne(ctx, resource, id);
}

/** Side effects the data registry performs on save. */
function afterInsert(ctx: ApiContext, resource: Resource, id: number, vals: Record<string, unknown>): void {
  if (resource.endpoint === 'object') {
    const component = RESOURCES.find((r) => r.endpoint === 'object_component')!;
    ctx.tables.insert(component, { object: id, name: 'whole_object', whole_object: true, description: 'the whole object' });
  }
  if (resource.endpoint === 'external_object') {
    const dp = ctx.tables.get(RESOURCES.find((r) => r.endpoint === 'data_product')!, vals.data_product as number);
    ctx.tables.update({ ...resource, fields: [{ name: 'version', kind: 'text' }] }, id, { version: dp?.version ?? null });
  }
}

export function modify(ctx: ApiContext, resource: Resource, id: number, body: Record<string, unknown>, method: 'PATCH' | 'PUT'): Record<string, unknown> {
  if (!resource.patch) throw detail(405, `Method "${method}" not allowed.`);
  if (!ctx.tables.get(resource, id)) throw detail(404, 'Not found.');
  const vals = values(ctx, resource, body, method === 'PATCH');
  ctx.tables.transaction(() => {
    const existing = ctx.tables.get(resource, id)!;
    if (ctx.tables.clash(resource, { ...existing, ...vals }, id) !== undefined) throw detail(409, `${resource.endpoint} with these values already exists.`);
    ctx.tables.update(resource, id, vals);
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
