import Database from 'better-sqlite3';
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { InternalError } from '../errors.js';
import { migrations, REBUILDS_TABLES } from './migrations.js';

export type Db = Database.Database;

/** How long a writer waits for another process's write lock. */
export const BUSY_TIMEOUT_MS = 10_000;

/**
 * Open (creating if needed) the registry database: WAL so readers never block
 * the serving mount, foreign keys on, a busy timeout so two sessions can share
 * one file, and every pending migration applied in its own transaction.
 */
export function openDatabase(file: string): Db {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  makePrivate(file);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  // NORMAL in WAL mode: durable across process crashes, no fsync per commit.
  db.pragma('synchronous = NORMAL');
  migrate(db);
  return db;
}

/**
 * The registry holds token hashes and every run's config: it is private
 * (0600). SQLite gives its `-wal` and `-shm` files the database file's mode,
 * so creating the file 0600 before SQLite opens it covers all three; files of
 * an older home are tightened on open.
 */
function makePrivate(file: string): void {
  closeSync(openSync(file, 'a', 0o600));
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      chmodSync(f, 0o600);
    } catch {
      // absent (no WAL yet), or not ours to change: SQLite's own check decides then
    }
  }
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export function migrate(db: Db): void {
  const current = schemaVersion(db);
  if (current > migrations.length) {
    throw new InternalError(
      `the registry schema is version ${current}, newer than this fairfs understands (${migrations.length})`,
      { hint: 'upgrade fairfs, or point FAIRFS_HOME at another home' },
    );
  }
  for (let version = current; version < migrations.length; version++) {
    // A table rebuild (drop and rename) needs foreign keys off, which only works outside a transaction.
    const rebuild = REBUILDS_TABLES.has(version + 1);
    const enforced = db.pragma('foreign_keys', { simple: true }) === 1;
    if (rebuild && enforced) db.pragma('foreign_keys = OFF');
    const apply = db.transaction(() => {
      // Another process may have applied it while we waited for the lock.
      if (schemaVersion(db) !== version) return;
      db.exec(migrations[version]!);
      if (rebuild) {
        const broken = db.pragma('foreign_key_check') as unknown[];
        if (broken.length) throw new InternalError(`migration ${version + 1} would break ${broken.length} foreign key(s); nothing was changed`);
      }
      db.pragma(`user_version = ${version + 1}`);
    });
    try {
      // IMMEDIATE: two processes opening a fresh home must not both migrate.
      apply.immediate();
    } finally {
      if (rebuild && enforced) db.pragma('foreign_keys = ON');
    }
  }
}
