import { randomUUID } from 'node:crypto';
import { authorUuidFor } from '../formats/fair-ids.js';
import type { Statement } from 'better-sqlite3';
import { DataConflictError, MissingDataError } from '../errors.js';
import { BUSY_TIMEOUT_MS, openDatabase, type Db } from './database.js';
import { StatementCache } from './statements.js';

/** One registered data product with where its bytes are. */
export interface ProductRecord {
  id: number;
  namespace: string;
  name: string;
  version: string;
  objectId: number;
  wholeComponentId: number;
  description: string | null;
  storageRoot: string;
  path: string;
  hash: string;
  size: number;
  extension: string;
  lastUpdated: string;
  producedBy: string | null;
}

export interface StoredFileRef {
  storageRoot: string;
  path: string;
  hash: string;
  size: number;
  extension: string;
  public?: boolean;
}

export interface NewProduct {
  namespace: string;
  name: string;
  version: string;
  description?: string | null;
  file: StoredFileRef;
  /** Named components besides `whole_object` (TOML tables, HDF5 groups). */
  components?: { name: string; description?: string | null }[];
  /** Keep the object's uuid (products pulled from a remote keep theirs). */
  objectUuid?: string;
}

export interface RegisteredProduct {
  dataProductId: number;
  objectId: number;
  componentIds: Map<string, number>;
}

export type RunStatus = 'running' | 'completed' | 'failed' | 'aborted';

export interface SessionRecord {
  runId: string;
  codeRunId: number;
  uuid: string;
  /** `recorded`: made through the API by a FAIR client; fairfs did not run it. */
  status: RunStatus | 'recorded';
  description: string;
  configPath: string;
  workingConfig: string;
  command: string | null;
  codeRepo: string | null;
  codeCommit: string | null;
  host: string;
  user: string;
  mountpoint: string | null;
  pid: number | null;
  startedAt: string;
  endedAt: string | null;
  exitCode: number | null;
  message: string | null;
  /** The config's `remote_data_registry_url`: where `fairfs push` sends this run by default. */
  remote: string | null;
  /** The run this one repeats (`fairfs rerun`). */
  rerunOf: string | null;
}

/** What opening a run records; the rest of a SessionRecord comes later. */
export interface NewRun
  extends Pick<SessionRecord, 'runId' | 'uuid' | 'description' | 'configPath' | 'workingConfig' | 'command' | 'codeRepo' | 'codeCommit' | 'host' | 'user' | 'mountpoint'> {
  runDate: string;
  modelConfig: StoredFileRef;
  pid: number;
  remote: string | null;
  /** The config file's bytes as read: with the start time they prove the run id. */
  configBytes: Buffer;
}

/** An author as the FAIR data-registry has them: a name and/or an identifier (ORCID URL), and a uuid. */
export interface AuthorRecord {
  id: number;
  name: string;
  identifier: string | null;
  uuid: string;
}

/** What the FAIR external_object records of where data came from, besides its version and store. */
export interface ExternalObjectFields {
  identifier: string | null;
  alternateIdentifier: string | null;
  alternateIdentifierType: string | null;
  title: string;
  description: string | null;
  releaseDate: string | null;
}

/** A file a remote could not take when its records were pushed. */
export interface PendingUpload {
  hash: string;
  objectId: number;
  reason: string;
  since: string;
}

export interface RunLink {
  namespace: string;
  name: string;
  version: string;
  component: string;
  hash: string;
  path: string;
  storageRoot: string;
}

export interface AccessRow {
  runId: string;
  time: string;
  op: string;
  path: string;
  dataProduct: number | null;
  component: string | null;
  bytes: number | null;
  hash: string | null;
  /** `outside`: a read by a process that is not part of the run (journalled, never linked). */
  outcome: 'ok' | 'refused' | 'error' | 'outside';
  reason: string | null;
  /** The process that made it (null: not known, e.g. the prebuilt binding). */
  pid: number | null;
  command: string | null;
}

export interface ObjectDetail {
  id: number;
  uuid: string;
  description: string | null;
  storageRoot: string | null;
  path: string | null;
  hash: string | null;
  public: boolean;
  fileTypeName: string | null;
  extension: string | null;
  components: { id: number; name: string; description: string | null; wholeObject: boolean }[];
  dataProducts: { id: number; namespace: string; name: string; version: string }[];
  authors: AuthorRecord[];
}

export interface CodeRunDetail {
  uuid: string;
  runDate: string;
  description: string;
  modelConfig: number | null;
  submissionScript: number | null;
  codeRepo: number | null;
  inputs: number[];
  outputs: number[];
}

const now = (): string => new Date().toISOString();

const PRODUCT_SELECT = `
  SELECT dp.id, ns.name AS namespace, dp.name, dp.version, o.id AS objectId,
         oc.id AS wholeComponentId, o.description, sr.root AS storageRoot, sl.path, sl.hash,
         o.size, coalesce(ft.extension, '') AS extension, dp.last_updated AS lastUpdated,
         (SELECT coalesce(s.run_id, cr.uuid) FROM code_run_output cro
            JOIN code_run cr ON cr.id = cro.code_run
            LEFT JOIN session s ON s.code_run = cr.id
           WHERE cro.object_component IN (SELECT id FROM object_component WHERE object = o.id) LIMIT 1) AS producedBy
    FROM data_product dp
    JOIN namespace ns ON ns.id = dp.namespace
    JOIN object o ON o.id = dp.object
    JOIN object_component oc ON oc.object = o.id AND oc.whole_object = 1
    JOIN storage_location sl ON sl.id = o.storage_location
    JOIN storage_root sr ON sr.id = sl.storage_root
    LEFT JOIN file_type ft ON ft.id = o.file_type`;

/**
 * Every code run, with its session when fairfs ran it. A run a FAIR client
 * made through the API (`fairfs registry serve`) has no session: it is listed
 * by its uuid with status `recorded`, its run date and its author's login.
 */
const SESSION_SELECT = `
  SELECT * FROM (
  SELECT coalesce(s.run_id, cr.uuid) AS runId, cr.id AS codeRunId, cr.uuid, coalesce(s.status, 'recorded') AS status, cr.description,
         coalesce(s.config_path, '') AS configPath, coalesce(s.working_config, '') AS workingConfig, s.command,
         s.code_repo AS codeRepo, s.code_commit AS codeCommit, coalesce(s.host, '') AS host, coalesce(s.user, u.username, '') AS user,
         s.mountpoint, s.pid, coalesce(s.started_at, cr.run_date) AS startedAt, s.ended_at AS endedAt, s.exit_code AS exitCode,
         s.message, s.remote, s.rerun_of AS rerunOf
    FROM code_run cr LEFT JOIN session s ON s.code_run = cr.id LEFT JOIN users u ON u.id = cr.updated_by) r`;

/**
 * The local registry: the only place that speaks SQL. Statements are prepared
 * once; every change that spans rows runs in one transaction.
 */
export class Registry {
  readonly db: Db;

  private readonly statements: StatementCache;

  constructor(file: string) {
    this.db = openDatabase(file);
    this.statements = new StatementCache(this.db);
  }

  close(): void {
    this.db.close();
  }

  private stmt(sql: string): Statement {
    return this.statements.get(sql);
  }

  /** Run `fn` in one IMMEDIATE transaction (writers queue instead of failing). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  // ---- lookups -------------------------------------------------------------

  findProduct(namespace: string, name: string, version: string): ProductRecord | undefined {
    return this.stmt(`${PRODUCT_SELECT} WHERE ns.name = ? AND dp.name = ? AND dp.version = ?`).get(
      namespace,
      name,
      version,
    ) as ProductRecord | undefined;
  }

  productById(id: number): ProductRecord | undefined {
    return this.stmt(`${PRODUCT_SELECT} WHERE dp.id = ?`).get(id) as ProductRecord | undefined;
  }

  /** Every version registered for (namespace, name), unordered. */
  versions(namespace: string, name: string): string[] {
    const rows = this.stmt(
      `SELECT dp.version FROM data_product dp JOIN namespace ns ON ns.id = dp.namespace
        WHERE ns.name = ? AND dp.name = ?`,
    ).all(namespace, name) as { version: string }[];
    return rows.map((r) => r.version);
  }

  /** Names in a namespace matching a SQL GLOB (for wildcard read items). */
  productNames(namespace: string, glob: string): string[] {
    const rows = this.stmt(
      `SELECT DISTINCT dp.name FROM data_product dp JOIN namespace ns ON ns.id = dp.namespace
        WHERE ns.name = ? AND dp.name GLOB ? ORDER BY dp.name`,
    ).all(namespace, glob) as { name: string }[];
    return rows.map((r) => r.name);
  }

  hasFileType(extensions: string[]): boolean {
    return (
      this.stmt(`SELECT 1 FROM file_type WHERE lower(extension) IN (${extensions.map(() => '?').join(', ')}) LIMIT 1`).get(...extensions) !== undefined
    );
  }

  /** The latest entry of the catalog's change log (0 when empty): read before a full listing. */
  catalogSeq(): number {
    return (this.stmt('SELECT coalesce(max(seq), 0) AS seq FROM catalog_change').get() as { seq: number }).seq;
  }

  /** Data products added, changed or removed after change `seq`, and the change they bring the log to. */
  catalogChangesSince(seq: number): { seq: number; products: number[] } {
    const rows = this.stmt('SELECT seq, product FROM catalog_change WHERE seq > ? ORDER BY seq').all(seq) as { seq: number; product: number }[];
    return { seq: rows.at(-1)?.seq ?? seq, products: [...new Set(rows.map((r) => r.product))] };
  }

  listProducts(): ProductRecord[] {
    return this.stmt(`${PRODUCT_SELECT} ORDER BY ns.name, dp.name, dp.id`).all() as ProductRecord[];
  }

  /** The component of a data product's object by name (`whole_object` for whole files). */
  componentIdFor(dataProductId: number, component: string): number | undefined {
    return (
      this.stmt(
        'SELECT oc.id FROM object_component oc JOIN data_product dp ON dp.object = oc.object WHERE dp.id = ? AND oc.name = ?',
      ).get(dataProductId, component) as { id: number } | undefined
    )?.id;
  }

  components(objectId: number): { id: number; name: string; wholeObject: boolean }[] {
    const rows = this.stmt(
      `SELECT id, name, whole_object AS w FROM object_component WHERE object = ? ORDER BY whole_object DESC, name`,
    ).all(objectId) as { id: number; name: string; w: number }[];
    return rows.map((r) => ({ id: r.id, name: r.name, wholeObject: r.w === 1 }));
  }

  // ---- registration (callers wrap in transaction()) -------------------------

  private ensureNamespace(name: string): number {
    this.stmt('INSERT INTO namespace (name) VALUES (?) ON CONFLICT (name) DO NOTHING').run(name);
    return (this.stmt('SELECT id FROM namespace WHERE name = ?').get(name) as { id: number }).id;
  }

  private ensureFileType(extension: string): number | null {
    if (!extension) return null;
    this.stmt('INSERT INTO file_type (name, extension) VALUES (?, ?) ON CONFLICT DO NOTHING').run(extension, extension);
    return (this.stmt('SELECT id FROM file_type WHERE name = ? AND extension = ?').get(extension, extension) as { id: number }).id;
  }

  private ensureStorageRoot(root: string): number {
    this.stmt('INSERT INTO storage_root (root, local) VALUES (?, ?) ON CONFLICT (root) DO NOTHING').run(
      root,
      root.startsWith('file://') ? 1 : 0,
    );
    return (this.stmt('SELECT id FROM storage_root WHERE root = ?').get(root) as { id: number }).id;
  }

  private ensureStorageLocation(file: StoredFileRef): number {
    const root = this.ensureStorageRoot(file.storageRoot);
    const isPublic = file.public === false ? 0 : 1;
    this.stmt(
      `INSERT INTO storage_location (path, hash, public, storage_root) VALUES (?, ?, ?, ?)
       ON CONFLICT (storage_root, hash, public) DO NOTHING`,
    ).run(file.path, file.hash, isPublic, root);
    return (
      this.stmt('SELECT id FROM storage_location WHERE storage_root = ? AND hash = ? AND public = ?').get(
        root,
        file.hash,
        isPublic,
      ) as { id: number }
    ).id;
  }

  /** An object (with its whole_object component) for a stored file. */
  insertObject(file: StoredFileRef, description: string | null, uuid: string = randomUUID()): { objectId: number; wholeComponentId: number } {
    const location = this.ensureStorageLocation(file);
    const fileType = this.ensureFileType(file.extension);
    const objectId = Number(
      this.stmt(
        `INSERT INTO object (uuid, description, storage_location, file_type, size, last_updated)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ).run(uuid, description, location, fileType, file.size, now()).lastInsertRowid,
    );
    const wholeComponentId = Number(
      this.stmt(
        `INSERT INTO object_component (object, name, description, whole_object) VALUES (?, 'whole_object', ?, 1)`,
      ).run(objectId, 'the whole object').lastInsertRowid,
    );
    return { objectId, wholeComponentId };
  }

  registerProduct(product: NewProduct): RegisteredProduct {
    if (this.findProduct(product.namespace, product.name, product.version)) {
      throw new DataConflictError(
        `${product.namespace}:${product.name}@${product.version} is already registered`,
        { hint: 'registered data is immutable: choose a new version, or a version expression such as ${{PATCH}}' },
      );
    }
    const namespaceId = this.ensureNamespace(product.namespace);
    const { objectId, wholeComponentId } = this.insertObject(product.file, product.description ?? null, product.objectUuid);
    const componentIds = new Map<string, number>([['whole_object', wholeComponentId]]);
    for (const component of product.components ?? []) {
      const id = Number(
        this.stmt(
          'INSERT INTO object_component (object, name, description, whole_object) VALUES (?, ?, ?, 0)',
        ).run(objectId, component.name, component.description ?? null).lastInsertRowid,
      );
      componentIds.set(component.name, id);
    }
    const dataProductId = Number(
      this.stmt('INSERT INTO data_product (namespace, name, version, object, last_updated) VALUES (?, ?, ?, ?, ?)').run(
        namespaceId,
        product.name,
        product.version,
        objectId,
        now(),
      ).lastInsertRowid,
    );
    return { dataProductId, objectId, componentIds };
  }

  /** Record where an external object came from (FAIR external_object). */
  addExternalObject(
    dataProductId: number,
    fields: ExternalObjectFields & { primary: boolean; version: string; originalStore: StoredFileRef | null },
  ): void {
    const originalStore = fields.originalStore ? this.ensureStorageLocation(fields.originalStore) : null;
    this.stmt(
      `INSERT INTO external_object (data_product, identifier, alternate_identifier, alternate_identifier_type, title, description,
                                    release_date, original_store, primary_not_supplement, version)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      dataProductId,
      fields.identifier,
      fields.alternateIdentifier,
      fields.alternateIdentifierType,
      fields.title,
      fields.description,
      fields.releaseDate,
      originalStore,
      fields.primary ? 1 : 0,
      fields.version,
    );
  }

  upsertNamespace(name: string, fullName: string | null, website: string | null): void {
    this.stmt(
      `INSERT INTO namespace (name, full_name, website) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET full_name = coalesce(excluded.full_name, full_name), website = coalesce(excluded.website, website)`,
    ).run(name, fullName, website);
  }

  /** Attach an issue (e.g. "did not parse") to components. */
  addIssue(severity: number, description: string, componentIds: number[]): void {
    const issue = Number(
      this.stmt('INSERT INTO issue (severity, description, uuid) VALUES (?, ?, ?)').run(severity, description, randomUUID()).lastInsertRowid,
    );
    for (const c of componentIds) this.stmt('INSERT INTO issue_component (issue, object_component) VALUES (?, ?)').run(issue, c);
  }

  // ---- code runs -----------------------------------------------------------

  createRun(run: NewRun): SessionRecord {
    return this.transaction(() => {
      const { objectId: modelConfig } = this.insertObject(run.modelConfig, 'working config of a fairfs code run');
      const codeRunId = Number(
        this.stmt(
          `INSERT INTO code_run (uuid, run_date, description, model_config, last_updated) VALUES (?, ?, ?, ?, ?)`,
        ).run(run.uuid, run.runDate, run.description, modelConfig, now()).lastInsertRowid,
      );
      this.stmt(
        `INSERT INTO session (run_id, code_run, status, config_path, working_config, command, code_repo, code_commit,
                              host, user, mountpoint, pid, started_at, remote, config_bytes)
         VALUES (?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        run.runId,
        codeRunId,
        run.configPath,
        run.workingConfig,
        run.command,
        run.codeRepo,
        run.codeCommit,
        run.host,
        run.user,
        run.mountpoint,
        run.pid,
        run.runDate,
        run.remote,
        run.configBytes,
      );
      return this.getSession(run.runId)!;
    });
  }

  /** Link a run made by `fairfs rerun` to the run it repeats. */
  setRerunOf(runId: string, original: string): void {
    this.stmt('UPDATE session SET rerun_of = ? WHERE run_id = ?').run(original, runId);
  }

  setRunCommand(runId: string, command: string): void {
    this.stmt('UPDATE session SET command = ? WHERE run_id = ?').run(command, runId);
  }

  /** Link provenance objects of the run (submission script, code repo). */
  setRunObjects(codeRunId: number, objects: { submissionScript?: number; codeRepo?: number }): void {
    if (objects.submissionScript !== undefined) {
      this.stmt('UPDATE code_run SET submission_script = ?, last_updated = ? WHERE id = ?').run(objects.submissionScript, now(), codeRunId);
    }
    if (objects.codeRepo !== undefined) {
      this.stmt('UPDATE code_run SET code_repo = ?, last_updated = ? WHERE id = ?').run(objects.codeRepo, now(), codeRunId);
    }
  }

  linkRun(codeRunId: number, direction: 'input' | 'output', componentIds: Iterable<number>): void {
    const table = direction === 'input' ? 'code_run_input' : 'code_run_output';
    const insert = this.stmt(`INSERT OR IGNORE INTO ${table} (code_run, object_component) VALUES (?, ?)`);
    for (const id of componentIds) insert.run(codeRunId, id);
  }

  endSession(runId: string, status: Exclude<RunStatus, 'running'>, exitCode: number | null, message: string | null): void {
    this.stmt(
      `UPDATE session SET status = ?, exit_code = ?, message = ?, ended_at = ?, pid = NULL WHERE run_id = ? AND status = 'running'`,
    ).run(status, exitCode, message, now(), runId);
  }

  getSession(runIdOrPrefix: string): SessionRecord | undefined {
    const exact = this.stmt(`${SESSION_SELECT} WHERE r.runId = ? OR r.uuid = ?`).get(runIdOrPrefix, runIdOrPrefix) as
      | SessionRecord
      | undefined;
    if (exact) return exact;
    const matches = this.stmt(`${SESSION_SELECT} WHERE r.runId LIKE ? LIMIT 2`).all(`${runIdOrPrefix}%`) as SessionRecord[];
    if (matches.length > 1) {
      throw new MissingDataError(`run id prefix ${runIdOrPrefix} is ambiguous`, { hint: 'give more characters of the run id' });
    }
    return matches[0];
  }

  listSessions(status?: SessionRecord['status']): SessionRecord[] {
    if (status) return this.stmt(`${SESSION_SELECT} WHERE r.status = ? ORDER BY r.startedAt`).all(status) as SessionRecord[];
    return this.stmt(`${SESSION_SELECT} ORDER BY r.startedAt`).all() as SessionRecord[];
  }

  runLinks(codeRunId: number, direction: 'input' | 'output'): RunLink[] {
    const table = direction === 'input' ? 'code_run_input' : 'code_run_output';
    return this.stmt(
      `SELECT ns.name AS namespace, dp.name, dp.version, oc.name AS component, sl.hash, sl.path, sr.root AS storageRoot
         FROM ${table} l
         JOIN object_component oc ON oc.id = l.object_component
         JOIN data_product dp ON dp.object = oc.object
         JOIN namespace ns ON ns.id = dp.namespace
         JOIN object o ON o.id = oc.object
         JOIN storage_location sl ON sl.id = o.storage_location
         JOIN storage_root sr ON sr.id = sl.storage_root
        WHERE l.code_run = ?
        ORDER BY ns.name, dp.name, dp.version, oc.whole_object DESC, oc.name`,
    ).all(codeRunId) as RunLink[];
  }

  /** The stored file behind a code run's provenance object (config, script). */
  objectFile(objectId: number | null): { storageRoot: string; path: string; hash: string } | undefined {
    if (objectId === null) return undefined;
    return this.stmt(
      `SELECT sr.root AS storageRoot, sl.path, sl.hash FROM object o
         JOIN storage_location sl ON sl.id = o.storage_location
         JOIN storage_root sr ON sr.id = sl.storage_root WHERE o.id = ?`,
    ).get(objectId) as { storageRoot: string; path: string; hash: string } | undefined;
  }

  codeRunObjects(codeRunId: number): { modelConfig: number | null; submissionScript: number | null; codeRepo: number | null } {
    return this.stmt(
      'SELECT model_config AS modelConfig, submission_script AS submissionScript, code_repo AS codeRepo FROM code_run WHERE id = ?',
    ).get(codeRunId) as { modelConfig: number | null; submissionScript: number | null; codeRepo: number | null };
  }

  // ---- access journal ------------------------------------------------------

  insertAccesses(rows: readonly AccessRow[]): void {
    if (rows.length === 0) return;
    const insert = this.stmt(
      `INSERT INTO access (run_id, time, op, path, data_product, component, bytes, hash, outcome, reason, pid, command)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.transaction(() => {
      for (const r of rows) {
        insert.run(r.runId, r.time, r.op, r.path, r.dataProduct, r.component, r.bytes, r.hash, r.outcome, r.reason, r.pid ?? null, r.command ?? null);
      }
    });
  }

  /**
   * Insert without waiting for the write lock: false when another process
   * holds it (a finalise, a pull), so a mount daemon can retry later instead
   * of stalling its FUSE thread for the busy timeout.
   */
  tryInsertAccesses(rows: readonly AccessRow[]): boolean {
    this.db.pragma('busy_timeout = 0');
    try {
      this.insertAccesses(rows);
      return true;
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_BUSY') return false;
      throw err;
    } finally {
      this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    }
  }

  accesses(runId: string): AccessRow[] {
    return this.stmt(
      `SELECT run_id AS runId, time, op, path, data_product AS dataProduct, component, bytes, hash, outcome, reason, pid, command
         FROM access WHERE run_id = ? ORDER BY id`,
    ).all(runId) as AccessRow[];
  }

  // ---- sync: what each remote already has -------------------------------------

  remoteUrl(remote: string, table: string, localId: number): string | undefined {
    return (this.stmt('SELECT url FROM remote_id WHERE remote = ? AND table_name = ? AND local_id = ?').get(remote, table, localId) as { url: string } | undefined)?.url;
  }

  setRemoteUrl(remote: string, table: string, localId: number, url: string): void {
    this.stmt('INSERT OR REPLACE INTO remote_id (remote, table_name, local_id, url) VALUES (?, ?, ?, ?)').run(remote, table, localId, url);
  }

  journal(remote: string, direction: 'push' | 'pull', step: string): void {
    this.stmt('INSERT INTO sync_journal (remote, direction, step, time) VALUES (?, ?, ?, ?)').run(remote, direction, step, now());
  }

  journalHas(remote: string, direction: 'push' | 'pull', step: string): boolean {
    return this.stmt('SELECT 1 FROM sync_journal WHERE remote = ? AND direction = ? AND step = ?').get(remote, direction, step) !== undefined;
  }

  /** Everything push needs to know about one object. */
  objectDetail(objectId: number): ObjectDetail {
    const o = this.stmt(
      `SELECT o.id, o.uuid, o.description, sr.root AS storageRoot, sl.path, sl.hash, sl.public, ft.name AS fileTypeName, ft.extension
         FROM object o
         LEFT JOIN storage_location sl ON sl.id = o.storage_location
         LEFT JOIN storage_root sr ON sr.id = sl.storage_root
         LEFT JOIN file_type ft ON ft.id = o.file_type
        WHERE o.id = ?`,
    ).get(objectId) as Omit<ObjectDetail, 'components' | 'dataProducts' | 'public' | 'authors'> & { public: number | null };
    const dataProducts = this.stmt(
      `SELECT dp.id, ns.name AS namespace, dp.name, dp.version FROM data_product dp JOIN namespace ns ON ns.id = dp.namespace WHERE dp.object = ?`,
    ).all(objectId) as ObjectDetail['dataProducts'];
    const components = (
      this.stmt('SELECT id, name, description, whole_object AS w FROM object_component WHERE object = ? ORDER BY id').all(objectId) as {
        id: number;
        name: string;
        description: string | null;
        w: number;
      }[]
    ).map((c) => ({ id: c.id, name: c.name, description: c.description, wholeObject: c.w === 1 }));
    return { ...o, public: o.public !== 0, components, dataProducts, authors: this.objectAuthors(objectId) };
  }

  componentObject(componentId: number): number {
    return (this.stmt('SELECT object FROM object_component WHERE id = ?').get(componentId) as { object: number }).object;
  }

  codeRunDetail(codeRunId: number): CodeRunDetail {
    const r = this.stmt(
      `SELECT uuid, run_date AS runDate, description, model_config AS modelConfig, submission_script AS submissionScript, code_repo AS codeRepo
         FROM code_run WHERE id = ?`,
    ).get(codeRunId) as Omit<CodeRunDetail, 'inputs' | 'outputs'>;
    const ids = (table: string): number[] =>
      (this.stmt(`SELECT object_component AS id FROM ${table} WHERE code_run = ? ORDER BY object_component`).all(codeRunId) as { id: number }[]).map((x) => x.id);
    return { ...r, inputs: ids('code_run_input'), outputs: ids('code_run_output') };
  }

  // ---- API users and tokens (tokens are stored as SHA-256, never in clear) ----

  ensureUser(username: string): number {
    this.stmt('INSERT INTO users (username) VALUES (?) ON CONFLICT (username) DO NOTHING').run(username);
    return (this.stmt('SELECT id FROM users WHERE username = ?').get(username) as { id: number }).id;
  }

  addToken(userId: number, tokenSha256: string): void {
    this.stmt('INSERT INTO api_token (user, token_sha256, created) VALUES (?, ?, ?)').run(userId, tokenSha256, now());
  }

  userForToken(tokenSha256: string): { id: number; username: string } | undefined {
    return this.stmt(
      'SELECT u.id, u.username FROM api_token t JOIN users u ON u.id = t.user WHERE t.token_sha256 = ?',
    ).get(tokenSha256) as { id: number; username: string } | undefined;
  }

  /** Store-relative paths recorded for this hash under one storage root (the server's own store). */
  pathsByHash(hash: string, storageRoot: string): string[] {
    return (
      this.stmt(
        `SELECT sl.path FROM storage_location sl JOIN storage_root sr ON sr.id = sl.storage_root
          WHERE sl.hash = ? AND sr.root = ? ORDER BY sl.id`,
      ).all(hash, storageRoot) as { path: string }[]
    ).map((r) => r.path);
  }

  /** The config bytes a run was started from (null for runs made through the API). */
  configBytes(runId: string): Buffer | null {
    return (this.stmt('SELECT config_bytes AS b FROM session WHERE run_id = ?').get(runId) as { b: Buffer | null } | undefined)?.b ?? null;
  }

  // ---- authors ---------------------------------------------------------------

  /** The author with this identifier or uuid, created (or renamed) as given: one row per person. */
  ensureAuthor(given: Omit<AuthorRecord, 'id'>): number {
    // An author with an identifier has the uuid the data registry derives from it.
    const author = given.identifier ? { ...given, uuid: authorUuidFor(given.identifier) } : given;
    const byIdentifier = author.identifier
      ? (this.stmt('SELECT id FROM author WHERE identifier = ?').get(author.identifier) as { id: number } | undefined)
      : undefined;
    if (byIdentifier) return byIdentifier.id;
    this.stmt(
      `INSERT INTO author (name, identifier, uuid) VALUES (?, ?, ?)
       ON CONFLICT (uuid) DO UPDATE SET name = excluded.name, identifier = coalesce(excluded.identifier, identifier)`,
    ).run(author.name, author.identifier, author.uuid);
    return (this.stmt('SELECT id FROM author WHERE uuid = ?').get(author.uuid) as { id: number }).id;
  }

  /**
   * The author a login writes as (users → user_author → author): created on
   * first use with a fresh uuid, kept across runs, updated from settings.
   */
  userAuthor(username: string, given: { name: string; identifier: string | null; uuid: string | null }): number {
    return this.transaction(() => {
      const userId = this.ensureUser(username);
      const linked = this.stmt('SELECT author FROM user_author WHERE user = ?').get(userId) as { author: number } | undefined;
      const current = linked ? (this.stmt('SELECT uuid FROM author WHERE id = ?').get(linked.author) as { uuid: string }) : undefined;
      const uuid = given.uuid ?? current?.uuid ?? randomUUID();
      const author = this.ensureAuthor({ name: given.name, identifier: given.identifier, uuid });
      this.stmt('INSERT INTO user_author (user, author) VALUES (?, ?) ON CONFLICT (user) DO UPDATE SET author = excluded.author').run(userId, author);
      return author;
    });
  }

  /** The author a login speaks for (`user_author`), if linked. */
  linkedAuthor(username: string): AuthorRecord | undefined {
    return this.stmt(
      `SELECT a.id, a.name, a.identifier, a.uuid FROM users u JOIN user_author ua ON ua.user = u.id JOIN author a ON a.id = ua.author WHERE u.username = ?`,
    ).get(username) as AuthorRecord | undefined;
  }

  linkAuthors(objectId: number, authorIds: Iterable<number>): void {
    const insert = this.stmt('INSERT OR IGNORE INTO object_author (object, author) VALUES (?, ?)');
    for (const a of authorIds) insert.run(objectId, a);
  }

  objectAuthors(objectId: number): AuthorRecord[] {
    return this.stmt(
      'SELECT a.id, a.name, a.identifier, a.uuid FROM object_author oa JOIN author a ON a.id = oa.author WHERE oa.object = ? ORDER BY a.id',
    ).all(objectId) as AuthorRecord[];
  }

  // ---- files a remote could not take yet -------------------------------------

  setPendingUpload(remote: string, hash: string, objectId: number, reason: string): void {
    this.stmt(
      `INSERT INTO pending_upload (remote, hash, object, reason, since) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (remote, hash) DO UPDATE SET reason = excluded.reason`,
    ).run(remote, hash, objectId, reason, now());
  }

  clearPendingUpload(remote: string, hash: string): void {
    this.stmt('DELETE FROM pending_upload WHERE remote = ? AND hash = ?').run(remote, hash);
  }

  pendingUploads(remote?: string): (PendingUpload & { remote: string })[] {
    return (
      remote === undefined
        ? this.stmt('SELECT remote, hash, object AS objectId, reason, since FROM pending_upload ORDER BY since').all()
        : this.stmt('SELECT remote, hash, object AS objectId, reason, since FROM pending_upload WHERE remote = ? ORDER BY since').all(remote)
    ) as (PendingUpload & { remote: string })[];
  }

  integrityCheck(): string {
    return this.db.pragma('integrity_check', { simple: true }) as string;
  }
}
