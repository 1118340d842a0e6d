/** Migrations that rebuild a table: run with foreign keys off, checked before commit. */
export const REBUILDS_TABLES: ReadonlySet<number> = new Set([4]);

/**
 * Forward-only schema migrations; `PRAGMA user_version` holds how many ran.
 * Table and column names mirror the FAIR data-registry model (DESIGN §6) so
 * sync is a field-for-field mapping. Never edit a shipped migration: add one.
 */
export const migrations: readonly string[] = [
  /* 1: FAIR model + fairfs session journal */ `
  CREATE TABLE namespace (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    full_name TEXT,
    website TEXT
  );
  CREATE TABLE author (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    identifier TEXT UNIQUE,
    uuid TEXT NOT NULL UNIQUE
  );
  CREATE TABLE file_type (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    extension TEXT NOT NULL,
    UNIQUE (name, extension)
  );
  CREATE TABLE storage_root (
    id INTEGER PRIMARY KEY,
    root TEXT NOT NULL UNIQUE,
    local INTEGER NOT NULL DEFAULT 1
  );
  CREATE TABLE storage_location (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL,
    hash TEXT NOT NULL,
    public INTEGER NOT NULL DEFAULT 1,
    storage_root INTEGER NOT NULL REFERENCES storage_root(id),
    UNIQUE (storage_root, hash, public)
  );
  CREATE TABLE object (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    description TEXT,
    storage_location INTEGER REFERENCES storage_location(id),
    file_type INTEGER REFERENCES file_type(id),
    size INTEGER,
    last_updated TEXT NOT NULL
  );
  CREATE TABLE object_author (
    object INTEGER NOT NULL REFERENCES object(id),
    author INTEGER NOT NULL REFERENCES author(id),
    PRIMARY KEY (object, author)
  );
  CREATE TABLE object_component (
    id INTEGER PRIMARY KEY,
    object INTEGER NOT NULL REFERENCES object(id),
    name TEXT NOT NULL,
    description TEXT,
    whole_object INTEGER NOT NULL DEFAULT 0,
    UNIQUE (object, name)
  );
  CREATE TABLE data_product (
    id INTEGER PRIMARY KEY,
    namespace INTEGER NOT NULL REFERENCES namespace(id),
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    object INTEGER NOT NULL REFERENCES object(id),
    last_updated TEXT NOT NULL,
    UNIQUE (namespace, name, version)
  );
  CREATE TABLE external_object (
    id INTEGER PRIMARY KEY,
    data_product INTEGER NOT NULL UNIQUE REFERENCES data_product(id),
    identifier TEXT,
    alternate_identifier TEXT,
    alternate_identifier_type TEXT,
    title TEXT NOT NULL,
    description TEXT,
    release_date TEXT,
    original_store INTEGER REFERENCES storage_location(id),
    "primary" INTEGER NOT NULL DEFAULT 1
  );
  CREATE TABLE code_repo_release (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    website TEXT,
    object INTEGER NOT NULL UNIQUE REFERENCES object(id),
    UNIQUE (name, version)
  );
  CREATE TABLE keyword (
    id INTEGER PRIMARY KEY,
    object INTEGER NOT NULL REFERENCES object(id),
    keyphrase TEXT NOT NULL,
    UNIQUE (object, keyphrase)
  );
  CREATE TABLE licence (
    id INTEGER PRIMARY KEY,
    object INTEGER NOT NULL REFERENCES object(id),
    licence_info TEXT NOT NULL,
    identifier TEXT
  );
  CREATE TABLE key_value (
    id INTEGER PRIMARY KEY,
    object INTEGER NOT NULL REFERENCES object(id),
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    UNIQUE (object, key)
  );
  CREATE TABLE quality_controlled (
    id INTEGER PRIMARY KEY,
    object INTEGER NOT NULL UNIQUE REFERENCES object(id)
  );
  CREATE TABLE code_run (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    run_date TEXT NOT NULL,
    description TEXT NOT NULL,
    code_repo INTEGER REFERENCES object(id),
    model_config INTEGER REFERENCES object(id),
    submission_script INTEGER REFERENCES object(id),
    last_updated TEXT NOT NULL
  );
  CREATE TABLE code_run_input (
    code_run INTEGER NOT NULL REFERENCES code_run(id),
    object_component INTEGER NOT NULL REFERENCES object_component(id),
    PRIMARY KEY (code_run, object_component)
  );
  CREATE TABLE code_run_output (
    code_run INTEGER NOT NULL REFERENCES code_run(id),
    object_component INTEGER NOT NULL REFERENCES object_component(id),
    PRIMARY KEY (code_run, object_component)
  );
  CREATE TABLE issue (
    id INTEGER PRIMARY KEY,
    severity INTEGER NOT NULL,
    description TEXT NOT NULL
  );
  CREATE TABLE issue_component (
    issue INTEGER NOT NULL REFERENCES issue(id),
    object_component INTEGER NOT NULL REFERENCES object_component(id),
    PRIMARY KEY (issue, object_component)
  );

  CREATE TABLE session (
    run_id TEXT PRIMARY KEY,
    code_run INTEGER NOT NULL UNIQUE REFERENCES code_run(id),
    status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'aborted')),
    config_path TEXT NOT NULL,
    working_config TEXT NOT NULL,
    command TEXT,
    code_repo TEXT,
    code_commit TEXT,
    host TEXT NOT NULL,
    user TEXT NOT NULL,
    mountpoint TEXT,
    pid INTEGER,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    exit_code INTEGER,
    message TEXT
  );
  CREATE INDEX session_status ON session(status);
  CREATE TABLE access (
    id INTEGER PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES session(run_id),
    time TEXT NOT NULL,
    op TEXT NOT NULL,
    path TEXT NOT NULL,
    data_product INTEGER REFERENCES data_product(id),
    component TEXT,
    bytes INTEGER,
    hash TEXT,
    outcome TEXT NOT NULL,
    reason TEXT
  );
  CREATE INDEX access_run ON access(run_id);
  CREATE TABLE remote_id (
    remote TEXT NOT NULL,
    table_name TEXT NOT NULL,
    local_id INTEGER NOT NULL,
    url TEXT NOT NULL,
    PRIMARY KEY (remote, table_name, local_id)
  );
  CREATE TABLE sync_journal (
    id INTEGER PRIMARY KEY,
    remote TEXT NOT NULL,
    direction TEXT NOT NULL,
    step TEXT NOT NULL,
    time TEXT NOT NULL
  );
  `,
  /* 2: what the REST API needs: FAIR field names, users, API tokens */ `
  ALTER TABLE issue ADD COLUMN uuid TEXT;
  UPDATE issue SET uuid = lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-a' || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)));
  CREATE UNIQUE INDEX issue_uuid ON issue(uuid);
  ALTER TABLE external_object RENAME COLUMN "primary" TO primary_not_supplement;
  ALTER TABLE external_object ADD COLUMN version TEXT;
  ALTER TABLE keyword ADD COLUMN identifier TEXT;
  ALTER TABLE quality_controlled ADD COLUMN field INTEGER REFERENCES object(id);
  CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE
  );
  CREATE TABLE user_author (
    id INTEGER PRIMARY KEY,
    user INTEGER NOT NULL UNIQUE REFERENCES users(id),
    author INTEGER NOT NULL REFERENCES author(id)
  );
  CREATE TABLE api_token (
    id INTEGER PRIMARY KEY,
    user INTEGER NOT NULL REFERENCES users(id),
    token_sha256 TEXT NOT NULL UNIQUE,
    created TEXT NOT NULL
  );
  CREATE INDEX data_product_object ON data_product(object);
  CREATE INDEX object_component_object ON object_component(object);
  CREATE INDEX storage_location_hash ON storage_location(hash);
  `,
  /* 3: FAIR ecosystem: the run's remote and config bytes, files a remote could not take yet */ `
  ALTER TABLE session ADD COLUMN remote TEXT;
  ALTER TABLE session ADD COLUMN config_bytes BLOB;
  CREATE TABLE pending_upload (
    remote TEXT NOT NULL,
    hash TEXT NOT NULL,
    object INTEGER NOT NULL REFERENCES object(id),
    reason TEXT NOT NULL,
    since TEXT NOT NULL,
    PRIMARY KEY (remote, hash)
  );
  `,
  /* 4: what the data registry records of every row (who and when), and authors known only by identifier */ `
  ALTER TABLE user_author ADD COLUMN last_updated TEXT;
  ALTER TABLE namespace ADD COLUMN last_updated TEXT;
  ALTER TABLE file_type ADD COLUMN last_updated TEXT;
  ALTER TABLE storage_root ADD COLUMN last_updated TEXT;
  ALTER TABLE storage_location ADD COLUMN last_updated TEXT;
  ALTER TABLE object_component ADD COLUMN last_updated TEXT;
  ALTER TABLE external_object ADD COLUMN last_updated TEXT;
  ALTER TABLE issue ADD COLUMN last_updated TEXT;
  ALTER TABLE keyword ADD COLUMN last_updated TEXT;
  ALTER TABLE licence ADD COLUMN last_updated TEXT;
  ALTER TABLE key_value ADD COLUMN last_updated TEXT;
  ALTER TABLE code_repo_release ADD COLUMN last_updated TEXT;
  ALTER TABLE quality_controlled ADD COLUMN last_updated TEXT;
  ALTER TABLE user_author ADD COLUMN updated_by INTEGER REFERENCES users(id);
  ALTER TABLE namespace ADD COLUMN updated_by INTEGER REFERENCES users(id);
  ALTER TABLE file_type ADD COLUMN updated_by INTEGER REFERENCES users(id);
  ALTER TABLE storage_root ADD COLUMN updated_by INTEGER REFERENCES users(id);
  ALTER TABLE storage_location ADD COLUMN updated_by INTEGER REFERENCES users(id);
  ALTER TABLE object ADD COLUMN updated_by INTEGER REFERENCES users(id);
  ALTER TABLE object_component ADD COLUMN updated_by INTEGER REFERENCES users(id);
  ALTER TABLE data_product ADD COLUMN updated_by INTEGER REFERENCES users(id);
  ALTER TABLE external_object ADD COLUMN updated_by INTEGER REFERENCES users(id);
  ALTER TABLE code_run ADD COLUMN updated_by INTEGER REFERENCES users(id);
  ALTER TABLE issue ADD COLUMN updated_by INTEGER REFERENCES users(id);
  ALTER TABLE keyword ADD COLUMN updated_by INTEGER REFERENCES users(id);
  ALTER TABLE licence ADD COLUMN updated_by INTEGER REFERENCES users(id);
  ALTER TABLE key_value ADD COLUMN updated_by INTEGER REFERENCES users(id);
  ALTER TABLE code_repo_release ADD COLUMN updated_by INTEGER REFERENCES users(id);
  ALTER TABLE quality_controlled ADD COLUMN updated_by INTEGER REFERENCES users(id);
  -- author.name becomes optional (the registry needs a name or an identifier): rebuilt, ids kept
  -- (SQLite's table rebuild; the runner turns foreign keys off around it and checks them after).
  CREATE TABLE author_v4 (
    id INTEGER PRIMARY KEY,
    name TEXT,
    identifier TEXT UNIQUE,
    uuid TEXT NOT NULL UNIQUE,
    last_updated TEXT,
    updated_by INTEGER REFERENCES users(id),
    CHECK (name IS NOT NULL OR identifier IS NOT NULL)
  );
  INSERT INTO author_v4 (id, name, identifier, uuid) SELECT id, name, identifier, uuid FROM author;
  DROP TABLE author;
  ALTER TABLE author_v4 RENAME TO author;
  `,
  /* 5: who made each access: the caller's pid and command line */ `
  ALTER TABLE access ADD COLUMN pid INTEGER;
  ALTER TABLE access ADD COLUMN command TEXT;
  `,
  /* 6: the catalog's change log: every data product added, changed or removed, by whoever did it */ `
  CREATE TABLE catalog_change (
    seq INTEGER PRIMARY KEY,
    product INTEGER NOT NULL
  );
  CREATE TRIGGER catalog_product_added AFTER INSERT ON data_product
    BEGIN INSERT INTO catalog_change (product) VALUES (new.id); END;
  CREATE TRIGGER catalog_product_changed AFTER UPDATE ON data_product
    BEGIN INSERT INTO catalog_change (product) VALUES (old.id), (new.id); END;
  CREATE TRIGGER catalog_product_removed AFTER DELETE ON data_product
    BEGIN INSERT INTO catalog_change (product) VALUES (old.id); END;
  `,
  /* 7: which run made or read a component, found without a scan (every product row asks who made it) */ `
  CREATE INDEX code_run_output_component ON code_run_output(object_component);
  CREATE INDEX code_run_input_component ON code_run_input(object_component);
  `,
  /* 8: a run made by `fairfs rerun` names the run it repeats */ `
  ALTER TABLE session ADD COLUMN rerun_of TEXT;
  `,
];
