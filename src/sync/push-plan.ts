import { statSync } from 'node:fs';
import type { Registry, SessionRecord } from '../registry/registry.js';
import { uploadableFile } from './store-file.js';

/*
 * What `fairfs push --dry-run` shows: every record a push of these runs would
 * post (in the order it posts them) and every file it would upload, worked
 * out from the local registry alone. A record this home already knows the
 * remote's URL of is marked as there; everything else is posted (the remote
 * answers 409 for what it has, and the push then takes its copy).
 */

export interface PlannedRecord {
  endpoint: string;
  what: string;
  /** The remote URL when an earlier push recorded it. */
  there: string | null;
}

export interface PlannedFile {
  path: string;
  hash: string;
  size: number;
}

export interface PushPlan {
  run: string;
  records: PlannedRecord[];
  files: PlannedFile[];
}

export function planPush(registry: Registry, remote: string, runs: SessionRecord[]): PushPlan[] {
  const seen = new Set<string>();
  // Files an earlier push could not upload go first, as push sends them.
  const waiting: PlannedFile[] = registry.pendingUploads(remote).flatMap((p) => {
    const file = uploadableFile(registry.objectDetail(p.objectId));
    return file ? [{ path: file, hash: p.hash, size: statSync(file).size }] : [];
  });
  const plans = runs.map((run) => {
    const records: PlannedRecord[] = [];
    const files: PlannedFile[] = [];
    const add = (endpoint: string, what: string, local?: { table: string; id: number }): void => {
      const key = `${endpoint} ${what}`;
      if (seen.has(key)) return;
      seen.add(key);
      records.push({ endpoint, what, there: local ? (registry.remoteUrl(remote, local.table, local.id) ?? null) : null });
    };
    const object = (objectId: number): void => {
      const d = registry.objectDetail(objectId);
      const label = d.dataProducts.map((p) => `${p.namespace}:${p.name}@${p.version}`).join(', ') || d.description || d.uuid;
      if (d.storageRoot && d.hash && d.path !== null) {
        const file = uploadableFile(d);
        if (file && !registry.remoteUrl(remote, 'object', objectId)) files.push({ path: file, hash: d.hash, size: statSync(file).size });
        add('storage_root', d.storageRoot);
        add('storage_location', `${d.hash} (${label})`);
      }
      if (d.extension) add('file_type', `${d.fileTypeName} (.${d.extension})`);
      for (const a of d.authors) add('author', `${a.name}${a.identifier ? ` <${a.identifier}>` : ''}`, { table: 'author', id: a.id });
      add('object', `${d.uuid} (${label})`, { table: 'object', id: objectId });
      for (const c of d.components) add('object_component', `${c.name} of ${label}`, { table: 'object_component', id: c.id });
      for (const p of d.dataProducts) {
        add('namespace', p.namespace);
        add('data_product', `${p.namespace}:${p.name}@${p.version}`, { table: 'data_product', id: p.id });
      }
    };
    const detail = registry.codeRunDetail(run.codeRunId);
    for (const c of [...detail.inputs, ...detail.outputs]) object(registry.componentObject(c));
    for (const id of [detail.modelConfig, detail.submissionScript, detail.codeRepo]) if (id !== null) object(id);
    const runner = registry.linkedAuthor(run.user);
    if (runner) add('user_author', `the token's account → ${runner.name}`);
    add('code_run', `${detail.uuid} (${run.description})`, { table: 'code_run', id: run.codeRunId });
    return { run: run.runId, records, files: files.filter((f, i) => files.findIndex((x) => x.hash === f.hash) === i) };
  });
  return waiting.length ? [{ run: 'files waiting from an earlier push', records: [], files: waiting }, ...plans] : plans;
}
