import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DataConflictError } from '../errors.js';
import type { Home } from '../home.js';
import { authorOf, readSettings } from '../home.js';
import type { RunStatus } from '../registry/registry.js';
import { resolveWriteVersion } from '../config/versions.js';
import { sha1File } from '../store/hash.js';
import type { DataStore, StoredFile } from '../store/store.js';
import { componentsOf } from '../store/components.js';
import { hashOutputs } from './outputs.js';
import type { ComponentParse } from '../formats/toml.js';
import { inputComponentsOf } from './inputs.js';
import { planOutputs, type PlannedOutput } from './plan-outputs.js';
import type { Session } from './session.js';

export interface RunOutcome {
  status: Exclude<RunStatus, 'running'>;
  exitCode: number | null;
  message?: string | null;
  /** Register a failed run's outputs anyway (`--register-failed`). */
  registerFailed?: boolean;
}

export interface FinalisedOutput {
  path: string;
  product: string;
  hash: string;
  size: number;
}

export interface FinaliseReport {
  runId: string;
  status: Exclude<RunStatus, 'running'>;
  outputs: FinalisedOutput[];
  quarantined: string | null;
  warnings: string[];
}

/**
 * Finalise a session after its mount is gone (DESIGN §4.4): hash outputs
 * (streamed hash when writes were sequential), move them into the store, and
 * register everything in ONE transaction. Failed and aborted runs keep their
 * outputs in quarantine instead.
 */
export async function finaliseSession(session: Session, outcome: RunOutcome): Promise<FinaliseReport> {
  const progress: Progress = { stored: [] };
  try {
    return await finalise(session, outcome, progress);
  } catch (err) {
    // Whatever broke (disk full, a name the store cannot hold, a version race), no run stays `running`.
    await endFailed(session, outcome, progress, err);
    throw err;
  }
}

/** What finalise had done when it failed: files already moved into the store. */
interface Progress {
  stored: { planned: PlannedOutput; file: StoredFile; parsed: ComponentParse | null }[];
}

/**
 * End a run whose finalise failed: its outputs (staged, or already stored)
 * copied to quarantine with their hashes, status `failed` with the reason.
 * When even quarantine fails, staging is left in place and the reason says where.
 */
async function endFailed(session: Session, outcome: RunOutcome, progress: Progress, err: unknown): Promise<void> {
  const { registry, runId } = session;
  if (registry.getSession(runId)?.status !== 'running') return;
  let where: string;
  try {
    const stored = new Map(progress.stored.map((s) => [s.planned.path, s.file]));
    const kept: KeptFile[] = [];
    for (const f of session.vfs.outputs()) {
      const file = stored.get(f.path);
      if (file) kept.push({ path: f.path, source: session.store.absolute(file.path), hash: file.hash, size: file.size });
      else if (existsSync(f.staging)) kept.push({ path: f.path, source: f.staging, hash: f.sha1 ?? (await sha1File(f.staging)), size: f.size });
    }
    where = kept.length ? `outputs kept in ${quarantine(session.home, runId, kept, 'copy')}` : 'no outputs';
    rmSync(session.stagingDir, { recursive: true, force: true });
  } catch (qerr) {
    where = `outputs left in ${session.stagingDir} (quarantine failed: ${(qerr as Error).message})`;
  }
  registry.endSession(runId, 'failed', outcome.exitCode, `finalise failed: ${(err as Error)?.message ?? err}; ${where}`);
}

async function finalise(session: Session, outcome: RunOutcome, progress: Progress): Promise<FinaliseReport> {
  const { registry, vfs, recorder, runId } = session;
  recorder.flush();
  const files = vfs.outputs();
  const settings = readSettings(session.home);
  const fallbackNamespace = settings.namespace ?? settings.user;
  const plan = planOutputs(
    files.map((f) => f.path),
    session.working,
    runId,
    fallbackNamespace,
  );
  const hashed = await hashOutputs(files);
  const inputComponents = inputComponentsOf(registry, runId);
  const codeRunId = session.record.codeRunId;
  const scriptObject = storeSubmissionScript(session);

  const register = outcome.status === 'completed' || (outcome.status === 'failed' && outcome.registerFailed === true);
  if (!register) {
    const kept = hashed.map((f) => ({ path: f.path, source: f.staging, hash: f.hash, size: f.size }));
    const quarantined = kept.length ? quarantine(session.home, runId, kept, 'move') : null;
    registry.transaction(() => {
      registry.linkRun(codeRunId, 'input', inputComponents);
      linkProvenance(session, scriptObject);
      registry.endSession(runId, outcome.status, outcome.exitCode, outcome.message ?? (quarantined ? `outputs kept in ${quarantined}` : null));
    });
    rmSync(session.stagingDir, { recursive: true, force: true });
    return { runId, status: outcome.status, outputs: [], quarantined, warnings: plan.warnings };
  }

  const { stored } = progress;
  const byPath = new Map(hashed.map((h) => [h.path, h]));
  // Hard links: one staged file under several names; it is moved into the store at its last name, copied before.
  const usesLeft = new Map<string, number>();
  for (const planned of plan.outputs) {
    const staging = byPath.get(planned.path)!.staging;
    usesLeft.set(staging, (usesLeft.get(staging) ?? 0) + 1);
  }
  for (const planned of plan.outputs) {
    const f = byPath.get(planned.path)!;
    const parsed = await componentsOf(f.staging, planned.extension);
    const left = usesLeft.get(f.staging)! - 1;
    usesLeft.set(f.staging, left);
    const file = await session.store.put(f.staging, planned.namespace, planned.name, planned.extension, {
      move: left === 0,
      knownHash: f.hash,
    });
    stored.push({ planned, file, parsed });
  }

  const outputs: FinalisedOutput[] = [];
  // The user is the author of what the run wrote (FAIR-CLI links every output object to its user's author).
  const author = stored.length ? registry.userAuthor(settings.user, authorOf(session.home, settings)) : null;
  registry.transaction(() => {
    const assigned = new Map<string, string[]>();
    for (const { planned, file, parsed } of stored) {
      const key = `${planned.namespace}:${planned.name}`;
      const taken = [...registry.versions(planned.namespace, planned.name), ...(assigned.get(key) ?? [])];
      const version = resolveWriteVersion(planned.versionSpec, taken);
      if (taken.includes(version)) {
        throw new DataConflictError(`${key}@${version} already exists (written by another run since this one started)`, {
          hint: 'use a version expression such as ${{PATCH}} for outputs that several runs write',
        });
      }
      assigned.set(key, [...(assigned.get(key) ?? []), version]);
      const product = registry.registerProduct({
        namespace: planned.namespace,
        name: planned.name,
        version,
        description: planned.description,
        file: { storageRoot: session.store.rootUrl, path: file.path, hash: file.hash, size: file.size, extension: planned.extension, public: planned.public },
        components: parsed?.ok ? parsed.components : [],
      });
      if (parsed && !parsed.ok) {
        // A core-format file that does not parse is kept whole, with an issue saying why (DESIGN §8).
        registry.addIssue(3, `${planned.path} ${parsed.error}`, [product.componentIds.get('whole_object')!]);
      }
      registry.linkRun(codeRunId, 'output', product.componentIds.values());
      if (author !== null) registry.linkAuthors(product.objectId, [author]);
      outputs.push({ path: planned.path, product: `${key}@${version}`, hash: file.hash, size: file.size });
    }
    registry.linkRun(codeRunId, 'input', inputComponents);
    linkProvenance(session, scriptObject);
    registry.endSession(runId, outcome.status, outcome.exitCode, outcome.message ?? null);
  });
  rmSync(session.stagingDir, { recursive: true, force: true });
  return { runId, status: outcome.status, outputs, quarantined: null, warnings: plan.warnings };
}

interface ScriptFile {
  file: StoredFile;
  extension: string;
}

/** The submission script: the config's script/script_path, else the command that ran. */
function storeSubmissionScript(session: Session): ScriptFile | null {
  const { config, store } = session;
  const command = session.registry.getSession(session.runId)?.command ?? null;
  let text: string | null = null;
  // What actually ran is the submission script: the config's script file, else the command; a mount records the config's.
  if (session.scriptFile && existsSync(session.scriptFile)) return storeScriptFile(store, session.scriptFile);
  if (command) text = `#!/bin/sh\n${command}\n`;
  else if (config.script) text = config.script;
  else if (config.scriptPath && existsSync(config.scriptPath)) return storeScriptFile(store, config.scriptPath);
  if (text === null) return null;
  return { file: store.putBytes(text, '.fairfs/scripts', 'sh'), extension: 'sh' };
}

function storeScriptFile(store: DataStore, path: string): ScriptFile {
  const ext = path.includes('.') ? path.slice(path.lastIndexOf('.') + 1) : 'sh';
  return { file: store.putBytes(readFileSync(path), '.fairfs/scripts', ext), extension: ext };
}

/** Record the submission script and code repo release as objects of the run. */
function linkProvenance(session: Session, script: ScriptFile | null): void {
  const { registry, store } = session;
  const codeRunId = session.record.codeRunId;
  const objects: { submissionScript?: number; codeRepo?: number } = {};
  if (script) {
    objects.submissionScript = registry.insertObject(
      { storageRoot: store.rootUrl, path: script.file.path, hash: script.file.hash, size: script.file.size, extension: script.extension },
      'submission script of a fairfs code run',
    ).objectId;
  }
  const rec = session.record;
  if (rec.codeRepo && session.git?.commit) {
    objects.codeRepo = registry.insertObject(
      { storageRoot: rec.codeRepo.includes('://') ? rec.codeRepo : pathToFileURL(rec.codeRepo).href, path: rec.codeCommit ?? session.git.commit, hash: session.git.commit, size: 0, extension: '' },
      'code repository release of a fairfs code run',
    ).objectId;
  }
  registry.setRunObjects(codeRunId, objects);
}

interface KeptFile {
  /** Mount path the run wrote it at. */
  path: string;
  source: string;
  hash: string;
  size: number;
}

/** Keep outputs under their mount paths in quarantine/<run>/files/, with a manifest of hashes. */
function quarantine(home: Home, runId: string, files: KeptFile[], mode: 'move' | 'copy'): string {
  const dir = join(home.quarantine, runId);
  mkdirSync(dir, { recursive: true });
  const manifest: { path: string; file: string; sha1: string; size: number }[] = [];
  // Hard-linked names share a source: moved once, then copied from where it went.
  const keptAt = new Map<string, string>();
  for (const [i, f] of files.entries()) {
    const source = keptAt.get(f.source) ?? f.source;
    const how = keptAt.has(f.source) ? 'copy' : mode;
    // Under its mount path where the filesystem can hold it, else by number: the manifest maps both.
    let rel = join('files', f.path);
    try {
      mkdirSync(dirname(join(dir, rel)), { recursive: true });
      keep(source, join(dir, rel), how);
    } catch {
      rel = join('files', `.by-number`, String(i));
      mkdirSync(dirname(join(dir, rel)), { recursive: true });
      keep(source, join(dir, rel), how);
    }
    if (!keptAt.has(f.source)) keptAt.set(f.source, join(dir, rel));
    manifest.push({ path: f.path, file: rel, sha1: f.hash, size: f.size });
  }
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return dir;
}

function keep(source: string, target: string, mode: 'move' | 'copy'): void {
  if (mode === 'copy') return copyFileSync(source, target);
  try {
    renameSync(source, target);
  } catch {
    copyFileSync(source, target);
  }
}

/** After a crash the mount paths are gone: keep each staged file by its staging name. */
export async function quarantineOrphanedStaging(home: Home, runId: string): Promise<string | null> {
  const staging = join(home.staging, runId);
  if (!existsSync(staging)) return null;
  const dir = join(home.quarantine, runId);
  mkdirSync(join(dir, 'files'), { recursive: true });
  const manifest: { staging: string; sha1: string; size: number }[] = [];
  for (const name of readdirSync(staging)) {
    const source = join(staging, name);
    manifest.push({ staging: name, sha1: await sha1File(source), size: statSync(source).size });
    renameSync(source, join(dir, 'files', name));
  }
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  rmSync(staging, { recursive: true, force: true });
  return dir;
}

