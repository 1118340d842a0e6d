import type { Statement } from 'better-sqlite3';
import type { AuthorRecord, ExternalObjectFields } from './registry.js';
import type { Db } from './database.js';
import { StatementCache } from './statements.js';

/*
 * The read model of lineage: which run made or read which object, and the
 * metadata a provenance document shows of each. Read-only; every query is
 * indexed (migration 7), so walking a graph costs a few statements per node.
 */

export interface LineageProduct {
  id: number;
  namespace: string;
  name: string;
  version: string;
  objectId: number;
}

export interface LineageIssue {
  id: number;
  severity: number;
  description: string;
  component: string;
}

export interface LineageObject {
  id: number;
  uuid: string;
  description: string | null;
  lastUpdated: string;
  /** `<storage root><path>`, as the registry prints a storage location. */
  location: string | null;
  storageRoot: string | null;
  path: string | null;
  hash: string | null;
  size: number | null;
  fileType: string | null;
  extension: string | null;
  dataProducts: LineageProduct[];
  components: { id: number; name: string; wholeObject: boolean }[];
  issues: LineageIssue[];
  authors: AuthorRecord[];
}

export interface LineageRun {
  codeRunId: number;
  uuid: string;
  /** fairfs's run id, or the uuid for a run a FAIR client recorded through the API. */
  runId: string;
  runDate: string;
  description: string;
  status: 'running' | 'completed' | 'failed' | 'aborted' | 'recorded';
  exitCode: number | null;
  endedAt: string | null;
  message: string | null;
  command: string | null;
  codeRepoUrl: string | null;
  codeCommit: string | null;
  host: string | null;
  /** The run this one repeats (`fairfs rerun`). */
  rerunOf: string | null;
  /** Who ran it: the registry user (API runs) or the login that mounted it, with its linked author. */
  runner: { userId: number | null; username: string; author: AuthorRecord | null } | null;
  codeRepo: number | null;
  modelConfig: number | null;
  submissionScript: number | null;
  /** Component ids read and written. */
  inputs: number[];
  outputs: number[];
}

export interface CodeRepoRelease {
  id: number;
  name: string;
  version: string;
  website: string | null;
}

export interface ExternalObjectRecord extends ExternalObjectFields {
  id: number;
  version: string | null;
  originalStore: string | null;
}

/** What the access journal says of one data product in one run. */
export interface ProductAccess {
  /** `pid command` of each process that opened it. */
  processes: string[];
}

/** A storage location as the registry prints it: root and path joined as Python's os.path.join does. */
export function storageUri(root: string, path: string): string {
  const relative = path.replace(/^[/\\]+/, '');
  return root.endsWith('/') ? `${root}${relative}` : `${root}/${relative}`;
}

/** A data product with its namespace's name: the head every product query here shares. */
const PRODUCT = `SELECT dp.id, ns.name AS namespace, dp.name, dp.version, dp.object AS objectId
  FROM data_product dp JOIN namespace ns ON ns.id = dp.namespace`;

export class Lineage {
  private readonly statements: StatementCache;

  constructor(db: Db) {
    this.statements = new StatementCache(db);
  }

  private stmt(sql: string): Statement {
    return this.statements.get(sql);
  }

  product(id: number): LineageProduct | undefined {
    return this.stmt(`${PRODUCT} WHERE dp.id = ?`).get(id) as LineageProduct | undefined;
  }

  productByKey(namespace: string, name: string, version: string): LineageProduct | undefined {
    return this.stmt(`${PRODUCT} WHERE ns.name = ? AND dp.name = ? AND dp.version = ?`).get(namespace, name, version) as LineageProduct | undefined;
  }

  /** The newest products first, at most `limit`, and how many there are. */
  recentProducts(limit: number): { total: number; products: (LineageProduct & { extension: string | null; size: number | null; lastUpdated: string })[] } {
    const total = (this.stmt('SELECT count(*) AS n FROM data_product').get() as { n: number }).n;
    const products = this.stmt(
      `SELECT dp.id, ns.name AS namespace, dp.name, dp.version, dp.object AS objectId, ft.extension, o.size, dp.last_updated AS lastUpdated
         FROM data_product dp JOIN namespace ns ON ns.id = dp.namespace JOIN object o ON o.id = dp.object
         LEFT JOIN file_type ft ON ft.id = o.file_type
        ORDER BY dp.id DESC LIMIT ?`,
    ).all(limit) as (LineageProduct & { extension: string | null; size: number | null; lastUpdated: string })[];
    return { total, products };
  }

  /** The newest code runs first, at most `limit`, and how many there are. */
  recentRuns(limit: number): { total: number; runs: number[] } {
    const total = (this.stmt('SELECT count(*) AS n FROM code_run').get() as { n: number }).n;
    return { total, runs: (this.stmt('SELECT id FROM code_run ORDER BY run_date DESC, id DESC LIMIT ?').all(limit) as { id: number }[]).map((r) => r.id) };
  }

  /** Every version of (namespace, name), in registration order. */
  productVersions(namespace: string, name: string): LineageProduct[] {
    return this.stmt(`${PRODUCT} WHERE ns.name = ? AND dp.name = ? ORDER BY dp.id`).all(namespace, name) as LineageProduct[];
  }

  object(id: number): LineageObject | undefined {
    const o = this.stmt(
      `SELECT o.id, o.uuid, o.description, o.last_updated AS lastUpdated,
              sr.root AS storageRoot, sl.path, sl.hash, o.size, ft.name AS fileType, ft.extension
         FROM object o
         LEFT JOIN storage_location sl ON sl.id = o.storage_location
         LEFT JOIN storage_root sr ON sr.id = sl.storage_root
         LEFT JOIN file_type ft ON ft.id = o.file_type
        WHERE o.id = ?`,
    ).get(id) as Omit<LineageObject, 'location' | 'dataProducts' | 'components' | 'issues' | 'authors'> | undefined;
    if (!o) return undefined;
    const location = o.storageRoot !== null && o.path !== null ? storageUri(o.storageRoot, o.path) : null;
    const dataProducts = this.stmt(`${PRODUCT} WHERE dp.object = ? ORDER BY dp.id`).all(id) as LineageProduct[];
    const components = (this.stmt('SELECT id, name, whole_object AS w FROM object_component WHERE object = ? ORDER BY id').all(id) as {
      id: number;
      name: string;
      w: number;
    }[]).map((c) => ({ id: c.id, name: c.name, wholeObject: c.w === 1 }));
    const issues = this.stmt(
      `SELECT i.id, i.severity, i.description, oc.name AS component
         FROM issue i JOIN issue_component ic ON ic.issue = i.id JOIN object_component oc ON oc.id = ic.object_component
        WHERE oc.object = ? ORDER BY oc.id, i.id`,
    ).all(id) as LineageIssue[];
    const authors = this.stmt(
      `SELECT a.id, a.name, a.identifier, a.uuid FROM object_author oa JOIN author a ON a.id = oa.author WHERE oa.object = ? ORDER BY a.id`,
    ).all(id) as AuthorRecord[];
    return { ...o, location, dataProducts, components, issues, authors };
  }

  /** The object a component belongs to. */
  componentOwner(componentId: number): { objectId: number; name: string } {
    return this.stmt('SELECT object AS objectId, name FROM object_component WHERE id = ?').get(componentId) as { objectId: number; name: string };
  }

  /** Components (a run's inputs or outputs) by the object they belong to, in order of first appearance: one query each. */
  byObject(componentIds: readonly number[]): Map<number, string[]> {
    const out = new Map<number, string[]>();
    for (const id of componentIds) {
      const { objectId, name } = this.componentOwner(id);
      const names = out.get(objectId);
      if (names) names.push(name);
      else out.set(objectId, [name]);
    }
    return out;
  }

  /** The code runs that wrote a component of the object, oldest first. */
  producersOf(objectId: number): number[] {
    return this.ids(
      `SELECT DISTINCT cro.code_run AS id FROM code_run_output cro
         JOIN object_component oc ON oc.id = cro.object_component WHERE oc.object = ? ORDER BY cro.code_run`,
      objectId,
    );
  }

  /** The code runs that read a component of the object, oldest first. */
  consumersOf(objectId: number): number[] {
    return this.ids(
      `SELECT DISTINCT cri.code_run AS id FROM code_run_input cri
         JOIN object_component oc ON oc.id = cri.object_component WHERE oc.object = ? ORDER BY cri.code_run`,
      objectId,
    );
  }

  /** The code run of a fairfs run id or a code run uuid. */
  runIdFor(runIdOrUuid: string): number | undefined {
    const row = this.stmt(
      `SELECT cr.id FROM code_run cr LEFT JOIN session s ON s.code_run = cr.id WHERE s.run_id = ? OR cr.uuid = ?`,
    ).get(runIdOrUuid, runIdOrUuid) as { id: number } | undefined;
    return row?.id;
  }

  run(codeRunId: number): LineageRun | undefined {
    const r = this.stmt(
      `SELECT cr.id AS codeRunId, cr.uuid, coalesce(s.run_id, cr.uuid) AS runId, cr.run_date AS runDate, cr.description,
              coalesce(s.status, 'recorded') AS status, s.exit_code AS exitCode, s.ended_at AS endedAt, s.message,
              s.command, s.code_repo AS codeRepoUrl, s.code_commit AS codeCommit, s.host, s.rerun_of AS rerunOf,
              cr.code_repo AS codeRepo, cr.model_config AS modelConfig, cr.submission_script AS submissionScript,
              coalesce(cr.updated_by, (SELECT id FROM users WHERE username = s.user)) AS userId,
              coalesce((SELECT username FROM users WHERE id = cr.updated_by), s.user) AS username
         FROM code_run cr LEFT JOIN session s ON s.code_run = cr.id WHERE cr.id = ?`,
    ).get(codeRunId) as (Omit<LineageRun, 'runner' | 'inputs' | 'outputs'> & { userId: number | null; username: string | null }) | undefined;
    if (!r) return undefined;
    const { userId, username, ...run } = r;
    const author =
      userId === null
        ? null
        : ((this.stmt('SELECT a.id, a.name, a.identifier, a.uuid FROM user_author ua JOIN author a ON a.id = ua.author WHERE ua.user = ?').get(userId) as
            | AuthorRecord
            | undefined) ?? null);
    return {
      ...run,
      runner: username === null ? null : { userId, username, author },
      inputs: this.ids('SELECT object_component AS id FROM code_run_input WHERE code_run = ? ORDER BY object_component', codeRunId),
      outputs: this.ids('SELECT object_component AS id FROM code_run_output WHERE code_run = ? ORDER BY object_component', codeRunId),
    };
  }

  codeRepoRelease(objectId: number): CodeRepoRelease | undefined {
    return this.stmt('SELECT id, name, version, website FROM code_repo_release WHERE object = ?').get(objectId) as CodeRepoRelease | undefined;
  }

  externalObject(dataProductId: number): ExternalObjectRecord | undefined {
    const e = this.stmt(
      `SELECT e.id, e.identifier, e.alternate_identifier AS alternateIdentifier, e.alternate_identifier_type AS alternateIdentifierType,
              e.title, e.description, e.release_date AS releaseDate, e.version, sr.root AS root, sl.path
         FROM external_object e
         LEFT JOIN storage_location sl ON sl.id = e.original_store
         LEFT JOIN storage_root sr ON sr.id = sl.storage_root
        WHERE e.data_product = ?`,
    ).get(dataProductId) as (Omit<ExternalObjectRecord, 'originalStore'> & { root: string | null; path: string | null }) | undefined;
    if (!e) return undefined;
    const { root, path, ...rest } = e;
    return { ...rest, originalStore: root !== null && path !== null ? storageUri(root, path) : null };
  }

  /** The licences recorded for an object: their identifiers (URLs), else their text. */
  licences(objectId: number): string[] {
    return (this.stmt('SELECT coalesce(identifier, licence_info) AS l FROM licence WHERE object = ? ORDER BY id').all(objectId) as { l: string }[]).map((r) => r.l);
  }

  /** Per data product: the processes that the run's journal says opened it. */
  accessesOf(runId: string): Map<number, ProductAccess> {
    const rows = this.stmt(
      `SELECT data_product AS product, pid, command FROM access
        WHERE run_id = ? AND data_product IS NOT NULL AND outcome = 'ok' AND pid IS NOT NULL ORDER BY id`,
    ).all(runId) as { product: number; pid: number; command: string | null }[];
    const out = new Map<number, Set<string>>();
    for (const r of rows) {
      let processes = out.get(r.product);
      if (!processes) out.set(r.product, (processes = new Set()));
      processes.add(r.command ? `${r.pid} ${r.command}` : String(r.pid));
    }
    return new Map([...out].map(([k, v]) => [k, { processes: [...v] }]));
  }

  private ids(sql: string, arg: number): number[] {
    return (this.stmt(sql).all(arg) as { id: number }[]).map((r) => r.id);
  }
}
