import type { Statement } from 'better-sqlite3';
import type { Resource, Reverse } from '../formats/fair-resources.js';
import type { Db } from './database.js';
import { StatementCache } from './statements.js';

/*
 * The registry's tables seen as FAIR REST resources: generic list / get /
 * insert / update / delete driven by the resource specs, values always bound.
 * Rows come back with relation ids; the server turns ids into URLs.
 */

export type Row = Record<string, unknown> & { id: number };
export type FilterValue = string | number | boolean | null;

export interface ListQuery {
  filters: Map<string, FilterValue>;
  /** The column rows are ordered by (then by id, in the same direction); newest first by default. */
  order: { column: string; descending: boolean };
  /**
   * Where a page starts (cursor pagination): past `position` in that order,
   * or, with `offset` > 0, at it after skipping `offset` rows equal to it.
   */
  after: { position: FilterValue; offset: number } | null;
  limit: number;
}

const now = (): string => new Date().toISOString();
const column = (name: string): string => `"${name.replace(/"/g, '""')}"`;

export class RestTables {

  private readonly statements: StatementCache;

  constructor(private readonly db: Db) {
    this.statements = new StatementCache(db);
  }

  private stmt(sql: string): Statement {
    return this.statements.get(sql);
  }

  private readonly columnInfo = new Map<string, Map<string, { notNull: boolean; hasDefault: boolean }>>();

  /** Column constraints of a table, read from the schema once (so validation follows the migrations). */
  columns(table: string): Map<string, { notNull: boolean; hasDefault: boolean }> {
    let info = this.columnInfo.get(table);
    if (!info) {
      const rows = this.db.pragma(`table_info(${column(table)})`) as { name: string; notnull: number; dflt_value: unknown }[];
      info = new Map(rows.map((r) => [r.name, { notNull: r.notnull === 1, hasDefault: r.dflt_value !== null }]));
      this.columnInfo.set(table, info);
    }
    return info;
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /** Filtered rows in the query's order, plus the total count for the filter. */
  list(resource: Resource, query: ListQuery): { rows: Row[]; count: number } {
    const where: string[] = [];
    const params: unknown[] = [];
    for (const [name, value] of query.filters) {
      const field = resource.fields.find((f) => f.name === name);
      const reverse = resource.reverse.find((r) => r.name === name);
      if (name === 'id') {
        where.push('t.id = ?');
        params.push(value);
      } else if (reverse) {
        where.push(`t.id IN (SELECT ${column(reverse.self)} FROM ${column(reverse.table)} WHERE ${column(reverse.other ?? 'id')} = ?)`);
        params.push(value);
      } else if (field?.kind === 'm2m') {
        const [table, self, other] = field.via!;
        where.push(`t.id IN (SELECT ${column(self)} FROM ${column(table)} WHERE ${column(other)} = ?)`);
        params.push(value);
      } else if (field?.kind === 'name' && typeof value === 'string' && value.includes('*')) {
        where.push(`t.${column(name)} GLOB ?`);
        params.push(value);
      } else if (value === null) {
        where.push(`t.${column(name)} IS NULL`);
      } else {
        where.push(`t.${column(name)} = ?`);
        params.push(typeof value === 'boolean' ? (value ? 1 : 0) : value);
      }
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const count = (this.stmt(`SELECT count(*) AS n FROM ${column(resource.table)} t ${clause}`).get(...params) as { n: number }).n;
    // NULLs sort as '' so that every row has a place in the order (keyset pagination needs a total order).
    const key = query.order.column === 'id' ? 't.id' : `ifnull(t.${column(query.order.column)}, '')`;
    const dir = query.order.descending ? 'DESC' : 'ASC';
    const pageParams = [...params];
    let page = clause;
    let offset = 0;
    if (query.after) {
      const op = query.order.descending ? (query.after.offset > 0 ? '<=' : '<') : query.after.offset > 0 ? '>=' : '>';
      page = `${clause ? `${clause} AND` : 'WHERE'} ${key} ${op} ?`;
      pageParams.push(sqlValue(query.after.position));
      offset = query.after.offset;
    }
    const rows = this.stmt(`SELECT t.* FROM ${column(resource.table)} t ${page} ORDER BY ${key} ${dir}, t.id ${dir} LIMIT ? OFFSET ?`).all(
      ...pageParams,
      query.limit,
      offset,
    ) as Row[];
    return { rows: rows.map((r) => this.withRelations(resource, r)), count };
  }

  get(resource: Resource, id: number): Row | undefined {
    const row = this.stmt(`SELECT * FROM ${column(resource.table)} WHERE id = ?`).get(id) as Row | undefined;
    return row ? this.withRelations(resource, row) : undefined;
  }

  exists(endpointTable: string, id: number): boolean {
    return this.stmt(`SELECT 1 FROM ${column(endpointTable)} WHERE id = ?`).get(id) !== undefined;
  }

  /** The id of a row clashing with `values` on one of the unique keys, if any. */
  clash(resource: Resource, values: Record<string, unknown>, exceptId?: number): number | undefined {
    for (const key of resource.unique) {
      if (key.some((k) => values[k] === undefined || values[k] === null)) continue;
      const row = this.stmt(
        `SELECT id FROM ${column(resource.table)} WHERE ${key.map((k) => `${column(k)} = ?`).join(' AND ')}`,
      ).get(...key.map((k) => sqlValue(values[k]))) as { id: number } | undefined;
      if (row && row.id !== exceptId) return row.id;
    }
    return undefined;
  }

  /** Insert a row; `userId` is recorded as updated_by (null for fairfs's own writes). */
  insert(resource: Resource, values: Record<string, unknown>, userId: number | null = null): number {
    const scalars = resource.fields.filter((f) => f.kind !== 'm2m' && values[f.name] !== undefined);
    const names = scalars.map((f) => f.name);
    const params = scalars.map((f) => sqlValue(values[f.name]));
    if (resource.lastUpdated) {
      names.push('last_updated', 'updated_by');
      params.push(now(), userId);
    }
    const id = Number(
      this.stmt(`INSERT INTO ${column(resource.table)} (${names.map(column).join(', ')}) VALUES (${names.map(() => '?').join(', ')})`).run(...params)
        .lastInsertRowid,
    );
    this.setRelations(resource, id, values);
    return id;
  }

  update(resource: Resource, id: number, values: Record<string, unknown>, userId: number | null = null): void {
    const scalars = resource.fields.filter((f) => f.kind !== 'm2m' && !f.readOnly && values[f.name] !== undefined);
    const sets = scalars.map((f) => `${column(f.name)} = ?`);
    const params = scalars.map((f) => sqlValue(values[f.name]));
    if (resource.lastUpdated) {
      sets.push('last_updated = ?', 'updated_by = ?');
      params.push(now(), userId);
    }
    if (sets.length) this.stmt(`UPDATE ${column(resource.table)} SET ${sets.join(', ')} WHERE id = ?`).run(...params, id);
    this.setRelations(resource, id, values);
  }

  delete(resource: Resource, id: number): void {
    for (const f of resource.fields.filter((x) => x.kind === 'm2m')) {
      const [table, self] = f.via!;
      this.stmt(`DELETE FROM ${column(table)} WHERE ${column(self)} = ?`).run(id);
    }
    this.stmt(`DELETE FROM ${column(resource.table)} WHERE id = ?`).run(id);
  }

  /** Ids on the far side of a reverse relation of row `id`. */
  reverseIds(reverse: Reverse, id: number): number[] {
    const far = column(reverse.other ?? 'id');
    return (this.stmt(`SELECT ${far} AS id FROM ${column(reverse.table)} WHERE ${column(reverse.self)} = ? ORDER BY ${far}`).all(id) as { id: number }[]).map((r) => r.id);
  }

  private setRelations(resource: Resource, id: number, values: Record<string, unknown>): void {
    for (const f of resource.fields) {
      if (f.kind !== 'm2m' || values[f.name] === undefined) continue;
      const [table, self, other] = f.via!;
      // PUT/PATCH semantics of DRF: the list given replaces the relation.
      this.stmt(`DELETE FROM ${column(table)} WHERE ${column(self)} = ?`).run(id);
      const insert = this.stmt(`INSERT OR IGNORE INTO ${column(table)} (${column(self)}, ${column(other)}) VALUES (?, ?)`);
      for (const target of values[f.name] as number[]) insert.run(id, target);
    }
  }

  private withRelations(resource: Resource, row: Row): Row {
    for (const f of resource.fields) {
      if (f.kind !== 'm2m') continue;
      const [table, self, other] = f.via!;
      row[f.name] = (this.stmt(`SELECT ${column(other)} AS id FROM ${column(table)} WHERE ${column(self)} = ? ORDER BY ${column(other)}`).all(row.id) as { id: number }[]).map(
        (r) => r.id,
      );
    }
    return row;
  }
}

function sqlValue(value: unknown): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}

