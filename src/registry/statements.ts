import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';

/** Prepared statements built once per SQL text and reused (values are always bound). */
export class StatementCache {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: Db) {}

  get(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }
}
